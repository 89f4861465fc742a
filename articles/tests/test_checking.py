from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import time_machine
from django.test import override_settings

from articles.checking import run_check
from articles.models import Article
from articles.tests.support import LocalSite, article_html

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def tracked(site: LocalSite, path: str = "/story") -> Article:
    article, _ = Article.objects.track(site.url(path))
    return article


def test_first_check_stores_version_zero(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("Mayor opens bridge", ["It opened.", "Crowds came."]))
    article = tracked(local_site)
    with time_machine.travel(NOW, tick=False):
        outcome = run_check(article)
    assert str(outcome) == "new version 0"
    version = article.versions.get()
    assert (version.number, version.title, version.byline) == (0, "Mayor opens bridge", "Jane Roe")
    assert version.paragraphs == ["It opened.", "Crowds came."]
    assert version.fetched_at == NOW
    assert version.extractor
    assert version.extractor_version
    article.refresh_from_db()
    assert article.title == "Mayor opens bridge"
    assert article.last_changed_at == article.last_checked_at == NOW
    assert article.next_check_at == NOW + timedelta(minutes=15)
    assert article.version_count == 1


def test_chrome_churn_stores_nothing(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("H", ["Body."], churn="ad 1"))
    article = tracked(local_site)
    run_check(article)
    for n in range(2, 6):
        local_site.serve("/story", article_html("H", ["Body."], churn=f"ad {n}, {n * 1000} views"))
        assert str(run_check(article)) == "unchanged"
    assert article.versions.count() == 1


def test_identical_bytes_skip_extraction(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("H", ["Body."]))
    article = tracked(local_site)
    run_check(article)
    assert str(run_check(article)) == "unchanged (identical bytes)"


def test_304_means_unchanged_and_validators_are_kept(local_site: LocalSite) -> None:
    local_site.serve(
        "/story", article_html("H", ["Body."]), headers={"Content-Type": "text/html", "ETag": '"a"'}
    )
    article = tracked(local_site)
    run_check(article)
    assert article.etag == '"a"'
    local_site.serve("/story", "", status=304, headers={"ETag": '"a"'})
    assert str(run_check(article)) == "unchanged (not modified)"
    assert local_site.requests[-1][1]["If-None-Match"] == '"a"'
    local_site.serve("/story", "", status=304, headers={})  # a 304 that leaves its validators out
    run_check(article)
    run_check(article)
    assert local_site.requests[-1][1]["If-None-Match"] == '"a"'


def test_a_page_the_parser_chokes_on_backs_off(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    def choke(html: str, url: str) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("articles.checking.extract", choke)
    local_site.serve("/story", article_html("H", ["Body."]))
    article = tracked(local_site)
    with time_machine.travel(NOW, tick=False):
        outcome = run_check(article)
    assert str(outcome) == "error: could not parse the page (RecursionError)"
    assert article.consecutive_failures == 1
    assert article.next_check_at == NOW + timedelta(minutes=15)
    assert article.versions.count() == 0


def test_each_edit_is_the_next_version(local_site: LocalSite) -> None:
    article = tracked(local_site)
    texts = [("H", ["One."]), ("H", ["One!"]), ("New H", ["One!"]), ("New H", ["One!", "Two."])]
    for headline, paragraphs in texts:
        local_site.serve("/story", article_html(headline, paragraphs))
        run_check(article)
    versions = list(article.versions.order_by("number"))
    assert [v.number for v in versions] == [0, 1, 2, 3]
    assert [(v.title, v.paragraphs) for v in versions] == [(h, p) for h, p in texts]
    hashes = [v.content_hash for v in versions]
    assert all(a != b for a, b in pairwise(hashes))
    assert article.change_count == 3


def test_a_page_with_no_text_is_an_error_not_an_empty_version(local_site: LocalSite) -> None:
    local_site.serve("/story", "<html><body><nav>Home</nav></body></html>")
    article = tracked(local_site)
    outcome = run_check(article)
    assert outcome.kind == "error"
    assert "no article text" in outcome.reason
    assert article.versions.count() == 0
    assert article.consecutive_failures == 1


@override_settings(TRACK_BACKOFF_MIN=600, TRACK_BACKOFF_MAX=3600)
def test_failures_back_off_and_success_resets(local_site: LocalSite) -> None:
    local_site.serve("/story", "down", status=503)
    article = tracked(local_site)
    delays = []
    for _ in range(4):
        with time_machine.travel(NOW, tick=False):
            assert run_check(article).kind == "error"
        assert article.next_check_at is not None
        delays.append(article.next_check_at - NOW)
    assert delays == [timedelta(seconds=s) for s in (600, 1200, 2400, 3600)]
    assert article.last_error == "HTTP 503"
    assert article.status == Article.Status.ACTIVE
    local_site.serve("/story", article_html("H", ["Back."]))
    with time_machine.travel(NOW, tick=False):
        run_check(article)
    assert (article.consecutive_failures, article.last_error) == (0, "")
    assert article.next_check_at == NOW + timedelta(minutes=15)  # a new article's interval


@override_settings(TRACK_GONE_AFTER=3)
def test_a_page_that_stays_404_is_gone_and_keeps_its_history(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("H", ["Body."]))
    article = tracked(local_site)
    run_check(article)
    local_site.serve("/story", "missing", status=404)
    for _ in range(3):
        run_check(article)
    assert article.status == Article.Status.GONE
    assert article.next_check_at is None
    assert article.versions.count() == 1


@override_settings(TRACK_FAILING_AFTER=2, TRACK_MAX_FAILURES=10)
def test_a_page_that_stops_being_html_is_marked_failing_with_its_reason(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("H", ["Body."]))
    article = tracked(local_site)
    run_check(article)
    local_site.serve("/story", b"GIF89a", headers={"Content-Type": "image/gif"})
    run_check(article)
    assert article.status == Article.Status.ACTIVE  # once may be a glitch
    run_check(article)
    assert article.status == Article.Status.FAILING
    assert article.last_error == "not an HTML page (image/gif)"
    assert article.next_check_at is None
    assert article.versions.count() == 1
    assert "checks kept failing (not an HTML page (image/gif))" in article.standing().summary


@override_settings(TRACK_MAX_FAILURES=3, TRACK_BACKOFF_MIN=60)
def test_transient_errors_fail_only_after_many_in_a_row(local_site: LocalSite) -> None:
    local_site.serve("/story", "busy", status=500)
    article = tracked(local_site)
    for expected in (Article.Status.ACTIVE, Article.Status.ACTIVE, Article.Status.FAILING):
        run_check(article)
        assert article.status == expected
    assert article.last_error == "HTTP 500"


def canonical_page(href: str) -> str:
    return article_html("H", ["A story long enough to read."]).replace(
        "<head>", f'<head><link rel="canonical" href="{href}">'
    )


def test_the_page_canonical_address_is_adopted_before_the_first_version(local_site: LocalSite) -> None:
    local_site.serve("/story?ref=home", canonical_page("/news/story"))
    article = tracked(local_site, "/story?ref=home")
    assert str(run_check(article)) == "new version 0"
    article.refresh_from_db()
    assert article.url == local_site.url("/news/story")


def test_a_second_address_of_a_tracked_article_is_dropped_as_a_duplicate(local_site: LocalSite) -> None:
    local_site.serve("/news/story", canonical_page("/news/story"))
    local_site.serve("/amp/story", canonical_page(local_site.url("/news/story")))
    first = tracked(local_site, "/news/story")
    run_check(first)
    second = tracked(local_site, "/amp/story")
    outcome = run_check(second)
    assert outcome.kind == "duplicate"
    assert outcome.reason == f"same canonical address as article {first.pk}"
    assert list(Article.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_canonical_address_on_another_site_is_ignored(local_site: LocalSite) -> None:
    local_site.serve("/story", canonical_page("https://elsewhere.example/story"))
    article = tracked(local_site)
    run_check(article)
    article.refresh_from_db()
    assert article.url == local_site.url("/story")


def test_the_address_a_redirect_ends_at_is_recorded(local_site: LocalSite) -> None:
    local_site.serve("/short", "", status=301, headers={"Location": "/news/story"})
    local_site.serve("/news/story", article_html("H", ["A story long enough to read."]))
    article = tracked(local_site, "/short")
    assert str(run_check(article)) == "new version 0"
    article.refresh_from_db()
    assert article.final_url == local_site.url("/news/story")


def test_an_article_removed_while_its_check_ran_stays_removed(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("H", ["A story long enough to read."]))
    article = tracked(local_site)
    run_check(article)
    snapshot = Article.objects.get(pk=article.pk)  # what a worker holds while it fetches
    Article.objects.filter(pk=article.pk).update(status=Article.Status.REMOVED, next_check_at=None)
    assert str(run_check(snapshot)) == "unchanged (identical bytes)"
    article.refresh_from_db()
    assert (article.status, article.next_check_at) == (Article.Status.REMOVED, None)
