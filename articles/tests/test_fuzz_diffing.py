"""Property-based fuzzing of the diff engine: for any two texts it answers in bounded time, its segments
rebuild both texts, its counts agree with its segments, and its HTML is its own tags around escaped text.

CI runs a small fixed set of examples (derandomized, no example database); ``FUZZ_EXAMPLES=20000 make fuzz``
runs a long random search.
"""

import gc
import json
import random
import re
import time
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from itertools import accumulate
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from articles.diffing import (
    INLINE_STYLES,
    TOKEN,
    WORD_RUN,
    BodyDiff,
    Segment,
    WordDiff,
    diff_body,
    diff_texts,
    diff_words,
    render_segments,
)
from articles.normalising import ArticleText
from articles.serializers import diff_data
from articles.tests.support import fuzz_settings
from newsroom import edits

FUZZ = fuzz_settings(
    60,
    # A backstop in wall-clock time, generous because test machines are shared; the engine's own bound is
    # checked in CPU time (ENGINE_SECONDS), which other processes do not inflate.
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

T = TypeVar("T")
# A diff page has a second whatever the input: the engine's word-level budget is 0.3 s and difflib's work
# is capped (MAX_MATCH_WORK), which leaves the rest for rendering.
ENGINE_SECONDS = 1.0
# The inputs the engine is sized for: the diff benchmark's hostile texts are a megabyte a side. (Past that
# its cost grows with the text, in its regular expressions, rather than with how hostile it is.)
MAX_SIDE_CHARS = 1_000_000
# A failing example of a megabyte makes hypothesis warn that its repr is large, and warnings are errors:
# the warning would hide the failure.
pytestmark = [
    pytest.mark.once,
    pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"),
]
ANY_CHARACTER = st.characters(exclude_categories=())
# Words that recur (so that edits leave text in common), markup and entities that must come out escaped,
# and the characters that trip up word splitting: combining marks, bidi marks, joiners, NUL.
PIECES = [
    "the", "mayor", "said", "bridge", "on", "Tuesday", "Monday", "7", "2,5", "_", "naïve", "nai\u0308ve",
    "<script>alert(1)</script>", "</p>", "<b>", "&amp;", "&", "&lt;", "&#x27;", '"', "'", "`", "]]>", "<!--",
    "\u200f", "\u202e", "\u200d", "שלום", "مرحبا", "中文", "—", ".", ",", "!", "?", "…", "\x00", "\r",
    "\ufeff",
]  # fmt: skip
SPACE = st.sampled_from([" ", " ", " ", " ", "", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000"])
PIECE = st.one_of(*[st.sampled_from(PIECES)] * 3, st.text(ANY_CHARACTER, min_size=1, max_size=4))
PROSE = st.lists(st.tuples(SPACE, PIECE).map("".join), min_size=1, max_size=30).map("".join)
PARAGRAPH = st.one_of(*[PROSE] * 4, st.text(ANY_CHARACTER, max_size=40), st.sampled_from(["", " ", "\n\n"]))
# What makes difflib slow: long runs of one token, one line repeated, one long word.
REPETITION = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from(["a ", "! ", "the cat ", "x", "<b>", "&amp; ", "\u0301", " "]),
    st.integers(0, 30_000),
)


def _interleaved(groups: int, size: int) -> tuple[str, str]:
    """Many small matches in order, each followed by a word that differs: difflib finds them one search at a
    time, each search rescanning the rest of the text."""
    shared = [" ".join(f"w{k}x{i}" for i in range(size)) for k in range(groups)]
    old, new = (
        side + " " + " ".join(f"{words} {side}{k}" for k, words in enumerate(shared)) for side in "uv"
    )
    return old, new


INTERLEAVED = st.builds(_interleaved, st.integers(0, 5000), st.integers(1, 3))


class _Hostile(edits.Writer):
    """What the fuzz tests' edits write: pieces hypothesis draws. Any token may be changed: a word, a
    punctuation mark, a run of spaces."""

    word_pattern = TOKEN

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def word(self, rng: random.Random, old: str) -> str:
        return self.draw(st.tuples(SPACE, PIECE).map("".join))

    def sentence(self, rng: random.Random) -> str:
        return self.draw(PROSE)

    def paragraph(self, rng: random.Random) -> str:
        paragraph: str = self.draw(st.one_of(PARAGRAPH, REPETITION))
        return paragraph

    def headline(self, rng: random.Random, old: str) -> str:
        return self.draw(PROSE)


# The edits' choices of where, drawn by hypothesis so that it can shrink them.
RANDOM = st.randoms(use_true_random=False)
BODY_EDITS = ("words", "words", "words", "insert", "remove", "move", "repeat")


@st.composite
def edited(draw: st.DrawFn, paragraph: str) -> str:
    """The paragraph with a few tokens changed, inserted or removed, as an editor would."""
    rng = draw(RANDOM)
    return edits.change_words(paragraph, rng, _Hostile(draw), rng.randint(0, 4))[0]


@st.composite
def edited_body(draw: st.DrawFn, paragraphs: list[str]) -> list[str]:
    """The paragraphs with some edited, inserted, removed, moved or repeated."""
    rng = draw(RANDOM)
    draft = edits.Draft("", paragraphs)
    edits.revise(draft, rng, _Hostile(draw), BODY_EDITS, rng.randint(0, 6))
    return draft.paragraphs


PARAGRAPH_PAIR = st.one_of(
    PARAGRAPH.flatmap(lambda old: st.tuples(st.just(old), edited(old))),
    st.tuples(PARAGRAPH, PARAGRAPH),
    REPETITION.flatmap(lambda old: st.tuples(st.just(old), st.one_of(edited(old), REPETITION))),
    INTERLEAVED,
)


def _within_limit(paragraphs: list[str]) -> list[str]:
    """The paragraphs up to MAX_SIDE_CHARS in all."""
    sizes = accumulate(len(paragraph) for paragraph in paragraphs)
    return [paragraph for paragraph, size in zip(paragraphs, sizes, strict=True) if size <= MAX_SIDE_CHARS]


BODY = st.lists(st.one_of(PARAGRAPH, PARAGRAPH, PARAGRAPH, REPETITION), max_size=12).map(_within_limit)
BODY_PAIR = st.one_of(
    *[BODY.flatmap(lambda old: st.tuples(st.just(old), edited_body(old).map(_within_limit)))] * 3,
    st.tuples(BODY, BODY),
    INTERLEAVED.map(lambda pair: ([pair[0]], [pair[1]])),
)


def _bounded(compute: Callable[[], T]) -> T:
    """The result, once the computation took under ENGINE_SECONDS of CPU time: an input that is slow to
    diff is slow every time, so a second try tells it from a pause of the test machine."""
    for _ in range(2):
        # Without the cyclic garbage collector: after thousands of examples hypothesis holds millions of
        # objects, and a full collection landing in the call is the test runner's cost, not the engine's.
        gc.disable()
        try:
            start = time.process_time()
            result = compute()
            seconds = time.process_time() - start
        finally:
            gc.enable()
        if seconds < ENGINE_SECONDS:
            return result
    raise AssertionError(f"{seconds:.2f} s of CPU time, twice (the bound is {ENGINE_SECONDS} s)")


def _text(segments: tuple[Segment, ...]) -> str:
    return "".join(segment.text for segment in segments)


def _words(segments: tuple[Segment, ...], kind: str) -> int:
    return sum(len(WORD_RUN.findall(segment.text)) for segment in segments if segment.kind == kind)


def _non_space_tokens(text: str) -> list[str]:
    return [token for token in TOKEN.findall(text) if not token.isspace()]


def _check_word_diff(words: WordDiff, old: str, new: str) -> None:
    """What every word diff, inside a paragraph or of a title, must satisfy."""
    assert _text(words.old) == old
    assert _text(words.new) == new
    assert {segment.kind for segment in words.old} <= {"equal", "delete"}
    assert {segment.kind for segment in words.new} <= {"equal", "insert"}
    # The one-column view reads as the new text with the deletions shown where they were.
    assert _text(tuple(s for s in words.inline if s.kind != "delete")) == new
    assert [s for s in words.inline if s.kind == "delete"] == [s for s in words.old if s.kind == "delete"]
    assert [s for s in words.inline if s.kind == "insert"] == [s for s in words.new if s.kind == "insert"]
    assert words.words_removed == _words(words.old, "delete")
    assert words.words_added == _words(words.new, "insert")


def _check_paragraph_word_diff(words: WordDiff, old: str, new: str) -> None:
    _check_word_diff(words, old, new)
    for segment in (*words.old, *words.new):
        assert segment.text
        if segment.kind != "equal":
            # A highlighted space is noise: changed spans start and end with what changed.
            assert segment.text.strip() == segment.text
    if not words.coarse:
        # Only a difference in spacing goes unmarked.
        assert words.changed == (_non_space_tokens(old) != _non_space_tokens(new))


def _check_body(body: BodyDiff, old: list[str], new: list[str]) -> None:
    assert [op.old_index for op in body.ops if op.old_index is not None] == list(range(len(old)))
    assert [op.new_index for op in body.ops if op.new_index is not None] == list(range(len(new)))
    arrivals = {op.new_index: op.moved for op in body.ops if op.op == "moved_in"}
    departures = {op.old_index: op.moved for op in body.ops if op.op == "moved_out"}
    # Every move is told at both ends, each naming the other.
    assert {came_from: to for to, came_from in arrivals.items()} == departures
    for op in body.ops:
        assert (op.old_index is None) == (op.op in ("insert", "moved_in"))
        assert (op.new_index is None) == (op.op in ("delete", "moved_out"))
        assert (op.moved is not None) == op.op.startswith("moved")
        old_text = old[op.old_index] if op.old_index is not None else ""
        new_text = new[op.new_index] if op.new_index is not None else ""
        if op.op == "moved_in":
            old_text = old[op.moved]  # type: ignore[index]  # its word diff is the edit made on the way
        elif op.op == "moved_out":
            new_text = old_text  # told where it went; its text is not removed
        _check_word_diff(op.words, old_text, new_text)
        if op.op in ("equal", "moved_out"):
            assert old_text == new_text
            assert not op.words.changed
        elif op.op == "delete":
            assert op.words.words_removed == len(WORD_RUN.findall(old_text))
        elif op.op == "insert":
            assert op.words.words_added == len(WORD_RUN.findall(new_text))
    assert body.words_added == sum(op.words.words_added for op in body.ops)
    assert body.words_removed == sum(op.words.words_removed for op in body.ops)
    unchanged = sum(op.op == "equal" for op in body.ops)
    moved = body.paragraphs_moved
    assert body.paragraphs_added + body.paragraphs_changed + unchanged + moved == len(new)
    assert body.paragraphs_removed + body.paragraphs_changed + unchanged + moved == len(old)
    assert all(op.op == "equal" for op in body.ops) == (old == new)


class _Markup(HTMLParser):
    """The tags and the text of a rendered diff, entities decoded; anything else (a comment, a declaration, a
    nested or unclosed tag) would mean that text was read as markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.spans: list[tuple[str, str]] = []  # (tag, text); "" is text outside our tags
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.open: str | None = None
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.open is not None:
            self.other.append(f"<{tag}> in <{self.open}>")
        self.open = tag
        self.tags.append((tag, attrs))
        self.spans.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag != self.open:
            self.other.append(f"</{tag}>")
        self.open = None
        self.spans.append(("", ""))

    def handle_data(self, data: str) -> None:
        tag, text = self.spans.pop() if self.spans else ("", "")
        self.spans.append((tag, text + data))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.other.append(f"<{tag}/>")

    def handle_comment(self, data: str) -> None:
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.other.append(decl)

    def handle_pi(self, data: str) -> None:
        self.other.append(data)

    def unknown_decl(self, data: str) -> None:
        self.other.append(data)


def _merged_spans(spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent texts outside tags read as one, and an empty one leaves no trace."""
    merged: list[tuple[str, str]] = []
    for tag, text in spans:
        if not tag and merged and not merged[-1][0]:
            merged[-1] = ("", merged[-1][1] + text)
        elif tag or text:
            merged.append((tag, text))
    return [(tag, text) for tag, text in merged if tag or text]


def _check_html(segments: tuple[Segment, ...]) -> None:
    tags = {"delete": "del", "insert": "ins", "equal": ""}
    for inline_styles in (False, True):
        rendered = render_segments(segments, inline_styles=inline_styles)
        # Every "<" opens or closes one of the engine's own tags: the text's are escaped.
        assert not re.search(r"<(?!/?(del|ins)[ >])", rendered)
        markup = _Markup()
        markup.feed(rendered)
        markup.close()
        assert markup.other == []
        assert markup.open is None
        expected: list[tuple[str, str]] = []
        for before, segment in zip((None, *segments), segments, strict=False):
            # Words struck and words put in their place are kept apart by a space of their own, and so are
            # a mark and the plain word it would otherwise run into.
            if before is not None and before.kind != segment.kind:
                touching = before.text[-1:] + segment.text[:1]
                if "equal" not in (before.kind, segment.kind):
                    apart = not before.text[-1:].isspace() and not segment.text[:1].isspace()
                else:
                    apart = len(touching) == 2 and all(
                        c.isalnum() and unicodedata.east_asian_width(c) not in ("W", "F") for c in touching
                    )
                if apart:
                    expected.append(("", " "))
            expected.append((tags[segment.kind], segment.text))
        assert _merged_spans(markup.spans) == _merged_spans(expected)
        for tag, attrs in markup.tags:
            style = INLINE_STYLES["delete" if tag == "del" else "insert"]
            assert attrs == ([("style", style)] if inline_styles else [])


@FUZZ
@given(PARAGRAPH_PAIR)
@example(("The mayor opened the bridge.", "The mayor opened the <script>alert(1)</script> bridge."))
@example(_interleaved(5000, 1))  # took 7 s: difflib's searches were quadratic, under MAX_MATCH_WORK pairs
def test_a_word_diff_rebuilds_both_texts(pair: tuple[str, str]) -> None:
    old, new = pair
    words = _bounded(lambda: diff_words(old, new))
    _check_paragraph_word_diff(words, old, new)
    _check_html(words.old)
    _check_html(words.new)
    _check_html(words.inline)


@FUZZ
@given(PARAGRAPH)
def test_a_text_compared_with_itself_has_no_change(text: str) -> None:
    words = diff_words(text, text)
    assert not words.changed
    assert (words.words_added, words.words_removed) == (0, 0)
    body = diff_body([text, text], [text, text])
    assert [op.op for op in body.ops] == ["equal", "equal"]
    assert not body.coarse


@FUZZ
@given(BODY_PAIR)
@example(tuple([side] for side in _interleaved(2500, 3)))  # took 4.4 s, word-level work past its 0.3 s budget
def test_a_body_diff_rebuilds_both_texts(pair: tuple[list[str], list[str]]) -> None:
    old, new = pair
    body = _bounded(lambda: diff_body(old, new))
    _check_body(body, old, new)
    for op in body.ops:
        if op.op == "replace":
            _check_paragraph_word_diff(op.words, old[op.old_index or 0], new[op.new_index or 0])
        for segments in (op.words.old, op.words.new, op.words.inline):
            _check_html(segments)


@FUZZ
@given(PARAGRAPH_PAIR, PARAGRAPH_PAIR, BODY_PAIR)
def test_the_api_diff_rebuilds_both_versions(
    title: tuple[str, str], byline: tuple[str, str], body: tuple[list[str], list[str]]
) -> None:
    """What API clients get (JSON): old and new text of every part, rebuilt from the segments alone."""
    old = ArticleText(title[0], byline[0], tuple(body[0]))
    new = ArticleText(title[1], byline[1], tuple(body[1]))
    data = json.loads(json.dumps(diff_data(1, 1, 2, _bounded(lambda: diff_texts(old, new)))))

    def joined(segments: list[dict[str, str]]) -> str:
        return "".join(segment["text"] for segment in segments)

    for part, (old_text, new_text) in (("title", title), ("byline", byline)):
        assert joined(data[part]["old"]) == old_text
        assert joined(data[part]["new"]) == new_text
    rebuilt_old = [joined(op["old"]) for op in data["paragraphs"] if op["old_index"] is not None]
    rebuilt_new = [joined(op["new"]) for op in data["paragraphs"] if op["new_index"] is not None]
    assert (rebuilt_old, rebuilt_new) == body
    assert data["words_added"] == sum(
        len(WORD_RUN.findall(s["text"]))
        for op in data["paragraphs"]
        for s in op["new"]
        if s["kind"] == "insert"
    )
