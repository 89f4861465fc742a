from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from articles.entries import make_recent


class Command(BaseCommand):
    help = (
        "Make the feed entries of the changes fetched in the last FEED_ENTRY_DAYS that have none (a database "
        "from before entries were kept, or imported), newest first; those that stand are left as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="versions read at a time")

    def handle(self, *args: object, **options: Any) -> None:
        made = make_recent(timezone.now(), options["batch"])
        self.stdout.write(f"feed entries made: {made}")
