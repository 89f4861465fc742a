"""Which element holds the story, and the story's paragraphs in it."""

import re
from collections.abc import Iterator

from lxml import etree
from lxml.html import HtmlElement

from articles.extraction.chrome import (
    CHROME_TAGS,
    SMALL_BOX,
    _is_chrome,
    _is_overlay,
    _may_wrap_the_story,
    _swallowed_the_page,
)
from articles.extraction.document import (
    BLOCK_TAGS,
    FLOW_BREAKS,
    _clean,
    _drop,
    _has_children,
    _link_text_length,
    _raw_text,
    _text_length,
    text_of,
)
from articles.extraction.lines import _is_boilerplate, is_furniture
from articles.normalising import is_date_line

# Elements that hold a run of text directly, with <br>s rather than <p>s between its paragraphs.
# Found from the long text nodes up (a short one, such as a template's indentation, is let go before its
# white space is folded): asked of every element instead, the question costs twice as much.
LOOSE_TEXT = etree.XPath(
    "//text()[string-length() > 40][string-length(normalize-space()) > 40]/parent::*[self::div"
    " or self::section or self::article or self::main or self::td or self::center"
    " or (br and not(self::p or self::pre))]"
)


# Blocks whose text is all in inline boxes, a paragraph each ("<div><span>…</span></div>", as some editors
# write a story): their text's parent is the <span>, so LOOSE_TEXT does not see them. Found from the inline
# boxes with a long text up, the block's own conditions asked once of each block found: asked on the way up
# from each box, as the XPath before asked them, libxml2 asked them again for every box in the block, the
# square of their number (8,000 took 13 s). Named steps ("//span") rather than "//*[self::span]": the
# whole question takes about a third of the time the one before took on the corpus pages.
LONG_TEXT = "text()[string-length() > 80][string-length(normalize-space()) > 80]"
INLINE_BLOCKS = etree.XPath(
    f"(//span[{LONG_TEXT}]/parent::* | //font[{LONG_TEXT}]/parent::*)[self::div or self::td or self::section]"
    "[not(descendant::p or descendant::div or descendant::li or descendant::table or descendant::blockquote"
    " or descendant::h2 or descendant::h3 or descendant::pre)][not(ancestor::a or ancestor::li)]"
)


def _list_items(document: HtmlElement) -> list[HtmlElement]:
    """The items of a list set among a story's paragraphs (an agenda, steps), leaves only, in document
    order: a list of links beside them weighs nothing anyway (see _weight). Looked for only under lists
    beside a paragraph (half the cost of asking it of every <li>); walked in Python, as quick as the XPath
    it replaces ("//p/../*[self::ul or self::ol]//li[…]"), whose step up from every paragraph libxml2 merged
    in time that grew faster than the page (80,000 paragraphs took 9 s)."""
    found: dict[HtmlElement, None] = {}
    for items in document.iter("ul", "ol"):
        parent = items.getparent()
        if parent is None or parent.find("p") is None:
            continue
        for item in items.iter("li"):
            if item in found or not (
                item.find(".//p") is None and item.find(".//li") is None and item.find(".//pre") is None
            ):
                continue
            # Beside a paragraph by its own list, not only by a list around that one.
            nearest = next(item.iterancestors("ul", "ol")).getparent()
            if nearest is not None and nearest.find("p") is not None:
                found[item] = None
    return list(found)


def _weight(text: str, link_chars: int) -> float:
    # Short lines (menu entries, labels) count for little, but do count: a story can be two lines long.
    # White space folded: a template's indentation is not text, and changes between deploys.
    length = len(" ".join(text.split()))
    score = max(0.0, length - 2 * link_chars) * (1.0 + min(text.count(","), 5) * 0.05)
    return score if length >= 25 else score * 0.2


def _direct_text(element: HtmlElement) -> str:
    return " ".join([element.text or "", *(child.tail or "" for child in element)])


# What an element of the template costs a container, in characters of text: a wrapper of many boxes
# (menus, teasers, widgets) is loose even where its boxes are short. Measured on the development splits
# (5, 10, 15, 20, 30 tried); it stands in for the template's indentation, which counted before and changes
# with every deploy.
ELEMENT_COST = 10


COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")


def _cost(element: HtmlElement, length: int) -> int:
    """What ``element`` weighs against a container: its text's ``length`` and its elements."""
    return length + ELEMENT_COST * int(COUNT_ELEMENTS(element))


def _in_a_small_box(parent: HtmlElement, seen: dict[HtmlElement, bool]) -> bool:
    """Whether ``parent`` is a small box of the details a story's reader drops (a paywall prompt, a
    caption, a timestamp line)."""
    if parent not in seen:
        seen[parent] = (
            parent.tag not in ("article", "main", "body", "section")
            and _is_chrome(parent, details=True)
            and _text_length(parent) <= SMALL_BOX
            and sum(1 for _ in parent.iter("p")) <= 1
        )
    return seen[parent]


def _add_up(totals: dict[HtmlElement, int], element: HtmlElement, amount: int) -> None:
    for ancestor in element.iterancestors():
        totals[ancestor] = totals.get(ancestor, 0) + amount


# A story whose chosen paragraphs weigh less than this (about a paragraph and a half) is chosen again with
# SHORT_STORY_LOOSENESS. Measured on the development splits (400, 600, 1,000; 0, 0.1, 0.2, 0.3).
SHORT_STORY = 600
SHORT_STORY_LOOSENESS = 0.1


# Characters by which a box's size may fall short of the box inside it (see walk in _container).
WALK_SLACK = 100


def _container(document: HtmlElement, looseness: float = 0.5) -> HtmlElement | None:
    """The element that holds the story.

    First the densest element: each paragraph counts fully for its parent and half for its grandparent.
    Then, from there up, the ancestor with the most paragraph text net of ``looseness`` times its other
    text (menus, teasers, captions): a story split over several sibling blocks is found as one, and a
    page wrapper with all its chrome is not. Paragraphs inside an element the template labels as chrome
    (comments, related) count as other text. Text written straight into a <div> between <br>s counts as
    a paragraph of that <div>.
    """
    # Paragraphs' weights summed by the element they hang from (their parent, or the element that holds
    # loose text): ancestors are then walked once for each such element, not once for each paragraph.
    anchors: dict[HtmlElement, float] = {}
    # What the reader drops from inside a story costs the story's container nothing: a line that only
    # points elsewhere or tells the time, a small ad, share or "most read" box between its paragraphs.
    # A page that adds one more of them on this load must not move the container.
    dropped: dict[HtmlElement, int] = {}
    parents: dict[HtmlElement, None] = {}
    small_boxes: dict[HtmlElement, bool] = {}
    for p in document.iter("p", "pre"):
        parent = p.getparent()
        if parent is None:
            continue
        if _in_a_small_box(parent, small_boxes):
            continue  # a paywall prompt's or a caption's line: the box is weighed as a whole, below
        text, links = p.text_content(), _link_text_length(p)
        # The boxes a template puts between paragraphs are weighed below, beside any paragraph.
        parents[parent] = None
        if _is_boilerplate(folded := " ".join(text.split()), links):
            _add_up(dropped, p, _cost(p, len(folded)))
        elif weight := _weight(text, links):
            anchors[parent] = anchors.get(parent, 0.0) + weight
    for parent in parents:
        for box in parent:
            if not isinstance(box.tag, str) or box.tag in ("p", "pre") or not _is_chrome(box, details=True):
                continue
            if (length := _text_length(box)) <= SMALL_BOX:
                _add_up(dropped, box, _cost(box, length))
    for item in _list_items(document):
        # Weighed for the block of prose the list stands in (the list's parent), as its paragraphs are.
        parent = next(item.iterancestors("ul", "ol")).getparent()
        if parent is None or _in_a_small_box(parent, small_boxes):
            continue
        text, links = item.text_content(), _link_text_length(item)
        if not _is_boilerplate(" ".join(text.split()), links) and (weight := _weight(text, links)):
            anchors[parent] = anchors.get(parent, 0.0) + weight
    for element in LOOSE_TEXT(document):
        if weight := _weight(_direct_text(element), 0):
            anchors[element] = anchors.get(element, 0.0) + weight
    for element in INLINE_BLOCKS(document):
        if element not in anchors and not _in_a_small_box(element, small_boxes):
            text = element.text_content()
            if weight := _weight(text, _link_text_length(element)):
                anchors[element] = weight
    chains = {anchor: [anchor, *anchor.iterancestors()] for anchor in anchors}
    everywhere: dict[HtmlElement, float] = {}
    for anchor, weight in anchors.items():
        for element in chains[anchor]:
            everywhere[element] = everywhere.get(element, 0.0) + weight
    overlays: dict[HtmlElement, bool] = {}

    def in_an_overlay(chain: list[HtmlElement]) -> bool:
        for element in chain:
            if element not in overlays:
                overlays[element] = _is_overlay(element)
            if overlays[element]:
                return True
        return False

    # The page's paragraphs, less those of a cookie or privacy dialog: however long its text, it must not
    # make the story's wrapper look as if it held too little of the page to be anything but chrome.
    total = sum(weight for anchor, weight in anchors.items() if not in_an_overlay(chains[anchor]))
    chrome: dict[HtmlElement, bool] = {}

    def is_chrome(element: HtmlElement) -> bool:
        # A layout class ("has-sidebar", "tag-politics" on <body>) or an ASP.NET page-wide <form> can wrap
        # the story itself: such an element holding most of the page's paragraphs is not chrome.
        if element not in chrome:
            chrome[element] = _is_chrome(element) and not (
                not _is_overlay(element)
                and everywhere[element] * 2 >= total
                and (element.tag not in CHROME_TAGS or element.tag == "form" or _swallowed_the_page(element))
                and _may_wrap_the_story(element, True, any_tag=True)
            )
        return chrome[element]

    density: dict[HtmlElement, float] = {}
    story_text: dict[HtmlElement, float] = {}
    # A page whose every paragraph is in a box named as chrome (a forum's posts named "comment", a live
    # ticker's entries) is read from those boxes rather than as empty; a dialog over the page never is.
    strict = any(not any(is_chrome(element) for element in chain) for chain in chains.values())
    for anchor, weight in anchors.items():
        chain = chains[anchor]
        if any(is_chrome(element) for element in chain) if strict else in_an_overlay(chain):
            continue
        for element in chain:
            story_text[element] = story_text.get(element, 0.0) + weight
        # <body> only as a paragraph's parent: as a grandparent it would outscore a real container.
        for element, share in zip(chain, (1.0, 0.5), strict=False):
            if element.tag != "html" and (element.tag != "body" or share == 1.0):
                density[element] = density.get(element, 0.0) + share * weight
    if not density:
        return None
    densest = max(density, key=density.__getitem__)
    sizes: dict[HtmlElement, int] = {}
    most_text = max(story_text.values())

    def walk(looseness: float, limit: HtmlElement | None = None) -> HtmlElement:
        chosen, best_value = densest, -1e18
        for element in (densest, *densest.iterancestors()):
            if element.tag == "html":
                break
            good = story_text.get(element, 0.0)
            # White space folded, as the paragraphs' own lengths are: a template's line breaks are not text.
            # Each element of the template counts instead, as a little text of its own.
            if element not in sizes:
                sizes[element] = _cost(element, _text_length(element)) - dropped.get(element, 0)
            value = good - looseness * max(0.0, sizes[element] - good)
            if value > best_value:
                chosen, best_value = element, value
            if element is limit:
                break
            # The boxes further up are bigger and hold at most all of the story's text: once even that
            # could not outweigh the best so far, their sizes (a whole page's text, counted over and over
            # on a big page) need not be counted. The slack covers the few characters a folded space or a
            # dropped box's own count may differ by.
            if most_text - looseness * (max(0.0, sizes[element] - most_text) - WALK_SLACK) < best_value:
                break
        return chosen

    chosen = walk(looseness)
    # A story read this short is more often a piece of it (a shop's or a recipe's page in blocks, a post in
    # a box of its own) than all of it: the story's paragraphs around it count for more than the
    # template's text then. Weighed by the story's paragraphs only, which a load's chrome does not change.
    if story_text.get(chosen, 0.0) < SHORT_STORY:
        chosen = walk(SHORT_STORY_LOOSENESS, _widening_limit(chosen))
    return chosen


def _widening_limit(chosen: HtmlElement) -> HtmlElement:
    """How far up a short story may be widened: to its own <article> or <main> at most, never to <body>,
    and never past a box named as chrome (the story would then be dropped with it)."""
    limit = chosen
    if chosen.tag in ("article", "main"):
        return limit
    for element in chosen.iterancestors():
        if element.tag in ("body", "html") or _is_chrome(element, details=True):
            break
        limit = element
        if element.tag in ("article", "main"):
            break
    return limit


# Text that a date continues: a sentence's words ("… start on <time>4 January</time> and …").
IN_A_SENTENCE = re.compile(r"\w[\s,]*$")


def _drop_dates(container: HtmlElement) -> None:
    """<time> elements that stand alone (a dateline, "9 minutes ago", after a heading or a separator),
    not a date inside a sentence."""
    for element in list(container.iter("time")):
        text = text_of(element)
        parent = element.getparent()
        if parent is None or not (is_date_line(text) or is_furniture(text) or not text):
            continue
        previous = element.getprevious()
        before = (previous.tail if previous is not None else parent.text) or ""
        if not IN_A_SENTENCE.search(before):
            _drop(element)
            # The box that held only the date ("<div><time>…</time></div>") goes with it: an empty box a
            # page shows on one load and not the next must not weigh in the choice of the story.
            while parent is not container and not _has_children(parent) and not (parent.text or "").strip():
                grandparent = parent.getparent()
                if grandparent is None or parent.tag in ("body", "html"):
                    break
                _drop(parent)
                parent = grandparent


HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
HAS_BLOCKS = etree.XPath(
    "boolean(descendant::p | descendant::blockquote | descendant::ul | descendant::table)"
)


def _swallowed_blocks(element: HtmlElement) -> bool:
    """A heading left open in the page's markup that holds the paragraphs after it: its blocks are read
    one by one, as elsewhere (read whole, a box a page adds between them on one load joins their text)."""
    return element.tag in HEADINGS and bool(HAS_BLOCKS(element))


def _segments(container: HtmlElement) -> Iterator[tuple[str, int]]:
    """The container's paragraphs with the length of their link text: its paragraph-like elements, and
    the runs of loose text between them and between <br>s that some templates write instead of <p>s."""
    parts: list[str] = [container.text or ""]
    links = 0
    # (element, its remaining children) on a stack rather than recursion: document order at any depth.
    stack = [(container, iter(container))]
    while stack:
        element, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if text := _clean("".join(parts)):
                yield text, links
            parts, links = [element.tail or ""] if stack else [], 0
            continue
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
        elif (child.tag in BLOCK_TAGS and not _swallowed_blocks(child)) or child.tag == "br":
            if text := _clean("".join(parts)):
                yield text, links
            if child.tag != "br" and (text := text_of(child)):
                yield text, _link_text_length(child)
            parts, links = [child.tail or ""], 0
        elif child.tag in FLOW_BREAKS or any(True for _ in child.iterdescendants(*FLOW_BREAKS)):
            if text := _clean("".join(parts)):
                yield text, links
            parts, links = [child.text or ""], 0
            stack.append((child, iter(child)))
        else:
            inline = _raw_text(child)
            parts.append(inline)
            links += len(inline) if child.tag == "a" else _link_text_length(child)
            parts.append(child.tail or "")


def _paragraphs(container: HtmlElement) -> list[str]:
    return [text for text, links in _segments(container) if not _is_boilerplate(text, links)]
