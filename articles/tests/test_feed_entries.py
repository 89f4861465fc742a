"""Feed entries kept when a version is stored: the same content a feed makes from the two texts, read instead
of diffing them, ignored once they no longer match their versions, pruned after FEED_ENTRY_DAYS, made again
for recent changes by ``manage.py make_feed_entries``."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import feedparser
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from articles import entries
from articles.checking import run_check
from articles.models import Article, FeedEntry, Version
from articles.tasks import prune_feed_entries
from articles.tests.support import LocalSite, add_version, article_html

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db
STORY = [
    "The council voted on Tuesday to close the bridge.",
    "Repairs will take a year, officials said.",
    "Drivers will use the ferry meanwhile.",
]
# Versions after the first: a word changed, a paragraph moved and edited, a headline rewritten and a
# paragraph added, hostile text.
EDITS = [
    ("Bridge to close", [STORY[0].replace("Tuesday", "Wednesday"), STORY[1], STORY[2]]),
    ("Bridge to close", [STORY[2], STORY[0].replace("Tuesday", "Wednesday"), STORY[1] + " Or two."]),
    ("Bridge closes for a year", [STORY[2], STORY[0], STORY[1], "Update: the ferry is free."]),
    ("Bridge closes <script>alert(1)</script>", [STORY[2], STORY[0], "<img src=x onerror=alert(1)>"]),
]


def contents(client: Client, path: str = "/feeds/changes.atom?all=1") -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    return [entry.content[0].value for entry in parsed.entries]


def history(site: LocalSite, start: datetime = NOW) -> Article:
    """A story checked through the real check path: its first version and the EDITS, an hour apart."""
    article, _ = Article.objects.track(site.url("/story"))
    for hour, (headline, paragraphs) in enumerate([("Bridge to close", STORY), *EDITS]):
        site.serve("/story", article_html(headline, paragraphs))
        with time_machine.travel(start + timedelta(hours=hour), tick=False):
            assert run_check(article).kind == "new_version"
    return article


def test_a_stored_version_keeps_the_entry_its_feed_would_make(local_site: LocalSite, client: Client) -> None:
    history(local_site)
    assert FeedEntry.objects.count() == len(EDITS)  # not for the first version: it changed nothing
    kept = contents(client)
    FeedEntry.objects.all().delete()
    made = contents(client)
    assert kept == made
    assert "Moved here from paragraph 3:" in made[2]
    assert "&lt;script&gt;" in made[0]
    assert "<script>" not in made[0]


def test_a_feed_reads_kept_entries_and_no_texts(local_site: LocalSite, client: Client) -> None:
    history(local_site)
    FeedEntry.objects.update(html=entries.packed("<p>kept</p>"))
    with CaptureQueriesContext(connection) as queries:
        assert contents(client) == ["<p>kept</p>"] * len(EDITS)
    assert not [q for q in queries.captured_queries if "packed_paragraphs" in q["sql"]]


def test_an_entry_no_longer_made_from_its_versions_is_ignored(local_site: LocalSite, client: Client) -> None:
    article = history(local_site)
    FeedEntry.objects.update(html=entries.packed("<p>kept</p>"))
    # Its text read again (manage.py reextract changes a version's text and hash in place).
    article.versions.filter(number=2).update(content_hash="0" * 64)
    shown = contents(client)
    # v2's own entry and v3's (diffed against v2) are made afresh; the others are read.
    assert [content == "<p>kept</p>" for content in shown] == [True, False, False, True]
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=dummy), pytest.MonkeyPatch.context() as patch:
        patch.setattr(entries, "ENTRY_RELEASE", "next")  # made by older code
        assert "<p>kept</p>" not in contents(client)


@override_settings(FEED_ENTRY_DAYS=0)
def test_none_are_kept_when_switched_off(local_site: LocalSite, client: Client) -> None:
    history(local_site)
    assert not FeedEntry.objects.exists()
    assert len(contents(client)) == len(EDITS)


@override_settings(FEED_ENTRY_DAYS=7)
def test_entries_past_their_days_are_pruned_oldest_first_in_bounded_batches(local_site: LocalSite) -> None:
    history(local_site)
    times = sorted(FeedEntry.objects.values_list("fetched_at", flat=True))
    # Seven days after the second entry's version: the first two are past their days.
    with time_machine.travel(times[1] + timedelta(days=7, minutes=1), tick=False):
        assert entries.prune(datetime.now(UTC), batch=1, batches=1) == 1
        assert sorted(FeedEntry.objects.values_list("fetched_at", flat=True)) == times[1:]
        assert prune_feed_entries() == "1 deleted"
        assert sorted(FeedEntry.objects.values_list("fetched_at", flat=True)) == times[2:]
        assert prune_feed_entries() == "0 deleted"


@override_settings(FEED_ENTRY_DAYS=7)
def test_make_feed_entries_makes_those_of_recent_changes_that_have_none(client: Client) -> None:
    """Versions that came by import (or before entries were kept) get theirs; standing ones stay."""

    def added(article: Article, number: int, paragraphs: list[str], days_ago: int) -> None:
        version = add_version(article, number, article.url, paragraphs)
        Version.objects.filter(pk=version.pk).update(fetched_at=NOW - timedelta(days=days_ago))

    old = Article.objects.create(url="http://127.0.0.1/old")
    added(old, 0, ["Text."], 9)
    added(old, 1, ["Text, edited."], 8)
    new = Article.objects.create(url="http://127.0.0.1/new")
    for number in range(4):
        added(new, number, ["First words.", f"Edit number {number}."], 3 - number)
    standing = Version.objects.get(article=new, number=3)
    with time_machine.travel(NOW, tick=False):
        out = StringIO()
        entries.make_entries([(Version.objects.get(article=new, number=2), standing)])
        FeedEntry.objects.filter(version=standing).update(html=entries.packed("<p>standing</p>"))
        call_command("make_feed_entries", "--batch", "2", stdout=out)
        assert out.getvalue().strip() == "feed entries made: 2"  # v1 and v2, not v3 (standing), not old's
    made = {e.version.number: entries.unpacked(e.html) for e in FeedEntry.objects.select_related("version")}
    assert sorted(made) == [1, 2, 3]
    assert made[3] == "<p>standing</p>"
    feed = contents(client, f"/articles/{new.pk}/feed.atom")
    assert feed[0] == "<p>standing</p>"
    FeedEntry.objects.all().delete()
    assert feed[1:] == contents(client, f"/articles/{new.pk}/feed.atom")[1:]
    assert FeedEntry.objects.filter(version__article=old).count() == 0
