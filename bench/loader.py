"""Build a large Postgres database of tracked articles with realistic texts and edit histories, by COPY.

    .venv/bin/python bench/loader.py DATABASE_URL [--articles 1280000] [--seed 7]

``load(database_url, articles, seed)`` drops and recreates the database, migrates it, and fills it:

- 20 sources, articles spread over them unevenly (a few large outlets, many small ones);
- ~3.6 versions per article (NewsEdits' mean), 1.28 M articles → ~4.6 M versions, first seen over the two
  years before now, later versions minutes to days apart, newest first on the scale of the live site;
- bodies of 10–25 paragraphs of 20–60 words: windows of the corpus's real article text, with ~4 % of the
  words replaced by names from a Zipf-distributed vocabulary of 200,000 made-up proper nouns, so that a
  search meets very common words, medium ones and words found in a handful of articles, as on a real site;
- consecutive versions differ as edits do (``newsroom.edits.update``, NewsEdits-like: a few words changed, a
  sentence added or cut, a paragraph inserted, removed or moved, the headline or byline rewritten, a
  correction appended, seldom a rewrite); ~8 % minor (punctuation) and ~4 % parser (a new extractor version
  reads a trailing paragraph differently) versions;
- the change-statistics columns are the edit's own count (``edits.Draft.stats``: the word diff of each
  changed word or sentence, the word count of added and removed paragraphs) rather than a diff of whole
  texts, which would cost ~1 ms a version; ``check_stats`` compares a sample with ``diffing.change_stats``;
- articles' status, next check, last change, version count and current hash agree with their versions and
  with the schedule: stopped after 40 days without a change, a few gone, failing or removed.

Times are relative to the moment of loading; everything else depends on the seed only. ``content_hash`` is
a SHA-256 of the text, not the normalised comparison key (that costs 0.23 ms a version, 18 minutes here):
the app recomputes that key from the stored text whenever it compares.

Chunks of articles are made in ``makers`` processes side by side (each chunk from the seed and its first
id alone) and COPYed by ``writers`` connections. Secondary indexes and foreign keys are dropped during the
load and rebuilt after it, as for any bulk load; their definitions are read from the catalogue and restored
verbatim. Each article's search document is made with its rows by the app's own code
(``search_documents.Lexicon``: the distinct words of all its versions, each word's lexemes asked of Postgres
once) and COPYed with them, never made per row by a trigger nor read back from the versions;
``check_documents`` compares a sample with Postgres's reading of the whole texts. After the COPY the tables
are analysed, the sources' daily counters made (``rebuild_source_days``) while the indexes return,
``writers`` at a time, the text index first and the others beside it; last, the feed entries of the recent
changes (``make_feed_entries``).
"""

import argparse
import bisect
import hashlib
import io
import itertools
import json
import multiprocessing
import queue
import random
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
from tqdm import tqdm

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

import bench.setup  # noqa: E402,F401  (Django configured: the schedule and the diff code are the app's)
from articles import scheduling, search_documents  # noqa: E402
from articles.diffing import ChangeStats, change_stats  # noqa: E402
from articles.normalising import ArticleText  # noqa: E402
from articles.search_documents import searchable_pieces  # noqa: E402
from bench.database import (  # noqa: E402
    VERSION_COLUMNS,
    ChainReader,
    first_value,
    manage,
    packed,
    recreate,
)
from bench.setup import DEFAULT_CORPUS  # noqa: E402
from newsroom import edits  # noqa: E402

CORPUS = DEFAULT_CORPUS / "ground-truth.json"
SOURCES = (
    "The Daily Ledger", "Morning Courier", "Evening Standard Post", "City Herald", "National Tribune",
    "Coastal Gazette", "Valley Examiner", "Capital Dispatch", "Northern Echo Times", "Harbour Chronicle",
    "Metro Observer", "Union Register", "Prairie Sentinel", "Island Mercury", "Frontier Journal",
    "Riverside Bulletin", "Summit Record", "Lakeside Reporter", "Highland Clarion", "Delta Independent",
)  # fmt: skip
YEARS = 2
VERSIONS_MEAN_DECAY = 0.72  # P(n versions) ∝ 0.72^(n-1), n ≤ 15: mean ≈ 3.6
MAX_VERSIONS = 15
NAME_SHARE = 0.04
NAME_FORMS = 200_000
CHUNK = 4000
# What a seed makes: raised whenever the same seed makes other rows (2: each chunk seeded by its first id, so
# that processes make chunks side by side), so that bench/scale.py never reuses a database of other rows.
DATA_RELEASE = 2

ARTICLE_COLUMNS = (
    "id", "url", "source_id", "title", "first_seen_at", "last_changed_at", "last_checked_at", "next_check_at",
    "status", "consecutive_failures", "last_error", "etag", "last_modified", "body_hash", "final_url",
    "body_parsed_by", "version_count", "current_hash", "variant_flips", "last_flip_at", "resumed_at",
)  # fmt: skip
# The versions' columns the loader writes: the required ones and the moves its edits make.
LOADED_VERSION_COLUMNS = (*VERSION_COLUMNS, "paragraphs_moved")
TABLES = ("articles_article", "articles_version", "articles_articlesearch")


def is_english(text: str) -> bool:
    return sum(c.isascii() for c in text) >= 0.97 * len(text)


class Vocabulary(edits.Writer):
    """Real article words in their real order, and a long tail of names drawn by Zipf's law: what the
    loader's edits write."""

    def __init__(self, rng: random.Random) -> None:
        bodies = json.loads(CORPUS.read_text())
        # English text only (one corpus page is Russian): the search configuration is English.
        english = [b for item in bodies.values() if is_english(b := item["articleBody"])]
        self.words = " ".join(english).split()
        syllables = [a + b for a in "bcdfghklmnprstvz" for b in "aeiou"] + ["an", "el", "or", "is", "ur"]
        names: set[str] = set()
        while len(names) < NAME_FORMS:
            names.add("".join(rng.choices(syllables, k=rng.choice((2, 3, 3, 4)))).capitalize())
        self.names = sorted(names)
        rng.shuffle(self.names)
        self.name_weights = list(itertools.accumulate(1 / rank**1.05 for rank in range(1, NAME_FORMS + 1)))

    def window(self, rng: random.Random, count: int) -> list[str]:
        start = rng.randrange(len(self.words) - count)
        return self.words[start : start + count]

    def name(self, rng: random.Random) -> str:
        return self.names[bisect.bisect(self.name_weights, rng.random() * self.name_weights[-1])]

    def paragraph(self, rng: random.Random, low: int = 20, high: int = 60) -> str:
        words = self.window(rng, rng.randint(low, high))
        for _ in range(int(len(words) * NAME_SHARE * 2 * rng.random() + 0.5)):
            words[rng.randrange(len(words))] = self.name(rng)
        text = " ".join(words)
        return text if text[-1] in '.!?"”' else text + "."

    def headline(self, rng: random.Random, old: str = "") -> str:
        words = self.window(rng, rng.randint(8, 14))
        words[rng.randrange(len(words))] = self.name(rng)
        return " ".join(words).strip(".,;:").capitalize()

    def word(self, rng: random.Random, old: str) -> str:
        return rng.choice([*self.window(rng, 1), self.name(rng)])

    def sentence(self, rng: random.Random) -> str:
        return self.paragraph(rng, 8, 20)


def next_version(
    vocabulary: Vocabulary, rng: random.Random, text: tuple[str, str, list[str]], kind: str
) -> tuple[tuple[str, str, list[str]], ChangeStats]:
    """The next version's headline, byline and paragraphs from this one's, and the statistics of the change:
    an edit is one NewsEdits-like update (edits.update), a minor one touches punctuation, and a parser
    change is a new reader keeping or dropping a trailing box."""
    draft = edits.Draft(text[0], text[2], text[1])
    if kind == "minor":
        edits.apply(draft, "punctuation", rng, vocabulary)
    elif kind == "parser":
        if rng.random() < 0.5 and len(draft.paragraphs) > 3:
            draft.remove(len(draft.paragraphs) - 1)
        else:
            draft.insert(len(draft.paragraphs), "Read more: " + vocabulary.headline(rng) + ".")
    else:
        edits.update(draft, rng, vocabulary)
    return (draft.title, draft.byline, draft.paragraphs), draft.stats()


def version_times(rng: random.Random, first: datetime, count: int, now: datetime) -> list[datetime]:
    """Edits come fast while a story is fresh, then further apart (minutes, hours, days)."""
    times = [first]
    for n in range(1, count):
        gap = timedelta(minutes=rng.expovariate(1 / min(20 * 2.2**n, 2 * 1440)) + 1)
        if times[-1] + gap > now:
            break
        times.append(times[-1] + gap)
    return times


def article_rows(vocabulary: Vocabulary, rng: random.Random, pk: int, first: datetime, now: datetime,
                 source: int, slug: str) -> tuple[tuple, list[tuple], set[str]]:  # fmt: skip
    count = 1
    while count < MAX_VERSIONS and rng.random() < VERSIONS_MEAN_DECAY:
        count += 1
    times = version_times(rng, first, count, now)
    text = (
        vocabulary.headline(rng),
        f"By {vocabulary.name(rng)} {vocabulary.name(rng)}",
        [vocabulary.paragraph(rng) for _ in range(rng.randint(10, 25))],
    )
    extractor_version, kind, stats = 1, "edit", ChangeStats()
    versions, last_changed, digest = [], first, ""
    earlier: dict[int, list[str] | bytes] = {}
    pieces: set[str] = set()  # what search reads of every version (search_documents.searchable_pieces)
    for number, fetched_at in enumerate(times):
        if number:
            roll = rng.random()
            kind = "minor" if roll < 0.08 else "parser" if roll < 0.12 else "edit"
            extractor_version += kind == "parser"
            text, stats = next_version(vocabulary, rng, text, kind)
            if kind != "parser":
                last_changed = fetched_at
        title, byline, body = text
        # Of the lines, not of their JSON: encoding each version's paragraphs twice was 7 % of making a row.
        digest = hashlib.sha256("\n".join((title, byline, *body)).encode()).hexdigest()
        versions.append((
            pk, number, fetched_at, title, byline, None, digest, "generic", f"1.{extractor_version}",
            kind, stats.words_added, stats.words_removed, stats.paragraphs_added, stats.paragraphs_removed,
            stats.paragraphs_changed, "t" if stats.title_changed else "f", *packed(body, number, earlier),
            stats.paragraphs_moved,
        ))  # fmt: skip
        earlier[number] = list(body)
        pieces.update(searchable_pieces(ArticleText(title, byline, tuple(body))))
    status, failures, error, next_check, checked = (
        "active",
        0,
        "",
        None,
        now - timedelta(minutes=rng.random() * 60),
    )
    clock = last_changed
    roll = rng.random()
    if roll < 0.0005:
        status = "removed"
    elif roll < 0.015:
        status, failures, error = "gone", 3, "HTTP 404"
    elif roll < 0.025:
        status, failures, error = "failing", 10, "timed out after 20 s"
    elif scheduling.should_stop(clock, now):
        status, checked = "stopped", clock + timedelta(days=40, minutes=rng.random() * 1440)
    else:
        next_check = scheduling.next_check_after_success(clock, checked, rng.random)
    url = f"https://www.{slug}.example/{first:%Y/%m/%d}/{'-'.join(title.lower().split()[:6])}-{pk}"
    url = "".join(c for c in url if c.isalnum() or c in ":/.-")
    article = (
        pk, url, source, title, first, last_changed, checked, next_check, status, failures, error, "", "",
        hashlib.sha256(url.encode()).hexdigest(), "", f"generic/1.{extractor_version}", len(versions), digest,
        0, None, None,
    )  # fmt: skip
    return article, versions, pieces


def source_slugs() -> list[str]:
    return [name.lower().replace(" ", "-") for name in SOURCES]


def copy_text(rows: list[tuple]) -> str:
    def value(v: Any) -> str:
        if v is None:
            return "\\N"
        return str(v).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")

    return "".join("\t".join(map(value, row)) + "\n" for row in rows)


def deferred_structures(cursor: Any) -> list[str]:
    """Secondary indexes and foreign keys of the two big tables: their definitions, to restore after."""
    cursor.execute(
        """
        SELECT i.indexdef, format('DROP INDEX %%I', i.indexname)
        FROM pg_indexes i
        WHERE i.tablename = ANY(%s) AND i.indexname NOT IN (SELECT conname FROM pg_constraint)
        UNION ALL
        SELECT format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s', c.conrelid::regclass, c.conname,
                      pg_get_constraintdef(c.oid)),
               format('ALTER TABLE %%s DROP CONSTRAINT %%I', c.conrelid::regclass, c.conname)
        FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
        """,
        [list(TABLES), list(TABLES)],
    )
    rows = cursor.fetchall()
    for _, drop in rows:
        cursor.execute(drop)
    return [create for create, _ in rows]


class ChunkMaker:
    """Makes the COPY texts of a chunk of CHUNK articles (their rows, their versions' rows, their search
    documents) from the seed and the chunk's first id alone, so that processes can make chunks side by side
    and any number of them load the same database."""

    def __init__(self, seed: int, articles: int, now: datetime, database_url: str) -> None:
        self.seed, self.articles, self.now = seed, articles, now
        self.vocabulary = Vocabulary(random.Random(seed + 1))
        self.weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(SOURCES))))
        self.slugs = source_slugs()
        self.start = now - timedelta(days=365 * YEARS)
        self.span = timedelta(days=365 * YEARS).total_seconds()
        database = psycopg2.connect(database_url)
        database.autocommit = True
        # The app's own making of documents: each distinct word's lexemes asked of Postgres once.
        self.lexicon = search_documents.Lexicon(database=database)

    def chunk(self, first_pk: int) -> tuple[int, int, tuple[tuple[str, tuple[str, ...], str], ...]]:
        """The chunk starting at ``first_pk``: how many articles and versions, and its COPY texts."""
        rng = random.Random(f"{self.seed}/{first_pk}")
        article_chunk, version_chunk, words = [], [], {}
        for pk in range(first_pk, min(first_pk + CHUNK, self.articles + 1)):
            # pk order is first-seen order, as when articles are discovered over time.
            first = self.start + timedelta(seconds=self.span * (pk - rng.random()) / self.articles)
            source = bisect.bisect(self.weights, rng.random() * self.weights[-1])
            article, versions, pieces = article_rows(
                self.vocabulary, rng, pk, first, self.now, source + 1, self.slugs[source]
            )
            article_chunk.append(article)
            version_chunk += versions
            words[pk] = search_documents.words_of(pieces)
        documents = self.lexicon.documents(words)
        return len(article_chunk), len(version_chunk), (
            ("articles_article", ARTICLE_COLUMNS, copy_text(article_chunk)),
            ("articles_version", LOADED_VERSION_COLUMNS, copy_text(version_chunk)),
            ("articles_articlesearch", ("article_id", "document"), copy_text(list(documents.items()))),
        )  # fmt: skip


MAKER: ChunkMaker | None = None  # in each process that makes chunks


def start_maker(seed: int, articles: int, now: datetime, database_url: str) -> None:
    global MAKER
    MAKER = ChunkMaker(seed, articles, now, database_url)


def make_chunk(first_pk: int) -> tuple[int, int, tuple[tuple[str, tuple[str, ...], str], ...]]:
    assert MAKER is not None
    return MAKER.chunk(first_pk)


def load(
    database_url: str, articles: int, seed: int = 7, progress: bool = True, writers: int = 2, makers: int = 2
) -> dict[str, Any]:
    """Recreate ``database_url``'s database, migrate it and fill it; what was loaded and how long it took."""
    began = time.perf_counter()
    admin_url, name = database_url.rsplit("/", 1)
    recreate(admin_url, name)
    manage(database_url, "migrate", "-v0")
    now = datetime.now(UTC).replace(microsecond=0)
    timings: dict[str, float] = {}
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("SET synchronous_commit = off")
    cursor.execute("SET maintenance_work_mem = '1GB'")
    rows = [
        (pk, name, slug, f"https://www.{slug}.example/", "t", now - timedelta(days=800), "[]", "[]", "", "",
         now, None, "")
        for pk, (name, slug) in enumerate(zip(SOURCES, source_slugs(), strict=True), start=1)
    ]  # fmt: skip
    cursor.copy_expert(
        "COPY articles_source (id, name, slug, homepage, active, created_at, feed_urls, section_urls, "
        "link_pattern, deny_pattern, next_discovery_at, last_discovered_at, last_discovery_error) FROM STDIN",
        io.StringIO(copy_text(rows)),
    )
    deferred = deferred_structures(cursor)

    # Chunks are made in ``makers`` processes and COPYed by ``writers`` threads, each with its own connection.
    chunks: queue.Queue = queue.Queue(maxsize=writers)
    copy_seconds = [0.0]
    lock = threading.Lock()

    def copier() -> None:
        writer = psycopg2.connect(database_url)
        with writer.cursor() as c:
            c.execute("SET synchronous_commit = off")
            while (tables := chunks.get()) is not None:
                started = time.perf_counter()
                for table, columns, text in tables:
                    c.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))
                writer.commit()
                with lock:
                    copy_seconds[0] += time.perf_counter() - started
        writer.close()

    threads = [threading.Thread(target=copier) for _ in range(writers)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    versions = 0
    # Spawned, not forked: a forked process would share this one's connections.
    context = multiprocessing.get_context("spawn")
    with (
        context.Pool(makers, start_maker, (seed, articles, now, database_url)) as pool,
        tqdm(total=articles, unit=" articles", disable=not progress, smoothing=0.05) as bar,
    ):
        for made, made_versions, tables in pool.imap(make_chunk, range(1, articles + 1, CHUNK)):
            chunks.put(tables)
            versions += made_versions
            bar.update(made)
            bar.set_postfix(versions=versions)
    for _ in threads:
        chunks.put(None)
    for thread in threads:
        thread.join()
    timings["copy_wall_seconds"] = time.perf_counter() - started
    timings["copy_busy_seconds_per_writer"] = copy_seconds[0] / writers
    started = time.perf_counter()
    analyze(cursor)
    # The sources' counters read only the loaded tables: made beside the indexes.
    counted: dict[str, float] = {}
    counters = threading.Thread(target=lambda: counted.update(manage(database_url, "rebuild_source_days")))
    counters.start()
    timings["slowest_index_seconds"] = restore(database_url, deferred, writers, progress)
    counters.join()
    if "seconds" not in counted:
        raise SystemExit("manage.py rebuild_source_days failed")
    timings["source_days_seconds"] = counted["seconds"]
    cursor.execute("SELECT setval('articles_article_id_seq', %s)", [articles])
    cursor.execute("SELECT setval('articles_version_id_seq', (SELECT max(id) FROM articles_version))")
    cursor.execute("SELECT setval('articles_source_id_seq', %s)", [len(SOURCES)])
    timings["index_seconds"] = time.perf_counter() - started
    # The feed entries a live site keeps for its recent changes (FEED_ENTRY_DAYS), made as an installation
    # from before they were kept makes them: the recent versions, a small share of all, diffed by the app.
    timings["feed_entries_seconds"] = manage(database_url, "make_feed_entries")["seconds"]
    started = time.perf_counter()
    # What autovacuum would have done on a live site: statistics, and the visibility map for index-only scans.
    cursor.execute("VACUUM (ANALYZE)")
    timings["vacuum_analyze_seconds"] = time.perf_counter() - started
    cursor.execute("SELECT pg_database_size(current_database())")
    size = first_value(cursor)
    connection.close()
    return {
        "articles": articles,
        "versions": versions,
        "seed": seed,
        "database_gib": round(size / 2**30, 2),
        **{k: round(v, 1) for k, v in timings.items()},
        "total_seconds": round(time.perf_counter() - began, 1),
    }


def analyze(cursor: Any) -> None:
    """Statistics of the loaded tables, for the queries of the commands run after the COPY. Autovacuum,
    which would gather them on a live site, may be off (it is on this project's machine) or not yet round."""
    cursor.execute("ANALYZE articles_article, articles_version")


def restore(database_url: str, statements: list[str], workers: int, progress: bool) -> float:
    """Run the deferred ``statements`` again, the indexes in ``workers`` connections at once and the foreign
    keys after them (a key's check locks out an index build on its tables); the longest one's seconds. One
    after another the indexes took 458 s at 1.28 M articles, most of it the text index's."""
    indexes = [s for s in statements if s.startswith("CREATE")]
    keys = [s for s in statements if not s.startswith("CREATE")]
    # The text index (the longest by far) first, so that the others are built beside it.
    indexes.sort(key=lambda statement: "USING gin" not in statement)
    work: queue.Queue = queue.Queue()
    for statement in indexes:
        work.put(statement)
    longest = [0.0]
    failed: list[BaseException] = []
    bar = tqdm(total=len(statements), desc="indexes and keys", disable=not progress)

    def builder() -> None:
        connection = psycopg2.connect(database_url)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            while not failed:
                try:
                    statement = work.get_nowait()
                except queue.Empty:
                    break
                started = time.perf_counter()
                try:
                    cursor.execute(statement)
                except BaseException as error:  # raised again in the caller's thread
                    failed.append(error)
                longest[0] = max(longest[0], time.perf_counter() - started)
                bar.update()
        connection.close()

    threads = [threading.Thread(target=builder) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failed:
        raise failed[0]
    for statement in keys:
        work.put(statement)
    builder()
    bar.close()
    if failed:
        raise failed[0]
    return longest[0]


def check_stats(database_url: str, sample: int = 2000, seed: int = 7) -> dict[str, Any]:
    """Stored change statistics against diffing.change_stats on random consecutive pairs of versions."""
    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM articles_article")
        top = first_value(cursor)
        ids = random.Random(seed).sample(range(1, top + 1), min(sample, top))
        cursor.execute(
            "SELECT article_id, number, title, byline, paragraphs, words_added, words_removed, "
            "paragraphs_added, paragraphs_removed, paragraphs_changed, title_changed, paragraphs_moved, "
            "packed_paragraphs, packed_against "
            "FROM articles_version WHERE article_id = ANY(%s) ORDER BY article_id, number",
            [ids],
        )
        rows = cursor.fetchall()
    connection.close()
    pairs = agree = 0
    previous = None
    reader = ChainReader()
    for row in rows:
        text = ArticleText(row[2], row[3], tuple(reader.paragraphs(row[0], row[1], row[4], row[12], row[13])))
        if previous is not None and previous[0] == row[0]:
            pairs += 1
            stored = ChangeStats(*row[5:12])  # the columns in the order of its fields
            agree += change_stats(previous[1], text) == stored
        previous = (row[0], text)
    return {"pairs": pairs, "agree": agree, "share": round(agree / pairs, 4) if pairs else None}


def check_documents(database_url: str, sample: int = 2000, seed: int = 7) -> dict[str, Any]:
    """Stored search documents (made a word at a time, search_documents.Lexicon) against Postgres's reading
    of each sampled article's whole searchable text, as ``add_words`` stores a version's."""
    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM articles_article")
        ids = random.Random(seed).sample(range(1, first_value(cursor) + 1), sample)
        cursor.execute(
            "SELECT article_id, number, title, byline, paragraphs, packed_paragraphs, packed_against "
            "FROM articles_version WHERE article_id = ANY(%s) ORDER BY article_id, number",
            [ids],
        )
        pieces: dict[int, set[str]] = {}
        reader = ChainReader()
        for pk, number, title, byline, plain, blob, against in cursor.fetchall():
            text = ArticleText(title, byline, tuple(reader.paragraphs(pk, number, plain, blob, against)))
            pieces.setdefault(pk, set()).update(searchable_pieces(text))
        owners = sorted(pieces)
        cursor.execute(
            """
            SELECT count(*) FILTER (WHERE s.document = strip(to_tsvector('english', whole.text))), count(*)
            FROM unnest(%s::bigint[], %s::text[]) AS whole (article_id, text)
            JOIN articles_articlesearch s USING (article_id)
            """,
            [owners, [search_documents.search_text("\n".join(pieces[pk])) for pk in owners]],
        )
        row = cursor.fetchone()
    connection.close()
    assert row is not None  # an aggregate answers with one row
    return {"articles": row[1], "same": row[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--articles", type=int, default=1_280_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--writers", type=int, default=2, help="parallel COPY connections")
    parser.add_argument("--makers", type=int, default=2, help="processes making the rows")
    args = parser.parse_args()
    print(
        json.dumps(
            load(args.database_url, args.articles, args.seed, writers=args.writers, makers=args.makers)
        )
    )
    print(json.dumps({"stats_check": check_stats(args.database_url)}))
    print(json.dumps({"documents_check": check_documents(args.database_url)}))


if __name__ == "__main__":
    main()
