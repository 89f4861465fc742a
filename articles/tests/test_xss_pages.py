"""Payloads on every HTML page a reader can reach (lists, the article, its versions and diffs, search, with
parameters of any name carried into the page's links), in compare's redirects and on error pages, a stored
javascript: URL, odd text typed into parameters, and bidi controls isolated from the page around them; each
page judged by ``inert`` (xss_support.py)."""

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from lxml import etree

from articles.models import Article, Source, Version
from articles.tests.support import T0, add_version
from articles.tests.xss_support import (
    JS,
    MARK,
    PAYLOADS,
    byline,
    headline,
    inert,
    source_name,
    store_payload_article,
    text_of,
)

pytestmark = pytest.mark.django_db


NOW = T0 + timedelta(hours=5)


# --- every surface, for every payload ---------------------------------------------------------------------


def html_pages(article: Article, payload: str) -> Iterator[tuple[str, list[str]]]:
    """(path, texts the page must show literally) for each HTML page a reader can reach."""
    pk, title = article.pk, headline(payload)
    yield "/", [title, source_name(payload)]
    yield "/?view=biggest", [title]
    yield "/?view=biggest&period=week&source=hostile", [title]
    yield "/sources/", [source_name(payload)]
    yield "/sources/hostile/", [title, source_name(payload)]
    yield f"/articles/{pk}/", [title, article.url]
    yield f"/articles/{pk}/?all=1", [title]
    yield f"/articles/{pk}/versions/1/", [title, byline(payload), f"Second zebra {payload}.", payload]
    yield f"/articles/{pk}/versions/0/", ["Ordinary zebra headline"]
    yield f"/articles/{pk}/diff/0/1/", [title, byline(payload), payload]
    yield f"/articles/{pk}/diff/0/1/?view=inline", [payload]
    yield f"/articles/{pk}/diff/0/1/?show=changes", [title, payload]
    yield "/search/?q=zebra", [title]
    # Parameters of any name are carried into the page's own links (view toggles, pagers), encoded.
    yield f"/articles/{pk}/diff/0/1/?view=side&x={quote(payload)}&{quote(payload)}=1", [title]
    yield f"/?after={quote(payload)}&{quote(payload)}=1", [title]
    yield f"/search/?q={quote(payload)}", [payload[:200].strip()]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_pages_show_payloads_as_text(client: Client, payload: str) -> None:
    article = store_payload_article(payload)
    for path, texts in html_pages(article, payload):
        with time_machine.travel(NOW, tick=False):
            response = client.get(path)
        assert response.status_code == 200, path
        page = inert(response.content)
        for text in texts:
            assert text in text_of(page), (path, text)
    article_page = inert(client.get(f"/articles/{article.pk}/").content)
    assert article_page.findtext(".//h1") == headline(payload)
    assert article_page.findtext(".//title") == f"{headline(payload)} · newsdiffs"
    (original,) = article_page.xpath('//dt[.="Original"]/following-sibling::dd[1]/a')
    assert (original.get("href"), original.text) == (article.url, article.url)
    version = inert(client.get(f"/articles/{article.pk}/versions/1/").content)
    assert [p.text_content() for p in version.xpath('//div[@class="body"]/p')] == Version.objects.get(
        article=article, number=1
    ).paragraphs
    diff = inert(client.get(f"/articles/{article.pk}/diff/0/1/?view=side").content)
    assert diff.xpath('string(//div[@class="row title"]/div[contains(@class, "new")])') == headline(payload)
    assert payload in [
        cell.text_content() for cell in diff.xpath('//div[@role="row"]/div[contains(@class, "new")]')
    ]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_compare_and_error_pages_keep_payloads_out(client: Client, payload: str) -> None:
    article = store_payload_article(payload)
    pk = article.pk
    # compare redirects within the site only, whatever the parameters carry
    redirects = {
        f"a={quote(payload)}&b=1": f"/articles/{pk}/",
        "a=0&b=1": f"/articles/{pk}/diff/0/1/",
        "a=1&b=1": f"/articles/{pk}/versions/1/",
    }
    for query, target in redirects.items():
        response = client.get(f"/articles/{pk}/compare/?{query}")
        assert (response.status_code, response["Location"]) == (302, target)
    for path in (
        f"/articles/{pk}/versions/9/",
        f"/articles/{pk}/diff/1/0/",
        f"/{quote(payload)}/",
        "/sources/x/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert MARK not in text_of(inert(response.content))
    Article.objects.filter(pk=pk).update(status=Article.Status.REMOVED)
    for path in (f"/articles/{pk}/", f"/articles/{pk}/versions/1/", f"/articles/{pk}/diff/0/1/"):
        response = client.get(path)
        assert response.status_code == 410
        assert MARK not in text_of(inert(response.content))


def test_a_stored_javascript_url_is_never_a_link(client: Client) -> None:
    """Only http and https URLs can be tracked, but rows written some other way (an old import, a shell)
    must not turn into script links: the pages show such a URL as text only."""
    urls = (f" JavaScript:{JS}//https://news.example/", f"java\tscript:{JS}", f"data:text/html,{JS}")
    for n, url in enumerate(urls):
        source = Source.objects.create(name="S", slug=f"s{n}", homepage=url)
        article = Article.objects.create(url=url, source=source)
        add_version(article, 0, "Headline", ["Text."])
        for path in (f"/articles/{article.pk}/", f"/sources/s{n}/"):
            page = inert(client.get(path).content)
            assert MARK in text_of(page), path  # shown, as text


@pytest.mark.parametrize("text", ["\x00", "zebra\x00", "\x1b[0m", "%00", "'", "\\", ":*|!&(", "\ufffd"])
def test_odd_text_in_parameters_gets_an_answer(client: Client, text: str) -> None:
    """What is typed into a search or a filter reaches the database as text it can hold (Postgres text has
    no NUL): an answer, never a 500, and the text shown back is inert."""
    store_payload_article(PAYLOADS["script"])
    for path in ("/search/", "/"):
        for name in ("q", "source"):
            response = client.get(path, {name: text})
            assert response.status_code == 200, (path, name)
            inert(response.content)
    for kind in ("rss", "atom"):
        assert etree.fromstring(client.get(f"/search/feed.{kind}", {"q": text}).content) is not None
    assert client.get("/api/v1/articles/", {"source": text}).json()["results"] == []


def test_bidi_controls_are_isolated_from_the_page_around_them(client: Client) -> None:
    """An unclosed right-to-left override in a headline would reverse what follows it on the same line (the
    source, the time, "v1"): where a headline or source name runs on inline, it is isolated in <bdi>."""
    payload = PAYLOADS["bidi"]
    article = store_payload_article(payload)
    spots = {
        "/": ['//a[@class="headline"]', '//li/span[@class="meta"]'],
        "/search/?q=zebra": ['//ol[@class="results"]/li/a', '//ol[@class="results"]/li/span[@class="meta"]'],
        f"/articles/{article.pk}/diff/0/1/": ['//p[@class="crumbs"]/a'],
        f"/articles/{article.pk}/": ['//table[@class="versions"]//td[strong]'],
    }
    for path, containers in spots.items():
        with time_machine.travel(NOW, tick=False):
            page = inert(client.get(path).content)
        for container in containers:
            (element,) = page.xpath(container)
            isolated = [bdi.text_content() for bdi in element.iter("bdi")]
            assert any("\u202e" in text for text in isolated), (path, container)
            outside = element.text_content()
            for text in isolated:
                outside = outside.replace(text, "")
            assert "\u202e" not in outside, (path, container)
