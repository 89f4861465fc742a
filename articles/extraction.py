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


def _strip_chrome(root: Tag) -> None:
    for tag in root.find_all(CHROME_TAGS):
        tag.decompose()
    for tag in root.find_all(_is_chrome):
        if tag.name not in ("html", "body", "article", "main"):
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


def _paragraph_score(node: Tag) -> int:
    return sum(len(p.get_text()) for p in node.find_all("p", recursive=False))


def _main_container(soup: BeautifulSoup) -> Tag | None:
    for selector in ('[itemprop="articleBody"]', "article", "main", '[role="main"]'):
        candidates = soup.select(selector)
        if candidates:
            return max(candidates, key=lambda node: len(" ".join(p.get_text() for p in node.find_all("p"))))
    # No semantic markup: the element with the most text in its direct <p> children holds the story.
    parents = {id(p.parent): p.parent for p in soup.find_all("p") if isinstance(p.parent, Tag)}
    return max(parents.values(), key=_paragraph_score, default=None)


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
