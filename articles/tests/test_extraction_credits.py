"""Credits in more of the forms newsrooms write them: the labels and agencies they give, and what else a
credit's box holds beside the names (dates, degrees, reading times, a picture's or a commenter's credit)."""

import pytest

from articles.extraction import extract
from articles.tests.test_extraction_bylines import STORY, byline_of


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


@pytest.mark.parametrize(
    ("box", "byline"),
    [
        # WordPress themes label the credit for screen readers only: the label is no part of what shows.
        (
            '<span class="byline"><span class="screen-reader-text">Veröffentlicht von</span>'
            '<span class="author vcard"><a class="url fn n" href="/author/jr/">Jane Roe</a></span></span>',
            "Jane Roe",
        ),
        (
            '<p class="author"><span class="sr-only">Posted by</span><a href="/u/5">jroe</a> » 21.01.09</p>',
            "jroe",
        ),
        # A date in Spanish or Portuguese ("3 de mayo de 2022") is when, not who.
        ('<div class="author">3 de mayo de 2022</div>', ""),
        ('<div class="author">Jane Roe 6 de maio de 2022</div>', "Jane Roe"),
        # A series' hashtag in the author's slot, and a picture's credit, name no writer.
        ('<div class="author">#Krótko o przepisach prawa</div>', ""),
        ('<div class="author">Фото из Инстаграма Лукаша Подольски</div>', ""),
        ('<div class="author">Foto: Jane Roe</div>', ""),
    ],
)
def test_what_a_reader_of_the_author_s_box_does_not_see_as_names(box: str, byline: str) -> None:
    assert byline_of(box) == byline
