"""Helpers for benchmarks and tests that run the project's processes: free ports, waiting for readiness,
the environment a benchmark stack shares, and the simulated newsroom's command line.

Nothing here configures Django, so a benchmark can import it before choosing its settings; the tests
import it too (the dependency runs tests → bench, never the other way)."""

import os
import socket
import sys
import time
from collections.abc import Callable

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``check()`` holds; TimeoutError after ``timeout``."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what} not ready after {timeout} s")
        time.sleep(0.1)
    return time.monotonic() - start


def http_status(url: str, timeout: float = 5) -> int:
    """The status ``url`` answers with, 0 when it does not answer at all."""
    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return 0


def stack_environment(
    database_url: str, redis_url: str, var_dir: str, log_level: str, **settings: str
) -> dict[str, str]:
    """This process's environment for a stack's processes, plus ``settings``. One newsroom host stands for
    many sites, so the per-host politeness limits are lifted; discovery stays out of the way."""
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
    """``manage.py newsroom`` with a stopped clock and no faults: the benchmarks drive it by its controls.
    bench/throughput.py finds the process by this command line to count its CPU time."""
    return [sys.executable, "manage.py", "newsroom", "--port", str(port), "--articles", str(articles),
            "--speed", "0", "--no-faults", "--seed", str(seed)]  # fmt: skip
