import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar, cast

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from articles import entries, recording, tasks
from articles.checking import run_check
from articles.diffing import TextDiff, change_stats, stored_diff
from articles.models import Article, Version
from articles.normalising import ArticleText
from articles.tests.support import LocalSite, add_version, article_html

T = TypeVar("T")


def run_in_threads(*targets: Callable[[], T]) -> list[T]:
    """Run each target in its own thread (so its own database connection) and return their results."""
    results: list[T | None] = [None] * len(targets)
    errors: list[BaseException] = []

    def runner(index: int, target: Callable[[], T]) -> None:
        try:
            results[index] = target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return cast(list[T], results)  # every target returned: none raised


@pytest.mark.django_db(transaction=True)
def test_the_same_check_twice_at_once_stores_one_version(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("H", ["Body."]))
    article, _ = Article.objects.track(local_site.url("/story"))
    local_site.barrier = threading.Barrier(2)  # both checks have fetched before either stores

    outcomes = run_in_threads(
        lambda: str(run_check(Article.objects.get(pk=article.pk))),
        lambda: str(run_check(Article.objects.get(pk=article.pk))),
    )

    assert sorted(outcomes) == ["new version 0", "unchanged"]
    assert article.versions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_delivery_of_a_check_task_stores_nothing_new(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("H", ["Body."]))
    article, _ = Article.objects.track(local_site.url("/story"))
    local_site.serve("/story", article_html("H", ["Body, edited."]))
    assert tasks.check_article(article.pk) == "new version 0"
    assert tasks.check_article(article.pk) == "unchanged (identical bytes)"
    assert article.versions.count() == 1


@pytest.mark.django_db
def test_a_check_of_a_deleted_article_is_a_no_op() -> None:
    assert tasks.check_article(123456) == "article deleted"


@pytest.mark.django_db
def test_version_numbers_are_unique_per_article_in_the_database() -> None:
    article = Article.objects.create(url="http://127.0.0.1/a")
    fields = {
        "fetched_at": timezone.now(),
        "title": "t",
        "content_hash": "h",
        "extractor": "x",
        "extractor_version": "1",
    }
    Version.objects.create(article=article, number=0, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Version.objects.create(article=article, number=0, **fields)


@pytest.mark.django_db
def test_an_article_url_is_tracked_once() -> None:
    Article.objects.create(url="http://127.0.0.1/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(url="http://127.0.0.1/a")


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_claim_disjoint_articles() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is Postgres's; SQLite serialises sweeps with its write lock instead")
    now = timezone.now()
    Article.objects.bulk_create(
        Article(url=f"http://127.0.0.1/{i}", next_check_at=now - timedelta(minutes=i)) for i in range(10)
    )
    first_holds_lock, second_done = threading.Event(), threading.Event()

    def first_sweep() -> list[int]:
        with transaction.atomic():
            ids = Article.objects.claim_due(now, 6)
            first_holds_lock.set()
            second_done.wait(timeout=10)  # keep the row locks while the second sweep runs
        return ids

    def second_sweep() -> list[int]:
        first_holds_lock.wait(timeout=10)
        try:
            return Article.objects.claim_due(now, 6)
        finally:
            second_done.set()

    first, second = run_in_threads(first_sweep, second_sweep)
    assert len(first) == 6
    assert len(second) == 4
    assert set(first).isdisjoint(second)


@pytest.mark.django_db
@override_settings(TRACK_BATCH_SECONDS=0)
def test_a_batch_past_its_time_hands_the_rest_to_a_new_task(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed_on: list[list[int]] = []
    monkeypatch.setattr(tasks.check_articles, "delay", handed_on.append)
    local_site.serve("/a", article_html("A", ["Story A."]))
    local_site.serve("/b", article_html("B", ["Story B."]))
    ids = [Article.objects.track(local_site.url(p))[0].pk for p in ("/a", "/b")]
    assert tasks.check_articles([*ids, 424242]) == "1 new_version, 2 handed on"  # one check at least
    assert handed_on == [[ids[1], 424242]]
    assert tasks.check_articles(handed_on[0]) == "1 new_version, 1 handed on"


@pytest.mark.django_db
def test_a_batch_checks_each_of_its_articles(local_site: LocalSite) -> None:
    local_site.serve("/a", article_html("A", ["Story A."]))
    ids = [Article.objects.track(local_site.url("/a"))[0].pk, 424242]
    assert tasks.check_articles(ids) == "1 new_version, 1 deleted"
    assert tasks.check_articles(ids) == "1 unchanged, 1 deleted"


@pytest.mark.django_db(transaction=True)
def test_the_change_statistics_are_computed_before_the_row_is_locked(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The diff behind them is the costly part of storing a version: meanwhile, whatever else writes the
    article (staff, a check's failure) is not kept waiting on its row."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the whole database, not rows")
    local_site.serve("/story", article_html("H", ["Body."]))
    article, _ = Article.objects.track(local_site.url("/story"))
    run_check(article)
    local_site.serve("/story", article_html("H", ["Body, edited."]))

    def lock_now() -> bool:
        try:
            with transaction.atomic():
                Article.objects.select_for_update(nowait=True).get(pk=article.pk)
            return True
        except DatabaseError:
            return False

    row_free: list[object] = []

    def diff_watching_the_row(old: ArticleText, new: ArticleText) -> TextDiff:
        row_free.extend(run_in_threads(lock_now))
        return stored_diff(old, new)

    monkeypatch.setattr(recording, "stored_diff", diff_watching_the_row)
    assert str(run_check(Article.objects.get(pk=article.pk))) == "new version 1"
    assert row_free == [True]


@pytest.mark.django_db
def test_a_version_stored_while_the_statistics_were_computed_is_the_one_they_are_against(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Computed before the lock against the latest version then; another check may store a version in the
    meantime, found under the lock: the new version follows it, with statistics against it."""
    local_site.serve("/story", article_html("H", ["First.", "Second."]))
    article, _ = Article.objects.track(local_site.url("/story"))
    run_check(article)
    first = article.versions.get()
    local_site.serve("/story", article_html("H", ["First.", "Second, edited.", "Third."]))
    meanwhile: list[Version] = []

    def diff_while_another_check_stores(old: ArticleText, new: ArticleText) -> TextDiff:
        if not meanwhile:
            stored = add_version(article, 1, first.title, ["First.", "Second, edited."], first.byline)
            meanwhile.append(stored)
        return stored_diff(old, new)

    monkeypatch.setattr(recording, "stored_diff", diff_while_another_check_stores)
    assert str(run_check(Article.objects.get(pk=article.pk))) == "new version 2"
    stored = article.versions.get(number=2)
    assert stored.stats == change_stats(meanwhile[0].text, stored.text)
    assert stored.stats != change_stats(first.text, stored.text)
    # Its feed entry too: made from the version it follows, not the one the first diff was against.
    assert stored.feed_entry.made_from == entries.made_from(meanwhile[0], stored)
