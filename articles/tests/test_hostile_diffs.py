"""Hostile pages and clients against the diffs: no cache shared across articles, no free CPU, no markup in
the feeds' channel text.

Every diff (page, API, feed entry) comes from browsing.version_diff, bounded by the engine and cached under
a key naming the article, the versions and the engine's release; pages and the API count the diffs they
compute per client (articles/throttling.py)."""

import gc
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.db.models import F
from django.test import Client
from pytest_django import Settings

from articles.browsing import PAGE_ROWS, cached_rendering
from articles.diffing import MAX_LISTED_OPS
from articles.entries import diff_key
from articles.feeds import NOT_YET
from articles.models import Article, Source, Version
from articles.normalising import ArticleText
from articles.tests.support import T0, add_version, one, text_at

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def shared_cache(settings: Settings) -> Iterator[None]:
    """The cache the site runs with, Redis, where there is one (this test process's own database of it,
    emptied: rows are numbered from 1 again in each test database); else the per-test memory cache."""
    if django_settings.REDIS_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "newsdiffs.cache.ResilientRedisCache",
                "LOCATION": django_settings.REDIS_URL,
            }
        }
    cache.clear()
    yield
    cache.clear()


# --- no cache shared across articles --------------------------------------------------------------------

VICTIM = ("Fees rise", ["The fee of 102 dollars stays.", "Officials said so."])
VICTIM_EDIT = ["The fee of 103 dollars stays.", "Officials said so."]
# NFKC folds the superscripts to digits: the attacker's texts have the victim's content hashes.
ATTACKER = ("Fees rise", ["The fee of 10² dollars stays.", "Officials said so."])
ATTACKER_EDIT = ["The fee of 10³ dollars stays.", "Officials said so."]


def twins() -> tuple[Article, Article]:
    victim = Article.objects.create(url="http://127.0.0.1/victim")
    attacker = Article.objects.create(url="http://127.0.0.1/attacker")
    add_version(victim, 0, VICTIM[0], VICTIM[1])
    add_version(victim, 1, VICTIM[0], VICTIM_EDIT)
    add_version(attacker, 0, ATTACKER[0], ATTACKER[1])
    add_version(attacker, 1, ATTACKER[0], ATTACKER_EDIT)
    # The attacker's versions were fetched at other times: the version headers tell them apart too.
    Version.objects.filter(article=attacker).update(fetched_at=F("fetched_at") - timedelta(days=30))
    return victim, attacker


def diff_page(client: Client, article: Article, view: str) -> tuple[list[str], list[str]]:
    """The page's deleted and inserted words, and its version headers' times (side view only)."""
    page = BeautifulSoup(client.get(f"/articles/{article.pk}/diff/0/1/?view={view}").content, "lxml")
    changed = [tag.get_text() for tag in page.select(".diff del, .diff ins")]
    return changed, [str(time["datetime"]) for time in page.select(".diff .head time")]


def feed_changes(client: Client, article: Article, kind: str) -> list[str]:
    root = ET.fromstring(client.get(f"/articles/{article.pk}/feed.{kind}").content)
    if kind == "rss":
        content = text_at(root, "channel/item/{http://purl.org/rss/1.0/modules/content/}encoded")
    else:
        content = text_at(root, f"{ATOM}entry/{ATOM}content")
    return [tag.get_text() for tag in BeautifulSoup(content, "lxml").select("del, ins")]


def api_changes(client: Client, article: Article) -> list[str]:
    diff = client.get(f"/api/v1/articles/{article.pk}/diff/0/1/").json()
    return [s["text"] for op in diff["paragraphs"] for s in op["old"] + op["new"] if s["kind"] != "equal"]


def test_articles_whose_texts_fold_to_one_hash_each_get_their_own_diff(
    client: Client, shared_cache: None
) -> None:
    victim, attacker = twins()
    hashes = {
        tuple(a.versions.order_by("number").values_list("content_hash", flat=True))
        for a in (victim, attacker)
    }
    assert len(hashes) == 1  # the probe's premise: the texts fold alike
    # The attacker's diffs are seen (and cached) first, in every form; then the victim's.
    for article in (attacker, victim):
        for view in ("side", "inline"):
            diff_page(client, article, view)
        for kind in ("atom", "rss"):
            feed_changes(client, article, kind)
        api_changes(client, article)
    for article, (old, new), fetched in (
        (victim, ("102", "103"), T0),
        (attacker, ("10²", "10³"), T0 - timedelta(days=30)),
    ):
        changed, times = diff_page(client, article, "side")
        assert changed == [old, new]
        assert times == [fetched.isoformat(), (fetched + timedelta(hours=1)).isoformat()]
        assert diff_page(client, article, "inline")[0] == [old, new]
        assert feed_changes(client, article, "atom") == feed_changes(client, article, "rss") == [old, new]
        assert api_changes(client, article) == [old, new]


def test_cache_keys_name_the_article_the_versions_and_the_engine_release() -> None:
    victim, attacker = twins()
    keys = set()
    for article in (victim, attacker):
        old, new = article.versions.order_by("number")
        key = diff_key("page", old, new, "side", "all")
        assert f"article{article.pk}" in key
        assert f"v0.{old.pk}." in key
        assert f"v1.{new.pk}." in key
        keys.add(key)
    assert len(keys) == 2
    first, last = victim.versions.first(), attacker.versions.last()
    assert first is not None
    assert last is not None
    with pytest.raises(ValueError, match="one article"):
        diff_key("page", first, last)


# --- no free CPU -------------------------------------------------------------------------------------------

WORDS = 166_000  # "w1234 " is 6 characters: a megabyte


def hostile_pairs() -> dict[str, tuple[list[str], list[str]]]:
    words = [f"w{(i * 7919) % 5000}" for i in range(WORDS)]
    return {
        "40,000 short paragraphs, all changed": (
            [f"Item {i} costs {i * 3}." for i in range(40_000)],
            [f"Item {i} costs {i * 3 + 1}." for i in range(40_000)],
        ),
        "one 1 MB paragraph, every word changed": ([" ".join(words)], [" ".join(w + "x" for w in words)]),
    }


def store_pair(name: str) -> Article:
    old, new = hostile_pairs()[name]
    assert len(" ".join(old)) > 900_000
    article = Article.objects.create(url="http://127.0.0.1/hostile")
    for number, paragraphs in enumerate((old, new)):
        text = ArticleText("Headline", "By A", tuple(paragraphs))
        Version.objects.create(
            article=article, number=number, fetched_at=T0, title="Headline", byline="By A",
            plain_paragraphs=paragraphs, content_hash=text.content_hash, extractor="generic",
            extractor_version="1", kind="edit",
        )  # fmt: skip
    return article


def timed_get(client: Client, path: str) -> tuple[float, bytes]:
    """The request's CPU time and answer, without the cyclic garbage collector: a full collection of what
    earlier tests in this process left (millions of objects after the fuzzing) is theirs, not this
    request's."""
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        response = client.get(path)
        seconds = time.process_time() - start
    finally:
        gc.enable()
    assert response.status_code == 200, response.content[:500]
    return seconds, response.content


def cpu_seconds(client: Client, path: str) -> float:
    return timed_get(client, path)[0]


# The README's promise for a diff page, first render included; this machine is shared and slow, and the
# measured times (about half of it) leave room.
FIRST_RENDER_CPU_SECONDS = 1.0


@pytest.mark.parametrize("name", list(hostile_pairs()))
@pytest.mark.parametrize("surface", ["page", "api"])
def test_a_hostile_megabyte_pair_renders_within_a_second_and_then_from_the_cache(
    client: Client, shared_cache: None, name: str, surface: str
) -> None:
    small, _ = twins()  # a first request pays for imports and compiled templates, which a server has
    cpu_seconds(client, f"/articles/{small.pk}/diff/0/1/")
    cpu_seconds(client, f"/api/v1/articles/{small.pk}/diff/0/1/")
    article = store_pair(name)
    path = f"/articles/{article.pk}/diff/0/1/"
    if surface == "api":
        path = "/api/v1" + path
    first = cpu_seconds(client, path)
    again = cpu_seconds(client, path)
    print(f"{surface}, {name}: first {first:.3f} s CPU, cached {again:.3f} s")
    assert first < FIRST_RENDER_CPU_SECONDS, f"{first:.2f} s"
    old, new = article.versions.order_by("number")
    key = diff_key("api", old, new) if surface == "api" else diff_key("page", old, new, "side", "all")
    assert cache.get(key) is not None
    assert cache.get(diff_key("text", old, new)) is not None  # the diff itself, for the other surfaces
    assert again < first / 2


def test_a_feed_of_hostile_changes_makes_a_bounded_share_of_its_diffs_per_request(
    client: Client, shared_cache: None
) -> None:
    old, new = hostile_pairs()["40,000 short paragraphs, all changed"]
    article = Article.objects.create(url="http://127.0.0.1/hostile")
    for number in range(5):  # four changes, each 40,000 paragraphs
        paragraphs = (old, new)[number % 2]
        text = ArticleText("Headline", "By A", tuple(paragraphs))
        Version.objects.create(
            article=article, number=number, fetched_at=T0 + timedelta(hours=number), title="Headline",
            byline="By A", plain_paragraphs=paragraphs, content_hash=text.content_hash, extractor="generic",
            extractor_version="1", kind="edit",
        )  # fmt: skip
    small, _ = twins()  # imports and compiled templates are the first request's
    cpu_seconds(client, f"/articles/{small.pk}/feed.atom")

    def entries(xml: bytes) -> list[str]:
        return [text_at(entry, f"{ATOM}content") for entry in ET.fromstring(xml).findall(f"{ATOM}entry")]

    first, xml = timed_get(client, f"/articles/{article.pk}/feed.atom")
    assert first < FIRST_RENDER_CPU_SECONDS, f"{first:.2f} s"  # all four at once: 1.25 s
    assert 1 <= sum(content != NOT_YET for content in entries(xml)) < 4
    for _ in range(4):  # each request makes more, until all are made
        contents = entries(client.get(f"/articles/{article.pk}/feed.atom").content)
    assert NOT_YET not in contents
    assert all("<del" in content for content in contents)
    assert cpu_seconds(client, f"/articles/{article.pk}/feed.atom") < 0.2  # all cached; no text read


def test_a_long_diff_says_what_it_does_not_list(client: Client) -> None:
    article = store_pair("40,000 short paragraphs, all changed")
    page = BeautifulSoup(client.get(f"/articles/{article.pk}/diff/0/1/").content, "lxml")
    note = " ".join(one(page, ".unlisted").get_text().split())
    diff = client.get(f"/api/v1/articles/{article.pk}/diff/0/1/").json()
    assert len(diff["paragraphs"]) == MAX_LISTED_OPS
    unlisted = diff["unlisted"]
    listed_old = sum(op["old_index"] is not None for op in diff["paragraphs"])
    listed_new = sum(op["new_index"] is not None for op in diff["paragraphs"])
    assert (unlisted["old_index"], unlisted["new_index"]) == (listed_old, listed_new)
    assert unlisted["paragraphs_removed"] == 40_000 - listed_old
    assert unlisted["paragraphs_added"] == 40_000 - listed_new
    assert f"the last {40_000 - listed_old} paragraphs of v0 and {40_000 - listed_new} of v1" in note
    more = " ".join(one(page, ".more").get_text().split())
    assert (
        more == f"… and {MAX_LISTED_OPS - PAGE_ROWS} more changed paragraphs, too many to show on one page …"
    )
    assert len(page.select(".diff .row")) == 1 + 1 + PAGE_ROWS + 1  # head, headline, rows, the rest counted
    assert diff["coarse"] is True
    feed = ET.fromstring(client.get(f"/articles/{article.pk}/feed.atom").content)
    content = text_at(feed, f"{ATOM}entry/{ATOM}content")
    assert content.count("<p>") < 300
    assert "more changes than a feed entry shows" in content


def test_diff_pages_and_the_api_share_one_count_of_diffs_computed_per_client(
    client: Client, shared_cache: None, settings: Settings
) -> None:
    settings.DIFF_RENDERS_PER_MINUTE = 3
    victim, attacker = twins()
    page = f"/articles/{victim.pk}/diff/0/1/"
    assert client.get(page).status_code == 200  # 1
    assert client.get(page).status_code == 200  # cached: not counted
    assert client.get(page + "?view=inline").status_code == 200  # 2
    assert client.get(f"/api/v1/articles/{victim.pk}/diff/0/1/").status_code == 200  # 3
    refused = client.get(f"/articles/{attacker.pk}/diff/0/1/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 61
    refused_api = client.get(f"/api/v1/articles/{attacker.pk}/diff/0/1/")
    assert refused_api.status_code == 429
    assert refused_api.json()["error"]["code"] == "throttled"
    assert int(refused_api["Retry-After"]) > 0
    # What is cached is still served, to this client and any other; another client computes its own.
    assert client.get(page).status_code == 200
    assert client.get(f"/api/v1/articles/{victim.pk}/diff/0/1/").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.9").get(f"/articles/{attacker.pk}/diff/0/1/").status_code == 200


def test_parallel_requests_for_one_uncached_diff_make_it_once(shared_cache: None) -> None:
    """The probe's eight parallel requests for one diff cost eight diffs; now the first makes it and the
    others wait for its result."""
    made: list[int] = []

    def render() -> str:
        made.append(1)
        time.sleep(0.3)  # a diff that takes a while
        return "the diff"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: cached_rendering("diff:test:parallel", render, None), range(8)))
    assert results == ["the diff"] * 8
    assert len(made) == 1


@pytest.mark.parametrize("finishes_at", [1, 2], ids=["before-the-claim", "while-waiting"])
def test_a_request_whose_maker_finishes_between_two_looks_takes_its_result(
    shared_cache: None, monkeypatch: pytest.MonkeyPatch, finishes_at: int
) -> None:
    """CI once saw five of eight parallel requests make the diff: waiters poll in step, and one that found
    no result, then no claim (the maker finished between those two looks), made the diff again. Here the
    maker finishes exactly there: after the request's first look for the result (before it tries to
    claim), or after a look while it waits."""
    key, claim = "diff:test:between", "diff:test:between:making"
    cache.set(claim, 1, 60)  # another request is making it
    instance = caches["default"]
    real_get, looks = instance.get, []

    def get(wanted: str, default: object = None) -> object:
        found = real_get(wanted, default)
        if wanted == key:
            looks.append(1)
            if len(looks) == finishes_at:
                cache.set(key, "the maker's diff", 60)  # the maker stores its result, then lets its claim go
                cache.delete(claim)
        return found

    monkeypatch.setattr(instance, "get", get)
    made: list[int] = []

    def make_again() -> str:
        made.append(1)
        return "made again"

    assert cached_rendering(key, make_again, None) == "the maker's diff"
    assert made == []
    assert cache.get(claim) is None


# --- feed channels carry text, not markup ----------------------------------------------------------------

MARKUP = '<img src=x onerror=alert(1)><script>alert("x")</script>'


def channel_text(xml: bytes) -> list[str]:
    """What a reader takes as HTML in the feed's channel: RSS's description, Atom's subtitle (which
    newsdiffs does not write), each after the one level of XML unescaping the parser does."""
    root = ET.fromstring(xml)
    if root.tag == "rss":
        return [root.findtext("channel/description") or ""]
    return [element.text or "" for element in root.findall(f"{ATOM}subtitle")]


def test_feed_channels_quote_searches_urls_and_source_names_as_text(client: Client) -> None:
    source = Source.objects.create(name=f"Source {MARKUP}", slug="hostile")
    article = Article.objects.create(url=f"http://127.0.0.1/{quote(MARKUP)}?q={MARKUP}", source=source)
    add_version(article, 0, "Zebra", ["Zebra one."])
    add_version(article, 1, "Zebra", ["Zebra two."])
    for route in (f"/articles/{article.pk}/feed", "/sources/hostile/feed", "/search/feed"):
        for kind in ("rss", "atom"):
            response = client.get(f"{route}.{kind}", {"q": MARKUP} if "search" in route else {})
            assert response.status_code == 200, route
            for text in channel_text(response.content):
                assert "<" not in text, (route, text)
                # …and a reader shows what was quoted, as it was.
                assert MARKUP in BeautifulSoup(text, "lxml").get_text(), (route, text)
