"""The database unreachable (restarting, say): pages, feeds and the API answer 503 with Retry-After, and
the next request after it is back is served on a fresh connection. bench/faults.py restarts a real
Postgres under a running web; here the connection is pointed at nothing, for real, for a few requests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from articles.models import Article
from articles.tests.support import add_version
from bench.processes import free_port


@pytest.fixture
def article(transactional_db: None) -> Article:
    article = Article.objects.create(url="http://127.0.0.1/story")
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Monday."])
    return article


@pytest.fixture
def database_down(tmp_path: Path) -> Iterator[None]:
    """Point the default connection where no database answers: a closed port, or a missing file."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["PORT"] = free_port()  # nobody listens on it: the connection is refused
        connection.settings_dict["HOST"] = "127.0.0.1"
    else:
        connection.settings_dict["NAME"] = str(tmp_path / "missing" / "db.sqlite3")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def paths(article: Article) -> list[str]:
    return ["/", f"/articles/{article.pk}/", f"/articles/{article.pk}/diff/0/1/", "/feeds/changes.atom"]


def test_pages_and_feeds_answer_503_while_the_database_is_down(
    client: Client, article: Article, database_down: None
) -> None:
    for path in paths(article):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response["Retry-After"] == "10"
        assert b"Back in a moment" in response.content


def test_the_api_answers_503_in_its_error_shape(
    client: Client, article: Article, database_down: None
) -> None:
    response = client.get(f"/api/v1/articles/{article.pk}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json()["error"]["code"] == "unavailable"


def test_pages_come_back_when_the_database_does(client: Client, article: Article, tmp_path: Path) -> None:
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["NAME"] = str(tmp_path / "missing" / "db")
    if connection.vendor == "postgresql":
        connection.settings_dict["NAME"] = "no_such_database"
    assert client.get("/").status_code == 503
    connection.settings_dict.update(saved)  # the database is back: no restart, no manual step
    for path in paths(article):
        assert client.get(path).status_code == 200, path
