import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pytest_django import DjangoAssertNumQueries

from articles.models import Article, Source, Version
from articles.normalising import ArticleText
from articles.tests.support import add_version

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
    from io import StringIO

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
