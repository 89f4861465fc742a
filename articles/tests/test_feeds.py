import uuid
import xml.etree.ElementTree as ET
from urllib.parse import quote

import feedparser
import pytest
from bs4 import BeautifulSoup
from django.test import Client

from articles.models import Article, Source
from articles.tests.support import add_version, one, text_at

pytestmark = pytest.mark.django_db
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def source() -> Source:
    return Source.objects.create(name="The Daily Test", slug="daily")


@pytest.fixture
def article(source: Source) -> Article:
    article = Article.objects.create(url="http://127.0.0.1/story", source=source)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Monday.", "Crowds came."])
    add_version(article, 2, "Mayor opens bridge", ["It opened on Monday.", "Crowds came. "], kind="minor")
    add_version(
        article, 3, "Mayor closes bridge", ["It opened on Monday.", "Crowds came.", "Update: closed."]
    )
    return article


def parse(client: Client, path: str) -> feedparser.FeedParserDict:
    response = client.get(path)
    assert response.status_code == 200, response.content
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_article_feed_has_one_readable_entry_per_change(client: Client, article: Article, kind: str) -> None:
    feed = parse(client, f"/articles/{article.pk}/feed.{kind}")
    assert feed.version == ("atom10" if kind == "atom" else "rss20")
    assert feed.feed.title == "Changes to “Mayor closes bridge”"
    if kind == "atom":
        assert feed.feed.author == "newsdiffs"
    assert [e.title for e in feed.entries] == ["v3: Mayor closes bridge", "v1: Mayor opens bridge"]
    assert [e.link for e in feed.entries] == [
        f"http://testserver/articles/{article.pk}/diff/2/3/",
        f"http://testserver/articles/{article.pk}/diff/0/1/",
    ]
    newest, oldest = feed.entries
    assert newest.summary == "headline changed · +2/−0 words · 1 paragraph added · 1 paragraph changed"
    assert oldest.summary == "+1/−1 words · 1 paragraph changed"
    content = BeautifulSoup(oldest.content[0].value, "lxml")
    assert [d.get_text() for d in content.find_all("del")] == ["Tuesday"]
    assert [i.get_text() for i in content.find_all("ins")] == ["Monday"]
    assert "line-through" in one(content, "del")["style"]
    headline_change = BeautifulSoup(newest.content[0].value, "lxml")
    assert one(headline_change, "p").get_text() == "Headline: Mayor opens closes bridge"
    assert newest.published_parsed[:4] == (2026, 11, 20, 12)


def test_guids_are_stable_and_derived_from_the_article(client: Client, article: Article) -> None:
    first = parse(client, f"/articles/{article.pk}/feed.atom")
    article.title = "Renamed"
    article.save()
    again = parse(client, f"/articles/{article.pk}/feed.atom")
    rss = parse(client, f"/articles/{article.pk}/feed.rss")
    ids = [e.id for e in first.entries]
    assert ids == [e.id for e in again.entries] == [e.id for e in rss.entries]
    assert ids[0] == uuid.uuid5(uuid.NAMESPACE_URL, "http://127.0.0.1/story#v3").urn
    assert len(set(ids)) == len(ids)


def test_hidden_versions_are_left_out_unless_asked_for(client: Client, article: Article) -> None:
    titles = [e.title for e in parse(client, f"/articles/{article.pk}/feed.atom?all=1").entries]
    assert titles == ["v3: Mayor closes bridge", "v2: Mayor opens bridge", "v1: Mayor opens bridge"]


def test_feeds_of_a_source_of_everything_and_of_headlines(
    client: Client, article: Article, source: Source
) -> None:
    other = Article.objects.create(url="http://127.0.0.1/other")
    add_version(other, 0, "Other story", ["Text."])
    add_version(other, 1, "Other story", ["Text, edited."])
    source_titles = [e.title for e in parse(client, "/sources/daily/feed.rss").entries]
    assert source_titles == ["v3: Mayor closes bridge", "v1: Mayor opens bridge"]
    all_titles = [e.title for e in parse(client, "/feeds/changes.atom").entries]
    assert all_titles == [
        "v3: Mayor closes bridge",
        "v1: Other story",
        "v1: Mayor opens bridge",
    ]  # newest first
    assert [e.title for e in parse(client, "/feeds/headlines.rss").entries] == ["v3: Mayor closes bridge"]


def test_search_feed(client: Client, article: Article) -> None:
    assert [e.title for e in parse(client, "/search/feed?q=bridge").entries] == [
        "v3: Mayor closes bridge",
        "v1: Mayor opens bridge",
    ]
    assert parse(client, "/search/feed.rss?q=nothing-like-this").entries == []
    assert client.get("/search/feed").status_code == 400
    assert client.get("/search/feed.atom?q=" + "x" * 201).status_code == 400


def test_unknown_things_have_no_feed(client: Client) -> None:
    assert client.get("/articles/999/feed.atom").status_code == 404
    assert client.get("/sources/nope/feed.rss").status_code == 404


def test_hostile_text_stays_text(client: Client) -> None:
    article = Article.objects.create(url="http://127.0.0.1/x")
    add_version(article, 0, HOSTILE, [HOSTILE], byline=HOSTILE)
    add_version(article, 1, HOSTILE + " now", [HOSTILE + " now"], byline=HOSTILE + " too")
    response = client.get(f"/articles/{article.pk}/feed.atom")
    feed = ET.fromstring(response.content)
    assert text_at(feed, f"{ATOM}entry/{ATOM}title") == f"v1: {HOSTILE} now"
    content = BeautifulSoup(text_at(feed, f"{ATOM}entry/{ATOM}content"), "lxml")
    assert not content.find_all(["script", "img"])
    assert HOSTILE in content.get_text()
    assert set(tag.name for tag in content.find_all(True)) <= {"html", "body", "p", "strong", "ins", "del"}
    assert not feedparser.parse(response.content).bozo


def test_conditional_get_answers_304(client: Client, article: Article) -> None:
    response = client.get(f"/articles/{article.pk}/feed.atom")
    assert response["Last-Modified"] == "Fri, 20 Nov 2026 12:30:00 GMT"
    assert "max-age=300" in response["Cache-Control"]
    etag = response["ETag"]
    by_date = client.get(
        f"/articles/{article.pk}/feed.atom", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
    )
    assert by_date.status_code == 304
    by_etag = client.get(f"/articles/{article.pk}/feed.atom", HTTP_IF_NONE_MATCH=etag)
    assert by_etag.status_code == 304
    add_version(article, 4, "Mayor closes bridge", ["New text."])
    changed = client.get(
        f"/articles/{article.pk}/feed.atom", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
    )
    assert changed.status_code == 200


def test_pages_announce_their_feeds(client: Client, article: Article) -> None:
    page = BeautifulSoup(client.get(f"/articles/{article.pk}/").content, "lxml")
    alternates = {link["href"] for link in page.select('link[rel="alternate"]')}
    assert {f"/articles/{article.pk}/feed.atom", f"/articles/{article.pk}/feed.rss"} <= alternates
    home = BeautifulSoup(client.get("/").content, "lxml")
    assert {"/feeds/changes.atom", "/feeds/changes.rss"} <= {
        link["href"] for link in home.select('link[rel="alternate"]')
    }


def test_each_feed_has_its_own_id_and_a_self_link_with_its_query(client: Client, article: Article) -> None:
    """Every feed but an article's had the home page's link as its id, and the search feed's self link
    dropped ?q=: a reader subscribed through it got no search at all."""
    paths = [
        "/feeds/changes.atom",
        "/feeds/headlines.atom",
        "/sources/daily/feed.atom",
        "/search/feed.atom?q=bridge",
        "/search/feed.atom?q=mayor",
        "/search/feed.rss?q=bridge",
        f"/articles/{article.pk}/feed.atom",
    ]
    ids = set()
    for path in paths:
        parsed = parse(client, path)
        self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
        assert self_links == [f"http://testserver{path}"]
        if ".atom" in path:  # RSS 2.0 has no feed id
            assert parsed.feed.id == f"tag:testserver,2026-12-06:{path}"
            ids.add(parsed.feed.id)
    assert len(ids) == len([path for path in paths if ".atom" in path])


def test_browsers_get_a_page_saying_how_to_subscribe_and_readers_get_the_feed(
    client: Client, article: Article
) -> None:
    path = "/search/feed.atom?q=bridge"
    browser = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert browser["Content-Type"] == "text/html; charset=utf-8"
    page = BeautifulSoup(browser.content, "html.parser")
    assert "This is a feed" in page.get_text()
    assert one(page, "code.feed-address").get_text() == f"http://testserver{path}"
    assert [a.get_text() for a in page.select(".feed-entries a")] == [
        "v3: Mayor closes bridge",
        "v1: Mayor opens bridge",
    ]
    hostile = client.get(f"/search/feed.atom?q={quote('<b>x</b>')}", HTTP_ACCEPT="text/html")
    assert "<b>x</b>" not in hostile.content.decode()  # the query is escaped like any text
    assert "&lt;b&gt;x&lt;/b&gt;" in hostile.content.decode()
    for accept in ("application/atom+xml, application/xml;q=0.9", "*/*", ""):
        reader = client.get(path, HTTP_ACCEPT=accept) if accept else client.get(path)
        assert reader["Content-Type"] == "application/atom+xml; charset=utf-8"
        assert "Accept" in reader["Vary"]
