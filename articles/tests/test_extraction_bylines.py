"""The byline a reader sees, in the forms templates give it: each case a tiny page of its own."""

import pytest

from articles.extraction import extract

STORY = "<p>The bridge closes on Monday for at least a year of repairs, the council said.</p>"


def byline_of(before: str, after: str = "") -> str:
    html = f"<html><body><article><h1>Council to close bridge</h1>{before}{STORY}{after}</article></body>"
    return extract(html, "http://x/").byline


def test_a_picture_s_credit_is_not_the_byline() -> None:
    # A box named for the author of a picture's licence credits the photographer, not the story.
    picture = '<p class="media-license"><span class="media-license-author">zvg</span></p>'
    assert byline_of(f'{picture}<p class="meta">Von Ann Bee</p>') == "Ann Bee"


def test_an_author_vcard_is_the_name() -> None:
    # The microformat of a person ("author vcard") is the credit itself; the label beside it is no name.
    meta = (
        '<div class="entry-meta">von <span class="author vcard"><a class="url fn n" href="/a/jr">Jane Roe'
        '</a></span> <span class="meta-prep meta-prep-author">Veröffentlicht am</span> 11. Juni 2019</div>'
    )
    assert byline_of(meta) == "Jane Roe"


@pytest.mark.parametrize(
    "credit",
    [
        '<section class="news-meta"><h4>Autor</h4><p><a href="/p/jr">Jane Roe</a><b>, </b></p></section>',
        "<ul><li><strong>Date</strong> 19.01.2020</li><li><strong>Author</strong>\nJane Roe</li></ul>",
        "<dl><dt>Autorin</dt><dd>Jane Roe</dd></dl>",
    ],
)
def test_the_names_after_an_author_label_of_its_own(credit: str) -> None:
    assert byline_of(credit) == "Jane Roe"


def test_after_an_author_label_an_account_name_is_the_credit() -> None:
    assert byline_of('<ul><li><span>Autor</span> <a href="/members/7">Catch more fish</a></li></ul>') == (
        "Catch more fish"
    )


@pytest.mark.parametrize(
    "credit",
    [
        "<div><p>Auteur : Jane Roe </p> <p>Edition : A. Bee</p></div>",
        '<div class="authorbold">Text &amp; Fotos: Jane Roe</div>',
        "<p>Texte et photos : Jane Roe</p>",
        "<p>Autora: Jane Roe</p>",
    ],
)
def test_credit_labels_in_more_languages(credit: str) -> None:
    assert byline_of(credit) == "Jane Roe"


def test_a_credit_line_ends_at_its_line_break() -> None:
    # The dateline after the break is no name.
    credit = "<p>Von <b>Ann Bee</b> und <b>Carl Dahl</b><br><span></span><br>Kakuma /Kenia</p>"
    assert byline_of(credit) == "Ann Bee und Carl Dahl"


def test_a_quoted_post_s_credit_is_not_the_byline() -> None:
    embed = '<div class="fb-post"><blockquote><p>Rents must fall.</p><p>Posted by <a>Party</a> on Monday</p>'
    assert byline_of("", f"{embed}</blockquote></div>") == ""


def blog_post(footer: str) -> str:
    story = STORY * 4
    return f"""<html><body><div class="blog-posts"><div class="post hentry"><h3>Council to close bridge</h3>
    <div class="post-body entry-content">{story}</div><div class="post-footer">{footer}</div></div></div>
    <div id="footer">Theme by Carl Dahl</div></body></html>"""


def test_the_story_s_own_footer_holds_its_byline() -> None:
    footer = '<div class="post-footer-line"><span class="post-author">Eingestellt von <b>Jane Roe</b></span>'
    assert extract(blog_post(f"{footer}</div>"), "http://x/").byline == "Jane Roe"
    # The page's footer, further up, credits no story.
    assert extract(blog_post(""), "http://x/").byline == ""


@pytest.mark.parametrize(
    "credit",
    [
        "<p>erstellt von Jane Roe — veröffentlicht 28.01.2022 06:00</p>",
        "<p>Publicado por Jane Roe</p>",
        "<p>Veröffentlicht von Jane Roe</p>",
    ],
)
def test_credit_verbs_in_more_languages(credit: str) -> None:
    assert byline_of(credit) == "Jane Roe"


def test_a_section_about_authors_is_no_credit() -> None:
    rules = "<p>Bitte beachten Sie diese Regeln, wenn Sie uns Ihr Manuskript schicken.</p>" * 5
    guidelines = f'<div class="author_guidelines"><h2>Richtlinien für Autor/innen</h2>{rules}</div>'
    assert byline_of(guidelines) == ""


@pytest.mark.parametrize(
    ("last", "byline"),
    [
        ("<p>– Jane Roe</p>", "Jane Roe"),
        ("<p>The works take a year, the council said. (amo)</p>", "amo"),
        ("<p>© 2019 Jane Roe</p>", "Jane Roe"),
        ("<p>© Reuters</p>", "Reuters"),
        ("<p>Benni<br> 10. September 2017</p>", "Benni"),
        # Not signatures: a link back to the top, a label with a date, one word alone.
        ('<p><a href="#">Zum Seitenanfang</a></p>', ""),
        ("<p><strong>Last updated:</strong> 13 July 2020</p>", ""),
        ("<p>Kontakt</p>", ""),
        # Capitalised words without a mark: a heading as often as a name.
        ("<p>Jane Roe</p>", ""),
        ("<h5>Similar Articles</h5>", ""),
        ("<p>Updated<br>10.09.2017</p>", ""),
        # Two or three names in bold as the story's very last text sign it; a bold heading has what it
        # heads after it, and one word or four are no such signature.
        ("<p><b><i>Jane Roe</i></b></p>", "Jane Roe"),
        ("<p><strong>Ann Bee Dee</strong></p>", "Ann Bee Dee"),
        ('<p><strong>Similar Articles</strong></p><ul><li><a href="/a">Another story</a></li></ul>', ""),
        ("<p><strong>Jane Roe</strong></p><p>Photos: the council.</p>", ""),
        ("<p><strong>Jane Roe</strong> and more words</p>", ""),
        ("<p><strong>Kontakt</strong></p>", ""),
        ("<p><strong>Our Team At City Hall</strong></p>", ""),
    ],
)
def test_the_line_that_signs_the_story(last: str, byline: str) -> None:
    assert byline_of("", STORY * 3 + last) == byline


@pytest.mark.parametrize(
    "after",
    [
        "<p>40,050 views · 280 comments</p>",
        '<div class="paywall-prompt"><p>You have 5 free articles left this month.</p></div>',
        '<p><strong>Read more:</strong> <a href="/story/1">Council story 695 in full</a></p>',
    ],
)
def test_a_line_the_page_adds_after_the_story_does_not_take_the_signature_s_place(after: str) -> None:
    # Counters, prompts and promos come and go between loads: the byline must not come and go with them.
    assert byline_of("", STORY * 3 + "<p>The works take a year, the council said. (amo)</p>" + after) == "amo"


def test_a_box_of_the_authors_affiliations_is_not_the_credit() -> None:
    # The box that lists where the author works and where to search for their work holds more than names;
    # its heading is the name.
    box = (
        '<div class="author-affiliations"><div class="tab-box"><h3 class="author-affiliation-head">Jane Roe'
        '</h3><div class="tab-content"><h4>Search for this author in:</h4><ul><li><a href="/s">PubMed</a>'
        "</li></ul></div></div></div>"
    )
    assert byline_of("", box) == "Jane Roe"


def test_the_credit_of_a_teaser_in_a_list_is_not_the_byline() -> None:
    # A slideshow of other stories inside the page: each item's "Author:" credits that item's story.
    slides = (
        '<ul class="slides"><li><h4>The city\'s old harbour</h4><p>How the port grew, and why it shrank.</p>'
        '<p class="author">Author: Bo Lee (eg)</p></li></ul>'
    )
    assert byline_of("", f"{slides}<ul><li><strong>Author</strong> Jane Roe</li></ul>") == "Jane Roe"


def test_a_box_of_contact_details_after_the_story_does_not_sign_it() -> None:
    # The address and e-mail of the story's partner close the page; the line before them signs it.
    contacts = (
        '<div class="partner"><strong>Adresse</strong><div>Filmbüro<br>Jane Roe<br>Hauptstraße 2</div>'
        "<div>Telefon: 0173 835 0314<br>E-Mail: kontakt@example.org</div></div>"
    )
    assert byline_of("", STORY * 3 + "<p>© 2019 Jane Roe</p>" + contacts) == "Jane Roe"


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ('<p style="text-align:right">Quelle: <a href="http://x/">kathpress</a></p>', "kathpress"),
        ('<div class="meta"><strong class="label">Quelle:</strong> Ann Agency</div>', "Ann Agency"),
        # A picture's source is no credit of the story.
        ('<p><img src="a.jpg"><span class="caption">Quelle: <cite>THW</cite></span></p>', ""),
    ],
)
def test_the_source_a_story_is_taken_from(line: str, byline: str) -> None:
    assert byline_of("", STORY * 3 + line) == byline


def test_a_source_that_names_no_one_is_no_credit() -> None:
    assert byline_of("", STORY * 3 + "<p><strong>Source:</strong> company filings</p>") == ""


def test_an_aside_of_the_story_s_details_holds_its_credit() -> None:
    # An <aside> is chrome, unless it is named for the story's details: its date, source and byline.
    assert byline_of('<aside class="meta"><p>21.01.2022</p><p>Von Jane Roe</p></aside>') == "Jane Roe"
    assert byline_of('<aside class="more"><p>Von Jane Roe</p></aside>') == ""


def test_the_opening_post_s_author_in_a_thread() -> None:
    # A forum thread: the posts name their authors in an attribute; the first post opened the thread.
    def post(name: str) -> str:
        return f'<article class="message" data-author="{name}"><h4>{name}</h4>{STORY}</article>'

    html = f"<html><body><h1>Council to close bridge</h1><div>{post('jroe')}{post('Bo Lee')}</div></body>"
    assert extract(html, "http://x/").byline == "jroe"


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        (
            '<div class="postinfo">Posted on <span class="date">Oktober 27, 2015</span> by Admin</div>',
            "Admin",
        ),
        ("<p>Veröffentlicht am <time>27.10.2015</time> von Jane Roe</p>", "Jane Roe"),
        ("<p>Posted on <span>27 October 2015</span></p>", ""),
    ],
)
def test_a_credit_line_that_gives_the_date_first(line: str, byline: str) -> None:
    assert byline_of(line) == byline


def test_a_link_line_a_load_drops_into_the_author_s_box_does_not_unmake_the_credit() -> None:
    # The box is just short enough to be a credit; the "Read more:" line a load adds must not make it a
    # section about authors on that load only.
    bio = (
        "<p>Jane Roe, 27, reporter</p><p>Reading, writing, taking pictures: all of it is my passion. In my "
        "dreams I travel to other worlds, and I want to take you there with me, with my pictures, my words "
        "and my thoughts, every week of the year, from the town hall to the harbour.</p>"
    )
    promo = (
        '<p><strong>Read more:</strong> <a href="/story/1">Council story number 12 explained in full</a></p>'
    )
    first = byline_of("", f'<div class="author">{bio}</div>')
    assert first == "Jane Roe"
    assert byline_of("", f'<div class="author">{bio}{promo}</div>') == first


@pytest.mark.parametrize(
    ("credit", "byline"),
    [
        # A Drupal post's "submitted" line, with the date after the name.
        (
            '<div class="submitted">Gespeichert von <span class="username">jroe</span> am 24. Juli 2017'
            "</div>",
            "jroe",
        ),
        (
            '<div class="submitted">Submitted by <span class="username">jroe</span> on 24/07/2017</div>',
            "jroe",
        ),
        ("<p>Von Jane Roe am 07.08.2013 um 09:07 Uhr gespeichert unter Politik</p>", "Jane Roe"),
    ],
)
def test_the_date_after_the_names_of_a_credit_line(credit: str, byline: str) -> None:
    assert byline_of("", credit) == byline


def test_a_box_of_labels_keeps_its_author_beside_a_date() -> None:
    # The date cut from a credit line is not cut from a box of labelled facts: its author comes after it.
    box = (
        '<div class="meta"><span>Datum:</span> 19.11.2021 <span>Autor:</span> Jane Roe '
        "<span>Quelle:</span> Example</div>"
    )
    assert byline_of("", box) == "Jane Roe"


def test_the_names_after_a_bare_credit_word() -> None:
    credit = '<div class="info"><strong>von</strong> <span class="imagedefault">Jane Roe</span></div>'
    assert byline_of(credit) == "Jane Roe"


def test_after_a_bare_credit_word_only_names_count() -> None:
    # "by" alone before words that are no names: a heading, a pager, a theme's credit.
    assert byline_of("<p><b>by</b> <span>the numbers: what it costs to close the bridge</span></p>") == ""


@pytest.mark.parametrize(
    ("credit", "byline"),
    [
        ("<p>By the numbers:</p>", ""),  # a heading, no credit to "the"
        ("<p>Veröffentlicht am 16.08.2019 Dauer: 1 Stunde</p>", ""),  # a date, no one credited
        ('<p class="author">Disko Von Jane Roe</p>', "Jane Roe"),  # a section's name before the credit
        ('<p class="author">Walter von Aachen</p>', "Walter von Aachen"),  # "von" in a name stays
        ("<p>Von Rechtsanwalt Jan Roe</p>", "Jan Roe"),
        ("<p>Von Dr. med. Jane Roe</p>", "Jane Roe"),
        ("<p>Quelle: Jane Roe (Text), Ann Bee (Bild)</p>", "Jane Roe"),
        ("<p>Von Jane Roe und Ann Bee, NDR</p>", "Jane Roe und Ann Bee"),
        ("<p>Von Jane Roe, AP</p>", "Jane Roe"),
        ("<p>Quelle: DJV, FWR</p>", "DJV, FWR"),  # letters that are the only credit stay
    ],
)
def test_what_a_credit_carries_besides_names(credit: str, byline: str) -> None:
    assert byline_of(credit) == byline


@pytest.mark.parametrize(
    ("credit", "byline"),
    [
        ('<div class="post-footer">Posted by <span class="fn">Unknown</span> at 12:53</div>', ""),
        ("<p>Publié par Unknown</p>", ""),
        ('<div class="post-footer">Posted by <span class="fn">Anonymous</span></div>', "Anonymous"),
    ],
)
def test_a_blog_s_placeholder_for_a_hidden_profile_credits_no_one(credit: str, byline: str) -> None:
    assert byline_of("", credit) == byline


def test_words_of_a_sentence_after_von_are_no_user_name() -> None:
    # "… was unterscheidet unser Angebot <span>von anderen Anbietern:</span>": a sentence, not a credit.
    line = (
        "<p><strong>Was unterscheidet uns </strong><strong><span>von anderen Anbietern:</span></strong></p>"
    )
    assert byline_of(line) == ""
    assert byline_of("<p>Posted by jroe</p>") == "jroe"


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("<p>Źródło: ISBnews</p>", "ISBnews"),
        # A document cited as the source names no one.
        (
            "<p>Quelle: 20/428 - Schriftliche Fragen: Schriftliche Fragen mit den Antworten der "
            "Bundesregierung "
            "(S. 34f.)</p>",
            "",
        ),
    ],
)
def test_a_source_is_an_agency_named_in_a_few_words(line: str, byline: str) -> None:
    assert byline_of("", STORY * 3 + line) == byline


@pytest.mark.parametrize(
    ("box", "byline"),
    [
        (
            '<div class="article-author"><span class="updated">Letzte Aktualisierung: 12.01.2022</span></div>'
            '<div class="author-entry">Jane Roe</div>',
            "Jane Roe",
        ),
        (
            '<div class="byline">Jane Roe, Ann Bee y Bo Lee Tiempo de lectura: 5 min</div>',
            "Jane Roe, Ann Bee y Bo Lee",
        ),
        ('<div class="byline">Jane Roe · 4 min read</div>', "Jane Roe"),
        ('<div class="author vcard">Von Jane Roe Fr, 18. Oktober 2019</div>', "Jane Roe"),
        ('<div class="author">By Jane Roe, PhD, Ann Bee, MD</div>', "Jane Roe, Ann Bee"),
        ('<div class="author">Jane Roe (Medizinredakteurin, M.A. Kommunikation)</div>', "Jane Roe"),
        # Blogger's credit starts with "Posted by": no date to cut there (more names than a credit line
        # may hold, so only the box reads them).
        (
            '<span class="byline-author">Posted by Jane Roe, Ann Bee, Bo Lee and Cy Dee - Safety team</span>',
            "Jane Roe, Ann Bee, Bo Lee and Cy Dee",
        ),
    ],
)
def test_what_an_author_s_box_holds_besides_the_names(box: str, byline: str) -> None:
    assert byline_of(box) == byline


def test_an_author_label_alone_in_the_author_s_box_is_no_name() -> None:
    # The box's job title says "Autor"; the credit is elsewhere.
    box = '<div class="author-box"><div class="author-job">Autor</div></div>'
    assert byline_of("<p>Von Jane Roe</p>", box) == "Jane Roe"


def test_a_commenter_marked_up_as_an_author_is_not_the_byline() -> None:
    comments = (
        '<section class="comments"><article class="comment"><span itemprop="author">link78</span></article>'
        "</section>"
    )
    assert byline_of("<p>Von Jane Roe</p>", comments) == "Jane Roe"


def test_a_photographer_s_credit_whose_bracket_the_credit_s_end_lost() -> None:
    assert byline_of("", STORY * 3 + "<div>Quelle: Jane Roe (Text), Bo Lee (Bild)</div>") == "Jane Roe"


def test_the_footer_of_the_story_s_article_however_deep_the_story_sits() -> None:
    # The story sits four boxes down in its <article>; the <article>'s own <footer> credits it, the page's
    # footer outside the <article> does not.
    story = f"<div class='wrap'><div class='row'><div class='col'><div>{STORY * 3}</div></div></div></div>"
    footer = '<footer><div class="tags">Tags</div><div class="author-name">Jane Roe</div></footer>'
    html = (
        f"<html><body><article><h1>Council to close bridge</h1>{story}{footer}</article>"
        "<footer>Site</footer></body>"
    )
    assert extract(html, "http://x/").byline == "Jane Roe"


def test_a_side_column_named_for_the_story_s_details_holds_its_credit() -> None:
    side = '<section class="meta sidebar"><div class="author-meta"><p>Von Jane Roe</p></div></section>'
    assert byline_of(side) == "Jane Roe"
    assert byline_of('<section class="sidebar"><p>Von Jane Roe</p></section>') == ""
    # The article's own column of details: "c-sidebar c-article__info".
    side = (
        '<div class="c-sidebar c-article__info"><div class="c-article__author">Author: Jane Roe</div></div>'
    )
    assert byline_of(side) == "Jane Roe"


@pytest.mark.parametrize(
    ("first", "byline"),
    [
        ("Hamburg (dpa/lno) – The bridge closes on Monday.", "dpa"),
        ("BERLIN (AFP) - The bridge closes on Monday.", "AFP"),
        ("(EFE).- The bridge closes on Monday.", "EFE"),
        # A place's country, not an agency.
        ("Moskau (Russland) – The bridge closes on Monday.", ""),
    ],
)
def test_the_agency_in_the_story_s_dateline(first: str, byline: str) -> None:
    assert byline_of(f"<p>{first}</p>") == byline


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("<p>Autoren Jane Roe und Ann Bee</p>", "Jane Roe und Ann Bee"),
        (
            '<div class="author__box"><div class="author__top">About the Author - <span>Jane Roe</span></div>'
            "</div>",
            "Jane Roe",
        ),
        # A sentence about authors is no credit.
        ("<p>Autoren wie Goethe schrieben darüber.</p>", ""),
    ],
)
def test_an_author_label_without_its_colon(line: str, byline: str) -> None:
    assert byline_of("", STORY * 3 + line) == byline


@pytest.mark.parametrize(
    ("box", "byline"),
    [
        ('<div class="header-info"><div class="header-info__author"><a>Jane Roe</a></div></div>', "Jane Roe"),
        (
            '<div class="post-info"><div class="info-wrapper author-wrapper"><span>Von:</span> <span>Jane Roe'
            "</span></div></div>",
            "Jane Roe",
        ),
        # A button in the box about the author, and a sentence about them, are no names.
        ('<div class="author-info"><a class="author-info__follow">Follow</a></div>', ""),
        ('<div class="author-info">Jane Roe is a reporter.</div>', ""),
        # A picture's credit never credits the story, however name-like.
        ('<div class="image-author">Jane Roe</div>', ""),
    ],
)
def test_a_box_named_as_about_the_author_that_holds_only_names(box: str, byline: str) -> None:
    assert byline_of(box) == byline


def test_a_name_only_in_a_hidden_copy_of_the_structured_data_is_not_shown() -> None:
    # A theme repeats the structured data in a box hidden by its name; the visible credit is the team's.
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"name": "Bo Lee"}}</script>'
    hidden = '<span class="hidden"><span class="structured-data" itemprop="author">Bo Lee</span></span>'
    html = (
        f"<html><head>{ld}</head><body><article><h1>Council to close bridge</h1><p>Autor: Die Redaktion</p>"
        f"{STORY}{hidden}</article></body></html>"
    )
    assert extract(html, "http://x/").byline == "Die Redaktion"


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        (
            '<div class="metaInfo">Ein Artikel von <strong>Jane Roe</strong> | 27.01.2022 - 12:45</div>',
            "Jane Roe",
        ),
        ("<p><strong>Eine Kolumne von Jane Roe</strong></p>", "Jane Roe"),
        (
            '<div><strong>Por: </strong><a href="/autor/a">Jane Roe Lee</a>, '
            '<a href="/autor/b">Ann Bee Cruz</a>, <a href="/autor/c">Bo Lee</a></div>',
            "Jane Roe Lee, Ann Bee Cruz, Bo Lee",
        ),
        ('<p class="author">Jane Roe Illustration von Bo Lee</p>', "Jane Roe"),
    ],
)
def test_credit_lines_as_more_newsrooms_write_them(line: str, byline: str) -> None:
    assert byline_of(line) == byline


def test_a_video_s_credit_is_not_the_story_s() -> None:
    summary = (
        '<p class="summary">Agents found the cargo on Sunday. <span class="credit video-credit">'
        "By CUSTOMS AND BORDER PROTECTION</span></p>"
    )
    assert byline_of(summary) == ""


@pytest.mark.parametrize(
    ("box", "byline"),
    [
        ('<div class="author">Jane Roe 28 kwietnia 2021 Polityka</div>', "Jane Roe"),
        # Written twice, for small and large screens; "R. R." is a name, not one written twice.
        ('<div class="author"><span>Jane Roe</span><span class="lg">Jane Roe</span></div>', "Jane Roe"),
        ('<div class="author">R. R.</div>', "R. R."),
        ('<div class="author"><a href="/autor/jr">Alles von Jane Roe</a></div>', "Jane Roe"),
        ('<div class="author">Jane Roe/SP-X</div>', "Jane Roe"),
        ('<div class="author">Von: jr/dpa</div>', "jr"),
        ('<div class="author">DJV/FWR</div>', "DJV/FWR"),
    ],
)
def test_what_else_an_author_s_box_holds(box: str, byline: str) -> None:
    assert byline_of(box) == byline
