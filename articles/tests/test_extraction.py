"""The generic reader, metadata, canonical address and hostile input. Site rules and churn have their own
files (test_extraction_site_rules.py, test_extraction_churn.py)."""

import time

import pytest

from articles.extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION, Extraction, extract
from articles.tests.support import EXTRACTION_CORPUS, article_html


def test_it_reads_headline_byline_and_paragraphs() -> None:
    html = article_html("Mayor opens bridge", ["First paragraph.", "Second <b>bold</b> paragraph."])
    result = extract(html, "http://127.0.0.1/story")
    assert result.title == "Mayor opens bridge"
    assert result.byline == "Jane Roe"
    assert result.paragraphs == ["First paragraph.", "Second bold paragraph."]
    assert (result.extractor, result.extractor_version) == (EXTRACTOR_NAME, EXTRACTOR_VERSION)


def test_it_finds_the_story_without_semantic_markup() -> None:
    html = """<html><head><title>Storm hits coast - Example News</title>
    <meta property="og:site_name" content="Example News"></head><body>
    <div id="menu"><p>Home</p><p>World</p></div>
    <div class="content"><p>A storm hit the coast overnight, cutting power to thousands.</p>
    <p>Officials said repairs would take days.</p></div>
    <div class="cookie-banner"><p>We use cookies to improve your experience on this site.</p></div>
    </body></html>"""
    result = extract(html, "http://example.com/storm")
    assert result.title == "Storm hits coast"
    assert result.paragraphs == [
        "A storm hit the coast overnight, cutting power to thousands.",
        "Officials said repairs would take days.",
    ]


def test_it_reads_text_written_between_line_breaks() -> None:
    html = """<html><body><div class="nav"><a href="/">Home</a></div>
    <div class="post">First paragraph of the story, long enough to count as one.<br><br>
    Second paragraph, with <a href="/x">a link</a> inside it, also long enough.<br><br>
    <h2>A subhead</h2>Third paragraph after the subhead, long enough as well.</div></body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        "First paragraph of the story, long enough to count as one.",
        "Second paragraph, with a link inside it, also long enough.",
        "A subhead",
        "Third paragraph after the subhead, long enough as well.",
    ]


def test_a_story_split_over_sibling_blocks_is_read_whole() -> None:
    columns = "".join(
        f'<div class="column"><div class="inner"><p>Paragraph {i} of the story, with enough words in it.</p>'
        f"<p>Another sentence {i} that belongs to the same story as the others.</p></div></div>"
        for i in range(4)
    )
    html = f"<html><body><article><h1>H</h1><section>{columns}</section></article></body></html>"
    assert len(extract(html, "http://x/").paragraphs) == 8


def test_related_links_comments_and_captions_stay_out() -> None:
    story = "".join(
        f"<p>Story sentence number {i}, which is long enough to be a paragraph.</p>" for i in range(6)
    )
    html = f"""<html><body><main><article><h1>Headline</h1>
    <figure><img src="a.jpg"><figcaption>A caption. Photo: Agency</figcaption></figure>{story}
    <ul class="related-links"><li><a href="/1">Another story about something else</a></li></ul>
    <p><a href="/more">Read more: the whole background to this story</a></p>
    <div class="newsletter-signup"><p>Sign up for our newsletter, delivered every morning.</p></div>
    </article><section id="comments"><p>First comment: I disagree with all of this, strongly.</p></section>
    </main></body></html>"""
    paragraphs = extract(html, "http://x/").paragraphs
    assert len(paragraphs) == 6
    assert all(p.startswith("Story sentence") for p in paragraphs)


def test_scripts_and_styles_never_become_text() -> None:
    html = article_html("H", ["Real text.<script>var x = 'not text';</script><style>p{}</style>"])
    assert extract(html, "http://x/").paragraphs == ["Real text."]


def test_a_quote_is_read_once() -> None:
    html = (
        "<html><body><article><h1>H</h1><p>Before.</p><blockquote><p>Quoted words.</p></blockquote></article>"
    )
    assert extract(html, "http://x/").paragraphs == ["Before.", "Quoted words."]


def test_words_split_by_tags_stay_apart_and_inline_tags_do_not_split_words() -> None:
    html = "<html><body><article><p>one<br>two</p><p>fo<b>ur</b> five</p><ul><li>six</li><li>seven</li></ul>"
    assert extract(html, "http://x/").paragraphs == ["one two", "four five", "six", "seven"]


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


def standfirst_page(heading: str) -> str:
    return f"""<html><body><nav><a href="/">Home</a></nav><article><header>{heading}
    <p class="article-lead">Cracks found in the pillars leave the council no choice, engineers say.</p>
    <div class="byline">By Ann Bee</div></header>
    <div class="article-body"><p>The bridge closes on Monday for at least a year of repairs.</p>
    <p>Buses will take a longer route through the town centre meanwhile.</p></div></article></body></html>"""


def test_the_standfirst_between_headline_and_story_is_the_story_s_first_line() -> None:
    assert extract(standfirst_page("<h1>Council to close bridge</h1>"), "http://x/").paragraphs == [
        "Cracks found in the pillars leave the council no choice, engineers say.",
        "The bridge closes on Monday for at least a year of repairs.",
        "Buses will take a longer route through the town centre meanwhile.",
    ]


def test_a_teaser_with_no_headline_before_it_is_not_a_standfirst() -> None:
    # Without the story's <h1> to start from, a "lead" or "teaser" box may be any other story's.
    assert extract(standfirst_page("<h2>Council to close bridge</h2>"), "http://x/").paragraphs == [
        "The bridge closes on Monday for at least a year of repairs.",
        "Buses will take a longer route through the town centre meanwhile.",
    ]


def test_the_story_ends_where_the_page_s_own_matter_begins() -> None:
    story = [f"Paragraph {n} of the story, with enough words in it to be read as one." for n in range(4)]
    matter = ["Ähnliche Beiträge", "Another post on this blog", "And one more"]
    html = article_html("Council to close bridge", [*story, *matter])
    assert extract(html, "http://x/").paragraphs == story


def test_a_box_of_links_inside_the_story_does_not_end_it() -> None:
    later = "The council meets again on Tuesday, when the engineers will present their full report. " * 4
    story = [f"Paragraph {n} of the story, with enough words in it to be read as one." for n in range(4)]
    box = ["More on this topic", "A linked story"]
    html = article_html("Council to close bridge", [*story, *box, later])
    assert extract(html, "http://x/").paragraphs == [*story, *box, later.strip()]


def test_a_header_left_unclosed_does_not_hide_the_story() -> None:
    # The parser keeps a <header> the template never closed open to the end: the story is inside it.
    html = """<html><body><header id="page-header"><div class="logo">Example News</div>
    <main><article><h1>Council to close bridge</h1>
    <p>The bridge closes on Monday for at least a year of repairs, the council said.</p>
    <p>Buses will take a longer route through the town centre meanwhile.</p></article></main>
    <footer>© Example News</footer></body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        "The bridge closes on Monday for at least a year of repairs, the council said.",
        "Buses will take a longer route through the town centre meanwhile.",
    ]


@pytest.mark.parametrize(
    "names",
    ["post category-newsletter tag-social-media", "node node--promoted", "box article modal-enabled"],
)
def test_a_story_filed_under_a_topic_or_flagged_by_its_cms_is_still_the_story(names: str) -> None:
    # WordPress files a post under its topics in class names, Drupal flags a promoted node: neither names
    # a box of chrome.
    story = [f"Paragraph {n} of the story, with enough words in it to be read as one." for n in range(3)]
    body = "".join(f"<p>{text}</p>" for text in story)
    elsewhere = "<p>Other stories, elsewhere on the page, each in a box of its own, and long ones.</p>" * 4
    html = f"""<html><body><nav><a href="/">Home</a></nav><article class="{names}"><h1>Council to close
    bridge</h1>{body}</article><aside>{elsewhere}</aside></body></html>"""
    assert extract(html, "http://x/").paragraphs == story


def test_css_in_js_style_names_do_not_make_the_story_chrome() -> None:
    # Every element carries a generated "<tag>Style_<hash>" name; "tag" here is an HTML tag, not a topic.
    story = [f"Paragraph {n} of the story, with enough words in it to be read as one." for n in range(3)]
    cells = "".join(f'<td class="tableCell_1eo"><p class="tagStyle_z4kqwb">{n}.</p></td>' for n in (1, 2))
    body = "".join(f'<p class="tagStyle_z4kqwb-o_O-style_48hmcm">{text}</p>' for text in story)
    html = f"""<html><body><main><h1>Council to close bridge</h1>{body}<div>The table below ranks them.</div>
    <table><tr>{cells}</tr></table></main></body></html>"""
    assert extract(html, "http://x/").paragraphs == [*story, "The table below ranks them.", "1.", "2."]


def test_a_story_shipped_as_an_html_template_is_read() -> None:
    # Blogger writes the post into <script type="text/template"> for a script to show; a template of
    # code or of JSON is no story.
    story = ["Over the past few years threats on the web have become more sophisticated.", "Second one."]
    post = "".join(f"<p>{text}</p>" for text in story)
    html = f"""<html><body><div class="post"><h2>Safe browsing</h2><div class="post-body">
    <script type="text/template">{post}</script></div></div>
    <script type="text/template"><p>{{{{ title }}}} by {{{{ author }}}}, a template of code.</p></script>
    <script type="text/template">{{"html": "<p>Data for a script, not a story to read.</p>"}}</script>
    </body></html>"""
    assert extract(html, "http://x/").paragraphs == story


def test_a_page_served_inside_noscript_is_read_and_other_noscripts_are_not() -> None:
    """A site drawn by a script serves the whole page again in <noscript> for readers without one: that
    is the page. A lazy image's <noscript>, or a line asking to turn scripts on, is not text."""
    story = [f"Paragraph {n} of the park's report on the bears counted this year, in full." for n in range(8)]
    html = f"""<html><head><title>A record year for bears</title></head><body><div id="app"></div>
    <noscript><div id="page"><h1>A record year for bears</h1>
    <div id="text">{"".join(f"<p>{text}</p>" for text in story)}
    <noscript><img src="/bear.jpg"></noscript></div></div></noscript>
    <noscript><p>Please turn on JavaScript to see the comments below this story.</p></noscript>
    </body></html>"""
    result = extract(html, "http://x/")
    assert result.title == "A record year for bears"
    assert result.paragraphs == story


def test_a_long_cookie_dialog_does_not_make_the_story_s_wrapper_chrome() -> None:
    # The story sits in a wrapper named for the sidebar beside it; the dialog holds more text than it.
    story = [f"Paragraph {n} of the story, with enough words in it to be read as one." for n in range(4)]
    body = "".join(f"<p>{text}</p>" for text in story)
    notice = "<p>We and our partners store and read cookies on your device for many purposes.</p>" * 12
    html = f"""<html><body><div role="dialog" class="cookie-box">{notice}</div>
    <div class="page-wrapper has-sidebar-right"><article><h1>Council to close bridge</h1>{body}</article>
    <aside><p>Other stories</p></aside></div></body></html>"""
    assert extract(html, "http://x/").paragraphs == story


def test_a_dialog_over_the_page_is_never_the_story_however_long() -> None:
    notice = " ".join(["We and our partners store and read cookies on your device for many purposes."] * 8)
    html = f"""<html><body><article><h1>Council to close bridge</h1>
    <p>The bridge closes on Monday for at least a year of repairs, the council said.</p></article>
    <div class="privacy-modal"><div class="modal__body"><p>{notice}</p><p>{notice}</p></div></div>
    </body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        "The bridge closes on Monday for at least a year of repairs, the council said."
    ]


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


# --- hostile and malformed input ------------------------------------------------------------------------


EMPTY = Extraction(title="", byline="", paragraphs=[])


def test_empty_and_broken_html_give_empty_text() -> None:
    assert extract("", "http://x/") == EMPTY
    assert extract("   \n ", "http://x/") == EMPTY
    assert extract("<html><body><div", "http://x/").paragraphs == []


def test_a_page_without_body_gives_its_title_only() -> None:
    result = extract("<html><head><title>Only a title</title></head></html>", "http://x/")
    assert (result.title, result.paragraphs) == ("Only a title", [])


def test_binary_garbage_gives_no_control_characters() -> None:
    garbage = bytes(range(256)).decode("latin-1") * 200 + "<p>a\x00b\x01c \ud800 d</p>"
    result = extract(garbage, "http://x/")
    text = result.title + result.byline + "".join(result.paragraphs)
    assert all(ch >= " " for ch in text)


def test_control_characters_xml_refuses_are_dropped_not_fatal() -> None:
    # Seen on a real page: a BEL after a <br>, which lxml parses but will not let a text be rewritten with.
    story = "The council met on Tuesday and voted to close the old bridge for repairs."
    html = f"<html><body><article><p>{story}<br>Bell\x07here<br>Form\x0cfeed</p></article></body></html>"
    assert extract(html, "http://127.0.0.1/story").paragraphs == [f"{story} Bellhere Form feed"]


def test_an_xml_declaration_with_an_encoding_is_read() -> None:
    html = '<?xml version="1.0" encoding="ISO-8859-1"?><html><body><p>A paragraph of the story.</p></body>'
    assert extract(html, "http://x/").paragraphs == ["A paragraph of the story."]


def test_ten_thousand_nested_levels_neither_overflow_nor_take_long() -> None:
    for html in (
        "<html><body>" + "<div>" * 10_000 + "<p>deep</p>" + "</div>" * 10_000,
        "<p>" + "<b><i>" * 10_000 + "deep",
        "<ul>" + "<li><ul>" * 10_000,
        '<script type="application/ld+json">' + "[" * 100_000 + "</script>",
    ):
        # CPU time: what the reading costs, whatever else the machine runs (the suite runs in parallel).
        start = time.process_time()
        extract(html, "http://x/")
        assert time.process_time() - start < 1.0


def test_a_huge_page_is_read_in_time_that_grows_with_its_size_only() -> None:
    def cpu_seconds(count: int) -> tuple[float, list[str]]:
        paragraphs = [f"Paragraph {i} of a very long page, with a few words in it." for i in range(count)]
        start = time.process_time()  # CPU time, as above
        result = extract(article_html("Big", paragraphs), "http://x/")
        assert result.paragraphs == paragraphs
        return time.process_time() - start, paragraphs

    # Ten times the page (about 2 MB) costs about ten times the time; a walk that is quadratic somewhere
    # would cost a hundred. Compared on this machine, so a slow runner does not fail it.
    small = min(cpu_seconds(3_000)[0] for _ in range(3))
    big, _ = cpu_seconds(30_000)
    assert big < 25 * small
    assert big < 10.0


def test_malformed_addresses_do_not_fail_extraction() -> None:
    html = article_html("H", ["Text."])
    for url in ("", "not a url", "http://[::1", "http://exa mple.com/"):
        assert extract(html, url).paragraphs == ["Text."]


# --- the real pages -------------------------------------------------------------------------------------


def test_body_f1_on_the_real_pages_does_not_regress() -> None:
    from bench.extraction import page_scores, score

    assert page_scores("one two three four five", "one two three four five") == (1.0, 1.0)
    assert page_scores("one two three four five", "") == (0.0, 0.0)
    summary, rows = score(EXTRACTION_CORPUS)
    assert summary["pages"] == 61
    # Measured 0.984 (generic/2 with the site rules of this commit); trafilatura scores 0.962 here.
    assert summary["f1"] >= 0.98
    assert min(float(row["precision"]) + float(row["recall"]) for row in rows) > 1.5


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
