"""The read side that the pages, the feeds and the API share: what a request may ask for and see (its text
parameters, a published article), and what takes more than a query: site totals, source health, rendered
diffs. Each of those is cached, so that a page stays cheap however large the database or busy the site.
"""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from articles import activity, cards
from articles.diffing import (
    TextDiff,
    diff_texts,
    render_segments,
    social_title_changed,
)
from articles.entries import diff_key, move_note
from articles.middleware import Gone
from articles.models import Article, ArticleQuerySet, Source, Version
from articles.throttling import count_render

TOTALS_SECONDS = 60
# A source that stores fewer versions than this a day is probably being read wrongly (News Sniffer's rule).
HEALTHY_VERSIONS_PER_DAY = 5
DIFF_CACHE_SECONDS = 24 * 3600


def text_param(request: HttpRequest, name: str) -> str:
    """A query parameter as text the database can compare: Postgres text holds no NUL, and one sent to it
    is an error (a 500 for "?q=%00"), so it stands as U+FFFD, which no stored text contains either."""
    return request.GET.get(name, "").replace("\x00", "\ufffd")


def visible_article(pk: int, queryset: ArticleQuerySet | None = None) -> Article:
    """The article at ``pk`` if the public may see it (``published``). One an administrator removed is Gone
    (410), so that links to it say it was taken down; one that never existed is 404."""
    try:
        return (queryset if queryset is not None else Article.objects.all()).published().get(pk=pk)
    except Article.DoesNotExist:
        if Article.objects.filter(pk=pk).exists():
            raise Gone from None
        raise Http404("No such article.") from None


T = TypeVar("T")


def _cached(key: str, compute: Callable[[], T]) -> T:
    """What ``compute`` makes, recomputed at most once every TOTALS_SECONDS."""
    return cast(T, cache.get_or_set(key, compute, TOTALS_SECONDS))


def totals() -> dict[str, Any]:
    """Site-wide counts for the home page, recomputed at most once a minute whatever the traffic, with the
    time they were counted: the list under them is live, so the page says how old they are."""

    def compute() -> dict[str, Any]:
        now = timezone.now()
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return {
            "articles": row_count(Article),
            "versions": row_count(Version),
            "changes_today": Version.objects.changes().filter(fetched_at__gte=today).count(),
            "counted_at": now,
        }

    return _cached("home-totals", compute)


# Above this many rows, Postgres's own estimate stands in for COUNT(*), which reads the whole table.
EXACT_COUNT_LIMIT = 100_000


def row_count(model: Any) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
            )
            estimate: int = cursor.fetchone()[0]
        if estimate > EXACT_COUNT_LIMIT:
            return estimate
    count: int = model.objects.count()
    return count


def weekly_activity() -> dict[int, dict[str, Any]]:
    """Per source over the last week (today and the six days before, UTC): versions stored each day and
    articles changed, for every source at once and at most once a minute, shared by the sources page and each
    source's page. Read from the sources' daily counters (``activity``): counting the week's versions took
    0.13 to 0.17 s at 1.28 M articles (bench/scale.py)."""
    return _cached("source-week", lambda: activity.week(timezone.now().date()))


def weekly_by_source() -> dict[int, tuple[int, int]]:
    """Per source over the last week: versions stored and articles changed."""
    return {source: (week["versions"], week["articles"]) for source, week in weekly_activity().items()}


def source_health(source: Source) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        now = timezone.now()
        days = [(now - timedelta(days=n)).date() for n in range(6, -1, -1)]
        per_day = weekly_activity().get(source.pk, {"per_day": {}})["per_day"]
        tracked = source.articles.filter(status=Article.Status.ACTIVE)
        active, failing = tracked.count(), tracked.filter(consecutive_failures__gt=0).count()
        return {
            "per_day": [(day, per_day.get(day, 0)) for day in days],
            "versions_per_day": sum(per_day.values()) / 7,
            "active": active, "failing": failing, "error_rate": failing / active if active else 0,
        }  # fmt: skip

    return _cached(f"source-health:{source.pk}", compute)


FOLD_ABOVE_PARAGRAPHS = 2000
# A diff page shows at most this many rows; the changes after them are counted. Django renders a row in about
# 0.1 ms on a busy machine: the 4,000 a diff may list (MAX_LISTED_OPS) took 0.5 s, the whole of a page's
# budget with the diff itself. Nobody reads a thousand changed paragraphs in a row either.
PAGE_ROWS = 1000


def version_diff(old: Version, new: Version) -> TextDiff:
    """The diff of two stored versions: the one place the diff page, the API and the feeds get it from.
    Its work is bounded by the engine (a time budget for words, difflib's work capped, at most
    MAX_LISTED_OPS paragraphs listed), and it is cached: versions never change, so neither does their diff."""
    # Not get_or_set, which reads back (unpickles) what it has just stored: 0.1 s for a long diff.
    key = diff_key("text", old, new)
    diff: TextDiff | None = cache.get(key)
    if diff is None:
        diff = diff_texts(old.text, new.text)
        cache.set(key, diff, DIFF_CACHE_SECONDS)
    return diff


# While one request makes a diff, others asking for the same wait this long for it (then make it too).
WAIT_FOR_OTHER_SECONDS = 5.0
WAIT_STEP_SECONDS = 0.05


def cached_rendering(key: str, render: Callable[[], T], client: str | None) -> T:
    """What ``render`` makes, from the cache when it is there. Made afresh, it counts as one diff computed
    for ``client`` (None: not counted), which may raise DiffThrottled instead.

    Requests for one diff that is not cached yet (a link shared, a probe's parallel requests) do not each
    make it: the first claims it in the cache, the others wait for its result."""

    def stored() -> T | None:
        return cast("T | None", cache.get(key))

    made = stored()
    if made is not None:
        return made
    if client is not None:
        count_render(client)
    claim = f"{key}:making"
    claimed = cache.add(claim, 1, int(WAIT_FOR_OTHER_SECONDS) + 1)
    if claimed and (made := stored()) is not None:
        cache.delete(claim)  # another finished between our first look and our claim
        return made
    if not claimed:
        # Until the other is done, gives up (an error: its claim is gone) or takes too long. A cache that
        # is down claims nothing and holds no claim: nobody waits.
        deadline = time.monotonic() + WAIT_FOR_OTHER_SECONDS
        while cache.get(claim) is not None and time.monotonic() < deadline:
            time.sleep(WAIT_STEP_SECONDS)
            if (made := stored()) is not None:
                return made
        # The claim went away between two looks: the other may have finished (its result is stored
        # before its claim goes), so look once more before making it again.
        if (made := stored()) is not None:
            return made
    try:
        made = render()
        cache.set(key, made, DIFF_CACHE_SECONDS)
    finally:
        if claimed:  # only our own claim: deleting another's would let every waiter make the diff again
            cache.delete(claim)
    return made


def diff_html(
    old: Version, new: Version, view: str, changes_only: bool, client: str | None = None
) -> SafeString:
    """The diff page's body, cached by article, versions, view and folding."""
    key = diff_key("page", old, new, view, "changes" if changes_only else "all")
    html = cached_rendering(key, lambda: _diff_html(old, new, view, changes_only), client)
    return mark_safe(html)  # our own template's output, from the cache


def diff_card(old: Version, new: Version, client: str | None = None) -> bytes:
    """The share card of the diff (a PNG, ``cards``), cached by article, versions and card release, and
    counted for ``client`` like a diff page when it has to be drawn."""
    key = diff_key("card", old, new, f"card{cards.CARD_RELEASE}")
    return cached_rendering(key, lambda: cards.card_png(old, new, version_diff(old, new)), client)


def _diff_html(old: Version, new: Version, view: str, changes_only: bool) -> str:
    diff = version_diff(old, new)
    # A page of tens of thousands of rows takes longer to render than the diff takes to compute, and
    # nobody reads it: past this many paragraphs, unchanged ones are folded whatever was asked.
    folded = not changes_only and (
        len(diff.body.ops) > FOLD_ABOVE_PARAGRAPHS or diff.body.unlisted is not None
    )
    rows: list[Any] = []
    unchanged: list[Any] = []
    for index, op in enumerate(diff.body.ops):
        if (changes_only or folded) and op.op == "equal":
            unchanged.append(op)
            continue
        if unchanged:
            rows.append(("skipped", len(unchanged), None, None, None))
            unchanged = []
        if len(rows) >= PAGE_ROWS:
            not_shown = sum(1 for later in diff.body.ops[index:] if later.op != "equal")
            rows.append(("more", not_shown, None, None, None))
            break
        words = op.words
        rows.append((
            op.op,
            render_segments(words.old) if op.old_index is not None else None,
            render_segments(words.new) if op.new_index is not None else None,
            render_segments(words.inline),
            move_note(op),
        ))  # fmt: skip
    if unchanged:
        rows.append(("skipped", len(unchanged), None, None, None))
    unlisted = diff.body.unlisted
    return render_to_string(
        "articles/diff_body.html",
        {
            "old": old,
            "new": new,
            "view": view,
            "title": diff.title,
            "social_title": diff.social_title if social_title_changed(old.text, new.text) else None,
            "byline": diff.byline,
            "body": diff.body,
            "rows": rows,
            "folded": folded,
            "unlisted": unlisted,
            "unlisted_old": len(old.paragraphs) - unlisted.old_index if unlisted else 0,
            "unlisted_new": len(new.paragraphs) - unlisted.new_index if unlisted else 0,
        },
    )
