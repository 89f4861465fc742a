"""Payloads on the pages staff use: the admin's lists and forms, and the track form, which gives back what was
typed as text; each page judged by ``inert`` (xss_support.py)."""

from urllib.parse import quote

import pytest
from django.test import Client

from articles.models import Article
from articles.tests.xss_support import (
    JS,
    PAYLOADS,
    byline,
    headline,
    inert,
    source_name,
    store_payload_article,
    text_of,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_admin_pages_show_payloads_as_text(staff_client: Client, payload: str) -> None:
    article = store_payload_article(payload)
    version = article.versions.get(number=1)
    for path, texts in (
        ("/admin/articles/article/", [headline(payload)]),
        (f"/admin/articles/article/?q={quote(payload)}", [payload]),
        (f"/admin/articles/article/{article.pk}/change/", [headline(payload), article.url]),
        ("/admin/articles/version/", [headline(payload)]),
        (f"/admin/articles/version/{version.pk}/change/", [headline(payload), byline(payload)]),
        ("/admin/articles/source/", [source_name(payload)]),
        (f"/admin/articles/source/{article.source_id}/change/", [source_name(payload)]),
    ):
        response = staff_client.get(path)
        assert response.status_code == 200, path
        page = inert(response, admin=True)
        for text in texts:
            assert text in text_of(page), (path, text)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_the_track_form_gives_back_what_was_typed_as_text(staff_client: Client, payload: str) -> None:
    prefilled = inert(staff_client.get(f"/track/?url={quote(payload)}").content)
    assert prefilled.xpath('//input[@name="url"]/@value') == [payload]
    refused = inert(staff_client.post("/track/", {"url": payload}).content)
    assert refused.xpath('//input[@name="url"]/@value') == [payload]
    assert refused.xpath('//ul[@id="id_url_error"]/li')
    assert Article.objects.count() == 0


def test_a_tracked_url_with_markup_in_its_query_is_shown_as_text(staff_client: Client) -> None:
    url = f'https://news.example/x?q="><script>{JS.replace(",", ";")}</script>'
    response = staff_client.post("/track/", {"url": url}, follow=True)
    article = Article.objects.get()
    page = inert(response.content)
    assert page.xpath('//ul[@class="messages"]/li/text()') == [
        f"Now tracking {article.url}. Its first check is queued."
    ]
    assert "<script>" in article.url
    assert page.findtext(".//h1") == article.url  # no headline yet: the URL stands in, as text
