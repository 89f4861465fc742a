"""Serve the simulated newsroom (the ``newsroom`` app) on 127.0.0.1 until Ctrl-C."""

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from articles.models import Source
from newsroom.server import serve
from newsroom.stories import SECTIONS
from newsroom.world import Newsroom


class Command(BaseCommand):
    help = "Serve a simulated, deterministic news site on 127.0.0.1 (for demos, tests and benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--articles", type=int, default=200, help="How many stories (10 to 100,000).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--speed", type=float, default=60.0, help="World seconds per real second.")
        parser.add_argument(
            "--published", type=int, default=None,
            help="Stories out at the start (default: all); the rest come out one per --publish-every.",
        )  # fmt: skip
        parser.add_argument(
            "--publish-every", type=float, default=600.0, help="World seconds between stories."
        )
        parser.add_argument(
            "--no-churn", action="store_true", help="Serve identical bytes for unchanged text."
        )
        parser.add_argument("--no-faults", action="store_true", help="No slow, gone, failing or odd pages.")
        parser.add_argument(
            "--register", action="store_true",
            help="Add or update the source 'newsroom' with these feeds and sections, so it is tracked.",
        )  # fmt: skip

    def handle(self, *args: object, **options: Any) -> None:
        articles = int(options["articles"])
        if not 10 <= articles <= 100_000:
            self.stderr.write("--articles must be between 10 and 100000")
            raise SystemExit(2)
        room = Newsroom(
            articles,
            seed=int(options["seed"]),
            speed=float(options["speed"]),
            churn=not options["no_churn"],
            faults=not options["no_faults"],
            published=options["published"],
            publish_every=float(options["publish_every"]),
        )
        server, _thread = serve(room, "127.0.0.1", int(options["port"]))
        base = f"http://127.0.0.1:{server.server_address[1]}"
        if options["register"]:
            register(base)
        self.stdout.write(
            f"newsroom: {articles} stories at {base}/ (feeds {base}/feeds/all.rss); Ctrl-C stops"
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
            server.server_close()


def register(base: str) -> Source:
    source, _ = Source.objects.update_or_create(
        slug="newsroom",
        defaults={
            "name": "The Newsroom (simulated)",
            "homepage": f"{base}/",
            "feed_urls": [f"{base}/feeds/all.rss", f"{base}/feeds/all.atom"],
            "section_urls": [f"{base}/section/{section}/" for section in SECTIONS],
            "link_pattern": r"/news/[a-z]+/\d{4}/\d{2}/\d{2}/",
            "active": True,
        },
    )
    Source.objects.filter(pk=source.pk).update(next_discovery_at=source.created_at)
    return source
