"""Chrome churn: two loads of one article differ in related links, ads, "updated N minutes ago", view and
share counts, newsletter boxes, attribute order and whitespace. None of that may change the Extraction,
or every load would store a new version. A changed word in the story or headline must change it."""

import dataclasses
import re

import pytest

from articles.extraction import extract
from articles.extraction.container import _weight
from articles.tests.support import article_html
from articles.tests.test_extraction_site_rules import PAGES, SAVED, corpus_page

GENERIC_PAGE = """<!doctype html><html><head><title>Council approves new park - The Local Times</title>
<meta property="og:site_name" content="The Local Times"></head><body>
<nav class="top-nav"><a href="/">Home</a> <a href="/news">News</a></nav>
<div class="page"><div class="main-column">
<h1 class="headline">Council approves new park</h1>
<div class="byline">By Sam Reed <span class="churn-time">Updated 3 minutes ago</span></div>
<div class="share-bar"><a href="#">Share</a> <span class="churn-share">1,204 shares</span></div>
<div class="story-text">
<p>The city council voted on Tuesday to turn the old rail yard into a public park.</p>
<p>Construction is expected to start next spring and take about two years.</p>
<div class="ad-container"><div class="advert">Advertisement <span class="churn-ad">creative 1234</span>
</div></div>
<p>“This is a park for everyone,” the mayor said after the vote, which passed seven to two.</p>
<div class="newsletter-box"><p>Get our morning briefing.
<span class="churn-newsletter">Join 20,000 readers</span></p></div>
<p>Opponents had argued that the land should be used for housing instead.</p>
</div>
<div class="related-stories"><h3>Related</h3>
<ul><li><a href="/r1">Budget <span class="churn-related">talks stall</span></a></li></ul></div>
<div class="views"><span class="churn-views">5,321 views</span></div>
</div>
<aside class="sidebar"><div class="most-read"><h3>Most read</h3><ol><li><a href="/m1">Something <span
class="churn-mostviewed">else</span></a></li></ol></div></aside></div>
<footer>© The Local Times</footer></body></html>"""

GENERIC_URL = "https://www.localtimes.example/news/council-approves-new-park"

CHURN = re.compile(r'(<span class="?churn-(\w+)"?>)(.*?)(</span>)', re.DOTALL)
RELATED = re.compile(r"(<(?:ul|ol)>)")
TAG_WITH_ATTRIBUTES = re.compile(r'<(\w+)((?:\s+[\w:-]+="[^"]*"){2,})\s*>')


def reversed_attributes(match: re.Match[str]) -> str:
    attributes = re.findall(r'[\w:-]+="[^"]*"', match[2])
    return f"<{match[1]}  {'   '.join(reversed(attributes))} >"


def reload(html: str) -> str:
    """The same article as another load serves it: other chrome, reordered attributes, other spacing."""
    counters = {
        "time": "Updated 47 minutes ago",
        "share": "9,876 shares",
        "ad": "creative 9999 – 50% off today",
        "newsletter": "Join 20,001 readers, free",
        "related": "a brand new related story",
        "mostviewed": "a different most-read story",
        "views": "6,002 views",
        "comments": "1,902 comments",
        "promo": "The Evening Bid",
    }
    html = CHURN.sub(lambda m: m[1] + counters.get(m[2], "something else entirely") + m[4], html)
    # One more related link in every link list.
    html = RELATED.sub(r'\1<li><a href="/new">An extra related story</a></li>', html)

    html = TAG_WITH_ATTRIBUTES.sub(reversed_attributes, html)
    return html.replace("\n", "\n   \r\n\t").replace("> <", ">\u00a0 <")


def test_the_reload_really_changes_the_page() -> None:
    assert reload(GENERIC_PAGE) != GENERIC_PAGE
    assert "47 minutes ago" in reload(GENERIC_PAGE)
    assert 'class="headline"' in reload(GENERIC_PAGE)


CASES = [
    pytest.param(GENERIC_PAGE, GENERIC_URL, id="generic"),
    *(
        pytest.param((PAGES / f"{name}.html").read_text(), url, id=name)
        for name, (url, _) in sorted(SAVED.items())
    ),
]


@pytest.mark.parametrize(("html", "url"), CASES)
def test_chrome_churn_does_not_change_the_extraction(html: str, url: str) -> None:
    first = extract(html, url)
    assert first.paragraphs
    assert extract(reload(html), url) == first
    assert extract(reload(reload(html)), url) == first


@pytest.mark.parametrize(("html", "url"), CASES)
def test_one_changed_word_in_the_story_changes_the_extraction(html: str, url: str) -> None:
    first = extract(html, url)
    # A word of the story's last paragraph that the page writes nowhere else ("and" may stand first in a
    # credit line outside the story).
    word = next(w for w in reversed(first.paragraphs[-1].split()[:-1]) if html.count(f" {w} ") == 1)
    edited_html = html.replace(f" {word} ", " EDITED ", 1)
    assert edited_html != html
    edited = extract(reload(edited_html), url)
    assert edited != first
    assert edited.title == first.title
    assert sum(a != b for a, b in zip(edited.paragraphs, first.paragraphs, strict=True)) == 1


@pytest.mark.parametrize(("html", "url"), CASES)
def test_a_changed_headline_changes_the_extraction(html: str, url: str) -> None:
    first = extract(html, url)
    # Only the visible headline: the metadata often lags behind an edit.
    edited = re.sub(r"(<h1[^>]*>(?:<span[^>]*>)?)([^<]+)", r"\1Corrected: \2", html, count=1)
    result = extract(edited, url)
    assert result.title == "Corrected: " + first.title
    assert result.paragraphs == first.paragraphs


@pytest.mark.parametrize("page", ["c7e39ac4", "d605bdef", "702d1da6", "e7994d55"])
def test_chrome_churn_on_the_corpus_pages(page: str) -> None:
    html, url, _ = corpus_page(page)
    first = extract(html, url)
    # Clock times, link lists and attribute order change around the story; the story stays.
    churned = re.sub(r"\b\d{1,2}:\d{2}\b", "11:59", html)
    churned = churned.replace("</li>", "</li>\n<li><a href='/new'>A new related link</a></li>", 3)
    churned = TAG_WITH_ATTRIBUTES.sub(reversed_attributes, churned)
    # The clock times in the page's own date metadata churned too: those are metadata, not the story.
    assert dataclasses.replace(extract(churned, url), published="", modified="") == dataclasses.replace(
        first, published="", modified=""
    )


@pytest.mark.parametrize("story", [["Body."], ["A longer story paragraph, one of two.", "And the second."]])
def test_churn_around_a_tiny_story_does_not_reach_it(story: list[str]) -> None:
    """With a two-word story, chrome holds most of the page's text: it must still be dropped."""
    first = extract(article_html("H", story, churn="ad 1"), "http://127.0.0.1/story")
    assert first.paragraphs == story
    for n in range(2, 6):
        churned = article_html("H", story, churn=f"ad {n}, {n * 1000} views, updated {n} minutes ago")
        assert extract(churned, "http://127.0.0.1/story") == first


STORY = [f"Paragraph {n} of the story, long enough to be read as one of its paragraphs." for n in range(4)]


def test_blocks_a_template_wraps_in_a_heading_are_read_one_by_one() -> None:
    """A template writes a photo gallery, captions and all, inside an <h2>. Read as one heading, a counter
    a load puts after a caption would be glued into one line with the captions (a new line on every
    load); read block by block, the counter is a line of its own, and dropped."""
    captions = [
        f"Caption {n}: the council's members at the vote on Tuesday, in the town hall." for n in (1, 2)
    ]

    def page(between: str) -> str:
        gallery = "".join(
            f'<div class="imgbox"><img src="/{n}.jpg"><p class="img-text">{text}</p>'
            f"{between if n else ''}</div>"
            for n, text in enumerate(captions)
        )
        return f"""<html><body><article><h1>Council to close bridge</h1><p>{STORY[0]}</p><p>{STORY[1]}</p>
        <h2><div class="simage">{gallery}</div></h2><p>{STORY[2]}</p><p>{STORY[3]}</p>
        </article></body></html>"""

    first = extract(page(""), "http://x/")
    assert first.paragraphs == [*STORY[:2], *captions, *STORY[2:]]
    for between in ("<p>99,290 views · 432 comments</p>", "<p>Updated 9 minutes ago</p>"):
        assert extract(page(between), "http://x/") == first


def test_a_drupal_field_whose_label_is_hidden_is_not_hidden_text() -> None:
    """Drupal marks a field whose *label* is not shown "field-label-hidden": the field itself is the
    standfirst or the body, and shows."""
    intro = "Did you know that what you eat can make your hair grow faster? Here is how, step by step."
    # The slideshow's text, long enough that the whole node (not the body field) holds the story.
    gallery = "A long mane of hair like this one takes years to grow, and the right food helps it. " * 4
    html = f"""<html><body><article class="node node-article"><h1>Long hair</h1>
    <span class="date-display-single">Saturday, 19 October 2019</span>
    <div class="field field-name-field-intro-text field-label-hidden"><p>{intro}</p></div>
    <div id="galleryJsWrapper"><figure><img src="/1.jpg"><figcaption>1/2 © Getty Images</figcaption></figure>
    <p>{gallery}</p></div>
    <div class="field field-name-body field-label-hidden">{"".join(f"<p>{p}</p>" for p in STORY * 2)}</div>
    </article></body></html>"""
    assert extract(html, "http://x/").paragraphs == [intro, *STORY * 2]


def test_a_prompt_a_load_drops_into_a_box_of_story_under_a_layout_name_stays_out() -> None:
    """The story sits in a box whose name reads as chrome ("author-bio" here), so it is kept as the story
    for holding more text than the rest; a paywall prompt a load drops beside it holds more than the rest
    too, but a fraction of the story's box: it is a prompt, not more story."""
    bio = (
        "Giving with love can be so simple: I sew and embroider gifts with heart for almost every occasion,"
        " for small, large and four-legged individualists, and every one of them is made to order."
    )

    def page(prompt: str) -> str:
        return f"""<html><body><main><div class="author-description"><h2>Author: Petra</h2>
        <p class="author-bio">{bio}</p>{prompt}</div></main></body></html>"""

    first = extract(page(""), "http://x/")
    assert first.paragraphs == ["Author: Petra", bio]
    prompt = '<div class="paywall-prompt"><p>You have 2 free articles left this month.</p></div>'
    assert extract(page(prompt), "http://x/") == first


def test_a_box_beside_a_link_line_outside_the_story_costs_its_wrapper_nothing() -> None:
    """A small chrome box a load drops beside a teaser link next to the story must not make the wrapper
    around story and teaser look looser, or the choice between the story's <article> and that wrapper
    tips on the box: one load reads the teaser as story, the next does not. Tried with text of every
    length after the teaser, across the tie."""
    story = "".join(f"<p>{text} It goes on for a while, as stories do, with details.</p>" for text in STORY)
    box = '<div class="cookie-banner"><p>We use cookies to improve your visit (id 785046).</p></div>'

    def page(extra: str, words: int) -> str:
        related = (
            f'<div><p><a href="/t">Another story about the council and its budget</a></p>{extra}</div>'
            f"<p>{' '.join(['word'] * words)}</p>"
        )
        return f"<html><body><main><article><h1>Bridge</h1>{story}</article>{related}</main></body></html>"

    for words in range(1, 60):
        assert extract(page(box, words), "http://x/") == extract(page("", words), "http://x/"), words


def test_a_story_told_in_a_list_outweighs_a_signup_form() -> None:
    """An event post whose text is mostly an agenda (<ol>): its items are the story's text when choosing
    the container, not only its two short <p>s, or the blog's follow form beside it, with its two
    paragraphs, is read as the story (and loads that add a box tip the choice back and forth)."""
    agenda = [
        "Two or three short lightning talks from members, fifteen minutes each at most",
        "An exchange of experience: what models of organisation have worked for you, and why",
        "Small groups on the lessons learned, then a short presentation from every group",
        "Where and when the next meeting takes place, and what kind of meeting it should be",
    ]
    html = f"""<html><body><div class="post"><h1>April meeting</h1><div class="entry-content">
    <p><strong>Host</strong>: Example AG, Hamburg</p><p><strong>Chair</strong>: Sam Reed</p>
    <h2>Agenda</h2><ol>{"".join(f"<li>{item}</li>" for item in agenda)}</ol></div></div>
    <form id="follow" action="/subscribe"><p>Get every new post delivered to your inbox, free of charge.</p>
    <p class="count">Join 106 other followers</p><p><input type="email"></p></form></body></html>"""
    assert extract(html, "http://x/").paragraphs == [
        "Host: Example AG, Hamburg", "Chair: Sam Reed", "Agenda", *agenda
    ]  # fmt: skip


def test_a_templates_indentation_weighs_nothing() -> None:
    """Loose text's weight is its words and the spaces between them, however the template indents the
    elements around it (a deploy changes that): else the densest of two near-equal blocks flips."""
    text = "Grease the tin with a little butter and heat the oven to 180 degrees, fan 160 degrees."
    indented = text.replace(" and ", "\n        and  ") + "\n\t\t" + " " * 40
    assert _weight(indented, 0) == _weight(text, 0)


@pytest.mark.parametrize(
    "ages",
    [
        ("Aktualisiert vor 9 Minuten", "vor einer Stunde"),
        ("hace 5 minutos", "Actualizado el 26 de noviembre a las 10:32"),
        ("il y a 3 minutes", "Mis à jour le 26 novembre à 10h32"),
        ("há 2 minutos", "5 minuti fa"),
    ],
)
def test_an_age_in_the_page_s_language_between_paragraphs_is_never_story_text(ages: tuple[str, str]) -> None:
    def page(age: str) -> str:
        return f"""<html><body><article><h1>Council to close bridge</h1><p>{STORY[0]}</p><p>{age}</p>
        <p>{STORY[1]}</p><p>{STORY[2]}</p></article></body></html>"""

    first, second = (extract(page(age), "http://x/") for age in ages)
    assert first.paragraphs == STORY[:3]
    assert second == first


def test_a_cookie_box_a_load_drops_into_a_tiny_story_is_never_read_as_the_story() -> None:
    # The box holds more text than the one-line story around it: a box so named under a layout name is kept
    # as the story, but a dialog laid over the page never is.
    def page(box: str) -> str:
        return f"""<html><body><nav><a href="/">Home</a></nav><article><h1>Council to close bridge</h1>
        <p>The bridge closes on Monday.</p>{box}</article></body></html>"""

    first = extract(page(""), "http://x/")
    assert first.paragraphs == ["The bridge closes on Monday."]
    box = '<div class="cookie-banner"><p>We use cookies to improve your visit (id 103906).</p></div>'
    assert extract(page(box), "http://x/") == first
