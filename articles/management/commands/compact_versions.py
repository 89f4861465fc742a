from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from articles.models import TEXT_FIELDS, Version, load_paragraphs, pack_paragraphs


def first_unpacked_article() -> int | None:
    """Where the work starts (again): the lowest article id with a version not packed yet."""
    unpacked = Version.objects.filter(packed_paragraphs__isnull=True).order_by("article_id")
    return unpacked.values_list("article_id", flat=True).first()


def pack_articles(first: int, articles: int) -> tuple[int, int | None]:
    """Pack the versions not packed yet of the ``articles`` next article ids from ``first`` on, in one
    transaction; how many, and the article id to go on from (None: done)."""
    with transaction.atomic():
        unpacked = Version.objects.filter(packed_paragraphs__isnull=True)
        ids = list(
            unpacked.filter(article_id__gte=first)
            .order_by("article_id")
            .values_list("article_id", flat=True)
            .distinct()[:articles]
        )
        if not ids:
            return 0, None
        versions = list(unpacked.filter(article_id__in=ids).only("article_id", "number", *TEXT_FIELDS))
        load_paragraphs(versions)
        pack_paragraphs(versions)  # keyframes packed before (new versions) are read in one query
        Version.objects.bulk_update(versions, ["packed_paragraphs", "packed_against"], batch_size=500)
        if connection.vendor == "postgresql":
            # Search reads the articles' documents, made before (migration 0014): the JSON can go.
            # SQLite keeps it: its search reads it.
            Version.objects.filter(pk__in=[v.pk for v in versions]).update(plain_paragraphs=None)
    return len(versions), ids[-1] + 1


class Command(BaseCommand):
    help = (
        "Pack the paragraphs of versions stored before migration 0016 (zlib against their keyframe), a batch "
        "of articles per transaction. Stop it at any time; run it again to go on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, metavar="N", help="articles per transaction")

    def handle(self, *args: object, **options: Any) -> None:
        batch = max(1, int(options["batch"]))
        total = Version.objects.filter(packed_paragraphs__isnull=True).count()
        position = first_unpacked_article()
        done = 0
        while position is not None:
            packed, position = pack_articles(position, batch)
            done += packed
            share = done / total if total else 1.0
            going_on = f", next article {position}" if position is not None else ""
            self.stderr.write(f"\rpacked {done:,} of {total:,} versions ({share:.1%}){going_on}", ending="")
            self.stderr.flush()
        self.stderr.write("")
        self.stdout.write(f"{done} versions packed; none left unpacked")
