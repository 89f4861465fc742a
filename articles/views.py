from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache

from articles.diffing import diff_body, diff_words, render_segments
from articles.models import Article, Source, Version
from articles.paging import keyset_page
from articles.searching import MAX_QUERY_LENGTH, article_for_url, looks_like_url, matching_articles

PAGE_SIZE = 50
TOTALS_SECONDS = 60
# A source that stores fewer versions than this a day is probably being read wrongly (News Sniffer's rule).
HEALTHY_VERSIONS_PER_DAY = 5
DIFF_VIEWS = ("side", "inline")
DIFF_VIEW_COOKIE = "diffview"


class Gone(Exception):
    """An article an admin removed: its pages answer 410, not 404."""


def visible_article(pk: int, queryset: Any = None) -> Article:
    article = get_object_or_404(queryset if queryset is not None else Article.objects, pk=pk)
    if article.status == Article.Status.REMOVED:
        raise Gone
    return article


def totals() -> dict[str, int]:
    """Site-wide counts for the home page, recomputed at most once a minute whatever the traffic."""

    def compute() -> dict[str, int]:
        today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        return {
            "articles": row_count(Article),
            "versions": row_count(Version),
            "changes_today": Version.objects.changes().filter(fetched_at__gte=today).count(),
        }

    return cache.get_or_set("home-totals", compute, TOTALS_SECONDS)


# Above this many rows, Postgres's own estimate stands in for COUNT(*), which reads the whole table.
EXACT_COUNT_LIMIT = 100_000


def row_count(model: Any) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
            )
            estimate = cursor.fetchone()[0]
        if estimate > EXACT_COUNT_LIMIT:
            return estimate
    return model.objects.count()


def home(request: HttpRequest) -> HttpResponse:
    changes = (
        Version.objects.changes()
        .select_related("article", "article__source")
        .defer("paragraphs", "search_document")
    )
    changes = changes.exclude(article__status=Article.Status.REMOVED)
    source = request.GET.get("source", "")
    if source:
        changes = changes.filter(article__source__slug=source)
    view = "biggest" if request.GET.get("view") == "biggest" else "recent"
    period = "week" if request.GET.get("period") == "week" else "day"
    context: dict[str, Any] = {
        "view": view, "period": period, "source": source, "totals": totals(),
        "sources": Source.objects.filter(active=True).only("slug", "name"),
    }  # fmt: skip
    if view == "biggest":
        since = timezone.now() - timedelta(days=7 if period == "week" else 1)
        size = F("words_added") + F("words_removed")
        biggest = changes.filter(fetched_at__gte=since).annotate(size=size).order_by("-size", "-fetched_at")
        context["changes"] = list(biggest[:PAGE_SIZE])
    else:
        page = keyset_page(changes, ("fetched_at", "pk"), request.GET.get("after"), PAGE_SIZE)
        context.update(changes=page.items, page=page)
    return render(request, "articles/home.html", context)


def sources(request: HttpRequest) -> HttpResponse:
    def compute() -> dict[int | None, tuple[int, int]]:
        """Per source over the last week: versions stored and articles changed. A range on the fetched_at
        index, never a count of all articles; at most once a minute."""
        recent = Version.objects.filter(fetched_at__gte=timezone.now() - timedelta(days=7))
        grouped = recent.values_list("article__source").order_by()
        rows = grouped.annotate(versions=Count("pk"), articles=Count("article", distinct=True))
        return {source: (versions, articles) for source, versions, articles in rows}

    weekly = cache.get_or_set("source-week", compute, TOTALS_SECONDS)
    rows = []
    for source in Source.objects.order_by("name"):
        versions, articles = weekly.get(source.pk, (0, 0))
        rows.append((source, articles, versions / 7))
    return render(request, "articles/sources.html", {"rows": rows, "healthy": HEALTHY_VERSIONS_PER_DAY})


def source_health(source: Source) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        now = timezone.now()
        days = [(now - timedelta(days=n)).date() for n in range(6, -1, -1)]
        recent = Version.objects.filter(article__source=source, fetched_at__gte=now - timedelta(days=7))
        counted = recent.annotate(day=TruncDate("fetched_at")).values_list("day").annotate(n=Count("pk"))
        per_day = dict(counted.order_by())
        tracked = source.articles.filter(status=Article.Status.ACTIVE)
        active, failing = tracked.count(), tracked.filter(consecutive_failures__gt=0).count()
        return {
            "per_day": [(day, per_day.get(day, 0)) for day in days],
            "versions_per_day": sum(per_day.values()) / 7,
            "active": active, "failing": failing, "error_rate": failing / active if active else 0,
        }  # fmt: skip

    return cache.get_or_set(f"source-health:{source.pk}", compute, TOTALS_SECONDS)


def source(request: HttpRequest, slug: str) -> HttpResponse:
    source = get_object_or_404(Source, slug=slug)
    articles = source.articles.exclude(status=Article.Status.REMOVED).filter(last_changed_at__isnull=False)
    page = keyset_page(articles, ("last_changed_at", "pk"), request.GET.get("after"), PAGE_SIZE)
    context = {"source": source, "page": page, "healthy": HEALTHY_VERSIONS_PER_DAY, **source_health(source)}
    return render(request, "articles/source.html", context)


def article(request: HttpRequest, pk: int) -> HttpResponse:
    article = visible_article(pk, Article.objects.select_related("source"))
    show_all = request.GET.get("all") == "1"
    versions = list(article.versions.defer("paragraphs", "search_document").order_by("number"))
    hidden = sum(1 for v in versions if v.kind != Version.Kind.EDIT)
    rows, previous = [], None
    for version in versions:
        if show_all or version.number == 0 or version.kind == Version.Kind.EDIT:
            rows.append((version, previous))
            previous = version
    rows.reverse()
    context = {"article": article, "rows": rows, "hidden": hidden, "show_all": show_all}
    return render(request, "articles/article.html", context)


def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The target of the versions list's radio buttons: any two versions, older first."""
    try:
        a, b = int(request.GET["a"]), int(request.GET["b"])
    except (KeyError, ValueError):
        return redirect("article", pk=pk)
    if a == b:
        return redirect("version", pk=pk, number=a)
    return redirect("diff", pk=pk, a=min(a, b), b=max(a, b))


def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    article = visible_article(pk)
    version = get_object_or_404(Version, article=article, number=number)
    return render(request, "articles/version.html", {"article": article, "version": version})


def diff(request: HttpRequest, pk: int, a: int, b: int) -> HttpResponse:
    article = visible_article(pk)
    found = {v.number: v for v in article.versions.filter(number__in=[a, b])}
    if a not in found or b not in found or a >= b:
        raise Http404("No such pair of versions.")
    old, new = found[a], found[b]
    view = request.GET.get("view") or request.COOKIES.get(DIFF_VIEW_COOKIE)
    view = view if view in DIFF_VIEWS else "side"
    changes_only = request.GET.get("show") == "changes"
    changes = list(article.versions.changes().values_list("number", flat=True).order_by("number"))
    earlier = [n for n in changes if n < b]
    later = [n for n in changes if n > b]
    context = {
        "article": article, "old": old, "new": new, "view": view, "changes_only": changes_only,
        "intermediate": b - a - 1,
        "previous_change": earlier[-1] if earlier else None,
        "next_change": later[0] if later else None,
        "body_html": diff_html(old, new, view, changes_only),
    }  # fmt: skip
    response = render(request, "articles/diff.html", context)
    if request.GET.get("view") in DIFF_VIEWS:
        response.set_cookie(DIFF_VIEW_COOKIE, view, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def diff_html(old: Version, new: Version, view: str, changes_only: bool) -> str:
    """The diff's HTML, cached: versions never change, so neither does their diff."""
    key = f"diff:{old.content_hash}:{new.content_hash}:{view}:{int(changes_only)}"
    html = cache.get(key)
    if html is None:
        body = diff_body(old.paragraphs, new.paragraphs)
        title, byline = diff_words(old.title, new.title), diff_words(old.byline, new.byline)
        rows: list[Any] = []
        unchanged: list[Any] = []
        for op in body.ops:
            if changes_only and op.op == "equal":
                unchanged.append(op)
                continue
            if unchanged:
                rows.append(("skipped", len(unchanged), None, None))
                unchanged = []
            words = op.words
            rows.append((
                op.op,
                render_segments(words.old) if op.old_index is not None else None,
                render_segments(words.new) if op.new_index is not None else None,
                render_segments(words.inline),
            ))  # fmt: skip
        if unchanged:
            rows.append(("skipped", len(unchanged), None, None))
        html = render_to_string(
            "articles/diff_body.html",
            {
                "old": old,
                "new": new,
                "view": view,
                "title": title,
                "byline": byline,
                "body": body,
                "rows": rows,
            },
        )
        cache.set(key, html, 24 * 3600)
    return mark_safe(html)  # our own template's output, from the cache


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    context: dict[str, Any] = {"query": query}
    if query and looks_like_url(query):
        found = article_for_url(query)
        if found is not None and found.status != Article.Status.REMOVED:
            return redirect(found)
        context["url_not_tracked"] = True
    elif query:
        results = matching_articles(query).filter(last_changed_at__isnull=False).select_related("source")
        context["page"] = keyset_page(results, ("last_changed_at", "pk"), request.GET.get("after"), PAGE_SIZE)
    return render(request, "articles/search.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class GoneMiddleware:
    """Turns ``Gone`` into the 410 page."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Gone):
            return render(request, "410.html", status=410)
        return None
