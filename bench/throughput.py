"""Checks per second with real Celery workers, beat, Redis and Postgres against the simulated newsroom.

    .venv/bin/python bench/throughput.py [--articles 5000] [--concurrency 4] [--pool prefork]

A fresh Postgres database tracks N newsroom stories; beat sweeps every second and the workers check what
is due. Each round makes every story due at once and times until all N have been checked:

  first fetch      every story new: fetch, extract, store version 0
  unchanged bytes  the newsroom serves identical bytes (no churn): 304 where the template sends
                   validators, the raw-body hash elsewhere — no parsing           goal >= 500 checks/s
  chrome churn     every load differs in ads, counters, related links, whitespace,
                   the story does not: fetch + extract + hash, nothing stored      goal >= 100 checks/s
  real edits       the newsroom edits every story on every request: a version
                   each check                                                      goal >= 75 versions/s

Afterwards the newsroom's log of the texts it served is compared with the versions stored: every text
served must be stored once (missed = 0) and nothing else (spurious = 0). Politeness limits are lifted
for the run (POLITE_HOST_DELAY=0): the newsroom is one host, and real fleets spread over many.
Writes bench/results/throughput.json.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import processes  # noqa: E402
from bench.database import ChainReader, manage, recreate  # noqa: E402

GOALS = {"unchanged bytes": 500.0, "chrome churn": 100.0, "real edits": 75.0}
REDIS_DB_URL = "redis://127.0.0.1:6379/11"


def benchmark_stack(database_url: str, **settings: str) -> processes.Stack:
    """The newsroom, the workers and beat share one environment: by default beat sweeps every second, in
    batches that keep up."""
    var_dir = tempfile.mkdtemp(prefix="nd-throughput-")
    sweeps = {"TRACK_SWEEP_INTERVAL": "1", "TRACK_SWEEP_BATCH": "2000"} | settings
    env = processes.stack_environment(database_url, REDIS_DB_URL, var_dir, "WARNING", **sweeps)
    return processes.Stack(var_dir, env)


def start_checking(stack: processes.Stack, workers: int, pool: str, concurrency: int) -> None:
    """``workers`` Celery workers and beat."""
    for n in range(workers):
        stack.worker(f"worker-{n}", pool, "WARNING", concurrency, hostname=f"bench{n}")
    stack.beat()


def set_mode(newsroom: str, **flags: str) -> None:
    httpx.post(f"{newsroom}/_newsroom/mode", params=flags, timeout=30)


def track_all(newsroom: str) -> int:
    from articles.models import Article, Source

    truth = httpx.get(f"{newsroom}/_newsroom/truth.json", timeout=600).json()
    source = Source.objects.create(name="Newsroom", slug="newsroom", homepage=newsroom + "/")
    articles = [Article(url=newsroom + a["path"], source=source) for a in truth["articles"]]
    return len(Article.objects.bulk_create(articles, batch_size=2000))


def cpu_seconds(stack: processes.Stack) -> dict[str, float]:
    """CPU time used so far by the newsroom, the Celery workers and beat (each the stack's process group),
    and Postgres and Redis (all their processes on the machine, found by name)."""
    groups = stack.cpu_seconds()
    totals = {
        "newsroom": groups.pop("newsroom"),
        "celery": sum(groups.values()),
        "postgres": 0.0,
        "redis": 0.0,
    }
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        if cmdline.startswith("postgres"):
            totals["postgres"] += used
        elif cmdline.startswith("redis-server"):
            totals["redis"] += used
    return totals


def run_round(connection, stack: processes.Stack, name: str, timeout: float) -> dict[str, object]:
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_version")
        versions_before = cursor.fetchone()[0]
        cursor.execute("SELECT now()")
        start_db = cursor.fetchone()[0]
        cursor.execute("UPDATE articles_article SET next_check_at = now() WHERE status = 'active'")
        due = cursor.rowcount
    cpu_before = cpu_seconds(stack)
    start = time.monotonic()
    checked = 0
    while checked < due and time.monotonic() - start < timeout:
        time.sleep(0.25)
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM articles_article WHERE last_checked_at >= %s", [start_db])
            checked = cursor.fetchone()[0]
    elapsed = time.monotonic() - start
    cpu_after = cpu_seconds(stack)
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(last_checked_at), max(last_checked_at),"
            " count(*) FILTER (WHERE consecutive_failures > 0)"
            " FROM articles_article WHERE last_checked_at >= %s",
            [start_db],
        )
        first, last, failed = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM articles_version")
        new_versions = cursor.fetchone()[0] - versions_before
    span = (last - first).total_seconds() if first and last else 0.0
    result = {
        "round": name,
        "articles": due,
        "checked": checked,
        "failed": failed,
        "new_versions": new_versions,
        "wall_seconds": round(elapsed, 2),
        "checks_per_second": round(checked / elapsed, 1),
        # From the first check's start to the last one's: the workers' pace without beat's first tick.
        "checks_per_second_steady": round(checked / span, 1) if span else None,
        "versions_per_second": round(new_versions / elapsed, 1),
        # Where the two cores went, in CPU milliseconds per check.
        "cpu_ms_per_check": {
            k: round((cpu_after[k] - cpu_before[k]) * 1000 / max(checked, 1), 2) for k in cpu_after
        },
    }
    print(
        f"  {name:16} {checked}/{due} checked in {elapsed:6.1f} s:"
        f" {result['checks_per_second']:7.1f} checks/s, {result['versions_per_second']:6.1f} versions/s,"
        f" {failed} failed; CPU ms/check {result['cpu_ms_per_check']}"
    )
    return result


def correctness(connection, newsroom: str) -> dict[str, int]:
    from newsroom.stories import text_key

    served = httpx.get(f"{newsroom}/_newsroom/served.json", timeout=600).json()
    stored: dict[int, list[str]] = {}
    with connection, connection.cursor("versions") as cursor:
        cursor.itersize = 5000
        cursor.execute(
            "SELECT a.url, v.title, v.article_id, v.number, v.paragraphs, v.packed_paragraphs,"
            " v.packed_against FROM articles_version v JOIN articles_article a ON a.id = v.article_id"
            " ORDER BY v.article_id, v.number"
        )
        reader = ChainReader()
        for url, title, *text in cursor:
            story_id = int(url.rsplit("-", 1)[-1].rstrip("/"))
            stored.setdefault(story_id, []).append(text_key(title, reader.paragraphs(*text)))
    missed = spurious = texts = 0
    for story_id, keys in served.items():
        want, got = set(keys), stored.get(int(story_id), [])
        texts += len(want)
        missed += len(want - set(got))
        spurious += len([k for k in got if k not in want]) + len(got) - len(set(got))
    return {"texts_served": texts, "versions_stored": sum(map(len, stored.values())), "missed": missed,
            "spurious": spurious}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pool", default="prefork")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    import redis

    redis.Redis.from_url(REDIS_DB_URL).flushdb()
    database_url = recreate(args.postgres, "newsdiffs_bench_throughput")
    manage(database_url, "migrate", "--noinput")
    os.environ["DATABASE_URL"] = database_url
    import bench.setup  # noqa: F401  (Django, for the newsroom app)

    rounds = []
    with (
        benchmark_stack(database_url) as stack,
        contextlib.closing(psycopg2.connect(database_url)) as connection,
    ):
        newsroom = stack.newsroom(processes.free_port(), args.articles, seed=7)
        tracked = track_all(newsroom)
        print(
            f"{tracked} newsroom stories tracked; workers: {args.workers} × {args.pool} × {args.concurrency}"
        )
        start_checking(stack, args.workers, args.pool, args.concurrency)
        set_mode(newsroom, churn="1", rewrite="0")
        rounds.append(run_round(connection, stack, "first fetch", args.timeout))
        set_mode(newsroom, churn="0", rewrite="0")
        run_round(connection, stack, "warm-up no churn", args.timeout)  # stores the unchurned bytes' hash
        rounds.append(run_round(connection, stack, "unchanged bytes", args.timeout))
        set_mode(newsroom, churn="1", rewrite="0")
        rounds.append(run_round(connection, stack, "chrome churn", args.timeout))
        set_mode(newsroom, churn="1", rewrite="1")
        rounds.append(run_round(connection, stack, "real edits", args.timeout))
        checked = correctness(connection, newsroom)
    print(f"process logs: {stack.directory}")
    print(f"\ncorrectness: {checked}")
    print(f"\n{'case':16} {'rate':>10} {'goal':>8} {'ratio':>7}")
    for result in rounds:
        goal = GOALS.get(str(result["round"]))
        rate = (
            result["versions_per_second"] if result["round"] == "real edits" else result["checks_per_second"]
        )
        unit = "versions/s" if result["round"] == "real edits" else "checks/s"
        ratio = f"{rate / goal:.2f}" if goal else "—"  # type: ignore[operator]  # a rate is a number
        print(f"{result['round']:16} {rate:>10} {goal or '':>8} {ratio:>7}  {unit}")
    summary = {
        "machine": f"{os.cpu_count()} cores",
        "articles": args.articles,
        "workers": f"{args.workers} × {args.pool} × {args.concurrency}",
        "rounds": rounds,
        "correctness": checked,
        "goals": GOALS,
    }
    (BASE_DIR / "bench" / "results" / "throughput.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
