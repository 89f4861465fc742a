"""Find new article URLs of a source: its RSS/Atom feeds (feedparser) and section pages (links matching
the source's pattern), canonicalised, filtered, and tracked once whatever variant they came as."""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import fetching
from articles.canonical import InvalidURL, bare_host, canonical_url, url_variants
from articles.fetching import FetchError, FetchResult
from articles.models import Article, Source
from articles.politeness import HostBusy

logger = logging.getLogger(__name__)

# Pages that are not articles with a text to follow, or that change by the minute: live blogs, videos,
# galleries, audio. A source's own deny pattern replaces this one.
DEFAULT_DENY = re.compile(
    r"/(live|live-news|liveblog|live-blog|video|videos|av|gallery|galleries|pictures|in-pictures|photos?|"
    r"podcasts?|audio|sounds|iplayer)(/|$)|[-/]live-?(blog|updates)|/(tag|tags|topic|topics|author|authors)/",
    re.IGNORECASE,
)
Fetcher = Callable[..., FetchResult]


@dataclass
class DiscoveryResult:
    seen: int = 0
    new: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def links_from_feed(body: bytes, base_url: str) -> list[str]:
    """Article links of an RSS or Atom document, in feed order."""
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    links = []
    for entry in parsed.entries:
        # Feeds behind a redirecting feed proxy (FeedBurner) keep the article's own address here.
        link = entry.get("feedburner_origlink") or entry.get("link")
        if isinstance(link, str) and link:
            links.append(urljoin(base_url, link))
    return links


def links_from_page(html: str, base_url: str) -> list[str]:
    """Every <a href> of a section page, made absolute, in page order."""
    if not html.strip():
        return []
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    return [urljoin(base_url, href.strip()) for href in root.xpath("//a/@href") if isinstance(href, str)]


class Filter:
    """Which found links are this source's articles: same site, the allow pattern, not the deny pattern."""

    def __init__(self, source: Source) -> None:
        self.allow = re.compile(source.link_pattern) if source.link_pattern else None
        self.deny = re.compile(source.deny_pattern) if source.deny_pattern else DEFAULT_DENY
        sites = [source.homepage, *source.feed_urls, *source.section_urls]
        self.hosts = {_bare_host(url) for url in sites if url}

    def accepts(self, url: str) -> bool:
        if self.hosts and _bare_host(url) not in self.hosts:
            return False
        path = urlsplit(url).path
        if path in ("", "/"):
            return False
        if self.allow is not None and not self.allow.search(url):
            return False
        return not self.deny.search(url)


def _bare_host(url: str) -> str:
    return bare_host(urlsplit(url).hostname or "")


def candidate_urls(source: Source, pages: Iterable[tuple[str, FetchResult]]) -> list[str]:
    """Canonical, accepted, de-duplicated article URLs from fetched feeds (kind "feed") and sections."""
    keep = Filter(source)
    found: dict[str, None] = {}
    seen_variants: set[str] = set()
    for kind, page in pages:
        links = (
            links_from_feed(page.body, page.url) if kind == "feed" else links_from_page(page.text, page.url)
        )
        for link in links:
            try:
                url = canonical_url(link)
            except InvalidURL:
                continue
            if not keep.accepts(url):
                continue
            variants = url_variants(url)
            if seen_variants.isdisjoint(variants):
                found[url] = None
                seen_variants.update(variants)
    return list(found)


def track_new(source: Source, urls: list[str], limit: int) -> list[str]:
    """Track the URLs no article has under any variant yet (``track`` looks the variants up); at most
    ``limit`` of them."""
    new: list[str] = []
    for url in urls:
        if len(new) >= limit:
            break
        try:
            with transaction.atomic():
                _article, created = Article.objects.track(url, source=source)
        except IntegrityError:  # tracked a moment ago by another discovery run
            continue
        except InvalidURL:  # a link to a private address, or to an article an administrator removed
            continue
        if created:
            new.append(url)
    return new


def discover(source: Source, fetcher: Fetcher | None = None) -> DiscoveryResult:
    fetcher = fetcher or fetching.fetch
    result = DiscoveryResult()
    pages: list[tuple[str, FetchResult]] = []
    for kind, urls in (("feed", source.feed_urls), ("section", source.section_urls)):
        for url in urls:
            try:
                # Feeds and sections are on the sites whose articles are checked: the same limits apply
                # (fetch takes each host's politeness slot itself), with a longer wait for a turn.
                pages.append((kind, fetcher(url, media_types=fetching.FEED_TYPES, polite_wait=60)))
            except (FetchError, HostBusy) as error:
                result.errors.append(f"{url}: {error}")
    urls = candidate_urls(source, pages)
    result.seen = len(urls)
    result.new = track_new(source, urls, settings.DISCOVERY_MAX_NEW)
    Source.objects.filter(pk=source.pk).update(
        last_discovered_at=timezone.now(), last_discovery_error="\n".join(result.errors)[:2000]
    )
    logger.info("source %s: %d links, %d new", source.slug, result.seen, len(result.new))
    return result
