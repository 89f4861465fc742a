"""The real check path: payloads fetched from a page served on 127.0.0.1 (whose own script extraction drops)
are stored as the page's text and shown as text on the pages, feeds, API and admin."""

from urllib.parse import urlsplit

import httpx
import pytest
from django.test import Client
from lxml import html as lxml_html

from articles.checking import run_check
from articles.models import Article, Version
from articles.normalising import normalise_text
from articles.tests.support import LocalSite, article_html
from articles.tests.xss_support import JS, MARK, PAYLOADS, feed_entries, inert, text_of

pytestmark = pytest.mark.django_db


# --- the real check path: a page served on 127.0.0.1 ------------------------------------------------------


def hostile_page(payloads: list[str], edit: str = "") -> str:
    """An article page whose text, once parsed, is the payloads themselves (they are escaped in its HTML);
    it also carries live script and handlers of its own, which extraction must not keep."""
    escaped = [payload_html(p) for p in payloads]
    page = article_html(
        f"zebra {escaped[0]}", [*escaped, f"Closing zebra line{edit}."], byline=f"By {escaped[1]}"
    )
    return page.replace(
        "<article>", f'<article onmouseover="{JS}"><script>{JS}</script><img src=x onerror="{JS}">'
    )


def payload_html(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def test_payloads_fetched_from_a_page_are_shown_as_text(
    client: Client, local_site: LocalSite, staff_client: Client
) -> None:
    payloads = list(PAYLOADS.values())
    path = f'/x?q="><script>{JS.replace(",", ";")}</script>&lang=en'
    article, _ = Article.objects.track(local_site.url(path))
    assert urlsplit(article.url).query == urlsplit(path).query  # stored as typed
    requested = httpx.URL(article.url).raw_path.decode()  # what goes on the wire: " < > percent-encoded
    local_site.serve(requested, hostile_page(payloads))
    assert str(run_check(article)) == "new version 0", [r[0] for r in local_site.requests]
    local_site.serve(requested, hostile_page(payloads, edit=" now edited"))
    assert str(run_check(article)) == "new version 1"
    v1 = Version.objects.get(article=article, number=1)
    assert v1.title.startswith("zebra <script>")  # what the page said, not its markup
    # As every text is stored: NFC, no invisible characters; the parser itself drops most C0 controls.
    stored = [normalise_text(p) for p in payloads]
    assert list(PAYLOADS)[-1] == "controls"
    assert v1.paragraphs[: len(stored) - 1] == stored[:-1]
    assert v1.paragraphs[len(stored) - 1].endswith(f"<script>{JS}</script> \x9b{MARK}")  # "controls"
    assert not any(MARK in p for p in v1.paragraphs[len(stored) :])  # the page's own script was dropped
    article.refresh_from_db()
    pk = article.pk
    for path in (f"/articles/{pk}/", f"/articles/{pk}/versions/1/", f"/articles/{pk}/diff/0/1/",
                 f"/articles/{pk}/diff/0/1/?view=inline", "/search/?q=zebra", "/"):  # fmt: skip
        page = inert(client.get(path).content)
        assert v1.title in text_of(page), path
    version = inert(client.get(f"/articles/{pk}/versions/1/").content)
    assert [p.text_content() for p in version.xpath('//div[@class="body"]/p')] == v1.paragraphs
    assert version.findtext(".//h1") == v1.title
    for kind in ("rss", "atom"):
        _title, (entry,) = feed_entries(client.get(f"/articles/{pk}/feed.{kind}").content)
        assert entry["title"] == f"v1: {v1.title}"
        inert(lxml_html.fragment_fromstring(entry["content"], create_parent="div"))
    data = client.get(f"/api/v1/articles/{pk}/versions/1/").json()
    assert (data["title"], data["byline"], data["paragraphs"]) == (v1.title, v1.byline, v1.paragraphs)
    assert client.get(f"/api/v1/articles/{pk}/").json()["url"] == article.url
    inert(staff_client.get(f"/admin/articles/article/{pk}/change/"), admin=True)
