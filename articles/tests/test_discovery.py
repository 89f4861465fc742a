"""Discovery: feeds and section pages of a local site become tracked articles, once per article."""

from typing import cast

import pytest
from django.test import Client
from pytest_django import Settings

from articles import discovery
from articles.fetching import FetchResult
from articles.models import Article, Source
from articles.tasks import discover_sources
from articles.tests.support import LocalSite

pytestmark = pytest.mark.django_db


def rss(site: LocalSite, links: list[str]) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>{link}</link></item>" for i, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test News</title>'
        f"<link>{site.url('/')}</link><description>d</description>{items}</channel></rss>"
    )


def atom(links: list[str]) -> str:
    entries = "".join(
        f"<entry><title>S{i}</title><id>urn:s{i}</id><updated>2026-11-26T10:00:00Z</updated>"
        f'<link href="{link}"/></entry>'
        for i, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        f"<id>urn:feed</id><updated>2026-11-26T10:00:00Z</updated>{entries}</feed>"
    )


@pytest.fixture
def source(local_site: LocalSite) -> Source:
    site = local_site
    rss_links = [
        site.url("/news/bridge-to-close?utm_source=rss&utm_medium=feed"),
        site.url("/news/council-vote"),
        site.url("/news/live/election-results"),  # a live blog
        site.url("/video/bridge-drone-footage"),
    ]
    site.serve("/rss.xml", rss(site, rss_links), headers={"Content-Type": "application/rss+xml"})
    site.serve(
        "/atom.xml",
        atom([site.url("/news/council-vote#comments"), site.url("/news/new-mayor?fbclid=abc")]),
        headers={"Content-Type": "application/atom+xml; charset=utf-8"},
    )
    site.serve(
        "/world",
        '<html><body><nav><a href="/about">About</a><a href="/world">World</a></nav>'
        '<a href="/news/bridge-to-close">Bridge</a><a href="news/ignored-relative">x</a>'
        '<a href="/news/flood-warning?utm_campaign=x">Flood</a><a href="/gallery/floods">Photos</a>'
        '<a href="https://elsewhere.example/news/other-site">Other site</a><a href="mailto:x@y">Mail</a>'
        "</body></html>",
    )
    return Source.objects.create(
        name="Local News",
        slug="local",
        homepage=site.url("/"),
        feed_urls=[site.url("/rss.xml"), site.url("/atom.xml")],
        section_urls=[site.url("/world")],
        link_pattern=r"/news/",
    )


def test_feeds_and_sections_become_articles_once(local_site: LocalSite, source: Source) -> None:
    Article.objects.track(local_site.url("/news/council-vote"))  # already tracked by hand
    result = discovery.discover(source)
    assert result.errors == []
    expected = {
        local_site.url(p) for p in ("/news/bridge-to-close", "/news/new-mayor", "/news/flood-warning")
    }
    expected.add(local_site.url("/news/ignored-relative"))  # a relative link, resolved against /world
    assert set(result.new) == expected
    assert Article.objects.filter(source=source).count() == len(expected)
    assert Article.objects.count() == len(expected) + 1
    assert not Article.objects.filter(url__contains="live").exists()
    assert not Article.objects.filter(url__contains="video").exists()
    assert not Article.objects.filter(url__contains="utm_").exists()
    # A second run finds the same links and adds nothing.
    again = discovery.discover(source)
    assert again.new == []
    assert again.seen == result.seen
    source.refresh_from_db()
    assert source.last_discovered_at is not None
    assert source.last_discovery_error == ""


def test_url_variants_in_one_run_are_one_candidate() -> None:
    class Page:
        def __init__(self, body: str, url: str) -> None:
            self.body, self.text, self.url = body.encode(), body, url

    source = Source(slug="s", homepage="https://news.example/", link_pattern="")
    html = (
        '<a href="https://news.example/a/story?utm_source=x">1</a><a href="http://www.news.example/a/story">2</a>'
        '<a href="https://m.news.example/a/story#top">3</a><a href="https://news.example/">home</a>'
    )
    # A stand-in with what candidate_urls reads of a fetched page.
    page = cast(FetchResult, Page(html, "https://news.example/s"))
    assert discovery.candidate_urls(source, [("section", page)]) == ["https://news.example/a/story"]


def test_an_unreachable_feed_is_reported_not_fatal(local_site: LocalSite, source: Source) -> None:
    source.feed_urls = [local_site.url("/missing.xml"), *source.feed_urls]
    source.save()
    result = discovery.discover(source)
    assert result.errors == [f"{local_site.url('/missing.xml')}: HTTP 404"]
    assert len(result.new) == 5
    source.refresh_from_db()
    assert "HTTP 404" in source.last_discovery_error


def test_a_deny_pattern_of_the_source_replaces_the_default(local_site: LocalSite, source: Source) -> None:
    source.deny_pattern = r"flood"
    source.link_pattern = ""
    source.save()
    urls = set(discovery.discover(source).new)
    assert local_site.url("/news/live/election-results") in urls  # no longer denied
    assert not any("flood" in u for u in urls)
    assert local_site.url("/about") in urls  # any link on the site, with no link pattern


def test_the_periodic_task_claims_due_sources_once(source: Source, settings: Settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    Source.objects.create(name="No feeds", slug="none")  # nothing to discover: never claimed
    claimed = Source.objects.claim_discovery(source.next_discovery_at, 10)
    assert claimed == [source.pk]
    assert Source.objects.claim_discovery(source.next_discovery_at, 10) == []  # not due again yet
    assert discover_sources() == 0


def test_the_source_page_says_how_its_articles_are_found(
    local_site: LocalSite, source: Source, client: Client
) -> None:
    page = client.get("/sources/local/").content.decode()
    assert "2 feeds and 1 section page read every 10 minutes; not read yet" in page
    source.feed_urls = [local_site.url("/missing.xml")]
    source.save()
    discovery.discover(source)
    page = client.get("/sources/local/").content.decode()
    assert "1 feed and 1 section page read every 10 minutes; last read" in page
    assert f"⚠ Last time: {local_site.url('/missing.xml')}: HTTP 404" in page
