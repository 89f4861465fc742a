"""Paragraphs aligned, paired when similar, marked when moved, and listed up to MAX_LISTED_OPS."""

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from articles.diffing.words import (
    MAX_WORD_DIFF_TOKENS,
    PAIR_WORK,
    TOKEN,
    TOKEN_WORK,
    WORD_RUN,
    Opcode,
    WordDiff,
    _Budget,
    _keys,
    _opcodes,
    _whole,
    _word_diff,
    units,
)

# Two paragraphs at least this similar (token ratio) are one paragraph edited, not one removed, one added.
SIMILAR = 0.5


# In a changed block larger than this (old × new paragraphs), pair paragraphs in order without look-ahead.
MAX_PAIRING_WORK = 400


# Word-level work on one diff stops after this long, leaving the rest of a 1 s page for rendering: a second
# line behind MAX_DIFF_WORK for a page shown on a slow or loaded machine. Never for change_stats.
DIFF_BUDGET_SECONDS = 0.3


# A paragraph longer than this is not prose: it is never paired with another for a word-level diff.
MAX_PAIR_TOKENS = 20_000


# A diff lists at most this many paragraph operations; the paragraphs after them are counted as removed or
# added whole (``Unlisted``), not listed. Each listed one costs a few objects here, a row of HTML and an
# object of JSON: 40,000 short paragraphs all changed (1 MB) listed 80,000 and took 1.3 s to diff, 4 s to
# render as a page and 2.7 s to serialise for the API. Real articles stay far below it.
MAX_LISTED_OPS = 4_000


# "moved_out": a paragraph that left this place for another (``moved`` is where it went, in the new text);
# "moved_in": one that arrived here (``moved`` is where it was, in the old text), edited or not.
Op = Literal["equal", "insert", "delete", "replace", "moved_out", "moved_in"]


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
    if 2 * _shared(paragraphs.counts(a), paragraphs.counts(b)) < SIMILAR * total:
        return None
    opcodes, coarse = _opcodes(a_keys, b_keys, budget)
    matched = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
    if 2 * matched < SIMILAR * total:
        budget.guessed = budget.guessed or coarse
        return None
    return _word_diff(a_units, b_units, opcodes, coarse)


def _shared(a: Counter[str], b: Counter[str]) -> int:
    """How many tokens ``a`` and ``b`` have in common, counted with repeats: ``(a & b).total()`` without
    building the intersection (Counter's ``&`` was 4 ms of a 50-entry feed's 50, bench/scale.py)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(min(count, b[token]) for token, count in a.items() if token in b)


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
