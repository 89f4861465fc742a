"""The README's run command, as a new user meets it: web + worker + beat on the embedded default
(SQLite and the filesystem broker, nothing configured), tracking a page on 127.0.0.1 and showing its edit.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from articles.tests.support import LocalSite, article_html
from bench.processes import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.stack, pytest.mark.once]


class Stack:
    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            NEWSDIFFS_VAR_DIR=str(var_dir),
            NEWSDIFFS_PORT=str(self.port),
            PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
            TRACK_SWEEP_INTERVAL="1",
            TRACK_INTERVAL_NEW="2",
        )

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
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

    def wait_for_page(self, path: str, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                page = self.get(path)
                if text in page:
                    return page
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared on {path}")
            time.sleep(0.2)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    stack = Stack(tmp_path)
    stack.manage("migrate", "--noinput")
    process = subprocess.Popen(
        [sys.executable, "-m", "newsdiffs.localrun"],
        cwd=BASE_DIR, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        stack.wait_for_page("/healthz/", "ok")
        yield stack
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        output, _ = process.communicate(timeout=30)
    log = output.decode(errors="replace")
    for name in ("web", "worker", "beat"):
        assert f"{name}.1 stopped" in log, log
    assert "Traceback" not in log, log
    assert "SIGKILL" not in log, log  # every process shut down in time, nothing was killed mid-check


def test_a_tracked_page_and_its_edit_show_up_with_nothing_configured(
    stack: Stack, local_site: LocalSite
) -> None:
    url = local_site.serve("/story.html", article_html("Council approves plan", ["Vote on Tuesday."]))
    assert "now tracking: article 1" in stack.manage("track", url)
    stack.wait_for_page("/articles/1/", ">v0<")

    local_site.serve("/story.html", article_html("Council approves plan", ["Vote on Wednesday."]))
    stack.wait_for_page("/articles/1/", ">v1<")

    soup = BeautifulSoup(stack.get("/articles/1/diff/0/1/"), "lxml")
    assert [d.get_text() for d in soup.find_all("del")] == ["Tuesday"]
    assert [i.get_text() for i in soup.find_all("ins")] == ["Wednesday"]
    assert "Council approves plan" in stack.get("/")
