import gzip
import hashlib
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape
from pytest_django import DjangoAssertNumQueries

from articles import archiving
from articles.checking import run_check
from articles.models import Article, ServedPage, Version, load_pages
from articles.tests.support import LocalSite, article_html

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
# zstd's magic number for a trained dictionary: a body that begins with it is still raw content.
DICTIONARY_MAGIC = b"\x37\xa4\x30\xec"


def hostile_bodies() -> dict[str, bytes]:
    rng = random.Random(20)
    page = article_html("Mayor opens bridge", ["It opened on Tuesday."] * 40).encode()
    return {
        "empty": b"",
        "5 MB": (page + rng.randbytes(4096)) * (5_000_000 // (len(page) + 4096) + 1),
        "every byte": bytes(range(256)) * 64,
        "not UTF-8": "Caf\xe9 cr\xe8me, na\xefve \x80\x81".encode("latin-1") + b"\xff\xfe\xc3\x28",
        "dictionary magic": DICTIONARY_MAGIC + b"\x00" * 100 + page,
        "random": rng.randbytes(50_000),
    }


@pytest.mark.parametrize("name", list(hostile_bodies()))
@pytest.mark.parametrize("against", [*hostile_bodies(), None])
def test_any_body_packs_and_reads_back_alone_and_against_any_other(name: str, against: str | None) -> None:
    bodies = hostile_bodies()
    body, dictionary = bodies[name], bodies[against] if against else None
    blob = archiving.encode(body, dictionary, level=3)
    assert blob[:1] == archiving.ZSTD
    assert archiving.decode(blob, dictionary) == body
    assert archiving.decode(memoryview(blob), dictionary) == body  # as Postgres hands it back


def test_a_page_packed_against_its_keyframe_costs_what_changed() -> None:
    first = article_html("Mayor opens bridge", [f"Paragraph {n} of the story, as filed." for n in range(60)])
    second = first.replace("Paragraph 7 of", "Paragraph seven of")
    alone = archiving.encode(second.encode())
    against = archiving.encode(second.encode(), first.encode())
    assert len(against) < 60 < len(alone)
    assert archiving.decode(against, first.encode()) == second.encode()


def test_a_long_page_reaches_back_to_the_start_of_its_keyframe() -> None:
    """zstd's default window at this level (4 MiB) would not reach a 5 MB keyframe's first half."""
    rng = random.Random(5)
    keyframe = b"".join(
        f"<p>{rng.randrange(10**12)} {rng.randrange(10**12)}</p>".encode() for _ in range(180_000)
    )
    assert len(keyframe) > 4_500_000
    page = keyframe[:100] + b"<p>inserted</p>" + keyframe[100:]
    blob = archiving.encode(page, keyframe)
    assert len(blob) < 1_000
    assert archiving.decode(blob, keyframe) == page


def test_a_blob_of_another_codec_is_refused() -> None:
    with pytest.raises(ValueError, match="not a packed page"):
        archiving.decode(b"z" + archiving.encode(b"page")[1:])


def test_keyframes_come_every_keyframe_every_versions_and_after_gaps() -> None:
    every = archiving.KEYFRAME_EVERY
    latest: tuple[int, int | None] | None = None
    chosen = []
    for number in range(2 * every + 1):
        against = archiving.packed_against(number, latest)
        chosen.append(against)
        latest = (number, against)
    assert chosen == [None] + [0] * (every - 1) + [None] + [every] * (every - 1) + [None]
    # Pages not archived for a while (the setting was off): the gap counts, so no read grows longer.
    assert archiving.packed_against(every + 3, (2, 0)) is None
    assert archiving.packed_against(5, (2, 0)) == 0


# --- the capture, through real checks of a local site ---------------------------------------------------


def check(article: Article, minutes: int = 0) -> str:
    with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
        return str(run_check(Article.objects.get(pk=article.pk)))


def tracked(site: LocalSite, path: str = "/story") -> Article:
    article, _ = Article.objects.track(site.url(path))
    return article


@pytest.mark.django_db
def test_a_check_keeps_the_page_it_read_with_its_headers_in_order(local_site: LocalSite) -> None:
    html = article_html("Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."]) + "<!-- \xe9 -->"
    headers = {"Content-Type": "text/html; charset=utf-8", "X-Zeta": "last letter", "X-Alpha": "first letter"}
    local_site.serve("/story", html, headers=headers)
    article = tracked(local_site)

    assert check(article) == "new version 0"

    page = article.versions.get().served_page()
    assert page is not None
    assert (page.url, page.status, page.body) == (local_site.url("/story"), 200, html.encode())
    assert page.sha256 == hashlib.sha256(html.encode()).hexdigest()
    # As the server sent them: its own Server and Date first, then the page's, Content-Length last.
    assert [name for name, _ in page.headers] == [
        "Server", "Date", "Content-Type", "X-Zeta", "X-Alpha", "Content-Length",
    ]  # fmt: skip
    assert page.header("x-zeta") == "last letter"
    assert page.header("content-length") == str(len(html.encode()))
    row = ServedPage.objects.get()
    assert (row.length, row.packed_against) == (len(html.encode()), None)


@pytest.mark.django_db
def test_the_body_kept_is_the_decoded_one_and_the_headers_say_how_it_came(local_site: LocalSite) -> None:
    html = article_html("Mayor opens bridge", ["It opened on Tuesday."]).encode()
    served = gzip.compress(html, mtime=0)
    local_site.serve(
        "/story", served, headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
    )
    article = tracked(local_site)
    check(article)
    page = article.versions.get().served_page()
    assert page is not None
    assert page.body == html
    assert page.sha256 == hashlib.sha256(html).hexdigest()
    assert page.header("Content-Encoding") == "gzip"
    assert page.header("Content-Length") == str(len(served))


@pytest.mark.django_db
def test_the_final_url_after_a_redirect_is_kept(local_site: LocalSite) -> None:
    local_site.serve("/old", "", status=301, headers={"Location": local_site.url("/new")})
    local_site.serve("/new", article_html("Mayor opens bridge", ["It opened on Tuesday."]))
    article = tracked(local_site, "/old")
    check(article)
    page = article.versions.get().served_page()
    assert page is not None
    assert page.url == local_site.url("/new")


@pytest.mark.django_db
def test_unchanged_checks_keep_no_page_and_each_version_its_own(local_site: LocalSite) -> None:
    article = tracked(local_site)
    pages = []
    for n, words in enumerate(["on Tuesday", "on Tuesday", "on Wednesday"]):
        pages.append(article_html("Mayor opens bridge", [f"It opened {words}."], churn=f"ad {n}"))
        local_site.serve("/story", pages[-1])
        check(article, minutes=15 * n)
    versions = list(article.versions.order_by("number"))
    assert len(versions) == 2
    assert ServedPage.objects.count() == 2
    loaded = load_pages(versions)
    assert [loaded[v.pk].body for v in versions] == [pages[0].encode(), pages[2].encode()]
    assert ServedPage.objects.get(version=versions[1]).packed_against == 0


@pytest.mark.django_db
def test_nothing_is_kept_with_the_setting_off(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("Mayor opens bridge", ["It opened on Tuesday."]))
    article = tracked(local_site)
    with override_settings(ARCHIVE_SERVED_PAGES=False):
        assert check(article) == "new version 0"
    assert ServedPage.objects.count() == 0
    version = article.versions.get()
    assert version.served_page() is None
    assert load_pages([version]) == {}


@pytest.mark.django_db
def test_versions_say_whether_their_page_was_kept(local_site: LocalSite) -> None:
    article = tracked(local_site)
    for n in range(2):
        local_site.serve("/story", article_html("Mayor opens bridge", [f"It opened {n} times."]))
        with override_settings(ARCHIVE_SERVED_PAGES=n == 1):
            check(article, minutes=15 * n)
    versions = article.versions.with_page_kept().order_by("number")
    # The annotation, which the type checker cannot see on the model.
    assert [(v.number, v.__dict__["page_kept"]) for v in versions] == [(0, False), (1, True)]


@pytest.mark.django_db
def test_a_retried_check_keeps_no_second_page(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("Mayor opens bridge", ["It opened on Tuesday."], churn="ad 1"))
    article = tracked(local_site)
    assert check(article) == "new version 0"
    # The same check again (a task delivered twice), the page's chrome changed meanwhile.
    local_site.serve("/story", article_html("Mayor opens bridge", ["It opened on Tuesday."], churn="ad 2"))
    assert check(article) == "unchanged"
    assert ServedPage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_check_twice_at_once_keeps_one_page(local_site: LocalSite) -> None:
    local_site.serve("/story", article_html("Mayor opens bridge", ["It opened on Tuesday."]))
    article = tracked(local_site)
    local_site.barrier = threading.Barrier(2)  # both checks have fetched before either stores
    outcomes: list[str] = []

    def one() -> None:
        try:
            outcomes.append(str(run_check(Article.objects.get(pk=article.pk))))
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["new version 0", "unchanged"]
    assert ServedPage.objects.count() == 1
    assert ServedPage.objects.get().version == Version.objects.get()


@pytest.fixture
def decompressions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many blobs were decompressed since the last clear: the real decoder, counted."""
    counted: list[int] = []
    real = archiving.decode

    def counting(*args: Any, **kwargs: Any) -> bytes:
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(archiving, "decode", counting)
    return counted


@pytest.mark.django_db
def test_reading_any_page_decompresses_at_most_two_blobs(
    local_site: LocalSite, decompressions: list[int], django_assert_max_num_queries: Callable[..., Any]
) -> None:
    article = tracked(local_site)
    count = archiving.KEYFRAME_EVERY + 4
    pages = []
    for n in range(count):
        pages.append(
            article_html("Mayor opens bridge", [f"It opened {n} times.", "Crowds came."], churn=str(n))
        )
        local_site.serve("/story", pages[-1])
        assert check(article, minutes=15 * n) == f"new version {n}"
    versions = list(article.versions.order_by("number"))
    keyframes = [v.number for v in versions if ServedPage.objects.get(version=v).packed_against is None]
    assert keyframes == [0, archiving.KEYFRAME_EVERY]

    for version in versions:
        decompressions.clear()
        page = Version.objects.get(pk=version.pk).served_page()
        assert page is not None
        assert page.body == pages[version.number].encode()
        assert len(decompressions) == (1 if version.number in keyframes else 2)

    # A batch: every page decompressed once, its keyframe shared, in two queries (pages, then keyframes).
    decompressions.clear()
    wanted = versions[1:4] + versions[-2:]
    with django_assert_max_num_queries(2):
        loaded = load_pages(wanted)
    assert {pk: page.body for pk, page in loaded.items()} == {v.pk: pages[v.number].encode() for v in wanted}
    assert len(decompressions) == len(wanted) + 2  # and keyframes 0 and 16, which were not asked for


@pytest.mark.django_db
def test_a_batch_with_its_keyframes_reads_them_in_one_query(
    local_site: LocalSite, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    article = tracked(local_site)
    for n in range(3):
        local_site.serve("/story", article_html("H", [f"It opened {n} times."]))
        check(article, minutes=15 * n)
    versions = list(article.versions.all())
    with django_assert_num_queries(1):
        assert len(load_pages(versions)) == 3


@pytest.mark.django_db
def test_the_admin_shows_what_was_kept_of_the_page(local_site: LocalSite, admin_client: Client) -> None:
    local_site.serve("/story", article_html("Mayor opens bridge", ["It opened on Tuesday."]))
    article = tracked(local_site)
    check(article)
    version = article.versions.get()
    response = admin_client.get(reverse("admin:articles_version_change", args=[version.pk]))
    assert response.status_code == 200
    page = ServedPage.objects.get()
    shown = response.content.decode()
    assert f"HTTP 200 from {escape(local_site.url('/story'))}" in shown
    assert f"{page.length:,} bytes, kept in {len(page.packed):,} (packed alone)" in shown
