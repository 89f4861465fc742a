import itertools
import json
import sys
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import reset_queries
from tqdm import tqdm

from articles.exporting import Importer

BATCH_SIZE = 500  # articles per transaction


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
            while batch := list(itertools.islice(lines, BATCH_SIZE)):
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
        self.stdout.write(
            f"{total.articles_created} new articles, {total.versions_created} new versions, "
            f"{total.versions_present} versions already here, {len(total.problems)} problems"
        )
        if total.problems:
            raise CommandError(f"{len(total.problems)} records or versions were not imported.", returncode=2)
