"""The closing lines of `make test` (articles/tests/report.py) read pytest's summary however it is
printed, count errors as failures and fail a pass that never reached its summary."""

from pathlib import Path

import pytest

from articles.tests.report import counts, main


@pytest.mark.parametrize(
    ("last_line", "expected"),
    [
        ("=== 1164 passed, 1 skipped in 87.17s (0:01:27) ===", {"passed": 1164, "failed": 0, "skipped": 1}),
        ("1178 passed, 1 skipped in 90.65s (0:01:30)", {"passed": 1178, "failed": 0, "skipped": 1}),
        (
            "== 2 failed, 1151 passed, 9 skipped, 3 errors in 287.85s ==",
            {"passed": 1151, "failed": 5, "skipped": 9},
        ),
    ],
)
def test_the_summary_is_read_with_or_without_its_border(
    tmp_path: Path, last_line: str, expected: dict[str, int]
) -> None:
    log = tmp_path / "run.log"
    log.write_text(f"collected\n..F..\n{last_line}\nmake: *** [Makefile:53: test-sqlite] Error 1\n")
    assert {k: v for k, v in (counts(log) or {}).items() if k in expected} == expected


def test_the_total_fails_on_a_failure_or_a_missing_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad, broken = tmp_path / "good.log", tmp_path / "bad.log", tmp_path / "broken.log"
    good.write_text("=== 10 passed in 1.00s ===\n")
    bad.write_text("=== 1 failed, 9 passed in 1.00s ===\n")
    broken.write_text("Traceback (most recent call last):\n")
    assert main([f"one={good}", f"two={good}"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "total: 20 passed, 0 failed, 0 skipped"
    assert main([f"one={good}", f"two={bad}"]) == 1
    assert main([f"one={good}", f"two={broken}"]) == 1
    assert "two: no pytest summary" in capsys.readouterr().out
