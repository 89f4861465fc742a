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

The package: ``words`` (tokens and the word-level diff of two strings, within a work budget),
``paragraphs`` (paragraphs aligned, paired, moved, and listed up to MAX_LISTED_OPS); this module compares
two versions' texts, counts their change statistics and renders word segments as HTML.
"""

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from articles.diffing.paragraphs import (
    DIFF_BUDGET_SECONDS,
    MAX_LISTED_OPS,
    BodyDiff,
    ParagraphOp,
    Unlisted,
    diff_body,
)
from articles.diffing.words import (
    MAX_WORD_DIFF_TOKENS,
    TOKEN,
    WORD_RUN,
    Segment,
    WordDiff,
    count_words,
    diff_words,
    tokens,
)
from articles.normalising import ArticleText

# What the rest of the app uses, besides what is defined here.
__all__ = [
    "DIFF_RELEASE", "INLINE_STYLES", "MAX_LISTED_OPS", "MAX_WORD_DIFF_TOKENS", "TOKEN", "WORD_RUN",
    "BodyDiff", "ChangeStats", "ParagraphOp", "Segment", "TextDiff", "Unlisted", "WordDiff",
    "change_stats", "count_words", "diff_body", "diff_texts", "diff_words", "render_segments",
    "social_title_changed", "stats_of", "stored_diff", "tokens",
]  # fmt: skip

# Raise it whenever the same two texts may be compared differently: cached diffs name it. 2: moves.
# 3: at most MAX_LISTED_OPS paragraph operations listed. 4: word-level work bounded by MAX_DIFF_WORK.
# 5 (rendering, which the cached pages hold too): a space between words struck and words put in their
# place; cells name their version, for the labels phones show. 6 (rendering): inline, words struck with
# nothing in their place are kept apart from the word beside them ("a brass band" → "a band" read "abrass").
DIFF_RELEASE = "6"


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

    @classmethod
    def of(cls, body: BodyDiff, *, title_changed: bool, social_title_changed: bool) -> "ChangeStats":
        """The statistics of a body's diff and whether the two headlines changed."""
        return cls(
            words_added=body.words_added,
            words_removed=body.words_removed,
            paragraphs_added=body.paragraphs_added,
            paragraphs_removed=body.paragraphs_removed,
            paragraphs_changed=body.paragraphs_changed,
            title_changed=title_changed,
            paragraphs_moved=body.paragraphs_moved,
            social_title_changed=social_title_changed,
        )

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


@dataclass(frozen=True)
class TextDiff:
    """Two versions' texts compared: what pages, feeds and the API show."""

    title: WordDiff
    byline: WordDiff
    body: BodyDiff
    social_title: WordDiff


def diff_texts(
    old: ArticleText, new: ArticleText, budget_seconds: float | None = DIFF_BUDGET_SECONDS
) -> TextDiff:
    """``old`` and ``new`` compared; ``budget_seconds`` None: bounded by work only (``stored_diff``)."""
    return TextDiff(
        title=diff_words(old.title, new.title),
        byline=diff_words(old.byline, new.byline),
        body=diff_body(old.paragraphs, new.paragraphs, budget_seconds=budget_seconds),
        social_title=diff_words(old.social_title, new.social_title),
    )


def stored_diff(old: ArticleText, new: ArticleText) -> TextDiff:
    """The diff of what is stored with a version (its change statistics, its feed entry): bounded by work,
    never by time, so that the same two texts give the same counts however busy the machine was (and the
    article's row is not locked meanwhile, see recording)."""
    return diff_texts(old, new, budget_seconds=None)


def stats_of(old: ArticleText, new: ArticleText, body: BodyDiff) -> ChangeStats:
    """The change statistics of ``old`` to ``new`` whose bodies' diff (as ``stored_diff`` makes it) is
    ``body``."""
    return ChangeStats.of(
        body, title_changed=old.title != new.title, social_title_changed=social_title_changed(old, new)
    )


def change_stats(old: ArticleText | None, new: ArticleText) -> ChangeStats:
    if old is None:
        return ChangeStats()
    # Bounded by work only, as stored_diff's: these are stored too.
    return stats_of(old, new, diff_body(old.paragraphs, new.paragraphs, budget_seconds=None))


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


def _run_together(before: str, after: str) -> bool:
    """Whether two texts set side by side read as one word: a letter or digit ends one and starts the other
    (not in scripts written without spaces, whose wide characters stand apart anyway)."""
    touching = before[-1:] + after[:1]
    return len(touching) == 2 and all(
        c.isalnum() and unicodedata.east_asian_width(c) not in ("W", "F") for c in touching
    )


def render_segments(segments: Sequence[Segment], *, inline_styles: bool = False) -> SafeString:
    """HTML for one paragraph: every piece of text is escaped; only <ins>/<del> are ours. Feed readers drop
    stylesheets, so feeds ask for inline styles."""
    parts = []
    previous: Segment | None = None
    for segment in segments:
        text = html.escape(segment.text)  # what django's escape does, without its lazy-string wrapper
        # Words struck and words put in their place touch in the inline view ("TuesdayWednesday" when
        # read, copied or heard), and so do words struck with nothing in their place and the word beside
        # them, whose space only the old side has ("abrass band", "Brassband"): a space, outside the marks,
        # keeps them apart.
        if previous is not None and previous.kind != segment.kind:
            if "equal" not in (previous.kind, segment.kind):
                apart = not previous.text[-1:].isspace() and not segment.text[:1].isspace()
            else:
                apart = _run_together(previous.text, segment.text)
            if apart:
                parts.append(" ")
        previous = segment
        if segment.kind == "equal":
            parts.append(text)
            continue
        tag = "del" if segment.kind == "delete" else "ins"
        style = f' style="{INLINE_STYLES[segment.kind]}"' if inline_styles else ""
        parts.append(f"<{tag}{style}>{text}</{tag}>")
    return mark_safe("".join(parts))
