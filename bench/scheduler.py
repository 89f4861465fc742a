"""The scheduler at a million tracked articles: sweep cost against the number due, and lateness of due
checks under a steady load with real beat, workers, Redis and Postgres checking the simulated newsroom.

    .venv/bin/python bench/scheduler.py [--articles 1000000] [--rate 50] [--minutes 5]

1. Sweep cost. The articles table is filled (COPY) with N active articles whose next checks are spread
   over the coming day; then `claim_due` (the sweep's query: due articles, most overdue first, FOR UPDATE
   SKIP LOCKED, bounded) is timed with EXPLAIN ANALYZE while 0, 100, 1,000 and 10,000 articles are due, at
   N and at N/10 articles. O(due) means the time follows the due count and not N.
2. Lateness. RATE articles a second fall due for MINUTES minutes (their first versions already stored,
   so each check is a steady-state one: the newsroom churns its chrome and the text is unchanged); beat
   sweeps every TRACK_SWEEP_INTERVAL and the workers check. Lateness = when the check began - when it
   was due. Goal: p95 < 60 s. Writes bench/results/scheduler.json.
"""

import argparse
import contextlib
import io
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg2
from tqdm import tqdm

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import processes  # noqa: E402
from bench.database import first_value, manage, recreate  # noqa: E402
from bench.throughput import REDIS_DB_URL, benchmark_stack, start_checking  # noqa: E402

GOAL_P95 = 60.0


def fill(connection, urls: list[str], first_id: int, articles: int, now: datetime) -> None:
    """Articles ``first_id``.. (``articles`` of them) due over the next day, none due yet, by COPY in chunks.
    The first ones are the newsroom's stories (``urls``); the rest are never fetched during the run."""
    columns = (
        "url, title, first_seen_at, last_changed_at, next_check_at, status, consecutive_failures, last_error,"
        " etag, last_modified, body_hash, version_count, final_url, body_parsed_by, current_hash,"
        " variant_flips"
    )
    chunk = 100_000
    with connection, connection.cursor() as cursor:
        progress = tqdm(total=articles, desc="articles", unit=" rows", unit_scale=True)
        for first in range(0, articles, chunk):
            rows = io.StringIO()
            for n in range(first, min(first + chunk, articles)):
                k = first_id + n
                url = urls[k - 1] if k <= len(urls) else f"https://news.example/story/{k}"
                due = now + timedelta(hours=1, seconds=(n * 86400) / articles)
                seen = (now - timedelta(days=2)).isoformat()
                rows.write(f"{url}\t\t{seen}\t{seen}\t{due.isoformat()}\tactive\t0\t\t\t\t\t0\t\t\t\t0\n")
            rows.seek(0)
            cursor.copy_expert(f"COPY articles_article ({columns}) FROM STDIN", rows)
            progress.update(min(chunk, articles - first))
        progress.close()
        cursor.execute("ANALYZE articles_article")


def time_claims(connection, due_counts: list[int]) -> list[dict[str, float]]:
    """Make ``due`` articles due, EXPLAIN ANALYZE the sweep's claim, undo; per count."""
    from django.db import connection as django_connection

    from articles.models import Article

    results = []
    for due in due_counts:
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "UPDATE articles_article SET next_check_at = now() - interval '1 minute' WHERE id IN"
                " (SELECT id FROM articles_article ORDER BY id LIMIT %s)",
                [due],
            )
        query = Article.objects.due(datetime.now(UTC)).order_by("next_check_at").values_list("pk", flat=True)
        sql, params = query[:2000].query.sql_with_params()
        with django_connection.cursor() as cursor:
            timings = []
            for _ in range(5):
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql} FOR UPDATE SKIP LOCKED", params)
                plan = cursor.fetchone()[0][0]
                timings.append(plan["Execution Time"] + plan["Planning Time"])
            node = plan["Plan"]
            while node.get("Plans"):
                node = node["Plans"][0]
        timings.sort()
        results.append({
            "due": due, "ms": round(timings[len(timings) // 2], 3), "scan": node["Node Type"],
            "index": node.get("Index Name", ""), "rows_read": node.get("Actual Rows", 0),
        })  # fmt: skip
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "UPDATE articles_article SET next_check_at = now() + interval '1 hour' WHERE id IN"
                " (SELECT id FROM articles_article ORDER BY id LIMIT %s)",
                [due],
            )
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=50.0, help="Articles falling due per second.")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    import redis

    redis.Redis.from_url(REDIS_DB_URL).flushdb()
    database_url = recreate(args.postgres, "newsdiffs_bench_scheduler")
    manage(database_url, "migrate", "--noinput")
    os.environ["DATABASE_URL"] = database_url
    import bench.setup  # noqa: F401  (Django, for the ORM's own claim query)

    count = int(args.rate * args.minutes * 60)  # the articles that fall due during the run
    stack = benchmark_stack(
        database_url,
        TRACK_SWEEP_BATCH=os.environ.get("TRACK_SWEEP_BATCH", "2000"),
        TRACK_SWEEP_INTERVAL=os.environ.get("TRACK_SWEEP_INTERVAL", "10"),
    )
    connection = psycopg2.connect(database_url)
    summary: dict[str, object] = {"articles": args.articles, "machine": f"{os.cpu_count()} cores"}
    with stack, contextlib.closing(connection):
        newsroom = stack.newsroom(processes.free_port(), min(max(count, 10), 100_000), seed=7)
        truth = httpx.get(f"{newsroom}/_newsroom/truth.json", timeout=600).json()
        urls = [newsroom + a["path"] for a in truth["articles"]][:count]
        now = datetime.now(UTC)
        tenth = args.articles // 10
        fill(connection, urls, 1, tenth, now)
        small = time_claims(connection, [0, 100, 1000, 10_000])
        fill(connection, urls, tenth + 1, args.articles - tenth, now)
        large = time_claims(connection, [0, 100, 1000, 10_000])
        summary["sweep"] = {f"{args.articles // 10} articles": small, f"{args.articles} articles": large}
        print(f"\nsweep (claim of up to 2,000 due, median of 5) at {tenth:,} and {args.articles:,} articles:")
        for a, b in zip(small, large, strict=True):
            print(
                f"  {a['due']:>6} due: {a['ms']:8.3f} ms vs {b['ms']:8.3f} ms ({b['scan']} on {b['index']})"
            )

        # Steady load: the first RATE × MINUTES × 60 articles by id (the newsroom's) fall due one by one.
        start_checking(stack, 1, "prefork", args.concurrency)
        warm_start = datetime.now(UTC)
        with connection, connection.cursor() as cursor:  # first versions, so the measured checks are steady
            cursor.execute("UPDATE articles_article SET next_check_at = now() WHERE id <= %s", [count])
        while True:
            with connection, connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM articles_article WHERE id <= %s AND last_checked_at >= %s",
                    [count, warm_start],
                )
                if first_value(cursor) >= count:
                    break
            time.sleep(1)
        print(f"warm-up: {count} first versions in {(datetime.now(UTC) - warm_start).total_seconds():.0f} s")
        start = datetime.now(UTC) + timedelta(seconds=5)
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "UPDATE articles_article SET next_check_at = %s + (id - 1) * %s * interval '1 second'"
                " WHERE id <= %s",
                [start, 1 / args.rate, count],
            )
        end = start + timedelta(minutes=args.minutes)
        while datetime.now(UTC) < end + timedelta(seconds=120):
            with connection, connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM articles_article WHERE id <= %s AND last_checked_at >= %s",
                    [count, start],
                )
                done = first_value(cursor)
            if done >= count:
                break
            time.sleep(2)
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT extract(epoch FROM last_checked_at - (%s + (id - 1) * %s * interval '1 second'))"
                " FROM articles_article WHERE id <= %s AND last_checked_at >= %s",
                [start, 1 / args.rate, count, start],
            )
            lateness = [float(row[0]) for row in cursor.fetchall()]
    summary["lateness"] = {
        "rate_per_second": args.rate, "minutes": args.minutes, "due": count, "checked": len(lateness),
        "p50_s": round(percentile(lateness, 0.5), 2), "p95_s": round(percentile(lateness, 0.95), 2),
        "p99_s": round(percentile(lateness, 0.99), 2), "max_s": round(max(lateness, default=float("nan")), 2),
        "goal_p95_s": GOAL_P95,
    }  # fmt: skip
    late = summary["lateness"]
    assert isinstance(late, dict)
    print(
        f"lateness of {late['checked']}/{count} due checks at {args.rate}/s: p50 {late['p50_s']} s,"
        f" p95 {late['p95_s']} s (goal < {GOAL_P95} s, ratio {late['p95_s'] / GOAL_P95:.2f}),"
        f" max {late['max_s']} s"
    )
    (BASE_DIR / "bench" / "results" / "scheduler.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
