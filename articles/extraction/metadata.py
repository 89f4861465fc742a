"""What a page says about itself in JSON-LD and meta tags: its type, headline, authors, dates, address."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from articles.extraction.document import _attr, _clean, text_of

ARTICLE_TYPES = frozenset(
    (
        "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
        "BackgroundNewsArticle", "ReviewNewsArticle", "LiveBlogPosting", "BlogPosting", "Report",
        "ScholarlyArticle", "TechArticle", "SocialMediaPosting",
    )
)  # fmt: skip


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


def _json_ld_objects(document: HtmlElement) -> Iterator[dict[str, Any]]:
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


# A page's <meta> tags, read once as (property, name, itemprop, content): a dozen questions are asked of
# them, and each walk of the page's tree to find them costs as much as the answer.
MetaTags = list[tuple[str, str, str, str]]


def _meta_tags(document: HtmlElement) -> MetaTags:
    return [
        (_attr(meta, "property"), _attr(meta, "name"), _attr(meta, "itemprop"), _attr(meta, "content"))
        for meta in document.iter("meta")
    ]


KEYS = {"property": 0, "name": 1}


def _meta_content(tags: MetaTags, key: str, value: str) -> str:
    column = KEYS[key]
    for tag in tags:
        if tag[column].lower() == value:
            return _clean(tag[3])
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


def _stated(document: HtmlElement, tags: MetaTags, keys: tuple[str, ...], itemprop: str) -> str:
    for prop, name, item, content in tags:
        if (prop or name or item).lower() in keys and (value := _clean(content)):
            return value
    for element in document.iter("time"):
        if _attr(element, "itemprop") == itemprop and (value := _clean(_attr(element, "datetime"))):
            return value
    return ""


def _first_time(document: HtmlElement) -> str:
    for element in document.iter("time"):
        if value := _clean(_attr(element, "datetime")):
            return value
    return ""


def read_metadata(document: HtmlElement, url: str) -> Metadata:
    headline, authors = "", list[str]()
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
    tags = _meta_tags(document)
    canonical = canonical or _meta_content(tags, "property", "og:url")
    title = document.find(".//title")
    site_name = _meta_content(tags, "property", "og:site_name")
    return Metadata(
        headline=headline,
        authors=tuple(dict.fromkeys(name for name in authors if name and name != site_name)),
        og_title=_meta_content(tags, "property", "og:title"),
        twitter_title=_meta_content(tags, "name", "twitter:title")
        or _meta_content(tags, "property", "twitter:title"),
        site_name=site_name,
        meta_author=_meta_content(tags, "name", "author"),
        document_title=text_of(title) if title is not None else "",
        canonical=_absolute(canonical, url),
        published=(
            published or _stated(document, tags, PUBLISHED_META, "datePublished") or _first_time(document)
        ),
        modified=modified or _stated(document, tags, MODIFIED_META, "dateModified"),
    )


def _absolute(href: str, base: str) -> str:
    if not href:
        return ""
    try:
        return urljoin(base, href)
    except ValueError:  # a malformed base or href (bad IPv6 brackets, say): keep what the page said
        return href


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:  # "http://[::1": an address no rule or site name can match
        return ""
