"""Server time of every page at a million articles: p50/p95/p99 against the goals, and the plans of the slow.

    .venv/bin/python bench/scale.py [--articles 1280000] [--requests 200] [--reload]

Builds (``bench/loader.py``) a Postgres database of 1.28 M articles and ~4.6 M versions, unless the database
``--database`` already holds that size and seed (its COMMENT says so), then migrates it (new migrations run
on the big tables, as in a deployment) and asks the Django test client in this process for each page
``--requests`` times: random articles, sources, diff pairs, older pages (keyset cursors anywhere in the two
years), search terms found in most, some or a handful of the articles, quoted two-word phrases, URLs in
another variant.

Each page is measured cold (a dummy cache: every cache.get_or_set computes, so the database path is what is
timed) and, where a page caches something, again with a warm local-memory cache. Postgres's own buffers are
never cleared: random articles across a 50 GB database miss them as on a live site. DEBUG is off.
For each page whose cold p95 is over its goal, the slowest queries of its slowest requests are run again
under EXPLAIN (ANALYZE, BUFFERS) into bench/results/scale-explain.txt.
Writes bench/results/scale.json.
"""

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = BASE_DIR / "bench" / "results"
PAGE_GOAL_MS = 50
SEARCH_GOAL_MS = 200


def configure(database_url: str) -> None:
    """Production-like settings for the pages measured; must run before Django is set up."""
    static_root = tempfile.mkdtemp(prefix="nd-scale-static-")
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL="",
        DEBUG="0",
        SECRET_KEY="bench-scale-not-secret",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=static_root,
        NEWSDIFFS_VAR_DIR=tempfile.mkdtemp(prefix="nd-scale-var-"),
        API_ANON_RATE="1000000000/day",
        DIFF_RENDERS_PER_MINUTE="1000000000",  # one client asks for every diff
    )


def database_comment(admin_url: str, name: str) -> str | None:
    connection = psycopg2.connect(f"{admin_url}/postgres")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        )
        row = cursor.fetchone()
    connection.close()
    return row[0] if row else None


def build(admin_url: str, name: str, articles: int, seed: int, reload: bool) -> dict[str, Any]:
    """The loaded database's description: loaded now, or found from an earlier run."""
    from bench.database import manage
    from bench.loader import DATA_RELEASE, load

    database_url = f"{admin_url}/{name}"
    marker = f"bench-scale articles={articles} seed={seed} data={DATA_RELEASE}"
    comment = database_comment(admin_url, name)
    if not reload and comment and comment.startswith(marker):
        loaded = json.loads(comment[len(marker) :])
        started = time.perf_counter()
        manage(database_url, "migrate", "-v0")
        return {**loaded, "reused": True, "migrate_seconds": round(time.perf_counter() - started, 1)}
    loaded = load(database_url, articles, seed)
    connection = psycopg2.connect(f"{admin_url}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'COMMENT ON DATABASE "{name}" IS %s', [marker + json.dumps(loaded)])
    connection.close()
    return {**loaded, "reused": False}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {"p50": round(statistics.median(ordered), 1), "p95": at(0.95), "p99": at(0.99), "n": len(ordered)}


class Workload:
    """The addresses each page is asked for: random but fixed by the seed."""

    def __init__(self, requests: int, seed: int) -> None:
        from django.db import connection

        from articles.models import Article, Source

        self.load_seed = seed
        self.rng = random.Random(seed)
        self.requests = requests
        self.slugs = list(Source.objects.values_list("slug", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id), max(id) FROM articles_article")
            self.low, self.high = cursor.fetchone()
            cursor.execute("SELECT min(fetched_at), max(fetched_at) FROM articles_version")
            self.first, self.last = cursor.fetchone()
        self.removed = set(Article.objects.filter(status="removed").values_list("pk", flat=True))

    def article_ids(self, count: int, min_versions: int = 1) -> list[tuple[int, int]]:
        """(id, version_count) of random published articles with at least ``min_versions`` versions."""
        from articles.models import Article

        found: list[tuple[int, int]] = []
        while len(found) < count:
            ids = [self.rng.randint(self.low, self.high) for _ in range(count * 3)]
            rows = dict(Article.objects.filter(pk__in=ids).values_list("pk", "version_count"))
            found += [
                (pk, rows[pk])
                for pk in ids
                if pk in rows and rows[pk] >= min_versions and pk not in self.removed
            ]
        return found[:count]

    def moment(self) -> datetime:
        return self.first + (self.last - self.first) * self.rng.random()

    def cursor(self) -> str:
        from articles.paging import _encode

        return _encode([self.moment(), 10**12])

    def maybe_older(self) -> str:
        return f"?after={self.cursor()}" if self.rng.random() < 0.5 else ""

    def pages(self) -> dict[str, list[str]]:
        n, rng = self.requests, self.rng
        articles = self.article_ids(n)
        edited = self.article_ids(n, min_versions=2)
        pairs = []
        for pk, count in edited:
            new = rng.randint(1, count - 1)
            old = new - 1 if rng.random() < 0.8 else rng.randint(0, new - 1)
            pairs.append(f"/articles/{pk}/diff/{old}/{new}/")
        return {
            "home": ["/" if rng.random() < 0.5 else f"/?source={rng.choice(self.slugs)}" for _ in range(n)],
            "home, older page": [f"/?after={self.cursor()}" for _ in range(n)],
            "home, biggest": [f"/?view=biggest&period={rng.choice(('day', 'week'))}" for _ in range(n)],
            "sources": ["/sources/"] * n,
            "source": [
                f"/sources/{rng.choice(self.slugs)}/"
                + (f"?after={self.cursor()}" if rng.random() < 0.5 else "")
                for _ in range(n)
            ],
            "article": [f"/articles/{pk}/" for pk, _ in articles],
            "version": [f"/articles/{pk}/versions/{rng.randrange(count)}/" for pk, count in articles],
            "diff": pairs,
            "article feed": [f"/articles/{pk}/feed.atom" for pk, _ in edited],
            "changes feed": ["/feeds/changes.atom"] * n,
            "api: articles": [
                "/api/v1/articles/" + (f"?source={rng.choice(self.slugs)}" if rng.random() < 0.5 else "")
                for _ in range(n)
            ],
            "api: article": [f"/api/v1/articles/{pk}/" for pk, _ in articles],
            "api: versions": [f"/api/v1/articles/{pk}/versions/" for pk, _ in articles],
            **self.searches(),
        }

    def searches(self) -> dict[str, list[str]]:
        """Words by how many versions hold them (from a sample), and URLs in another variant."""
        from django.db import connection

        from articles.models import Article, Version, load_paragraphs

        # Each sampled version's words as search has them (the app stores no document per version, and
        # its texts are packed: read through the app).
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(id) FROM articles_version")
            top = cursor.fetchone()[0] or 0
        picked = random.Random(7).sample(range(1, top + 1), min(top, 3000))
        sampled = list(Version.objects.filter(pk__in=picked).order_by())
        load_paragraphs(sampled)
        texts = [" ".join((v.title, *v.paragraphs)) for v in sampled]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word, count(DISTINCT number)::float / %s "
                "FROM unnest(%s::text[]) WITH ORDINALITY AS sampled (text, number), "
                "unnest(tsvector_to_array(to_tsvector('english', text))) AS word "
                "WHERE length(word) > 3 AND word ~ '^[a-z]+$' GROUP BY word",
                [max(len(texts), 1), texts],
            )
            shares = cursor.fetchall()
            # Words as people type them, bucketed by how many versions hold their stem.
            share_of = dict(shares)
            cursor.execute(
                "SELECT w, array_to_string(tsvector_to_array(to_tsvector('english', w)), ' ') "
                "FROM unnest(%s::text[]) w",
                [self.corpus_words()],
            )
            stems = cursor.fetchall()
        common = sorted(word for word, stem in stems if share_of.get(stem, 0) > 0.2)
        medium = sorted(word for word, stem in stems if 0.002 < share_of.get(stem, 0) < 0.01)
        rare = self.rare_words()
        phrases = self.corpus_phrases()
        n, rng = self.requests, self.rng
        urls = list(Article.objects.filter(pk__in=[pk for pk, _ in self.article_ids(n)]).values_list("url"))
        return {
            "search: common word": [f"/search/?q={rng.choice(common)}" for _ in range(n)],
            "search: medium word": [f"/search/?q={rng.choice(medium)}" for _ in range(n)],
            "search: rare word": [f"/search/?q={rng.choice(rare)}" for _ in range(n)],
            "search: two words": [f"/search/?q={rng.choice(common)}+{rng.choice(medium)}" for _ in range(n)],
            "search: phrase": [f"/search/?q=%22{'+'.join(rng.choice(phrases))}%22" for _ in range(n)],
            "search: URL": [
                "/search/?q=" + url.replace("https://www.", "http://") + "%3Futm_source%3Dx"
                for (url,) in urls
            ],
        }

    def corpus_words(self) -> list[str]:
        from bench.loader import CORPUS, is_english

        bodies = json.loads(CORPUS.read_text()).values()
        text = " ".join(body["articleBody"] for body in bodies if is_english(body["articleBody"]))
        return sorted({word for word in text.lower().split() if word.isalpha() and len(word) > 3})

    def corpus_phrases(self) -> list[tuple[str, str]]:
        """Two words in a row of the corpus's text (each of four letters or more): phrases the loaded
        texts hold, in their windows of it."""
        from bench.loader import CORPUS, is_english

        bodies = json.loads(CORPUS.read_text()).values()
        words = " ".join(body["articleBody"] for body in bodies if is_english(body["articleBody"])).split()
        plain = [w.lower() if w.isalpha() and len(w) > 3 else "" for w in words]
        return sorted({(a, b) for a, b in itertools.pairwise(plain) if a and b})

    def rare_words(self) -> list[str]:
        """Names far down the loader's Zipf tail: each is in a few dozen versions at full size."""
        from bench.loader import Vocabulary

        vocabulary = Vocabulary(random.Random(self.load_seed + 1))
        ranks = range(len(vocabulary.names) // 2, len(vocabulary.names))
        return [vocabulary.names[r] for r in self.rng.sample(ranks, 200)]


def is_search(page: str) -> bool:
    return page.startswith("search")


def measure(client: Any, urls: list[str]) -> tuple[list[float], list[tuple[float, str]]]:
    times, slowest = [], []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in (200, 302):
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        times.append(elapsed)
        slowest.append((elapsed, url))
    slowest.sort(reverse=True)
    return times, slowest[:3]


def queries_of(client: Any, url: str) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [{"sql": q["sql"], "ms": float(q["time"]) * 1000} for q in captured.captured_queries]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def run(requests: int, seed: int, explain_to: Path, only: str = "") -> dict[str, Any]:
    from django.core.cache import caches
    from django.test import Client, override_settings

    workload = Workload(requests, seed)
    pages = workload.pages()
    client = Client()
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "scale"}}
    cached_pages = {"home", "home, older page", "home, biggest", "sources", "source", "diff", "article feed",
                    "changes feed"}  # fmt: skip
    results: dict[str, Any] = {}
    explained: list[str] = []
    for page, urls in pages.items():
        if only and not any(part in page for part in only.split(",")):
            continue
        goal = SEARCH_GOAL_MS if is_search(page) else PAGE_GOAL_MS
        with override_settings(CACHES=dummy):
            client.get(urls[0])  # the first request of a page imports and compiles its code
            cold, slowest = measure(client, urls)
            queries = queries_of(client, slowest[0][1])
        row: dict[str, Any] = {"goal_ms": goal, "cold": percentiles(cold)}
        row["cold"]["p95_to_goal"] = round(row["cold"]["p95"] / goal, 2)
        row["queries_in_slowest"] = len(queries)
        row["slowest"] = [{"ms": round(ms, 1), "url": url} for ms, url in slowest]
        if page in cached_pages:
            with override_settings(CACHES=local):
                caches["default"].clear()
                measure(client, urls)
                warm, _ = measure(client, urls)
            row["cached"] = percentiles(warm)
            row["cached"]["p95_to_goal"] = round(row["cached"]["p95"] / goal, 2)
        results[page] = row
        flag = "OVER" if row["cold"]["p95"] > goal else "ok"
        cached = f"  cached p95 {row['cached']['p95']:7.1f}" if "cached" in row else ""
        cold = row["cold"]
        print(
            f"{page:22} p50 {cold['p50']:7.1f}  p95 {cold['p95']:7.1f}  p99 {cold['p99']:7.1f} ms"
            f"  p95/goal {cold['p95_to_goal']:5.2f} {flag:4}{cached}",
            flush=True,
        )
        if row["cold"]["p95"] > goal:
            explained.append(f"==== {page}: cold p95 {row['cold']['p95']} ms (goal {goal} ms)")
            for url_ms, url in slowest[:2]:
                with override_settings(CACHES=dummy):
                    queries = queries_of(client, url)
                explained.append(f"--- {url} ({url_ms:.1f} ms, {len(queries)} queries)")
                for query in sorted(queries, key=lambda q: -q["ms"])[:2]:
                    sql = query["sql"]  # a search's page of texts is megabytes of parameters
                    shown = sql if len(sql) <= 1000 else f"{sql[:1000]} … ({len(sql) - 1000} more characters)"
                    explained.append(f"-- {query['ms']:.1f} ms\n{shown}\n{explain(sql)}\n")
    explain_to.write_text("\n".join(explained) + "\n")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1_280_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="newsdiffs_bench_scale")
    parser.add_argument("--reload", action="store_true", help="rebuild the database even if it is there")
    parser.add_argument("--results", default=str(RESULTS / "scale.json"))
    parser.add_argument(
        "--pages", default="", help="only the pages whose name contains one of these (comma-separated)"
    )
    args = parser.parse_args()
    configure(f"{args.postgres}/{args.database}")
    sys.path.insert(0, str(BASE_DIR))
    from bench.database import manage

    loaded = build(args.postgres, args.database, args.articles, args.seed, args.reload)
    print(json.dumps(loaded), flush=True)
    manage(f"{args.postgres}/{args.database}", "collectstatic", "--noinput", "-v0")
    import bench.setup  # noqa: F401  (Django set up with the settings above)

    results_path = Path(args.results)
    explain_to = results_path.with_name(results_path.stem + "-explain.txt")
    pages = run(args.requests, args.seed, explain_to, args.pages)
    over = [page for page, row in pages.items() if row["cold"]["p95"] > row["goal_ms"]]
    print(f"over goal (cold p95): {', '.join(over) or 'none'}")
    results_path.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(),
                "load": loaded,
                "requests_per_page": args.requests,
                "goals_ms": {"pages": PAGE_GOAL_MS, "search": SEARCH_GOAL_MS},
                "pages": pages,
                "over_goal": over,
                "explain": explain_to.name,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
