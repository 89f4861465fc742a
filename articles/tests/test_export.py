import base64
import gzip
import json
from datetime import UTC, datetime, timedelta, timezone
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from pytest_django import DjangoAssertNumQueries

from articles import archiving
from articles.checking import run_check
from articles.models import Article, ServedPage, Source, Version, load_pages
from articles.normalising import ArticleText
from articles.tests.support import LocalSite, add_version, article_html

pytestmark = pytest.mark.django_db
HOSTILE = '<script>alert("x")</script> “quotes” — ünïcödé 🗞️'


@pytest.fixture
def history() -> list[Article]:
    daily = Source.objects.create(name="The Daily Test", slug="daily", homepage="http://127.0.0.1/")
    weekly = Source.objects.create(name="Weekly", slug="weekly")
    one = Article.objects.create(url="http://127.0.0.1/one", source=daily)
    add_version(one, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(one, 1, "Mayor opens bridge", ["It opened on Monday.", "Crowds came."])
    v2 = add_version(one, 2, HOSTILE, ["It opened on Monday.", HOSTILE], byline=HOSTILE, kind="minor")
    # What extractor release 4 also reads: the social headline (part of the hash) and the page's dates.
    v2.social_title = f"Social {HOSTILE}"
    v2.content_hash = v2.text.content_hash
    v2.page_published_at = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    v2.page_modified_at = datetime(2026, 11, 20, 11, 5, tzinfo=timezone(timedelta(hours=2)))
    v2.save()
    two = Article.objects.create(url="http://127.0.0.1/two", source=weekly, status=Article.Status.GONE)
    add_version(two, 0, "Two", ["Only one version."])
    never = Article.objects.create(url="http://127.0.0.1/never-fetched")
    return [one, two, never]


def export(tmp_path: Path, name: str, *args: str) -> Path:
    path = tmp_path / name
    call_command("export", "--output", str(path), "--no-progress", *args)
    return path


def import_(path: Path) -> str:
    out = StringIO()
    call_command("import", str(path), "--no-progress", stdout=out)
    return out.getvalue().strip()


def database_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Everything the history consists of, without the row ids that differ between installations."""
    return {
        "sources": list(Source.objects.order_by("slug").values_list("slug", "name", "homepage")),
        "articles": list(
            Article.objects.order_by("url").values_list(
                "url", "source__slug", "title", "status", "first_seen_at", "last_changed_at", "version_count"
            )
        ),
        "versions": list(
            Version.objects.order_by("article__url", "number").values_list(
                "article__url",
                "number",
                "fetched_at",
                "title",
                "byline",
                "content_hash",
                "extractor",
                "extractor_version",
                "kind",
                "words_added",
                "words_removed",
                "paragraphs_added",
                "paragraphs_removed",
                "paragraphs_changed",
                "title_changed",
                "paragraphs_moved",
                "social_title",
                "social_title_changed",
                "page_published_at",
                "page_modified_at",
            )
        ),
        "paragraphs": [tuple(v.paragraphs) for v in Version.objects.order_by("article__url", "number")],
    }


def test_one_article_per_line_with_all_its_versions(tmp_path: Path, history: list[Article]) -> None:
    lines = export(tmp_path, "all.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["url"] for r in records] == [
        "http://127.0.0.1/one",
        "http://127.0.0.1/two",
        "http://127.0.0.1/never-fetched",
    ]
    first = records[0]
    assert first["source"] == {"slug": "daily", "name": "The Daily Test", "homepage": "http://127.0.0.1/"}
    assert [v["number"] for v in first["versions"]] == [0, 1, 2]
    assert first["versions"][1]["paragraphs"] == ["It opened on Monday.", "Crowds came."]
    assert first["versions"][1]["stats"]["words_added"] == 1
    assert first["versions"][2]["title"] == HOSTILE
    assert first["versions"][2]["kind"] == "minor"
    assert first["versions"][0]["fetched_at"] == "2026-11-20T09:30:00+00:00"
    assert records[2]["versions"] == []
    assert records[2]["source"] is None


def test_export_then_import_round_trips_a_database_exactly(tmp_path: Path, history: list[Article]) -> None:
    before = database_rows()
    first = export(tmp_path, "first.jsonl")
    Source.objects.all().delete()
    Article.objects.all().delete()
    assert import_(first) == "3 new articles, 4 new versions, 0 versions already here, 0 problems"
    assert database_rows() == before
    assert export(tmp_path, "second.jsonl").read_bytes() == first.read_bytes()


def test_importing_again_changes_nothing(tmp_path: Path, history: list[Article]) -> None:
    path = export(tmp_path, "all.jsonl")
    before = database_rows()
    assert import_(path) == "0 new articles, 0 new versions, 4 versions already here, 0 problems"
    assert import_(path) == "0 new articles, 0 new versions, 4 versions already here, 0 problems"
    assert database_rows() == before


def test_an_import_adds_the_versions_this_installation_lacks(tmp_path: Path, history: list[Article]) -> None:
    path = export(tmp_path, "all.jsonl")
    Version.objects.filter(article__url="http://127.0.0.1/one", number=2).delete()
    Article.objects.filter(url="http://127.0.0.1/one").update(version_count=2)
    assert import_(path) == "0 new articles, 1 new versions, 3 versions already here, 0 problems"
    one = Article.objects.get(url="http://127.0.0.1/one")
    assert (one.version_count, one.title) == (3, HOSTILE)


def test_tampered_or_conflicting_versions_are_refused(tmp_path: Path, history: list[Article]) -> None:
    path = export(tmp_path, "all.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[0]["versions"][1]["paragraphs"][0] = "It opened on Sunday."  # text changed, hash not
    other = records[1]["versions"][0]  # a valid version, but not the one this installation recorded as v0
    other["paragraphs"] = ["A different text."]
    other["content_hash"] = ArticleText(other["title"], other["byline"], ("A different text.",)).content_hash
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("\n".join(json.dumps(r) for r in records) + "\nnot json\n")
    with pytest.raises(CommandError, match="3 records or versions were not imported"):
        import_(tampered)
    assert Version.objects.get(article__url="http://127.0.0.1/two", number=0).paragraphs == [
        "Only one version."
    ]
    assert (
        Version.objects.get(article__url="http://127.0.0.1/one", number=1).paragraphs[0]
        == "It opened on Monday."
    )


def test_export_filters(tmp_path: Path, history: list[Article]) -> None:
    def urls(*args: str) -> list[str]:
        return [
            json.loads(line)["url"] for line in export(tmp_path, "f.jsonl", *args).read_text().splitlines()
        ]

    assert urls("--source", "weekly") == ["http://127.0.0.1/two"]
    assert urls("--since", "2026-11-20T11:00:00Z") == ["http://127.0.0.1/one"]
    assert urls("--since", "2026-11-21") == []
    with pytest.raises(CommandError, match="--since takes a date"):
        urls("--since", "last week")


def test_export_reads_through_a_server_side_cursor(
    tmp_path: Path, history: list[Article], django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("server-side cursors are Postgres's")
    with django_assert_max_num_queries(4):  # count, cursor, versions of the one chunk, (close)
        export(tmp_path, "all.jsonl")


# --- the pages as served, carried by the export -----------------------------------------------------------

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def check(article: Article, minutes: int) -> str:
    with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
        return str(run_check(Article.objects.get(pk=article.pk)))


def kept_pages() -> dict[tuple[str, int], tuple[str, int, list[list[str]], bytes, str, int | None]]:
    """Every page kept, by (article URL, version number), with the keyframe it is packed against."""
    versions = list(Version.objects.select_related("article"))
    pages = load_pages(versions)
    against = dict(ServedPage.objects.values_list("version_id", "packed_against"))
    return {
        (v.article.url, v.number): (
            pages[v.pk].url, pages[v.pk].status, [list(h) for h in pages[v.pk].headers], pages[v.pk].body,
            pages[v.pk].sha256, against[v.pk],
        )
        for v in versions
        if v.pk in pages
    }  # fmt: skip


@pytest.fixture
def checked(local_site: LocalSite) -> list[Article]:
    """Histories read by real checks of a local site: one long enough for a second keyframe, its pages
    sent gzipped, with a version read while pages were not kept; one of a single version."""
    daily = Source.objects.create(name="The Daily Test", slug="daily", homepage=local_site.url("/"))
    long, _ = Article.objects.track(local_site.url("/long"), source=daily)
    count = archiving.KEYFRAME_EVERY + 3
    for n in range(count):
        html = article_html("Mayor opens bridge", [f"It opened {n} times.", HOSTILE], churn=str(n)).encode()
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip", "X-Odd": "caf\xe9"}
        local_site.serve("/long", gzip.compress(html, mtime=0), headers=headers)
        with override_settings(ARCHIVE_SERVED_PAGES=n != 2):
            assert check(long, 15 * n) == f"new version {n}"
    short, _ = Article.objects.track(local_site.url("/short"))
    local_site.serve("/short", article_html("Short", ["Only one version."]))
    check(short, 0)
    Version.objects.filter(article=long, number=1).update(
        wayback_status="saved", wayback_url="https://web.archive.org/web/20261126121500/http://x/long"
    )
    Version.objects.filter(article=long, number=3).update(wayback_status="pending")
    return [long, short]


def test_pages_round_trip_byte_for_byte(tmp_path: Path, checked: list[Article]) -> None:
    before, rows = kept_pages(), database_rows()
    assert len(before) == archiving.KEYFRAME_EVERY + 3  # all but v2 of the long one, and the short one's
    assert sorted({against for *_, against in before.values()}, key=str) == [
        0,
        archiving.KEYFRAME_EVERY,
        None,
    ]
    first = export(tmp_path, "first.jsonl")
    record = json.loads(first.read_text().splitlines()[0])
    assert record["versions"][2]["page"] is None
    assert record["versions"][1]["page"]["sha256"] == before[(checked[0].url, 1)][4]
    assert record["versions"][1]["wayback_url"].startswith("https://web.archive.org/")
    assert record["versions"][3]["wayback_status"] == ""  # pending here: not asked for by the importer
    Source.objects.all().delete()
    Article.objects.all().delete()
    assert import_(first) == (
        "2 new articles, 20 new versions, 0 versions already here, 0 problems; 19 pages kept, 0 already here"
    )
    assert kept_pages() == before  # same bytes, hashes, headers, URLs, statuses and keyframes
    assert database_rows() == rows
    saved = Version.objects.get(article__url=checked[0].url, number=1)
    assert (saved.wayback_status, saved.wayback_url) == ("saved", record["versions"][1]["wayback_url"])
    assert export(tmp_path, "second.jsonl").read_bytes() == first.read_bytes()
    assert import_(first) == (
        "0 new articles, 0 new versions, 20 versions already here, 0 problems; 0 pages kept, 19 already here"
    )
    assert kept_pages() == before


def test_pages_are_packed_again_against_this_installations_keyframes(
    tmp_path: Path, checked: list[Article]
) -> None:
    long = checked[0]
    before = kept_pages()
    path = export(tmp_path, "all.jsonl")
    # Here: v0 and v3 kept no page and v1's page is a keyframe; v4 onwards were never read.
    ServedPage.objects.filter(version__article=long, version__number__in=[0, 1, 3]).delete()
    v1 = long.versions.get(number=1)
    page = before[(long.url, 1)]
    ServedPage.objects.store(v1, page[0], page[1], [(n, v) for n, v in page[2]], page[3])
    long.versions.filter(number__gte=4).delete()
    Article.objects.filter(pk=long.pk).update(version_count=4)

    assert import_(path) == (
        f"0 new articles, {archiving.KEYFRAME_EVERY - 1} new versions, 5 versions already here, 0 problems; "
        f"{archiving.KEYFRAME_EVERY + 1} pages kept, 2 already here"
    )
    after = kept_pages()
    assert {key: value[:5] for key, value in after.items()} == {
        key: value[:5] for key, value in before.items()
    }
    against = {number: after[(long.url, number)][5] for number in (0, 1, 3, 4, 16, 17)}
    # v0 a keyframe again; v3 to v16 against v1, the keyframe here (the file's were against v0 and v16);
    # v17, KEYFRAME_EVERY past it, alone, and v18 against v17.
    assert against == {0: None, 1: None, 3: 1, 4: 1, 16: 1, 17: None}
    assert after[(long.url, 18)][5] == 17
    loaded = load_pages(long.versions.all())
    assert all(archiving.sha256(page.body) == page.sha256 for page in loaded.values())


def test_a_damaged_page_is_left_out_and_its_version_imported(tmp_path: Path, checked: list[Article]) -> None:
    path = export(tmp_path, "all.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    versions = records[0]["versions"]
    versions[0]["page"]["sha256"] = "0" * 64  # the keyframe: v1 and v3-v15, packed against it, go too (14)
    versions[16]["page"]["packed"] = "not base64!"
    versions[17]["page"]["headers"] = [["X-Evil", 7]]
    versions[1]["wayback_url"] = "javascript:alert(1)"
    del versions[18]["page"]  # as an export made before pages were kept
    records[1]["versions"][0]["page"]["packed"] = base64.b64encode(b"s" + b"\x00" * 20).decode()
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    Source.objects.all().delete()
    Article.objects.all().delete()
    out = StringIO()
    with pytest.raises(CommandError, match="18 records or versions were not imported"):
        call_command("import", str(damaged), "--no-progress", stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("2 new articles, 20 new versions, 0 versions already here, 18 problems")
    assert ServedPage.objects.count() == 0
    assert Version.objects.count() == 20
    v1 = Version.objects.get(article__url=checked[0].url, number=1)
    assert (v1.wayback_status, v1.wayback_url) == ("", "")
