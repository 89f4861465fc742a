"""Per-source daily counters: kept as versions are stored (checks, imports), equal to counting them again from
the versions, and what the sources' pages read."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from articles import activity, browsing
from articles.checking import run_check
from articles.models import Article, Source, SourceDay, Version
from articles.tests.support import T0, LocalSite, add_version, article_html, soup_of, texts

pytestmark = pytest.mark.django_db
# Late in a UTC day, so that a check an hour later is counted on the next day.
NOW = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)


def counters() -> dict[tuple[int, date], tuple[int, int]]:
    return {
        (row.source_id, row.day): (row.versions, row.articles_latest)
        for row in SourceDay.objects.all()
        if row.versions or row.articles_latest
    }


def rebuilt() -> dict[tuple[int, date], tuple[int, int]]:
    kept = counters()
    call_command("rebuild_source_days", "--batch", "1", stdout=StringIO())
    again = counters()
    assert kept, "nothing was counted"
    return again


def test_checks_keep_the_counters_a_rebuild_makes(local_site: LocalSite) -> None:
    source = Source.objects.create(name="Daily", slug="daily")
    other = Source.objects.create(name="Other", slug="other")
    stories = [
        Article.objects.track(local_site.url(f"/s{n}"), s)[0] for n, s in enumerate((source, source, other))
    ]
    for hour, headline in enumerate(("Bridge to close", "Bridge closes", "Bridge closed for good")):
        for n, article in enumerate(stories):
            local_site.serve(
                f"/s{n}", article_html(f"{headline} {n}", [f"Story {n} went on for {hour} hours."])
            )
            with time_machine.travel(NOW + timedelta(hours=hour), tick=False):
                assert run_check(article).kind == "new_version"
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        assert run_check(stories[0]).kind != "new_version"  # unchanged: counts nothing
    kept = counters()
    day, next_day = NOW.date(), NOW.date() + timedelta(days=1)
    # Two of the daily source's articles: 2 versions on the first day, 4 on the next, where both now are.
    assert kept == {
        (source.pk, day): (2, 0), (source.pk, next_day): (4, 2),
        (other.pk, day): (1, 0), (other.pk, next_day): (2, 1),
    }  # fmt: skip
    assert rebuilt() == kept


def test_imported_histories_are_counted_as_a_rebuild_counts_them(tmp_path: Path) -> None:
    source = Source.objects.create(name="Daily", slug="daily")
    article = Article.objects.create(url="http://127.0.0.1/a", source=source)
    for number in range(3):
        add_version(article, number, f"Headline {number}", [f"Text {number}."])
    path = tmp_path / "all.jsonl"
    call_command("export", "--output", str(path), "--no-progress")
    kept = counters()
    # Into an installation holding the first version only: the two later ones are added.
    Version.objects.filter(article=article, number__gt=0).delete()
    SourceDay.objects.all().delete()
    activity.count_stored(
        [activity.Stored(source.pk, None, [Version.objects.get(article=article).fetched_at])]
    )
    call_command("import", str(path), "--no-progress", stdout=StringIO())
    assert Version.objects.count() == 3
    assert counters() == kept
    assert rebuilt() == kept


def test_the_week_sums_seven_days_and_counts_each_article_once() -> None:
    source = Source.objects.create(name="Daily", slug="daily")
    today = NOW.date()
    stored = [
        activity.Stored(source.pk, None, [NOW - timedelta(days=9)]),  # before the week: not in it
        activity.Stored(source.pk, NOW - timedelta(days=9), [NOW - timedelta(days=2)]),  # moved into it
        activity.Stored(source.pk, None, [NOW - timedelta(days=1), NOW]),
        activity.Stored(source.pk, None, [NOW - timedelta(days=10)]),
        activity.Stored(None, None, [NOW]),  # no source: counted nowhere
    ]
    activity.count_stored(stored)
    week = activity.week(today)
    assert week == {
        source.pk: {
            "per_day": {today - timedelta(days=2): 1, today - timedelta(days=1): 1, today: 1},
            "versions": 3,
            "articles": 2,
        }
    }
    assert activity.week(today + timedelta(days=8)) == {}


def test_the_sources_pages_read_the_counters(client: Client) -> None:
    source = Source.objects.create(name="Daily", slug="daily")
    article = Article.objects.create(url="http://127.0.0.1/a", source=source)
    add_version(article, 0, "Headline", ["Text."])
    # Counters the versions do not back: the pages show them, so it is the counters they read.
    SourceDay.objects.filter(source=source).update(versions=70, articles_latest=9)
    with time_machine.travel(T0, tick=False):
        listed = soup_of(client, "/sources/")
        page = soup_of(client, "/sources/daily/")
        assert browsing.weekly_by_source() == {source.pk: (70, 9)}
    assert texts(listed, "tbody tr") == ["Daily 9 10.0 Atom · RSS"]
    facts = dict(zip(texts(page, ".health dt"), texts(page, ".health dd"), strict=True))
    assert facts["Versions a day"].startswith("10.0 over the last 7 days")
