"""Reading a body: content encodings undone in bounded steps, within the size cap and the deadline."""

import zlib
from collections.abc import Callable, Iterator

import httpx

from articles.fetching.errors import TOO_SLOW, FetchError
from articles.fetching.transport import _Budget

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a runtime requirement; without it br is not offered
    brotli = None
# Only a brotli that can stop its output at a size we choose (1.2's output_buffer_limit) is used at all.
_BOUNDED_BROTLI = brotli is not None and hasattr(brotli.Decompressor(), "can_accept_more_data")
# Content encodings are undone this many bytes at a time, and at most this many layers deep ("gzip, gzip"
# happens when a proxy compresses again; five layers is an attack).
DECODE_STEP = 64 * 1024
MAX_CONTENT_CODINGS = 3


class _Undecodable(Exception):
    """The body is not in the content encoding its header names."""


def _inflate(chunks: Iterator[bytes], coding: str) -> Iterator[bytes]:
    """gzip or deflate, at most DECODE_STEP bytes out per step: zlib alone inflates a whole network chunk
    at once, and 64 kB of a bomb is 64 MB of output (64 GB under a second layer)."""
    gzip = coding in ("gzip", "x-gzip")
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
    # Some servers send deflate without its zlib wrapper (RFC 1951 rather than 1950): until the first byte
    # comes out, what went in is kept to start again that way.
    head: bytes | None = None if gzip else b""
    received = False
    for chunk in chunks:
        data = chunk
        received = received or bool(chunk)
        while data and not decompressor.eof:
            try:
                out = decompressor.decompress(data, DECODE_STEP)
            except zlib.error:
                if head is None:
                    raise _Undecodable("is not") from None
                decompressor, data, head = zlib.decompressobj(-zlib.MAX_WBITS), head + data, None
                continue
            if head is not None:
                head = None if out or len(head) > DECODE_STEP else head + data
            if out:
                yield out
            data = decompressor.unconsumed_tail
            # All the input taken in but the output cut at the step: zlib may hold more of it.
            while not data and len(out) == DECODE_STEP and not decompressor.eof:
                if out := decompressor.decompress(b"", DECODE_STEP):
                    yield out
            if decompressor.eof and gzip and decompressor.unused_data.startswith(b"\x1f\x8b"):
                # A gzip body may be several members one after another.
                data = decompressor.unused_data
                decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    if received and not decompressor.eof:
        raise _Undecodable("ends early")


def _unbrotli(chunks: Iterator[bytes], coding: str) -> Iterator[bytes]:
    """br, about DECODE_STEP bytes out per step at most (brotli 1.2's output_buffer_limit)."""
    decompressor = brotli.Decompressor()
    received = False
    try:
        for chunk in chunks:
            received = received or bool(chunk)
            out = decompressor.process(chunk, output_buffer_limit=DECODE_STEP)
            yield out
            # Past the limit, brotli takes no more input until what it holds has been taken out.
            while out and not decompressor.can_accept_more_data():
                out = decompressor.process(b"", output_buffer_limit=DECODE_STEP)
                yield out
        while received and not decompressor.is_finished():
            if not (out := decompressor.process(b"", output_buffer_limit=DECODE_STEP)):
                raise _Undecodable("ends early")
            yield out
    except brotli.error:
        raise _Undecodable("is not") from None


_DECODERS: dict[str, Callable[[Iterator[bytes], str], Iterator[bytes]]] = {
    "gzip": _inflate,
    "x-gzip": _inflate,
    "deflate": _inflate,
}
if _BOUNDED_BROTLI:
    _DECODERS["br"] = _unbrotli
ACCEPT_ENCODING = ", ".join(coding for coding in _DECODERS if coding != "x-gzip")


def _raw_chunks(response: httpx.Response, limit: int | None) -> Iterator[bytes]:
    """The body as sent; more than ``limit`` bytes of it decode to more than ``limit`` (compression does not
    grow data worth the name), and an endless stream of empty compressed blocks is stopped here."""
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if limit is not None and size > limit:
            raise FetchError(f"page larger than {limit} bytes", transient=False, status=response.status_code)
        yield chunk


def _decoded_chunks(response: httpx.Response, limit: int | None) -> Iterator[bytes]:
    """The body with its content encodings undone, layer by layer, each bounded (see ``_inflate``).
    httpx's own decoders inflate each network chunk whole, so the body is read raw and decoded here."""
    status = response.status_code
    header = response.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip().lower() not in ("", "identity")]
    if len(codings) > MAX_CONTENT_CODINGS:
        raise FetchError(f"too many content encodings ({', '.join(codings)})", transient=False, status=status)
    for coding in codings:
        if coding not in _DECODERS:
            raise FetchError(f"cannot decode content encoding {header!r}", transient=False, status=status)
    chunks = _raw_chunks(response, limit)
    # Listed in the order they were applied: undone from the last.
    for coding in reversed(codings):
        chunks = _decode_as(coding, _DECODERS[coding](chunks, coding), status)
    return chunks


def _decode_as(coding: str, chunks: Iterator[bytes], status: int) -> Iterator[bytes]:
    try:
        yield from chunks
    except _Undecodable as exc:
        what = "it ends early" if str(exc) == "ends early" else f"it says {coding} but is not"
        # A body cut short may come whole next time; a wrong label is the server's setting.
        raise FetchError(
            f"could not decompress the page ({what})", transient=str(exc) == "ends early", status=status
        ) from None


def _declared_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers.get("content-length", ""))
    except ValueError:
        return None


def _read_body(response: httpx.Response, limit: int, budget: _Budget, *, cut: bool) -> bytes:
    """The (decompressed) body; past ``limit`` bytes it is an error, or with ``cut`` just the first bytes.
    Memory stays within about ``limit`` plus a step per content encoding, whatever the body inflates to;
    time within the budget's deadline, however slowly the bytes come."""
    status = response.status_code
    declared = _declared_length(response)
    if not cut and declared is not None and declared > limit:
        raise FetchError(f"page larger than {limit} bytes", transient=False, status=status)
    chunks: list[bytes] = []
    size = 0
    try:
        with budget.enforced():
            # Cut short, a body need not be read to its end: only the deadline bounds the bytes read then.
            for chunk in _decoded_chunks(response, None if cut else limit):
                size += len(chunk)
                if size > limit:
                    if cut:
                        chunks.append(chunk[: limit - size])
                        break
                    raise FetchError(f"page larger than {limit} bytes", transient=False, status=status)
                chunks.append(chunk)
    except httpx.TimeoutException:
        reason = TOO_SLOW if budget.expired() else "timed out reading the page"
        raise FetchError(reason, transient=True, status=status) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"broken response: {exc}", transient=True, status=status) from None
    return b"".join(chunks)
