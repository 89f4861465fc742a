"""Stories: each article's first text and its edits over time, drawn from a seed, and ``text_key``."""

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from articles.normalising import comparison_key
from newsroom import edits
from newsroom.words import CLAUSES, DAYS, ORDINALS, PLACES, REPORTERS, SUBJECTS, THINGS, VERBS

SECTIONS = ("world", "politics", "business", "science", "sport", "culture")
TEMPLATES = ("broadsheet", "tabloid", "wire", "modern")
# Templates that answer conditional GETs; the others send neither ETag nor Last-Modified, as many do.
CONDITIONAL_TEMPLATES = frozenset(("broadsheet", "modern"))

HOUR = 3600.0
DAY = 24 * HOUR


def text_key(title: str, paragraphs: list[str] | tuple[str, ...]) -> str:
    """The identity of an article text for comparing a tracker's versions with the truth: headline and
    paragraphs under the tracker's own comparison rules (bylines never change here)."""
    parts = [comparison_key(title), *(comparison_key(p) for p in paragraphs)]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Edit:
    at: float  # world seconds after publication
    kind: str  # one of edits.KINDS
    seed: int


@dataclass(frozen=True)
class Text:
    title: str
    paragraphs: tuple[str, ...]

    @cached_property
    def key(self) -> str:
        return text_key(self.title, self.paragraphs)


@dataclass
class Story:
    """One article: its first text, its edits in time order, and what (if anything) is wrong with it."""

    id: int
    section: str
    template: str
    byline: str
    published: float  # world seconds since the world's start (negative: before it)
    first: Text
    edits: tuple[Edit, ...]
    ab_headline: str = ""  # served on every other request while the A/B test runs
    ab_until: float = 0.0  # world seconds after publication
    fault: str = ""  # "", slow, gone404, gone410, error500, moved, huge, charset, binary
    fault_after: float = 0.0  # world seconds after publication, for faults that start later

    @cached_property
    def slug(self) -> str:
        words = "".join(ch if ch.isalnum() else "-" for ch in self.first.title.lower()).split("-")
        return "-".join(w for w in words if w)[:60]

    def path(self, epoch: datetime) -> str:
        day = epoch + timedelta(seconds=self.published)
        return f"/news/{self.section}/{day:%Y/%m/%d}/{self.slug}-{self.id}"

    def texts_until(self, age: float) -> list[Text]:
        """The article's text after each edit made up to ``age`` seconds after publication, first included."""
        rng_title, paragraphs = self.first.title, list(self.first.paragraphs)
        texts = [self.first]
        for edit in self.edits:
            if edit.at > age:
                break
            rng_title, paragraphs = apply_edit(edit, rng_title, paragraphs)
            texts.append(Text(rng_title, tuple(paragraphs)))
        return texts

    def variants_at(self, age: float) -> list[Text]:
        """What the page serves at ``age``: one text, or two while an A/B headline test runs."""
        current = self.texts_until(age)[-1]
        if self.ab_headline and age < self.ab_until:
            return [current, Text(self.ab_headline, current.paragraphs)]
        return [current]


def _sentence(rng: random.Random) -> str:
    clause = rng.choice(CLAUSES).format(day=rng.choice(DAYS), n=rng.randint(2, 90), ord=rng.choice(ORDINALS))
    subject, verb, thing = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(THINGS)
    shape = rng.randrange(4)
    if shape == 0:
        return f"{subject.capitalize()} {verb} {thing} {clause}."
    if shape == 1:
        return f"In {rng.choice(PLACES)}, {subject} {verb} {thing}."
    if shape == 2:
        return f"Officials said {subject} had {verb} {thing} {clause}."
    return f"“We have {verb} {thing},” a spokesperson for {subject} said."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))


def _headline(rng: random.Random) -> str:
    subject, verb, thing = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(THINGS)
    return f"{subject.capitalize()} {verb} {thing} in {rng.choice(PLACES)}"


class _Editors(edits.Writer):
    """The newsroom's editors write its own made-up prose."""

    def word(self, rng: random.Random, old: str) -> str:
        return rng.choice(("reportedly", "formally", "narrowly", "finally"))

    def sentence(self, rng: random.Random) -> str:
        return _sentence(rng)

    def paragraph(self, rng: random.Random) -> str:
        return _paragraph(rng)

    def headline(self, rng: random.Random, old: str) -> str:
        return _headline(rng)


EDITORS = _Editors()


def apply_edit(edit: Edit, title: str, paragraphs: list[str] | tuple[str, ...]) -> tuple[str, list[str]]:
    """The headline and paragraphs after ``edit``: one operation of its kind, drawn from its seed."""
    draft = edits.Draft(title, paragraphs)
    edits.apply(draft, edit.kind, random.Random(edit.seed), EDITORS)
    return draft.title, draft.paragraphs


# Which share of stories has which fault (when faults are on).
FAULT_SHARES = (
    ("slow", 0.01), ("gone404", 0.01), ("gone410", 0.005), ("error500", 0.01), ("moved", 0.01),
    ("huge", 0.002), ("charset", 0.02), ("binary", 0.005),
)  # fmt: skip
# The newsroom's mixes of edits.KINDS: what rewrite mode does to every request's text (never a minor edit,
# so that each check finds a version), and what a story's editors do over its first days (every kind a
# tracker must tell apart, a typo fix only in a story written with one).
REWRITE_KINDS = ("words", "insert", "headline", "correction", "words")
EDIT_KINDS = (
    "headline",
    "insert",
    "remove",
    "move",
    "words",
    "words",
    "typo",
    "punctuation",
    "correction",
)


def make_story(seed: int, story_id: int, published: float, faults: bool) -> Story:
    rng = random.Random(f"{seed}:{story_id}")
    paragraphs = [_paragraph(rng) for _ in range(rng.randint(6, 14))]
    title = _headline(rng)
    typo = rng.random() < 0.25
    if typo:
        paragraphs[1] = f"The report said {edits.TYPO} " + paragraphs[1][0].lower() + paragraphs[1][1:]
    # NewsEdits has ~3.6 versions per article: most edits come in the first hours, none after a few days.
    count = rng.choices(range(7), weights=(12, 20, 22, 18, 12, 9, 7))[0]
    times = sorted(min(rng.expovariate(1 / (4 * HOUR)), 3 * DAY) for _ in range(count))
    kinds = [rng.choice(EDIT_KINDS) for _ in times]
    if typo and "typo" not in kinds:
        kinds.append("typo")
        times.append(min(rng.expovariate(1 / HOUR), 3 * DAY))
    elif not typo:
        kinds = [k if k != "typo" else "words" for k in kinds]
    order = sorted(range(len(times)), key=times.__getitem__)
    schedule = tuple(Edit(60 + times[i], kinds[i], rng.randrange(2**32)) for i in order)
    ab = rng.random() < 0.05
    ab_until = 2 * HOUR
    if ab:  # A/B tests run before any edit, so the truth is two variants of one text
        schedule = tuple(
            Edit(max(e.at, ab_until + 60 * (n + 1)), e.kind, e.seed) for n, e in enumerate(schedule)
        )
    fault = ""
    if faults:
        roll = rng.random()
        for name, share in FAULT_SHARES:
            if roll < share:
                fault = name
                break
            roll -= share
    return Story(
        id=story_id,
        section=rng.choice(SECTIONS),
        template=TEMPLATES[story_id % len(TEMPLATES)],
        byline=f"By {rng.choice(REPORTERS)}",
        published=published,
        first=Text(title, tuple(paragraphs)),
        edits=schedule,
        ab_headline=_headline(rng) if ab else "",
        ab_until=ab_until if ab else 0.0,
        fault=fault,
        fault_after=rng.uniform(HOUR, 2 * DAY),
    )
