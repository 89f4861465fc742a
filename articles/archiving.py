"""The page a version was read from, kept: its body as compressed bytes, zstd with an earlier page of the
same article as the dictionary, so that the chrome every page of a site repeats (scripts, styles, menus,
footers) costs almost nothing after the article's first page.

Which earlier page: the chain's keyframe, as for the texts (``text_chain``). An archived page is packed
alone (a keyframe) when it is its article's first archived page or when the keyframe the article's latest
archived page uses is KEYFRAME_EVERY or more versions back; otherwise it is packed with that keyframe's body
as its dictionary. Reading any page therefore decompresses at most two blobs (its keyframe's and its own).
The previous page as the dictionary would read a chain of up to KEYFRAME_EVERY pages. Measured with
bench/archive.py (see bench/results/archive.json and the README's Performance table).

What is kept of a response, and how it is read back: ``Page``. Pure functions: which page a page is packed
against, and the codec; ``models.ServedPage`` stores pages and ``models.load_pages`` reads them.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import zstandard

# A keyframe every this many versions at most (bench/archive.py: see the README's Performance table for
# 4, 8, 16 and 32 on the newsroom's histories of 24 versions).
KEYFRAME_EVERY = 16
# Level 19 packs pages a few per cent smaller than 12 (bench/archive.py) but took 1.3-1.5 s for the
# corpus's 1.4 MB pages alone and 11 s for a made-up 4.7 MB page against its keyframe, all of it inside
# the version's transaction (which on SQLite holds the database's write lock); level 12 took 27-47 ms and
# 0.3 s (2026-12-06, a loaded 2-core machine).
LEVEL = 12
# zstd's window (2**window_log bytes) must reach from the end of the body back to the start of the
# dictionary, or a long page loses its dictionary: a level's default window is 2-4 MiB, and a 4.7 MB page
# packed at level 12 against its keyframe took 185 kB instead of 0.5 kB. The largest window any zstd
# decompressor accepts without being told (2**27) caps it; FETCH_MAX_BYTES (5 MB) keeps far below.
MAX_WINDOW_LOG = 27
# First byte of every blob, for the codec that made it (another codec later gets another byte).
ZSTD = b"s"


@dataclass(frozen=True)
class Page:
    """An HTTP response as it was fetched for a version.

    ``url`` is the final URL (after redirects); ``headers`` the response's headers in the order and case
    they were received, as (name, value) pairs of latin-1-decoded bytes (``value.encode("latin-1")`` gives
    the bytes sent), repeated names (Set-Cookie) kept apart. ``body`` is the body *after* its
    Content-Encoding was undone (httpx decodes gzip, br, deflate as it reads), so it is not byte for byte
    what the server sent when the headers name a Content-Encoding, and Content-Length then gives the
    encoded length: a WARC writer must drop or rewrite Content-Encoding and Content-Length (or mark the
    record as decoded) for the record to be consistent. ``sha256`` is the hex SHA-256 of ``body``, as it
    was when fetched (the WARC-Payload-Digest of a record holding this body)."""

    url: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    sha256: str

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


def packed_against(
    number: int, latest: tuple[int, int | None] | None, every: int = KEYFRAME_EVERY
) -> int | None:
    """The number of the version whose page version ``number``'s page is packed against; None: a keyframe,
    packed alone. ``latest`` is the article's latest archived page before it, as (its version number, the
    number it is packed against), or None if there is none."""
    if latest is None:
        return None
    keyframe = latest[0] if latest[1] is None else latest[1]
    return keyframe if number - keyframe < every else None


def _dictionary(dictionary: bytes) -> zstandard.ZstdCompressionDict:
    # Raw content, always: a body that happens to begin with zstd's dictionary magic number must not be
    # parsed as a trained dictionary.
    return zstandard.ZstdCompressionDict(dictionary, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def encode(body: bytes, dictionary: bytes | None = None, level: int = LEVEL) -> bytes:
    """``body`` compressed, against ``dictionary`` (the body of the page it is packed against) if given;
    an empty dictionary is none (zstd refuses one)."""
    if not dictionary:
        return ZSTD + zstandard.ZstdCompressor(level=level).compress(body)
    default = zstandard.ZstdCompressionParameters.from_level(level).window_log
    reach = (len(dictionary) + len(body)).bit_length()
    parameters = zstandard.ZstdCompressionParameters.from_level(
        level, window_log=max(default, min(reach, MAX_WINDOW_LOG))
    )
    packer = zstandard.ZstdCompressor(compression_params=parameters, dict_data=_dictionary(dictionary))
    return ZSTD + packer.compress(body)


def decode(blob: bytes | memoryview, dictionary: bytes | None = None) -> bytes:
    """The body ``encode`` packed into ``blob``, given the same ``dictionary``: one decompression."""
    blob = bytes(blob)  # Postgres hands back a memoryview
    if blob[:1] != ZSTD:
        raise ValueError(f"not a packed page (starts {blob[:1]!r})")
    if dictionary:
        unpacker = zstandard.ZstdDecompressor(dict_data=_dictionary(dictionary))
    else:
        unpacker = zstandard.ZstdDecompressor()
    # The frame states its content size (the compressor writes it), so this allocates exactly that.
    return unpacker.decompress(blob[1:])


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def headers_list(headers: Iterable[tuple[str, str]]) -> list[list[str]]:
    """``headers`` as stored (JSON has no tuples): a list of [name, value] pairs."""
    return [[name, value] for name, value in headers]
