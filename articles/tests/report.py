"""The closing lines of `make test`: each database's pytest summary, then one total.

    python -m articles.tests.report postgres=var/test-postgres.log sqlite=var/test-sqlite.log

Prints a line per pass (``postgres: 1160 passed, 0 failed, 9 skipped``) and ``total: …`` in the same form,
and says so plainly when a pass never reached its summary (pytest crashed or did not run).
"""

import re
import sys
from pathlib import Path

# pytest's last line: "==== 2 failed, 1151 passed, 9 skipped in 287.85s (0:04:47) ====" (no "=" with -q)
SUMMARY = re.compile(r"^(?:=+ )?(?P<counts>\d+ \w+(?:, \d+ \w+)*) in [0-9.]+s\b[^=]*(?: =+)?$")
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|deselected|xfailed|xpassed)")
SHOWN = ("passed", "failed", "skipped")


def counts(log: Path) -> dict[str, int] | None:
    """The counts of the log's pytest summary line (errors count as failures), or None without one."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    for line in reversed(lines):
        match = SUMMARY.match(line.strip())
        if match:
            found = {word: 0 for word in SHOWN}
            for number, word in COUNT.findall(match["counts"]):
                key = "failed" if word.startswith("error") else word
                found[key] = found.get(key, 0) + int(number)
            return found
    return None


def line(name: str, found: dict[str, int]) -> str:
    return f"{name}: " + ", ".join(f"{found[word]} {word}" for word in SHOWN)


def main(arguments: list[str]) -> int:
    total = {word: 0 for word in SHOWN}
    complete = True
    for argument in arguments:
        name, _, path = argument.partition("=")
        found = counts(Path(path))
        if found is None:
            print(f"{name}: no pytest summary in {path}: the run did not finish")
            complete = False
            continue
        others = found.get("deselected", 0)
        print(line(name, found) + (f" ({others} more run on the other database only)" if others else ""))
        for word in SHOWN:
            total[word] += found[word]
    print(line("total", total))
    return 0 if complete and total["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
