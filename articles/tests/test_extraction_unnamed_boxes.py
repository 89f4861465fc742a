"""Boxes a template sets between a story's paragraphs under names that say nothing ("css-1x2y3z", a
build's hash): an ad's label, counters, a newsletter or subscription prompt, related links, a ticker. What
they hold says they are not the story; they change from one load to the next, so read as story text they
would make a version of every load. What a writer puts between paragraphs stays: a line in a bare <div>, a
subheading, a box of facts, a quotation."""

import lxml.html
import pytest

from articles.extraction import extract
from articles.extraction.headline import _read_leads

STORY = [
    "The city council voted on Tuesday to turn the old rail yard into a public park.",
    "Construction is expected to start next spring and take about two years.",
    "Opponents had argued that the land should be used for housing instead of a park.",
]
URL = "https://www.localtimes.example/news/council-approves-new-park"


def page(between: str, *, hashes: str = "a1b2c3") -> str:
    """A story with ``between`` after its first paragraph; {h} in it stands for a build's hash."""
    first, *rest = (f'<p class="css-{hashes}p">{text}</p>' for text in STORY)
    return f"""<html><head><title>Council approves new park</title></head><body>
    <div class="css-{hashes}0"><h1>Council approves new park</h1>
    <div class="css-{hashes}1">{first}{between.format(h=hashes)}{"".join(rest)}</div></div></body></html>"""


# Each box as two loads of one page serve it: its contents change, its names say nothing.
TEMPLATE_BOXES = {
    "an ad's label": (
        '<div class="css-{h}x"><p>Advertisement - scroll to continue</p></div>',
        '<div class="css-{h}x"><p>Continue reading below</p></div>',
    ),
    "counters": (
        '<div class="css-{h}x"><span>4.7K</span> shares <span>366</span> comments</div>',
        '<div class="css-{h}x"><span>9.1K</span> shares <span>58</span> comments</div>',
    ),
    "an age": (
        '<div class="css-{h}x"><span>Last updated 3 hours ago</span></div>',
        '<div class="css-{h}x"><span>Published 5 hours ago</span></div>',
    ),
    "a player's button": (
        '<div class="css-{h}x"><button>Listen</button> <span>4:12</span></div>',
        '<div class="css-{h}x"><button>Listen</button> <span>7:03</span></div>',
    ),
    "a newsletter box with its form": (
        '<div class="css-{h}x"><h3>Sign up</h3><p>Get the top stories every morning, issue 12.</p>'
        '<form><input type="email"><button>Go</button></form></div>',
        '<div class="css-{h}x"><h3>Sign up</h3><p>Get the top stories every morning, issue 13.</p>'
        '<form><input type="email"><button>Go</button></form></div>',
    ),
    "related links under a heading": (
        '<div class="css-{h}x"><h4>Keep reading</h4><ul><li><a href="/a">Bridge talks stall again'
        "</a></li></ul></div>",
        '<div class="css-{h}x"><h4>Keep reading</h4><ul><li><a href="/b">Mayor opens the new school'
        "</a></li></ul></div>",
    ),
    "teasers under a label": (
        '<div class="css-{h}x"><p>You may like</p><p><a href="/ad1">Doctors stunned by this simple trick '
        "number 41</a></p></div>",
        '<div class="css-{h}x"><p>You may like</p><p><a href="/ad2">Homeowners are switching to solar, '
        "see offer 7</a></p></div>",
    ),
    "a subscription prompt": (
        '<div class="css-{h}x"><p>Subscribe now for only €3,99 a month. Cancel anytime.</p>'
        '<a href="/abo">Subscribe</a></div>',
        '<div class="css-{h}x"><p>Subscribe now for only €5,99 a month. Cancel anytime.</p>'
        '<a href="/abo">Subscribe</a></div>',
    ),
    "a live audience's counter": (
        '<p class="css-{h}x">LIVE · 6,662 watching now</p>',
        '<p class="css-{h}x">LIVE · 5,376 watching now</p>',
    ),
    "a ticker": (
        '<div class="css-{h}x">DAX 14.182,39 −0,51 %</div>',
        '<div class="css-{h}x">DAX 15.062,75 +1,02 %</div>',
    ),
}


@pytest.mark.parametrize("loads", TEMPLATE_BOXES.values(), ids=TEMPLATE_BOXES.keys())
def test_a_template_s_unnamed_box_between_paragraphs_is_not_story_text(loads: tuple[str, str]) -> None:
    first, second = (extract(page(box), URL) for box in loads)
    assert first.paragraphs == second.paragraphs == STORY


@pytest.mark.parametrize("loads", TEMPLATE_BOXES.values(), ids=TEMPLATE_BOXES.keys())
def test_another_build_s_hashes_read_the_same(loads: tuple[str, str]) -> None:
    assert extract(page(loads[0], hashes="9f8e7d"), URL) == extract(page(loads[0]), URL)


def test_a_link_line_a_load_drops_into_a_box_does_not_tip_it() -> None:
    # Without its "Read more:" line the box is small and is the template's; with it, it is longer than a box
    # scattered through a story holds, but the line is dropped wherever it stands and must not tip the box.
    prompt = (
        "While you are here: if you enjoyed reading this post, would you consider supporting our work with "
        "a small monthly gift"
    )
    box = f'<div class="css-{{h}}x"><p>{prompt}</p>{{line}}<p>All the best, the editors</p></div>'
    link_line = '<p><b>Read more:</b> <a href="/x">Another story about the council and its budget</a></p>'
    plain = extract(page(box.replace("{line}", "")), URL)
    with_line = extract(page(box.replace("{line}", link_line)), URL)
    assert plain.paragraphs == with_line.paragraphs == STORY


WRITERS_BOXES = {
    "a line in a bare div": ("<div>He declined to comment.</div>", ["He declined to comment."]),
    "an editor's line with a direction": ('<div dir="auto">—Jan L., age 8</div>', ["—Jan L., age 8"]),
    "a subheading named as one": ('<div class="pf_subheadline">Our ruling</div>', ["Our ruling"]),
    "a heading by its role": ('<div class="css-{h}x" role="heading">What is next</div>', ["What is next"]),
    "a subheading in bold": ('<div class="css-{h}x"><strong>What is next</strong></div>', ["What is next"]),
    "a box of facts": (
        '<div class="css-{h}x"><ul><li>Cost: 12 million</li><li>Opens: 2028</li></ul></div>',
        ["Cost: 12 million", "Opens: 2028"],
    ),
    "a sentence in a box": (
        '<div class="css-{h}x"><p>The park will be the city’s largest since 1970.</p></div>',
        ["The park will be the city’s largest since 1970."],
    ),
}


@pytest.mark.parametrize(("box", "lines"), WRITERS_BOXES.values(), ids=WRITERS_BOXES.keys())
def test_what_a_writer_sets_between_paragraphs_stays(box: str, lines: list[str]) -> None:
    assert extract(page(box), URL).paragraphs == [STORY[0], *lines, *STORY[1:]]


TIP = "Though its petals curl up in hard frost, the witch hazel takes no harm: it is very hardy."
# What a load may set inside a writer's box: a share bar named as one, an age, a "Read more:" line.
INSIDE = {
    "nothing": "",
    "a share bar": '<div class="share-bar"><a href="#">Share</a> <span>48,548 shares</span></div>',
    "an age": "<p>Actualizado el 26 de noviembre a las 10:29</p>",
    "a link line": '<p><b>Read more:</b> <a href="/x">Another story about the council and its budget</a></p>',
    "a template's box": '<div class="css-{h}y">DAX 14.182,39 −0,51 %</div>',
}


@pytest.mark.parametrize("inside", INSIDE.values(), ids=INSIDE.keys())
def test_what_a_load_sets_inside_a_writer_s_box_does_not_tip_it(inside: str) -> None:
    # The box is the writer's (its line is a sentence) however the load's chrome inside it ends.
    box = f'<div class="box-tip css-{{h}}x"><h3>Tips</h3><p>{TIP}</p>{inside}</div>'
    assert extract(page(box), URL).paragraphs == [STORY[0], "Tips", TIP, *STORY[1:]]


def test_a_template_s_box_in_the_standfirst_is_not_read_with_it() -> None:
    # A standfirst found above the story's element is read on its own (``_read_leads``), as the story is.
    lead = "A park for everyone: the old rail yard is to be turned into the city's largest green space."
    box = lxml.html.fragment_fromstring(
        f'<div class="teaser"><p>{lead}</p><div class="css-a1b2c3">DAX 14.182,39 −0,51 %</div></div>'
    )
    assert _read_leads([box]) == [lead]
