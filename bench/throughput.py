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
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.database import ChainReader, manage, recreate  # noqa: E402
from bench.processes import free_port, http_status, newsroom_command, stack_environment, wait_for  # noqa: E402

GOALS = {"unchanged bytes": 500.0, "chrome churn": 100.0, "real edits": 75.0}
REDIS_DB_URL = "redis://127.0.0.1:6379/11"


class Stack:
    """The newsroom, the workers and beat as separate processes, with one environment."""

    def __init__(self, database_url: str, articles: int, concurrency: int, pool: str, workers: int) -> None:
        self.var_dir = tempfile.mkdtemp(prefix="nd-throughput-")
        self.env = stack_environment(
            database_url,
            REDIS_DB_URL,
            self.var_dir,
            "WARNING",
            TRACK_SWEEP_INTERVAL="1",
            TRACK_SWEEP_BATCH="2000",
        )
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.articles, self.concurrency, self.pool, self.workers = articles, concurrency, pool, workers

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(args, cwd=BASE_DIR, env=self.env, stdout=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def start_newsroom(self) -> None:
        self.start(*newsroom_command(self.port, self.articles, seed=7))
        wait_for(lambda: http_status(f"{self.base}/_newsroom/clock") == 200, 60, "newsroom")

    def start_workers(self) -> None:
        celery = str(Path(sys.executable).with_name("celery"))
        for n in range(self.workers):
            self.start(celery, "-A", "newsdiffs", "worker", "--pool", self.pool, "--concurrency",
                       str(self.concurrency), "--loglevel", "WARNING", "--hostname", f"bench{n}@%h",
                       "--without-gossip", "--without-mingle", "--without-heartbeat")  # fmt: skip
        self.start(celery, "-A", "newsdiffs", "beat", "--loglevel", "WARNING",
                   "--schedule", f"{self.var_dir}/beat-schedule")  # fmt: skip

    def mode(self, **flags: str) -> None:
        httpx.post(f"{self.base}/_newsroom/mode", params=flags, timeout=30)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def track_all(stack: Stack) -> int:
    from articles.models import Article, Source

    truth = httpx.get(f"{stack.base}/_newsroom/truth.json", timeout=600).json()
    source = Source.objects.create(name="Newsroom", slug="newsroom", homepage=stack.base + "/")
    articles = [Article(url=stack.base + a["path"], source=source) for a in truth["articles"]]
    return len(Article.objects.bulk_create(articles, batch_size=2000))


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the newsroom, the Celery workers and beat, Postgres and Redis."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"newsroom": 0.0, "celery": 0.0, "postgres": 0.0, "redis": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        if "manage.py newsroom" in cmdline:
            totals["newsroom"] += used
        elif "celery" in cmdline and "newsdiffs" in cmdline:
            totals["celery"] += used
        elif cmdline.startswith("postgres"):
            totals["postgres"] += used
        elif cmdline.startswith("redis-server"):
            totals["redis"] += used
    return totals


def run_round(connection, stack: Stack, name: str, timeout: float) -> dict[str, object]:
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_version")
        versions_before = cursor.fetchone()[0]
        cursor.execute("SELECT now()")
        start_db = cursor.fetchone()[0]
        cursor.execute("UPDATE articles_article SET next_check_at = now() WHERE status = 'active'")
        due = cursor.rowcount
    cpu_before = cpu_seconds()
    start = time.monotonic()
    checked = 0
    while checked < due and time.monotonic() - start < timeout:
        time.sleep(0.25)
        with connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM articles_article WHERE last_checked_at >= %s", [start_db])
            checked = cursor.fetchone()[0]
    elapsed = time.monotonic() - start
    cpu_after = cpu_seconds()
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


def correctness(connection, stack: Stack) -> dict[str, int]:
    from newsroom.stories import text_key

    served = httpx.get(f"{stack.base}/_newsroom/served.json", timeout=600).json()
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

    stack = Stack(database_url, args.articles, args.concurrency, args.pool, args.workers)
    connection = psycopg2.connect(database_url)
    rounds = []
    try:
        stack.start_newsroom()
        tracked = track_all(stack)
        print(
            f"{tracked} newsroom stories tracked; workers: {args.workers} × {args.pool} × {args.concurrency}"
        )
        stack.start_workers()
        stack.mode(churn="1", rewrite="0")
        rounds.append(run_round(connection, stack, "first fetch", args.timeout))
        stack.mode(churn="0", rewrite="0")
        run_round(connection, stack, "warm-up no churn", args.timeout)  # stores the unchurned bytes' hash
        rounds.append(run_round(connection, stack, "unchanged bytes", args.timeout))
        stack.mode(churn="1", rewrite="0")
        rounds.append(run_round(connection, stack, "chrome churn", args.timeout))
        stack.mode(churn="1", rewrite="1")
        rounds.append(run_round(connection, stack, "real edits", args.timeout))
        checked = correctness(connection, stack)
    finally:
        stack.stop()
        connection.close()
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
