"""manage.py compact_versions on a database made before migration 0016: texts, hashes and diffs unchanged,
stoppable and resumable."""

import json
import random
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps.registry import Apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.browsing import version_diff
from articles.diffing import diff_texts
from articles.management.commands import compact_versions
from articles.models import Article, Source, Version
from articles.normalising import ArticleText
from articles.searching import candidate_articles, found_versions
from articles.tests.support import add_version

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("articles", "0013_article_check_claimed_at")]
HOSTILE = '<script>alert("x")</script> “quotes” — ünïcödé 🗞️ \\ "'


def matching(query: str) -> list[Article]:
    """The articles a search for ``query`` lists, by URL: candidates confirmed by their versions."""
    candidates = list(candidate_articles(query))
    found = found_versions(candidates, query)
    return sorted((a for a in candidates if a.pk in found), key=lambda a: a.url)


def migrate(target: list[tuple[str, str]] | None = None) -> Apps:
    executor = MigrationExecutor(connection)
    target = target or executor.loader.graph.leaf_nodes("articles")
    executor.migrate(target)
    executor.loader.build_graph()
    return executor.loader.project_state(target).apps


def export(path: Path) -> str:
    call_command("export", "--output", str(path), "--no-progress")
    return path.read_text(encoding="utf-8")


def a_history() -> None:
    """Three articles: one of 20 versions (past its second keyframe), one of 3, one of 1."""
    rng = random.Random(5)
    words = ["council", "budget", "vote", "bridge", "mayor", "delay", "spring", "river", "school"]
    source = Source.objects.create(name="Daily", slug="daily", homepage="http://127.0.0.1/")
    for url, count in (
        ("http://127.0.0.1/long", 20),
        ("http://127.0.0.1/short", 3),
        ("http://127.0.0.1/one", 1),
    ):
        article = Article.objects.create(url=url, source=source)
        paragraphs = [" ".join(rng.choices(words, k=25)) + "." for _ in range(6)]
        for number in range(count):
            if number:
                paragraphs[rng.randrange(len(paragraphs))] = " ".join(rng.choices(words, k=12)) + "."
            if number == 2:
                paragraphs.append(HOSTILE)
            add_version(article, number, f"{url} v{number}", list(paragraphs))


def load_before_0016(apps: Apps, lines: list[str]) -> None:
    """What the importer wrote before migration 0016: paragraphs as JSON."""
    source_model, article_model = apps.get_model("articles", "Source"), apps.get_model("articles", "Article")
    version_model = apps.get_model("articles", "Version")
    for line in lines:
        record = json.loads(line)
        source, _ = source_model.objects.get_or_create(**record["source"])
        article = article_model.objects.create(
            url=record["url"],
            source=source,
            title=record["title"],
            status=record["status"],
            first_seen_at=record["first_seen_at"],
            last_changed_at=record["last_changed_at"],
            version_count=len(record["versions"]),
        )
        # Only what that schema had: today's export also carries later fields (the page kept, the Wayback
        # Machine's snapshot).
        columns = {field.name for field in version_model._meta.get_fields()}
        for data in record["versions"]:
            version_model.objects.create(
                article=article,
                **{k: v for k, v in data.items() if k in columns},
                **data["stats"],
            )


def texts_in(lines: list[str]) -> dict[tuple[str, int], ArticleText]:
    return {
        (record["url"], v["number"]): ArticleText(
            v["title"], v["byline"], tuple(v["paragraphs"]), v["social_title"]
        )
        for record in map(json.loads, lines)
        for v in record["versions"]
    }


def stop_after_first_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    pack = compact_versions.pack_articles

    def once(*args: Any) -> tuple[int, int | None]:
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return pack(*args)

    monkeypatch.setattr(compact_versions, "pack_articles", once)


def test_it_packs_a_database_made_before_0016_stoppably_with_texts_hashes_and_diffs_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_history()
    exported = export(tmp_path / "today.jsonl")
    lines = exported.splitlines()
    Article.objects.all().delete()
    Source.objects.all().delete()
    try:
        load_before_0016(migrate(BEFORE), lines)
    finally:
        migrate()
    assert Version.objects.filter(packed_paragraphs__isnull=True).count() == 24
    # Before any is packed, and after each run, the app reads every version as it was written.
    assert export(tmp_path / "before.jsonl") == exported

    stop_after_first_batch(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        call_command("compact_versions", "--batch", "1", stdout=StringIO(), stderr=StringIO())
    monkeypatch.undo()
    unpacked = Version.objects.filter(packed_paragraphs__isnull=True)
    assert sorted(set(unpacked.values_list("article__url", flat=True))) == [
        "http://127.0.0.1/one",
        "http://127.0.0.1/short",
    ]
    assert export(tmp_path / "halfway.jsonl") == exported

    out, err = StringIO(), StringIO()
    call_command("compact_versions", "--batch", "1", stdout=out, stderr=err)
    assert out.getvalue().strip() == "4 versions packed; none left unpacked"
    assert "packed 4 of 4 versions (100.0%)" in err.getvalue()
    assert not unpacked.exists()
    assert export(tmp_path / "after.jsonl") == exported

    expected = texts_in(lines)
    versions = {(v.article.url, v.number): v for v in Version.objects.select_related("article")}
    assert versions.keys() == expected.keys()
    for (url, number), version in versions.items():
        assert version.text == expected[(url, number)]
        assert version.text.content_hash == version.content_hash == expected[(url, number)].content_hash
        if number:
            previous = versions[(url, number - 1)]
            assert version_diff(previous, version) == diff_texts(
                expected[(url, number - 1)], expected[(url, number)]
            )
    if connection.vendor == "postgresql":
        # The JSON is gone; the search document the trigger made from it stays.
        assert not Version.objects.filter(plain_paragraphs__isnull=False).exists()
        assert [a.url for a in matching("ünïcödé")] == [
            "http://127.0.0.1/long",
            "http://127.0.0.1/short",
        ]

    call_command("compact_versions", stdout=out, stderr=StringIO())
    assert out.getvalue().strip().endswith("0 versions packed; none left unpacked")
