"""Word-level diff of two versions' text, rendered to HTML from escaped tokens only.

difflib's SequenceMatcher (autojunk off, so common words are never treated as noise) runs over word,
punctuation and space tokens, with a paragraph-break token between paragraphs so a diff can still be laid
out paragraph by paragraph on each side. Very long inputs fall back to a paragraph-level diff so a hostile
page cannot hold a request for long.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TOKEN = re.compile(r"\w+|[^\w\s]|\s+")
WORD = re.compile(r"\w")
PARAGRAPH_BREAK = "\n"  # never inside normalised text, where every whitespace run is one space
# Above this many tokens on either side, diff whole paragraphs instead of words.
MAX_WORD_DIFF_TOKENS = 100_000

Kind = Literal["equal", "delete", "insert"]


@dataclass(frozen=True)
class Segment:
    kind: Kind
    text: str


@dataclass(frozen=True)
class TextDiff:
    old: list[list[Segment]]
    new: list[list[Segment]]
    words_removed: int
    words_added: int
    coarse: bool = False

    @property
    def changed(self) -> bool:
        return any(seg.kind != "equal" for side in (self.old, self.new) for para in side for seg in para)


def tokenise(paragraphs: Sequence[str]) -> list[str]:
    tokens: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if index:
            tokens.append(PARAGRAPH_BREAK)
        tokens.extend(TOKEN.findall(paragraph))
    return tokens


def _count_words(tokens: Sequence[str]) -> int:
    return sum(1 for token in tokens if WORD.match(token))


def _opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    # A lone space kept between two changed words would split one highlight into two; fold it in.
    merged: list[tuple[str, int, int, int, int]] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        between_changes = 0 < index < len(opcodes) - 1
        if (
            tag == "equal"
            and between_changes
            and all(t.isspace() and t != PARAGRAPH_BREAK for t in old[i1:i2])
        ):
            tag = "replace"
        if tag != "equal" and merged and merged[-1][0] != "equal":
            _, pi1, _, pj1, _ = merged.pop()
            merged.append(("replace", pi1, i2, pj1, j2))
        else:
            merged.append((tag, i1, i2, j1, j2))
    return merged


class _Side:
    def __init__(self) -> None:
        self.paragraphs: list[list[Segment]] = [[]]

    def add(self, kind: Kind, tokens: Sequence[str]) -> None:
        text = ""
        for token in tokens:
            if token == PARAGRAPH_BREAK:
                self._flush(kind, text)
                text = ""
                self.paragraphs.append([])
            else:
                text += token
        self._flush(kind, text)

    def _flush(self, kind: Kind, text: str) -> None:
        if text:
            self.paragraphs[-1].append(Segment(kind, text))


def diff_paragraphs(old: Sequence[str], new: Sequence[str]) -> TextDiff:
    old_tokens, new_tokens = tokenise(old), tokenise(new)
    if max(len(old_tokens), len(new_tokens)) > MAX_WORD_DIFF_TOKENS:
        return _coarse_diff(old, new)
    old_side, new_side = _Side(), _Side()
    removed = added = 0
    for tag, i1, i2, j1, j2 in _opcodes(old_tokens, new_tokens):
        if tag == "equal":
            old_side.add("equal", old_tokens[i1:i2])
            new_side.add("equal", new_tokens[j1:j2])
            continue
        old_side.add("delete", old_tokens[i1:i2])
        new_side.add("insert", new_tokens[j1:j2])
        removed += _count_words(old_tokens[i1:i2])
        added += _count_words(new_tokens[j1:j2])
    return TextDiff(old_side.paragraphs, new_side.paragraphs, removed, added)


def _coarse_diff(old: Sequence[str], new: Sequence[str]) -> TextDiff:
    old_side: list[list[Segment]] = []
    new_side: list[list[Segment]] = []
    removed = added = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        kinds: tuple[Kind, Kind] = ("equal", "equal") if tag == "equal" else ("delete", "insert")
        old_side.extend([Segment(kinds[0], p)] for p in old[i1:i2])
        new_side.extend([Segment(kinds[1], p)] for p in new[j1:j2])
        if tag != "equal":
            removed += sum(_count_words(TOKEN.findall(p)) for p in old[i1:i2])
            added += sum(_count_words(TOKEN.findall(p)) for p in new[j1:j2])
    return TextDiff(old_side, new_side, removed, added, coarse=True)


def diff_text(old: str, new: str) -> TextDiff:
    return diff_paragraphs([old], [new])


def render_segments(segments: Sequence[Segment]) -> SafeString:
    """HTML for one paragraph: every piece of text is escaped, only <ins>/<del> are ours."""
    parts = []
    for segment in segments:
        text = escape(segment.text)
        if segment.kind == "delete":
            parts.append(f"<del>{text}</del>")
        elif segment.kind == "insert":
            parts.append(f"<ins>{text}</ins>")
        else:
            parts.append(text)
    return mark_safe("".join(parts))
