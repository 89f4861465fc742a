"""Every feed names an XSLT stylesheet (static/feeds/feed.xsl) that makes a readable page of it: applied here
with libxslt (lxml)."""

import re
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
from lxml import etree, html
from pytest_django import Settings

from articles.models import Article, Source
from articles.tests.support import add_version

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
