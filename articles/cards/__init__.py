"""The share card of a diff: a 1200 × 630 PNG, the large picture that link previews show (``og:image``,
``twitter:image``), saying what changed between two versions of an article: the headline before (struck,
tinted red) and after (underlined, green), or else the paragraph that changed most with its words struck
and put in, and the source, the time of the change and the two version numbers.

Drawn with Pillow from the diff that every page shares, with no browser, in the fonts that travel with it
(``fonts/README.md``); ``typesetting`` sets the text. The same diff gives the same bytes: nothing drawn
depends on the clock, the locale or the machine's fonts. A card is cached with the diffs
(``browsing.diff_card``), so it is drawn once per pair of versions.
"""

import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from articles.cards.typesetting import Block, Ink, draw_block, set_text
from articles.diffing import ChangeStats, ParagraphOp, Segment, TextDiff, social_title_changed

if TYPE_CHECKING:
    from articles.models import Version

WIDTH, HEIGHT = 1200, 630
# Raise it whenever the same diff would be drawn differently: cached cards name it.
CARD_RELEASE = "1"
SITE_NAME = "newsdiffs"

# The site's own colours (static/css/site.css, light scheme).
BACKGROUND = "#fdfdfb"
TEXT = "#1d1d1b"
MUTED = "#5f5f5a"
RULE = "#d9d9d2"
BRAND = "#0b57a4"
DELETE_BACKGROUND, DELETE_TEXT = "#fbd9d9", "#6b1111"
INSERT_BACKGROUND, INSERT_TEXT = "#d4f4dc", "#0c4a1e"
BEFORE_TEXT = "#8a3b3b"  # the rest of a headline as it was: tinted, as the struck words are

PLAIN = Ink(TEXT)
QUIET = Ink(MUTED)
BEFORE = Ink(BEFORE_TEXT)
DELETED = Ink(DELETE_TEXT, DELETE_BACKGROUND, strike=True)
INSERTED = Ink(INSERT_TEXT, INSERT_BACKGROUND, underline=True)

MARGIN = 64
TOP = 48
CONTENT_WIDTH = WIDTH - 2 * MARGIN
HEADER_SIZE = 30
LABEL_SIZE = 24
FOOTER_SIZE = 24
CONTENT_TOP = 172
CONTENT_BOTTOM = 540
FOOTER_TOP = 566
BAR = 8  # the coloured bar at the start of the headline before and after
BAR_GAP = 22
BLOCK_GAP = 24
# (size, lines) to try, largest first, for a headline before and after, and for a paragraph: the first at
# which the text fits whole, else the last, ellipsised.
HEADLINE_SIZES = ((60, 2), (50, 2), (42, 3), (36, 3))
PARAGRAPH_SIZES = ((36, 6), (32, 7), (28, 8))
PARAGRAPH_HEADLINE_SIZE = 34
# Unchanged words kept before a paragraph's first change, so that the change is on the card however deep
# in a long paragraph it is.
CONTEXT_CHARS = 100
# Characters a headline or a paragraph gives the card at most: more than its lines hold.
HEADLINE_CHARS = 300
PARAGRAPH_CHARS = 800
WORD = re.compile(r"\w")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Card:
    """What a card says, before it is drawn."""

    source: str
    changed_at: datetime
    old_number: int
    new_number: int
    label: str  # what changed: "Headline changed", "Paragraph 4 changed"
    summary: str  # the change in numbers: "headline changed · +3/−1 words"
    # A headline (or byline) as it was and as it is now, side segments of its word diff; or else...
    before: tuple[Segment, ...] = ()
    after: tuple[Segment, ...] = ()
    # ... the article's headline over the paragraph that changed most, as inline segments.
    headline: str = ""
    paragraph: tuple[Segment, ...] = ()


def card_png(old: "Version", new: "Version", diff: TextDiff) -> bytes:
    """The card of ``diff``, the diff of versions ``old`` and ``new`` of one article, drawn."""
    return draw_card(versions_card(old, new, diff))


def versions_card(old: "Version", new: "Version", diff: TextDiff) -> Card:
    """What the card of ``diff``, the diff of versions ``old`` and ``new`` of one article, says; an article
    tracked by hand, of no source, is named by its site."""
    article = new.article
    source = article.source.name if article.source else urlsplit(article.url).hostname or article.url
    social = social_title_changed(old.text, new.text)
    return card_for(diff, source, new.fetched_at, old.number, new.number, new.title, social)


def card_for(
    diff: TextDiff,
    source: str,
    changed_at: datetime,
    old_number: int,
    new_number: int,
    headline: str,
    social_changed: bool,
) -> Card:
    """What the card of ``diff`` says: the headline's change if it changed (or the social headline's),
    else the paragraph that changed most, else the byline's change."""
    said = Card(source, changed_at, old_number, new_number, "", _summary(diff, social_changed))
    if diff.title.changed:
        return replace(said, label="Headline changed", before=diff.title.old, after=diff.title.new)
    social = diff.social_title
    if social_changed and social.changed:
        return replace(said, label="Social headline changed", before=social.old, after=social.new)
    op = most_changed(diff.body.ops)
    if op is not None:
        return replace(said, label=paragraph_label(op), headline=headline, paragraph=around_change(op))
    if diff.byline.changed:
        return replace(said, label="Byline changed", before=diff.byline.old, after=diff.byline.new)
    return replace(said, label="No change to the words", headline=headline)


def _summary(diff: TextDiff, social_changed: bool) -> str:
    return ChangeStats.of(
        diff.body, title_changed=diff.title.changed, social_title_changed=social_changed
    ).summary()


def most_changed(ops: Sequence[ParagraphOp]) -> ParagraphOp | None:
    """The paragraph with the most words removed and added, the first of equals; a move counts only for
    the words it changed, and is told where the paragraph arrived."""
    changed = [
        op for op in ops if op.op not in ("equal", "moved_out") and (op.op != "moved_in" or op.words.changed)
    ]
    return max(changed, key=lambda op: op.words.words_added + op.words.words_removed, default=None)


def paragraph_label(op: ParagraphOp) -> str:
    if op.op == "delete":
        return f"Paragraph {(op.old_index or 0) + 1} removed"
    what = {"insert": "added", "moved_in": "moved and changed"}.get(op.op, "changed")
    return f"Paragraph {(op.new_index or 0) + 1} {what}"


def around_change(op: ParagraphOp) -> tuple[Segment, ...]:
    """The paragraph's inline segments from shortly before its first change, at most PARAGRAPH_CHARS of
    them: a change deep in a long paragraph is still on the card."""
    segments = op.words.inline
    first = next((n for n, segment in enumerate(segments) if segment.kind != "equal"), 0)
    # The unchanged text before it, read backwards only as far as the context needs (a segment may be
    # a megabyte long).
    lead: list[str] = []
    length = 0
    for segment in reversed(segments[:first]):
        lead.append(segment.text[-(CONTEXT_CHARS + 1 - length) :])
        length += len(lead[-1])
        if length > CONTEXT_CHARS:
            break
    context = "".join(reversed(lead))
    shown: list[Segment] = []
    if length > CONTEXT_CHARS:  # there was more before it than the context keeps
        # Cut at a word: "… opened on", not "…ned on".
        start = context.find(" ", len(context) - CONTEXT_CHARS)
        context = "… " + context[start + 1 :] if start >= 0 else "… " + context[-CONTEXT_CHARS:]
    if context:
        shown.append(Segment("equal", context))
    room = PARAGRAPH_CHARS - len(context)
    for segment in segments[first:]:
        if room <= 0:
            break
        shown.append(Segment(segment.kind, segment.text[:room]))
        room -= len(shown[-1].text)
    return tuple(shown)


def changed_words(segments: Sequence[Segment], side: str) -> list[tuple[str, Ink]]:
    """Spans of a headline's side: the words the other side lacks marked, the rest plain (tinted, before)."""
    marked, rest = (DELETED, BEFORE) if side == "before" else (INSERTED, PLAIN)
    return [(s.text[:HEADLINE_CHARS], rest if s.kind == "equal" else marked) for s in segments]


def inline_words(segments: Sequence[Segment]) -> list[tuple[str, Ink]]:
    inks = {"equal": PLAIN, "delete": DELETED, "insert": INSERTED}
    spans: list[tuple[str, Ink]] = []
    previous: Segment | None = None
    for segment in segments:
        if previous is not None and _touching(previous, segment):
            spans.append((" ", PLAIN))
        spans.append((segment.text, inks[segment.kind]))
        previous = segment
    return spans


def _touching(previous: Segment, segment: Segment) -> bool:
    """Whether two inline segments would run words together: words struck and the words put in their place
    ("TuesdayMonday", which the pages part too, render_segments), or a struck word and the word before it
    ("abrass": the inline segments keep the space before a deleted word on the old side only)."""
    end, start = previous.text[-1:], segment.text[:1]
    if previous.kind == segment.kind or not end or not start or end.isspace() or start.isspace():
        return False
    return "equal" not in (previous.kind, segment.kind) or bool(WORD.match(end) and WORD.match(start))


def utc_time(moment: datetime) -> str:
    """A moment as the card says it, "6 Dec 2026, 14:02 UTC": in UTC and English, whatever the machine's
    zone and locale."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {MONTHS[utc.month - 1]} {utc.year}, {utc:%H:%M} UTC"


def _fitted(sizes: Sequence[tuple[int, int]], make: Callable[[int, int], list[Block]]) -> list[Block]:
    """The blocks ``make`` sets at the first of ``sizes`` at which none is cut short, else at the last."""
    blocks: list[Block] = []
    for size, lines in sizes:
        blocks = make(size, lines)
        if not any(block.truncated for block in blocks):
            break
    return blocks


# FreeType faces are shared by the threads of a process (typesetting.font's cache), and FreeType does not
# allow one face to be used by two threads at once.
_drawing = threading.Lock()


def draw_card(card: Card) -> bytes:
    """``card`` drawn: the PNG's bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    with _drawing:
        _draw_chrome(draw, card)
        if card.before or card.after:
            _draw_before_and_after(draw, card)
        else:
            _draw_paragraph(draw, card)
    output = io.BytesIO()
    # zlib's level 1: encoding was half of a card's time at Pillow's default, level 6 (18-24 ms for 58 kB,
    # level 1 11-14 ms for 66 kB, level 9 96 ms for 55 kB; 40 realistic cards, 2026-12-06). A card is made
    # once and cached; 14 % more bytes to a link preview's crawler cost less than the wait.
    image.save(output, "PNG", compress_level=1)
    return output.getvalue()


def _draw_chrome(draw: ImageDraw.ImageDraw, card: Card) -> None:
    brand = set_text([(SITE_NAME, Ink(BRAND))], CONTENT_WIDTH, HEADER_SIZE, 1, plain=PLAIN, bold=True)
    draw_block(draw, brand, MARGIN, TOP, CONTENT_WIDTH, align="left")
    room = CONTENT_WIDTH - round(brand.lines[0].width) - 40
    source = set_text([(card.source, QUIET)], room, HEADER_SIZE, 1, plain=QUIET, max_chars=200)
    draw_block(draw, source, MARGIN, TOP, CONTENT_WIDTH, align="right")
    draw.rectangle((MARGIN, TOP + 54, WIDTH - MARGIN, TOP + 55), fill=RULE)
    label = set_text([(card.label.upper(), QUIET)], CONTENT_WIDTH, LABEL_SIZE, 1, plain=QUIET, bold=True)
    draw_block(draw, label, MARGIN, TOP + 78, CONTENT_WIDTH, align="left")
    draw.rectangle((MARGIN, FOOTER_TOP - 14, WIDTH - MARGIN, FOOTER_TOP - 13), fill=RULE)
    footer = " · ".join(
        (f"Changed {utc_time(card.changed_at)}", f"v{card.old_number} → v{card.new_number}", card.summary)
    )
    said = set_text([(footer, QUIET)], CONTENT_WIDTH, FOOTER_SIZE, 1, plain=QUIET)
    draw_block(draw, said, MARGIN, FOOTER_TOP, CONTENT_WIDTH, align="left")


def _draw_before_and_after(draw: ImageDraw.ImageDraw, card: Card) -> None:
    width = CONTENT_WIDTH - BAR - BAR_GAP
    before, after = changed_words(card.before, "before"), changed_words(card.after, "after")

    def both(size: int, lines: int) -> list[Block]:
        return [
            set_text(spans, width, size, lines, plain=plain, bold=True, max_chars=HEADLINE_CHARS)
            for spans, plain in ((before, BEFORE), (after, PLAIN))
        ]

    blocks = _fitted(HEADLINE_SIZES, both)
    height = sum(block.height for block in blocks) + BLOCK_GAP
    top = CONTENT_TOP + max(0, (CONTENT_BOTTOM - CONTENT_TOP - height) // 2)
    for block, bar in zip(blocks, (DELETE_TEXT, INSERT_TEXT), strict=True):
        # The bar stands where the headline starts: on the right of a right-to-left one.
        bar_left = WIDTH - MARGIN - BAR if block.rtl else MARGIN
        text_left = MARGIN if block.rtl else MARGIN + BAR + BAR_GAP
        draw.rectangle((bar_left, top, bar_left + BAR - 1, top + max(block.height, 1) - 1), fill=bar)
        draw_block(draw, block, text_left, top, width)
        top += block.height + BLOCK_GAP


def _draw_paragraph(draw: ImageDraw.ImageDraw, card: Card) -> None:
    headline = set_text(
        [(card.headline, PLAIN)], CONTENT_WIDTH, PARAGRAPH_HEADLINE_SIZE, 1, plain=PLAIN, bold=True,
        max_chars=HEADLINE_CHARS,
    )  # fmt: skip
    draw_block(draw, headline, MARGIN, CONTENT_TOP, CONTENT_WIDTH)
    if not card.paragraph:
        return
    spans = inline_words(card.paragraph)

    def paragraph(size: int, lines: int) -> list[Block]:
        return [set_text(spans, CONTENT_WIDTH, size, lines, plain=PLAIN, max_chars=PARAGRAPH_CHARS)]

    (block,) = _fitted(PARAGRAPH_SIZES, paragraph)
    draw_block(draw, block, MARGIN, CONTENT_TOP + headline.height + 16, CONTENT_WIDTH)
