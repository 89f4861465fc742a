"""What changed between two versions: paragraphs aligned, then a word-level diff inside changed paragraphs.

difflib's SequenceMatcher (autojunk off, so common words are never treated as noise) aligns the paragraph
lists, then pairs similar paragraphs inside a changed block and diffs their words and punctuation marks, each
carrying the spaces before it. Both levels first set aside what the two sides start and end with, and mark a
middle that would cost difflib too much (repetitive text: its work grows with the pairs of equal items) as
changed as a whole; word-level work on one diff is bounded by a count (MAX_DIFF_WORK) and, for a diff shown
on a page, by time as well, after which paragraphs are compared whole; and a diff lists at most
MAX_LISTED_OPS paragraph operations, counting the rest (a listed paragraph costs objects, HTML and JSON
however it was compared). So a hostile page cannot hold a worker or a request for long, and the listed
paragraphs, then the rest, still rebuild both texts. HTML is rendered from escaped text only.
"""

import html
import re
import time
from collections import Counter
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from difflib import Match, SequenceMatcher
from itertools import accumulate
from typing import Literal

from django.utils.safestring import SafeString, mark_safe

from articles.normalising import ArticleText

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
# Two paragraphs at least this similar (token ratio) are one paragraph edited, not one removed, one added.
SIMILAR = 0.5
# In a changed block larger than this (old × new paragraphs), pair paragraphs in order without look-ahead.
MAX_PAIRING_WORK = 400
# Word-level work on one diff stops after this long, leaving the rest of a 1 s page for rendering: a second
# line behind MAX_DIFF_WORK for a page shown on a slow or loaded machine. Never for change_stats.
DIFF_BUDGET_SECONDS = 0.3
# Word-level work on one diff stops after this much, counted in difflib's units (as for MAX_MATCH_WORK): a
# count, not a clock, so that the same two texts give the same change statistics however loaded the machine
# that stores them. About 0.2 s of work here; real articles need a few thousand, hostile ones reach it.
MAX_DIFF_WORK = 1_200_000
# What comparing two paragraphs costs besides difflib's own work, in the same units (measured here: 100 µs
# a pair, 1.3 µs a token, 0.17 µs a unit of difflib's work): objects built per pair, and reading, counting
# and setting aside the common start and end of their tokens.
PAIR_WORK = 600
TOKEN_WORK = 8
# A paragraph longer than this is not prose: it is never paired with another for a word-level diff.
MAX_PAIR_TOKENS = 20_000
# difflib's matcher finds matching blocks one at a time, each search scanning the old items of the range
# left and, for each, its positions on the new side: its work is the sum of those over its searches, after
# the common start and end are set aside. Once it would pass this (about 50 ms of difflib), the differing
# middle is marked changed as a whole instead. Real edits stay far below it; repeated tokens ("a a a …",
# "! ! !", identical lines) and many small matches in order ("x 1 y 2 z 3 …"), each search rescanning
# what is left, are what reach it.
MAX_MATCH_WORK = 300_000
# A diff lists at most this many paragraph operations; the paragraphs after them are counted as removed or
# added whole (``Unlisted``), not listed. Each listed one costs a few objects here, a row of HTML and an
# object of JSON: 40,000 short paragraphs all changed (1 MB) listed 80,000 and took 1.3 s to diff, 4 s to
# render as a page and 2.7 s to serialise for the API. Real articles stay far below it.
MAX_LISTED_OPS = 4_000

# Raise it whenever the same two texts may be compared differently: cached diffs name it. 2: moves.
# 3: at most MAX_LISTED_OPS paragraph operations listed. 4: word-level work bounded by MAX_DIFF_WORK.
DIFF_RELEASE = "4"

Kind = Literal["equal", "delete", "insert"]
# "moved_out": a paragraph that left this place for another (``moved`` is where it went, in the new text);
# "moved_in": one that arrived here (``moved`` is where it was, in the old text), edited or not.
Op = Literal["equal", "insert", "delete", "replace", "moved_out", "moved_in"]


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


@dataclass(frozen=True)
class ParagraphOp:
    op: Op
    old_index: int | None
    new_index: int | None
    words: WordDiff
    moved: int | None = None


@dataclass(frozen=True)
class Unlisted:
    """The end of a diff too long to list: from ``old_index`` and ``new_index`` on, the paragraphs were
    aligned whole (equal or not) and are only counted."""

    old_index: int
    new_index: int
    paragraphs_removed: int = 0
    paragraphs_added: int = 0
    words_removed: int = 0
    words_added: int = 0


@dataclass(frozen=True)
class BodyDiff:
    ops: tuple[ParagraphOp, ...]
    coarse: bool = False
    # What follows the listed operations when there were more than MAX_LISTED_OPS.
    unlisted: Unlisted | None = None

    def _count(self, op: Op) -> int:
        return sum(1 for item in self.ops if item.op == op)

    @property
    def paragraphs_added(self) -> int:
        return self._count("insert") + (self.unlisted.paragraphs_added if self.unlisted else 0)

    @property
    def paragraphs_removed(self) -> int:
        return self._count("delete") + (self.unlisted.paragraphs_removed if self.unlisted else 0)

    @property
    def paragraphs_changed(self) -> int:
        return self._count("replace")

    @property
    def paragraphs_moved(self) -> int:
        return self._count("moved_in")

    @property
    def words_added(self) -> int:
        return sum(item.words.words_added for item in self.ops) + (
            self.unlisted.words_added if self.unlisted else 0
        )

    @property
    def words_removed(self) -> int:
        return sum(item.words.words_removed for item in self.ops) + (
            self.unlisted.words_removed if self.unlisted else 0
        )


@dataclass(frozen=True)
class ChangeStats:
    """How a version differs from its predecessor; stored with the version, shown in lists and feeds."""

    words_added: int = 0
    words_removed: int = 0
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    paragraphs_changed: int = 0
    title_changed: bool = False
    paragraphs_moved: int = 0
    social_title_changed: bool = False

    def summary(self) -> str:
        parts = ["headline changed"] if self.title_changed else []
        if self.social_title_changed:
            parts.append("social headline changed")
        if self.words_added or self.words_removed:
            parts.append(f"+{self.words_added}/−{self.words_removed} words")
        for count, what in (
            (self.paragraphs_added, "added"),
            (self.paragraphs_removed, "removed"),
            (self.paragraphs_changed, "changed"),
            (self.paragraphs_moved, "moved"),
        ):
            if count:
                parts.append(f"{count} paragraph{'s' if count != 1 else ''} {what}")
        return " · ".join(parts) or "no text change"


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


class _BoundedMatcher(SequenceMatcher):
    """difflib's matcher (autojunk off), which refuses a search that would take its total work past
    ``limit``. A search's cost is known before it starts, from running sums of each old item's positions on
    the new side: the refusal comes before the work, not after."""

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
        for side, kind, text in ((old_side, "delete", old_text), (new_side, "insert", new_text)):
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


class _Paragraphs:
    """Units, their keys and key counts of the paragraphs of one diff, each computed once and only when
    needed."""

    def __init__(self) -> None:
        self._units: dict[str, tuple[list[str], list[str]]] = {}
        self._counts: dict[str, Counter[str]] = {}

    def units(self, text: str) -> tuple[list[str], list[str]]:
        if text not in self._units:
            pieces = units(text)
            self._units[text] = (pieces, _keys(pieces))
        return self._units[text]

    def counts(self, text: str) -> Counter[str]:
        if text not in self._counts:
            self._counts[text] = Counter(self.units(text)[1])
        return self._counts[text]


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


def _edited(a: str, b: str, paragraphs: _Paragraphs, budget: _Budget) -> WordDiff | None:
    """The word diff of ``a`` into ``b`` if they are one paragraph edited (similar enough), else None.

    difflib's ratio, reached through its two cheap upper bounds (lengths, then token counts) as difflib
    does, and computed from the same opcodes that make the word diff."""
    if not budget.allows():
        return None
    (a_units, a_keys), (b_units, b_keys) = paragraphs.units(a), paragraphs.units(b)
    total = len(a_units) + len(b_units)
    budget.charge(PAIR_WORK + TOKEN_WORK * total)
    if not total or max(len(a_units), len(b_units)) > MAX_PAIR_TOKENS:
        return None
    if 2 * min(len(a_units), len(b_units)) < SIMILAR * total:
        return None
    if 2 * (paragraphs.counts(a) & paragraphs.counts(b)).total() < SIMILAR * total:
        return None
    opcodes, coarse = _opcodes(a_keys, b_keys, budget)
    matched = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
    if 2 * matched < SIMILAR * total:
        budget.guessed = budget.guessed or coarse
        return None
    return _word_diff(a_units, b_units, opcodes, coarse)


def _changed_block(
    old: Sequence[str],
    new: Sequence[str],
    i1: int,
    i2: int,
    j1: int,
    j2: int,
    paragraphs: _Paragraphs,
    budget: _Budget,
) -> Iterator[ParagraphOp]:
    """Pair the similar paragraphs of a changed block in order; the rest were removed or added."""
    look_ahead = (i2 - i1) * (j2 - j1) <= MAX_PAIRING_WORK
    i, j = i1, j1
    while i < i2 and j < j2:
        if (words := _edited(old[i], new[j], paragraphs, budget)) is not None:
            yield ParagraphOp("replace", i, j, words)
            i, j = i + 1, j + 1
        elif look_ahead and any(_edited(old[i], new[k], paragraphs, budget) for k in range(j + 1, j2)):
            yield ParagraphOp("insert", None, j, _whole("insert", new[j]))
            j += 1
        else:
            yield ParagraphOp("delete", i, None, _whole("delete", old[i]))
            i += 1
    for k in range(i, i2):
        yield ParagraphOp("delete", k, None, _whole("delete", old[k]))
    for k in range(j, j2):
        yield ParagraphOp("insert", None, k, _whole("insert", new[k]))


def _too_long(paragraphs: Sequence[str]) -> bool:
    # A token is at least one character: only a text this long in characters needs its tokens counted, and
    # only until there are too many (a megabyte tokenised whole took 0.1 s), a window at a time (a token cut
    # by a window's edge counts twice, one token in 100,000 characters at most).
    if sum(len(p) for p in paragraphs) <= MAX_WORD_DIFF_TOKENS:
        return False
    left = MAX_WORD_DIFF_TOKENS
    for paragraph in paragraphs:
        for start in range(0, len(paragraph), MAX_WORD_DIFF_TOKENS):
            left -= len(TOKEN.findall(paragraph, start, start + MAX_WORD_DIFF_TOKENS))
            if left < 0:
                return True
    return False


def diff_body(
    old: Sequence[str],
    new: Sequence[str],
    budget_seconds: float | None = DIFF_BUDGET_SECONDS,
    max_ops: int = MAX_LISTED_OPS,
) -> BodyDiff:
    """The paragraphs of ``old`` and ``new`` compared; ``budget_seconds`` None: bounded by work only."""
    budget = _Budget(budget_seconds)
    if _too_long(old) or _too_long(new):
        budget.spent = True
    paragraphs = _Paragraphs()
    opcodes, coarse = _opcodes(old, new)
    ops: list[ParagraphOp] = []
    rest: list[Opcode] = []  # what is left once max_ops are listed
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            listed = min(i2 - i1, max_ops - len(ops))
            ops.extend(
                ParagraphOp("equal", i1 + k, j1 + k, _whole("equal", old[i1 + k])) for k in range(listed)
            )
            next_old, next_new = i1 + listed, j1 + listed
        else:
            next_old, next_new = i1, j1
            # Lazily: pairing stops with the listing, so the unlisted part costs no word-level work.
            for op in _changed_block(old, new, i1, i2, j1, j2, paragraphs, budget):
                if len(ops) >= max_ops:
                    break
                ops.append(op)
                next_old = next_old if op.old_index is None else op.old_index + 1
                next_new = next_new if op.new_index is None else op.new_index + 1
        if (next_old, next_new) != (i2, j2):
            rest = [(tag, next_old, i2, next_new, j2), *opcodes[index + 1 :]]
            break
    ops = _with_moves(ops, old, new, paragraphs, budget)
    unlisted = _unlisted(rest, old, new) if rest else None
    # Unlisted paragraphs are compared whole: coarse if any of them changed.
    coarse = coarse or budget.refused or budget.guessed or any(op.words.coarse for op in ops)
    if unlisted is not None and (unlisted.paragraphs_removed or unlisted.paragraphs_added):
        coarse = True
    return BodyDiff(tuple(ops), coarse=coarse, unlisted=unlisted)


def _unlisted(rest: list[Opcode], old: Sequence[str], new: Sequence[str]) -> Unlisted:
    """The paragraphs of ``rest`` counted, not listed: those in changed blocks as removed and added whole
    (their words counted in one pass of the regular expression over each block)."""
    removed = added = words_removed = words_added = 0
    for tag, i1, i2, j1, j2 in rest:
        if tag != "equal":
            removed, added = removed + i2 - i1, added + j2 - j1
            words_removed += len(WORD_RUN.findall(" ".join(old[i1:i2])))
            words_added += len(WORD_RUN.findall(" ".join(new[j1:j2])))
    return Unlisted(rest[0][1], rest[0][3], removed, added, words_removed, words_added)


def _with_moves(
    ops: list[ParagraphOp], old: Sequence[str], new: Sequence[str], paragraphs: _Paragraphs, budget: _Budget
) -> list[ParagraphOp]:
    """A paragraph removed in one place and added in another is a move, as MediaWiki shows it: the same
    text first, then (within the pairing bound) a similar one, which keeps its word diff. A move counts no
    words added or removed, only the words it was edited by."""
    removed = [op.old_index for op in ops if op.op == "delete" and op.old_index is not None]
    added = [op.new_index for op in ops if op.op == "insert" and op.new_index is not None]
    if not removed or not added:
        return ops
    pairs: dict[int, tuple[int, WordDiff]] = {}  # old index → (new index, word diff)
    waiting: dict[str, list[int]] = {}
    for j in added:
        waiting.setdefault(new[j], []).append(j)
    for i in removed:
        if waiting.get(old[i]):
            pairs[i] = (waiting[old[i]].pop(0), _whole("equal", old[i]))
    taken = {j for j, _ in pairs.values()}
    left_old = [i for i in removed if i not in pairs]
    left_new = [j for j in added if j not in taken]
    if len(left_old) * len(left_new) <= MAX_PAIRING_WORK:
        for i in left_old:
            for j in left_new:
                if j not in taken and (words := _edited(old[i], new[j], paragraphs, budget)) is not None:
                    pairs[i] = (j, words)
                    taken.add(j)
                    break
    if not pairs:
        return ops
    arrivals = {j: (i, words) for i, (j, words) in pairs.items()}
    moved: list[ParagraphOp] = []
    for op in ops:
        if op.op == "delete" and op.old_index in pairs:
            to, _ = pairs[op.old_index]
            moved.append(ParagraphOp("moved_out", op.old_index, None, _whole("equal", old[op.old_index]), to))
        elif op.op == "insert" and op.new_index in arrivals:
            came_from, words = arrivals[op.new_index]
            moved.append(ParagraphOp("moved_in", None, op.new_index, words, came_from))
        else:
            moved.append(op)
    return moved


@dataclass(frozen=True)
class TextDiff:
    """Two versions' texts compared: what pages, feeds and the API show."""

    title: WordDiff
    byline: WordDiff
    body: BodyDiff
    social_title: WordDiff


def diff_texts(old: ArticleText, new: ArticleText) -> TextDiff:
    return TextDiff(
        title=diff_words(old.title, new.title),
        byline=diff_words(old.byline, new.byline),
        body=diff_body(old.paragraphs, new.paragraphs),
        social_title=diff_words(old.social_title, new.social_title),
    )


def change_stats(old: ArticleText | None, new: ArticleText) -> ChangeStats:
    if old is None:
        return ChangeStats()
    # Bounded by work, never by time: stored with the version, the same two texts must give the same counts
    # however busy the machine was (and the article's row is not locked meanwhile, see recording).
    body = diff_body(old.paragraphs, new.paragraphs, budget_seconds=None)
    return ChangeStats(
        words_added=body.words_added,
        words_removed=body.words_removed,
        paragraphs_added=body.paragraphs_added,
        paragraphs_removed=body.paragraphs_removed,
        paragraphs_changed=body.paragraphs_changed,
        title_changed=old.title != new.title,
        paragraphs_moved=body.paragraphs_moved,
        social_title_changed=social_title_changed(old, new),
    )


def social_title_changed(old: ArticleText, new: ArticleText) -> bool:
    """Whether the social headline changed in a way the page's headline does not already tell: not when
    both were the same before and after (one rewrite, said once), nor when there was none before (a page
    read by an extractor that did not read it)."""
    if not old.social_title or old.social_title == new.social_title:
        return False
    return not (old.social_title == old.title and new.social_title == new.title)


INLINE_STYLES = {
    "delete": "background:#fbd9d9;color:#6b1111;text-decoration:line-through",
    "insert": "background:#d4f4dc;color:#0c4a1e;text-decoration:underline",
}


def render_segments(segments: Sequence[Segment], *, inline_styles: bool = False) -> SafeString:
    """HTML for one paragraph: every piece of text is escaped; only <ins>/<del> are ours. Feed readers drop
    stylesheets, so feeds ask for inline styles."""
    parts = []
    for segment in segments:
        text = html.escape(segment.text)  # what django's escape does, without its lazy-string wrapper
        if segment.kind == "equal":
            parts.append(text)
            continue
        tag = "del" if segment.kind == "delete" else "ins"
        style = f' style="{INLINE_STYLES[segment.kind]}"' if inline_styles else ""
        parts.append(f"<{tag}{style}>{text}</{tag}>")
    return mark_safe("".join(parts))
