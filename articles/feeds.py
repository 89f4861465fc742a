"""RSS and Atom feeds of changes: one entry per changed version, carrying the diff of that change.

Every feed has an Atom and an RSS form from one class (``django.contrib.syndication``). An entry's title is
"vN: headline", its link the diff page, its summary the change statistics, and its content the changed
paragraphs as HTML built from escaped text, with inline styles because feed readers drop stylesheets.
"""

import dataclasses
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, Stylesheet, SyndicationFeed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from articles.browsing import cached_rendering, text_param, version_diff, visible_article
from articles.entries import diff_key, entry_html, standing, unpacked
from articles.models import FeedEntry, Source, Version, load_paragraphs
from articles.searching import MAX_QUERY_LENGTH, candidate_articles

FEED_LENGTH = 50
FEED_MAX_AGE = 300
# CPU time one feed request spends making entries' diffs that are not cached yet: a real change takes
# milliseconds, a hostile one up to a few hundred, and a feed of 50 of those would hold a worker for 20 s.
# Entries past it say their diff is on its way, and the next request makes more of them.
FEED_DIFF_CPU_SECONDS = 0.3
NOT_YET = "<p>The diff of this change is being prepared: see it on the diff page.</p>"


# What XML 1.0 cannot carry at all, escaped or not: C0 controls but tab, newline and carriage return, lone
# surrogates, U+FFFE and U+FFFF. A page's stray control character reaches headlines and paragraphs, and a
# search carries whatever is typed; Django's feed writer raises on them, which took down every feed with
# that change in it (the site-wide ones too) or any search feed asked for "?q=%1B".
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: Any) -> Any:
    """``value`` with what XML cannot carry replaced by U+FFFD (a string), or ``value`` as it is."""
    return NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


class XmlTextFeed(SyndicationFeed):
    """Every string a feed is given, for itself or for an entry, made writable as XML (``xml_text``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*map(xml_text, args), **{k: xml_text(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*map(xml_text, args), **{k: xml_text(v) for k, v in kwargs.items()})


class ContentRssFeed(XmlTextFeed, Rss201rev2Feed):
    """RSS 2.0 with the diff in content:encoded, beside the summary in description."""

    def rss_attributes(self) -> dict[str, str]:
        return {**super().rss_attributes(), "xmlns:content": "http://purl.org/rss/1.0/modules/content/"}

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


class ContentAtomFeed(XmlTextFeed, Atom1Feed):
    """Atom with the diff as the entry's content and the statistics as its summary."""

    def write(self, outfile: Any, encoding: str) -> None:
        # Atom1Feed.write, with the stylesheets Django writes into RSS only: a processing instruction must
        # come after the XML declaration and before the root element, which no other hook reaches.
        handler: Any = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", str(stylesheet))
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_root_elements(self, handler: Any) -> None:
        super().add_root_elements(handler)
        # The channel's description, as RSS has it (escaped HTML), and said to be HTML: Django's subtitle
        # would be plain text, which a lax reader takes for HTML all the same.
        handler.addQuickElement("subtitle", self.feed["description"], {"type": "html"})

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


@dataclass(frozen=True)
class Scope:
    """Which changes a feed carries; built per request, since one Feed instance serves every request."""

    title: str
    link: str
    description: str
    filter: Q
    include_hidden: bool = False
    order: tuple[str, ...] = ("-fetched_at", "-pk")
    # The feed's own address as asked for, query included (a search's ?q=), and the host it was asked of.
    address: str = ""
    host: str = ""

    def versions(self) -> Any:
        changes = Version.objects.published().changes(include_hidden=self.include_hidden)
        return changes.filter(self.filter).order_by(*self.order)

    def last_modified(self) -> datetime | None:
        latest: datetime | None = self.versions().values_list("fetched_at", flat=True).first()
        return latest


# The date in the feeds' tag URIs: the day the scheme was adopted, never changed (ids must stay put).
TAG_DATE = "2026-12-06"


def version_guid(version: Version) -> str:
    """Stable across regenerations and installations: derived from the article's URL and the number."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{version.article.url}#v{version.number}").urn


class CpuBudget:
    """CPU time for one request's work (this thread's, whatever else the process runs)."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def run(self, work: Callable[[], str]) -> str:
        start = time.thread_time()
        try:
            return work()
        finally:
            self.left -= time.thread_time() - start


class EntryTexts:
    """The texts of the entries whose diffs are not cached, read BATCH entries at a time as the first of them
    is needed: two queries for BATCH diffs, where each entry reading its own pair took two (85 queries and
    60 % of a cold feed's 90 ms, bench/scale.py), and never more than a batch of texts the request's budget
    leaves unread. Batches of 10 were 10 queries of a cold 50-entry feed, 5-10 ms of its 55."""

    BATCH = 25

    def __init__(self, pairs: list[tuple[Version, Version]]) -> None:
        self.pairs = pairs
        self.position = {id(version): index for index, (_, version) in enumerate(pairs)}

    def read(self, version: Version) -> None:
        index = self.position.get(id(version))
        if index is not None and version._paragraphs is None:  # not read with an earlier entry's ten
            load_paragraphs(v for pair in self.pairs[index : index + self.BATCH] for v in pair)


def change_html(
    previous: Version | None,
    version: Version,
    budget: CpuBudget | None = None,
    texts: EntryTexts | None = None,
    kept: FeedEntry | None = None,
) -> str:
    """The entry's content: ``kept`` when there is one (``version``'s FeedEntry, still standing), else
    from the diff every page and the API share; cached, as the diff of two stored texts never changes. Not
    cached yet and past the request's ``budget``: NOT_YET (not cached)."""
    if previous is None:
        return "<p>The previous version is not available.</p>"
    if kept is not None:
        return unpacked(kept.html)
    key = diff_key("feed", previous, version)
    if budget is None or budget.left > 0:
        render = partial(cached_rendering, key, lambda: _change_html(previous, version, texts), None)
        return budget.run(render) if budget else render()
    cached: str | None = cache.get(key)
    return cached or NOT_YET


def _change_html(previous: Version, version: Version, texts: EntryTexts | None = None) -> str:
    if texts is not None:
        texts.read(version)
    load_paragraphs([previous, version])  # two queries for both, however long their chain; none if read
    return entry_html(previous.text, version.text, version_diff(previous, version))


class ChangesFeed(Feed[Version, Scope]):
    feed_type: type[SyndicationFeed] = ContentAtomFeed
    item_guid_is_permalink = False
    author_name = "newsdiffs"  # Atom requires an author for a feed whose entries name none

    def scope(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Scope:
        raise NotImplementedError

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Scope:
        include_hidden = request.GET.get("all") in ("1", "true", "yes")
        return dataclasses.replace(
            self.scope(request, **kwargs),
            include_hidden=include_hidden,
            address=request.get_full_path(),
            host=request.get_host(),
        )

    def feed_url(self, scope: Scope) -> str:
        # Its self link: Django's default, the path alone, sent a search feed's subscribers to no search.
        return scope.address

    def feed_guid(self, scope: Scope) -> str:
        """A tag URI (RFC 4151) of the feed's address, query included: each feed its own id (with the
        home page's link as id, every feed but an article's had the same one)."""
        authority = scope.host.rsplit(":", 1)[0] if not scope.host.endswith("]") else scope.host
        return f"tag:{authority},{TAG_DATE}:{scope.address}"

    def title(self, scope: Scope) -> str:
        return scope.title

    def link(self, scope: Scope) -> str:
        return scope.link

    def stylesheets(self, scope: Scope) -> list[Stylesheet]:
        # Asked for per request: in production static() names the hashed file, from collectstatic's manifest.
        return [Stylesheet(static("feeds/feed.xsl"), mimetype="text/xsl")]

    def description(self, scope: Scope) -> str:
        # RSS readers take a channel's description as HTML, and the Atom subtitle made of it says it is: what
        # it quotes (a search, an article's URL, a source's name) goes in escaped, so that a reader shows it
        # rather than running it.
        return escape(scope.description)

    def items(self, scope: Scope) -> list[Version]:
        # Without their texts, which only a diff not cached yet reads (each then loads its own): 50 versions
        # of a megabyte and their predecessors were 100 MB of JSON to decode for every request.
        versions = list(scope.versions().select_related("article").without_texts()[:FEED_LENGTH])
        # Each entry is diffed against its predecessor: fetch all predecessors in one query.
        wanted = ((version.article_id, version.number - 1) for version in versions)
        predecessors = Version.objects.numbered(wanted).without_texts()
        previous = {(v.article_id, v.number): v for v in predecessors} if versions else {}
        # The entries kept when they were stored (recent ones), in one query; the others are diffed.
        kept = FeedEntry.objects.in_bulk([v.pk for v in versions])
        budget = CpuBudget(FEED_DIFF_CPU_SECONDS)  # this request's, shared by its entries
        for version in versions:
            version.previous = previous.get((version.article_id, version.number - 1))
            version.budget = budget
            version.kept = standing(kept.get(version.pk), version.previous, version)
        keyed = {
            diff_key("feed", v.previous, v): (v.previous, v)
            for v in versions
            if v.previous is not None and v.kept is None
        }
        cached = cache.get_many(list(keyed)) if keyed else {}
        texts = EntryTexts([pair for key, pair in keyed.items() if key not in cached])
        for version in versions:
            version.texts = texts
        return versions

    def item_title(self, version: Version) -> str:
        return f"v{version.number}: {version.title}"

    def item_link(self, version: Version) -> str:
        return reverse("diff", args=[version.article_id, version.number - 1, version.number])

    def item_description(self, version: Version) -> str:
        return version.stats.summary()

    def item_guid(self, version: Version) -> str:
        return version_guid(version)

    def item_pubdate(self, version: Version) -> datetime:
        return version.fetched_at

    def item_updateddate(self, version: Version) -> datetime:
        return version.fetched_at

    def item_extra_kwargs(self, version: Version) -> dict[str, str]:
        # Set by items() on the versions it returned, which Django's Feed hands back one by one.
        content = change_html(version.previous, version, version.budget, version.texts, version.kept)  # type: ignore[attr-defined]
        return {"content": content}


class ArticleFeed(ChangesFeed):
    def scope(self, request: HttpRequest, pk: int) -> Scope:
        article = visible_article(pk)
        return Scope(
            title=f"Changes to “{article.title or article.url}”",
            link=article.get_absolute_url(),
            description=f"Every change newsdiffs has recorded to {article.url}",
            filter=Q(article=article),
            order=("-number",),
        )


class SourceFeed(ChangesFeed):
    def scope(self, request: HttpRequest, slug: str) -> Scope:
        source = get_object_or_404(Source, slug=slug)
        return Scope(
            title=f"Changes at {source.name}",
            link=reverse("home"),
            description=f"Changes newsdiffs has recorded to articles of {source.name}",
            filter=Q(article__source=source),
        )


class AllChangesFeed(ChangesFeed):
    def scope(self, request: HttpRequest) -> Scope:
        return Scope(
            title="All changes",
            link=reverse("home"),
            description="Every change newsdiffs records",
            filter=Q(),
        )


class HeadlineChangesFeed(ChangesFeed):
    def scope(self, request: HttpRequest) -> Scope:
        return Scope(
            title="Headline changes",
            link=reverse("home"),
            description="Changes that rewrote a headline: the page's own, or the one of its sharing cards",
            filter=Q(title_changed=True) | Q(social_title_changed=True),
        )


class SearchFeed(ChangesFeed):
    def scope(self, request: HttpRequest) -> Scope:
        query = text_param(request, "q").strip()
        if not query:
            raise BadRequest("Add a search with ?q=")
        if len(query) > MAX_QUERY_LENGTH:
            raise BadRequest(f"A search is at most {MAX_QUERY_LENGTH} characters.")
        return Scope(
            title=f"Changes to articles matching “{query}”",
            link=reverse("home"),
            description=f"Changes to articles whose headline or text matches “{query}”",
            filter=Q(article__in=candidate_articles(query)),
        )


def feed_view(feed_class: type[ChangesFeed], rss: bool) -> Callable[..., HttpResponse]:
    """The feed as a view answering conditional GETs (Last-Modified here, ETag by the middleware)."""
    feed = feed_class()
    feed.feed_type = ContentRssFeed if rss else ContentAtomFeed

    def last_modified(request: HttpRequest, **kwargs: Any) -> datetime | None:
        return feed.get_object(request, **kwargs).last_modified()

    def shown_to_browsers(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        # A browser opening a feed link asks for HTML first, and downloads a feed or shows it as raw XML: it
        # gets a page that says what the feed is and how to subscribe, whichever browser it is. Feed readers
        # ask for feeds (or for anything) and get the feed. The feed names an XSLT stylesheet as well
        # (static/feeds/feed.xsl), with which a browser that still applies XSLT (deprecated everywhere) and
        # asks for XML rather than HTML makes much the same page of the feed itself.
        if request.headers.get("Accept", "").startswith("text/html"):
            response = feed_page(request, feed, **kwargs)
        else:
            response = feed(request, **kwargs)
            response["Content-Type"] = feed_content_type(request, response["Content-Type"])
        patch_vary_headers(response, ["Accept"])
        return response

    view = condition(last_modified_func=last_modified)(shown_to_browsers)
    return cache_control(public=True, max_age=FEED_MAX_AGE)(view)


# What a client that asks for XML and for no feed type gets the feed labelled as: the same bytes. Chromium
# downloads a response labelled application/atom+xml or application/rss+xml rather than render it, so only
# a feed labelled as XML is ever styled by its XSLT stylesheet.
XML_TYPES = ["application/xml", "text/xml"]


def feed_content_type(request: HttpRequest, own: str) -> str:
    """The feed's own type (``own``) for whoever accepts it (``*/*`` and no Accept header included), else the
    XML type the client asked for."""
    if request.accepts(own.split(";")[0]):
        return own
    xml = request.get_preferred_type(XML_TYPES)
    return f"{xml}; charset=utf-8" if xml else own


def feed_page(request: HttpRequest, feed: ChangesFeed, **kwargs: Any) -> HttpResponse:
    scope = feed.get_object(request, **kwargs)
    entries = [
        (
            feed.item_title(version),
            feed.item_link(version),
            version.fetched_at,
            feed.item_description(version),
        )
        for version in scope.versions().select_related("article").without_texts()[:FEED_LENGTH]
    ]
    context = {"scope": scope, "address": request.build_absolute_uri(), "entries": entries}
    return render(request, "articles/feed.html", context)
