import json
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import reset_queries
from tqdm import tqdm

from articles.importing import Importer

BATCH_SIZE = 500  # articles per transaction
# ... and at most about this many characters of JSON: a line carries its article's pages (packed, but a
# keyframe page is a fifth of its HTML), so 500 lines of long histories could weigh gigabytes.
BATCH_CHARS = 64 * 1024 * 1024


def batches(lines: Iterable[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    """``lines`` in batches of BATCH_SIZE, cut earlier once they weigh BATCH_CHARS."""
    batch: list[tuple[int, str]] = []
    weight = 0
    for line in lines:
        batch.append(line)
        weight += len(line[1])
        if len(batch) >= BATCH_SIZE or weight >= BATCH_CHARS:
            yield batch
            batch, weight = [], 0
    if batch:
        yield batch


class Command(BaseCommand):
    help = "Load articles and versions written by `export`. Importing the same file again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", metavar="FILE", help="JSON Lines file, or - for stdin")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: object, input: str, no_progress: bool, **options: object) -> None:
        try:
            stream: TextIO = sys.stdin if input == "-" else open(input, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {input}: {exc.strerror}") from None
        importer = Importer()
        total = importer.result
        with stream, tqdm(unit=" articles", file=sys.stderr, disable=no_progress) as progress:  # closes it
            lines = ((n, line) for n, line in enumerate(stream, start=1) if line.strip())
            for batch in batches(lines):
                records = []
                for line_number, line in batch:
                    try:
                        records.append((line_number, json.loads(line)))
                    except json.JSONDecodeError as exc:
                        total.problems.append(f"line {line_number}: not JSON ({exc})")
                importer.add_batch(records)
                reset_queries()  # with DEBUG on, Django would keep every batch's SQL for the whole run
                progress.update(len(batch))
        for problem in total.problems:
            self.stderr.write(problem)
        # Pages are said only when the file has some, so the line reads as before for exports without.
        pages = total.pages_created or total.pages_present
        self.stdout.write(
            f"{total.articles_created} new articles, {total.versions_created} new versions, "
            f"{total.versions_present} versions already here, {len(total.problems)} problems"
            + (f"; {total.pages_created} pages kept, {total.pages_present} already here" if pages else "")
        )
        if total.problems:
            raise CommandError(f"{len(total.problems)} records or versions were not imported.", returncode=2)
