"""The project's processes run for real, for benchmarks and tests: free ports, waiting for readiness, a
stack of named processes (web, Celery workers, beat, the simulated newsroom, ``make run`` itself) with
their environment and logs, and a private redis-server that can be killed and brought back.

Nothing here configures Django, so a benchmark can import it before choosing its settings; the tests
import it too (the dependency runs tests → bench, never the other way)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A port nothing listens on now (and the next process asked for one gets another)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(
    check: Callable[[], object], what: str = "the condition", timeout: float = 30, log: Path | None = None
) -> None:
    """Return once ``check()`` is true; TimeoutError after ``timeout`` seconds, saying ``what`` was awaited
    and ending with the last lines of ``log`` (what the process that did not get there said)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            said = f":\n{log_tail(log)}" if log else ""
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}{said}")
        time.sleep(0.05)


def log_tail(log: Path, chars: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def http_status(url: str, timeout: float = 5) -> int:
    """The status ``url`` answers with, 0 when it does not answer at all."""
    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return 0


def stack_environment(
    database_url: str, redis_url: str, var_dir: str, log_level: str, **settings: str
) -> dict[str, str]:
    """This process's environment for a benchmark stack's processes, plus ``settings``. One newsroom host
    stands for many sites, so the per-host politeness limits are lifted; discovery stays out of the way."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "NEWSDIFFS_VAR_DIR": var_dir,
        "LOG_LEVEL": log_level,
        "POLITE_HOST_DELAY": "0",
        "POLITE_HOST_CONCURRENCY": "10000",
        "DISCOVERY_INTERVAL": "86400",
        **settings,
    }


def newsroom_command(port: int, articles: int, seed: int) -> list[str]:
    """``manage.py newsroom`` with a stopped clock and no faults: the benchmarks drive it by its controls."""
    return [sys.executable, "manage.py", "newsroom", "--port", str(port), "--articles", str(articles),
            "--speed", "0", "--no-faults", "--seed", str(seed)]  # fmt: skip


def worker_command(pool: str, loglevel: str, concurrency: int | None = None, hostname: str = "") -> list[str]:
    """A Celery worker of the project's app. Gossip, mingle and heartbeats only cost time here: nothing
    reads them, and every worker of a stack is started and stopped by the one who reads its results."""
    return [str(BIN / "celery"), "-A", "newsdiffs", "worker", "--pool", pool, "--loglevel", loglevel,
            *(["--concurrency", str(concurrency)] if concurrency else []),
            *(["--hostname", f"{hostname}@%h"] if hostname else []),
            "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip


class Stack:
    """Named processes started with one environment from the project's folder.

    Each runs in a process group of its own, so that stopping it stops what it started too (a prefork
    worker's pool, honcho's processes), and writes stdout and stderr to ``<directory>/<name>.log`` (appended
    to when a name is started again, as a restarted worker is). Used as a context manager, it stops every
    process on the way out, an error's way too."""

    def __init__(self, directory: Path | str, env: Mapping[str, str]) -> None:
        self.directory = Path(directory)
        self.env = dict(env)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def log_path(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def log(self, name: str) -> str:
        """What the process ``name`` has written so far."""
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        ready: Callable[[], object] | None = None,
        timeout: float = 60,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start ``command`` as ``name`` with the stack's environment and ``env``; when ``ready`` is given,
        return once it holds. A process that exits before it is ready fails at once, with its log."""
        if name in self.processes:
            raise ValueError(f"{name} is running already")
        with self.log_path(name).open("ab") as log:  # the child has its own copy of the descriptor
            # A process group, not a session: the process stays in this one's session and so in its
            # scheduler autogroup, sharing the CPU as a plain child would (a benchmark's numbers depend on
            # it); stdin is closed, as a background group reading the terminal would be stopped.
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**self.env, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
            )
        self.processes[name] = process
        if ready is not None:

            def running_and_ready() -> object:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited ({process.returncode}):\n{log_tail(self.log_path(name))}"
                    )
                return ready()

            wait_for(running_and_ready, name, timeout, self.log_path(name))
        return process

    def newsroom(self, port: int, articles: int, seed: int, name: str = "newsroom") -> str:
        """The simulated newsroom (``newsroom_command``) on ``port``, once it answers; its address."""
        address = f"http://127.0.0.1:{port}"
        self.start(
            name,
            newsroom_command(port, articles, seed),
            ready=lambda: http_status(f"{address}/_newsroom/clock") == 200,
        )
        return address

    def web(self, port: int, name: str = "web", workers: int = 2, threads: int = 2) -> str:
        """The web under gunicorn, as deployed, once its health check answers; its address."""
        address = f"http://127.0.0.1:{port}"
        command = [str(BIN / "gunicorn"), "newsdiffs.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
                   "--threads", str(threads)]  # fmt: skip
        self.start(name, command, ready=lambda: http_status(f"{address}/healthz/") == 200)
        return address

    def worker(
        self,
        name: str,
        pool: str,
        loglevel: str,
        concurrency: int | None = None,
        hostname: str = "",
        wait: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """A Celery worker (``worker_command``); with ``wait``, once it says it is ready, which it says at
        loglevel INFO only."""
        return self.start(
            name,
            worker_command(pool, loglevel, concurrency, hostname),
            ready=(lambda: " ready." in self.log(name)) if wait else None,
            env=env,
        )

    def beat(
        self, name: str = "beat", loglevel: str = "WARNING", env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Celery beat, its schedule file beside its log (two beats of one stack keep two files)."""
        command = [str(BIN / "celery"), "-A", "newsdiffs", "beat", "--loglevel", loglevel,
                   "--schedule", str(self.directory / f"{name}-schedule")]  # fmt: skip
        return self.start(name, command, env=env)

    def group(self, name: str) -> list[int]:
        """The processes of ``name``'s process group: it and what it started (a prefork worker's pool)."""
        leader = self.processes[name].pid
        return [pid for pid, stat in _stats() if int(stat[2]) == leader]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user and system) each named process's group has used so far; a child that has exited
        no longer counts, as /proc no longer shows it."""
        leaders = {process.pid: name for name, process in self.processes.items()}
        used = dict.fromkeys(self.processes, 0.0)
        tick = os.sysconf("SC_CLK_TCK")
        for _pid, stat in _stats():
            if (name := leaders.get(int(stat[2]))) is not None:
                used[name] += (int(stat[11]) + int(stat[12])) / tick
        return used

    def kill(self, name: str) -> None:
        """SIGKILL ``name``'s whole group, as a crash (or the OOM killer) would, and wait for it to end."""
        process = self.processes.pop(name)
        _signal_group(process, signal.SIGKILL)
        process.wait()

    def stop(self, *names: str, sig: int = signal.SIGTERM, timeout: float = 60) -> bool:
        """Ask the groups of ``names`` (by default every process, last started first asked) to stop with
        ``sig``; SIGKILL what is left after ``timeout`` seconds. Whether all stopped when asked."""
        processes = [self.processes.pop(name) for name in list(names or reversed(self.processes))]
        for process in processes:
            _signal_group(process, sig)
        deadline = time.monotonic() + timeout
        in_time = True
        for process in processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                in_time = False
                _signal_group(process, signal.SIGKILL)
                process.wait()
            _signal_group(process, signal.SIGKILL)  # what its leader left behind, if anything
        return in_time


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    # The group outlives its leader while any member lives, and its id is not given to a new process
    # until then; once all are gone there is nothing to signal.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def _stats() -> list[tuple[int, list[str]]]:
    """Every process's /proc/<pid>/stat fields after the command name (state, ppid, pgrp, …)."""
    stats = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stats.append((int(entry), Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()))
        except OSError:
            continue
    return stats


class PrivateRedis:
    """A redis-server of our own on a free port, without persistence (like the machine's: a restart comes
    back empty, queue and all), which can be killed as a crash would and started again."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.env = dict(os.environ if env is None else env)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                   "--appendonly", "no"]  # fmt: skip
        self.process = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL)
        wait_for(self.up, "redis-server", timeout=10)

    def up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash would: no goodbye to the clients. Nothing if it is not running."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
