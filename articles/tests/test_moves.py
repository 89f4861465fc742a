"""A paragraph that moves is a move: shown where it left and where it arrived, counted as "1 paragraph
moved" rather than its words removed and added, kept out of the biggest changes; moved and edited still
shows its word diff. Stored histories are restated by a data migration."""

from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from articles.diffing import change_stats, diff_body
from articles.models import Article, Version
from articles.normalising import ArticleText
from articles.tests.support import T0, add_version, one

PARAS = [
    "The council voted on Tuesday to close the old bridge over the river for a year of repairs.",
    "Engineers found cracks in two of its piers during an inspection last month, officials said.",
    "Traffic will be sent over the new bridge downstream, which opened in the spring of last year.",
    "The mayor said the closure was regrettable but that safety had to come first for everyone.",
]
# The mayor's paragraph moved to the top: 16 words that were neither removed nor added.
MOVED = [PARAS[3], PARAS[0], PARAS[1], PARAS[2]]


def text(paragraphs: list[str]) -> ArticleText:
    return ArticleText("Bridge to close", "", tuple(paragraphs))


def test_a_moved_paragraph_counts_as_moved_not_as_words() -> None:
    stats = change_stats(text(PARAS), text(MOVED))
    assert (stats.words_added, stats.words_removed, stats.paragraphs_moved) == (0, 0, 1)
    assert (stats.paragraphs_added, stats.paragraphs_removed, stats.paragraphs_changed) == (0, 0, 0)
    assert stats.summary() == "1 paragraph moved"


def test_moved_and_edited_keeps_its_word_diff() -> None:
    edited = [PARAS[3].replace("regrettable", "unavoidable"), PARAS[0], PARAS[1], PARAS[2]]
    body = diff_body(PARAS, edited)
    arrived = next(op for op in body.ops if op.op == "moved_in")
    assert (arrived.new_index, arrived.moved) == (0, 3)
    assert [s.text for s in arrived.words.old if s.kind == "delete"] == ["regrettable"]
    assert [s.text for s in arrived.words.new if s.kind == "insert"] == ["unavoidable"]
    assert (body.words_added, body.words_removed, body.paragraphs_moved) == (1, 1, 1)


def test_a_paragraph_removed_and_another_added_are_no_move() -> None:
    other = [*PARAS[:3], "A spokesman for the bus company said extra services would run from Monday."]
    stats = change_stats(text(PARAS), text(other))
    assert stats.paragraphs_moved == 0
    assert stats.words_removed == 16


@pytest.fixture
def moved_article(db: None) -> Article:
    article = Article.objects.create(url="http://127.0.0.1/moved")
    add_version(article, 0, "Bridge to close", PARAS)
    add_version(article, 1, "Bridge to close", MOVED)
    return article


def test_the_diff_page_says_where_it_went_and_where_it_came_from(
    client: Client, moved_article: Article
) -> None:
    for view in ("side", "inline"):
        page = client.get(f"/articles/{moved_article.pk}/diff/0/1/", {"view": view}).content.decode()
        soup = BeautifulSoup(page, "lxml")
        notes = [note.get_text() for note in soup.select(".moved-note")]
        assert "Moved here from paragraph 4" in notes
        assert soup.select(".diff ins, .diff del") == []  # nothing struck or underlined: no word changed
        assert "1 paragraph moved" in one(soup, ".summary").get_text()
    assert notes == ["Moved here from paragraph 4", "Moved: now paragraph 1"]


def test_the_api_names_the_move(client: Client, moved_article: Article) -> None:
    diff = client.get(f"/api/v1/articles/{moved_article.pk}/diff/0/1/").json()
    ops = [(p["op"], p["moved_from"], p["moved_to"]) for p in diff["paragraphs"]]
    assert ops[0] == ("moved_in", 3, None)
    assert ops[-1] == ("moved_out", None, 0)
    assert (diff["words_added"], diff["words_removed"]) == (0, 0)
    versions = client.get(f"/api/v1/articles/{moved_article.pk}/versions/").json()["results"]
    assert versions[1]["stats"]["paragraphs_moved"] == 1


def test_the_feed_tells_a_move_once(client: Client, moved_article: Article) -> None:
    feed = client.get(f"/articles/{moved_article.pk}/feed.atom").content.decode()
    assert feed.count("Moved here from paragraph 4") == 1
    assert feed.count("The mayor said the closure") == 1  # not again where it left


def test_a_move_does_not_top_the_biggest_changes(client: Client, moved_article: Article) -> None:
    small = Article.objects.create(url="http://127.0.0.1/small")
    add_version(small, 0, "Small edit", ["It opened on Tuesday."])
    add_version(small, 1, "Small edit", ["It opened on Monday."])
    with time_machine.travel(T0 + timedelta(hours=6), tick=False):
        page = BeautifulSoup(client.get("/?view=biggest&period=day").content, "lxml")
    assert one(page, ".changes .headline").get_text() == "Small edit"


def test_the_cached_diff_is_the_versions_own(client: Client, moved_article: Article) -> None:
    """Two articles with the same texts: each diff is cached under its own versions, never served for the
    other's (whose versions were fetched at other times)."""
    twin = Article.objects.create(url="http://127.0.0.1/twin")
    add_version(twin, 0, "Bridge to close", PARAS)
    add_version(twin, 1, "Bridge to close", MOVED)
    Version.objects.filter(article=twin).update(fetched_at=T0 - timedelta(days=30))
    cache.clear()
    shown = {}
    for article in (moved_article, twin):
        page = BeautifulSoup(client.get(f"/articles/{article.pk}/diff/0/1/").content, "lxml")
        shown[article.pk] = one(page, ".diff .head .cell.new time")["datetime"]
    assert shown[moved_article.pk] == (T0 + timedelta(hours=1)).isoformat()
    assert shown[twin.pk] == (T0 - timedelta(days=30)).isoformat()


@pytest.mark.django_db(transaction=True)
def test_stored_histories_are_restated_by_the_migration() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("articles", "0008_version_paragraphs_moved")])
    old_apps = executor.loader.project_state([("articles", "0008_version_paragraphs_moved")]).apps
    OldArticle, OldVersion = (
        old_apps.get_model("articles", "Article"),
        old_apps.get_model("articles", "Version"),
    )
    article = OldArticle.objects.create(url="http://127.0.0.1/history")
    common = {"fetched_at": T0, "title": "Bridge to close", "byline": "", "extractor": "generic"}
    replaced = [*PARAS[:3], "A spokesman for the bus company said extra services would run from Monday."]
    for number, paragraphs, stats in (
        (0, PARAS, {}),
        # As the previous engine counted it: the moved paragraph's words removed and added again.
        (1, MOVED, {"words_added": 16, "words_removed": 16, "paragraphs_added": 1, "paragraphs_removed": 1}),
        (2, PARAS, {"words_added": 16, "words_removed": 16, "paragraphs_added": 1, "paragraphs_removed": 1}),
        # A paragraph replaced by another, counted right already: nothing to restate, every figure compared.
        (3, replaced, change_stats(text(PARAS), text(replaced)).__dict__ | {"paragraphs_moved": None}),
    ):
        stats = {
            name: value
            for name, value in stats.items()
            if value is not None and name != "social_title_changed"
        }
        OldVersion.objects.create(
            article=article, number=number, paragraphs=paragraphs, extractor_version="4",
            content_hash=text(paragraphs).content_hash, **common, **stats,
        )  # fmt: skip
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("articles", "0009_restate_moves")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    restated = Version.objects.get(article_id=article.pk, number=1)
    assert (restated.words_added, restated.words_removed, restated.paragraphs_moved) == (0, 0, 1)
    assert (restated.paragraphs_added, restated.paragraphs_removed) == (0, 0)
    untouched = Version.objects.get(article_id=article.pk, number=3)
    assert (untouched.words_added, untouched.words_removed, untouched.paragraphs_moved) == (13, 16, 0)
