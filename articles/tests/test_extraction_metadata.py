"""What the generic reader finds besides the story: the headline readers see, datelines, ages and counters
kept out of the body, the byline a reader sees credited, the canonical address, and the dates the page
states."""

import pytest

from articles.extraction import extract
from articles.tests.support import article_html


def test_the_headline_comes_from_json_ld_when_the_page_has_no_heading() -> None:
    html = """<html><head><title>Site | Section | A headline</title>
    <script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", "headline": "A headline",
      "author": [{"@type": "Person", "name": "Ann Bee"},
                 {"@type": "Organization", "name": "Site"}]}]}</script>
    </head><body><p>Text of the story, long enough to be read as a paragraph.</p></body></html>"""
    result = extract(html, "http://x/")
    # Ann Bee is named in the metadata only: no reader sees her credited, so there is no byline.
    assert (result.title, result.byline) == ("A headline", "")


def test_a_logo_in_an_h1_is_not_the_headline() -> None:
    html = """<html><head><title>Real headline here | Daily Site</title>
    <meta property="og:site_name" content="Daily Site"><meta property="og:title" content="Real headline here">
    </head><body><h1>Daily Site</h1>
    <p>The story itself, long enough to be read as a paragraph.</p></body></html>"""
    assert extract(html, "http://x/").title == "Real headline here"


STORY = [
    "The council voted on Tuesday to close the old bridge over the river for a year of repairs.",
    "Engineers found cracks in two of its piers during an inspection last month, officials said.",
]


def news_page(
    h1: str,
    *,
    title: str = "Council to close bridge",
    og: str = "Council to close bridge",
    header: str = "",
    first: str = "",
) -> str:
    """A news page as CMSs write it: <title>, og:title and JSON-LD say one headline, the page's <h1>
    another when only the visible heading was rewritten."""
    body = "".join(f"<p>{p}</p>" for p in STORY)
    return f"""<html><head><title>{title} | The Daily Test</title>
    <meta property="og:site_name" content="The Daily Test"><meta property="og:title" content="{og}">
    </head><body><header class="site"><a href="/"><h1>The Daily Test</h1></a></header>
    <main><article><div class="article-top"><h1>{h1}</h1>{header}</div>
    <div class="article-body">{first}{body}</div></article></main>
    <aside class="related"><h1>Most read</h1><p>Another story entirely, with its own long teaser.</p></aside>
    </body></html>"""  # fmt: skip


def test_the_headline_readers_see_wins_when_only_the_h1_was_rewritten() -> None:
    before = extract(news_page("Council to close bridge"), "http://127.0.0.1/story")
    after = extract(
        news_page("Bridge repairs delayed as council finds more cracks"), "http://127.0.0.1/story"
    )
    assert before.title == "Council to close bridge"
    assert after.title == "Bridge repairs delayed as council finds more cracks"
    assert before.paragraphs == after.paragraphs == STORY  # the heading is never a body paragraph


def test_an_h1_about_something_else_is_not_the_headline() -> None:
    # A section label in the story's header shares no word with what the page calls itself.
    result = extract(news_page("Latest articles"), "http://127.0.0.1/story")
    assert result.title == "Council to close bridge"
    assert result.paragraphs == STORY


@pytest.mark.parametrize(
    "header",
    [
        '<time datetime="2026-12-06T09:51:00Z">9 minutes ago</time>',
        '<time datetime="2026-12-06T09:51:00Z">an hour ago</time>',
        '<p class="info">By Jane Roe · <time>Updated 14:02 GMT, 6 December 2026</time></p>',
        "<div>By Jane Roe | 5 min read | 1,024 views</div>",
        "<p>Published 6 Dec 2026 · Updated 9 minutes ago</p>",
        "<span>12 comments</span><span>Updated 2 hours ago</span>",
        "<p>11 von 17</p>",
        "<div>Photo 3 of 12</div>",
    ],
)
def test_datelines_ages_and_counters_are_never_body_text(header: str) -> None:
    for where in ("header", "first"):
        html = news_page("Council to close bridge", **{where: header})
        result = extract(html, "http://127.0.0.1/story")
        assert result.paragraphs == STORY, where


def test_a_date_inside_a_sentence_stays() -> None:
    sentence = 'Work will start on <time datetime="2027-01-04">4 January 2027</time> and take a year.'
    html = news_page("Council to close bridge", first=f"<p>{sentence}</p>")
    assert (
        extract(html, "http://127.0.0.1/story").paragraphs[0]
        == "Work will start on 4 January 2027 and take a year."
    )


def test_a_table_of_numbers_is_text() -> None:
    rows = "".join(
        f"<tr><td>{name}</td><td>{a}</td><td>{b}</td></tr>"
        for name, a, b in [("Bridge", 5040, 17), ("Tunnel", 5035, 7)]
    )
    table = f"<table>{rows}</table>"
    html = news_page("Council to close bridge", first=table)
    assert "5040" in extract(html, "http://127.0.0.1/story").paragraphs


def test_the_byline_leaves_out_its_timestamp() -> None:
    html = """<html><body><article><h1>H</h1><div class="byline">By Ann Bee <time>2 hours ago</time>
    Updated 10:42 AM</div><p>Text of the story, long enough to be read as a paragraph.</p></article>"""
    assert extract(html, "http://x/").byline == "Ann Bee"


BYLINE_STORY = "<p>The bridge closes on Monday for at least a year of repairs, the council said.</p>"


@pytest.mark.parametrize(
    ("credit", "byline"),
    [
        ('<p class="byline">By Ann Bee <time>2 hours ago</time></p>', "Ann Bee"),
        ("<h5><em>Von Leonora Holling</em></h5>", "Leonora Holling"),
        ('<div class="meta">posted by jroe at 12:53</div>', "jroe"),
        ("<div>Datum: 19.11.2021 Autor: Fritz Imhof Quelle: Livenet</div>", "Fritz Imhof"),
        ("<p>Autorin: Uta Staschewski, Projektleiterin der Stiftung in Tunis.</p>", "Uta Staschewski"),
        ('<div class="author">Por Williams Perdomo @wperdomod</div>', "Williams Perdomo"),
        ('<span class="by">By</span><span class="author-name">Ann Bee</span> Thursday', "Ann Bee"),
        ("<p>By Glen Owen And Brendan Carlin For The Mail On Sunday</p>", "Glen Owen And Brendan Carlin"),
        ('<a rel="author" href="/author/jroe">View all posts by Jane Roe</a>', "Jane Roe"),
        ('<span class="author">Zeige alle Beiträge von Petra Roe</span>', "Petra Roe"),
        ('<div class="meta"><a href="/author/ann-bee/">Ann Bee</a> · 6 December 2026</div>', "Ann Bee"),
        # A profile box: the name field, not the handle or e-mail beside it in a block of their own.
        (
            '<div class="post-author"><span class="author__name">Ann Bee</span><div class="author__x">'
            'annbee</div><span class="author__email">ann@example.com</span></div>',
            "Ann Bee",
        ),
        # Avatars that show initials in place of a photo: the initials are no name, and split the names.
        (
            '<div class="authors">AB Ann Bee CD Carl Dahl</div>',
            "Ann Bee, Carl Dahl",
        ),
    ],
)
def test_the_byline_is_the_credit_a_reader_sees(credit: str, byline: str) -> None:
    html = f"<html><body><article><h1>Council to close bridge</h1>{credit}{BYLINE_STORY}</article></body>"
    assert extract(html, "http://x/").byline == byline


def test_names_in_the_metadata_are_the_byline_only_where_the_page_shows_them() -> None:
    def page(shown: str) -> str:
        person = '{"@type": "Person", "name": "Ann Bee"}'
        return f"""<html><head><meta name="author" content="Example Media Group"><script
        type="application/ld+json">{{"@type": "NewsArticle", "author": {person}}}</script></head>
        <body><article><h1>Council to close bridge</h1>{shown}{BYLINE_STORY}</article>
        <footer>© Example Media Group</footer></body></html>"""

    assert extract(page("<p>Ann Bee, Berlin</p>"), "http://x/").byline == "Ann Bee"
    # The publisher in <meta name="author"> is named in the footer only: chrome, not a credit.
    assert extract(page(""), "http://x/").byline == ""


def test_words_in_blocks_side_by_side_stay_apart() -> None:
    # Nothing between the blocks in the markup, yet a reader sees two lines.
    html = "<html><body><h1>Council<div>to close bridge</div></h1></body></html>"
    assert extract(html, "http://x/").title == "Council to close bridge"


def test_a_comment_s_author_is_not_the_byline() -> None:
    html = f"""<html><body><article><h1>Council to close bridge</h1>{BYLINE_STORY}</article>
    <div class="comments"><div class="comment-author">Von Troll Eins</div><p>First!</p></div></body></html>"""
    assert extract(html, "http://x/").byline == ""


# --- canonical ------------------------------------------------------------------------------------------


def test_canonical_is_the_link_made_absolute_and_otherwise_raw() -> None:
    html = '<html><head><link rel="canonical" href="/news/story?id=7&amp;utm_source=x#top"></head></html>'
    assert (
        extract(html, "https://example.com/a/b").canonical
        == "https://example.com/news/story?id=7&utm_source=x#top"
    )


def test_canonical_falls_back_to_og_url() -> None:
    html = '<html><head><meta property="og:url" content="https://example.com/og"></head><body></body></html>'
    assert extract(html, "https://example.com/page").canonical == "https://example.com/og"


def test_canonical_link_wins_over_og_url() -> None:
    html = """<html><head><meta property="og:url" content="https://example.com/og">
    <link rel="Canonical" href="https://example.com/canonical"></head></html>"""
    assert extract(html, "https://example.com/page").canonical == "https://example.com/canonical"


def test_no_canonical_is_empty() -> None:
    assert extract(article_html("H", ["Text."]), "https://example.com/page").canonical == ""


# --- dates the page states --------------------------------------------------------------------------------


def test_published_and_updated_times_are_read_as_metadata() -> None:
    json_ld = """<script type="application/ld+json">{"@type": "NewsArticle",
    "headline": "Council to close bridge", "datePublished": "2026-12-06T09:51:00Z",
    "dateModified": "2026-12-06T14:02:00+01:00"}</script>"""
    html = news_page("Council to close bridge").replace("</head>", json_ld + "</head>")
    read = extract(html, "http://127.0.0.1/story")
    assert (read.published, read.modified) == ("2026-12-06T09:51:00Z", "2026-12-06T14:02:00+01:00")
    assert read.paragraphs == STORY

    metas = news_page("Council to close bridge").replace(
        "</head>",
        '<meta property="article:published_time" content="2026-12-05T08:00:00Z">'
        '<meta property="article:modified_time" content="2026-12-05T09:30:00Z"></head>',
    )
    read = extract(metas, "http://127.0.0.1/story")
    assert (read.published, read.modified) == ("2026-12-05T08:00:00Z", "2026-12-05T09:30:00Z")

    only_time = news_page("Council to close bridge", header='<time datetime="2026-12-04">4 Dec</time>')
    read = extract(only_time, "http://127.0.0.1/story")
    assert (read.published, read.modified, read.paragraphs) == ("2026-12-04", "", STORY)


def test_a_stated_time_is_believed_only_when_it_can_be_one() -> None:
    from datetime import UTC, datetime, timedelta

    from articles.normalising import stated_time

    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    assert stated_time("2026-12-06T09:51:00Z", now) == datetime(2026, 12, 6, 9, 51, tzinfo=UTC)
    assert stated_time("2026-12-06T14:02:00+01:00", now) == datetime(2026, 12, 6, 13, 2, tzinfo=UTC)
    assert stated_time("2026-12-06T09:51:00", now) == datetime(2026, 12, 6, 9, 51, tzinfo=UTC)  # no zone: UTC
    assert stated_time("2026-12-04", now) == datetime(2026, 12, 4, tzinfo=UTC)
    moment = stated_time("2026-12-06T09:51:00+05:30", now)
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=5, minutes=30)
    for nonsense in (
        "",
        "yesterday",
        "2026-13-45",
        "2026-12-45T99:00:00Z",
        "1970-01-01T00:00:00Z",
        "2031-01-01",
    ):
        assert stated_time(nonsense, now) is None, nonsense
    assert stated_time("2026-12-07T11:00:00Z", now) is not None  # within a day ahead: a zone's slip
