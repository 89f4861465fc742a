"""The queries behind the pages stay the ones that scale (found by bench/scale.py at 1.28 M articles)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles import browsing
from articles.feeds import EntryTexts
from articles.models import Article, Source, Version, pack_paragraphs
from articles.tests.support import T0, add_version

pytestmark = pytest.mark.django_db
NOW = T0 + timedelta(hours=5)


@pytest.fixture
def sources() -> list[Source]:
    return [Source.objects.create(name=name, slug=name.lower()) for name in ("Daily", "Weekly", "Quiet")]


@pytest.fixture
def articles(sources: list[Source]) -> list[Article]:
    daily, weekly, _ = sources
    stories = []
    for n, source in enumerate((daily, daily, weekly, None)):
        article = Article.objects.create(url=f"http://127.0.0.1/{n}", source=source)
        add_version(article, 0, f"Bridge story {n}", ["It opened on Tuesday."])
        add_version(article, 1, f"Bridge story {n}", ["It opened on Monday."])
        stories.append(article)
    return stories


def search_queries(client: Client, query: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/search/", {"q": query}).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_search_probe_asks_the_text_index_in_no_order(client: Client, articles: list[Article]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("full-text search is Postgres's")
    probe = next(sql for sql in search_queries(client, "bridge") if "@@" in sql and "LIMIT" in sql)
    # In Version's default order (article, number) Postgres tested every version's document in turn.
    assert "ORDER BY" not in probe


def test_a_word_known_to_be_common_is_walked_without_a_probe(
    client: Client, articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("full-text search is Postgres's")
    probed = search_queries(client, "bridge")
    monkeypatch.setattr("articles.searching.COMMON_SHARE", -1)
    walked = search_queries(client, "bridge")
    listing = [sql for sql in probed if "array_agg(article_id)" in sql]
    by_ids = [sql for sql in probed if "= ANY(" in sql or "LATERAL" in sql]
    assert listing
    assert by_ids
    assert not set(listing + by_ids) & set(walked)  # neither the listing from the text index nor its page
    found = Client().get("/search/", {"q": "bridge"}).content.decode()
    assert all(f"Bridge story {n}" in found for n in range(4))


def test_a_week_of_activity_is_counted_per_source_and_day(
    sources: list[Source], articles: list[Article]
) -> None:
    daily, weekly, _ = sources
    with time_machine.travel(NOW, tick=False):
        activity = browsing.weekly_activity()
        by_source = browsing.weekly_by_source()
    day = T0.date()
    assert activity[daily.pk] == {"per_day": {day: 4}, "versions": 4, "articles": 2}
    assert activity[weekly.pk] == {"per_day": {day: 2}, "versions": 2, "articles": 1}
    assert set(activity) == {daily.pk, weekly.pk}  # not the quiet source, nor the article without one
    assert by_source[daily.pk] == (4, 2)


def test_the_sources_page_and_each_source_page_share_one_count_of_the_week(
    client: Client, sources: list[Source], articles: list[Article]
) -> None:
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
        for path in ("/sources/", "/sources/daily/", "/sources/weekly/", "/sources/quiet/"):
            assert client.get(path).status_code == 200
    week = [q for q in captured.captured_queries if "articles_sourceday" in q["sql"]]
    assert len(week) == 1
    assert not [q for q in captured.captured_queries if "articles_version" in q["sql"]]


@pytest.mark.parametrize("removed", [0, 1, 2])  # of the two best ranked; with two, the joined ranking answers
def test_the_biggest_changes_are_ranked_first_without_their_articles(
    client: Client, monkeypatch: pytest.MonkeyPatch, removed: int
) -> None:
    monkeypatch.setattr("articles.views.PAGE_SIZE", 1)
    for n, words in enumerate((30, 20, 10)):
        article = Article.objects.create(url=f"http://127.0.0.1/{n}")
        add_version(article, 0, f"Story {n}", ["Short."])
        add_version(article, 1, f"Story {n}", ["Short.", " ".join(["word"] * words)])
        if n < removed:
            Article.objects.filter(pk=article.pk).update(status=Article.Status.REMOVED)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/?view=biggest&period=day").content.decode()
    assert f">Story {removed}<" in page  # the headline, whatever element holds it
    assert all(f">Story {n}<" not in page for n in range(3) if n != removed)


@pytest.mark.parametrize("stories", [4, 23])
def test_a_feed_reads_its_entries_texts_a_batch_of_entries_a_query(client: Client, stories: int) -> None:
    # Each entry reading its own pair of texts made a cold feed of 50 entries 85 queries (bench/scale.py).
    for n in range(stories):
        article = Article.objects.create(url=f"http://127.0.0.1/{n}")
        for number in range(3):
            add_version(article, number, f"Story {n}", [f"It opened on day {number} of {n}."])
    versions = list(Version.objects.all())
    pack_paragraphs(versions)  # as Postgres stores them: packed, against a keyframe, and nothing plain
    for version in versions:
        version.plain_paragraphs = None
    Version.objects.bulk_update(versions, ["plain_paragraphs", "packed_paragraphs", "packed_against"])
    with CaptureQueriesContext(connection) as captured:
        feed = client.get("/feeds/changes.atom").content.decode()
    texts = [q for q in captured.captured_queries if "packed_paragraphs" in q["sql"].split(" FROM ")[0]]
    entries = 2 * stories
    assert feed.count("<entry>") == entries
    # Each entry's diff, from that entry's own pair of texts: "day 0 → 1" in v1's, "day 1 → 2" in v2's.
    assert all(f"{number}&lt;/ins&gt; of {n}.&lt;/p&gt;" in feed for n in range(stories) for number in (1, 2))
    # Per batch of entries: one query for their texts and one for the keyframes not among them.
    assert len(texts) <= 2 * -(-entries // EntryTexts.BATCH)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/feeds/changes.atom").content.decode() == feed
    assert not [q for q in captured.captured_queries if "packed_paragraphs" in q["sql"].split(" FROM ")[0]]


def plan_of(sql: str, *disabled: str) -> str:
    """Postgres's plan for ``sql`` with the table's visibility map up to date (VACUUM, as autovacuum keeps
    it on a live site: without it an index-only scan is costed as reading the table too, and a table of
    four rows is read any way) and the scans in ``disabled`` off."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE articles_article")
        for scan in disabled:
            cursor.execute(f"SET enable_{scan} = off")
        try:
            cursor.execute("EXPLAIN " + sql)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            for scan in disabled:
                cursor.execute(f"RESET enable_{scan}")


@pytest.mark.django_db(transaction=True)  # VACUUM cannot run in a transaction
def test_a_page_of_listed_matches_is_found_by_id_in_the_index_that_holds_their_order(
    client: Client, articles: list[Article]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("full-text search is Postgres's")
    page = next(sql for sql in search_queries(client, "bridge") if "CROSS JOIN LATERAL" in sql)
    plan = plan_of(page, "seqscan", "bitmapscan")
    assert "Index Only Scan using article_search_order_idx" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_a_page_of_many_listed_matches_is_walked_in_the_index_of_the_newest(
    client: Client, articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("full-text search is Postgres's")
    monkeypatch.setattr("articles.searching.walk_length", lambda listed, wanted: 1_000)
    page = next(sql for sql in search_queries(client, "bridge") if "AS newest" in sql)
    # An incremental sort of the index on the last change alone costs about the same on a few rows, and
    # Postgres took it once in a run beside other work: at scale the sort is what the walk saves.
    plan = plan_of(page, "seqscan", "bitmapscan", "sort", "incremental_sort")
    assert "Index Only Scan using article_newest_idx" in plan, plan
