"""A version's paragraphs as compressed bytes: zlib (level 9) with an earlier version of the same article as
the dictionary, so that what a version shares with that one costs almost nothing.

Which earlier version: the chain's keyframe. Every KEYFRAME_EVERY-th version (0, 16, 32, …) is compressed
alone and the versions after it use its text as their dictionary, so reading any version decompresses at most
two blobs (its keyframe's and its own) and a page of many versions of one article needs only their keyframes
besides. Measured with bench/storage.py on its realistic chains (20,000 articles, 72,112 versions,
2026-12-06), a table of each version's metadata, headline and zlib-packed byline and paragraphs against the
raw text: the previous version as dictionary 22.9 %, the keyframe 23.5 %. The previous version would save
0.6 points at the price of up to 16 rows and 16 decompressions per read (see the README's Performance table).

Pure functions: which version a version is compressed against, and the codec. models.Version keeps
``paragraphs`` as its interface and calls these.
"""

import json
import zlib
from collections.abc import Sequence

KEYFRAME_EVERY = 16
LEVEL = 9
# zlib's window: a dictionary longer than this helps only with its last 32 KiB.
WINDOW = 32_768
# First byte of every blob, for the codec that made it (a later one, zstd say, gets another byte).
ZLIB = b"z"


def dictionary_number(number: int) -> int | None:
    """The number of the version whose paragraphs are version ``number``'s dictionary; None if it is a
    keyframe, compressed alone."""
    keyframe = number - number % KEYFRAME_EVERY
    return None if keyframe == number else keyframe


def serialised(paragraphs: Sequence[str]) -> bytes:
    return json.dumps(list(paragraphs), ensure_ascii=False, separators=(",", ":")).encode()


def window(dictionary: Sequence[str] | bytes) -> bytes:
    """What zlib is given of ``dictionary``: another version's paragraphs, or their ``serialised`` bytes
    (a keyframe serialised once for all the versions packed against it)."""
    return (dictionary if isinstance(dictionary, bytes) else serialised(dictionary))[-WINDOW:]


def encode(paragraphs: Sequence[str], dictionary: Sequence[str] | bytes | None = None) -> bytes:
    """``paragraphs`` compressed, against ``dictionary`` (another version's paragraphs) if given."""
    if dictionary is None:
        packer = zlib.compressobj(LEVEL)
    else:
        packer = zlib.compressobj(LEVEL, zdict=window(dictionary))
    return ZLIB + packer.compress(serialised(paragraphs)) + packer.flush()


def decode(blob: bytes | memoryview, dictionary: Sequence[str] | bytes | None = None) -> list[str]:
    """The paragraphs ``encode`` packed into ``blob``, given the same ``dictionary``."""
    return parsed(unpacked(blob, dictionary))


def unpacked(blob: bytes | memoryview, dictionary: Sequence[str] | bytes | None = None) -> bytes:
    """The ``serialised`` paragraphs ``encode`` packed into ``blob``: a keyframe's are the dictionary of the
    versions packed against it as they are (``window``), without serialising its paragraphs again."""
    blob = bytes(blob)  # Postgres hands back a memoryview
    if blob[:1] != ZLIB:
        raise ValueError(f"not a packed text (starts {blob[:1]!r})")
    unpacker = zlib.decompressobj() if dictionary is None else zlib.decompressobj(zdict=window(dictionary))
    return unpacker.decompress(blob[1:]) + unpacker.flush()


def parsed(serialised_paragraphs: bytes) -> list[str]:
    paragraphs = json.loads(serialised_paragraphs)
    if not isinstance(paragraphs, list):
        raise ValueError("a packed text holds a list of paragraphs")
    return [str(p) for p in paragraphs]
