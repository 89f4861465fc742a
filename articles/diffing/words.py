"""Tokens, and the word-level diff of two strings: difflib within bounds of work (and, for pages, time)."""

import re
import time
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from difflib import Match, SequenceMatcher
from itertools import accumulate
from typing import Literal

TOKEN = re.compile(r"\w+|[^\w\s]|\s+")


WORD = re.compile(r"\w")


WORD_RUN = re.compile(r"\w+")


# What the word diff matches: a word or punctuation mark with the spaces before it, compared without them
# (so a paragraph's first word still matches the same word after a sentence inserted before it). Bare space
# tokens would be half of all items and, all equal, most of difflib's work (it visits every pair of equal
# items).
UNIT = re.compile(r"\s*(?:\w+|[^\w\s])|\s+")


# Above this many tokens on either side, compare whole paragraphs only.
MAX_WORD_DIFF_TOKENS = 100_000


# Word-level work on one diff stops after this much, counted in difflib's units (as for MAX_MATCH_WORK): a
# count, not a clock, so that the same two texts give the same change statistics however loaded the machine
# that stores them. About 0.2 s of work here; real articles need a few thousand, hostile ones reach it.
MAX_DIFF_WORK = 1_200_000


# What comparing two paragraphs costs besides difflib's own work, in the same units (measured here: 100 µs
# a pair, 1.3 µs a token, 0.17 µs a unit of difflib's work): objects built per pair, and reading, counting
# and setting aside the common start and end of their tokens.
PAIR_WORK = 600


TOKEN_WORK = 8


# difflib's matcher finds matching blocks one at a time, each search scanning the old items of the range
# left and, for each, its positions on the new side: its work is the sum of those over its searches, after
# the common start and end are set aside. Once it would pass this (about 50 ms of difflib), the differing
# middle is marked changed as a whole instead. Real edits stay far below it; repeated tokens ("a a a …",
# "! ! !", identical lines) and many small matches in order ("x 1 y 2 z 3 …"), each search rescanning
# what is left, are what reach it.
MAX_MATCH_WORK = 300_000


Kind = Literal["equal", "delete", "insert"]


@dataclass(frozen=True)
class Segment:
    kind: Kind
    text: str


@dataclass(frozen=True)
class WordDiff:
    old: tuple[Segment, ...]
    new: tuple[Segment, ...]
    inline: tuple[Segment, ...]  # deletions and insertions interleaved, for one-column views and feeds
    words_removed: int
    words_added: int
    # Part of the text was marked changed as a whole: matching it word by word would cost too much.
    coarse: bool = False

    @property
    def changed(self) -> bool:
        return any(segment.kind != "equal" for segment in self.inline)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def count_words(pieces: Sequence[str]) -> int:
    return sum(1 for piece in pieces if WORD.match(piece))


Opcode = tuple[str, int, int, int, int]


def units(text: str) -> list[str]:
    return UNIT.findall(text)


def _keys(pieces: list[str]) -> list[str]:
    return [piece.lstrip() for piece in pieces]


def _count_words(pieces: Sequence[str]) -> int:
    return sum(1 for piece in pieces if WORD.search(piece))


class _TooCostly(Exception):
    """Matching would take difflib past MAX_MATCH_WORK."""


class _BoundedMatcher(SequenceMatcher[Hashable]):
    """difflib's matcher (autojunk off), which refuses a search that would take its total work past
    ``limit``. A search's cost is known before it starts, from running sums of each old item's positions on
    the new side: the refusal comes before the work, not after."""

    # difflib's own attributes, which typeshed leaves out.
    a: Sequence[Hashable]
    b2j: dict[Hashable, list[int]]

    def __init__(self, old: Sequence[Hashable], new: Sequence[Hashable], limit: int) -> None:
        super().__init__(None, old, new, autojunk=False)
        self._visits = list(accumulate((len(self.b2j.get(item, ())) for item in old), initial=0))
        self._limit = self._left = limit

    def find_longest_match(
        self, alo: int = 0, ahi: int | None = None, blo: int = 0, bhi: int | None = None
    ) -> Match:
        ahi = len(self.a) if ahi is None else ahi
        cost = (ahi - alo) + self._visits[ahi] - self._visits[alo]
        if cost > self._left:
            raise _TooCostly
        self._left -= cost
        return super().find_longest_match(alo, ahi, blo, bhi)

    @property
    def spent(self) -> int:
        """The work of the searches done (a refused one did none)."""
        return self._limit - self._left


def _opcodes(
    old: Sequence[Hashable], new: Sequence[Hashable], budget: "_Budget | None" = None
) -> tuple[list[Opcode], bool]:
    """difflib's opcodes, and whether they are coarse; difflib's work is charged to ``budget``.

    The common start and end are set aside first: an edit touches a few words or paragraphs, so most of
    the work goes. When matching the differing middle would still cost more than MAX_MATCH_WORK, it is one
    replacement (coarse).
    """
    n, m = len(old), len(new)
    lo, limit = 0, min(n, m)
    while lo < limit and old[lo] == new[lo]:
        lo += 1
    hi = 0
    while hi < limit - lo and old[n - 1 - hi] == new[m - 1 - hi]:
        hi += 1
    ops: list[Opcode] = [("equal", 0, lo, 0, lo)] if lo else []
    old_middle, new_middle = old[lo : n - hi], new[lo : m - hi]
    coarse = False
    if old_middle and new_middle:
        matcher = _BoundedMatcher(old_middle, new_middle, MAX_MATCH_WORK)
        try:
            middle = matcher.get_opcodes()
        except _TooCostly:
            ops.append(("replace", lo, n - hi, lo, m - hi))
            coarse = True
        else:
            ops.extend((tag, i1 + lo, i2 + lo, j1 + lo, j2 + lo) for tag, i1, i2, j1, j2 in middle)
        if budget is not None:
            budget.charge(matcher.spent)
    elif old_middle:
        ops.append(("delete", lo, n - hi, lo, lo))
    elif new_middle:
        ops.append(("insert", lo, lo, lo, m - hi))
    if hi:
        ops.append(("equal", n - hi, n, m - hi, m))
    return ops, coarse


def _merged(opcodes: list[Opcode], old: list[str]) -> Iterator[Opcode]:
    """Opcodes with a lone space between two changes folded into them, so that two changed words side by
    side read as one highlight, not two."""
    pending: Opcode | None = None
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        between_changes = 0 < index < len(opcodes) - 1
        if tag == "equal" and between_changes and all(t.isspace() for t in old[i1:i2]):
            tag = "replace"
        if tag != "equal" and pending is not None:
            pending = ("replace", pending[1], i2, pending[3], j2)
            continue
        if pending is not None:
            yield pending
            pending = None
        if tag == "equal":
            yield (tag, i1, i2, j1, j2)
        else:
            pending = (tag, i1, i2, j1, j2)
    if pending is not None:
        yield pending


def _changed(kind: Kind, text: str) -> list[Segment]:
    """A changed span, with the spaces at its edges left unmarked: a highlighted space is noise."""
    core = text.strip()
    if not core:
        return [Segment("equal", text)] if text else []
    start = text.index(core)
    edges = (Segment("equal", text[:start]), Segment(kind, core), Segment("equal", text[start + len(core) :]))
    return [segment for segment in edges if segment.text]


def _append_equal(side: list[Segment], text: str) -> None:
    if side and side[-1].kind == "equal":
        side[-1] = Segment("equal", side[-1].text + text)
    else:
        side.append(Segment("equal", text))


def _word_diff(old_units: list[str], new_units: list[str], opcodes: list[Opcode], coarse: bool) -> WordDiff:
    old_side: list[Segment] = []
    new_side: list[Segment] = []
    inline: list[Segment] = []
    removed = added = 0
    for tag, i1, i2, j1, j2 in _merged(opcodes, old_units):
        old_text, new_text = "".join(old_units[i1:i2]), "".join(new_units[j1:j2])
        if tag == "equal":
            old_side.append(Segment("equal", old_text))
            new_side.append(Segment("equal", new_text))
            inline.append(Segment("equal", new_text))
            continue
        # Units carry the spaces before them: spaces both sides start with are no change, and belong to the
        # text before (so that inline, the deleted and inserted words sit apart from it, not from each other).
        shared = len(old_text) - len(old_text.lstrip())
        shared = min(shared, len(new_text) - len(new_text.lstrip()))
        if shared and old_text[:shared] == new_text[:shared]:
            space, old_text, new_text = old_text[:shared], old_text[shared:], new_text[shared:]
            for side in (old_side, new_side, inline):
                _append_equal(side, space)
        sides: tuple[tuple[list[Segment], Kind, str], ...] = (
            (old_side, "delete", old_text),
            (new_side, "insert", new_text),
        )
        for side, kind, text in sides:
            for segment in _changed(kind, text):
                side.append(segment)
                if segment.kind != "equal" or kind == "insert":
                    inline.append(segment)
        removed += _count_words(old_units[i1:i2])
        added += _count_words(new_units[j1:j2])
    return WordDiff(tuple(old_side), tuple(new_side), tuple(inline), removed, added, coarse)


def diff_words(old: str, new: str) -> WordDiff:
    old_units, new_units = units(old), units(new)
    return _word_diff(old_units, new_units, *_opcodes(_keys(old_units), _keys(new_units)))


def _whole(kind: Kind, text: str) -> WordDiff:
    segment = (Segment(kind, text),)
    if kind == "delete":
        return WordDiff(segment, (), segment, len(WORD_RUN.findall(text)), 0)
    if kind == "insert":
        return WordDiff((), segment, segment, 0, len(WORD_RUN.findall(text)))
    return WordDiff(segment, segment, segment, 0, 0)


class _Budget:
    """Word-level work left for one diff, counted (MAX_DIFF_WORK) and, unless ``seconds`` is None, timed;
    once either is spent, the rest is compared paragraph by paragraph."""

    def __init__(self, seconds: float | None) -> None:
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.work_left = MAX_DIFF_WORK
        self.spent = False
        # Some pair could not be matched word by word (too repetitive): its verdict "not similar" is a guess.
        self.guessed = False
        self.refused = False

    def allows(self) -> bool:
        if not self.spent and (
            self.work_left <= 0 or (self.deadline is not None and time.monotonic() > self.deadline)
        ):
            self.spent = True
        # A spent budget makes the diff coarse only if some pair then went unexamined.
        self.refused = self.refused or self.spent
        return not self.spent

    def charge(self, work: int) -> None:
        self.work_left -= work
