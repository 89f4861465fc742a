"""Fetch a page over HTTP: bounded in time and size, refusing private addresses, honouring robots.txt.

httpx is the client: it streams (so the size cap holds while reading, compressed or not), has separate
connect/read timeouts, and lets a request go to a checked IP address while TLS still verifies the host
name (the ``sni_hostname`` extension), which is what the address guard needs.

Limits. A fetch ends by FETCH_TOTAL_TIMEOUT however slowly the server sends, headers included (every
socket read is shortened to the time left: ``_DeadlineStream``). A body is at most FETCH_MAX_BYTES after
its content encodings are undone, which is done here in 64 kB steps, so a compression bomb costs the cap
and not what it inflates to; a declared Content-Length past the cap is refused before reading. A body that
is binary whatever its Content-Type says (an image, a PDF, compressed bytes sent as they are) is refused
rather than read as text. Every failure is a FetchError whose reason a person can read.

The modules, in the order a fetch uses them:

- ``page``: ``fetch`` itself, its request headers and what its response is read as (``FetchResult``).
- ``errors``: ``FetchError`` and ``TooManyRedirects``.
- ``guard``: the address guard (private, loopback, metadata addresses refused before a packet is sent).
- ``urls``: the URL a hop is sent to, and the environment's proxy for it.
- ``robots``: robots.txt fetched through the same guarded path (rules in ``articles/robots.py``).
- ``client``: the pool of kept-alive clients, and the session that follows redirects hop by hop.
- ``transport``: the deadline (``_Budget``) and the socket wrappers that hold every read to it.
- ``body``: content encodings undone in bounded steps, within the size cap.
- ``binary``: bodies that cannot be a page (images, PDFs, compressed bytes).
- ``charset``: the text of a page's bytes (``decode_html``).

What is re-exported here is the public API: import it from ``articles.fetching``. To monkeypatch a
name, patch it in the module that uses it (``articles.fetching.page._read_response``, say): a patch
here is not seen by the code of the submodules.
"""

from articles.addresses import IPAddress, is_allowed_address, refused_literal
from articles.fetching.binary import binary_kind
from articles.fetching.body import ACCEPT_ENCODING, DECODE_STEP, MAX_CONTENT_CODINGS
from articles.fetching.charset import decode_html, sniff_utf16
from articles.fetching.client import MAX_CLIENTS, REDIRECT_CODES, close_clients
from articles.fetching.errors import TOO_SLOW, FetchError, TooManyRedirects
from articles.fetching.guard import Resolver, checked_address, resolve
from articles.fetching.page import FEED_TYPES, HTML_TYPES, FetchResult, fetch
from articles.fetching.robots import ROBOTS_TIMEOUT, ROBOTS_TOTAL_TIMEOUT

__all__ = [
    "ACCEPT_ENCODING",
    "DECODE_STEP",
    "FEED_TYPES",
    "HTML_TYPES",
    "MAX_CLIENTS",
    "MAX_CONTENT_CODINGS",
    "REDIRECT_CODES",
    "ROBOTS_TIMEOUT",
    "ROBOTS_TOTAL_TIMEOUT",
    "TOO_SLOW",
    "FetchError",
    "FetchResult",
    "IPAddress",
    "Resolver",
    "TooManyRedirects",
    "binary_kind",
    "checked_address",
    "close_clients",
    "decode_html",
    "fetch",
    "is_allowed_address",
    "refused_literal",
    "resolve",
    "sniff_utf16",
]
