"""bench/processes.py, the one way benchmarks and tests run the project's processes: a stack stops each
process with what it started, on the way out of its block too; a process that dies before it is ready
fails at once, saying what it said; waiting names what it waited for."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.processes import Stack, wait_for

# A parent that starts a child (as a prefork worker starts its pool), says the child's id, and waits.
PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print("child", child.pid, flush=True)
time.sleep(600)
"""
STUBBORN = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent to collect it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_stopping_a_process_stops_what_it_started(tmp_path: Path) -> None:
    with Stack(tmp_path, os.environ) as stack:
        parent = stack.start("parent", [sys.executable, "-c", PARENT], ready=lambda: stack.log("parent"))
        child = int(stack.log("parent").split()[-1])
        assert sorted(stack.group("parent")) == sorted([parent.pid, child])

        assert stack.stop("parent", timeout=10)
    assert parent.returncode == -signal.SIGTERM
    wait_for(lambda: not alive(child), "the child to end", timeout=10)


def test_leaving_the_block_on_an_error_stops_every_process(tmp_path: Path) -> None:
    sleep = [sys.executable, "-c", "import time; time.sleep(600)"]
    stack = Stack(tmp_path, os.environ)
    started: list[subprocess.Popen[bytes]] = []

    def a_benchmark_that_fails() -> None:
        with stack:
            started.extend([stack.start("first", sleep), stack.start("second", sleep)])
            raise RuntimeError("a benchmark's own error")

    with pytest.raises(RuntimeError, match="a benchmark's own error"):
        a_benchmark_that_fails()
    assert stack.processes == {}
    assert [process.returncode for process in started] == [-signal.SIGTERM, -signal.SIGTERM]


def test_a_process_that_will_not_stop_is_killed_and_stop_says_so(tmp_path: Path) -> None:
    with Stack(tmp_path, os.environ) as stack:
        stubborn = stack.start(
            "stubborn", [sys.executable, "-c", STUBBORN], ready=lambda: "ready" in stack.log("stubborn")
        )
        assert not stack.stop("stubborn", timeout=0.5)
    assert stubborn.returncode == -signal.SIGKILL


def test_a_process_that_dies_before_it_is_ready_fails_at_once_with_its_log(tmp_path: Path) -> None:
    started = time.monotonic()
    with (
        Stack(tmp_path, os.environ) as stack,
        pytest.raises(RuntimeError, match=r"(?s)web exited \(3\).*no config"),
    ):
        stack.start("web", [sys.executable, "-c", "print('no config'); exit(3)"], ready=lambda: False)
    assert time.monotonic() - started < 20  # not the 60 s it would have waited


def test_each_process_has_its_own_environment_and_log(tmp_path: Path) -> None:
    say = [sys.executable, "-c", "import os; print(os.environ['WHO'], os.environ['SHARED'])"]
    with Stack(tmp_path, {**os.environ, "WHO": "stack", "SHARED": "shared"}) as stack:
        for name, env in (("one", {}), ("two", {"WHO": "two"})):
            stack.start(name, say, env=env).wait(timeout=30)
    assert (stack.log("one"), stack.log("two")) == ("stack shared\n", "two shared\n")
    assert stack.log("three") == ""


def test_waiting_too_long_says_for_what_and_what_the_log_said(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    log.write_text("worker: cannot connect to the broker\n")
    with pytest.raises(TimeoutError, match=r"(?s)0.2 s waiting for the worker to start.*cannot connect"):
        wait_for(lambda: False, "the worker to start", timeout=0.2, log=log)
