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
