"""Binary sniffing: a body that cannot be a page, whatever its Content-Type says."""

from articles.fetching.charset import _BOMS, sniff_utf16

# The first bytes of formats that are never a page, and what to call them in the reason.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"\x7fELF", "a program"),
)
# WHATWG MIME sniffing's "binary data bytes": control characters text does not use.
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def binary_kind(body: bytes) -> str | None:
    """What ``body`` is if it cannot be a page: a known binary format, or bytes of which more than one in
    twenty of the first 4 kB are control characters (random or compressed data has one in ten; a page with
    a stray NUL or escape has far fewer). UTF-16 text, with its zero bytes, is text."""
    if any(body.startswith(bom) for bom, _codec in _BOMS) or sniff_utf16(body):
        return None
    for signature, kind in _SIGNATURES:
        if body.startswith(signature):
            return kind
    if body[4:8] == b"ftyp":
        return "an MP4 video"
    if body[:4] == b"RIFF" and body[8:12] in (b"WEBP", b"AVI ", b"WAVE"):
        return "a RIFF media file"
    sample = body[:4096]
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return "binary data" if controls * 20 > len(sample) else None
