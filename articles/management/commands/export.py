import contextlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime, time
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date, parse_datetime
from tqdm import tqdm

from articles.exporting import articles_to_export, export_lines


def parse_since(value: str, option: str = "--since") -> datetime:
    """A date (its midnight, UTC) or a date and time (UTC if it names no zone), for ``option``."""
    moment = parse_datetime(value)
    if moment is None and (day := parse_date(value)) is not None:
        moment = datetime.combine(day, time(), tzinfo=UTC)
    if moment is None:
        raise CommandError(f"{option} takes a date (2026-11-26) or a date and time, not {value!r}.")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Write tracked articles with all their versions as JSON Lines (one article per line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", metavar="SLUG", help="only this source's articles")
        parser.add_argument("--since", metavar="DATE", help="only articles changed since (UTC)")
        parser.add_argument("--output", metavar="FILE", default="-", help="file to write (default: stdout)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: object, **options: Any) -> None:
        since = parse_since(options["since"]) if options["since"] else None
        articles = articles_to_export(options["source"], since)
        output = str(options["output"])
        with contextlib.ExitStack() as stack:
            write: Callable[[str], object]
            if output == "-":
                write = partial(self.stdout.write, ending="")
            else:
                write = stack.enter_context(open(output, "w", encoding="utf-8")).write
            progress = stack.enter_context(
                tqdm(
                    total=articles.count(), unit=" articles", file=sys.stderr, disable=options["no_progress"]
                )
            )
            for line in export_lines(articles):
                write(line)
                progress.update()
