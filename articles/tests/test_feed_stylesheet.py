"""Every feed names an XSLT stylesheet (static/feeds/feed.xsl) that makes a readable page of it: applied here
with libxslt (lxml), and in a real browser (Debian's Chromium, which still applies XSLT) to the feed served
as XML."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
from lxml import etree, html
from playwright.sync_api import Browser
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from articles.models import Article, Source
from articles.tests.support import add_version, axe_core, chromium, needs_chromium

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
STYLESHEET = Path(settings.BASE_DIR) / "static" / "feeds" / "feed.xsl"
# Every kind of feed in both formats, the search feed also under its address without a suffix (Atom).
FEEDS = [
    "/articles/{article}/feed.atom",
    "/articles/{article}/feed.rss",
    "/sources/daily/feed.atom",
    "/sources/daily/feed.rss",
    "/feeds/changes.atom",
    "/feeds/changes.rss",
    "/feeds/headlines.atom",
    "/feeds/headlines.rss",
    "/search/feed?q=bridge",
    "/search/feed.atom?q=bridge",
    "/search/feed.rss?q=bridge",
]
PI = re.compile(
    rb'<\?xml version="1\.0" encoding="utf-8"\?>\s*<\?xml-stylesheet ([^?]*)\?>\s*<(feed|rss)[ >]'
)


def make_article() -> Article:
    source = Source.objects.create(name="The Daily Test", slug="daily")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Monday.", "Crowds came."])
    add_version(article, 2, f"Mayor closes bridge {HOSTILE}", ["It opened on Monday.", "Closed."])
    add_version(article, 3, "Mayor closes bridge", ["It opened on Monday.", "Closed.", "Update: reopened."])
    return article


@pytest.fixture
def article(db: None) -> Article:
    return make_article()


@pytest.fixture
def transform() -> etree.XSLT:
    return etree.XSLT(etree.parse(STYLESHEET))


def styled(client: Client, transform: etree.XSLT, path: str) -> html.HtmlElement:
    """The page the stylesheet makes of the feed the site serves at ``path``, as a browser would read it."""
    response = client.get(path)
    assert response.status_code == 200, response.content
    result = transform(etree.fromstring(response.content))
    return html.fromstring(str(result))


@pytest.mark.django_db
@pytest.mark.parametrize("path", FEEDS)
def test_every_feed_names_the_stylesheet_and_stays_a_valid_feed(
    client: Client, article: Article, path: str
) -> None:
    response = client.get(path.format(article=article.pk))
    assert response.status_code == 200
    # Right after the XML declaration, before the root element, as a processing instruction must be.
    match = PI.match(response.content)
    assert match, response.content[:200]
    root = etree.fromstring(response.content)  # well-formed: lxml refuses anything else
    instruction = root.getprevious()
    assert isinstance(instruction, etree._ProcessingInstruction)
    assert instruction.target == "xml-stylesheet"
    assert instruction.get("href") == static("feeds/feed.xsl") == "/static/feeds/feed.xsl"
    assert instruction.get("type") == "text/xsl"
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if ".rss" in path else "atom10")
    assert parsed.entries


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_the_stylesheet_makes_a_page_saying_how_to_subscribe(
    client: Client, article: Article, transform: etree.XSLT, kind: str
) -> None:
    path = f"/articles/{article.pk}/feed.{kind}"
    page = styled(client, transform, path)
    assert page.findtext(".//title") == "Changes to “Mayor closes bridge” (feed) · newsdiffs"
    assert page.findtext(".//h1") == "Changes to “Mayor closes bridge”"
    assert "This is a feed" in page.findtext(".//p[@class='notice']", default="")
    assert page.findtext(".//code[@class='feed-address']") == f"http://testserver{path}"
    about = page.xpath("//main/p[a]")[0]
    assert (
        about.text_content().split(". Back")[0]
        == "Every change newsdiffs has recorded to http://127.0.0.1/story"
    )
    assert about.find("a").get("href") == f"http://testserver/articles/{article.pk}/"
    entries = page.xpath("//ul[@class='feed-entries']/li")
    base = f"http://testserver/articles/{article.pk}/diff"
    assert [(li.find("a").get("href"), li.find("a").text_content()) for li in entries] == [
        (f"{base}/2/3/", "v3: Mayor closes bridge"),
        (f"{base}/1/2/", f"v2: Mayor closes bridge {HOSTILE}"),  # as text, shown as written
        (f"{base}/0/1/", "v1: Mayor opens bridge"),
    ]
    times = [li.find("time") for li in entries]
    assert [t.get("datetime") for t in times][-1] == "2026-11-20T10:30:00+00:00"
    assert [t.text for t in times][-1] == "20 Nov 2026, 10:30 UTC"
    assert entries[0].text_content().endswith("+2/−0 words · 1 paragraph added")
    assert entries[2].text_content().endswith("+1/−1 words · 1 paragraph changed")
    # The stylesheet and the icon it names are the site's own, and are there.
    assert page.xpath("//link[@rel='stylesheet']/@href") == [static("css/site.css")]
    assert page.xpath("//link[@rel='icon']/@href") == [static("favicon.svg")]


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_hostile_text_comes_out_as_text(client: Client, db: None, transform: etree.XSLT, kind: str) -> None:
    """Headlines and the search are the page's and the reader's words: escaped, never markup or script."""
    article = Article.objects.create(url="http://127.0.0.1/x")
    add_version(article, 0, HOSTILE, [HOSTILE], byline=HOSTILE)
    add_version(article, 1, HOSTILE + " now", [HOSTILE + " now"], byline=HOSTILE)
    query = f"{HOSTILE} & &amp; 'now'"
    search = f"/search/feed.{kind}?q={quote(query)}"
    for path in (f"/articles/{article.pk}/feed.{kind}", search):
        response = client.get(path)
        serialised = str(transform(etree.fromstring(response.content)))
        assert "<script" not in serialised
        assert "<img" not in serialised
        page = html.fromstring(serialised)
        assert not page.xpath("//script | //img | //iframe | //object | //embed | //style | //@style")
        assert not page.xpath("//@*[starts-with(name(), 'on')]")
        assert all(href.startswith(("http://testserver/", "/", "#")) for href in page.xpath("//@href"))
    assert page.findtext(".//h1") == f"Changes to articles matching “{query}”"
    about = page.xpath("//main/p[a]")[0].text_content()
    assert about.startswith(f"Changes to articles whose headline or text matches “{query}”. Back")
    article_page = styled(client, transform, f"/articles/{article.pk}/feed.{kind}")
    assert article_page.xpath("//ul[@class='feed-entries']/li/a")[0].text_content() == f"v1: {HOSTILE} now"


@pytest.mark.django_db
def test_an_empty_feed_says_so(client: Client, transform: etree.XSLT) -> None:
    page = styled(client, transform, "/feeds/changes.rss")
    assert page.findtext(".//p[@class='empty']") == "No entry yet."
    assert not page.xpath("//ul")


def test_the_stylesheet_runs_nothing_and_unescapes_nothing() -> None:
    """No script in the page it makes, and no way for the feed's text to become markup."""
    sheet = etree.parse(STYLESHEET)
    xsl = {"xsl": "http://www.w3.org/1999/XSL/Transform"}
    assert (
        sheet.xpath("//*[local-name() = 'script' or local-name() = 'style' or local-name() = 'iframe']") == []
    )
    assert sheet.xpath("//@*[starts-with(name(), 'on')] | //@style") == []
    assert sheet.xpath("//@disable-output-escaping") == []
    assert sheet.xpath("//xsl:copy-of | //xsl:copy | //xsl:import | //xsl:include", namespaces=xsl) == []
    assert "document(" not in STYLESHEET.read_text()


@pytest.mark.django_db
@pytest.mark.parametrize("static_path", ["feeds/feed.xsl", "css/site.css", "favicon.svg"])
def test_the_stylesheet_and_what_it_names_are_served(settings: Settings, static_path: str) -> None:
    settings.WHITENOISE_USE_FINDERS = True
    response = Client().get(static(static_path))
    response.close()  # a file response holds the file open until closed
    assert response.status_code == 200
    if static_path.endswith(".xsl"):
        assert response["Content-Type"] == "application/xslt+xml"


def test_a_client_asking_for_xml_gets_the_feed_labelled_as_xml(client: Client, article: Article) -> None:
    """Chromium downloads application/atom+xml and application/rss+xml; labelled as XML, the feed is shown,
    through its stylesheet."""
    for kind, own in (("atom", "application/atom+xml"), ("rss", "application/rss+xml")):
        path = f"/articles/{article.pk}/feed.{kind}"
        as_feed = client.get(path)
        for accept, label in (
            ("application/xml", "application/xml"),
            ("text/xml", "text/xml"),
            ("application/xml, text/xml;q=0.5", "application/xml"),
            # feedparser's own: a reader gets the feed's own type, as does anyone accepting anything.
            (feedparser.http.ACCEPT_HEADER, own),
            ("*/*", own),
            (f"{own}, application/xml;q=0.9", own),
            ("application/json", own),
        ):
            response = client.get(path, HTTP_ACCEPT=accept)
            assert response["Content-Type"] == f"{label}; charset=utf-8", accept
            assert response.content == as_feed.content
            assert "Accept" in response["Vary"]
        assert as_feed["Content-Type"] == f"{own}; charset=utf-8"


# In a real browser ----------------------------------------------------------------------------------------

# Chromium puts a banner of its own on every page XSLT made (the feature is deprecated), styled inline and
# closed by an inline handler: the site's policy refuses those, and the browser says so on the console.
CHROMIUMS_OWN_BANNER = ("Applying inline style violates", "Executing inline event handler violates")


@pytest.fixture
def browser_article(transactional_db: None) -> Article:
    return make_article()


@pytest.fixture
def browser(browser_article: Article) -> Iterator[Browser]:
    with chromium() as browser:  # after the data (support.chromium)
        yield browser


@needs_chromium
@pytest.mark.once
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_browser_asking_for_xml_shows_the_styled_page(
    browser: Browser, live_server: LiveServer, browser_article: Article, width: int, kind: str
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    if not page.evaluate("typeof XSLTProcessor === 'function'"):
        pytest.skip("this Chromium applies no XSLT any more (deprecated; 156 still did)")
    url = f"{live_server.url}/articles/{browser_article.pk}/feed.{kind}"
    # A navigation asks for HTML first, whatever extra headers say: the feed's request is rewritten.
    page.route(
        url, lambda route: route.continue_(headers={**route.request.headers, "accept": "application/xml"})
    )
    console: list[str] = []
    problems: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: problems.append(str(error)))

    response = page.goto(url)
    assert response is not None
    assert response.headers["content-type"] == "application/xml; charset=utf-8"  # the feed, not feed_page
    assert page.locator("h1").inner_text() == "Changes to “Mayor closes bridge”"
    assert page.title() == "Changes to “Mayor closes bridge” (feed) · newsdiffs"
    assert page.locator("code.feed-address").inner_text() == url
    links = page.locator("main .feed-entries a")
    assert links.all_inner_texts() == [
        "v3: Mayor closes bridge",
        f"v2: Mayor closes bridge {HOSTILE}",
        "v1: Mayor opens bridge",
    ]
    assert page.locator("main script, main img").count() == 0
    # site.css applied: only it makes the header a flex row and gives the content its measure.
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"
    assert page.locator("main").evaluate("e => getComputedStyle(e).maxWidth") != "none"
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows sideways
    assert links.first.is_visible()

    # Only Chromium's banner was refused; nothing of the page's own was, and nothing failed to load.
    refused = [line for line in console if "Content Security Policy" in line]
    assert all(any(own in line for own in CHROMIUMS_OWN_BANNER) for line in refused), refused
    assert [line for line in console if line.startswith("error:") and line not in refused] == []
    ours = (
        "[...document.querySelectorAll('[style], [onclick]')].filter(e => !e.closest('xslt-warning-banner'))"
    )
    assert page.evaluate(f"{ours}.length") == 0
    assert problems == []

    diff = f"{live_server.url}/articles/{browser_article.pk}/diff"
    assert links.last.evaluate("a => a.href") == f"{diff}/0/1/"  # an entry leads to its diff
    page.evaluate(
        axe_core()
    )  # evaluated by the browser's tooling, so the site's script-free policy allows it
    # The page's own content; Chromium's banner is not the site's to fix.
    found = page.evaluate("axe.run({exclude: [['xslt-warning-banner']]}, {resultTypes: ['violations']})")
    serious = [(v["id"], v["help"]) for v in found["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    page.close()
