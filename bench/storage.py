"""Bytes on disk per version in Postgres against the raw text, for the app's table and for other layouts.

    .venv/bin/python bench/storage.py [--articles 20000] [--postgres postgres://postgres@127.0.0.1:5432]
                                      [--database newsdiffs_bench_storage]

Builds NewsEdits-like revision chains (1 to 6 versions, ~3.6 on average) from the 61 real article texts of
the extraction corpus, each article made distinct by swapping a quarter of its words for other corpus
words (so that no layout gains from the same text recurring across articles), then:

- app: creates the database newsdiffs_bench_storage (--database), migrates it with the real migrations and
  loads the chains with `manage.py import`, so the app's own code decides how versions are stored (whatever
  the current models and migrations are). Every articles_* table but articles_article and articles_source
  counts.
- other layouts: scratch tables in schema `layouts` of the same database, loaded with COPY from the same
  chains: the app's table with lz4 TOAST compression; without its search tsvector; paragraphs stored once per
  article with versions as arrays of paragraph ids; versions as deltas against the previous one; versions as
  zlib bytes with the previous version as the dictionary, or with the chain's keyframe as the dictionary (the
  app's choice, articles/text_chain.py); a search table of only the latest versions.

Size is pg_total_relation_size (heap, TOAST and indexes) over raw text bytes (title, byline and paragraphs in
UTF-8). Read cost is the median time to read one version, and the two versions of a diff page, by article and
number (median of --runs runs over --reads random versions). Writes bench/results/storage.json.
"""

import argparse
import io
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "newsdiffs_bench_storage"
GOAL_RATIO = 0.25  # the version texts (issue 18); and the whole database, search included:
WHOLE_GOAL_RATIO = 0.60
VERSION_COUNTS = (1, 2, 3, 4, 5, 6, 2, 3, 4, 6)  # mean 3.6, as bench/export.py
# Chained layouts store every this-many-th version whole, so that reading one never decodes more rows.
KEYFRAME_EVERY = 16

parser = argparse.ArgumentParser()
parser.add_argument("--articles", type=int, default=20_000)
parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
parser.add_argument("--database", default=DATABASE, help="the bench's own database, dropped and made anew")
parser.add_argument("--reads", type=int, default=1_000)
parser.add_argument("--runs", type=int, default=3)
ARGS = parser.parse_args()
# Django (for the app's read path) talks to the bench database; set before bench.setup configures it.
os.environ["DATABASE_URL"] = f"{ARGS.postgres}/{ARGS.database}"
os.environ["REDIS_URL"] = ""

sys.path.insert(0, str(BASE_DIR))

import psycopg2  # noqa: E402

from articles.normalising import ArticleText  # noqa: E402
from bench.database import ChainReader, first_value, manage, recreate  # noqa: E402
from bench.diffing import load_corpus, revision_chain  # noqa: E402

WORD = re.compile(r"\b[a-z]{3,}\b")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
Chain = tuple[int, list[ArticleText]]


def chains(articles: int, seed: int = 3) -> list[Chain]:
    """Revision chains of distinct articles: each a corpus text with a quarter of its words swapped."""
    texts = load_corpus()
    vocabulary = [w for t in texts for p in t.paragraphs for w in WORD.findall(p)]
    rng = random.Random(seed)

    def distinct(text: str) -> str:
        return WORD.sub(lambda m: rng.choice(vocabulary) if rng.random() < 0.25 else m.group(), text)

    result = []
    for article_id in range(1, articles + 1):
        base = texts[article_id % len(texts)]
        own = ArticleText.from_parts(
            distinct(base.title), base.byline, [distinct(p) for p in base.paragraphs]
        )
        result.append((article_id, revision_chain(rng, own, rng.choice(VERSION_COUNTS))))
    return result


def raw_bytes(text: ArticleText) -> int:
    return sum(len(part.encode()) for part in (text.title, text.byline, *text.paragraphs))


# --- the app's table, through migrations and the importer ---------------------------------------------


def load_app(database_url: str, data: list[Chain]) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for article_id, chain in data:
            record = {
                "url": f"https://news.example/{article_id}",
                "title": chain[-1].title,
                "status": "active",
                "first_seen_at": T0.isoformat(),
                "versions": [
                    {
                        "number": number,
                        "fetched_at": (T0 + timedelta(hours=number)).isoformat(),
                        "title": text.title,
                        "byline": text.byline,
                        "paragraphs": list(text.paragraphs),
                        "content_hash": text.content_hash,
                        "extractor": "generic",
                        "extractor_version": "1",
                        "kind": "edit",
                        "stats": {
                            "words_added": 0,
                            "words_removed": 0,
                            "paragraphs_added": 0,
                            "paragraphs_removed": 0,
                            "paragraphs_changed": 0,
                            "title_changed": number > 0,
                        },
                    }
                    for number, text in enumerate(chain)
                ],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    seconds = manage(database_url, "import", handle.name)["seconds"]
    os.unlink(handle.name)
    return seconds


def app_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'articles\\_%%' "
        "AND tablename NOT IN ('articles_article', 'articles_source') ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def relation_sizes(cursor: Any, table: str) -> dict[str, int]:
    cursor.execute(
        "SELECT pg_total_relation_size(%s), pg_relation_size(%s), pg_table_size(%s), pg_indexes_size(%s)",
        [table] * 4,
    )
    total, heap, table_size, indexes = cursor.fetchone()
    return {"total": total, "heap": heap, "toast": table_size - heap, "indexes": indexes}


def column_bytes(cursor: Any, table: str, columns: Iterable[str]) -> dict[str, int]:
    """Bytes each column takes as stored (compressed if TOAST compressed it)."""
    sums = ", ".join(f"coalesce(sum(pg_column_size({c})), 0)" for c in columns)
    cursor.execute(f"SELECT {sums} FROM {table}")
    return dict(zip(columns, cursor.fetchone(), strict=True))


def index_sizes(cursor: Any, table: str) -> dict[str, int]:
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass ORDER BY 1",
        [table],
    )
    return dict(cursor.fetchall())


# --- other layouts, COPY-loaded into schema "layouts" ---------------------------------------------------


def copy_rows(cursor: Any, table: str, rows: Iterable[Sequence[Any]]) -> None:
    def field(value: Any) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, bytes):
            return "\\\\x" + value.hex()
        text = str(value)
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(field(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} FROM STDIN", buffer)


# The app's version columns other than the text, with its indexes: every layout keeps them.
META_COLUMNS = """
    id bigserial PRIMARY KEY, article_id bigint NOT NULL, number integer NOT NULL,
    fetched_at timestamptz NOT NULL, content_hash varchar(64) NOT NULL, extractor varchar(50) NOT NULL,
    extractor_version varchar(20) NOT NULL,
    kind varchar(10) NOT NULL, words_added integer NOT NULL, words_removed integer NOT NULL,
    paragraphs_added integer NOT NULL, paragraphs_removed integer NOT NULL,
    paragraphs_changed integer NOT NULL, title_changed boolean NOT NULL, UNIQUE (article_id, number)
"""
META_NAMES = (
    "article_id, number, fetched_at, content_hash, extractor, extractor_version, kind, words_added, "
    "words_removed, paragraphs_added, paragraphs_removed, paragraphs_changed, title_changed"
)


def meta_indexes(table: str) -> str:
    name = table.replace(".", "_")
    return (
        f"CREATE INDEX {name}_fetched ON {table} (fetched_at DESC);"
        f"CREATE INDEX {name}_headline ON {table} (fetched_at DESC) WHERE title_changed;"
    )


def meta(article_id: int, number: int, text: ArticleText) -> tuple[Any, ...]:
    fetched = (T0 + timedelta(hours=number)).isoformat()
    return (article_id, number, fetched, text.content_hash, "generic", "1", "edit", 0, 0, 0, 0, 0, number > 0)


def serialised(text: ArticleText) -> bytes:
    """What the zlib layout compresses: byline and paragraphs (the headline stays a column, for lists)."""
    return json.dumps([text.byline, list(text.paragraphs)], ensure_ascii=False).encode()


def keyframe(number: int) -> int:
    return number - number % KEYFRAME_EVERY


def delta(previous: ArticleText, text: ArticleText) -> list[int | str]:
    """The new paragraph list: indexes into the previous one for unchanged paragraphs, text for the rest."""
    at = {p: i for i, p in enumerate(previous.paragraphs)}
    return [at.get(p, p) for p in text.paragraphs]


def build_layouts(cursor: Any, data: list[Chain], has_app_paragraphs: bool) -> dict[str, list[str]]:
    """Create and fill the scratch tables; the tables that make up each layout, by name."""
    cursor.execute("DROP SCHEMA IF EXISTS layouts CASCADE; CREATE SCHEMA layouts")
    layouts: dict[str, list[str]] = {}
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles_version' "
        "AND column_name IN ('packed_paragraphs', 'packed_against')"
    )
    app_columns = APP_COLUMNS + tuple(sorted(row[0] for row in cursor.fetchall()))
    if has_app_paragraphs:
        # The app's table as it is, every column and index (not its trigger: the values are copied over).
        for name, sql in (
            ("app + lz4", "ALTER TABLE layouts.app_lz4 ALTER COLUMN paragraphs SET COMPRESSION lz4"),
            ("app without search_document", "ALTER TABLE layouts.app_nosearch DROP COLUMN search_document"),
            ("app + lz4, without search_document", "ALTER TABLE layouts.app_lz4_nosearch "
             "ALTER COLUMN paragraphs SET COMPRESSION lz4, DROP COLUMN search_document"),
        ):  # fmt: skip
            table = "layouts." + sql.split("layouts.")[1].split()[0]
            cursor.execute(f"CREATE TABLE {table} (LIKE articles_version INCLUDING ALL); {sql}")
            columns = ", ".join(
                c for c in app_columns if "search_document" not in sql or c != "search_document"
            )
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM articles_version")
            layouts[name] = [table]
        cursor.execute(
            "CREATE TABLE layouts.search_latest (article_id bigint PRIMARY KEY, document tsvector NOT NULL);"
            "INSERT INTO layouts.search_latest SELECT DISTINCT ON (article_id) article_id, search_document "
            "FROM articles_version ORDER BY article_id, number DESC;"
            "CREATE INDEX search_latest_gin ON layouts.search_latest USING gin (document);"
            "CREATE TABLE layouts.search_all (id bigint PRIMARY KEY, document tsvector NOT NULL);"
            "INSERT INTO layouts.search_all SELECT id, search_document FROM articles_version;"
            "CREATE INDEX search_all_gin ON layouts.search_all USING gin (document)"
        )
        layouts["search only: every version (the app's tsvector and GIN index)"] = ["layouts.search_all"]
        layouts["app + lz4, search of latest versions only"] = [
            "layouts.app_lz4_nosearch",
            "layouts.search_latest",
        ]

    # Paragraphs once per article; versions list their ids. Search: a tsvector per distinct paragraph (so
    # every text any version had stays findable, as now) and one per version's headline.
    cursor.execute(
        f"CREATE TABLE layouts.paragraph (id bigint PRIMARY KEY, article_id bigint NOT NULL,"
        f" text text NOT NULL)"
        f" WITH (toast_tuple_target = 128);"
        f"ALTER TABLE layouts.paragraph ALTER COLUMN text SET COMPRESSION lz4;"
        f"CREATE TABLE layouts.version_ids ({META_COLUMNS}, title text NOT NULL, byline text NOT NULL,"
        f" paragraph_ids bigint[] NOT NULL); {meta_indexes('layouts.version_ids')}"
    )
    paragraph_rows, version_rows = [], []
    next_id = 1
    for article_id, chain in data:
        ids: dict[str, int] = {}
        for number, text in enumerate(chain):
            for p in text.paragraphs:
                if p not in ids:
                    ids[p] = next_id
                    paragraph_rows.append((next_id, article_id, p))
                    next_id += 1
            array = "{" + ",".join(str(ids[p]) for p in text.paragraphs) + "}"
            version_rows.append((*meta(article_id, number, text), text.title, text.byline, array))
    copy_rows(cursor, "layouts.paragraph", paragraph_rows)
    copy_rows(cursor, f"layouts.version_ids ({META_NAMES}, title, byline, paragraph_ids)", version_rows)
    layouts["paragraphs once per article (lz4, toast_tuple_target 128)"] = [
        "layouts.paragraph",
        "layouts.version_ids",
    ]
    cursor.execute(
        "CREATE TABLE layouts.paragraph_search (id bigint PRIMARY KEY, document tsvector NOT NULL);"
        "INSERT INTO layouts.paragraph_search SELECT id, to_tsvector('english', text) FROM layouts.paragraph;"
        "CREATE INDEX paragraph_search_gin ON layouts.paragraph_search USING gin (document);"
        "CREATE TABLE layouts.title_search (id bigint PRIMARY KEY, document tsvector NOT NULL);"
        "INSERT INTO layouts.title_search SELECT id, to_tsvector('english', title) FROM layouts.version_ids;"
        "CREATE INDEX title_search_gin ON layouts.title_search USING gin (document);"
    )
    layouts["paragraphs once per article + their search"] = [
        *layouts["paragraphs once per article (lz4, toast_tuple_target 128)"],
        "layouts.paragraph_search",
        "layouts.title_search",
    ]

    # Deltas: version 0 whole, each later one as indexes into its predecessor and new paragraphs' text.
    cursor.execute(
        f"CREATE TABLE layouts.version_delta ({META_COLUMNS}, title text NOT NULL, byline text NOT NULL,"
        f" paragraphs jsonb NOT NULL); {meta_indexes('layouts.version_delta')}"
        f"ALTER TABLE layouts.version_delta ALTER COLUMN paragraphs SET COMPRESSION lz4;"
    )
    rows = []
    for article_id, chain in data:
        for number, text in enumerate(chain):
            whole = number == keyframe(number)
            body = list(text.paragraphs) if whole else delta(chain[number - 1], text)
            rows.append(
                (
                    *meta(article_id, number, text),
                    text.title,
                    text.byline,
                    json.dumps(body, ensure_ascii=False),
                )
            )
    copy_rows(cursor, f"layouts.version_delta ({META_NAMES}, title, byline, paragraphs)", rows)
    layouts["deltas against the previous version (lz4; keyframe every 16)"] = ["layouts.version_delta"]

    # zlib per version with the previous version's text as the dictionary: a delta and compression in one.
    cursor.execute(
        f"CREATE TABLE layouts.version_zlib ({META_COLUMNS}, title text NOT NULL, body bytea NOT NULL);"
        f"ALTER TABLE layouts.version_zlib ALTER COLUMN body SET STORAGE EXTERNAL;"
        f"{meta_indexes('layouts.version_zlib')}"
    )
    rows = []
    for article_id, chain in data:
        previous = b""
        for number, text in enumerate(chain):
            raw = serialised(text)
            whole = number == keyframe(number)
            # zlib looks back 32 KiB: the dictionary's end is what it can use.
            packer = zlib.compressobj(9) if whole else zlib.compressobj(9, zdict=previous[-32_768:])
            rows.append((*meta(article_id, number, text), text.title, packer.compress(raw) + packer.flush()))
            previous = raw
    copy_rows(cursor, f"layouts.version_zlib ({META_NAMES}, title, body)", rows)
    layouts["zlib, previous version as dictionary (app-side; keyframe every 16)"] = ["layouts.version_zlib"]

    # The same with the chain's keyframe as every version's dictionary: at most two rows and two
    # decompressions per read, whatever the chain's length.
    cursor.execute(
        f"CREATE TABLE layouts.version_zlib_keyframe ({META_COLUMNS}, title text NOT NULL,"
        f" body bytea NOT NULL);"
        f"ALTER TABLE layouts.version_zlib_keyframe ALTER COLUMN body SET STORAGE EXTERNAL;"
        f"{meta_indexes('layouts.version_zlib_keyframe')}"
    )
    rows = []
    for article_id, chain in data:
        for number, text in enumerate(chain):
            base = keyframe(number)
            dictionary = serialised(chain[base])[-32_768:]
            packer = zlib.compressobj(9) if base == number else zlib.compressobj(9, zdict=dictionary)
            packed = packer.compress(serialised(text)) + packer.flush()
            rows.append((*meta(article_id, number, text), text.title, packed))
    copy_rows(cursor, f"layouts.version_zlib_keyframe ({META_NAMES}, title, body)", rows)
    layouts["zlib, keyframe as dictionary (app-side; keyframe every 16)"] = ["layouts.version_zlib_keyframe"]

    # Search alone, for pairing with any layout: every text any version had, once per article, in one
    # document (with positions, so "quoted phrases" still work; and stripped of them).
    rows = []
    for article_id, chain in data:
        seen = dict.fromkeys(part for text in chain for part in (text.title, *text.paragraphs))
        rows.append((article_id, "\n".join(seen)))
    cursor.execute("CREATE TEMPORARY TABLE distinct_text (article_id bigint, text text)")
    copy_rows(cursor, "distinct_text", rows)
    cursor.execute(
        "CREATE TABLE layouts.search_article (article_id bigint PRIMARY KEY, document tsvector NOT NULL);"
        "INSERT INTO layouts.search_article SELECT article_id, to_tsvector('english', text)"
        " FROM distinct_text;"
        "CREATE INDEX search_article_gin ON layouts.search_article USING gin (document);"
        "CREATE TABLE layouts.search_article_stripped (article_id bigint PRIMARY KEY,"
        " document tsvector NOT NULL);"
        "INSERT INTO layouts.search_article_stripped SELECT article_id, strip(document)"
        " FROM layouts.search_article;"
        "CREATE INDEX search_article_stripped_gin ON layouts.search_article_stripped USING gin (document);"
        "DROP TABLE distinct_text"
    )
    layouts["search only: per article, every distinct text"] = ["layouts.search_article"]
    layouts["search only: per article, every distinct text, no positions"] = [
        "layouts.search_article_stripped"
    ]
    layouts["deltas + search per article"] = ["layouts.version_delta", "layouts.search_article"]
    layouts["zlib chain + search per article"] = ["layouts.version_zlib", "layouts.search_article"]
    layouts["deltas + search per article, no positions"] = [
        "layouts.version_delta",
        "layouts.search_article_stripped",
    ]
    cursor.execute("ANALYZE")
    return layouts


APP_COLUMNS = (
    "article_id", "number", "fetched_at", "title", "byline", "paragraphs", "content_hash", "extractor",
    "extractor_version", "kind", "words_added", "words_removed", "paragraphs_added", "paragraphs_removed",
    "paragraphs_changed", "title_changed", "search_document",
)  # fmt: skip


# --- reading a version ----------------------------------------------------------------------------------


def read_whole(table: str, packed: bool) -> Callable[[Any, int, int], ArticleText]:
    """A copy of the app's table: its JSON paragraphs, or (since migration 0016) its packed ones, read with
    the keyframe they are packed against in one query."""

    def read(cursor: Any, article_id: int, number: int) -> ArticleText:
        if not packed:
            cursor.execute(
                f"SELECT title, byline, paragraphs FROM {table} WHERE article_id = %s AND number = %s",
                [article_id, number],
            )
            title, byline, paragraphs = cursor.fetchone()
            return ArticleText(title, byline, tuple(paragraphs))
        cursor.execute(
            f"SELECT number, title, byline, paragraphs, packed_paragraphs, packed_against FROM {table}"
            " WHERE article_id = %s AND number IN (%s, %s) ORDER BY number",
            [article_id, keyframe(number), number],
        )
        reader = ChainReader()
        for row_number, title, byline, *text in cursor.fetchall():  # noqa: B007  (the last row is the version)
            paragraphs = reader.paragraphs(article_id, row_number, *text)
        return ArticleText(title, byline, tuple(paragraphs))

    return read


def read_ids(cursor: Any, article_id: int, number: int) -> ArticleText:
    cursor.execute(
        "SELECT v.title, v.byline, ARRAY(SELECT p.text FROM unnest(v.paragraph_ids) WITH ORDINALITY u(id, n)"
        " JOIN layouts.paragraph p ON p.id = u.id ORDER BY u.n) FROM layouts.version_ids v"
        " WHERE v.article_id = %s AND v.number = %s",
        [article_id, number],
    )
    title, byline, paragraphs = cursor.fetchone()
    return ArticleText(title, byline, tuple(paragraphs))


def read_delta(cursor: Any, article_id: int, number: int) -> ArticleText:
    cursor.execute(
        "SELECT title, byline, paragraphs FROM layouts.version_delta WHERE article_id = %s"
        " AND number BETWEEN %s AND %s ORDER BY number",
        [article_id, keyframe(number), number],
    )
    paragraphs: list[str] = []
    title = byline = ""
    for row in cursor.fetchall():
        title, byline = row[0], row[1]
        paragraphs = [paragraphs[p] if isinstance(p, int) else p for p in row[2]]
    return ArticleText(title, byline, tuple(paragraphs))


def read_zlib(cursor: Any, article_id: int, number: int) -> ArticleText:
    cursor.execute(
        "SELECT title, body FROM layouts.version_zlib WHERE article_id = %s AND number BETWEEN %s AND %s"
        " ORDER BY number",
        [article_id, keyframe(number), number],
    )
    previous, title = b"", ""
    for title, body in cursor.fetchall():  # noqa: B007  (the last row's headline is the version's)
        unpacker = zlib.decompressobj(zdict=previous[-32_768:]) if previous else zlib.decompressobj()
        previous = unpacker.decompress(bytes(body)) + unpacker.flush()
    byline, paragraphs = json.loads(previous)
    return ArticleText(title, byline, tuple(paragraphs))


def read_zlib_keyframe(cursor: Any, article_id: int, number: int) -> ArticleText:
    cursor.execute(
        "SELECT number, title, body FROM layouts.version_zlib_keyframe WHERE article_id = %s"
        " AND number IN (%s, %s) ORDER BY number",
        [article_id, keyframe(number), number],
    )
    rows = {row[0]: (row[1], bytes(row[2])) for row in cursor.fetchall()}
    dictionary = zlib.decompress(rows[keyframe(number)][1])
    title, body = rows[number]
    if number == keyframe(number):
        raw = dictionary
    else:
        unpacker = zlib.decompressobj(zdict=dictionary[-32_768:])
        raw = unpacker.decompress(body) + unpacker.flush()
    byline, paragraphs = json.loads(raw)
    return ArticleText(title, byline, tuple(paragraphs))


def read_app_orm(_cursor: Any, article_id: int, number: int) -> ArticleText:
    """The app's own read path, whatever its layout: the pages' Article.version_pair."""
    from articles.models import Article

    pair = Article(pk=article_id).version_pair(number, number)
    assert pair is not None
    return pair[1].text


def read_times(
    cursor: Any, read: Callable[[Any, int, int], ArticleText], sample: list[tuple[int, int]], runs: int
) -> dict[str, float]:
    """Median ms to read one version, and a diff page's two (the version and its predecessor)."""
    one, pair = [], []
    for _ in range(runs):
        singles, pairs = [], []
        for article_id, number in sample:
            start = time.perf_counter()
            read(cursor, article_id, number)
            singles.append(time.perf_counter() - start)
            start = time.perf_counter()
            read(cursor, article_id, number - 1)
            read(cursor, article_id, number)
            pairs.append(time.perf_counter() - start)
        one.append(statistics.median(singles))
        pair.append(statistics.median(pairs))
    return {
        "read_ms": round(1000 * statistics.median(one), 3),
        "diff_read_ms": round(1000 * statistics.median(pair), 3),
    }


def main() -> None:
    started = time.perf_counter()
    data = chains(ARGS.articles)
    versions = sum(len(chain) for _, chain in data)
    raw = sum(raw_bytes(text) for _, chain in data for text in chain)
    print(f"{ARGS.articles} articles, {versions} versions ({versions / ARGS.articles:.2f} each), raw text "
          f"{raw / 2**20:.1f} MiB, {raw / versions:.0f} B/version")  # fmt: skip
    print(f"(built in {time.perf_counter() - started:.0f} s)")

    database_url = recreate(ARGS.postgres, ARGS.database)
    manage(database_url, "migrate", "-v0")
    print(f"app: imported in {load_app(database_url, data):.0f} s")
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("VACUUM ANALYZE")
    cursor.execute("SHOW default_toast_compression")
    default_compression = first_value(cursor)
    tables = app_tables(cursor)
    cursor.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'articles_version' "
        "AND column_name IN ('paragraphs', 'search_document')"
    )
    has_app_paragraphs = first_value(cursor) == 2
    app_detail: dict[str, Any] = {name: relation_sizes(cursor, name) for name in tables}
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles_version' "
        "AND column_name IN ('title', 'byline', 'paragraphs', 'packed_paragraphs', 'search_document')"
    )
    present = {row[0] for row in cursor.fetchall()}
    packed = ("packed_paragraphs",) if "packed_paragraphs" in present else ()
    # The version table's text columns, whichever of them this schema has (the search document went to a
    # table of its own, one row per article, in migration 0014).
    text_columns = [
        c for c in ("title", "byline", "paragraphs", "packed_paragraphs", "search_document") if c in present
    ]
    app_detail["articles_version"]["columns"] = column_bytes(cursor, "articles_version", tuple(text_columns))
    app_detail["articles_version"]["index_sizes"] = index_sizes(cursor, "articles_version")

    layouts = {"app (migrations + import): " + " + ".join(tables): [f"public.{t}" for t in tables]}
    layouts.update(build_layouts(cursor, data, has_app_paragraphs))
    cursor.execute("VACUUM ANALYZE")

    rng = random.Random(1)
    revised = [(a, chain) for a, chain in data if len(chain) > 1]
    sample = [
        (a, rng.randrange(1, len(chain))) for a, chain in rng.sample(revised, min(len(revised), ARGS.reads))
    ]
    readers: dict[str, Callable[[Any, int, int], ArticleText]] = {}
    for name in layouts:
        if name.startswith("search only"):
            continue  # nothing a page reads
        if name.startswith("app ("):
            readers[name] = read_app_orm
        elif name.startswith("app"):
            readers[name] = read_whole(layouts[name][0], packed=bool(packed))
        elif name.startswith("paragraphs"):
            readers[name] = read_ids
        elif name.startswith("deltas"):
            readers[name] = read_delta
        elif name.startswith("zlib, keyframe"):
            readers[name] = read_zlib_keyframe
        else:
            readers[name] = read_zlib
    expected = {(a, n): chain[n] for a, chain in data for n in range(len(chain))}
    results: dict[str, Any] = {}
    print(f"\n{'layout':<72} {'B/version':>9} {'ratio':>6} {'read ms':>8} {'diff read':>9}")
    for name, relations in layouts.items():
        size = sum(relation_sizes(cursor, r)["total"] for r in relations)
        reads: dict[str, float | None] = {"read_ms": None, "diff_read_ms": None}
        if name in readers:
            for article_id, number in sample[:50]:  # every layout must give back the text it was given
                assert readers[name](cursor, article_id, number) == expected[(article_id, number)], name
            reads = dict(read_times(cursor, readers[name], sample, ARGS.runs))
        ratio = size / raw
        results[name] = {
            "relations": relations,
            "bytes": size,
            "bytes_per_version": round(size / versions),
            "ratio_to_raw_text": round(ratio, 3),
            "within_goal": ratio <= GOAL_RATIO,
            **reads,
        }
        timed = " ".join(f"{reads[k]:8.3f}" if reads[k] is not None else f"{'-':>8}" for k in reads)
        shown = f"{size / versions:9.0f} {ratio:6.1%} {timed}"
        print(f"{name:<72} {shown}")

    print("(read times: the app's through the ORM, as its pages read; the other layouts' in plain SQL)")
    app_name = next(iter(layouts))
    whole = results[app_name]["ratio_to_raw_text"]
    print(
        f"\napp, every table (versions, search, counters) {whole:.1%} of raw text;"
        f" goal ≤ {WHOLE_GOAL_RATIO:.0%}"
    )
    # The version texts alone: the columns that hold headline, byline and paragraphs, as stored.
    text_columns = app_detail["articles_version"].get("columns", {})
    text_bytes = sum(v for k, v in text_columns.items() if k != "search_document")
    print(
        f"app text columns {text_bytes / raw:.1%} of raw text ({', '.join(text_columns)});"
        f" goal ≤ {GOAL_RATIO:.0%}"
    )
    print(json.dumps(app_detail, indent=2))
    summary = {
        "measured_at": datetime.now(UTC).isoformat(),
        "articles": ARGS.articles,
        "versions": versions,
        "raw_text_bytes": raw,
        "raw_bytes_per_version": round(raw / versions),
        "default_toast_compression": default_compression,
        "goal_ratio": GOAL_RATIO,
        "whole_goal_ratio": WHOLE_GOAL_RATIO,
        "app": {
            "layout": app_name,
            **results[app_name],
            "within_whole_goal": whole <= WHOLE_GOAL_RATIO,
            "text_columns_ratio_to_raw_text": round(text_bytes / raw, 3),
            "text_columns_within_goal": text_bytes / raw <= GOAL_RATIO,
            "relations_detail": app_detail,
        },
        "layouts": results,
    }
    (BASE_DIR / "bench" / "results" / "storage.json").write_text(json.dumps(summary, indent=2) + "\n")
    connection.close()


if __name__ == "__main__":
    main()
