"""The search page: a pasted URL finds its article; words find articles by any version, and where."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from articles.models import Article, Source
from articles.tests.support import T0, add_version, bridge_story, daily_test_source, one, soup_of, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def source() -> Source:
    return daily_test_source()


@pytest.fixture
def article(source: Source) -> Article:
    return bridge_story(source)


@pytest.mark.parametrize(
    "pasted",
    ["http://127.0.0.1/story", "https://127.0.0.1/story?utm_source=x#top", "127.0.0.1/story"],
)
def test_pasting_any_variant_of_a_url_jumps_to_its_article(
    client: Client, article: Article, pasted: str
) -> None:
    response = client.get("/search/", {"q": pasted})
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.pk}/"


def test_a_mobile_url_finds_the_desktop_article(client: Client) -> None:
    article = Article.objects.create(url="https://www.example.com/news/story")
    assert (
        client.get("/search/", {"q": "https://m.example.com/news/story"})["Location"]
        == f"/articles/{article.pk}/"
    )
    assert (
        client.get("/search/", {"q": "http://example.com/news/story"})["Location"]
        == f"/articles/{article.pk}/"
    )


def test_an_untracked_url_says_so(client: Client, article: Article) -> None:
    assert "not tracked" in one(soup_of(client, "/search/?q=http://127.0.0.1/other"), ".empty").get_text()


def test_full_text_search_finds_headlines_and_text(client: Client, article: Article) -> None:
    other = Article.objects.create(url="http://127.0.0.1/other")
    add_version(other, 0, "Council meets", ["The budget was discussed."])
    assert texts(soup_of(client, "/search/?q=bridge"), ".results li > a") == ["Mayor closes bridge"]
    assert texts(soup_of(client, "/search/?q=budget"), ".results li > a") == ["Council meets"]
    assert texts(soup_of(client, "/search/?q=Tuesday"), ".results li > a") == [
        "Mayor closes bridge"
    ]  # an old version
    assert texts(soup_of(client, "/search/?q=zeppelin"), ".empty") == ["No article matches “zeppelin”."]
    feed = one(soup_of(client, "/search/?q=bridge"), 'link[type="application/atom+xml"]')["href"]
    assert feed == "/search/feed.atom?q=bridge"


def test_search_results_show_where_the_words_are(client: Client, article: Article) -> None:
    """A snippet of the newest matching version with the words marked, and the versions that have them."""
    soup = soup_of(client, "/search/?q=Monday")
    assert [str(mark) for mark in soup.select(".results .snippet mark")] == ["<mark>Monday</mark>"]
    assert one(soup, ".results .snippet").get_text() == "It opened on Monday."
    assert texts(soup, ".results .found-in a") == ["v1", "v2", "v3"]  # not v0, which says Tuesday
    assert one(soup, ".results .found-in a")["href"] == f"/articles/{article.pk}/versions/1/"
    old = soup_of(client, "/search/?q=Tuesday")
    assert texts(old, ".results .found-in a") == ["v0"]
    assert [m.get_text() for m in old.select(".results .snippet mark")] == ["Tuesday"]


def test_a_snippet_escapes_the_text_and_marks_only_the_words() -> None:
    from articles.searching import snippet

    text = "<script>alert(1)</script> The bridges closed, tolls or not; " + "then more words follow. " * 20
    html = str(snippet(["A headline", text], "bridge -tolls or closed"))
    assert html.startswith(
        "&lt;script&gt;alert(1)&lt;/script&gt; The <mark>bridges</mark> <mark>closed</mark>, tolls or not;"
    )
    assert html.endswith(" …")


def test_postgres_search_uses_the_full_text_index() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("full-text search is Postgres's; SQLite matches substrings")
    from articles.searching import TEXT_SEARCH_INDEX, document_query, documents_matching

    needed = document_query('"mayor opens" bridge -closed')
    assert needed == "'mayor' & 'open' & 'bridg'"  # what any matching version's article has
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        assert TEXT_SEARCH_INDEX in documents_matching(needed).explain()


@pytest.mark.parametrize("probe", [10_000, 1])  # few matches: listed from the index; many: found by walking
def test_search_finds_the_same_articles_either_way(
    client: Client, article: Article, monkeypatch: pytest.MonkeyPatch, probe: int
) -> None:
    monkeypatch.setattr("articles.searching.SEARCH_PROBE", probe)
    other = Article.objects.create(url="http://127.0.0.1/other")
    add_version(other, 0, "Bridge reopens", ["Traffic flows again."])
    add_version(other, 1, "Bridge reopens", ["Traffic flows again on the bridge."])
    assert texts(soup_of(client, "/search/?q=bridge"), ".results li > a") == [
        "Mayor closes bridge",  # last changed later
        "Bridge reopens",
    ]
    assert texts(soup_of(client, "/search/?q=traffic"), ".results li > a") == ["Bridge reopens"]


@pytest.mark.parametrize("probe", [10_000, 1])
def test_search_results_page_in_order_of_last_change_either_way(
    client: Client, monkeypatch: pytest.MonkeyPatch, probe: int
) -> None:
    monkeypatch.setattr("articles.searching.SEARCH_PROBE", probe)
    monkeypatch.setattr("articles.views.PAGE_SIZE", 2)
    for n in range(5):
        story = Article.objects.create(url=f"http://127.0.0.1/page-{n}")
        add_version(story, 0, f"Harbour story {n}", ["The harbour reopened."])
        Article.objects.filter(pk=story.pk).update(last_changed_at=T0 + timedelta(minutes=n % 3))  # ties too
    seen: list[str] = []
    path: str | None = "/search/?q=harbour"
    while path:
        soup = soup_of(client, path)
        seen += texts(soup, ".results li > a")
        more = soup.select_one(".pager a")
        path = f"/search/{more['href']}" if more and str(more["href"]).startswith("?") else None
    order = sorted(range(5), key=lambda n: (n % 3, Article.objects.get(url=f"http://127.0.0.1/page-{n}").pk))
    assert seen == [f"Harbour story {n}" for n in reversed(order)]
