"""A demo database: sources, articles and histories with the kinds of edits newsrooms make.

Nothing here is fetched: the articles have addresses under the reserved .invalid domain and no scheduled
check, so the demo works offline and never sends a request anywhere.
"""

import dataclasses
import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from articles import activity, search_documents
from articles.diffing import change_stats
from articles.models import Article, Source, Version
from articles.normalising import ArticleText

SOURCES = [("The Daily Example", "daily-example"), ("Evening Standard-Bearer", "standard-bearer"),
           ("World Wire", "world-wire")]  # fmt: skip
PLACES = ["Riverton", "Northgate", "Lakeside", "Port Ellis", "Hillcrest", "Eastbrook"]
SUBJECTS = ["council", "transport authority", "school board", "health trust", "police", "port operator"]
ACTIONS = [
    ("approves", "rejects"),
    ("delays", "brings forward"),
    ("backs", "drops"),
    ("expands", "scales back"),
]
THINGS = ["bridge plan", "new tram line", "budget", "housing scheme", "flood defences", "night bus service"]
SENTENCES = [
    "Officials said the decision followed months of consultation with residents.",
    "The vote was {n} to {m}, with one member abstaining.",
    "Opponents said the cost, estimated at £{n} million, was too high.",
    "A spokesperson declined to comment on the timetable.",
    "Work is expected to start in the spring and last {n} months.",
    "Local businesses have welcomed the move.",
    "The plan will be reviewed again next year.",
    "Residents packed the public gallery for the debate on {day}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def sentence(rng: random.Random) -> str:
    return rng.choice(SENTENCES).format(n=rng.randint(2, 90), m=rng.randint(1, 9), day=rng.choice(DAYS))


def edit(rng: random.Random, title: str, paragraphs: list[str]) -> tuple[str, list[str], str]:
    """One newsroom-style edit: a new version's headline, paragraphs and kind."""
    paragraphs = list(paragraphs)
    roll = rng.random()
    if roll < 0.2:
        for verb, opposite in ACTIONS:
            if verb in title:
                return title.replace(verb, opposite), paragraphs, Version.Kind.EDIT
        return title + ", officials say", paragraphs, Version.Kind.EDIT
    if roll < 0.4:
        paragraphs.insert(rng.randint(1, len(paragraphs)), sentence(rng))
    elif roll < 0.55 and len(paragraphs) > 2:
        paragraphs.pop(rng.randrange(1, len(paragraphs)))
    elif roll < 0.7:
        paragraphs.append(f"Correction: an earlier version of this article misstated the date of the vote as "
                          f"{rng.choice(DAYS)}.")  # fmt: skip
    elif roll < 0.8:
        i = rng.randrange(len(paragraphs))
        paragraphs[i] = (
            paragraphs[i].rstrip(".") + "!" if paragraphs[i].endswith(".") else paragraphs[i] + "."
        )
        return title, paragraphs, Version.Kind.MINOR
    else:
        i = rng.randrange(len(paragraphs))
        for day in DAYS:
            if day in paragraphs[i]:
                paragraphs[i] = paragraphs[i].replace(day, rng.choice([d for d in DAYS if d != day]))
                break
        else:
            paragraphs[i] = paragraphs[i].replace(" the ", " the new ", 1) if " the " in paragraphs[i] else (
                paragraphs[i] + " " + sentence(rng))  # fmt: skip
    return title, paragraphs, Version.Kind.EDIT


class Command(BaseCommand):
    help = "Fill an empty database with demo sources, articles and their edits (nothing is fetched)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, default=60)
        parser.add_argument("--seed", type=int, default=1)

    @transaction.atomic
    def handle(self, *args: object, articles: int, seed: int, **options: object) -> None:
        if Article.objects.exists():
            raise CommandError("The database already has articles; the demo fills an empty one.")
        rng = random.Random(seed)
        now = timezone.now()
        sources = [
            Source.objects.create(name=n, slug=s, homepage=f"https://{s}.invalid/") for n, s in SOURCES
        ]
        for number in range(articles):
            source = sources[number % len(sources)]
            place, subject, thing = rng.choice(PLACES), rng.choice(SUBJECTS), rng.choice(THINGS)
            title = f"{place} {subject} {rng.choice(ACTIONS)[0]} {thing}"
            paragraphs = [f"The {place} {subject} on {rng.choice(DAYS)} decided on the {thing}."]
            paragraphs += [sentence(rng) for _ in range(rng.randint(3, 6))]
            seen = now - timedelta(hours=rng.uniform(1, 24 * 7))
            status = rng.choice([Article.Status.ACTIVE] * 6 + [Article.Status.STOPPED, Article.Status.GONE])
            article = Article.objects.create(
                url=f"https://{source.slug}.invalid/{number}-{thing.replace(' ', '-')}",
                source=source, first_seen_at=seen, status=status, next_check_at=None,
            )  # fmt: skip
            previous, fetched = None, seen
            for version_number in range(rng.choice([1, 2, 2, 3, 3, 4, 5, 6])):
                kind: str = Version.Kind.EDIT
                if version_number:
                    title, paragraphs, kind = edit(rng, title, paragraphs)
                    fetched = min(fetched + timedelta(minutes=rng.randint(15, 600)), now)
                text = ArticleText.from_parts(
                    title, f"By {rng.choice(['A. Reporter', 'B. Writer'])}", paragraphs
                )
                if previous is not None and text.content_hash == previous.content_hash:
                    continue
                stats = change_stats(previous, text)
                Version.objects.create(
                    article=article, number=article.version_count, fetched_at=fetched,
                    title=text.title, byline=text.byline, plain_paragraphs=list(text.paragraphs),
                    content_hash=text.content_hash, extractor="demo", extractor_version="1", kind=kind,
                    **dataclasses.asdict(stats),
                )  # fmt: skip
                search_documents.add_words({article.pk: [search_documents.searchable_text(text)]})
                newest_before = article.last_changed_at if article.version_count else None
                activity.count_stored([activity.Stored(source.pk, newest_before, [fetched])])
                article.version_count += 1
                article.title, article.last_changed_at = text.title, fetched
                previous = text
            article.save()
        self.stdout.write(f"demo: {articles} articles in {len(sources)} sources, "
                          f"{Version.objects.count()} versions")  # fmt: skip
