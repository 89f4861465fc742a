"""The README's run command, as a new user meets it: web + worker + beat on the embedded default
(SQLite and the filesystem broker, nothing configured), tracking a page on 127.0.0.1 and showing its edit.
"""

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from articles.tests.support import LocalSite, article_html
from bench.processes import BIN, Stack, free_port, wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.stack, pytest.mark.once]


class LocalRun:
    """``make run`` on a port of its own, in a folder of its own, with nothing configured."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            NEWSDIFFS_VAR_DIR=str(var_dir),
            NEWSDIFFS_PORT=str(self.port),
            PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
            TRACK_SWEEP_INTERVAL="1",
            TRACK_INTERVAL_NEW="2",
        )
        self.stack = Stack(var_dir, env)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.stack.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def get(self, path: str) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
            page: str = response.read().decode()
            return page

    def shows(self, path: str, text: str) -> bool:
        try:
            return text in self.get(path)
        except OSError:
            return False

    def wait_for_page(self, path: str, text: str) -> None:
        wait_for(lambda: self.shows(path, text), f"{text!r} on {path}", log=self.stack.log_path("localrun"))


@pytest.fixture
def run(tmp_path: Path) -> Iterator[LocalRun]:
    run = LocalRun(tmp_path)
    run.manage("migrate", "--noinput")
    with run.stack:
        run.stack.start(
            "localrun",
            [sys.executable, "-m", "newsdiffs.localrun"],
            ready=lambda: run.shows("/healthz/", "ok"),
        )
        yield run
        # What Ctrl-C in the terminal sends: every process stops in time, nothing is killed mid-check.
        assert run.stack.stop("localrun", sig=signal.SIGINT, timeout=30), run.stack.log("localrun")
    log = run.stack.log("localrun")
    for name in ("web", "worker", "beat"):
        assert f"{name}.1 stopped" in log, log
    assert "Traceback" not in log, log
    assert "SIGKILL" not in log, log  # honcho killed nothing either


def test_a_tracked_page_and_its_edit_show_up_with_nothing_configured(
    run: LocalRun, local_site: LocalSite
) -> None:
    url = local_site.serve("/story.html", article_html("Council approves plan", ["Vote on Tuesday."]))
    assert "now tracking: article 1" in run.manage("track", url)
    run.wait_for_page("/articles/1/", ">v0<")

    local_site.serve("/story.html", article_html("Council approves plan", ["Vote on Wednesday."]))
    run.wait_for_page("/articles/1/", ">v1<")

    soup = BeautifulSoup(run.get("/articles/1/diff/0/1/"), "lxml")
    assert [d.get_text() for d in soup.find_all("del")] == ["Tuesday"]
    assert [i.get_text() for i in soup.find_all("ins")] == ["Wednesday"]
    assert "Council approves plan" in run.get("/")
