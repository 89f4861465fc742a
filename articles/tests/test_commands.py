import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_django import DjangoCaptureOnCommitCallbacks

from articles.models import Article, Source
from articles.tests.support import LocalSite, article_html

pytestmark = pytest.mark.django_db


def run(*args: str, stderr: StringIO | None = None) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=stderr or StringIO())
    return out.getvalue()


def test_track_adds_the_canonical_url_and_queues_a_check(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        output = run("track", "HTTP://127.0.0.1:8000/story?utm_campaign=x#top")
    article = Article.objects.get()
    assert article.url == "http://127.0.0.1:8000/story"
    assert f"now tracking: article {article.pk} http://127.0.0.1:8000/story (first check queued)" in output
    assert len(queued) == 1


def test_track_twice_is_one_article() -> None:
    run("track", "http://127.0.0.1/story")
    assert "already tracked" in run("track", "http://127.0.0.1/story?utm_source=feed")
    assert Article.objects.count() == 1


def test_track_with_a_source() -> None:
    source = Source.objects.create(name="The Daily Test", slug="daily")
    run("track", "http://127.0.0.1/story", "--source", "daily")
    assert Article.objects.get().source == source
    with pytest.raises(CommandError, match="No source with slug 'nope'"):
        run("track", "http://127.0.0.1/other", "--source", "nope")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "spaces or control characters"),
        ("www.example.com/story", "must start with http"),
        ("ftp://example.com/story", "Unsupported scheme 'ftp'"),
        ("javascript:alert(1)", "Unsupported scheme 'javascript'"),
        ("http:///story", "no host name"),
    ],
)
def test_track_refuses_bad_input_and_stores_nothing(url: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("track", url)
    assert Article.objects.count() == 0


def test_fetch_prints_each_outcome(local_site: LocalSite) -> None:
    url = local_site.serve("/story", article_html("H", ["One."]))
    run("track", url)
    article = Article.objects.get()
    assert run("fetch", str(article.pk)) == f"article {article.pk}: new version 0\n"
    assert run("fetch", url) == f"article {article.pk}: unchanged (identical bytes)\n"
    local_site.serve("/story", article_html("H", ["Two."]))
    assert run("fetch", url + "?utm_source=x") == f"article {article.pk}: new version 1\n"
    local_site.serve("/story", "gone", status=410)
    errors = StringIO()
    with pytest.raises(SystemExit) as exited:
        assert run("fetch", url, stderr=errors) == ""
    assert exited.value.code == 2
    assert errors.getvalue() == f"article {article.pk}: error: HTTP 410\n"


def test_fetch_says_its_error_once(local_site: LocalSite, caplog: pytest.LogCaptureFixture) -> None:
    """At a terminal the outcome line is all: the check's log line for workers does not repeat it."""
    url = local_site.serve("/story", "gone", status=410)
    run("track", url)
    with caplog.at_level(logging.INFO), pytest.raises(SystemExit):
        run("fetch", url)
    assert [r.getMessage() for r in caplog.records if "410" in r.getMessage()] == []
    assert logging.getLogger("articles.checking").level == logging.NOTSET  # as it was


def test_fetch_of_an_untracked_article_says_how_to_track_it() -> None:
    with pytest.raises(CommandError, match="not tracked; add it with"):
        run("fetch", "http://127.0.0.1/unknown")
    with pytest.raises(CommandError, match="not tracked"):
        run("fetch", "999")
