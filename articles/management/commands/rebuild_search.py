from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from articles.models import Article
from articles.search_documents import Lexicon, rebuild_documents


class Command(BaseCommand):
    help = (
        "Make the articles' search documents again from all their versions, in batches of articles by id "
        "(Postgres; SQLite searches the versions). Each batch is a transaction: stopped, it resumes with "
        "--after the last id it reported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="articles a transaction (default 1000)")
        parser.add_argument("--after", type=int, default=0, metavar="ID", help="start after this article id")
        parser.add_argument("--until", type=int, default=None, metavar="ID", help="stop at this article id")

    def handle(self, *args: object, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Search documents are Postgres's: SQLite searches the versions themselves.")
        ids = Article.objects.order_by("pk").values_list("pk", flat=True)
        if options["until"] is not None:
            ids = ids.filter(pk__lte=options["until"])
        last, made = options["after"], 0
        lexicon = Lexicon()  # most of a batch's words are known from earlier batches
        while chunk := list(ids.filter(pk__gt=last)[: options["batch"]]):
            with transaction.atomic():
                made += rebuild_documents(chunk, lexicon)
            last = chunk[-1]
            self.stdout.write(f"search documents made up to article {last} ({made} in all)")
