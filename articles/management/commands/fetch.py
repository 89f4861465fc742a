import logging
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.canonical import InvalidURL, canonical_url
from articles.checking import CheckOutcome, described, run_check
from articles.models import Article


class Command(BaseCommand):
    help = "Check one tracked article now, in this process, and print what happened."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("article", metavar="URL_OR_ID")

    def handle(self, *args: object, article: str, **options: object) -> None:
        found = self._find(article)
        # The check logs its outcome for a worker's log, and the traceback of an unexpected error; at a
        # terminal the one line below says it all.
        checking_log = logging.getLogger("articles.checking")
        level = checking_log.level
        checking_log.setLevel(logging.CRITICAL)
        try:
            outcome = run_check(found)
        except Exception as exc:  # what the check leaves to its task (the database gone): one line too
            outcome = CheckOutcome("error", reason=described(exc))
        finally:
            checking_log.setLevel(level)
        line = f"article {found.pk}: {outcome}"
        if outcome.kind == "error":
            # Said once, on stderr, with a failing exit status (a CommandError would say it a second time).
            self.stderr.write(line)
            sys.exit(2)
        self.stdout.write(line)

    def _find(self, ref: str) -> Article:
        if ref.isdigit():
            found = Article.objects.filter(pk=int(ref)).first()
        else:
            try:
                found = Article.objects.filter(url=canonical_url(ref)).first()
            except InvalidURL as exc:
                raise CommandError(str(exc)) from None
        if found is None:
            raise CommandError(f"{ref} is not tracked; add it with: manage.py track URL")
        return found
