"""Extract an article's headline, byline, body paragraphs and canonical address from its HTML.

``extract(html, url)`` is the stable entry point other modules and benchmarks call. The page is parsed
once, with lxml (a BeautifulSoup tree costs about 14 times as much to build), and read in this order:

1. metadata that templates do not move around: JSON-LD ``NewsArticle``, ``og:`` tags, ``rel=canonical``;
2. the site rule for the page's host (``articles.site_rules``), if there is one and it finds a story;
3. otherwise the generic reader: find the element around the most paragraph text, drop the chrome
   inside it (share bars, related links, ads, newsletter boxes, captions), keep its text blocks.

Every ``Extraction`` names what produced it (``site:bbc`` 1, ``generic`` 2, ...) so that improving one
rule re-baselines only that rule's articles.
"""

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from articles.normalising import is_date_line, normalise_text
from articles.site_rules import SITE_RULES, Selector, SiteRule, compile_selector

EXTRACTOR_NAME = "generic"
# Raise it whenever the text read from the same bytes may change, decoding in fetching.py included: the
# next check of every article then re-reads its page and files a difference as kind "parser", not as an
# edit by the publisher. 3: charsets detected among web charsets only and the same way on every load,
# stray NUL and control bytes dropped, pages libxml2 would read only in part refused. 4: the story's own
# <h1> is the headline when the metadata lags behind it, and never a body paragraph; datelines, ages,
# counters and byline lines are never body text; control characters XML refuses no longer fail a page.
# 5: the standfirst under the headline is the story's first line; a <header> left unclosed, or a cookie
# or privacy dialog, no longer hides the story or stands in for it; author boxes and post footers are not
# story text. 6: words in blocks side by side stay apart; a profile box's name field is the byline, and an
# avatar's initials are not; slideshow counters ("11 von 17") are not story text; CSS-in-JS style names
# ("tagStyle_z4kqwb") no longer mark every paragraph as a detail of the page; a story shipped as an HTML
# template (Blogger) is read; a long cookie dialog no longer outweighs the story when choosing it.
EXTRACTOR_VERSION = "6"

# Never part of the story wherever they appear: code, embedded media, widgets and controls.
STRIPPED_TAGS = (
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "video",
    "audio", "canvas", "button", "select", "input", "textarea", "label", "dialog",
)  # fmt: skip
# Chrome: navigation, side boxes, image captions and credits.
CHROME_TAGS = frozenset(
    ("nav", "aside", "footer", "header", "figure", "figcaption", "form", "menu", "picture")
)
CHROME_ROLES = frozenset(("navigation", "complementary", "banner", "contentinfo", "dialog", "alert"))
# Class and id words of boxes that are never the story: a paragraph inside one is not story text.
CHROME_NAMES = re.compile(
    r"(?:^|[-_ ])(?:related\w*|share|sharing|sharebar|shariff|sharedaddy|social|newsletter|advert\w*|ads?|"
    r"ad-?slot|adunit|promo(?!ted)\w*|sponsor\w*|comments?|subscribe|subscription|signup|sign-up|sidebar|breadcrumbs?|cookies?|most-?read|"
    r"most-?popular|popular|recommend\w*|outbrain|taboola|read-?more|more-?stories|further-?reading|"
    r"see-?also|also-?read|trending|newsletter-?signup|next-?article|prev-?article|nav|navigation|menu|"
    r"footer|masthead|cta|(?<!elementor-)widget\w*|inline-?(?:related|promo|ad))(?:$|[-_ ])",
    re.IGNORECASE,
)
# Boxes laid over the page (cookie consent, privacy notices, dialogs): however much text one holds, it is
# never the story.
OVERLAY_NAMES = re.compile(
    r"(?:^|[-_ ])(?:cookies?|consent|gdpr|dsgvo|modal|dialog|popup|pop-up|overlay|mailform)"
    r"(?!-(?:enabled|open|active|off))(?:$|[-_ ])",
    re.IGNORECASE,
)
# Words of the small pieces inside a story that are not its text. Too common in layout names
# ("date-and-tags", "photo-story") to rule out a whole box when choosing the story's container.
DETAIL_NAMES = re.compile(
    r"(?:^|[-_ ])(?:tags?|tag-?list|author-?(?:bio|info|box|description|descript|profile|card)|mini-?bio|"
    r"bio-?box|about-?the-?author|post-?metadata|entry-?footer|post-?footer|article-?footer\w*|byline|caption|credits?|"
    r"toolbar|print|modal|paywall|embed(?:ded)?|video|gallery|photo|slideshow|disclaimer|pagination|"
    r"timestamp|dateline|updated|published|date|time|meta|hidden|visually-?hidden|sr-only|screen-?reader)"
    r"(?:$|[-_ ])",
    re.IGNORECASE,
)
# Paragraph-like elements: the units of the story's text.
BLOCK_TAGS = frozenset(("p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "pre", "dd", "dt", "td"))
# Elements whose boundaries are word boundaries, even where the template leaves no space between them.
BREAK_TAGS = (
    "br", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "th", "tr",
    "dd", "dt", "section", "article", "ul", "ol", "table",
)  # fmt: skip
# Lines a template scatters through a story's text that belong to the page, not to the story.
BOILERPLATE = re.compile(
    r"^(?:advertisements?|story continues below(?: advertisement)?|continue reading(?: the main story)?|"
    r"supported by|read more|related|related articles?|related stories|share(?: this(?: article| story)?)?|"
    r"sign up|subscribe|click here|loading\W*|skip advert(?:isement)?|you might also like|recommended)\W*$"
    # A call to subscribe written as a line of its own: "Subscribe now to our print edition for more."
    r"|^subscribe\b[^.!?]{0,80}[.!?]?$"
    # An image's credit written as a line of its own: "Photo: Jane Roe / AFP", "Titelbild: dpa".
    r"|^(?:photo(?:graph)?s?|fotos?|bild|titelbild|abbildung|image|crédits? photos?|photo credit)"
    r"\s*(?:by\b|:)[^.!?]{0,80}$",
    re.IGNORECASE,
)
# Lines that count or time the page, not the story: "5 min read", "1,024 views", "12 comments", and where
# a slideshow stands ("11 von 17", "Photo 3 of 12").
COUNTERS = re.compile(
    r"^(?:\d+\s*(?:min(?:ute)?s?|hours?|hrs?)\.?\s+(?:read|listen|watch)|"
    r"[\d.,]+\s*[km]?\s+(?:comments?|views?|shares?|likes?|reads?|reactions?|replies)|"
    r"(?:image|photo|foto|bild|slide)?\s*\d{1,3}\s+(?:of|von|de|sur|di|van)\s+\d{1,3})$",
    re.IGNORECASE,
)
# What separates the pieces of a line like "By Jane Roe · Updated 9 minutes ago · 5 min read".
PIECES = re.compile(r"\s*[|·•–—\uff0f]\s*|\s+[-/]\s+")  # \uff0f: the full-width solidus of CJK pages
# "By Jane Roe", "By Ann Bee and Carl Dee": a credit written out beside a date.
BYLINE_PIECE = re.compile(r"^(?:By|by(?=\s+[^\W\da-z]))\s+[\w.'’-]+(?:(?:\s+|,\s*)[\w.'’-]+){0,6}$")
# Every date line, age and counter has a digit, "ago" or "now" (see is_date_line), and a credit starts
# "By ": a quick way to pass over the story's own short lines.
MAY_BE_FURNITURE = re.compile(r"\d|\bago\b|\bnow\b|^By\s", re.IGNORECASE)
# Longer than this, a line says more than when and how much.
FURNITURE_MAX = 200
LETTERS = re.compile(r"[^\W\d_]")
# A time or a date in digits alone: "14:02", "9.30 pm", "2026-11-25", "25/11/2026". Other bare numbers
# (a table's cells) are text.
NUMERIC_TIME = re.compile(
    r"^(?:\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?|\d{4}-\d{2}-\d{2}(?:[t ][\d:.+z-]+)?|"
    r"\d{4}[./]\d{1,2}[./]\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})$",
    re.IGNORECASE,
)
ARTICLE_TYPES = frozenset(
    (
        "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
        "BackgroundNewsArticle", "ReviewNewsArticle", "LiveBlogPosting", "BlogPosting", "Report",
        "ScholarlyArticle", "TechArticle", "SocialMediaPosting",
    )
)  # fmt: skip
CONTROL_CHARACTERS = dict.fromkeys((*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F, 0xFFFD))
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


@dataclass(frozen=True)
class Extraction:
    title: str
    byline: str
    paragraphs: list[str] = field(default_factory=list)
    extractor: str = EXTRACTOR_NAME
    extractor_version: str = EXTRACTOR_VERSION
    canonical: str = ""
    # The headline the page gives sharing cards and search results (og:title, twitter:title, or <title>
    # without the site's name): sites test and rewrite it apart from the visible one.
    social_title: str = ""
    # When the page says it was published and last updated, as it writes it (ISO 8601 at best): metadata
    # shown beside the record, never part of the text compared.
    published: str = ""
    modified: str = ""
    # Why the page could not be read whole, if it could not (see ``PartialPage``); then nothing else is set.
    unreadable: str = ""


class PartialPage(ValueError):
    """libxml2 gave up part way through the page (elements nested more than 255 deep, a text or attribute
    over 10 MB) and dropped the rest of it without a word: what it read is the start of the page, which
    must not be taken for the whole story."""


@dataclass(frozen=True)
class Metadata:
    """What the page says about itself, read before any element is removed."""

    headline: str = ""
    authors: tuple[str, ...] = ()
    og_title: str = ""
    twitter_title: str = ""
    site_name: str = ""
    meta_author: str = ""
    document_title: str = ""
    canonical: str = ""
    published: str = ""
    modified: str = ""


def _parser() -> lxml.html.HTMLParser:
    # lxml parsers hold per-parse state: one per thread rather than a shared global.
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = lxml.html.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
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
    data = html.encode("utf-8", "replace").translate(FORM_FEED_AS_SPACE, NOT_XML)
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
    return normalise_text(text.translate(CONTROL_CHARACTERS)) if text else ""


def text_of(element: etree._Element) -> str:
    """The element's visible text, words kept apart at block and line boundaries: a block's text starts
    on a line of its own too ("Jane Roe<div>@janeroe</div>" is two words, not "Jane Roe@janeroe")."""
    for sub in element.iterdescendants(*BREAK_TAGS):
        sub.tail = " " + sub.tail if sub.tail else " "
        if sub.tag != "br" and not (sub.text or "").startswith(" "):
            sub.text = " " + (sub.text or "")
    return _clean(etree.tostring(element, method="text", encoding=str, with_tail=False))


def _attr(element: etree._Element, name: str) -> str:
    value = element.get(name)
    return value if isinstance(value, str) else ""


# --- metadata -----------------------------------------------------------------------------------------


def _json_ld_objects(document: etree._Element) -> Iterator[dict[str, Any]]:
    for script in document.iter("script"):
        if _attr(script, "type").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            continue
        # Breadth-first, bounded: @graph lists, nested arrays, mainEntity wrappers.
        queue: list[Any] = [data]
        while queue and len(queue) < 500:
            item = queue.pop(0)
            if isinstance(item, list):
                queue.extend(item)
            elif isinstance(item, dict):
                yield item
                queue.extend(item[key] for key in ("@graph", "mainEntity", "mainEntityOfPage") if key in item)


def _is_article(item: dict[str, Any]) -> bool:
    kinds = item.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(kind, str) and kind in ARTICLE_TYPES for kind in kinds)


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value[:20] for name in _names(item)]
    return []


def _meta_content(document: etree._Element, key: str, value: str) -> str:
    for meta in document.iter("meta"):
        if _attr(meta, key).lower() == value:
            return _clean(_attr(meta, "content"))
    return ""


# Where pages state their dates, after JSON-LD: meta tags, then itemprop'd <time>s; for the date of
# publication, the page's first <time datetime> last.
PUBLISHED_META = ("article:published_time", "og:published_time", "datepublished", "date", "dc.date.issued")
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "last-modified",
    "dc.date.modified",
)


def _stated(document: etree._Element, keys: tuple[str, ...], itemprop: str) -> str:
    for meta in document.iter("meta"):
        name = (_attr(meta, "property") or _attr(meta, "name") or _attr(meta, "itemprop")).lower()
        if name in keys and (value := _clean(_attr(meta, "content"))):
            return value
    for element in document.iter("time"):
        if _attr(element, "itemprop") == itemprop and (value := _clean(_attr(element, "datetime"))):
            return value
    return ""


def _first_time(document: etree._Element) -> str:
    for element in document.iter("time"):
        if value := _clean(_attr(element, "datetime")):
            return value
    return ""


def read_metadata(document: etree._Element, url: str) -> Metadata:
    headline, authors = "", []
    published = modified = ""
    for item in _json_ld_objects(document):
        if not _is_article(item):
            continue
        if not published and isinstance(item.get("datePublished"), str):
            published = _clean(item["datePublished"])
        if not modified and isinstance(item.get("dateModified"), str):
            modified = _clean(item["dateModified"])
        if not headline and isinstance(item.get("headline"), str):
            headline = _clean(item["headline"])
        if not authors:
            # Organisations as authors ("BBC News") are a masthead, not a byline.
            people = item.get("author")
            people = people if isinstance(people, list) else [people]
            authors = [
                _clean(name)
                for person in people
                if not (isinstance(person, dict) and "Organization" in str(person.get("@type")))
                for name in _names(person)
            ]
    canonical = ""
    for link in document.iter("link"):
        if "canonical" in _attr(link, "rel").lower().split() and _attr(link, "href").strip():
            canonical = _attr(link, "href").strip()
            break
    canonical = canonical or _meta_content(document, "property", "og:url")
    title = document.find(".//title")
    site_name = _meta_content(document, "property", "og:site_name")
    return Metadata(
        headline=headline,
        authors=tuple(dict.fromkeys(name for name in authors if name and name != site_name)),
        og_title=_meta_content(document, "property", "og:title"),
        twitter_title=_meta_content(document, "name", "twitter:title")
        or _meta_content(document, "property", "twitter:title"),
        site_name=site_name,
        meta_author=_meta_content(document, "name", "author"),
        document_title=text_of(title) if title is not None else "",
        canonical=_absolute(canonical, url),
        published=published or _stated(document, PUBLISHED_META, "datePublished") or _first_time(document),
        modified=modified or _stated(document, MODIFIED_META, "dateModified"),
    )


def _absolute(href: str, base: str) -> str:
    if not href:
        return ""
    try:
        return urljoin(base, href)
    except ValueError:  # a malformed base or href (bad IPv6 brackets, say): keep what the page said
        return href


# --- shared clean-up ----------------------------------------------------------------------------------


def _drop(element: etree._Element) -> None:
    """Remove the element but keep the text that follows it, which belongs to its parent."""
    if element.getparent() is not None:
        element.drop_tree()


def _is_hidden(element: etree._Element) -> bool:
    style = _attr(element, "style").replace(" ", "").lower()
    return (
        element.get("hidden") is not None
        or _attr(element, "aria-hidden").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


# Blogger (and so Google's own blogs) ships a post's body as HTML inside <script type="text/template"> for a
# script to show it; templates of code ("{{ title }}", "<%= title %>") or data (JSON) are not a story.
STORY_TEMPLATES = etree.XPath(
    "//body//script[@type='text/template'][starts-with(normalize-space(), '<')][contains(., '<p')]"
    "[not(contains(., '{{') or contains(., '<%') or contains(., '${'))]"
)


def _strip_code_and_widgets(document: etree._Element) -> None:
    for script in STORY_TEMPLATES(document):
        try:
            story = lxml.html.fragment_fromstring(script.text, create_parent="div", parser=_parser())
        except (etree.ParserError, ValueError):
            continue
        story.tail = script.tail
        script.getparent().replace(script, story)
    etree.strip_elements(document, *STRIPPED_TAGS, with_tail=False)


# --- title and byline ---------------------------------------------------------------------------------

TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:•·»]\s+")


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def _without_site_name(title: str, meta: Metadata, url: str) -> str:
    """'Storm hits coast - Example News' → 'Storm hits coast', when the part cut off names the site."""
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    host = host_of(url)
    site_words = _words(meta.site_name) | {w for w in re.split(r"[.\-]", host) if len(w) > 2} - {"www", "com"}
    for candidate in (parts[0], parts[-1]):
        rest = title.replace(candidate, "", 1)
        rest_words = _words(rest)
        if rest_words and len(rest_words & site_words) * 2 >= len(rest_words) and _words(candidate):
            return candidate.strip()
    return title


# How far up from the story's container its own <h1> may sit (article > header > h1, beside the body).
HEADING_LEVELS = 4
STORY_ROOTS = frozenset(("article", "main", "body"))


def _site_words(meta: Metadata, url: str) -> set[str]:
    """Words that name the site: og:site_name, the host, and what <title> adds to the page's own name."""
    host = {w for w in re.split(r"[.\-]", host_of(url)) if len(w) > 2} - {"www", "com", "org", "net"}
    title = meta.document_title
    page = _without_site_name(title, meta, url)
    return _words(meta.site_name) | host | (_words(title) - _words(page) if page != title else set())


def _is_headline(element: etree._Element, site: set[str]) -> str:
    """The text of an <h1> that can be a story's headline: not the site's name (a logo), not in a box the
    template labels as chrome (navigation, a sidebar, a teaser list), not a paragraph's worth of text."""
    text = text_of(element)
    words = _words(text)
    if not text or len(text) > 300 or len(words) < 2 or words <= site:
        return ""
    for box in (element, *element.iterancestors()):
        if box.tag in STORY_ROOTS:
            break
        # A <header> heads whatever holds it: the story's own, inside its <article>, is no chrome.
        if box.tag != "header" and _is_chrome(box):
            return ""
    return text


def _content_words(text: str, site: set[str]) -> set[str]:
    return {word for word in _words(text) if (len(word) > 3 or word.isdigit()) and word not in site}


def story_heading(container: etree._Element | None, meta: Metadata, url: str, claims: list[str]) -> str:
    """The headline a reader sees above the story, when it still speaks of what the page's metadata names
    (a word in common): the nearest <h1> before the story's container within the story's own part of the
    page (its <article> or <main>, a few levels up at most), or one inside the container before its text.
    Sites rewrite that heading and leave <title> and og:title behind."""
    if container is None:
        return ""
    site = _site_words(meta, url)
    about = set().union(*(_content_words(claim, site) for claim in claims))

    def fits(h1: etree._Element) -> str:
        text = _is_headline(h1, site)
        return text if text and (not about or _content_words(text, site) & about) else ""

    node = container
    for _ in range(HEADING_LEVELS):
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str):
                continue
            if found := [text for h1 in sibling.iter("h1") if (text := fits(h1))]:
                return found[-1]
        parent = node.getparent()
        if parent is None or node.tag in STORY_ROOTS or parent.tag == "body":
            break
        node = parent
    for h1 in _leading_headings(container):
        if text := fits(h1):
            return text
    return ""


# Class and id words of the standfirst a template sets between the headline and the story's text: the
# story's own first lines, which sites rewrite like any other.
LEAD_NAMES = re.compile(
    r"(?:^|[-_ ])(?:leads?|lead-?in|lede|intro\w*|teaser|abstract|standfirst|summary|chapo|sommario|excerpt|"
    r"subline|sub-?head(?:line|ing)?|subtitle|dek|deck|einleitung|description)(?:$|[-_ ])",
    re.IGNORECASE,
)


def _standfirst(container: etree._Element, title: str) -> list[str]:
    """The standfirst above the container: elements named as one (LEAD_NAMES) after the story's headline
    and before the container, a few levels up at most. Without the headline to start from there is none:
    a "teaser" elsewhere on the page is another story's. The headline is the <h1>, or whatever element
    holds the headline's text (an <h2 class="entry-title">, a <div itemprop="headline">)."""
    found: list[etree._Element] = []
    node = container
    for _ in range(HEADING_LEVELS):
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or (sibling.tag != "header" and _is_chrome(sibling)):
                continue
            headings = [e for e in sibling.iter(etree.Element) if _is_the_headline(e, title)]
            after = not headings
            leads = []
            for element in sibling.iter(etree.Element):
                if headings and element is headings[-1]:
                    after = True
                elif after and LEAD_NAMES.search(_class_and_id(element)):
                    leads.append(element)
            found[:0] = [lead for lead in _outermost(leads) if not _chrome_between(lead, sibling)]
            if headings:
                for lead in found:
                    _strip_chrome(lead)
                return [text for lead in found for text in _paragraphs(lead)]
        parent = node.getparent()
        if parent is None or parent.tag == "body":
            break
        node = parent
    return []


HEADLINE_NAMES = re.compile(r"title|headline|heading|(?:^|[-_ ])h1(?:$|[-_ ])", re.IGNORECASE)


def _is_the_headline(element: etree._Element, title: str) -> bool:
    if element.tag == "h1":
        return True
    if element.tag != "h2" and not (
        _attr(element, "itemprop") == "headline" or HEADLINE_NAMES.search(_class_and_id(element))
    ):
        return False
    text = _clean(element.text_content())
    return bool(title) and len(text) < 2 * len(title) and _similar(text, title)


def _chrome_between(element: etree._Element, top: etree._Element) -> bool:
    for box in (element, *element.iterancestors()):
        if box is top:
            return False
        if box.tag != "header" and _is_chrome(box, details=True):
            return True
    return False


def _leading_headings(container: etree._Element) -> list[etree._Element]:
    """The <h1>s of the container before its first paragraph: the page's heading, never body text (an
    <h1> after the story's first paragraph heads a section of it)."""
    found = []
    for element in container.iter("h1", "p"):
        if element.tag == "p" and element.text_content().strip():
            break
        if element.tag == "h1":
            found.append(element)
    return found


def social_title(meta: Metadata, url: str, headline: str) -> str:
    """The headline for sharing cards and search results, without the site's name: what names the site
    (``_without_site_name``), or else a first or last part that shares no word with the page's headline
    while the rest does ("Council rejects plan | The Daily Test" beside an <h1> "Council approves plan")."""
    claim = next((c for c in (meta.og_title, meta.twitter_title, meta.document_title) if c), "")
    text = _without_site_name(claim, meta, url)
    separators = list(TITLE_SEPARATORS.finditer(text))
    words = _words(headline)
    if separators and words:
        first, last = separators[0], separators[-1]
        for kept, cut in (
            (text[: last.start()], text[last.end() :]),
            (text[first.end() :], text[: first.start()]),
        ):
            if not _words(cut) & words and _words(kept) & words:
                return kept.strip()
    return text


def choose_title(
    document: etree._Element, meta: Metadata, url: str, container: etree._Element | None = None
) -> str:
    """The visible headline that agrees with what the page calls itself; else the story's own heading
    (``story_heading``), which sites rewrite without touching <title> or og:title; else the metadata's."""
    claims = [meta.headline, meta.og_title, _without_site_name(meta.document_title, meta, url)]
    claims = [claim for claim in claims if claim]
    # A logo in an <h1> is no headline.
    headings = [text for h1 in document.iter("h1") if (text := text_of(h1)) and text != meta.site_name][:5]
    for heading in headings:
        if not claims or any(_similar(heading, claim) for claim in claims):
            return heading
    if heading := story_heading(container, meta, url, claims):
        return heading
    if meta.headline:
        return meta.headline
    if meta.og_title:
        return _without_site_name(meta.og_title, meta, url)
    if meta.document_title:
        return _without_site_name(meta.document_title, meta, url)
    return headings[0] if headings else ""


BYLINE_SELECTORS = tuple(
    compile_selector(selector)
    for selector in (
        '[itemprop="author"] [itemprop="name"]',
        '[itemprop="author"]',
        '[rel="author"]',
    )
)
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# From the first date, time or "updated" on, a byline box holds when, not who.
BYLINE_NOISE = re.compile(
    rf"\b(?:updated|published|posted)\b.*$|\b\d{{1,2}}:\d{{2}}\b.*$|\b\d+\s+(?:minutes?|hours?|days?)\s+ago\b.*$|"
    rf"\b\d{{1,2}}\s+{MONTH}\s+\d{{4}}\b.*$|\b{MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b.*$|\b\d{{4}}-\d{{2}}-\d{{2}}\b.*$",
    re.IGNORECASE,
)


def clean_byline(element: etree._Element) -> str:
    """A byline's names without the dates and counters some templates put in the same box."""
    for sub in list(element.iter("time")):
        _drop(sub)
    return BYLINE_NOISE.sub("", text_of(element)).strip(" ,|·•-–—")


def choose_byline(document: etree._Element, meta: Metadata, container: etree._Element | None = None) -> str:
    """The names the page credits. The structured names first (visible bylines often share a box with an
    ever-changing timestamp), but only those a reader sees on the page: a publisher or an agency in the
    metadata that the page never shows is not the byline. Then the page's byline box, then a line that
    credits someone ("Von Jane Roe", "Text: Jane Roe"). Call it after scripts are stripped, so that names
    only in the metadata do not count as shown; with the story's ``container`` known, a box around it is
    never chrome, whatever its name."""
    story = {container, *container.iterancestors()} if container is not None else set()
    if names := [_names_in(name) for name in meta.authors if _is_shown(document, name, None)]:
        return _without_publisher(", ".join(name for name in names if name), meta)
    for selector in BYLINE_SELECTORS:
        for node in selector(document):
            if (text := _names_in(clean_byline(node))) and len(text) < 200:
                return _without_publisher(text, meta)
    credit = _credit_box(document, story) or _credit_line(document, story) or _author_link(document, story)
    if not credit and _is_shown(document, meta.meta_author, story):
        credit = _names_in(meta.meta_author)
    return _without_publisher(credit, meta)


def _without_publisher(byline: str, meta: Metadata) -> str:
    # "Jane Roe, CNN" or "Jane Roe, CNN Business" on cnn.com: the site is not one of the authors, unless
    # it is the only one.
    site = meta.site_name.casefold().strip()
    names = [name for name in byline.split(", ") if name.casefold().split()[:1] != [site]]
    return ", ".join(names) if names else byline


TEXT_CONTAINING = etree.XPath("//body//text()[contains(., $name)]")


def _is_shown(document: etree._Element, name: str, story: set[etree._Element] | None) -> bool:
    """Whether ``name`` is written on the page; with the ``story``'s boxes, outside the page's chrome (a
    publisher named in the footer is shown, but not as a byline)."""
    if not name.strip():
        return False
    for text in TEXT_CONTAINING(document, name=name.strip()):
        element = text.getparent()
        if element is not None and text.is_tail:
            element = element.getparent()
        if element is not None and (story is None or not _in_chrome(element, story)):
            return True
    return False


# Class and id words of the box that names the author, and of the boxes about an author that do more.
NOT_THE_CREDIT = re.compile(r"bio|desc|info|image|img|avatar|photo|picture|about|profile|box|card|more", re.I)
AUTHOR_NAMES = re.compile(r"author|autor|byline|writer|verfasser", re.IGNORECASE)


def _in_chrome(element: etree._Element, story: set[etree._Element]) -> bool:
    # A box that holds the story or the page's <h1> is no chrome, whatever its name ("has-sidebar",
    # "promoted"), and a <header> is where bylines live.
    return any(
        box.tag != "header" and box not in story and _is_chrome(box) and next(box.iter("h1"), None) is None
        for box in (element, *element.iterancestors())
    )


NAME_FIELD = etree.XPath(
    ".//*[contains(translate(@class, 'NAME', 'name'), 'name') and string-length(normalize-space()) > 2]"
)


def _credit_box(document: etree._Element, story: set[etree._Element]) -> str:
    """The text of the first element the template names as the author's ("author", "autor", "byline"),
    outside comments and other chrome, short enough to be names."""
    body = document.find("body")
    for element in body.iter(etree.Element) if body is not None else ():
        attributes = element.attrib
        if not attributes or not AUTHOR_NAMES.search(
            f"{attributes.get('class')} {attributes.get('id')} {attributes.get('data-testid')}"
        ):
            continue
        names = _class_and_id(element)
        if NOT_THE_CREDIT.search(names) or _in_chrome(element, story):
            continue
        # The box's own name fields where it has them: not the handle, e-mail or job title beside them.
        fields = [_names_in(clean_byline(field)) for field in _outermost(NAME_FIELD(element))]
        if fields and all(_are_names(field) for field in fields):
            text = ", ".join(dict.fromkeys(fields))
        else:
            text = _names_in(clean_byline(element))
        if text and len(text) <= 80 and LETTERS.search(text):
            return text
    return ""


# The words that credit a name, in the languages of the pages we read: "By", "Von", "Text: ", "Autorin: ".
CREDIT_WORDS = re.compile(
    r"^\s*(?:(?:(?:(?:(?:view|see|show|zeige)\s+)?(?:all\s+|alle\s+)?(?:posts|articles|stories|beiträge|artikel)|"
    r"article|posted|written|geschrieben|verfasst|text|story|words|rezept|recipe|interview|"
    r"analysis|opinion|commentary|review|reporting)\s+)?"
    r"(?:by|von|par|por|door|di|av|af)\b|(?-i:By(?=[A-Z]))|(?:autor(?:in)?|author|text|texto|interview|redaktion|reporter)"
    r"(?:\s+(?:und|and)\s+\w+)?\s*:)\s*",
    re.IGNORECASE,
)
# A name's words: capitalised, or the particles and joins of names ("Jose de la Cruz", "Ann und Bo Lee").
NAME_WORD = re.compile(r"^(?:[^\W\d_a-z][\w.'’-]*|de|la|le|von|van|der|den|di|da|del|dos|du|y|und|and|et|&)$")
# "11.09.2011, 16:20 von jroe": the date and time a credit line may start with.
LEADING_DATE = re.compile(r"^[\d\s.,:/-]*\d[\d\s.,:/-]*(?:uhr\b\s*)?", re.IGNORECASE)
CREDIT_LINE_TAGS = ("p", "div", "span", "address", "h4", "h5", "h6", "small", "em", "strong", "b", "i", "li")


# What a credit carries besides names: addresses, handles, the next "Label:" of a box of facts, a
# "for The Mail on Sunday", and the joining words a removed date or time leaves at the end.
CONTACTS = re.compile(r"\S+@\S+|(?<!\w)@\w+|https?://\S+")
AUTHOR_FIELD = re.compile(r"(?:^|\s)(?:autor(?:in)?|author|verfasser(?:in)?)\s*:\s*", re.IGNORECASE)
AFTER_THE_NAMES = re.compile(r"\s+(?:[\w-]+\s*:|(?i:for|für)\s+(?:the\s+)?[A-Z]).*$")
LEFT_HANGING = re.compile(r"(?:\s+(?:at|on|am|um|le|el|à|in|,))+\s*$", re.IGNORECASE)
WEEKDAY = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b.*$|\b(?:montag|dienstag|mittwoch|donnerstag|freitag|"
    r"samstag|sonntag)\b.*$",
    re.IGNORECASE,
)


def _names_in(credit: str) -> str:
    """The names of a credit line or box: "Datum: 19.11.2021 Autor: Jane Roe Quelle: X" → "Jane Roe",
    "Posted by jroe at 12:53" → "jroe", "Autorin: Jane Roe, Projektleiterin der X" → "Jane Roe"."""
    text = " ".join(CONTACTS.sub(" ", credit).split())
    if field := AUTHOR_FIELD.search(text):
        text = text[field.end() :]
    text = CREDIT_WORDS.sub("", text)
    # "Jane Roe · 2016.12.01", "Jane Roe | Politics": the names are the first piece that has letters.
    text = next((piece for piece in PIECES.split(text) if LETTERS.search(piece)), "")
    text = AFTER_THE_NAMES.sub("", BYLINE_NOISE.sub("", WEEKDAY.sub("", text)))
    text = LEFT_HANGING.sub("", text).strip(" ,|·•-–—:()")
    text = _without_initials(text)
    # Names first, then perhaps a job title: keep the leading comma-separated parts that are names.
    parts = []
    for part in text.split(","):
        words = part.split()
        if not words or (parts and not all(NAME_WORD.match(word) for word in words)):
            break
        parts.append(" ".join(words))
    return ", ".join(parts)


def _without_initials(text: str) -> str:
    """ "AB Anna Berg CD Carl Dahl" → "Anna Berg, Carl Dahl": the initials an avatar shows in place of a
    photo are no name, and they mark where the next name starts."""
    words = text.split()
    kept: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1 : i + 1 + len(word)]
        if len(word) > 1 and word.isupper() and word == "".join(name[0] for name in following):
            if kept and not kept[-1].endswith(","):
                kept[-1] += ","
            continue
        kept.append(word)
    return " ".join(kept)


AUTHOR_LINKS = etree.XPath(
    "//body//a[contains(@href, '/author/') or contains(@href, '/authors/') or contains(@href, '/autor/')"
    " or contains(@href, '/autoren/') or contains(@href, '/autorin/')]"
)


def _author_link(document: etree._Element, story: set[etree._Element]) -> str:
    """The name on the first link to an author's page ("/author/jane-roe"), outside chrome."""
    for link in AUTHOR_LINKS(document):
        if _in_chrome(link, story):
            continue
        if _are_names(names := _names_in(text_of(link))):
            return names
    return ""


def _are_names(names: str, *, any_single_word: bool = False) -> bool:
    """Whether ``names`` reads as up to six words of names; with ``any_single_word``, one word of any
    case counts too (a user name a credit line gives: "posted by jroe")."""
    words = names.replace(",", " ").split()
    if not 0 < len(words) <= 6:
        return False
    return (any_single_word and len(words) == 1) or all(NAME_WORD.match(word) for word in words)


def _credit_line(document: etree._Element, story: set[etree._Element]) -> str:
    """The names of the first line, outside chrome, that is only a credit: "Von Leonora Holling",
    "Text und Interview: Harald Willenbrock", "Posted by konstantin 21.10.2019"."""
    body = document.find("body")
    if body is None:
        return ""
    for element in body.iter(CREDIT_LINE_TAGS):
        start = LEADING_DATE.sub("", element.text or "")
        if not (CREDIT_WORDS.match(start) or AUTHOR_FIELD.search(start)):
            continue
        line = " ".join(element.text_content().split())
        if len(line) > 120 or _in_chrome(element, story):
            continue
        if _are_names(names := _names_in(LEADING_DATE.sub("", line)), any_single_word=True):
            return names
    return ""


# --- the generic reader -------------------------------------------------------------------------------


CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")


# Class names that file a post under a topic ("category-newsletter", "tag-social-media" on a WordPress
# <article>): they say what the story is about, not what the box is.
TAXONOMY = re.compile(r"(?:^|\s)(?:category|tag|post_tag|topic|section|rubrik|ressort)-\S+", re.IGNORECASE)


# Class names that CSS-in-JS libraries make from a style's name ("tagStyle_z4kqwb" on every <p> of a story,
# a style for an HTML tag): they say how the box looks, not what it is.
STYLE_NAMES = re.compile(r"(?:^|\s)[a-z][a-zA-Z]*Style(?:[-_]\S*)?(?=\s|$)")


def _class_and_id(element: etree._Element) -> str:
    # "InlineImage-imageEmbedCaption" says "caption" as clearly as "inline-image-caption" does.
    names = f"{_attr(element, 'class')} {_attr(element, 'id')}"
    if "-" in names:
        names = TAXONOMY.sub(" ", names)
    if "Style" in names:
        names = STYLE_NAMES.sub(" ", names)
    return CAMEL_HUMP.sub("-", names)


def _is_chrome(element: etree._Element, details: bool = False) -> bool:
    """Whether the element is page chrome; with ``details``, also the small pieces inside a story."""
    if not isinstance(element.tag, str):
        return False
    if element.tag in CHROME_TAGS or _attr(element, "role") in CHROME_ROLES or _is_hidden(element):
        return True
    names = _class_and_id(element)
    if not names.strip():
        return False
    if CHROME_NAMES.search(names) or (details and DETAIL_NAMES.search(names)):
        return True
    return _is_overlay(element)


def _is_overlay(element: etree._Element) -> bool:
    # "cookies-not-set" or "modal-open" on <body>, "dialog-off-canvas-main-canvas" around a whole page
    # are states of the page, not boxes over it.
    return (
        element.tag not in ("body", "html")
        and bool(OVERLAY_NAMES.search(_class_and_id(element)))
        and not _swallowed_the_page(element)
    )


def _link_text_length(element: etree._Element) -> int:
    return sum(len(a.text_content()) for a in element.iter("a"))


# Elements that hold a run of text directly, with <br>s rather than <p>s between its paragraphs.
LOOSE_TEXT = etree.XPath(
    "//*[self::div or self::section or self::article or self::main or self::td or self::center"
    " or (br and not(self::p or self::pre))][text()[string-length(normalize-space()) > 40]]"
)


def _weight(text: str, link_chars: int) -> float:
    # Short lines (menu entries, labels) count for little, but do count: a story can be two lines long.
    length = len(text.strip())
    score = max(0.0, length - 2 * link_chars) * (1.0 + min(text.count(","), 5) * 0.05)
    return score if length >= 25 else score * 0.2


def _direct_text(element: etree._Element) -> str:
    return " ".join([element.text or "", *(child.tail or "" for child in element)])


# What an element of the template costs a container, in characters of text: a wrapper of many boxes
# (menus, teasers, widgets) is loose even where its boxes are short. Measured on the development splits
# (5, 10, 15, 20, 30 tried); it stands in for the template's indentation, which counted before and changes
# with every deploy.
ELEMENT_COST = 10
COUNT_ELEMENTS = etree.XPath("count(descendant-or-self::*)")


def _cost(element: etree._Element, length: int) -> int:
    """What ``element`` weighs against a container: its text's ``length`` and its elements."""
    return length + ELEMENT_COST * int(COUNT_ELEMENTS(element))


# The most text a box scattered through a story holds (an ad, a share bar, a "most read" line).
SMALL_BOX = 200


def _in_a_small_box(parent: etree._Element, seen: dict[etree._Element, bool]) -> bool:
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


def _add_up(totals: dict[etree._Element, int], element: etree._Element, amount: int) -> None:
    for ancestor in element.iterancestors():
        totals[ancestor] = totals.get(ancestor, 0) + amount


def _container(document: etree._Element, looseness: float = 0.5) -> etree._Element | None:
    """The element that holds the story.

    First the densest element: each paragraph counts fully for its parent and half for its grandparent.
    Then, from there up, the ancestor with the most paragraph text net of ``looseness`` times its other
    text (menus, teasers, captions): a story split over several sibling blocks is found as one, and a
    page wrapper with all its chrome is not. Paragraphs inside an element the template labels as chrome
    (comments, related) count as other text. Text written straight into a <div> between <br>s counts as
    a paragraph of that <div>.
    """
    paragraphs: list[tuple[list[etree._Element], float]] = []
    # What the reader drops from inside a story costs the story's container nothing: a line that only
    # points elsewhere or tells the time, a small ad, share or "most read" box between its paragraphs.
    # A page that adds one more of them on this load must not move the container.
    dropped: dict[etree._Element, int] = {}
    parents: dict[etree._Element, None] = {}
    small_boxes: dict[etree._Element, bool] = {}
    for p in document.iter("p", "pre"):
        parent = p.getparent()
        if parent is None:
            continue
        if _in_a_small_box(parent, small_boxes):
            continue  # a paywall prompt's or a caption's line: the box is weighed as a whole, below
        text, links = p.text_content(), _link_text_length(p)
        if _is_boilerplate(folded := " ".join(text.split()), links):
            _add_up(dropped, p, _cost(p, len(folded)))
        elif weight := _weight(text, links):
            paragraphs.append(([parent, *parent.iterancestors()], weight))
            parents[parent] = None
    for parent in parents:
        for box in parent:
            if not isinstance(box.tag, str) or box.tag in ("p", "pre") or not _is_chrome(box, details=True):
                continue
            if (length := _text_length(box)) <= SMALL_BOX:
                _add_up(dropped, box, _cost(box, length))
    for element in LOOSE_TEXT(document):
        if weight := _weight(_direct_text(element), 0):
            paragraphs.append(([element, *element.iterancestors()], weight))
    everywhere: dict[etree._Element, float] = {}
    for chain, weight in paragraphs:
        for element in chain:
            everywhere[element] = everywhere.get(element, 0.0) + weight
    overlays: dict[etree._Element, bool] = {}

    def in_an_overlay(chain: list[etree._Element]) -> bool:
        for element in chain:
            if element not in overlays:
                overlays[element] = _is_overlay(element)
            if overlays[element]:
                return True
        return False

    # The page's paragraphs, less those of a cookie or privacy dialog: however long its text, it must not
    # make the story's wrapper look as if it held too little of the page to be anything but chrome.
    total = sum(weight for chain, weight in paragraphs if not in_an_overlay(chain))
    chrome: dict[etree._Element, bool] = {}

    def is_chrome(element: etree._Element) -> bool:
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

    density: dict[etree._Element, float] = {}
    story_text: dict[etree._Element, float] = {}
    for chain, weight in paragraphs:
        if any(is_chrome(element) for element in chain):
            continue
        for element in chain:
            story_text[element] = story_text.get(element, 0.0) + weight
        # <body> only as a paragraph's parent: as a grandparent it would outscore a real container.
        for element, share in zip(chain, (1.0, 0.5), strict=False):
            if element.tag != "html" and (element.tag != "body" or share == 1.0):
                density[element] = density.get(element, 0.0) + share * weight
    if not density:
        return None
    chosen = densest = max(density, key=density.__getitem__)
    best_value = -1e18
    for element in (densest, *densest.iterancestors()):
        if element.tag == "html":
            break
        good = story_text.get(element, 0.0)
        # White space folded, as the paragraphs' own lengths are: a template's line breaks are not text.
        # Each element of the template counts instead, as a little text of its own.
        size = _cost(element, _text_length(element)) - dropped.get(element, 0)
        value = good - looseness * max(0.0, size - good)
        if value > best_value:
            chosen, best_value = element, value
    return chosen


def _swallowed_the_page(element: etree._Element) -> bool:
    # A <header> or <nav> left unclosed holds the rest of the page: its <article>, <main> or <footer>.
    return next(element.iterdescendants("article", "main", "footer"), None) is not None


def _may_wrap_the_story(element: etree._Element, holds_most: bool, any_tag: bool = False) -> bool:
    """A layout class like "l-sidebar-fixed" or a page-wide <form> can wrap the story itself: an element
    with paragraphs in it that ``holds_most`` of the text is kept, whatever its name."""
    if not holds_most or (element.tag in CHROME_TAGS and element.tag != "form" and not any_tag):
        return False
    return next(element.iter("p", "br"), None) is not None


# Text that a date continues: a sentence's words ("… start on <time>4 January</time> and …").
IN_A_SENTENCE = re.compile(r"\w[\s,]*$")


def _drop_dates(container: etree._Element) -> None:
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
            while parent is not container and len(parent) == 0 and not (parent.text or "").strip():
                grandparent = parent.getparent()
                if grandparent is None or parent.tag in ("body", "html"):
                    break
                _drop(parent)
                parent = grandparent


def _strip_chrome(container: etree._Element) -> None:
    """Drop the chrome inside the story's container. A box named as chrome that holds more text than
    everything in the container outside such boxes is the story itself (a layout name), and stays; that
    comparison leaves other boxes out, so one more ad slot in the page cannot tip it."""
    roots = [container]
    while roots:
        root = roots.pop()
        boxes = [(box, _text_length(box)) for box in _chrome_boxes(root)]
        rest = _text_length(root) - sum(length for _, length in boxes)
        for box, length in boxes:
            if _may_wrap_the_story(box, length > rest):
                roots.append(box)  # the story itself, under a layout name: its own chrome goes
            else:
                _drop(box)


def _chrome_boxes(root: etree._Element) -> list[etree._Element]:
    """The outermost chrome elements under ``root`` (details included), in document order."""
    found = []
    stack = list(reversed(root))
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        if _is_chrome(element, details=True):
            found.append(element)
        else:
            stack.extend(reversed(element))
    return found


# White space folded: a template's line breaks and indents are not text. Counted by libxml2, without
# building the string.
FOLDED_LENGTH = etree.XPath("string-length(normalize-space(.))")


def _text_length(element: etree._Element) -> int:
    return int(FOLDED_LENGTH(element))


# Elements that start a new paragraph in the flow of text around them.
FLOW_BREAKS = BLOCK_TAGS | {
    "div", "section", "article", "main", "ul", "ol", "dl", "table", "tbody", "thead", "tfoot", "tr",
    "center", "details", "summary", "hr", "br", "h1", "address",
}  # fmt: skip


def _raw_text(element: etree._Element) -> str:
    for sub in element.iterdescendants(*BREAK_TAGS):
        sub.tail = " " + sub.tail if sub.tail else " "
    return etree.tostring(element, method="text", encoding=str, with_tail=False)


def _segments(container: etree._Element) -> Iterator[tuple[str, int]]:
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
        elif child.tag in BLOCK_TAGS or child.tag == "br":
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


def is_furniture(text: str, byline: str = "") -> bool:
    """A line of dates, ages, counters and a byline only ("By Jane Roe · Updated 9 minutes ago", "5 min
    read", "12 comments"): it tells who, when and how much, never what the story says, and an age changes
    on every load."""
    if len(text) > FURNITURE_MAX or not (MAY_BE_FURNITURE.search(text) or (byline and byline in text)):
        return False
    # Pieces are set apart by separators, or glued where inline boxes touch ("12 commentsUpdated 2h ago").
    pieces = [piece for piece in PIECES.split(CAMEL_HUMP.sub(" | ", text)) if piece]
    return bool(pieces) and all(_is_furniture_piece(piece, byline) for piece in pieces)


def _is_furniture_piece(piece: str, byline: str) -> bool:
    # Cheapest first: most pieces of a real sentence fail at the last test, once.
    if byline and piece in (byline, f"By {byline}"):
        return True
    if BYLINE_PIECE.match(piece) or COUNTERS.match(piece):
        return True
    return is_date_line(piece) if LETTERS.search(piece) else bool(NUMERIC_TIME.match(piece))


def _is_boilerplate(text: str, link_chars: int) -> bool:
    # A paragraph that is mostly a link points to another page ("Read more: ..."): not story text.
    if BOILERPLATE.match(text) or is_furniture(text):
        return True
    return link_chars > 0 and link_chars >= 0.6 * len(text)


# A line that says the story is over and the page's own matter begins: related stories, tags, sharing,
# comments, sources. From such a line on, nothing is the story (a heading of that kind in the story's
# first half is a section of it, and stays).
END_OF_STORY = re.compile(
    r"^(?:related(?: articles| posts| stories| content| reading)?|read more|more on this(?: topic| story)?|"
    r"more (?:from|stories|articles)\b.*|you (?:may|might) also (?:like|be interested in)|"
    r"recommended(?: for you)?|tags?|tagged|topics?|share(?: this)?(?: article| post| story| page)?|"
    r"like it\? share it|comments?|"
    r"\d+ comments?|leave a (?:comment|reply)|about the author|further reading|see also|"
    r"ähnliche (?:beiträge|artikel|themen|posts)|weitere (?:themen|artikel|beiträge|meldungen|nachrichten)|"
    r"mehr zum thema\b.*|(?:das|dies) (?:könnte|dürfte) (?:sie|dich) auch interessieren|auch interessant|"
    r"schlagw(?:orte|örter)|themen|teilen|(?:beitrag|artikel|seite) teilen|kommentare?|lesen sie auch|"
    r"zum weiterlesen|empfohlene (?:beiträge|artikel)|die (?:neuesten|meistgelesenen) \w+|"
    r"(?:à )?lire aussi|sur le même sujet|articles? similaires|partager(?: cet article)?|commentaires?|"
    r"mots-clés|artículos relacionados|te puede interesar|comparte(?: esta noticia)?|comentarios|"
    r"articoli correlati|leggi anche|czytaj (?:też|także)|przeczytaj (?:też|także)|komentarze|"
    r"podobne artykuły|about the (?:author|series)|filed under\b.*|"
    r"über (?:den autor|die autorin|diese reihe)|"
    r"weiterführende (?:links|informationen|literatur)|quellen(?:angaben)?|keine kommentare|schon gelesen|"
    r"inne artykuły autora|zobacz (?:też|także)|(?:notas|noticias) relacionadas|lee también)"
    # …and the same heading in a second language: "Related — Relacionado".
    r"(?:\s+[—–|/]\s+[^.!?]{1,30})?\W*$",
    re.IGNORECASE,
)


STORY_LINE = 300


def _until_the_end(paragraphs: list[str]) -> list[str]:
    for index in range(len(paragraphs) // 2, len(paragraphs)):
        # A box of links set inside the story ("More on this: …") is followed by more of the story.
        if (
            len(paragraphs[index]) <= 60
            and END_OF_STORY.match(paragraphs[index])
            and all(len(text) <= STORY_LINE for text in paragraphs[index + 1 :])
        ):
            return paragraphs[:index]
    return paragraphs


def _paragraphs(container: etree._Element) -> list[str]:
    return [text for text, links in _segments(container) if not _is_boilerplate(text, links)]


def _generic(document: etree._Element, meta: Metadata, url: str) -> Extraction:
    _strip_code_and_widgets(document)
    # A dateline or an age beside the headline changes with every load: it must not move the choice.
    _drop_dates(document)
    container = _container(document)
    byline = choose_byline(document, meta, container)
    title = choose_title(document, meta, url, container)
    paragraphs: list[str] = []
    if container is not None:
        for heading in _leading_headings(container):
            _drop(heading)
        lead = _standfirst(container, title)
        _strip_chrome(container)
        paragraphs = _until_the_end(_paragraphs(container))
        paragraphs = [text for text in lead if text not in paragraphs[:1]] + paragraphs
    return Extraction(
        title,
        byline,
        _without_heading(paragraphs, title, byline),
        canonical=meta.canonical,
        social_title=social_title(meta, url, title),
        published=meta.published,
        modified=meta.modified,
    )


def _without_heading(paragraphs: list[str], title: str, byline: str) -> list[str]:
    """The body without the headline and byline lines (which are read on their own) and lines that only
    pair the byline with a date."""
    while paragraphs and paragraphs[0] in (title, byline):
        paragraphs = paragraphs[1:]
    # Furniture without the byline went with the boilerplate; only a line naming the byline is new here.
    return [p for p in paragraphs if not (byline and byline in p and is_furniture(p, byline))]


# --- site rules ---------------------------------------------------------------------------------------


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:  # "http://[::1": an address no rule or site name can match
        return ""


def rule_for(url: str) -> SiteRule | None:
    host = host_of(url)
    for rule in SITE_RULES:
        if rule.matches(host):
            return rule
    return None


def release_for(url: str) -> str:
    """Every extractor that may read a page from ``url`` (its site rule, and the generic reader it falls
    back to), with versions: when this changes, identical bytes must be read again."""
    generic = f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}"
    rule = rule_for(url)
    return f"site:{rule.name}/{rule.version}+{generic}" if rule else generic


def _first_text(
    document: etree._Element,
    selectors: Iterable[Selector],
    clean: Callable[[etree._Element], str] = text_of,
) -> str:
    for selector in selectors:
        for node in selector(document):
            if text := clean(node):
                return text
    return ""


def _outermost(elements: Iterable[etree._Element]) -> list[etree._Element]:
    chosen: list[etree._Element] = []
    seen: set[etree._Element] = set()
    for element in elements:
        if element in seen or any(a in seen for a in element.iterancestors()):
            continue
        seen.add(element)
        chosen.append(element)
    return chosen


def _by_site_rule(document: etree._Element, meta: Metadata, rule: SiteRule, url: str) -> Extraction | None:
    _strip_code_and_widgets(document)
    bodies = _outermost(rule.body_selector(document))
    if not bodies:
        return None
    paragraphs = []
    for body in bodies:
        for element in _outermost(rule.drop_selector(body)):
            _drop(element)
        # The rule names the site's own chrome; boxes any template may drop into a story (most-read lists,
        # "updated N minutes ago" lines, ad slots) are recognised as the generic reader does.
        _drop_dates(body)
        _strip_chrome(body)
        for block in _outermost(rule.paragraph_selector(body)):
            text = text_of(block)
            if text and not _is_boilerplate(text, _link_text_length(block)):
                paragraphs.append(text)
    if not paragraphs:
        return None
    title = _first_text(document, rule.title_selectors) or meta.headline or meta.og_title
    byline = ""
    if rule.byline_from_metadata and meta.authors:
        byline = ", ".join(meta.authors)
    credit = _names_in(_first_text(document, rule.byline_selectors, clean_byline))
    byline = _without_publisher(byline or credit or ", ".join(meta.authors), meta)
    return Extraction(
        title=title,
        byline=byline,
        paragraphs=_without_heading(paragraphs, title, byline),
        extractor=f"site:{rule.name}",
        extractor_version=rule.version,
        canonical=meta.canonical,
        social_title=social_title(meta, url, title),
        published=meta.published,
        modified=meta.modified,
    )


# A build tool's suffix on a class name ("byline-3xHw2", "Component-body-0-2-60", "story_text__a1b2c3"):
# it changes with every deploy of the site, and the rule's selectors name the part before it.
BUILD_HASH = re.compile(r"^(.*[^\W\d_].*?)(?:[-_]{1,2}(?=[^\W_]*\d)[^\W_]{5,8}|(?:-\d+){2,})$")


def _unhash_classes(document: etree._Element) -> None:
    """Give every element whose class names carry a build hash the names without it as well."""
    for element in document.iter(etree.Element):
        classes = element.get("class")
        if not classes or not any(char.isdigit() for char in classes):
            continue
        words = classes.split()
        bare = [match[1] for word in words if (match := BUILD_HASH.match(word)) and match[1] not in words]
        if bare:
            element.set("class", " ".join([*words, *dict.fromkeys(bare)]))


def extract(html: str, url: str, *, site_rules: bool = True) -> Extraction:
    """The article in ``html`` fetched from ``url``; without ``site_rules``, by the generic reader."""
    try:
        document = parse(html)
    except PartialPage as partial:
        return Extraction(title="", byline="", paragraphs=[], unreadable=str(partial))
    if document is None:
        return Extraction(title="", byline="", paragraphs=[])
    meta = read_metadata(document, url)
    rule = rule_for(url) if site_rules else None
    if rule is not None:
        _unhash_classes(document)
        result = _by_site_rule(document, meta, rule, url)
        if result is not None:
            return result
    return _generic(document, meta, url)
