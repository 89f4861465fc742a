"""Extract an article's headline, byline and body paragraphs from its HTML.

A generic first cut built on BeautifulSoup: drop the page chrome (scripts, navigation, asides, forms,
footers), then take the paragraphs of the element that holds the most paragraph text. ``extract(html, url)``
is the stable entry point other modules and benchmarks call.
"""

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

from articles.normalising import normalise_text

EXTRACTOR_NAME = "generic"
EXTRACTOR_VERSION = "1"

# Never part of the story: code, embedded media, and chrome that often changes on every load.
CHROME_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "form", "button", "nav", "aside",
    "footer", "select", "input", "textarea", "figure",
)  # fmt: skip
CHROME_PATTERN = re.compile(
    r"(^|[-_ ])(related|share|sharing|social|newsletter|advert|ads?|promo|sponsor|comments?|"
    r"subscribe|signup|sidebar|breadcrumbs?|cookie|most-?read|recommended|outbrain|taboola)([-_ ]|$)",
    re.IGNORECASE,
)
BLOCK_TAGS = ("p", "h2", "h3", "h4", "blockquote", "li", "pre")
BYLINE_SELECTORS = (
    '[itemprop="author"] [itemprop="name"]',
    '[itemprop="author"]',
    '[rel="author"]',
    ".byline",
    '[class*="byline"]',
    '[class*="author-name"]',
)


@dataclass(frozen=True)
class Extraction:
    title: str
    byline: str
    paragraphs: list[str] = field(default_factory=list)
    extractor: str = EXTRACTOR_NAME
    extractor_version: str = EXTRACTOR_VERSION


def _text(node: Tag) -> str:
    return normalise_text(node.get_text(" "))


def _meta(soup: BeautifulSoup, **attrs: str) -> str:
    tag = soup.find("meta", attrs=attrs)
    content = tag.get("content") if isinstance(tag, Tag) else None
    return normalise_text(content) if isinstance(content, str) else ""


def _is_chrome(tag: Tag) -> bool:
    if tag.attrs is None:
        return False
    names = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
    role = tag.get("role") or ""
    return bool(CHROME_PATTERN.search(names)) or role in ("navigation", "complementary", "banner")


def _paragraph_text_length(node: Tag) -> int:
    return sum(len(p.get_text()) for p in node.find_all("p"))


def _strip_chrome(root: Tag) -> None:
    for tag in root.find_all(CHROME_TAGS):
        tag.decompose()
    total = _paragraph_text_length(root)
    for tag in root.find_all(_is_chrome):
        if tag.decomposed or tag.name in ("html", "body", "article", "main"):
            continue
        # A layout class like "l-sidebar-fixed" can wrap the story itself: never drop most of the text.
        if _paragraph_text_length(tag) * 2 > total:
            continue
        tag.decompose()


def _title(soup: BeautifulSoup, body: Tag | None) -> str:
    for scope in (body, soup):
        if scope is not None and (h1 := scope.find("h1")) and (text := _text(h1)):
            return text
    if text := _meta(soup, property="og:title"):
        return text
    return _text(soup.title) if soup.title else ""


def _byline(soup: BeautifulSoup) -> str:
    for selector in BYLINE_SELECTORS:
        node = soup.select_one(selector)
        if node is not None and (text := _text(node)):
            return text
    return _meta(soup, name="author")


def _densest(soup: BeautifulSoup) -> Tag | None:
    """The element around the most paragraph text: each <p> counts fully for its parent and half for its
    grandparent, so a story split over several sibling blocks is still found as one."""
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for p in soup.find_all("p"):
        length = len(p.get_text(strip=True))
        for weight, ancestor in zip((1.0, 0.5), p.parents, strict=False):
            if isinstance(ancestor, Tag) and ancestor.name not in ("html", "[document]"):
                scores[id(ancestor)] = scores.get(id(ancestor), 0.0) + weight * length
                nodes[id(ancestor)] = ancestor
    return nodes[max(scores, key=scores.__getitem__)] if scores else None


def _main_container(soup: BeautifulSoup) -> Tag | None:
    densest = _densest(soup)
    # The innermost semantic element around the densest one also holds its subheads, quotes and lists.
    for node in [densest, *(densest.parents if densest is not None else [])]:
        if isinstance(node, Tag) and (
            node.name in ("article", "main")
            or node.get("itemprop") == "articleBody"
            or node.get("role") == "main"
        ):
            return node
    return densest


def _inside_block(node: Tag, container: Tag) -> bool:
    for parent in node.parents:
        if parent is container:
            return False
        if parent.name in BLOCK_TAGS:
            return True
    return False


def _paragraphs(container: Tag) -> list[str]:
    # A block inside another block (a <p> in a <blockquote>) is read once, as part of its outer block.
    blocks = (node for node in container.find_all(BLOCK_TAGS) if not _inside_block(node, container))
    return [text for node in blocks if (text := _text(node))]


def extract(html: str, url: str) -> Extraction:
    soup = BeautifulSoup(html, "lxml")
    byline = _byline(soup)
    _strip_chrome(soup)
    container = _main_container(soup)
    title = _title(soup, container)
    paragraphs = _paragraphs(container) if container is not None else []
    if paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    if byline and paragraphs and paragraphs[0] == byline:
        paragraphs = paragraphs[1:]
    return Extraction(title=title, byline=byline, paragraphs=paragraphs)
