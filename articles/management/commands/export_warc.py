import contextlib
import sys
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import reset_queries
from django.utils import timezone
from tqdm import tqdm

from articles import warc
from articles.management.commands.export import parse_since
from articles.models import Article, Source

# Versions between two resets of Django's query log (kept with DEBUG on for the whole run otherwise).
RESET_EVERY = 1000


class Command(BaseCommand):
    help = (
        "Write the history of an article, a source or all articles as a WARC/1.1 file (gzipped records): "
        "per version, the page as served where it was kept and a metadata record with the text read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--article", metavar="ID", type=int, help="only this article")
        scope.add_argument("--source", metavar="SLUG", help="only this source's articles")
        scope.add_argument("--all", action="store_true", help="every article")
        parser.add_argument("--since", metavar="DATE", help="only versions fetched at or after (UTC)")
        parser.add_argument("--until", metavar="DATE", help="only versions fetched before (UTC)")
        parser.add_argument(
            "-o", "--output", metavar="FILE", required=True, help="file to write (.warc.gz), - for stdout"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: object, **options: Any) -> None:
        since = parse_since(options["since"], "--since") if options["since"] else None
        until = parse_since(options["until"], "--until") if options["until"] else None
        article, source = options["article"], options["source"]
        if article is not None and not Article.objects.filter(pk=article).exists():
            raise CommandError(f"No article {article}.")
        if source is not None and not Source.objects.filter(slug=source).exists():
            raise CommandError(f"No source {source!r}.")
        versions = warc.scoped_versions(article, source, since, until)
        described = f"article {article}" if article is not None else f"source {source}" if source else "all"
        if since or until:
            described += f", versions fetched from {since or 'the start'} until {until or 'now'}"
        output = str(options["output"])
        with contextlib.ExitStack() as stack:
            out: BinaryIO = sys.stdout.buffer if output == "-" else stack.enter_context(open(output, "wb"))
            progress = stack.enter_context(
                tqdm(
                    total=versions.count(), unit=" versions", file=sys.stderr, disable=options["no_progress"]
                )
            )
            name = "stdout.warc.gz" if output == "-" else Path(output).name
            for number, (version, data) in enumerate(
                warc.records(versions, name, f"newsdiffs history: {described}", timezone.now())
            ):
                out.write(data)
                if version is not None:
                    progress.update()
                if number % RESET_EVERY == 0:
                    reset_queries()
