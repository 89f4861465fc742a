"""What the browsing pages show that takes more than a query: site totals, source health, rendered diffs.

Each is cached, so that a page stays cheap however large the database or busy the site.
"""

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from articles.diffing import diff_texts, render_segments
from articles.models import Article, Source, Version

TOTALS_SECONDS = 60
# A source that stores fewer versions than this a day is probably being read wrongly (News Sniffer's rule).
HEALTHY_VERSIONS_PER_DAY = 5
DIFF_CACHE_SECONDS = 24 * 3600


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


def weekly_by_source() -> dict[int | None, tuple[int, int]]:
    """Per source over the last week: versions stored and articles changed. A range on the fetched_at
    index, never a count of all articles; at most once a minute."""

    def compute() -> dict[int | None, tuple[int, int]]:
        recent = Version.objects.filter(fetched_at__gte=timezone.now() - timedelta(days=7))
        grouped = recent.values_list("article__source").order_by()
        rows = grouped.annotate(versions=Count("pk"), articles=Count("article", distinct=True))
        return {source: (versions, articles) for source, versions, articles in rows}

    return cache.get_or_set("source-week", compute, TOTALS_SECONDS)


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


FOLD_ABOVE_PARAGRAPHS = 2000


def diff_html(old: Version, new: Version, view: str, changes_only: bool) -> SafeString:
    """The diff's HTML, cached: versions never change, so neither does their diff."""
    key = f"diff:{old.content_hash}:{new.content_hash}:{view}:{int(changes_only)}"
    html = cache.get(key)
    if html is None:
        diff = diff_texts(old.text, new.text)
        # A page of tens of thousands of rows takes longer to render than the diff takes to compute, and
        # nobody reads it: past this many paragraphs, unchanged ones are folded whatever was asked.
        folded = not changes_only and len(diff.body.ops) > FOLD_ABOVE_PARAGRAPHS
        rows: list[Any] = []
        unchanged: list[Any] = []
        for op in diff.body.ops:
            if (changes_only or folded) and op.op == "equal":
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
                "title": diff.title,
                "byline": diff.byline,
                "body": diff.body,
                "rows": rows,
                "folded": folded,
            },
        )
        cache.set(key, html, DIFF_CACHE_SECONDS)
    return mark_safe(html)  # our own template's output, from the cache
