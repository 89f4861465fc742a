"""Text set for the share card with Pillow: which shipped font draws each character, lines broken to a
width and ellipsised, right-to-left runs put in order, and the lines drawn.

Pillow draws a string in one font and falls back to no other for the characters it lacks: they come out
as the font's .notdef box ("tofu"). So a paragraph is cut into runs of characters that one font covers (its
cmap, read here), each measured and drawn on its own. raqm (FriBiDi and HarfBuzz, through Pillow) shapes a
run: it joins Arabic letters, places marks, kerns, and orders right-to-left text inside the run. The order
of the runs on a line is ours, a two-level cut of the Unicode bidirectional algorithm: a paragraph takes the
direction of its first strong letter (rule P2); runs of the other direction keep their own order inside it
(L2); spaces, digits and punctuation between runs take the direction on both sides of them when it is the
same, and the paragraph's otherwise (N1, N2). Right-to-left paragraphs are set flush right.

What a hostile text could make costly is bounded before anything is measured: a block takes at most
``max_chars`` characters (and looks at no more than four times as many), a letter keeps at most MAX_MARKS
combining marks, and lines are broken only until the block is full.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageDraw, ImageFont, features

FONT_DIR = Path(__file__).resolve().parent / "fonts"

# Pillow's wheels carry raqm and HarfBuzz but load FriBiDi from the system (Debian's libfribidi0, which the
# Dockerfile and .ci/run install). Without it Pillow has only its BASIC layout, which neither shapes nor
# orders right-to-left text: such runs are then reversed here character by character, so that they read in
# the right order, with Arabic letters unjoined.
RAQM = features.check("raqm")


@dataclass(frozen=True)
class Face:
    """A typeface the card ships, in two weights (one file where it has one weight)."""

    regular: str
    bold: str

    def file(self, bold: bool) -> str:
        return self.bold if bold else self.regular


LATIN = Face("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")  # Latin, Greek, Cyrillic
# Asked in this order for a letter that no run around it covers: Noto Sans first, so that Latin letters,
# digits and punctuation look alike whatever else the text holds. Each weight of a face covers the same
# characters (checked in the tests), so the regular one's cmap answers for both.
FACES = (
    LATIN,
    Face("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    Face("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    Face("DroidSansFallback.ttf", "DroidSansFallback.ttf"),  # Chinese, Japanese, Korean
    Face("NotoSansMath-Regular.ttf", "NotoSansMath-Regular.ttf"),  # arrows, the minus sign
)

# Combining marks kept on one letter: a stack of hundreds ("Zalgo" text) would climb over the lines around.
MAX_MARKS = 3
# Format characters kept: the joiners choose Arabic and Persian letter forms. Others (bidi controls, soft
# hyphens, zero-width spaces) are dropped: an override must not reorder the card around it.
JOINERS = frozenset("\u200c\u200d")
ELLIPSIS = "…"
# A line's height, and where its baseline sits, in font sizes: room for Arabic's deep descenders.
LINE_HEIGHT = 1.3
BASELINE = 1.0


def _u16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "big")


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


@cache
def coverage(file: str) -> frozenset[int]:
    """The code points the font ``file`` has a glyph for, from its cmap table: the format 12 subtable (all
    of Unicode) where it has one, else format 4 (the Basic Multilingual Plane); each shipped font has one of
    them. Read once a process (a few milliseconds; Droid Sans Fallback's 33,000 characters are in ranges)."""
    data = (FONT_DIR / file).read_bytes()
    tables = {data[12 + 16 * i : 16 + 16 * i]: _u32(data, 20 + 16 * i) for i in range(_u16(data, 4))}
    cmap = tables[b"cmap"]
    subtables: dict[int, int] = {}
    for i in range(_u16(data, cmap + 2)):
        start = cmap + _u32(data, cmap + 8 + 8 * i)
        subtables[_u16(data, start)] = start
    covered: set[int] = set()
    if (full := subtables.get(12)) is not None:
        for group in range(full + 16, full + 16 + 12 * _u32(data, full + 12), 12):
            covered.update(range(_u32(data, group), _u32(data, group + 4) + 1))
        return frozenset(covered)
    start = subtables[4]
    segments = _u16(data, start + 6) // 2
    ends, starts = start + 14, start + 16 + 2 * segments
    deltas, offsets = starts + 2 * segments, starts + 4 * segments
    for n in range(segments):
        first, last = _u16(data, starts + 2 * n), _u16(data, ends + 2 * n)
        delta, offset = _u16(data, deltas + 2 * n), _u16(data, offsets + 2 * n)
        for code in range(first, min(last, 0xFFFE) + 1):
            if offset:
                glyph = _u16(data, offsets + 2 * n + offset + 2 * (code - first))
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            else:
                glyph = (code + delta) & 0xFFFF
            if glyph:
                covered.add(code)
    return frozenset(covered)


@lru_cache(maxsize=128)  # a few sizes of each face: the card's sizes are constants
def font(file: str, size: int) -> ImageFont.FreeTypeFont:
    layout = ImageFont.Layout.RAQM if RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(FONT_DIR / file), size, layout_engine=layout)


@dataclass(frozen=True)
class Ink:
    """How a run of text is drawn: its colour, the colour behind it, struck or underlined."""

    colour: str
    background: str | None = None
    strike: bool = False
    underline: bool = False


@dataclass
class Run:
    """Characters drawn in one font and one ink, or the space before a word (``space``)."""

    text: str
    face: Face
    ink: Ink
    space: bool = False
    # The direction its letters give it (1 right to left, 0 left to right, None: no strong letter), and the
    # level it is laid out at: 0 or 2 left to right, 1 right to left.
    strong: int | None = None
    level: int = 0
    width: float = 0.0

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


@dataclass
class _Word:
    """What a line may not be broken inside, with the space before it (None: nothing, as between two
    Chinese characters)."""

    space: Run | None
    runs: list[Run] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    runs: tuple[Run, ...]  # left to right, as drawn
    width: float


@dataclass(frozen=True)
class Block:
    """Lines of text set at one size, ready to draw."""

    lines: tuple[Line, ...]
    size: int
    bold: bool
    rtl: bool
    truncated: bool  # some of the text did not fit, and the last line ends in an ellipsis

    @property
    def line_height(self) -> int:
        return round(self.size * LINE_HEIGHT)

    @property
    def height(self) -> int:
        return len(self.lines) * self.line_height


def drawable(text: str) -> str:
    """``text`` as the card draws it: controls, separators and white space of any kind as plain spaces,
    format characters but the joiners dropped, at most MAX_MARKS combining marks on a letter."""
    kept = []
    marks = 0
    for char in text:
        category = unicodedata.category(char)
        marks = marks + 1 if category in ("Mn", "Me") else 0
        if marks > MAX_MARKS:
            continue
        if char.isspace() or category in ("Cc", "Zl", "Zp", "Zs"):
            kept.append(" ")
        elif category not in ("Cf", "Cs", "Co", "Cn") or char in JOINERS:
            kept.append(char)
    return "".join(kept)


def _strong(char: str) -> int | None:
    kind = unicodedata.bidirectional(char)
    return 1 if kind in ("R", "AL") else 0 if kind == "L" else None


def _joins(char: str) -> bool:
    """Combining marks and joiners: they belong to the letter before them."""
    return unicodedata.category(char)[0] == "M" or char in JOINERS


def _face_for(char: str, previous: Face | None) -> Face | None:
    """The face that draws ``char``: the one before it for a neutral (digits, punctuation) when it can,
    which keeps a run whole for raqm to shape; else the first of FACES that has it."""
    code = ord(char)
    if previous is not None and _strong(char) is None and code in coverage(previous.regular):
        return previous
    return next((face for face in FACES if code in coverage(face.regular)), None)


def _breaks_before(char: str, previous: str) -> bool:
    """Whether a line may break between ``previous`` and ``char`` with no space between them: before and
    after a Chinese, Japanese or Korean character, but not after an opening bracket or quote, nor before a
    closing one or other punctuation (an ideographic comma or full stop)."""
    wide = ("W", "F")
    if unicodedata.east_asian_width(char) not in wide and unicodedata.east_asian_width(previous) not in wide:
        return False
    closing, opening = ("Pe", "Pf", "Po"), ("Ps", "Pi")
    return unicodedata.category(char) not in closing and unicodedata.category(previous) not in opening


def _words(spans: Sequence[tuple[str, Ink]], plain: Ink, max_chars: int) -> tuple[list[_Word], bool]:
    """The words of ``spans``, each cut into runs by font and ink, and whether text was left out past
    ``max_chars``."""
    chars: list[tuple[str, Ink]] = []
    left_out = False
    for text, ink in spans:
        room = max_chars - len(chars)
        if room <= 0:
            left_out = left_out or bool(text.strip())
            break
        # Four times the room is looked at: enough for what cleaning drops from any real text.
        cleaned = drawable(text[: 4 * room])
        left_out = left_out or len(text) > 4 * room or len(cleaned) > room
        chars.extend((char, ink) for char in cleaned[:room])
    words: list[_Word] = []
    face: Face | None = None
    space: Ink | None = None
    previous_char = " "
    for char, ink in chars:
        if char == " ":
            space = ink if space is None else space
            previous_char = char
            continue
        if _joins(char):
            # A mark or joiner stays on its letter whatever its ink (the diff may part them): alone at the
            # start of a run, HarfBuzz would draw it on a dotted circle. With no letter before it, it goes.
            if words and space is None and ord(char) in coverage(words[-1].runs[-1].face.regular):
                words[-1].runs[-1].text += char
            continue
        chosen = _face_for(char, face)
        if chosen is None:  # left out, as emoji are: no shipped font draws them
            continue
        new_word = not words or space is not None or _breaks_before(char, previous_char)
        if new_word:
            gap = None
            if words and space is not None:
                last = words[-1].runs[-1]
                # A space is marked (struck, underlined) only between two words marked alike.
                gap_ink = space if space == last.ink == ink else plain
                gap = Run(" ", last.face, gap_ink, space=True)
            words.append(_Word(gap))
        runs = words[-1].runs
        if runs and runs[-1].face == chosen and runs[-1].ink == ink:
            runs[-1].text += char
        else:
            runs.append(Run(char, chosen, ink))
        strong = _strong(char)
        if strong is not None and runs[-1].strong is None:
            runs[-1].strong = strong
        face, space, previous_char = chosen, None, char
    return words, left_out


def _resolve_levels(runs: list[Run], rtl: bool) -> None:
    """Each run's level: its own direction, or for a neutral run the direction on both sides of it when
    they agree, else the paragraph's (the paragraph's direction stands at both ends)."""
    paragraph = 1 if rtl else 0
    before: list[int] = []
    last = paragraph
    for run in runs:
        before.append(last)
        last = run.strong if run.strong is not None else last
    after = paragraph
    for index in range(len(runs) - 1, -1, -1):
        run = runs[index]
        direction = run.strong
        if direction is None:
            direction = before[index] if before[index] == after else paragraph
        else:
            after = direction
        run.level = (1 if direction else 2) if rtl else direction


def _visual(runs: list[Run]) -> tuple[Run, ...]:
    """A line's runs from left to right (rule L2): from the highest level down to 1, every stretch of runs
    at that level or above is reversed."""
    ordered = list(runs)
    for level in range(max((run.level for run in ordered), default=0), 0, -1):
        start = 0
        while start < len(ordered):
            if ordered[start].level < level:
                start += 1
                continue
            end = start
            while end < len(ordered) and ordered[end].level >= level:
                end += 1
            ordered[start:end] = ordered[start:end][::-1]
            start = end
    return tuple(ordered)


class _Setter:
    """Measures runs at one size and weight, each text once."""

    def __init__(self, size: int, bold: bool) -> None:
        self.size, self.bold = size, bold
        self.lengths: dict[tuple[str, str, bool], float] = {}

    def length(self, run: Run, text: str | None = None) -> float:
        text = run.text if text is None else text
        file = run.face.file(self.bold)
        key = (file, text, run.rtl)
        if key not in self.lengths:
            typeface = font(file, self.size)
            if RAQM:
                self.lengths[key] = typeface.getlength(text, direction="rtl" if run.rtl else "ltr")
            else:
                self.lengths[key] = typeface.getlength(text)
        return self.lengths[key]

    def measure(self, run: Run) -> Run:
        run.width = self.length(run)
        return run

    def fitting(self, run: Run, room: float) -> int:
        """How many of ``run``'s characters fit in ``room`` (a binary search: a 10,000-letter word costs
        a dozen measurements a line, not one a letter)."""
        low, high = 0, len(run.text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.length(run, run.text[:middle]) <= room:
                low = middle
            else:
                high = middle - 1
        return low

    def cut(self, run: Run, count: int) -> tuple[Run, Run]:
        head = Run(run.text[:count], run.face, run.ink, run.space, run.strong, run.level)
        tail = Run(run.text[count:], run.face, run.ink, run.space, run.strong, run.level)
        return self.measure(head), self.measure(tail)


def set_text(
    spans: Sequence[tuple[str, Ink]],
    width: int,
    size: int,
    max_lines: int,
    *,
    plain: Ink,
    bold: bool = False,
    max_chars: int = 600,
) -> Block:
    """``spans`` (text and how to draw it) set in lines of at most ``width`` pixels, at most ``max_lines``
    of them; what does not fit is cut at the end of the last line, which then ends in an ellipsis."""
    words, left_out = _words(spans, plain, max_chars)
    runs = [run for word in words for run in ([word.space] if word.space else []) + word.runs]
    rtl = next((run.strong for run in runs if run.strong is not None), 0) == 1
    _resolve_levels(runs, rtl)
    setter = _Setter(size, bold)
    lines: list[list[Run]] = [[]]
    used = 0.0
    for word in words:
        if len(lines) > max_lines:
            break
        pieces = [setter.measure(run) for run in word.runs]
        needed = sum(run.width for run in pieces)
        gap = setter.measure(word.space) if word.space and lines[-1] else None
        if lines[-1] and used + (gap.width if gap else 0) + needed > width:
            lines.append([])
            used, gap = 0.0, None
        if gap:
            lines[-1].append(gap)
            used += gap.width
        for run in pieces:
            while used + run.width > width and len(lines) <= max_lines:
                # A word longer than the line: as much of it as fits, the rest on the next line.
                count = setter.fitting(run, width - used) or (0 if lines[-1] else 1)
                if count:
                    head, run = setter.cut(run, count)
                    lines[-1].append(head)
                lines.append([])
                used = 0.0
            if run.text:
                lines[-1].append(run)
                used += run.width
    truncated = left_out or len(lines) > max_lines
    lines = [line for line in lines[:max_lines] if line]
    if truncated and lines:
        lines[-1] = _ellipsised(lines[-1], width, setter, plain, rtl)
    shown = tuple(Line(_visual(_joined(line)), sum(run.width for run in line)) for line in lines)
    return Block(shown, size, bold, rtl, truncated)


def _joined(line: list[Run]) -> list[Run]:
    """``line`` with neighbouring runs of one face, ink and level made one: a phrase is shaped whole and
    drawn in one call (drawing a card's words one by one took 40 % of its time)."""
    joined: list[Run] = []
    for run in line:
        last = joined[-1] if joined else None
        if last is None or (last.face, last.ink, last.level) != (run.face, run.ink, run.level):
            joined.append(run)
            continue
        strong = last.strong if last.strong is not None else run.strong
        joined[-1] = Run(
            last.text + run.text, last.face, last.ink, False, strong, last.level, last.width + run.width
        )
    return joined


def _ellipsised(line: list[Run], width: int, setter: _Setter, plain: Ink, rtl: bool) -> list[Run]:
    """``line`` cut to leave room for an ellipsis at its end, and the ellipsis."""
    ellipsis = setter.measure(Run(ELLIPSIS, LATIN, plain, level=1 if rtl else 0))
    line = list(line)
    room = width - ellipsis.width
    while line:
        used = sum(run.width for run in line[:-1])
        last = line[-1]
        if last.space:
            line.pop()
        elif used + last.width <= room:
            break
        else:
            count = setter.fitting(last, room - used)
            line.pop()
            if count:
                line.append(setter.cut(last, count)[0])
                break
    return [*line, ellipsis]


Align = Literal["start", "left", "right"]


def draw_block(
    draw: ImageDraw.ImageDraw, block: Block, left: int, top: int, width: int, align: Align = "start"
) -> None:
    """Draw ``block`` in the box ``width`` wide from (``left``, ``top``): flush with its direction's start
    (right for a right-to-left paragraph), or to the side ``align`` names."""
    for number, line in enumerate(block.lines):
        flush_right = align == "right" or (align == "start" and block.rtl)
        x = left + (width - line.width if flush_right else 0)
        y = top + number * block.line_height
        for run in line.runs:
            _draw_run(draw, run, x, y, block)
            x += run.width


def _draw_run(draw: ImageDraw.ImageDraw, run: Run, x: float, y: int, block: Block) -> None:
    size, ink = block.size, run.ink
    baseline = y + round(size * BASELINE)
    left, right = round(x), round(x + run.width)
    if ink.background:
        draw.rectangle((left, y + round(size * 0.08), right, y + block.line_height - 1), fill=ink.background)
    if not run.space:
        typeface = font(run.face.file(block.bold), size)
        if RAQM:
            direction = "rtl" if run.rtl else "ltr"
            draw.text((x, baseline), run.text, ink.colour, typeface, anchor="ls", direction=direction)
        else:
            text = run.text[::-1] if run.rtl else run.text
            draw.text((x, baseline), text, ink.colour, typeface, anchor="ls")
    thickness = max(2, round(size / 16))
    if ink.strike:
        middle = baseline - round(size * 0.3)
        draw.rectangle((left, middle, right, middle + thickness - 1), fill=ink.colour)
    if ink.underline:
        under = baseline + round(size * 0.12)
        draw.rectangle((left, under, right, under + thickness - 1), fill=ink.colour)
