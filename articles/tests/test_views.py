from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from articles.models import Article, Source
from articles.tests.support import T0, add_version

pytestmark = pytest.mark.django_db
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def article() -> Article:
    source = Source.objects.create(name="The Daily Test", slug="daily")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source, first_seen_at=T0)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Monday.", "Crowds came."])
    add_version(
        article, 2, "Mayor closes bridge", ["It opened on Monday.", "Crowds came.", "Update: closed."]
    )
    article.refresh_from_db()
    return article


def test_home_lists_recently_changed_articles(client: Client, article: Article) -> None:
    Article.objects.create(url="http://127.0.0.1/never-fetched")
    older = Article.objects.create(url="http://127.0.0.1/older")
    add_version(older, 0, "Older story", ["Text."])
    Article.objects.filter(pk=older.pk).update(last_changed_at=T0 - timedelta(days=1))
    soup = BeautifulSoup(client.get("/").content, "lxml")
    rows = [[cell.get_text(strip=True) for cell in row.find_all("td")] for row in soup.select("tbody tr")]
    assert [row[:3] for row in rows] == [
        ["Mayor closes bridge", "The Daily Test", "2"],
        ["Older story", "—", "0"],
    ]


def test_article_page_shows_facts_and_versions_newest_first(client: Client, article: Article) -> None:
    html = client.get(f"/articles/{article.pk}/").content.decode()
    soup = BeautifulSoup(html, "lxml")
    assert soup.h1.get_text() == "Mayor closes bridge"
    facts = dict(
        zip([d.get_text() for d in soup.select("dt")], [d.get_text() for d in soup.select("dd")], strict=True)
    )
    assert facts["Source"] == "The Daily Test"
    assert facts["First seen"] == "20 November 2026, 09:30 UTC"
    assert facts["Changed"] == "2 times"
    assert [a.get_text() for a in soup.select("ul.versions li > a:first-child")] == ["v2", "v1", "v0"]
    diff_links = [a["href"] for a in soup.select("a.difflink")]
    assert diff_links == [f"/articles/{article.pk}/diff/1/2/", f"/articles/{article.pk}/diff/0/1/"]


def test_diff_page_highlights_title_and_body_changes(client: Client, article: Article) -> None:
    soup = BeautifulSoup(client.get(f"/articles/{article.pk}/diff/0/2/").content, "lxml")
    assert [d.get_text() for d in soup.select(".old del")] == ["opens", "Tuesday"]
    assert [i.get_text() for i in soup.select(".new ins")] == ["closes", "Monday", "Update: closed."]
    assert not soup.select(".old ins")
    assert not soup.select(".new del")


def test_version_page_shows_the_plain_text(client: Client, article: Article) -> None:
    soup = BeautifulSoup(client.get(f"/articles/{article.pk}/versions/0/").content, "lxml")
    assert [p.get_text() for p in soup.select(".body p")] == ["It opened on Tuesday.", "Crowds came."]


@pytest.mark.parametrize("path", ["/articles/999/", "/articles/{pk}/diff/0/9/", "/articles/{pk}/versions/7/"])
def test_unknown_things_are_404(client: Client, article: Article, path: str) -> None:
    assert client.get(path.format(pk=article.pk)).status_code == 404


def test_text_from_the_web_is_escaped_everywhere(client: Client) -> None:
    article = Article.objects.create(url="http://127.0.0.1/x")
    add_version(article, 0, HOSTILE, [HOSTILE], byline=HOSTILE)
    add_version(article, 1, HOSTILE + " edited", [HOSTILE + " edited"], byline=HOSTILE + "!")
    for path in (
        "/",
        f"/articles/{article.pk}/",
        f"/articles/{article.pk}/diff/0/1/",
        f"/articles/{article.pk}/versions/1/",
    ):
        html = client.get(path).content.decode()
        soup = BeautifulSoup(html, "lxml")
        assert not soup.find_all("script"), path
        assert not soup.find_all("img"), path
        assert "&lt;" in html, path


def test_healthz_checks_the_database(client: Client) -> None:
    assert client.get("/healthz/").json() == {"status": "ok"}
