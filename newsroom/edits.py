"""Synthetic edits of an article's text: the one generator behind the simulated newsroom's editors
(stories.py), the benchmarks' made-up histories (bench/loader.py, bench/diffing.py), the one-word edits of
real pages (bench/churn.py) and the diff engine's fuzz tests (articles/tests/test_fuzz_diffing.py).

An edit is one or more operations on a ``Draft``, each of a kind in ``KINDS``. Where each lands (which
paragraph, which words, which position) is chosen here, with the caller's ``random.Random``: seeded, the same
edits come again; hypothesis's, the fuzz tests can shrink them. What new words say is the caller's
``Writer``: the newsroom's made-up prose, windows of real article text, hostile fuzz pieces. A draft counts
what its operations did as ``diffing.change_stats`` counts it (``Draft.stats``), from the words and
paragraphs it changed rather than by diffing whole texts, which costs about a millisecond a version.
"""

import random
import re
from abc import ABC, abstractmethod
from collections.abc import Callable

from articles.diffing import ChangeStats, count_words, diff_words, tokens

# What an edit may take for a word: a run of letters or digits. A writer may say otherwise (word_pattern).
WORD = re.compile(r"\w+")
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
# A misspelling a story may be written with, and what the "typo" kind corrects it to.
TYPO, TYPO_FIXED = "teh", "the"

KINDS = (
    "headline",  # rewritten by the writer
    "byline",  # another credit (the writer's; by default an agency's or a second reporter's)
    "words",  # one to three words of a paragraph, each replaced, deleted or given a new word before it
    "sentence",  # a sentence added to a paragraph, between two of its sentences or at its end
    "cut",  # a sentence cut from a paragraph, shorter than what stays of it
    "insert",  # a new paragraph, anywhere after the first
    "remove",  # a paragraph other than the first
    "move",  # a paragraph other than the first, to another place after the first
    "repeat",  # a paragraph repeated after itself once, twice or fifty times (a template's bug)
    "rewrite",  # three to five paragraphs in ten replaced by new reporting
    "punctuation",  # a paragraph's closing full stop and exclamation mark swapped: a minor edit
    "typo",  # the misspelt TYPO corrected
    "correction",  # a correction appended
)
WORD_ACTIONS = ("replace", "replace", "insert", "delete")
# One update of a developing story, NewsEdits-like: mostly a few words or a sentence, sometimes the
# structure or the headline, seldom a rewrite. A kind's weight, and how many operations an update makes.
UPDATE_KINDS = {
    "words": 30, "sentence": 15, "cut": 10, "insert": 10, "remove": 7, "move": 6, "headline": 10,
    "correction": 5, "byline": 3, "rewrite": 4,
}  # fmt: skip
UPDATE_OPERATIONS = (1, 1, 1, 2, 2, 3)


class Writer(ABC):
    """Where the words an edit writes come from."""

    word_pattern = WORD

    @abstractmethod
    def word(self, rng: random.Random, old: str) -> str:
        """A word to put in place of ``old``, or before it."""

    @abstractmethod
    def sentence(self, rng: random.Random) -> str: ...

    @abstractmethod
    def paragraph(self, rng: random.Random) -> str: ...

    @abstractmethod
    def headline(self, rng: random.Random, old: str) -> str: ...

    def byline(self, rng: random.Random, old: str) -> str:
        return rng.choice(("By Staff and agencies", f"{old} and Alex Reporter".strip()))

    def correction(self, rng: random.Random) -> str:
        return (
            "Correction: An earlier version of this article misstated the number of members who voted. "
            f"It was {rng.randint(3, 20)}, not {rng.randint(21, 40)}."
        )


def pick_words(
    text: str,
    rng: random.Random,
    count: int,
    pattern: re.Pattern[str] = WORD,
    eligible: Callable[[str], bool] | None = None,
) -> list[re.Match[str]]:
    """``count`` of the words of ``text`` at different places (all of them, if it has fewer), in the order
    drawn; only those ``eligible`` says may be changed, if given."""
    candidates = [match for match in pattern.finditer(text) if eligible is None or eligible(match.group())]
    return rng.sample(candidates, min(count, len(candidates)))


def change_words(
    text: str, rng: random.Random, writer: Writer, count: int
) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with ``count`` of its words each replaced, given a word before it, or deleted; and each
    change as (old, new) text."""
    spans, changes = [], []
    for match in pick_words(text, rng, count, writer.word_pattern):
        action, old = rng.choice(WORD_ACTIONS), match.group()
        new = "" if action == "delete" else writer.word(rng, old)
        if action == "insert":
            spans.append((match.start(), match.start(), new + " "))
            changes.append(("", new))
        else:
            spans.append((match.start(), match.end(), new))
            changes.append((old, new))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text, changes


def _words(text: str) -> int:
    return count_words(tokens(text))


class Draft:
    """A text being edited: its headline, byline and paragraphs, and what the operations so far did.

    ``stats`` is exact while each operation touches a paragraph none before it touched, as ``apply``
    chooses them."""

    def __init__(self, title: str, paragraphs: list[str] | tuple[str, ...], byline: str = "") -> None:
        self.title, self.byline, self.paragraphs = title, byline, list(paragraphs)
        self._first_title = title
        self._touched = [False] * len(self.paragraphs)
        self._changes: list[tuple[str, str]] = []  # (old, new) text, for the word counts
        self._added = self._removed = self._changed = self._moved = 0

    def stats(self) -> ChangeStats:
        added = removed = 0
        for old, new in self._changes:
            if not old or not new:
                added, removed = added + _words(new), removed + _words(old)
            else:
                diff = diff_words(old, new)
                added, removed = added + diff.words_added, removed + diff.words_removed
        return ChangeStats(
            words_added=added,
            words_removed=removed,
            paragraphs_added=self._added,
            paragraphs_removed=self._removed,
            paragraphs_changed=self._changed,
            title_changed=self.title != self._first_title,
            paragraphs_moved=self._moved,
        )

    def untouched(self, lede: bool = True) -> list[int]:
        """Positions of the paragraphs no operation touched yet (the first one too, if ``lede``)."""
        return [at for at, touched in enumerate(self._touched) if not touched and (lede or at)]

    def change(self, at: int, new: str, changes: list[tuple[str, str]]) -> None:
        """The paragraph at ``at`` changed to ``new``; ``changes``: what changed in it, as (old, new) text."""
        if new == self.paragraphs[at]:
            return
        self._changed += not self._touched[at]
        self._touched[at] = True
        self.paragraphs[at] = new
        self._changes += changes

    def insert(self, at: int, text: str) -> None:
        self.paragraphs.insert(at, text)
        self._touched.insert(at, True)
        self._added += 1
        self._changes.append(("", text))

    def remove(self, at: int) -> None:
        self._changes.append((self.paragraphs.pop(at), ""))
        self._touched.pop(at)
        self._removed += 1

    def move(self, at: int, to: int) -> None:
        """The paragraph at ``at`` to position ``to`` of the paragraphs without it."""
        self.paragraphs.insert(to, self.paragraphs.pop(at))
        self._touched.pop(at)
        self._touched.insert(to, True)
        self._moved += 1

    def replace(self, at: int, text: str) -> None:
        """A paragraph rewritten as new reporting: removed, and another in its place."""
        self.remove(at)
        self.insert(at, text)


def apply(draft: Draft, kind: str, rng: random.Random, writer: Writer) -> bool:
    """One operation of ``kind`` (see KINDS) on ``draft``, in a paragraph no earlier operation touched. One
    the text does not allow (a move among two paragraphs, a cut in a paragraph of one sentence, a typo
    fixed where there is none) changes words instead. False if nothing could be changed."""
    if kind == "headline":
        draft.title = writer.headline(rng, draft.title)
        return True
    if kind == "byline":
        draft.byline = writer.byline(rng, draft.byline)
        return True
    if kind == "correction":
        draft.insert(len(draft.paragraphs), writer.correction(rng))
        return True
    if kind == "insert":
        draft.insert(rng.randint(min(1, len(draft.paragraphs)), len(draft.paragraphs)), writer.paragraph(rng))
        return True
    if kind == "typo":
        for at in draft.untouched():
            if f"{TYPO} " in draft.paragraphs[at]:
                fixed = draft.paragraphs[at].replace(f"{TYPO} ", f"{TYPO_FIXED} ", 1)
                draft.change(at, fixed, [(TYPO, TYPO_FIXED)])
                return True
    if kind == "rewrite":
        places = draft.untouched()
        share = max(1, len(draft.paragraphs) * rng.randint(3, 5) // 10)
        for at in rng.sample(places, min(share, len(places))):
            draft.replace(at, writer.paragraph(rng))
        return bool(places)
    # The first paragraph stays first: it is the story's lede.
    places = draft.untouched(lede=kind not in ("remove", "move"))
    if places and kind == "remove" and len(draft.paragraphs) > 1:
        draft.remove(rng.choice(places))
        return True
    if places and kind == "move" and len(draft.paragraphs) > 2:
        at = rng.choice(places)
        draft.move(at, rng.choice([to for to in range(1, len(draft.paragraphs)) if to != at]))
        return True
    places = draft.untouched()
    if not places:
        return False
    at = rng.choice(places)
    text = draft.paragraphs[at]
    if kind == "repeat":
        for _ in range(rng.choice((1, 2, 50))):
            draft.insert(at + 1, text)
        return True
    sentences = SENTENCE_BREAK.split(text)
    if kind == "sentence":
        added = writer.sentence(rng)
        sentences.insert(rng.randint(0, len(sentences)), added)
        draft.change(at, " ".join(sentences), [("", added)])
    elif kind == "cut" and (cuts := [k for k, cut in enumerate(sentences) if 2 * len(cut) < len(text)]):
        # A sentence shorter than what stays: a paragraph trimmed, not mostly replaced (which a diff would
        # show as one paragraph removed and another added).
        cut = sentences.pop(rng.choice(cuts))
        draft.change(at, " ".join(sentences), [(cut, "")])
    elif kind == "punctuation":
        mark = text[-1:] if text[-1:] in (".", "!") else ""
        swapped = {".": "!", "!": ".", "": "."}[mark]
        draft.change(at, text[: len(text) - len(mark)] + swapped, [(mark, swapped)])
    else:
        draft.change(at, *change_words(text, rng, writer, rng.randint(1, 3)))
    return True


def revise(draft: Draft, rng: random.Random, writer: Writer, kinds: tuple[str, ...], count: int) -> None:
    """``count`` operations, each of a kind drawn from ``kinds`` (a kind listed twice is drawn twice as
    often)."""
    for _ in range(count):
        apply(draft, rng.choice(kinds), rng, writer)


def update(draft: Draft, rng: random.Random, writer: Writer) -> None:
    """One NewsEdits-like update of a developing story (UPDATE_KINDS)."""
    kinds, weights = list(UPDATE_KINDS), list(UPDATE_KINDS.values())
    for _ in range(rng.choice(UPDATE_OPERATIONS)):
        apply(draft, rng.choices(kinds, weights)[0], rng, writer)
