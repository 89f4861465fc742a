"""Payloads in every feed, RSS and Atom (as text, with what XML 1.0 cannot hold replaced), and in the API's
answers, verbatim."""

import json
import re
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from lxml import html as lxml_html

from articles.tests.xss_support import (
    MARK,
    PAYLOADS,
    byline,
    feed_entries,
    headline,
    inert,
    source_name,
    store_payload_article,
)

pytestmark = pytest.mark.django_db


def in_xml(text: str) -> str:
    """``text`` as a feed carries it: what XML 1.0 cannot hold (C0 controls but tab, newline and carriage
    return) is U+FFFD; everything else is there literally."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", text)


FEEDS = ("/articles/{pk}/feed", "/sources/hostile/feed", "/feeds/changes", "/feeds/headlines", "/search/feed")


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_feeds_carry_payloads_as_text(client: Client, payload: str) -> None:
    article = store_payload_article(payload)
    for route in FEEDS:
        for kind in ("rss", "atom"):
            path = route.format(pk=article.pk) + f".{kind}" + ("?q=zebra" if "search" in route else "")
            response = client.get(path)
            assert response.status_code == 200, path
            title, entries = feed_entries(response.content)
            if "articles" in route:
                assert title == in_xml(f"Changes to “{headline(payload)}”")
            if "sources" in route:
                assert title == in_xml(f"Changes at {source_name(payload)}")
            (entry,) = entries
            assert entry["title"] == in_xml(f"v1: {headline(payload)}"), path  # the headline itself, as text
            assert urlsplit(entry["link"]).path == f"/articles/{article.pk}/diff/0/1/"
            assert MARK not in entry["summary"]
            content = inert(lxml_html.fragment_fromstring(entry["content"], create_parent="div"))
            texts = [p.text_content() for p in content.iter("p")]
            assert in_xml(payload) in texts, (path, texts)  # the added paragraph, whole, as text
    searched = client.get(f"/search/feed.atom?q={quote(payload[:200])}")
    assert searched.status_code == 200
    title, _entries = feed_entries(searched.content)
    assert title == in_xml(f"Changes to articles matching “{payload[:200].strip()}”")


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_the_api_returns_payloads_verbatim(client: Client, payload: str) -> None:
    article = store_payload_article(payload)
    data = client.get(f"/api/v1/articles/{article.pk}/").json()
    assert (data["title"], data["url"], data["source"]) == (headline(payload), article.url, "hostile")
    version = client.get(f"/api/v1/articles/{article.pk}/versions/1/").json()
    assert (version["title"], version["byline"]) == (headline(payload), byline(payload))
    assert version["paragraphs"] == ["First stays.", f"Second zebra {payload}.", payload]
    diff = client.get(f"/api/v1/articles/{article.pk}/diff/0/1/").json()
    assert "".join(s["text"] for s in diff["title"]["new"]) == headline(payload)
    inserted = [op for op in diff["paragraphs"] if op["op"] == "insert"]
    assert payload in ["".join(s["text"] for s in op["new"]) for op in inserted]
    assert client.get("/api/v1/sources/hostile/").json()["name"] == source_name(payload)
    listed = client.get("/api/v1/articles/", {"source": "hostile"})
    assert listed["Content-Type"] == "application/json"
    assert json.loads(listed.content)["results"] == [data]
