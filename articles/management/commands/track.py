from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.canonical import InvalidURL
from articles.models import Article, Source
from articles.tasks import check_soon


class Command(BaseCommand):
    help = "Start tracking an article URL and queue its first check now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--source", metavar="SLUG", help="slug of an existing source")

    def handle(self, *args: object, url: str, source: str | None, **options: object) -> None:
        source_obj = None
        if source:
            source_obj = Source.objects.filter(slug=source).first()
            if source_obj is None:
                raise CommandError(f"No source with slug {source!r}.")
        try:
            article, created = Article.objects.track(url, source=source_obj)
        except InvalidURL as exc:
            raise CommandError(str(exc)) from None
        queued = check_soon(article)
        state = "now tracking" if created else "already tracked"
        when = "first check queued" if queued else "a check is already queued"
        self.stdout.write(f"{state}: article {article.pk} {article.url} ({when})")
