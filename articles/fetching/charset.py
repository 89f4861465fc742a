"""Charset detection: the text of an HTML page, read the same way from the same bytes."""

import codecs
import re

import charset_normalizer
from bs4.dammit import EncodingDetector

# WHATWG Encoding: these labels mean windows-1252 in every browser, so smart quotes decode as quotes.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"})
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Codecs Python has and no browser does; as a page's charset they would rewrite its text (\\u escapes,
# UTF-7's +...- runs) rather than decode it.
_NOT_WEB_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "utf-7", "idna", "punycode", "undefined", "mbcs", "oem"}
)
_HIGH_BYTE_RUNS = re.compile(rb"[\x80-\xff]+")
# What an undeclared page in a non-Latin script is detected among: the legacy charsets of the web.
_DETECTED_CHARSETS = (
    "cp1251", "koi8_r", "koi8_u", "cp866", "iso8859_5", "cp1253", "iso8859_7", "cp1255", "iso8859_8",
    "cp1256", "cp874", "cp932", "euc_jp", "iso2022_jp", "gb18030", "big5", "cp949", "cp1250", "cp1252",
    "cp1254", "cp1257", "cp1258",
)  # fmt: skip


def _charset_label(label: str | None) -> str | None:
    """The codec a charset label names, or None for a label no browser would use: Python also knows codecs
    such as ``unicode_escape``, ``utf-7`` or ``base64`` that would rewrite or refuse a page's text."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252_LABELS:
        return "windows-1252"
    try:
        codec = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(codec, "_is_text_encoding", True) or codec.name in _NOT_WEB_CHARSETS:
        return None
    return "windows-1252" if codec.name == "cp1252" else codec.name


def sniff_utf16(body: bytes) -> str | None:
    """UTF-16 without a byte-order mark, told by its zero bytes: HTML markup is ASCII, which UTF-16 writes
    with a zero byte on one side of every character. None for anything else (binary data has zeros on both
    sides, or few)."""
    sample = body[:1024]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even, odd = sample[0 : pairs * 2 : 2].count(0), sample[1 : pairs * 2 : 2].count(0)
    if odd >= 0.3 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _mostly_utf8(body: bytes) -> str | None:
    """The text if ``body`` is UTF-8 but for a few stray bytes (a pasted byte, a broken ad): one bad byte must
    not turn a whole UTF-8 page into mojibake on the loads it appears in. Other charsets' text makes valid
    UTF-8 sequences only by accident (windows-1252 practically never; EUC-KR or GBK for a fifth of its
    characters at most), so as many valid sequences as invalid bytes is UTF-8."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    wide = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text if wide >= bad else None


def _undeclared(body: bytes) -> str:
    """Text in a charset the page does not name (or names wrongly). Western European text has its
    non-ASCII bytes alone or in pairs inside ASCII words, and is read as windows-1252, as browsers do by
    default: statistical detection flips between Latin charsets when the chrome around the story changes
    (a "most read" box with other accents), and each flip would be stored as an edit. Cyrillic, Greek,
    Arabic, Hebrew, Thai and CJK text is written in runs of non-ASCII bytes, which detection tells apart
    better, among the charsets web pages use (allowed Mac and DOS code pages too, it takes cp1251 Russian
    for x-mac-cyrillic on some loads and not others). charset_normalizer (a runtime requirement) is asked
    explicitly: bs4 would pick whichever detector happens to be installed, and chardet takes seconds on a
    large page."""
    runs = [len(run) for run in _HIGH_BYTE_RUNS.findall(body)]
    if sum(n for n in runs if n >= 3) * 2 < sum(runs):
        return body.decode("windows-1252", errors="replace")
    best = charset_normalizer.from_bytes(body, cp_isolation=list(_DETECTED_CHARSETS)).best()
    return body.decode(best.encoding if best else "windows-1252", errors="replace")


def decode_html(body: bytes, declared: str | None) -> str:
    """Text of an HTML page. A byte-order mark decides; then the zero bytes of UTF-16; then bytes that are
    valid UTF-8 and not plain ASCII are UTF-8 (a page in another charset is practically never valid UTF-8,
    while headers that still say ISO-8859-1 for a UTF-8 page are common); then the Content-Type charset
    (``declared``) and the document's own meta, if the bytes are valid in them; then UTF-8 with a few stray
    bytes; then ``_undeclared``. Every step depends on the bytes alone, so the same bytes read the same."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    if utf16 := sniff_utf16(body):
        return body.decode(utf16, errors="replace")
    if not body.isascii():
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    meta = EncodingDetector.find_declared_encoding(body, is_html=True)
    for label in (_charset_label(declared), _charset_label(meta)):
        # UTF-8 was tried above. A UTF-16 or UTF-32 label on bytes without their zero bytes is a lie
        # (WHATWG reads it as UTF-8).
        if label is None or label == "utf-8" or label.startswith(("utf-16", "utf-32")):
            continue
        try:
            # windows-1252 leaves five bytes undefined; browsers show them rather than give up the page.
            return body.decode(label, errors="replace" if label == "windows-1252" else "strict")
        except UnicodeDecodeError:
            continue
    if body.isascii():
        return body.decode("ascii")
    if (text := _mostly_utf8(body)) is not None:
        return text
    return _undeclared(body)
