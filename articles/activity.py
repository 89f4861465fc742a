"""What each source's articles did each day (UTC): versions stored, and articles whose newest version came
that day. Counted as versions are stored, in their transaction (``count_stored``), so that the sources list
and a source's page read a week of a source from seven rows instead of counting its versions (0.13 to 0.17 s
at 1.28 M articles, bench/scale.py); ``rebuild`` counts them again from the versions.

Counters move by relative increments in one upsert (``INSERT … ON CONFLICT DO UPDATE SET n = n + …``), which
two workers storing versions of one source at once cannot lose, on Postgres as on SQLite.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.functions import TruncDate

from articles.models import Article, SourceDay, Version

WEEK_DAYS = 7


@dataclass(frozen=True)
class Stored:
    """Versions just stored for one article: its source, when its newest version before them was fetched
    (None: they are its first), and when each of them was."""

    source_id: int | None
    newest_before: datetime | None
    fetched: Sequence[datetime]


def day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def count_stored(stored: Iterable[Stored]) -> None:
    """Count versions just stored, in the caller's transaction. Articles without a source count nowhere."""
    versions: Counter[tuple[int, date]] = Counter()
    latest: Counter[tuple[int, date]] = Counter()
    for item in stored:
        if item.source_id is None or not item.fetched:
            continue
        for moment in item.fetched:
            versions[item.source_id, day_of(moment)] += 1
        newest = max(item.fetched)
        if item.newest_before is not None:
            if item.newest_before >= newest:
                continue  # older versions filled in (an import): the newest stays where it was
            latest[item.source_id, day_of(item.newest_before)] -= 1
        latest[item.source_id, day_of(newest)] += 1
    # Rows in one order for every writer, so that two of them never wait for each other's rows.
    keys = sorted(key for key in versions.keys() | latest.keys() if versions[key] or latest[key])
    if not keys:
        return
    table = SourceDay._meta.db_table
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(keys))
    params = [value for key in keys for value in (*key, versions[key], latest[key])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (source_id, day, versions, articles_latest) VALUES {rows} "
            "ON CONFLICT (source_id, day) DO UPDATE SET "
            f"versions = {table}.versions + EXCLUDED.versions, "
            f"articles_latest = {table}.articles_latest + EXCLUDED.articles_latest",
            params,
        )


def week(today: date) -> dict[int, dict[str, Any]]:
    """Per source, over the WEEK_DAYS days up to ``today``: versions stored each day (days without any left
    out), versions in all, and articles changed (those with a version in those days)."""
    since = today - timedelta(days=WEEK_DAYS - 1)
    weeks: dict[int, dict[str, Any]] = {}
    rows = SourceDay.objects.filter(day__gte=since, day__lte=today).order_by("source_id", "day")
    for source_id, day, versions, articles in rows.values_list(
        "source_id", "day", "versions", "articles_latest"
    ):
        if not versions and not articles:
            continue
        week = weeks.setdefault(source_id, {"per_day": {}, "versions": 0, "articles": 0})
        if versions:
            week["per_day"][day] = versions
        week["versions"] += versions
        week["articles"] += articles
    return weeks


def counted(article_ids: Sequence[int]) -> tuple[Counter[tuple[int, date]], Counter[tuple[int, date]]]:
    """The counters of ``article_ids``' versions, from the versions: (versions, newest versions)."""
    mine = Version.objects.filter(article_id__in=article_ids, article__source__isnull=False).order_by()
    versions: Counter[tuple[int, date]] = Counter()
    for source_id, day, count in (
        mine.annotate(day=TruncDate("fetched_at"))
        .values_list("article__source_id", "day")
        .annotate(Count("pk"))
    ):
        versions[source_id, day] += count
    latest: Counter[tuple[int, date]] = Counter()
    per_article = mine.values("article_id", "article__source_id").annotate(newest=Max("fetched_at"))
    for row in per_article:
        latest[row["article__source_id"], day_of(row["newest"])] += 1
    return versions, latest


def rebuild(batch: int = 20_000, progress: Callable[[int], object] | None = None) -> int:
    """Count every source's days again from the versions, ``batch`` articles at a time, and replace the
    counters with them; how many rows it wrote. Versions stored while it runs may be missed: run it when
    nothing is being checked, or again after."""
    versions: Counter[tuple[int, date]] = Counter()
    latest: Counter[tuple[int, date]] = Counter()
    ids = Article.objects.filter(source__isnull=False).order_by("pk").values_list("pk", flat=True)
    last = 0
    while chunk := list(ids.filter(pk__gt=last)[:batch]):
        some, newest = counted(chunk)
        versions.update(some)
        latest.update(newest)
        last = chunk[-1]
        if progress is not None:
            progress(last)
    rows = [
        SourceDay(source_id=source_id, day=day, versions=versions[key], articles_latest=latest[key])
        for key in sorted(versions.keys() | latest.keys())
        for source_id, day in (key,)
    ]
    with transaction.atomic():
        SourceDay.objects.all().delete()
        SourceDay.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
