"""Stories: each article's first text and its edits over time, drawn from a seed, and ``text_key``."""

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from articles.normalising import comparison_key
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
    kind: str  # headline, insert, remove, reorder, words, typo, punctuation, correction
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
            rng_title, paragraphs = apply_edit(edit, rng_title, paragraphs, self)
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


def apply_edit(edit: Edit, title: str, paragraphs: list[str], story: Story) -> tuple[str, list[str]]:
    rng = random.Random(edit.seed)
    paragraphs = list(paragraphs)
    index = rng.randrange(len(paragraphs))
    if edit.kind == "headline":
        title = _headline(rng)
    elif edit.kind == "insert":
        paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), _paragraph(rng))
    elif edit.kind == "remove" and len(paragraphs) > 3:
        del paragraphs[max(index, 1)]
    elif edit.kind == "reorder" and len(paragraphs) > 2:
        moved = paragraphs.pop(max(index, 1))
        paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), moved)
    elif edit.kind == "words":
        words = paragraphs[index].split(" ")
        for _ in range(rng.randint(1, 3)):
            words[rng.randrange(len(words))] = rng.choice(("reportedly", "formally", "narrowly", "finally"))
        paragraphs[index] = " ".join(words)
    elif edit.kind == "typo":
        # The first text carries a typo made when the story was written (see make_story); this fixes it.
        paragraphs = [p.replace("teh ", "the ", 1) for p in paragraphs]
    elif edit.kind == "punctuation":
        paragraphs[index] = paragraphs[index].replace(", ", " ", 1).replace(" said.", " said:", 1) + " "
        paragraphs[index] = paragraphs[index].rstrip(" .") + "!"
    elif edit.kind == "correction":
        paragraphs.append(
            f"Correction: An earlier version of this article misstated the number of members who voted. "
            f"It was {rng.randint(3, 20)}, not {rng.randint(21, 40)}."
        )
    else:  # a remove or reorder that the paragraph count does not allow: touch a few words instead
        paragraphs[index] = paragraphs[index].replace(" the ", " this ", 1)
    return title, paragraphs


# Which share of stories has which fault (when faults are on).
FAULT_SHARES = (
    ("slow", 0.01), ("gone404", 0.01), ("gone410", 0.005), ("error500", 0.01), ("moved", 0.01),
    ("huge", 0.002), ("charset", 0.02), ("binary", 0.005),
)  # fmt: skip
REWRITE_KINDS = ("words", "insert", "headline", "correction", "words")
EDIT_KINDS = (
    "headline",
    "insert",
    "remove",
    "reorder",
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
        paragraphs[1] = "The report said teh " + paragraphs[1][0].lower() + paragraphs[1][1:]
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
    edits = tuple(Edit(60 + times[i], kinds[i], rng.randrange(2**32)) for i in order)
    ab = rng.random() < 0.05
    ab_until = 2 * HOUR
    if ab:  # A/B tests run before any edit, so the truth is two variants of one text
        edits = tuple(Edit(max(e.at, ab_until + 60 * (n + 1)), e.kind, e.seed) for n, e in enumerate(edits))
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
        edits=edits,
        ab_headline=_headline(rng) if ab else "",
        ab_until=ab_until if ab else 0.0,
        fault=fault,
        fault_after=rng.uniform(HOUR, 2 * DAY),
    )
