"""The simulated newsroom: deterministic, realistic pages with churn and faults, and a truth to check a
tracker against — and the tracker itself checked against it, end to end."""

import time
from collections.abc import Iterator
from typing import Any

import feedparser
import httpx
import pytest

from articles import discovery
from articles.checking import run_check
from articles.extraction import extract
from articles.models import Article
from newsroom.management.commands.newsroom import register
from newsroom.scoring import score
from newsroom.server import NewsroomServer, serve
from newsroom.stories import TEMPLATES, text_key
from newsroom.world import Newsroom

# The tracker's storage is tested on both databases elsewhere; this file's subject is the newsroom.
pytestmark = pytest.mark.once


class Site:
    def __init__(self, room: Newsroom) -> None:
        self.room = room
        self.server: NewsroomServer
        self.server, _thread = serve(room)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.client = httpx.Client(base_url=self.base, timeout=60)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def truth(self, **params: str) -> dict[str, Any]:
        truth: dict[str, Any] = self.client.get("/_newsroom/truth.json", params=params).json()
        return truth

    def advance(self, seconds: float) -> None:
        self.client.post("/_newsroom/clock", params={"advance": str(seconds)})

    def close(self) -> None:
        self.client.close()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    running = Site(Newsroom(40, seed=5, faults=False))
    yield running
    running.close()


def test_the_world_is_deterministic() -> None:
    one, two, other = Newsroom(50, seed=9), Newsroom(50, seed=9), Newsroom(50, seed=10)
    assert one.truth(3600.0) == two.truth(3600.0)
    assert one.truth(3600.0) != other.truth(3600.0)


def test_every_template_reads_as_its_true_text_through_the_churn(site: Site) -> None:
    seen_templates = set()
    for entry in site.truth()["articles"][:12]:
        story = site.room.story(entry["id"])
        seen_templates.add(story.template)
        pages = [site.get(entry["path"]).text for _ in range(3)]
        assert len(set(pages)) == 3  # the chrome changes on every load
        for page in pages:
            extraction = extract(page, site.base + entry["path"])
            assert text_key(extraction.title, extraction.paragraphs) in entry["serving"]
            assert extraction.byline in (story.byline, story.byline.removeprefix("By "))
    assert seen_templates == set(TEMPLATES)


def test_edits_happen_as_the_clock_advances(site: Site) -> None:
    before = {a["id"]: a for a in site.truth()["articles"]}
    site.advance(4 * 24 * 3600)
    after = {a["id"]: a for a in site.truth()["articles"]}
    edited = [i for i in after if len(after[i]["texts"]) > len(before[i]["texts"])]
    assert len(edited) >= 5  # most stories came out the day before and were edited in their first hours
    kinds = {edit["kind"] for a in after.values() for edit in a["edits"]}
    assert {"headline", "insert", "words"} <= kinds
    story = after[edited[0]]
    page = site.get(story["path"]).text
    assert text_key(extract(page, "").title, extract(page, "").paragraphs) == story["serving"][-1]


def test_section_pages_and_feeds_list_the_newest_stories(site: Site) -> None:
    paths = [a["path"] for a in site.truth()["articles"]]
    for feed in ("/feeds/all.rss", "/feeds/all.atom"):
        parsed = feedparser.parse(site.get(feed).content)
        assert parsed.bozo == 0
        assert [e.link.removeprefix(site.base) for e in parsed.entries] == paths[::-1][:40]
    section = site.room.story(0).section
    assert paths[0] in site.get(f"/section/{section}/").text


def test_unchurned_pages_answer_conditional_gets() -> None:
    running = Site(Newsroom(12, seed=5, churn=False, faults=False))
    try:
        by_template: dict[str, str] = {}
        for entry in running.truth()["articles"]:
            by_template.setdefault(running.room.story(entry["id"]).template, entry["path"])
        first = running.get(by_template["broadsheet"])
        assert first.content == running.get(by_template["broadsheet"]).content
        again = running.get(by_template["broadsheet"], headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert "etag" not in running.get(by_template["wire"]).headers  # a template without validators
    finally:
        running.close()


def test_faults_are_served_as_promised() -> None:
    room = Newsroom(2000, seed=2)
    running = Site(room)
    try:
        running.advance(3 * 24 * 3600)  # every fault has started
        by_fault: dict[str, dict[str, Any]] = {}
        for entry in running.truth()["articles"]:
            by_fault.setdefault(entry["fault"], entry)
        assert running.get(by_fault["gone404"]["path"]).status_code == 404
        assert running.get(by_fault["gone410"]["path"]).status_code == 410
        moved = running.get(by_fault["moved"]["path"])
        assert (moved.status_code, moved.headers["location"]) == (301, by_fault["moved"]["path"] + "/")
        assert running.get(by_fault["binary"]["path"]).headers["content-type"] == "application/pdf"
        assert "iso-8859-1" in running.get(by_fault["charset"]["path"]).headers["content-type"]
        assert len(running.get(by_fault["huge"]["path"]).content) > 5 * 1024 * 1024
        statuses = {running.get(by_fault["error500"]["path"]).status_code for _ in range(3)}
        assert statuses == {200, 500}
    finally:
        running.close()


def test_ab_headlines_alternate_between_two_variants() -> None:
    room = Newsroom(400, seed=4, faults=False)
    running = Site(room)
    try:
        entry = next(a for a in running.truth()["articles"] if len(a["serving"]) == 2)
        keys = []
        for _ in range(4):
            page = running.get(entry["path"]).text
            extraction = extract(page, running.base + entry["path"])
            keys.append(text_key(extraction.title, extraction.paragraphs))
        assert set(keys) == set(entry["serving"])
    finally:
        running.close()


@pytest.mark.django_db
def test_the_tracker_records_every_edit_once_and_no_churn() -> None:
    """Discovery from the newsroom's feeds, then rounds of checks as its clock advances: every real edit
    is one version, chrome churn and A/B flips none, and faulty pages end up gone or failing."""
    room = Newsroom(60, seed=11)
    running = Site(room)
    try:
        source = register(running.base)
        # The feeds list the newest 50; the section pages the rest.
        assert len(discovery.discover(source).new) == 60
        steps = []
        for hours in (0, 0.5, 0.5, 1, 1, 2, 3, 6, 12, 24, 24, 48):
            running.advance(hours * 3600)
            steps.append(running.truth())
            for article in Article.objects.filter(status=Article.Status.ACTIVE):
                run_check(article)
        stored = {
            article.url.removeprefix(running.base): [
                text_key(v.title, v.paragraphs) for v in article.versions.order_by("number")
            ]
            for article in Article.objects.all()
        }
        result = score(steps, stored)
        assert result.problems == []
        assert (result.spurious, result.missed) == (0, 0)
        assert result.articles >= 55
        assert result.versions > result.articles  # edits were recorded, not just first versions
        faults = {a["path"]: a["fault"] for a in steps[-1]["articles"]}
        statuses = {faults[a.url.removeprefix(running.base)]: a.status for a in Article.objects.all()}
        assert statuses.get("gone404", Article.Status.GONE) == Article.Status.GONE
        assert statuses.get("binary", Article.Status.FAILING) == Article.Status.FAILING
    finally:
        running.close()


def test_rewrite_mode_serves_a_new_text_each_time_and_logs_what_it_served(site: Site) -> None:
    entry = site.truth()["articles"][3]
    site.client.post("/_newsroom/mode", params={"rewrite": "1", "churn": "0"})
    keys = []
    for _ in range(4):
        page = site.get(entry["path"]).text
        keys.append(text_key(extract(page, "").title, extract(page, "").paragraphs))
    assert len(set(keys)) == 4
    assert site.get("/_newsroom/served.json").json()[str(entry["id"])] == keys


def test_edition_mode_serves_one_text_per_edition_and_delay_holds_responses(site: Site) -> None:
    entry = site.truth()["articles"][5]

    def key_now() -> str:
        page = site.get(entry["path"]).text
        return text_key(extract(page, "").title, extract(page, "").paragraphs)

    site.client.post("/_newsroom/mode", params={"edition": "1"})
    first = {key_now() for _ in range(3)}
    site.client.post("/_newsroom/mode", params={"edition": "2", "delay": "0.3"})
    started = time.monotonic()
    second = {key_now() for _ in range(2)}
    assert time.monotonic() - started >= 0.6
    assert len(first) == 1
    assert len(second) == 1
    assert first != second
