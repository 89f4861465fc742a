"""``manage.py reextract``: histories recorded through real checks of a local site by an older extractor (one
that kept a newsletter box as the story's last paragraph), then read again from their kept pages by the
current one: the parser versions that release made disappear from what the public sees, numbers stay, what
each version was is kept, and pages, feeds, search and counters agree with the rebuilt history."""

import contextlib
import dataclasses
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from articles import activity, checking, reextracting
from articles.diffing import change_stats
from articles.extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION, Extraction, extract
from articles.models import Article, Rereading, Source, SourceDay, Version
from articles.tests.support import LocalSite, article_html
from articles.text_chain import KEYFRAME_EVERY

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BOX = "Get the morning briefing in your inbox"
CURRENT = f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}"
S0 = ["The council voted on Tuesday to close the bridge.", "Repairs will take a year, officials said."]
S1 = ["The council voted on Tuesday to close the bridge.", "Repairs will take two years, officials said."]
S2 = [*S1, "Ferries will run meanwhile, the mayor added."]


def page(paragraphs: list[str], headline: str = "Bridge to close") -> str:
    """A story with a newsletter box at its end, which the current extractor leaves out."""
    html = article_html(headline, paragraphs)
    return html.replace(
        '<div class="share-tools">', f'<div class="newsletter-box">{BOX}</div><div class="share-tools">'
    )


def release_7(html: str, url: str) -> Extraction:
    """The older release: it read the newsletter box as the story's last paragraph."""
    read = extract(html, url)
    return dataclasses.replace(read, paragraphs=[*read.paragraphs, BOX], extractor_version="7")


@contextlib.contextmanager
def older_release(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """While on, checks read pages with release 7 (the check's own function path: ``checking.extract``)."""
    with monkeypatch.context() as patched:
        patched.setattr(checking, "extract", release_7)
        patched.setattr(checking, "release_for", lambda url: f"{EXTRACTOR_NAME}/7")
        yield


def check(article: Article, hours: int) -> str:
    with time_machine.travel(NOW + timedelta(hours=hours), tick=False):
        return str(checking.run_check(Article.objects.get(pk=article.pk)))


def history(site: LocalSite, monkeypatch: pytest.MonkeyPatch, path: str, source: Source | None) -> Article:
    """v0 and v1 (an edit) read by release 7; v2 the same bytes read by the current release (a parser
    change, as the re-baselining rule files it); v3 a real edit."""
    article, _ = Article.objects.track(site.url(path), source=source)
    with older_release(monkeypatch):
        site.serve(path, page(S0))
        assert check(article, 0) == "new version 0"
        site.serve(path, page(S1))
        assert check(article, 1) == "new version 1"
    assert check(article, 2) == "new version 2"
    site.serve(path, page(S2, "Bridge to close for two years"))
    assert check(article, 3) == "new version 3"
    return Article.objects.get(pk=article.pk)


def kinds(article: Article) -> list[str]:
    return list(article.versions.order_by("number").values_list("kind", flat=True))


def reextract(*args: str) -> str:
    out = io.StringIO()
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        call_command("reextract", *args, "--no-progress", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as the database holds it (bytes as bytes)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            tables[table] = [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()
            ]
    return tables


@pytest.fixture
def source() -> Source:
    return Source.objects.create(name="The Daily Test", slug="daily")


def test_the_parser_version_of_a_new_release_disappears_and_the_history_reads_as_today(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch, source: Source
) -> None:
    article = history(local_site, monkeypatch, "/story", source)
    assert kinds(article) == ["edit", "edit", "parser", "edit"]
    assert article.versions.get(number=1).paragraphs == [*S1, BOX]

    out = reextract("--article", str(article.pk))

    assert "v2: parser → same; reads as v1 now" in out
    assert f"v0: text re-read; read by {CURRENT}, was generic/7" in out
    article.refresh_from_db()
    versions = list(article.versions.order_by("number"))
    # Numbers, rows and times stay; the parser version is now "same", hidden like minor and parser ones.
    assert [v.number for v in versions] == [0, 1, 2, 3]
    assert article.version_count == 4
    assert [v.kind for v in versions] == ["edit", "edit", "same", "edit"]
    assert [v.paragraphs for v in versions] == [S0, S1, S1, S2]
    assert {f"{v.extractor}/{v.extractor_version}" for v in versions} == {CURRENT}
    assert [v.number for v in article.versions.changes()] == [1, 3]
    # Change statistics against the version before, as they read now.
    assert versions[1].stats == change_stats(versions[0].text, versions[1].text)
    assert (versions[1].words_added, versions[1].words_removed) == (2, 2)  # "a year" → "two years"
    assert versions[2].stats == change_stats(versions[1].text, versions[2].text)
    assert versions[2].stats.summary() == "no text change"
    # The article's fields follow: the latest headline and text, the publisher's last change.
    assert article.title == "Bridge to close for two years"
    assert article.current_hash == versions[3].content_hash == versions[3].text.content_hash
    assert article.last_changed_at == NOW + timedelta(hours=3)
    assert article.body_parsed_by == ""  # the next check reads its page again
    # What each changed version was is kept: its text, kind and extractor.
    before = {r.version.number: r for r in Rereading.objects.select_related("version")}
    assert sorted(before) == [0, 1, 2]
    assert before[0].paragraphs == [*S0, BOX]
    assert before[0].extractor_version == "7"
    assert before[1].text is not None
    assert before[1].text.paragraphs == (*S1, BOX)
    assert (before[2].kind, before[2].same_as, before[2].paragraphs) == ("parser", 1, None)
    assert all(r.page_read and r.reread_by == CURRENT for r in before.values())
    # Staff see it on the version's page in the admin.
    staff = Client()
    staff.force_login(User.objects.create_superuser("editor", "editor@example.org", "a-long-password-0123"))
    shown = staff.get(reverse("admin:articles_version_change", args=[versions[0].pk]))
    assert shown.status_code == 200
    assert BOX in shown.content.decode()


def test_the_text_chain_stays_valid(local_site: LocalSite, monkeypatch: pytest.MonkeyPatch) -> None:
    article = history(local_site, monkeypatch, "/story", None)
    reextract("--article", str(article.pk))
    rows = list(Version.objects.filter(article=article).order_by("number"))  # decoded afresh
    assert [r.packed_against for r in rows] == [None, 0, 0, 0]
    assert [r.paragraphs for r in rows] == [S0, S1, S1, S2]
    keep_plain = connection.vendor != "postgresql"
    assert all((r.plain_paragraphs is not None) == keep_plain for r in rows)


def test_a_publisher_edit_folded_into_a_parser_change_comes_to_light(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    article, _ = Article.objects.track(local_site.url("/story"))
    with older_release(monkeypatch):
        local_site.serve("/story", page(S0))
        check(article, 0)
    local_site.serve("/story", page(S1))  # edited in the very fetch the new release first read
    assert check(article, 5) == "new version 1"
    assert kinds(article) == ["edit", "parser"]
    article.refresh_from_db()
    assert article.last_changed_at == NOW

    out = reextract("--article", str(article.pk))

    assert "v1: parser → edit" in out
    assert kinds(article) == ["edit", "edit"]
    article.refresh_from_db()
    assert article.last_changed_at == NOW + timedelta(hours=5)
    assert [v.number for v in article.versions.changes()] == [1]


def test_versions_without_a_kept_page_are_kept_as_they_were_read(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    article, _ = Article.objects.track(local_site.url("/story"))
    with older_release(monkeypatch):
        local_site.serve("/story", page(S0))
        with override_settings(ARCHIVE_SERVED_PAGES=False):  # before pages were kept
            check(article, 0)
        local_site.serve("/story", page(S1))
        check(article, 1)
    check(article, 2)
    assert kinds(article) == ["edit", "edit", "parser"]

    out = reextract("--article", str(article.pk))

    assert "kept as stored, not read again (no page kept): v0" in out
    versions = list(article.versions.order_by("number"))
    assert [v.paragraphs for v in versions] == [[*S0, BOX], S1, S1]
    assert [f"{v.extractor}/{v.extractor_version}" for v in versions] == ["generic/7", CURRENT, CURRENT]
    # v1 now differs from v0 by the edit and by the reading: a parser change, by the rule, and v2 is v1.
    assert [v.kind for v in versions] == ["edit", "parser", "same"]
    assert not Rereading.objects.filter(version=versions[0]).exists()


def test_a_dry_run_says_what_would_change_and_changes_nothing(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch, source: Source
) -> None:
    history(local_site, monkeypatch, "/story", source)
    before = snapshot()

    out = reextract("--all", "--dry-run")

    assert snapshot() == before
    assert "v2: parser → same; reads as v1 now" in out
    assert "dry run, nothing changed: 1 articles, 4 versions: 4 read again" in out
    assert "1 versions parser → same" in out


def test_a_second_run_changes_nothing(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch, source: Source
) -> None:
    history(local_site, monkeypatch, "/story", source)
    reextract("--all")
    before = snapshot()

    out = reextract("--all")

    assert snapshot() == before
    assert (
        "1 articles, 4 versions: 4 read again from their pages, 0 kept as stored; 0 articles changed" in out
    )


def test_scope_flags(local_site: LocalSite, monkeypatch: pytest.MonkeyPatch, source: Source) -> None:
    other = Source.objects.create(name="The Other Test", slug="other")
    first = history(local_site, monkeypatch, "/first", source)
    second = history(local_site, monkeypatch, "/second", other)
    third = history(local_site, monkeypatch, "/third", None)

    reextract("--article", str(first.pk))
    assert [kinds(a)[2] for a in (first, second, third)] == ["same", "parser", "parser"]
    reextract("--source", "other")
    assert [kinds(a)[2] for a in (first, second, third)] == ["same", "same", "parser"]
    reextract("--all")
    assert [kinds(a)[2] for a in (first, second, third)] == ["same", "same", "same"]


def test_pages_feeds_search_and_counters_agree_afterwards(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch, source: Source
) -> None:
    article = history(local_site, monkeypatch, "/story", source)
    client = Client()
    assert "briefing" in client.get(reverse("search"), {"q": "briefing"}).content.decode()  # release 7's box

    reextract("--all")

    page = client.get(reverse("article", args=[article.pk]))
    assert page.status_code == 200
    assert "Same text, re-read" not in page.content.decode()  # hidden by default
    assert (
        "Same text, re-read"
        in client.get(reverse("article", args=[article.pk]), {"all": "1"}).content.decode()
    )
    diff = client.get(reverse("diff", args=[article.pk, 0, 1])).content.decode()
    assert "two" in diff
    assert BOX not in diff
    same = client.get(reverse("diff", args=[article.pk, 1, 2])).content.decode()
    assert "says what an earlier version says" in same
    found = client.get(reverse("search"), {"q": "ferries"})
    assert found.status_code == 200
    assert reverse("article", args=[article.pk]) in found.content.decode()
    gone = client.get(reverse("search"), {"q": "briefing"}).content.decode()
    assert reverse("article", args=[article.pk]) not in gone
    feed = client.get(reverse("article-feed-atom", args=[article.pk]), HTTP_ACCEPT="application/atom+xml")
    assert feed.status_code == 200
    entries = feed.content.decode()
    assert "v3: " in entries
    assert "v1: " in entries
    assert "v2: " not in entries
    # The counters count the versions per day, which kept their rows and times.
    versions, latest = activity.counted([article.pk])
    rows = {(d.source_id, d.day): (d.versions, d.articles_latest) for d in SourceDay.objects.all()}
    assert rows == {key: (versions[key], latest[key]) for key in versions.keys() | latest.keys()}


def test_a_check_that_stores_a_version_meanwhile_is_taken_into_account(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = history(local_site, monkeypatch, "/story", None)
    prepared = reextracting.prepare(article)
    assert [p.kind for p in prepared.planned] == ["edit", "edit", "same", "edit"]
    local_site.serve("/story", page([*S2, "The vote was nine to two."]))
    assert check(article, 4) == "new version 4"

    done = reextracting.commit(prepared, NOW + timedelta(days=3))

    assert [p.kind for p in done.planned] == ["edit", "edit", "same", "edit", "edit"]
    assert kinds(article) == ["edit", "edit", "same", "edit", "edit"]
    article.refresh_from_db()
    assert article.last_changed_at == NOW + timedelta(hours=4)


def test_a_long_history_is_packed_against_its_keyframes_again(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a keyframe, versions are packed against the new reading of theirs, not the old."""
    article, _ = Article.objects.track(local_site.url("/story"))
    texts = [[*S0, f"Update number {n} from the council."] for n in range(KEYFRAME_EVERY + 3)]
    with older_release(monkeypatch):
        for hours, text in enumerate(texts):
            local_site.serve("/story", page(text))
            assert check(article, hours) == f"new version {hours}"

    reextract("--article", str(article.pk))

    rows = list(Version.objects.filter(article=article).order_by("number"))
    assert [r.paragraphs for r in rows] == texts
    assert rows[KEYFRAME_EVERY + 1].packed_against == KEYFRAME_EVERY
    assert all(r.kind == "edit" for r in rows)
