"""WARC export: an article's (a source's, a time range's) history as a WARC/1.1 file, each record gzipped
alone as web archives expect, written with warcio.

The file holds, in order:

- a ``warcinfo`` record: the software, the format, what the file covers and when it was made;
- per version, oldest first and article by article:

  - where the page it was read from was kept (``ServedPage``), a ``response`` record: WARC-Target-URI the
    final URL after redirects, WARC-Date the version's ``fetched_at``, an ``HTTP/1.1`` status line made of
    the status kept and its standard reason phrase (neither the HTTP version nor the server's own phrase
    was kept), the headers as received less what would misdescribe the body kept (see ``http_headers``),
    and the body as it was read: after its Content-Encoding was undone;
  - always, a ``metadata`` record (``application/json``, see ``version_metadata``) with what newsdiffs
    read from that page: headline, social headline, byline, paragraphs, content hash, version number,
    kind, extractor and its release, the Wayback Machine snapshot where one was saved, and the page's
    SHA-256. It names the response record in WARC-Concurrent-To and WARC-Refers-To; a version whose page
    was not kept (stored before pages were kept, or with ARCHIVE_SERVED_PAGES off) has only this record,
    its ``page`` null.

warcio computes each record's WARC-Block-Digest and WARC-Payload-Digest (SHA-1), so ``warcio check``
verifies the bodies. Pages are read in batches bounded by count and by bytes (``load_pages``), and the
file is produced record by record, so a source's whole history is never held in memory.
"""

import io
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from django.db.models import F
from django.utils.encoding import iri_to_uri
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from articles.archiving import Page
from articles.models import Version, VersionQuerySet, load_pages, load_paragraphs

WARC_VERSION = "1.1"
# What a record's JSON says it is, for readers that meet it without this module.
METADATA_FORMAT = "newsdiffs-version/1"
# A batch of versions read at once: at most this many, and pages of at most this many bytes together
# (plus the keyframes they are packed against, when not among them): a history of 5 MB pages is read a
# few at a time, one of 100 kB pages a hundred at a time.
BATCH_VERSIONS = 100
BATCH_BYTES = 32 * 1024 * 1024
# Rows fetched from the cursor at once; the versions' texts only, the pages are read by batch.
CURSOR_CHUNK = 200
# The prefix Wayback Machine replays give the headers of a capture they rewrite: the original values are
# kept under it, so the record hides nothing that was received.
ORIGINAL = "X-Archive-Orig-"
# Headers that describe the bytes on the wire, not the decoded body kept.
ENCODINGS = frozenset({"content-encoding", "transfer-encoding"})
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Printable ASCII but "%": what a header value keeps as it is when it must be percent-encoded.
PLAIN = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


def warc_date(moment: datetime) -> str:
    """WARC/1.1's date: UTC, with the microseconds where there are any."""
    return str(datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def target_uri(url: str) -> str:
    """``url`` as a URI: non-ASCII characters (and any control character) percent-encoded as UTF-8, so
    that the WARC header holds one line of ASCII whatever was stored."""
    return iri_to_uri(url)


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _value(value: str) -> str:
    """A header value as a record can hold it: as it is when printable ASCII; otherwise its bytes
    (latin-1, as received; UTF-8 for a character past it, which only an imported file can hold)
    percent-encoded, "%" too, so that the original bytes can be told from the encoded value. Left to
    warcio, a value with a ";" and a byte outside ASCII after its last "=" raised UnicodeEncodeError."""
    if all(" " <= char <= "~" for char in value):
        return value
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = value.encode("utf-8")
    return quote(raw, safe=PLAIN)


def http_headers(page: Page) -> list[tuple[str, str]]:
    """The headers of ``page``'s response record: those received, in order, except that

    - Content-Encoding and Transfer-Encoding are kept as ``X-Archive-Orig-<name>``: the body kept was
      decoded, and a reader would otherwise decode it again;
    - Content-Length gives the length of the body kept; a received one that differs (an encoded body's)
      is kept as ``X-Archive-Orig-Content-Length``, and one is added where none was received;
    - a value that is not printable ASCII is percent-encoded (``_value``), and a header whose name is not
      an HTTP token (which no HTTP parser passes, but an imported file can hold) is left out.

    What was changed is in the metadata record, as stored (``headers_as_received``)."""
    length = str(len(page.body))
    headers: list[tuple[str, str]] = []
    has_length = False
    for name, value in page.headers:
        if not TOKEN.fullmatch(name):
            continue
        lower = name.lower()
        if lower in ENCODINGS:
            headers.append((ORIGINAL + name, _value(value)))
        elif lower == "content-length":
            if value.strip() == length and not has_length:
                headers.append((name, length))
            else:
                headers.append((ORIGINAL + name, _value(value)))
                if not has_length:
                    headers.append(("Content-Length", length))
            has_length = True
        else:
            headers.append((name, _value(value)))
    if not has_length:
        headers.append(("Content-Length", length))
    return headers


def version_metadata(version: Version, page: Page | None, rewritten: bool) -> dict[str, Any]:
    """What the metadata record of ``version`` holds (``version.paragraphs`` loaded). ``rewritten``: the
    response record's headers differ from those received, which are then given as stored."""
    saved = version.wayback_status == Version.Wayback.SAVED and version.wayback_url
    article = version.article
    source = article.source
    return {
        "format": METADATA_FORMAT,
        "article": {
            "id": article.pk,
            "url": article.url,
            "source": source.slug if source else None,
        },
        "version": version.number,
        "fetched_at": version.fetched_at.isoformat(),
        "kind": version.kind,
        "title": version.title,
        "social_title": version.social_title,
        "byline": version.byline,
        "paragraphs": version.paragraphs,
        "content_hash": version.content_hash,
        "extractor": version.extractor,
        "extractor_version": version.extractor_version,
        "page_published_at": version.page_published_at.isoformat() if version.page_published_at else None,
        "page_modified_at": version.page_modified_at.isoformat() if version.page_modified_at else None,
        "wayback_url": version.wayback_url if saved else None,
        "page": None
        if page is None
        else {
            "url": page.url,
            "status": page.status,
            "length": len(page.body),
            "sha256": page.sha256,
            "headers_as_received": [list(pair) for pair in page.headers] if rewritten else None,
        },
    }


class _Records:
    """A WARC writer into a buffer that is handed out and emptied after each record."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.writer = WARCWriter(self.buffer, gzip=True, warc_version=WARC_VERSION)

    def write(self, uri: str, kind: str, payload: bytes, headers: dict[str, str], **kwargs: Any) -> str:
        """Write one record; its WARC-Record-ID."""
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        record = self.writer.create_warc_record(
            uri,
            kind,
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_headers_dict={"WARC-Record-ID": record_id, **headers},
            **kwargs,
        )
        self.writer.write_record(record)
        return record_id

    def take(self) -> bytes:
        data = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def warcinfo(records: _Records, filename: str, description: str, now: datetime) -> None:
    fields = {
        "software": "newsdiffs (articles/warc.py), warcio 1.8.1",
        "format": f"WARC File Format {WARC_VERSION}",
        "description": description,
        "metadata-format": f"{METADATA_FORMAT}: one application/json metadata record per version",
    }
    payload = "".join(f"{name}: {value}\r\n" for name, value in fields.items()).encode()
    headers = {"WARC-Date": warc_date(now), "WARC-Filename": filename}
    records.write("", "warcinfo", payload, headers, warc_content_type="application/warc-fields")


def write_version(records: _Records, version: Version, page: Page | None) -> None:
    """The records of one version: its response where its page was kept, and its metadata."""
    date = warc_date(version.fetched_at)
    headers = {"WARC-Date": date}
    rewritten = False
    if page is not None:
        kept = http_headers(page)
        rewritten = kept != list(page.headers)
        status = StatusAndHeaders(f"{page.status} {reason(page.status)}", kept, protocol="HTTP/1.1")
        response = records.write(target_uri(page.url), "response", page.body, headers, http_headers=status)
        headers = {**headers, "WARC-Concurrent-To": response, "WARC-Refers-To": response}
    data = json.dumps(version_metadata(version, page, rewritten), ensure_ascii=False).encode()
    uri = target_uri(page.url if page is not None else version.article.url)
    records.write(uri, "metadata", data, headers, warc_content_type="application/json")


def scoped_versions(
    article: int | None = None,
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> VersionQuerySet:
    """The versions a WARC covers: of one article, of one source's articles, or all; fetched at or after
    ``since`` and before ``until``. Article by article, oldest first."""
    versions = Version.objects.all()
    if article is not None:
        versions = versions.filter(article_id=article)
    if source is not None:
        versions = versions.filter(article__source__slug=source)
    if since is not None:
        versions = versions.filter(fetched_at__gte=since)
    if until is not None:
        versions = versions.filter(fetched_at__lt=until)
    return versions.order_by("article_id", "number")


def _batches(versions: VersionQuerySet) -> Iterator[list[Version]]:
    """``versions`` with their articles and sources, in batches of at most BATCH_VERSIONS whose kept pages
    weigh at most BATCH_BYTES together (or one version, if its page alone weighs more)."""
    rows = (
        versions.select_related("article", "article__source")
        .annotate(page_length=F("archived__length"))
        .iterator(chunk_size=CURSOR_CHUNK)
    )
    batch: list[Version] = []
    weight = 0
    for version in rows:
        length = version.__dict__["page_length"] or 0  # the annotation, which the type checker cannot see
        if batch and (len(batch) >= BATCH_VERSIONS or weight + length > BATCH_BYTES):
            yield batch
            batch, weight = [], 0
        batch.append(version)
        weight += length
    if batch:
        yield batch


def records(
    versions: VersionQuerySet, filename: str, description: str, now: datetime
) -> Iterator[tuple[Version | None, bytes]]:
    """The WARC file of ``versions`` (``scoped_versions``) as gzipped records: (None, the warcinfo
    record), then (version, its records) for each version."""
    out = _Records()
    warcinfo(out, filename, description, now)
    yield None, out.take()
    for batch in _batches(versions):
        load_paragraphs(batch)  # their keyframes' texts in one query
        pages = load_pages(batch)  # two queries at most, each keyframe decompressed once
        for version in batch:
            write_version(out, version, pages.get(version.pk))
            yield version, out.take()
        del pages


def warc_bytes(versions: VersionQuerySet, filename: str, description: str, now: datetime) -> Iterable[bytes]:
    """The WARC file as bytes, a record (or a version's two) at a time: for a streamed response."""
    return (data for _version, data in records(versions, filename, description, now))
