"""Postgres for benchmarks: a fresh database, manage.py run in a process of its own (time and peak memory),
and COPY into the app's tables. Importing it leaves Django unconfigured, so a benchmark can pick its
settings first (bench/setup.py configures Django on import)."""

import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg2

from articles import text_chain

BASE_DIR = Path(__file__).resolve().parent.parent


def recreate(admin_url: str, name: str) -> str:
    connection = psycopg2.connect(f"{admin_url}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return f"{admin_url}/{name}"


def manage(database_url: str, *args: str) -> dict[str, float]:
    """Run manage.py in its own process; its wall time and peak resident memory.

    The peak is the child's own VmHWM, sampled from /proc while it runs: getrusage's ru_maxrss would count
    whatever this parent process held when it forked the child."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": "",
        "NEWSDIFFS_VAR_DIR": tempfile.mkdtemp(),
    }
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL
    )
    peak_kib = 0
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak_kib = max(peak_kib, int(status.split("VmHWM:")[1].split()[0]))
        except (OSError, IndexError):
            pass
        time.sleep(0.02)
    if process.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return {"seconds": time.perf_counter() - start, "peak_rss_mib": peak_kib / 1024}


# Every NOT NULL column of articles_article (test_layout checks the list against the model).
ARTICLE_COLUMNS = (
    "id", "url", "title", "first_seen_at", "last_changed_at", "status", "consecutive_failures", "last_error",
    "etag", "last_modified", "body_hash", "final_url", "body_parsed_by", "version_count", "current_hash",
    "variant_flips",
)  # fmt: skip
VERSION_COLUMNS = (
    "article_id", "number", "fetched_at", "title", "byline", "paragraphs", "content_hash", "extractor",
    "extractor_version", "kind", "words_added", "words_removed", "paragraphs_added", "paragraphs_removed",
    "paragraphs_changed", "title_changed", "packed_paragraphs", "packed_against",
)  # fmt: skip


def packed(
    paragraphs: list[str], number: int, earlier: dict[int, list[str] | bytes]
) -> tuple[str, int | None]:
    """Version ``number``'s paragraphs as the app stores them (articles/text_chain.py: packed against its
    keyframe, taken from ``earlier``, the article's paragraphs by number), as the COPY values of
    packed_paragraphs (hex) and packed_against; the JSON column is left empty, as the app leaves it on
    PostgreSQL. A keyframe's paragraphs in ``earlier`` are replaced by what zlib is given of them, made
    once for all the versions packed against it."""
    keyframe = text_chain.dictionary_number(number)
    if keyframe is not None and not isinstance(earlier[keyframe], bytes):
        earlier[keyframe] = text_chain.window(earlier[keyframe])
    blob = text_chain.encode(paragraphs, earlier[keyframe] if keyframe is not None else None)
    return "\\x" + blob.hex(), keyframe


class ChainReader:
    """Paragraphs of versions read with plain SQL in (article, number) order: the JSON of a row not packed
    yet, else its packed bytes decoded against the keyframe read before it."""

    def __init__(self) -> None:
        self.article: int | None = None
        self.earlier: dict[int, list[str]] = {}

    def paragraphs(
        self, article_id: int, number: int, plain: Any, blob: Any, against: int | None
    ) -> list[str]:
        if article_id != self.article:
            self.article, self.earlier = article_id, {}
        if blob is None:
            paragraphs = list(plain or [])
        else:
            paragraphs = text_chain.decode(blob, self.earlier[against] if against is not None else None)
        if text_chain.dictionary_number(number) is None:
            self.earlier[number] = paragraphs
        return paragraphs


def first_value(cursor: psycopg2.extensions.cursor) -> Any:
    """The first column of the row a query always answers with one row (a count, a size, a setting)."""
    row = cursor.fetchone()
    if row is None:
        raise ValueError("the query returned no row")
    return row[0]


def copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    """COPY rows in text format (none of the generated values holds a tab or a newline)."""
    text = "".join(
        "\t".join("\\N" if v is None else str(v).replace("\\", "\\\\") for v in row) + "\n" for row in rows
    )
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))
