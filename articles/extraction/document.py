"""The page's tree: parsing it safely, and reading text out of its elements."""

import re
import threading
from collections.abc import Iterable

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from articles.normalising import normalise_text

# Never part of the story wherever they appear: code, embedded media, widgets and controls.
STRIPPED_TAGS = (
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "video",
    "audio", "canvas", "button", "select", "input", "textarea", "label", "dialog",
)  # fmt: skip


# Paragraph-like elements: the units of the story's text.
BLOCK_TAGS = frozenset(("p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "pre", "dd", "dt", "td"))


# Elements whose boundaries are word boundaries, even where the template leaves no space between them.
BREAK_TAGS = (
    "br", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "th", "tr",
    "dd", "dt", "section", "article", "ul", "ol", "table",
)  # fmt: skip


LETTERS = re.compile(r"[^\W\d_]")


# Removed from every text read (a pattern: see normalising.INVISIBLE_CHARACTERS).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")


# C0 controls XML does not allow: lxml parses them into the tree, then refuses to store a text that holds
# one (a stray BEL after a <br> made reading fail). Dropped before parsing; form feed is HTML white space.
# In UTF-8 no byte below 0x80 is part of another character, so they are removed from the encoded page
# (bytes.translate, much faster than a regular expression over the text).
NOT_XML = bytes((*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)))


FORM_FEED_AS_SPACE = bytes.maketrans(b"\x0c", b" ")


# A page bigger than this is not an article someone wrote, and is not read (reading only its start could
# cut the story). As big as the fetcher's default size cap (FETCH_MAX_BYTES): no page it accepts by default
# is refused here.
MAX_HTML_CHARS = 5 * 1024 * 1024


_PARSERS = threading.local()


# "<script src=…/>": an HTML parser ignores the slash on an element that is not void, so a browser reads
# everything after it up to "</script>" as the script's code; libxml2 closes the element there and reads
# the code as the page's text (a page's scripts became its story). Read as a browser does: the slash is
# dropped when the element's end tag follows. Elements whose content a browser never shows as the page's
# text: code, styles, a form's text box, a frame's fallback.
RAW_TEXT_START = re.compile(rb"<(script|style|textarea|iframe|xmp)(?=[\s/])", re.IGNORECASE)


# The rest of a start tag up to its ">", quoted values read whole ("x/>y" is a value, not the tag's end).
# Possessive: a run of attributes is scanned once, never backtracked over.
TAG_REST = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*+>""")


def _open_self_closed(data: bytes) -> bytes:
    if RAW_TEXT_START.search(data) is None:
        return data  # a page without scripts or styles: one scan, no copy
    lowered: bytes | None = None
    last_end_tag: dict[bytes, int] = {}
    pieces: list[bytes] = []
    done = position = 0
    # Tag by tag, each search resuming after the last tag's end, as a browser's tokenizer reads: linear in
    # the page's length, however many "<script" a hostile page writes into its attributes.
    while (start := RAW_TEXT_START.search(data, position)) is not None:
        rest = TAG_REST.match(data, start.end())
        if rest is None:
            break  # a quote never closed: the rest of the page is inside the tag
        position = rest.end()
        if data[position - 2 : position - 1] != b"/":
            continue
        tag = start[1].lower()
        if tag not in last_end_tag:
            lowered = data.lower() if lowered is None else lowered
            last_end_tag[tag] = lowered.rfind(b"</" + tag)
        if last_end_tag[tag] >= position:
            pieces += [data[done : position - 2], b">"]
            done = position
    return b"".join([*pieces, data[done:]]) if pieces else data


class PartialPage(ValueError):
    """libxml2 gave up part way through the page (elements nested more than 255 deep, a text or attribute
    over 10 MB) and dropped the rest of it without a word: what it read is the start of the page, which
    must not be taken for the whole story."""


def _parser() -> lxml.html.HTMLParser:
    # lxml parsers hold per-parse state: one per thread rather than a shared global.
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml.html.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
        )
        # Every element as an HtmlElement, chosen in C: lxml.html's own lookup calls back into Python for
        # each element the reading touches (to make <form>s and <input>s their own classes, which nothing
        # here uses), about a tenth of the time a page takes to read.
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=HtmlElement,
                comment=lxml.html.HtmlComment,
                pi=lxml.html.HtmlProcessingInstruction,
                entity=lxml.html.HtmlEntity,
            )
        )
    return parser


def parse(html: str) -> lxml.html.HtmlElement | None:
    """The page's tree, or None when there is nothing to read. libxml2 stops reading at 256 levels of
    nesting, so a hostile page cannot make any later walk deep; a page it stopped reading raises
    PartialPage."""
    if not html or not html.strip():
        return None
    if len(html) > MAX_HTML_CHARS:
        # Only reachable with FETCH_MAX_BYTES raised past it: cutting the page could cut the story.
        raise PartialPage(f"the page is longer than {MAX_HTML_CHARS:,} characters and cannot be read whole")
    # Bytes with a declared encoding: a str with an XML encoding declaration is refused by lxml.
    data = _open_self_closed(html.encode("utf-8", "replace").translate(FORM_FEED_AS_SPACE, NOT_XML))
    parser = _parser()
    try:
        document = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    # The HTML parser recovers from everything but its resource limits; those errors are fatal.
    for error in parser.error_log:
        if error.level_name == "FATAL":
            if "depth" in error.message.lower():
                raise PartialPage("the page nests its elements more than 255 deep and cannot be read whole")
            raise PartialPage("the page has a text or attribute over 10 MB and cannot be read whole")
    return document


def _clean(text: str | None) -> str:
    return normalise_text(CONTROL_CHARACTERS.sub("", text)) if text else ""


def text_of(element: HtmlElement) -> str:
    """The element's visible text, words kept apart at block and line boundaries: a block's text starts
    on a line of its own too ("Jane Roe<div>@janeroe</div>" is two words, not "Jane Roe@janeroe")."""
    for sub in element.iterdescendants(*BREAK_TAGS):
        sub.tail = " " + sub.tail if sub.tail else " "
        if sub.tag != "br" and not (sub.text or "").startswith(" "):
            sub.text = " " + (sub.text or "")
    return _clean(etree.tostring(element, method="text", encoding=str, with_tail=False))


def _attr(element: HtmlElement, name: str) -> str:
    value = element.get(name)
    return value if isinstance(value, str) else ""


def _has_children(element: HtmlElement) -> bool:
    # Asked of the first child: len() counts all of an element's children, and asked of a box that holds
    # thousands (dated lines, labels), once for each of them, cost the square of their number.
    return next(iter(element), None) is not None


def _drop(element: HtmlElement) -> None:
    """Remove the element but keep the text that follows it, which belongs to its parent."""
    if element.getparent() is not None:
        element.drop_tree()


def _is_hidden(element: HtmlElement) -> bool:
    style = _attr(element, "style").replace(" ", "").lower()
    return (
        element.get("hidden") is not None
        or _attr(element, "aria-hidden").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


# Blogger (and so Google's own blogs) ships a post's body as HTML inside <script type="text/template"> for a
# script to show it; templates of code ("{{ title }}", "<%= title %>") or data (JSON) are not a story.
# Asked of each <script> or <noscript> that iter() finds (quicker than an XPath searching the whole page).
IS_STORY_TEMPLATE = etree.XPath(
    "boolean(self::*[ancestor::body][starts-with(normalize-space(), '<')][contains(., '<p')]"
    "[not(contains(., '{{') or contains(., '<%') or contains(., '${'))])"
)


IS_PAGE_IN_NOSCRIPT = etree.XPath(
    "boolean(self::*[ancestor::body][not(ancestor::noscript)][descendant::p]"
    "[string-length(normalize-space()) > 500])"
)


def _strip_code_and_widgets(document: HtmlElement) -> None:
    templates = [
        s for s in document.iter("script") if s.get("type") == "text/template" and IS_STORY_TEMPLATE(s)
    ]
    for script in templates:
        parent = script.getparent()
        if parent is None or not script.text:  # neither can be: the XPath asked for both
            continue
        try:
            story = lxml.html.fragment_fromstring(script.text, create_parent="div", parser=_parser())
        except (etree.ParserError, ValueError):
            continue
        story.tail = script.tail
        parent.replace(script, story)
    # A site that draws its pages with a script may serve the whole page again inside <noscript> for
    # readers without one: there, that is the page. A <noscript> of a lazy image or a tracking pixel, or a
    # line asking to turn scripts on, goes with the rest.
    for fallback in [element for element in document.iter("noscript") if IS_PAGE_IN_NOSCRIPT(element)]:
        fallback.drop_tag()
    etree.strip_elements(document, *STRIPPED_TAGS, with_tail=False)


CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _link_text_length(element: HtmlElement) -> int:
    return sum(len(a.text_content()) for a in element.iter("a"))


# White space folded: a template's line breaks and indents are not text. Counted by libxml2, without
# building the string.
FOLDED_LENGTH = etree.XPath("string-length(normalize-space(.))")


def _text_length(element: HtmlElement) -> int:
    return int(FOLDED_LENGTH(element))


# Elements that start a new paragraph in the flow of text around them.
FLOW_BREAKS = BLOCK_TAGS | {
    "div", "section", "article", "main", "ul", "ol", "dl", "table", "tbody", "thead", "tfoot", "tr",
    "center", "details", "summary", "hr", "br", "h1", "address",
}  # fmt: skip


def _raw_text(element: HtmlElement) -> str:
    for sub in element.iterdescendants(*BREAK_TAGS):
        sub.tail = " " + sub.tail if sub.tail else " "
    return etree.tostring(element, method="text", encoding=str, with_tail=False)


def _outermost(elements: Iterable[HtmlElement]) -> list[HtmlElement]:
    chosen: list[HtmlElement] = []
    seen: set[HtmlElement] = set()
    for element in elements:
        if element in seen or any(a in seen for a in element.iterancestors()):
            continue
        seen.add(element)
        chosen.append(element)
    return chosen


# A build tool's suffix on a class name ("byline-3xHw2", "Component-body-0-2-60", "story_text__a1b2c3"):
# it changes with every deploy of the site, and the rule's selectors name the part before it.
BUILD_HASH = re.compile(r"^(.*[^\W\d_].*?)(?:[-_]{1,2}(?=[^\W_]*\d)[^\W_]{5,8}|(?:-\d+){2,})$")


def _unhash_classes(document: HtmlElement) -> None:
    """Give every element whose class names carry a build hash the names without it as well."""
    for element in document.iter(etree.Element):
        classes = element.get("class")
        if not classes or not any(char.isdigit() for char in classes):
            continue
        words = classes.split()
        bare = [match[1] for word in words if (match := BUILD_HASH.match(word)) and match[1] not in words]
        if bare:
            element.set("class", " ".join([*words, *dict.fromkeys(bare)]))
