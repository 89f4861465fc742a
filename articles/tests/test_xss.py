"""Text from the web is shown as text everywhere: headlines, bylines, paragraphs, URLs and source names that
carry markup, script, attribute breakouts, entities, template syntax or bidi controls come out literally on
every page, feed, API answer and admin page, and never as an element, an attribute or a link of their own.

Each page is parsed (lxml), not searched for substrings: no element may be one a payload would make, no
attribute an event handler or a javascript: URL, no attribute or comment may carry a payload's script
except where text belongs (a form field's value, a link to the article's own URL); and the payload must be
in the page's text exactly as stored, which is what shows it was escaped once and only once.
"""

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import time_machine
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from lxml import etree
from lxml import html as lxml_html
from playwright.sync_api import Dialog

from articles.checking import run_check
from articles.models import Article, Source, Version
from articles.normalising import normalise_text
from articles.tests.support import (
    T0,
    LocalSite,
    add_version,
    article_html,
    chromium,
    needs_chromium,
    text_at,
)

pytestmark = pytest.mark.django_db

NOW = T0 + timedelta(hours=5)
# What every payload runs if it ever runs: the browser test looks for both.
JS = "window.__xss=1,alert(1)"
MARK = "__xss"
PAYLOADS = {
    "script": f"<script>{JS}</script>",
    "img-onerror": f"<img src=x onerror={JS}>",
    "attr-breakout-double": f'" onmouseover="{JS}" data-x="',
    "attr-breakout-single": f"' onfocus='{JS}' autofocus x='",
    "javascript-url": f"javascript:{JS}",
    "link": f'<a href="javascript:{JS}">click</a>',
    "entities": f"&lt;script&gt;{JS}&lt;/script&gt; &#60;img src=x onerror={JS}&#62;",
    "textarea-close": f"</textarea><script>{JS}</script>",
    "title-close": f"</title><svg onload={JS}>",
    "svg": f"<svg><script>{JS}</script></svg>",
    "iframe": f'<iframe srcdoc="<script>{JS}</script>"></iframe>',
    "math": f"<math><mtext></p><script>{JS}</script>",
    "comment": f"<!--<script>{JS}//-->",
    "style": f"<style>*{{background:url(javascript:{JS})}}</style>",
    "cdata": f"]]><script>{JS}</script><![CDATA[",
    "template-syntax": "{{ request.user }}{% csrf_token %}{{ 7|add:7 }}{% if 1 %}" + MARK + "{% endif %}",
    "bidi": f"\u202e<b onclick={JS}>gpj.exe\u202c \u2066\u2067\u200f{MARK}\u2069",
    # Controls no XML can hold, and C1 ones: a feed must still be XML, a page still show the rest.
    "controls": f"\x1b[31m\x08<script>{JS}</script>\x0c\x7f\x85\x9b{MARK}",
}
# Elements a payload would make if it were read as markup; none of the site's pages has any of them.
PAYLOAD_TAGS = {
    "script",
    "img",
    "svg",
    "iframe",
    "math",
    "mtext",
    "style",
    "b",
    "textarea",
    "object",
    "embed",
}
# Attributes whose value is text (or the article's own URL, checked for its scheme): where payload text may
# stand in an attribute, e.g. what was typed in a field, a feed link's title, the admin's checkbox labels, a
# diff page's description for link previews (a <meta>'s content).
TEXT_ATTRIBUTES = {"value", "title", "aria-label", "alt", "placeholder", "href", "content"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "data", "xlink:href"}


SITE_SCRIPT = "/static/js/local-times.js"


def inert(page: Any, *, admin: bool = False) -> Any:
    """Assert that no element, attribute or comment of ``page`` (bytes, or a parsed tree) came from a
    payload; return the tree. The admin's own scripts and icons are the only elements of those kinds."""
    if isinstance(page, HttpResponse):
        page = page.content.decode(page.charset)  # the admin declares its charset in the header only
    tree = lxml_html.fromstring(page) if isinstance(page, bytes | str) else page
    for node in tree.iter():
        if not isinstance(node.tag, str):  # a comment or processing instruction
            assert MARK not in (node.text or ""), etree.tostring(node)
            continue
        tag = node.tag.lower()
        if tag == "script" and node.get("src") == SITE_SCRIPT and not (node.text or "").strip():
            continue  # the site's one script, from its own file (times in the reader's zone)
        if tag in PAYLOAD_TAGS:
            # The site's pages have no other; the admin has its own scripts (from this site, no inline
            # code), icons and SVG, in none of which a payload may appear.
            assert admin, etree.tostring(node)[:200]
            assert MARK not in etree.tostring(node, encoding="unicode"), etree.tostring(node)[:200]
            src = node.get("src", "/")
            assert src.startswith("/"), src
            assert not src.startswith("//"), src
            if tag == "script":
                assert not (node.text or "").strip(), etree.tostring(node)[:200]
        for name, value in node.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), (tag, name, value)
            assert name not in ("srcdoc", "autofocus", "data-x", "x"), (tag, name)
            if name in URL_ATTRIBUTES:
                assert scheme_of(value) not in ("javascript", "data", "vbscript"), (tag, name, value)
            if MARK in value:
                assert name in TEXT_ATTRIBUTES, (tag, name, value)
                if name == "content":  # link previews' text (og:title), never a pragma such as a refresh
                    assert tag == "meta", (tag, value)
                    assert node.get("http-equiv") is None, etree.tostring(node)[:200]
    return tree


def scheme_of(url: str) -> str:
    """The scheme a browser reads in ``url``: after leading spaces and controls, with tabs and newlines
    dropped anywhere (so " java\tscript:" is javascript)."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(0x21))))
    found = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return found.group(1).lower() if found else ""


def text_of(tree: Any) -> str:
    text: str = tree.text_content()
    return text


# --- data -------------------------------------------------------------------------------------------------


def store_payload_article(payload: str) -> Article:
    """An article of a payload-named source whose URL, headline, byline and paragraphs carry ``payload``:
    v0 ordinary, v1 the headline and byline rewritten, a paragraph edited and one added."""
    source = Source.objects.create(
        name=source_name(payload), slug="hostile", homepage="https://news.example/"
    )
    article = Article.objects.create(
        url=f"https://news.example/story?q={payload}", source=source, first_seen_at=T0
    )
    add_version(article, 0, "Ordinary zebra headline", ["First stays.", "Second zebra."], byline="By Jane")
    add_version(
        article,
        1,
        headline(payload),
        ["First stays.", f"Second zebra {payload}.", payload],
        byline=byline(payload),
    )
    article.refresh_from_db()
    return article


def source_name(payload: str) -> str:
    return f"Source {payload}"[:200]  # the column's length


def headline(payload: str) -> str:
    return f"zebra {payload} headline"


def byline(payload: str) -> str:
    return f"By {payload}"


@pytest.fixture
def staff_client(django_user_model: type[User]) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("editor", is_staff=True, is_superuser=True))
    return client


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


def in_xml(text: str) -> str:
    """``text`` as a feed carries it: what XML 1.0 cannot hold (C0 controls but tab, newline and carriage
    return) is U+FFFD; everything else is there literally."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", text)


FEEDS = ("/articles/{pk}/feed", "/sources/hostile/feed", "/feeds/changes", "/feeds/headlines", "/search/feed")
ATOM = "{http://www.w3.org/2005/Atom}"


def feed_entries(xml: bytes) -> tuple[str, list[dict[str, str]]]:
    """The feed's title and, per entry, its title, link and HTML content, parsed from the XML as a reader
    would."""
    root = etree.fromstring(xml)
    if root.tag == "rss":
        channel = root.find("channel")
        assert channel is not None
        items = channel.findall("item")
        content = "{http://purl.org/rss/1.0/modules/content/}encoded"
        entries = [
            {"title": text_at(i, "title"), "link": text_at(i, "link"), "summary": text_at(i, "description"),
             "content": text_at(i, content)}
            for i in items
        ]  # fmt: skip
        return text_at(channel, "title"), entries
    entries = [
        {"title": text_at(e, f"{ATOM}title"), "link": e.findall(f"{ATOM}link")[0].get("href", ""),
         "summary": text_at(e, f"{ATOM}summary"), "content": text_at(e, f"{ATOM}content")}
        for e in root.findall(f"{ATOM}entry")
    ]  # fmt: skip
    return text_at(root, f"{ATOM}title"), entries


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
