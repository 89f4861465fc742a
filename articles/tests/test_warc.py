"""WARC export: histories recorded by real checks of a local site, written as WARC files, then read back
with warcio's own checker and reader as an archive's tools would."""

import gzip
import hashlib
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from warcio.archiveiterator import ArchiveIterator

from articles import warc
from articles.archiving import Page
from articles.checking import run_check
from articles.models import Article, ServedPage, Source, Version, load_pages
from articles.tests.support import LocalSite, article_html

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WARCIO = Path(sys.executable).parent / "warcio"
# The records of the history fixture's first article: v0 and v1 with their pages, v2 without.
LAYOUT = ["warcinfo", "response", "metadata", "response", "metadata", "metadata"]


def check(article: Article, minutes: int) -> str:
    with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
        return str(run_check(Article.objects.get(pk=article.pk)))


def record(
    site: LocalSite, path: str, texts: list[str], source: Source | None = None, start: int = 0
) -> Article:
    """An article at ``path`` on ``site`` whose page said each of ``texts`` in turn, checked 15 minutes apart
    from ``start`` minutes after NOW: a version each."""
    article, _ = Article.objects.track(site.url(path), source=source)
    for n, text in enumerate(texts):
        site.serve(path, article_html(f"Mayor opens bridge {path}", [text, "Crowds came."], churn=str(n)))
        assert check(article, start + 15 * n) == f"new version {n}"
    return article


def export(tmp_path: Path, *args: str) -> Path:
    path = tmp_path / "out.warc.gz"
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        call_command("export_warc", "-o", str(path), "--no-progress", *args)
    return path


def read(data: bytes | Path) -> list[dict[str, Any]]:
    """Every record of a WARC file: its type, WARC headers, HTTP status line and headers, content."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data.open("rb")
    found = []
    with stream:
        for item in ArchiveIterator(stream, check_digests=True):
            http = item.http_headers
            found.append({
                "type": item.rec_type,
                "warc": dict(item.rec_headers.headers),
                "status": f"{http.protocol} {http.statusline}" if http else None,
                "headers": list(http.headers) if http else None,
                "content": item.content_stream().read(),
                "digest_ok": item.digest_checker.passed,
            })  # fmt: skip
    return found


def warcio_check(path: Path) -> str:
    """warcio's own `warcio check -v`: exit 0 only if every record's digests match its content."""
    command = [str(WARCIO), "check", "-v", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def history(local_site: LocalSite) -> list[Article]:
    """Two sources' articles: the first's v2 read with the archive off (a version with no page kept)."""
    daily = Source.objects.create(name="The Daily Test", slug="daily", homepage=local_site.url("/"))
    weekly = Source.objects.create(name="Weekly", slug="weekly")
    one = record(local_site, "/one", ["It opened on Tuesday.", "It opened on Monday."], daily)
    sunday = article_html("Mayor opens bridge /one", ["It opened on Sunday.", "Crowds came."])
    local_site.serve("/one", sunday)
    with override_settings(ARCHIVE_SERVED_PAGES=False):
        assert check(one, 30) == "new version 2"
    two = record(local_site, "/two", ["Only one version."], weekly, start=120)
    return [one, two]


def pages_of(article: Article) -> dict[int, Page]:
    versions = list(article.versions.all())
    loaded = load_pages(versions)
    return {v.number: loaded[v.pk] for v in versions if v.pk in loaded}


def test_an_articles_history_validates_and_replays_every_version(
    tmp_path: Path, history: list[Article]
) -> None:
    one = history[0]
    Version.objects.filter(article=one, number=1).update(
        wayback_status="saved", wayback_url="https://web.archive.org/web/20261126121500/http://x/one"
    )
    path = export(tmp_path, "--article", str(one.pk))
    assert "digest pass" in warcio_check(path)

    records = read(path)
    assert all(r["digest_ok"] is not False for r in records)
    assert [r["type"] for r in records] == LAYOUT
    info = records[0]
    assert info["warc"]["WARC-Filename"] == "out.warc.gz"
    assert f"article {one.pk}".encode() in info["content"]
    pages = pages_of(one)
    versions = list(one.versions.order_by("number"))
    responses = [r for r in records if r["type"] == "response"]
    metadata = [r for r in records if r["type"] == "metadata"]
    assert len(responses) == len(pages) == 2
    assert len(metadata) == len(versions) == 3
    for response, version in zip(responses, versions, strict=False):
        page = pages[version.number]
        assert response["content"] == page.body
        assert response["warc"]["WARC-Target-URI"] == page.url
        assert response["warc"]["WARC-Date"] == f"2026-11-26T12:{15 * version.number:02d}:00Z"
        assert response["warc"]["WARC-Payload-Digest"].startswith("sha1:")
        assert response["status"] == "HTTP/1.1 200 OK"
        assert dict(response["headers"])["Content-Length"] == str(len(page.body))
        assert dict(response["headers"])["Content-Type"] == "text/html; charset=utf-8"
    for item, version in zip(metadata, versions, strict=True):
        data = json.loads(item["content"])
        assert item["warc"]["Content-Type"] == "application/json"
        assert (data["version"], data["content_hash"], data["paragraphs"]) == (
            version.number, version.content_hash, version.paragraphs,
        )  # fmt: skip
        assert (data["title"], data["byline"], data["kind"]) == (version.title, version.byline, "edit")
        extractor = (data["extractor"], data["extractor_version"])
        assert extractor == (version.extractor, version.extractor_version)
        assert data["article"] == {"id": one.pk, "url": one.url, "source": "daily"}
    # Each response's metadata names it; the version without a page has metadata alone, and says so.
    for response, item in zip(responses, metadata, strict=False):
        assert item["warc"]["WARC-Concurrent-To"] == response["warc"]["WARC-Record-ID"]
        assert item["warc"]["WARC-Refers-To"] == response["warc"]["WARC-Record-ID"]
        sha256 = hashlib.sha256(response["content"]).hexdigest()
        assert json.loads(item["content"])["page"]["sha256"] == sha256
    last = metadata[2]
    assert "WARC-Concurrent-To" not in last["warc"]
    assert json.loads(last["content"])["page"] is None
    assert last["warc"]["WARC-Target-URI"] == one.url
    assert [json.loads(m["content"])["wayback_url"] for m in metadata] == [
        None, "https://web.archive.org/web/20261126121500/http://x/one", None,
    ]  # fmt: skip


def test_an_encoded_body_is_kept_decoded_with_the_headers_that_say_so(
    tmp_path: Path, local_site: LocalSite
) -> None:
    html = article_html("Mayor opens bridge", ["It opened on Tuesday."]).encode()
    served = gzip.compress(html, mtime=0)
    local_site.serve(
        "/story", served, headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
    )
    article, _ = Article.objects.track(local_site.url("/story"))
    check(article, 0)
    path = export(tmp_path, "--article", str(article.pk))
    warcio_check(path)
    response = read(path)[1]
    assert response["content"] == html  # warcio would have gunzipped it again had the header stayed
    headers = response["headers"]
    assert ("X-Archive-Orig-Content-Encoding", "gzip") in headers
    assert ("X-Archive-Orig-Content-Length", str(len(served))) in headers
    assert ("Content-Length", str(len(html))) in headers
    assert not [name for name, _ in headers if name.lower() == "content-encoding"]
    page = json.loads(read(path)[2]["content"])["page"]
    assert ["Content-Encoding", "gzip"] in page["headers_as_received"]


def test_scopes_an_article_a_source_all_and_a_time_range(tmp_path: Path, history: list[Article]) -> None:
    two = history[1]

    def versions(*args: str) -> list[tuple[str, int]]:
        found = []
        for item in read(export(tmp_path, *args)):
            if item["type"] == "metadata":
                data = json.loads(item["content"])
                found.append((data["article"]["url"].rsplit("/", 1)[1], data["version"]))
        return found

    assert versions("--article", str(two.pk)) == [("two", 0)]
    assert versions("--source", "daily") == [("one", 0), ("one", 1), ("one", 2)]
    assert versions("--all") == [("one", 0), ("one", 1), ("one", 2), ("two", 0)]
    # From v1 (12:15) up to, not including, 12:30 (v2), and a day that holds none.
    assert versions("--all", "--since", "2026-11-26T12:15Z", "--until", "2026-11-26T12:30Z") == [("one", 1)]
    assert versions("--all", "--since", "2026-11-26T14:00") == [("two", 0)]
    assert versions("--all", "--until", "2026-11-26") == []
    with pytest.raises(CommandError, match="--until takes a date"):
        versions("--all", "--until", "soon")
    with pytest.raises(CommandError, match="No source 'monthly'"):
        versions("--source", "monthly")
    with pytest.raises(CommandError, match="No article 999"):
        versions("--article", "999")
    with pytest.raises(CommandError, match="one of the arguments"):
        versions()


def test_a_large_history_is_read_in_bounded_batches(
    tmp_path: Path, local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches cut by count and by the bytes of the pages: a page heavier than the budget goes alone."""
    article = record(local_site, "/story", [f"It opened {n} times." for n in range(5)])
    sizes = []
    real = load_pages

    def measured(versions: list[Version]) -> dict[int, Page]:
        sizes.append(len(versions))
        return real(versions)

    monkeypatch.setattr(warc, "load_pages", measured)
    monkeypatch.setattr(warc, "BATCH_VERSIONS", 2)
    export(tmp_path, "--article", str(article.pk))
    assert sizes == [2, 2, 1]
    sizes.clear()
    monkeypatch.setattr(warc, "BATCH_VERSIONS", 100)
    monkeypatch.setattr(warc, "BATCH_BYTES", 1)
    path = export(tmp_path, "--article", str(article.pk))
    assert sizes == [1] * 5
    assert len([r for r in read(path) if r["type"] == "response"]) == 5


def test_hostile_pages_survive(tmp_path: Path, local_site: LocalSite) -> None:
    """Header values with bytes past ASCII (as a server may send them), a path in Unicode, a 5 MB body of
    every byte, and what only an imported file could hold: a header name that is no token, a value with
    CR LF in it, a URL with a raw non-ASCII character and a status without a standard phrase."""
    html = article_html("Café crème", ["Naïve résumé, 10 €."])
    odd = {"Content-Type": "text/html; charset=utf-8", "X-Odd": "caf\xe9; name=\xff\xfe", "X-Pct": "100%"}
    path = "/nouvelles/caf%C3%A9-cr%C3%A8me"
    local_site.serve(path, html, headers=odd)
    article, _ = Article.objects.track(local_site.url(path))
    assert check(article, 0) == "new version 0"
    big = (bytes(range(256)) * 20_000)[: 5 * 1024 * 1024]
    second = Version.objects.create(
        article=article, number=1, fetched_at=NOW + timedelta(minutes=15), title="Café crème", byline="",
        plain_paragraphs=["Big."], content_hash="x" * 64, extractor="generic", extractor_version="1",
    )  # fmt: skip
    imported = [("X-Inject", "a\r\nInjected: yes"), ("Bad Name", "x"), ("X-Wide", "\u20ac")]
    ServedPage.objects.store(second, local_site.url("/café\n"), 299, imported, big)

    exported = export(tmp_path, "--article", str(article.pk))
    warcio_check(exported)
    records = read(exported)
    first, large = [r for r in records if r["type"] == "response"]
    assert first["content"] == html.encode()
    assert first["warc"]["WARC-Target-URI"] == local_site.url(path)
    assert ("X-Odd", "caf%E9; name=%FF%FE") in first["headers"]
    assert ("X-Pct", "100%") in first["headers"]  # printable ASCII is left as it is
    received = json.loads(records[2]["content"])["page"]["headers_as_received"]
    assert ["X-Odd", "caf\xe9; name=\xff\xfe"] in received

    assert large["content"] == big
    assert large["status"] == "HTTP/1.1 299 Unknown"
    assert large["warc"]["WARC-Target-URI"] == local_site.url("/caf%C3%A9%0A")
    names = [name for name, _ in large["headers"]]
    assert names == ["X-Inject", "X-Wide", "Content-Length"]
    assert dict(large["headers"])["X-Inject"] == "a%0D%0AInjected: yes"
    assert dict(large["headers"])["X-Wide"] == "%E2%82%AC"
    assert json.loads(records[-1]["content"])["page"]["headers_as_received"] == [list(h) for h in imported]


# --- the download on the article page ------------------------------------------------------------------


def signed_in(username: str, *permissions: str, staff: bool = True) -> Client:
    user = User.objects.create_user(username, is_staff=staff)
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    client = Client()
    client.force_login(user)
    return client


def test_staff_download_the_articles_warc_and_others_are_refused(history: list[Article]) -> None:
    # All at one frozen moment: a session made at today's date has expired at another (make test-clock
    # runs the suite a year either way).
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        one = history[0]
        url = reverse("article_warc", args=[one.pk])
        assert url == f"/articles/{one.pk}/archive.warc.gz"
        archivist = signed_in("archivist", "view_servedpage")
        response = archivist.get(url)
        assert response.status_code == 200
        assert response.streaming
        assert response["Content-Type"] == "application/gzip"
        assert response["Content-Disposition"] == f'attachment; filename="newsdiffs-article-{one.pk}.warc.gz"'
        assert "no-store" in response["Cache-Control"]
        records = read(response.getvalue())  # the streamed records, joined
        assert [r["type"] for r in records] == LAYOUT
        assert records[1]["content"] == pages_of(one)[0].body
        # The link, for staff who may have it only.
        page = reverse("article", args=[one.pk])
        assert url in archivist.get(page).content.decode()
        for client in (Client(), signed_in("reader", staff=False), signed_in("intern")):
            assert url not in client.get(page).content.decode()
        # Anonymous: to the login and back; signed in without the permission, staff or not: 403.
        anonymous = Client().get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith(reverse("admin:login"))
        assert signed_in("reader2", "view_servedpage", staff=False).get(url).status_code == 403
        assert signed_in("intern2").get(url).status_code == 403
        assert archivist.get(reverse("article_warc", args=[999])).status_code == 404
        assert archivist.post(url).status_code == 405
