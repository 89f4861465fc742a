"""A real browser: no payload runs in Chromium, the Content-Security-Policy ignored, on any page that shows
them."""

from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Dialog

from articles.models import Article
from articles.tests.support import chromium, needs_chromium
from articles.tests.xss_support import MARK, PAYLOADS, scheme_of, store_payload_article

pytestmark = pytest.mark.django_db


# --- a real browser: nothing runs -------------------------------------------------------------------------


@pytest.fixture
def browser_article(transactional_db: None) -> Article:
    combined = " ".join(PAYLOADS.values())
    return store_payload_article(combined)


@needs_chromium
@pytest.mark.once
def test_no_payload_runs_in_a_browser(live_server: Any, browser_article: Article) -> None:
    """Chromium, with the Content-Security-Policy ignored (bypass_csp): escaping alone must keep every payload
    inert, whatever header the site sends."""
    pk = browser_article.pk
    title = browser_article.title
    paths = [
        f"/articles/{pk}/", f"/articles/{pk}/versions/1/", f"/articles/{pk}/diff/0/1/",
        f"/articles/{pk}/diff/0/1/?view=inline", "/search/?q=zebra", f"/search/?q={quote(title[:200])}",
    ]  # fmt: skip
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True, java_script_enabled=True)
        page = context.new_page()
        dialogs: list[str] = []

        def on_dialog(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            page.mouse.move(200, 200)
            for _ in range(5):  # focus whatever takes focus, for handlers that would need it
                page.keyboard.press("Tab")
            found = page.evaluate(
                """() => ({
                    ran: window.__xss !== undefined,
                    payloadElements: document.querySelectorAll(
                        'script:not([src="/static/js/local-times.js"]), img, svg, iframe, math, style, b, ' +
                        'object, embed, textarea').length,
                    handlers: [...document.querySelectorAll('*')].flatMap(
                        e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => a.name)),
                    links: [...document.querySelectorAll('[href], [src]')].map(e => e.href || e.src),
                    h1: (document.querySelector('h1') || {}).textContent,
                    text: document.body ? document.body.innerText : document.documentElement.textContent,
                })"""
            )
            assert not found["ran"], path
            assert found["payloadElements"] == 0, path
            assert found["handlers"] == [], path
            assert not [link for link in found["links"] if scheme_of(link) not in ("http", "https")], path
            if "/search/" not in path:
                assert found["h1"] == title or found["h1"].startswith("Changes from"), (path, found["h1"])
            assert MARK in found["text"], path
        assert dialogs == []
        context.close()
