from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from articles.activity import rebuild


class Command(BaseCommand):
    help = (
        "Count every source's versions and changed articles per day again from the versions (in batches of "
        "articles) and replace the daily counters with them. Versions stored meanwhile may be missed: run it "
        "while no worker checks, or again after."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=20_000, help="articles read at a time")

    def handle(self, *args: object, **options: Any) -> None:
        rows = rebuild(options["batch"], lambda last: self.stdout.write(f"counted articles up to id {last}"))
        self.stdout.write(f"source days counted: {rows}")
