"""What changed between two versions: paragraphs aligned, then a word-level diff inside changed paragraphs.

difflib's SequenceMatcher (autojunk off, so common words are never treated as noise) aligns the paragraph
lists, then pairs similar paragraphs inside a changed block and diffs their word, punctuation and space
tokens. Very long inputs fall back to whole-paragraph operations so a hostile page cannot hold a worker or a
request for long. HTML is rendered from escaped tokens only.
"""

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.normalising import ArticleText

TOKEN = re.compile(r"\w+|[^\w\s]|\s+")
WORD = re.compile(r"\w")
# Above this many tokens on either side, compare whole paragraphs only.
MAX_WORD_DIFF_TOKENS = 100_000
# Two paragraphs at least this similar (token ratio) are one paragraph edited, not one removed, one added.
SIMILAR = 0.5
# In a changed block larger than this (old × new paragraphs), pair paragraphs in order without look-ahead.
MAX_PAIRING_WORK = 400
# Word-level work on one diff stops after this long, and never runs on paragraphs longer than this.
DIFF_BUDGET_SECONDS = 1.0
MAX_PAIR_TOKENS = 2_000
MAX_PARAGRAPHS = 2_000

Kind = Literal["equal", "delete", "insert"]
Op = Literal["equal", "insert", "delete", "replace"]


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

    @property
    def changed(self) -> bool:
        return any(segment.kind != "equal" for segment in self.inline)


@dataclass(frozen=True)
class ParagraphOp:
    op: Op
    old_index: int | None
    new_index: int | None
    words: WordDiff


@dataclass(frozen=True)
class BodyDiff:
    ops: tuple[ParagraphOp, ...]
    coarse: bool = False

    def _count(self, op: Op) -> int:
        return sum(1 for item in self.ops if item.op == op)

    @property
    def paragraphs_added(self) -> int:
        return self._count("insert")

    @property
    def paragraphs_removed(self) -> int:
        return self._count("delete")

    @property
    def paragraphs_changed(self) -> int:
        return self._count("replace")

    @property
    def words_added(self) -> int:
        return sum(item.words.words_added for item in self.ops)

    @property
    def words_removed(self) -> int:
        return sum(item.words.words_removed for item in self.ops)


@dataclass(frozen=True)
class ChangeStats:
    """How a version differs from its predecessor; stored with the version, shown in lists and feeds."""

    words_added: int = 0
    words_removed: int = 0
    paragraphs_added: int = 0
    paragraphs_removed: int = 0
    paragraphs_changed: int = 0
    title_changed: bool = False

    def summary(self) -> str:
        parts = ["headline changed"] if self.title_changed else []
        if self.words_added or self.words_removed:
            parts.append(f"+{self.words_added}/−{self.words_removed} words")
        for count, what in (
            (self.paragraphs_added, "added"),
            (self.paragraphs_removed, "removed"),
            (self.paragraphs_changed, "changed"),
        ):
            if count:
                parts.append(f"{count} paragraph{'s' if count != 1 else ''} {what}")
        return " · ".join(parts) or "no text change"


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def count_words(pieces: Sequence[str]) -> int:
    return sum(1 for piece in pieces if WORD.match(piece))


def _merged_opcodes(old: list[str], new: list[str]) -> Iterator[tuple[str, int, int, int, int]]:
    """difflib's opcodes, with a lone space between two changes folded into them, so that two changed
    words side by side read as one highlight, not two."""
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    pending: tuple[str, int, int, int, int] | None = None
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


def diff_words(old: str, new: str) -> WordDiff:
    old_tokens, new_tokens = tokens(old), tokens(new)
    old_side: list[Segment] = []
    new_side: list[Segment] = []
    inline: list[Segment] = []
    removed = added = 0
    for tag, i1, i2, j1, j2 in _merged_opcodes(old_tokens, new_tokens):
        old_text, new_text = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if tag == "equal":
            old_side.append(Segment("equal", old_text))
            new_side.append(Segment("equal", new_text))
            inline.append(Segment("equal", new_text))
            continue
        for side, kind, text in ((old_side, "delete", old_text), (new_side, "insert", new_text)):
            for segment in _changed(kind, text):
                side.append(segment)
                if segment.kind != "equal" or kind == "insert":
                    inline.append(segment)
        removed += count_words(old_tokens[i1:i2])
        added += count_words(new_tokens[j1:j2])
    return WordDiff(tuple(old_side), tuple(new_side), tuple(inline), removed, added)


def _whole(kind: Kind, text: str) -> WordDiff:
    segment = (Segment(kind, text),)
    words = count_words(tokens(text))
    if kind == "delete":
        return WordDiff(segment, (), segment, words, 0)
    if kind == "insert":
        return WordDiff((), segment, segment, 0, words)
    return WordDiff(segment, segment, segment, 0, 0)


class _Budget:
    """Time for word-level work on one diff; once it is spent, the rest is compared paragraph by paragraph."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.spent = False

    def allows(self, a: str, b: str) -> bool:
        if len(tokens(a)) > MAX_PAIR_TOKENS or len(tokens(b)) > MAX_PAIR_TOKENS:
            self.spent = True  # a "paragraph" this long is not prose: never worth a quadratic comparison
            return False
        if time.monotonic() > self.deadline:
            self.spent = True
        return not self.spent


def _similar(a: str, b: str) -> bool:
    matcher = SequenceMatcher(None, tokens(a), tokens(b), autojunk=False)
    return (
        matcher.real_quick_ratio() >= SIMILAR
        and matcher.quick_ratio() >= SIMILAR
        and matcher.ratio() >= SIMILAR
    )


def _changed_block(
    old: Sequence[str], new: Sequence[str], i1: int, i2: int, j1: int, j2: int, budget: _Budget
) -> Iterator[ParagraphOp]:
    """Pair the similar paragraphs of a changed block in order; the rest were removed or added."""
    look_ahead = (i2 - i1) * (j2 - j1) <= MAX_PAIRING_WORK
    i, j = i1, j1
    while i < i2 and j < j2:
        if budget.allows(old[i], new[j]) and _similar(old[i], new[j]):
            yield ParagraphOp("replace", i, j, diff_words(old[i], new[j]))
            i, j = i + 1, j + 1
        elif (
            look_ahead
            and not budget.spent
            and any(budget.allows(old[i], new[k]) and _similar(old[i], new[k]) for k in range(j + 1, j2))
        ):
            yield ParagraphOp("insert", None, j, _whole("insert", new[j]))
            j += 1
        else:
            yield ParagraphOp("delete", i, None, _whole("delete", old[i]))
            i += 1
    for k in range(i, i2):
        yield ParagraphOp("delete", k, None, _whole("delete", old[k]))
    for k in range(j, j2):
        yield ParagraphOp("insert", None, k, _whole("insert", new[k]))


def diff_body(
    old: Sequence[str], new: Sequence[str], budget_seconds: float = DIFF_BUDGET_SECONDS
) -> BodyDiff:
    budget = _Budget(budget_seconds)
    if max(sum(len(tokens(p)) for p in old), sum(len(tokens(p)) for p in new)) > MAX_WORD_DIFF_TOKENS:
        budget.spent = True
    # Thousands of paragraphs are not an article; letting difflib drop very common ones keeps this linear-ish.
    many = max(len(old), len(new)) > MAX_PARAGRAPHS
    ops: list[ParagraphOp] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=many).get_opcodes():
        if tag == "equal":
            ops.extend(
                ParagraphOp("equal", i1 + k, j1 + k, _whole("equal", old[i1 + k])) for k in range(i2 - i1)
            )
        else:
            ops.extend(_changed_block(old, new, i1, i2, j1, j2, budget))
    return BodyDiff(tuple(ops), coarse=budget.spent or many)


@dataclass(frozen=True)
class TextDiff:
    """Two versions' texts compared: what pages, feeds and the API show."""

    title: WordDiff
    byline: WordDiff
    body: BodyDiff


def diff_texts(old: ArticleText, new: ArticleText) -> TextDiff:
    return TextDiff(
        title=diff_words(old.title, new.title),
        byline=diff_words(old.byline, new.byline),
        body=diff_body(old.paragraphs, new.paragraphs),
    )


def change_stats(old: ArticleText | None, new: ArticleText) -> ChangeStats:
    if old is None:
        return ChangeStats()
    body = diff_body(old.paragraphs, new.paragraphs)
    return ChangeStats(
        words_added=body.words_added,
        words_removed=body.words_removed,
        paragraphs_added=body.paragraphs_added,
        paragraphs_removed=body.paragraphs_removed,
        paragraphs_changed=body.paragraphs_changed,
        title_changed=old.title != new.title,
    )


INLINE_STYLES = {
    "delete": "background:#fbd9d9;color:#6b1111;text-decoration:line-through",
    "insert": "background:#d4f4dc;color:#0c4a1e;text-decoration:underline",
}


def render_segments(segments: Sequence[Segment], *, inline_styles: bool = False) -> SafeString:
    """HTML for one paragraph: every piece of text is escaped; only <ins>/<del> are ours. Feed readers drop
    stylesheets, so feeds ask for inline styles."""
    parts = []
    for segment in segments:
        text = escape(segment.text)
        if segment.kind == "equal":
            parts.append(text)
            continue
        tag = "del" if segment.kind == "delete" else "ins"
        style = f' style="{INLINE_STYLES[segment.kind]}"' if inline_styles else ""
        parts.append(f"<{tag}{style}>{text}</{tag}>")
    return mark_safe("".join(parts))
