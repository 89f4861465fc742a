from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.models import Article, NotificationRule, Source
from articles.notifying import deliveries


class Command(BaseCommand):
    help = (
        "Add a notification rule: send word of each stored edit (of one source's articles, one article, or "
        "all) to Apprise URLs and/or a signed webhook. E.g. "
        "manage.py notify --source nyt --headlines-only 'slack://TOKEN_A/TOKEN_B/TOKEN_C/#newsroom'"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("targets", nargs="*", metavar="APPRISE_URL", help="where to send (Apprise URLs)")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--source", metavar="SLUG", help="only this source's articles")
        scope.add_argument("--article", metavar="ID", type=int, help="only this article")
        parser.add_argument("--headlines-only", action="store_true", help="only headline changes")
        parser.add_argument("--min-words", type=int, default=0, metavar="N", help="only edits of N+ words")
        parser.add_argument("--webhook", metavar="URL", default="", help="also POST signed JSON here")
        parser.add_argument("--name", default="", help="the rule's name (default: what it sends)")
        parser.add_argument("--test", action="store_true", help="send a test notification once it is added")

    def handle(
        self, *args: object, targets: list[str], source: str | None, article: int | None,
        headlines_only: bool, min_words: int, webhook: str, name: str, test: bool, **options: object,
    ) -> None:  # fmt: skip
        rule = NotificationRule(
            targets="\n".join(targets), webhook_url=webhook, headlines_only=headlines_only,
            min_words=max(min_words, 0),
        )  # fmt: skip
        if source:
            rule.source = Source.objects.filter(slug=source).first()
            if rule.source is None:
                raise CommandError(f"No source with slug {source!r}.")
        if article:
            rule.article = Article.objects.filter(pk=article).first()
            if rule.article is None:
                raise CommandError(f"No article {article}.")
        rule.name = name or f"{rule.what()} of {rule.source.name if rule.source else rule.scope()}"
        try:
            rule.full_clean()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        rule.save()
        shown = [*rule.shown_targets(), *([f"webhook {rule.shown_webhook()}"] if rule.webhook_url else [])]
        self.stdout.write(f"rule {rule.pk} added: {rule.what()} of {rule.scope()} → {', '.join(shown)}")
        if rule.webhook_url:
            self.stdout.write(f"webhook signing secret (shown this once): {rule.webhook_secret}")
        if test:
            outcome = deliveries.send_test(rule)
            self.stdout.write("test sent" if outcome.ok else f"test failed: {rule.test_result}")
