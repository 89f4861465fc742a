"""Fault injection against real processes: nothing lost, nothing stored twice.

    .venv/bin/python bench/faults.py [--articles 300] [--only redis-down,postgres-restart]

Runs its own Postgres cluster and its own redis-server (so the faults hit nobody else), the simulated
newsroom, the web (gunicorn), two Celery workers (prefork) and beat, all as separate processes with the
project's settings. Every scenario is one round: the newsroom moves to a new edition (each story serves
one new text, however often it is fetched), every article is made due, a fault strikes mid-round, and the
round ends when each story's new text is stored — or at the timeout. Then it counts:

  expected    one version per story (the edition's text)
  stored      versions written during the round
  duplicates  a story's text stored more than once (0 wanted)
  lost        stories whose edition never got stored (0 wanted)

Scenarios: duplicate + late delivery of check tasks; a prefork child SIGKILLed mid-check; a whole worker
SIGKILLed mid-check; Redis killed for a minute (the web is probed throughout and must keep answering);
Postgres restarted; two beats at once; and catching up after an outage (overdue articles spread out).
Claims are shortened to TRACK_CLAIM_SECONDS=30 here so that a lost check is re-swept within a minute (the
default is 10 minutes). Writes bench/results/faults.json.
"""

import argparse
import contextlib
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg2

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import processes  # noqa: E402
from bench.database import ChainReader  # noqa: E402

CLAIM_SECONDS = 30


class PrivatePostgres:
    """A throwaway Postgres cluster on a free port (its tools run as the postgres user when we are root)."""

    def __init__(self) -> None:
        self.bin = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="nd-faults-pg-"))
        self.port = processes.free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/newsdiffs"
        self.options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
            " -c fsync=off -c max_connections=200 -c shared_buffers=256MB"
        )
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # Postgres refuses to run as root
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, tool: str, *args: str) -> None:
        data = str(self.dir / "data")
        subprocess.run(
            [*self.as_user, str(self.bin / tool), "-D", data, *args], check=True, stdout=subprocess.DEVNULL
        )

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-l", str(self.dir / "log"), "-w", "-t", "60", *args)

    def init(self) -> None:
        self._run("initdb", "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        connection = psycopg2.connect(f"postgres://postgres@127.0.0.1:{self.port}/postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE newsdiffs")
        connection.close()

    def start(self) -> None:
        self._pg_ctl("-o", self.options, "start")

    def restart(self) -> None:
        # -m fast: open connections are cut, as in a failover or an upgrade's restart.
        self._pg_ctl("-o", self.options, "-m", "fast", "restart")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def faults_stack(postgres: PrivatePostgres, redis: processes.PrivateRedis) -> processes.Stack:
    """The stack's processes share one environment: a sweep every 2 s, claims of CLAIM_SECONDS."""
    var_dir = tempfile.mkdtemp(prefix="nd-faults-")
    log_level = os.environ.get("FAULTS_LOG_LEVEL", "WARNING")
    env = processes.stack_environment(
        postgres.url,
        redis.url,
        var_dir,
        log_level,
        TRACK_SWEEP_INTERVAL="2",
        TRACK_CLAIM_SECONDS=str(CLAIM_SECONDS),
    )
    return processes.Stack(var_dir, env)


def start_worker(stack: processes.Stack, name: str, **env: str) -> None:
    """A worker as every scenario runs them: prefork × 4, its host name its own."""
    stack.worker(name, "prefork", stack.env["LOG_LEVEL"], 4, hostname=name, env=env)


@dataclass
class Newsroom:
    """The simulated newsroom's controls."""

    address: str

    def mode(self, **flags: str) -> None:
        httpx.post(f"{self.address}/_newsroom/mode", params=flags, timeout=30).raise_for_status()

    def served(self) -> dict[int, list[str]]:
        data = httpx.get(f"{self.address}/_newsroom/served.json", timeout=60).json()
        return {int(k): v for k, v in data.items()}


class Database:
    """Reads for the bookkeeping, reconnecting after a restart."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.connection: psycopg2.extensions.connection | None = None

    def query(self, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
        for _attempt in range(60):
            try:
                if self.connection is None or self.connection.closed:
                    self.connection = psycopg2.connect(self.url)
                    self.connection.autocommit = True
                with self.connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall() if cursor.description else []
            except psycopg2.OperationalError:
                self.connection = None
                time.sleep(1)
        raise RuntimeError(f"database unreachable: {sql}")


@dataclass
class Result:
    scenario: str
    expected: int
    stored: int
    duplicates: int
    lost: int
    spurious: int
    seconds: float
    notes: str = ""


class Rounds:
    def __init__(self, newsroom: Newsroom, db: Database) -> None:
        self.newsroom, self.db, self.edition = newsroom, db, 0
        self.url_to_story: dict[int, int] = {}
        from newsroom.stories import text_key

        self.text_key = text_key

    def story_of(self) -> dict[int, int]:
        if not self.url_to_story:
            for pk, url in self.db.query("SELECT id, url FROM articles_article"):
                self.url_to_story[pk] = int(url.rstrip("/").rsplit("-", 1)[-1])
        return self.url_to_story

    def stored_keys(self) -> dict[int, list[str]]:
        """Every stored version's text key, per story, in version order."""
        stories = self.story_of()
        keys: dict[int, list[str]] = {}
        for article_id, title, paragraphs in self.texts():
            keys.setdefault(stories[article_id], []).append(self.text_key(title, paragraphs))
        return keys

    def texts(self) -> list[tuple[int, str, list[str]]]:
        """Every stored version's article, headline and paragraphs, in version order."""
        reader = ChainReader()
        return [
            (row[0], row[1], reader.paragraphs(row[0], *row[2:]))
            for row in self.db.query(
                "SELECT article_id, title, number, paragraphs, packed_paragraphs, packed_against"
                " FROM articles_version ORDER BY article_id, number"
            )
        ]

    def stored_this_round(self) -> int:
        """How many stories have their text of this round's edition stored."""
        update = f"Update {self.edition}:"
        return len({article_id for article_id, _, paragraphs in self.texts() if paragraphs[-1:] and
                    paragraphs[-1].startswith(update)})  # fmt: skip

    def mid_round(self) -> None:
        """Wait until a tenth of the stories are stored: checks are then surely under way."""
        while self.stored_this_round() < len(self.story_of()) // 10:
            time.sleep(0.05)

    def run(
        self,
        name: str,
        fault: Callable[[], str] | None = None,
        *,
        timeout: float = 300,
        settle: float = 5,
        make_due: str = "now()",
        delay: float = 0,
    ) -> Result:
        """One round; ``delay`` holds each newsroom response that long, so that a fault lands mid-check."""
        self.edition += 1
        self.newsroom.mode(edition=str(self.edition), delay=str(delay))
        before = self.stored_keys()
        served_before = {k: len(v) for k, v in self.newsroom.served().items()}
        self.db.query(f"UPDATE articles_article SET next_check_at = {make_due} WHERE status = 'active'")
        start = time.monotonic()
        notes: list[str] = []
        thread = threading.Thread(target=lambda: notes.append(fault() if fault else ""), daemon=True)
        thread.start()
        n = len(self.story_of())
        done_at = None
        while time.monotonic() - start < timeout:
            if self.stored_this_round() >= n and not thread.is_alive():
                done_at = time.monotonic()
                break
            time.sleep(0.5)
        thread.join(timeout=max(1.0, timeout - (time.monotonic() - start)))
        time.sleep(settle)  # late and duplicate deliveries still in flight get their chance to misbehave
        elapsed = (done_at or time.monotonic()) - start

        after = self.stored_keys()
        served = self.newsroom.served()
        stored = duplicates = lost = spurious = 0
        for story in self.story_of().values():
            old, new = before.get(story, []), after.get(story, [])[len(before.get(story, [])) :]
            served_now = set(served.get(story, [])[served_before.get(story, 0) :])
            stored += len(new)
            duplicates += sum(1 for key in new if key in old) + len(new) - len(set(new))
            spurious += sum(1 for key in new if key not in served_now)
            lost += 0 if any(key in served_now for key in new) else 1
        fetches = Counter(len(v) - served_before.get(k, 0) for k, v in served.items())
        notes.append("fetches per story: " + ", ".join(f"{c}×{f}" for f, c in sorted(fetches.items())))
        result = Result(
            name, n, stored, duplicates, lost, spurious, round(elapsed, 1), "; ".join(filter(None, notes))
        )
        print(
            f"  {name:34} expected {n:4}  stored {stored:4}  duplicates {duplicates}  lost {lost}"
            f"  spurious {spurious}  {elapsed:6.1f} s  {result.notes}",
            flush=True,
        )
        return result


class Prober:
    """Fetches pages, feeds and API answers from the web while a fault lasts; counts what failed."""

    def __init__(self, web: str, paths: list[str]) -> None:
        self.web, self.paths = web, paths
        self.ok = self.failed = 0
        self.slowest = 0.0
        self.failures: Counter[str] = Counter()
        self.running = False

    def __enter__(self) -> "Prober":
        self.running = True
        self.thread = threading.Thread(target=self._probe, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()

    def _probe(self) -> None:
        with httpx.Client(timeout=10) as client:
            while self.running:
                for path in self.paths:
                    started = time.monotonic()
                    status: int | str
                    try:
                        status = client.get(self.web + path).status_code
                    except httpx.HTTPError as error:
                        status = type(error).__name__
                    self.slowest = max(self.slowest, time.monotonic() - started)
                    if status == 200:
                        self.ok += 1
                    else:
                        self.failed += 1
                        self.failures[f"{path} {status}"] += 1
                time.sleep(0.2)

    def summary(self) -> str:
        text = f"web probes {self.ok} ok / {self.failed} failed, slowest {self.slowest:.2f} s"
        return text + (f" ({dict(self.failures.most_common(3))})" if self.failures else "")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--outage", type=float, default=60, help="seconds Redis stays down")
    parser.add_argument("--only", default="", help="comma-separated scenario keys")
    args = parser.parse_args()

    postgres, redis_server = PrivatePostgres(), processes.PrivateRedis()
    stack = faults_stack(postgres, redis_server)
    results: list[Result] = []
    try:
        postgres.init()
        redis_server.start()
        os.environ.update(DATABASE_URL=postgres.url, REDIS_URL=redis_server.url)
        os.environ.update(NEWSDIFFS_VAR_DIR=str(stack.directory))
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=BASE_DIR,
            env=stack.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        import bench.setup  # noqa: F401  (Django configured against the private cluster)
        from newsdiffs.celery import app

        db = Database(postgres.url)
        newsroom = Newsroom(stack.newsroom(processes.free_port(), args.articles, seed=11))
        truth = httpx.get(f"{newsroom.address}/_newsroom/truth.json", timeout=120).json()
        from articles.models import Article, Source

        source = Source.objects.create(name="Newsroom", slug="newsroom", homepage=newsroom.address + "/")
        Article.objects.bulk_create(
            Article(url=newsroom.address + a["path"], source=source) for a in truth["articles"]
        )
        web = stack.web(processes.free_port())
        start_worker(stack, "worker-a")
        start_worker(stack, "worker-b")
        stack.beat()
        rounds = Rounds(newsroom, db)
        article_ids = sorted(rounds.story_of())
        some = article_ids[len(article_ids) // 2]
        probe_paths = [
            "/",
            f"/articles/{some}/",
            f"/articles/{some}/diff/0/1/",
            f"/articles/{some}/feed.atom",
            "/feeds/changes.rss",
            "/api/v1/articles/",
            f"/api/v1/articles/{some}/versions/",
            "/sources/",
        ]

        print(
            f"{len(article_ids)} newsroom stories tracked; web, 2 workers × prefork × 4, beat;"
            f" claims {CLAIM_SECONDS} s"
        )
        results.append(rounds.run("first versions (no fault)"))
        results.append(rounds.run("an edit of every story (no fault)"))  # every story has a diff to show
        wanted = set(filter(None, args.only.split(",")))

        def scenario(key: str) -> bool:
            return not wanted or key in wanted

        if scenario("duplicates"):

            def duplicate_and_late() -> str:
                for pk in article_ids:  # beat dispatches each once; two more copies now, one more late
                    app.send_task("articles.tasks.check_article", args=[pk])
                    app.send_task("articles.tasks.check_article", args=[pk])
                for start in range(0, len(article_ids), 10):
                    app.send_task(
                        "articles.tasks.check_articles", args=[article_ids[start : start + 10]], countdown=20
                    )
                return f"{3 * len(article_ids)} extra deliveries (2 at once, 1 after 20 s)"

            results.append(rounds.run("duplicate + late delivery", duplicate_and_late, settle=30))

        if scenario("kill-child"):

            def kill_children() -> str:
                rounds.mid_round()
                main_pid = stack.processes["worker-a"].pid
                victims = [pid for pid in stack.group("worker-a") if pid != main_pid][:2]
                for pid in victims:
                    os.kill(pid, signal.SIGKILL)
                return f"SIGKILL {len(victims)} pool children of worker-a mid-check (responses delayed 0.3 s)"

            results.append(rounds.run("worker child SIGKILL mid-check", kill_children, delay=0.3))

        if scenario("kill-worker"):

            def kill_worker() -> str:
                rounds.mid_round()
                stack.kill("worker-a")
                time.sleep(5)
                start_worker(stack, "worker-a")
                return "SIGKILL worker-a (main + children) mid-check, restarted 5 s later"

            results.append(rounds.run("whole worker SIGKILL mid-check", kill_worker, delay=0.3))

        if scenario("redis-down"):
            prober = Prober(web, probe_paths)

            def redis_down() -> str:
                rounds.mid_round()
                with prober:
                    redis_server.kill()
                    time.sleep(args.outage)
                    redis_server.start()
                return f"Redis killed for {args.outage:.0f} s, restarted empty; {prober.summary()}"

            results.append(
                rounds.run(
                    f"Redis down {args.outage:.0f} s", redis_down, timeout=args.outage + 300, delay=0.1
                )
            )

        if scenario("postgres-restart"):
            prober = Prober(web, probe_paths)

            def postgres_restart() -> str:
                rounds.mid_round()
                with prober:
                    started = time.monotonic()
                    postgres.restart()
                    took = time.monotonic() - started
                    time.sleep(10)
                return f"Postgres restarted (-m fast, {took:.1f} s); {prober.summary()}"

            results.append(rounds.run("Postgres restart", postgres_restart, delay=0.1))

        if scenario("two-beats"):
            stack.beat("beat-2")
            time.sleep(3)
            results.append(rounds.run("two beats at once", settle=10))
            stack.stop("beat-2")

        if scenario("catch-up"):
            results.append(catch_up(stack, rounds, db))
    finally:
        stack.stop()
        redis_server.kill()
        postgres.destroy()

    print(
        f"\n{'scenario':36} {'expected':>8} {'stored':>7} {'dupl.':>6} {'lost':>5} {'spur.':>6} {'secs':>7}"
    )
    for r in results:
        print(
            f"{r.scenario:36} {r.expected:>8} {r.stored:>7} {r.duplicates:>6} {r.lost:>5} {r.spurious:>6}"
            f" {r.seconds:>7}"
        )
    totals = {
        k: sum(getattr(r, k) for r in results)
        for k in ("expected", "stored", "duplicates", "lost", "spurious")
    }
    print(
        f"{'total':36} {totals['expected']:>8} {totals['stored']:>7} {totals['duplicates']:>6}"
        f" {totals['lost']:>5}"
        f" {totals['spurious']:>6}"
    )
    print(f"\nprocess logs: {stack.directory}")
    out = {
        "articles": args.articles,
        "claim_seconds": CLAIM_SECONDS,
        "results": [r.__dict__ for r in results],
        "totals": totals,
    }
    (BASE_DIR / "bench" / "results" / "faults.json").write_text(json.dumps(out, indent=2) + "\n")


def catch_up(stack: processes.Stack, rounds: Rounds, db: Database) -> Result:
    """Workers and beat down while every article fell overdue by up to an hour; then back up with
    small sweeps. Checks must come in bounded batches, and the next checks must not all fall together."""
    stack.stop("beat", "worker-a", "worker-b")
    batch = "50"
    samples: list[tuple[float, int]] = []

    def restart_and_watch() -> str:
        start_worker(stack, "worker-a", TRACK_SWEEP_BATCH=batch)
        start_worker(stack, "worker-b", TRACK_SWEEP_BATCH=batch)
        stack.beat()
        start = time.monotonic()
        total = len(rounds.story_of())
        while time.monotonic() - start < 240:
            done = rounds.stored_this_round()
            samples.append((time.monotonic() - start, done))
            if done >= total:
                break
            time.sleep(1)
        return ""

    # Overdue by a random 0-3,600 s each: what an hour's outage leaves behind.
    make_due = "now() - (random() * interval '1 hour')"
    result = rounds.run("catch-up after an outage (batch 50)", restart_and_watch, make_due=make_due)
    # How the catch-up came in: the most new versions in any one second.
    rates = [b - a for (_, a), (_, b) in itertools.pairwise(samples)]
    next_checks = [
        row[0]
        for row in db.query(
            "SELECT extract(epoch FROM next_check_at) FROM articles_article WHERE status = 'active'"
        )
    ]
    buckets = Counter(int(t // 10) for t in next_checks)
    spread = max(next_checks) - min(next_checks) if next_checks else 0
    result.notes += (
        f"; most checks in one second {max(rates, default=0)} (sweep batch {batch} every 2 s);"
        f" next checks spread over {spread:.0f} s,"
        f" at most {max(buckets.values(), default=0)} of {len(next_checks)}"
        f" in any 10 s (stdev {statistics.pstdev(next_checks):.0f} s)"
    )
    print(f"    {result.notes}")
    return result


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(f"signal {signum}")  # runs main's cleanup: processes, Redis and Postgres go with us


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    main()
