import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from articles.models import Article, Source
from articles.reextracting import in_scope, reextract


class Command(BaseCommand):
    help = (
        "Read the kept pages of articles' versions again with the current extractor and rebuild their "
        "histories where the reading changed, by the rules a check follows (see the README's re-baselining "
        "rule). Version numbers never change; what a version was is kept. One transaction per article."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--article", type=int, metavar="ID", help="this article")
        scope.add_argument("--source", metavar="SLUG", help="this source's articles")
        scope.add_argument("--all", action="store_true", help="every article")
        parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: object, **options: Any) -> None:
        if options["article"] is not None and not Article.objects.filter(pk=options["article"]).exists():
            raise CommandError(f"No article {options['article']}.")
        if options["source"] is not None and not Source.objects.filter(slug=options["source"]).exists():
            raise CommandError(f"No source {options['source']!r}.")
        articles = in_scope(article=options["article"], source=options["source"])
        dry_run = bool(options["dry_run"])
        with tqdm(
            total=articles.count(), unit=" articles", file=sys.stderr, disable=options["no_progress"]
        ) as progress:

            def report(lines: list[str]) -> None:
                progress.clear()
                self.stdout.write("\n".join(lines))
                progress.refresh()

            summary = reextract(
                articles, dry_run=dry_run, now=timezone.now(), report=report, advance=progress.update
            )
        lead = "dry run, nothing changed: " if dry_run else ""
        self.stdout.write(lead + "\n".join(summary.lines(dry_run)))
