from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from articles.canonical import InvalidURL
from articles.models import Article, Source
from articles.tasks import check_soon, first_check_words


class Command(BaseCommand):
    help = (
        "Start tracking an article URL, queue its first check now and wait a few seconds "
        "(TRACK_WAIT_SECONDS) to say what it found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--source", metavar="SLUG", help="slug of an existing source")
        parser.add_argument(
            "--no-wait", action="store_true", help="queue the first check and return without waiting for it"
        )

    def handle(
        self, *args: object, url: str, source: str | None, no_wait: bool = False, **options: object
    ) -> None:
        source_obj = None
        if source:
            source_obj = Source.objects.filter(slug=source).first()
            if source_obj is None:
                raise CommandError(f"No source with slug {source!r}.")
        try:
            article, created = Article.objects.track(url, source=source_obj)
        except InvalidURL as exc:
            raise CommandError(str(exc)) from None
        since = timezone.now()
        queued = check_soon(article)
        state = "now tracking" if created else "already tracked"
        when = "first check queued" if queued else "a check is already queued"
        self.stdout.write(f"{state}: article {article.pk} {article.url} ({when})")
        # Only a check this command queued is worth waiting for: an article tracked before says its
        # history on its page.
        if created and queued and not no_wait and settings.TRACK_WAIT_SECONDS > 0:
            self.stdout.write(first_check_words(article, since, settings.TRACK_WAIT_SECONDS))
