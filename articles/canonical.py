"""Canonical form of an article URL, so that one article is tracked once whatever variant is pasted."""

import ipaddress
import re
import unicodedata
from urllib.parse import SplitResult, parse_qsl, quote, unquote_plus, urlencode, urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Campaign parameters: how a reader arrived (an ad, a newsletter, a post), not which article they read.
# Elsewhere they are called "tracking parameters"; here to track is what newsdiffs does to an article.
CAMPAIGN_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ocid", "cmpid", "smid", "smtyp"}
)
# A host name once IDNA-encoded: DNS labels (underscores too, which some CDN hosts have). IDNA maps some
# characters to ASCII ones no host name has (U+00AF to a space, U+FF1C to "<"): they are caught here.
HOST_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
MAX_HOST_LENGTH = 253
PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
# A query keeps its printable ASCII as typed; other characters are percent-encoded (UTF-8, as browsers do).
QUERY_SAFE = "".join(map(chr, range(0x21, 0x7F)))


class InvalidURL(ValueError):
    """The text cannot be tracked as an article URL; the message says why, for the person who typed it."""


def _is_campaign(piece: str) -> bool:
    """Whether a query parameter (``name=value`` as typed) is a campaign one; its name is compared decoded."""
    lowered = unquote_plus(piece.partition("=")[0]).lower()
    return lowered.startswith("utm_") or lowered in CAMPAIGN_PARAMETERS


def _is_space_or_control(ch: str) -> bool:
    # Unicode spaces and C1 controls too: a no-break space or U+0085 inside a URL is a copy-paste accident.
    return ch.isspace() or unicodedata.category(ch) == "Cc"


def _host(parts: SplitResult) -> str:
    """The host as stored: an IPv6 address in its one short spelling, or an IDNA-encoded lower-case name."""
    if parts.netloc.startswith("["):
        try:
            address = ipaddress.IPv6Address(parts.hostname or "")
        except ValueError:  # an "IPvFuture" literal, which urlsplit lets through
            raise InvalidURL("URL has an invalid host name.") from None
        if address.scope_id:  # a zone ("%eth0") names an interface of the reader's machine, not a site
            raise InvalidURL("URL has an invalid host name.")
        return f"[{address.compressed}]"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURL("URL has no host name.")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidURL("URL has an invalid host name.") from None
    if len(host) > MAX_HOST_LENGTH or not HOST_NAME.fullmatch(host):
        raise InvalidURL("URL has an invalid host name.")
    return host


def _query(query: str) -> str:
    """The query without campaign parameters, the others as typed: a server may read the raw query
    (``index.php?/news/7``, Latin-1 escapes like ``%E9``), so decoding and re-encoding it would name
    another page. Non-ASCII characters are percent-encoded, and escapes in upper case (the same bytes)."""
    kept = "&".join(piece for piece in query.split("&") if piece and not _is_campaign(piece))
    return PERCENT_ESCAPE.sub(lambda escape: escape.group().upper(), quote(kept, safe=QUERY_SAFE))


def canonical_url(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidURL("Enter a URL.")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL(f"URL is longer than {MAX_URL_LENGTH} characters.")
    if any(_is_space_or_control(ch) for ch in text):
        raise InvalidURL("URL contains spaces or control characters.")
    # Lone surrogates (a command-line argument that was not UTF-8) cannot be stored or sent as UTF-8.
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise InvalidURL("URL contains characters that are not valid text.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"Malformed URL: {exc}.") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise InvalidURL("URL must start with http:// or https://.")
    if scheme not in SCHEMES:
        raise InvalidURL(f"Unsupported scheme {scheme!r}: only http and https URLs can be tracked.")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL("URLs with a user name or password are not tracked.")
    host = _host(parts)
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    url = urlunsplit((scheme, netloc, parts.path or "/", _query(parts.query), ""))
    # Encoding the query and the host can lengthen the text: the limit holds for what is stored.
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"URL is longer than {MAX_URL_LENGTH} characters.")
    return url


MOBILE_PREFIXES = ("m.", "mobile.", "amp.")


def bare_host(host: str) -> str:
    """The site's host without ``www.`` or a mobile prefix: one name for all the hosts of one site.

    Prefixes go as long as one is left (``www.m.``), so that the bare name of a bare name is itself, but
    never down to a top-level domain (``mobile.de`` and ``amp.dev`` are sites of their own) or to an IP
    address (``www.10.0.0.1`` is a name, not that address)."""
    bare = host.lower()
    while True:
        for prefix in ("www.", *MOBILE_PREFIXES):
            rest = bare.removeprefix(prefix)
            if rest != bare and "." in rest and not _is_ip_address(rest):
                bare = rest
                break
        else:
            return bare


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def url_variants(raw: str) -> list[str]:
    """The addresses under which one article may have been tracked: http or https, with or without
    ``www.``, and the desktop host for a mobile one (``m.``, ``mobile.``, ``amp.``). Canonical form first.

    Each variant is itself canonical (the port a scheme implies is left out, none is over the length
    limit), since stored URLs are. The query is also tried as earlier versions stored it, decoded and
    re-encoded as a form."""
    url = canonical_url(raw)
    parts = urlsplit(url)
    port = parts.port
    host = parts.netloc.removesuffix(f":{port}") if port is not None else parts.netloc
    if host.startswith("[") or _is_ip_address(host):
        hosts = [host]  # "www." before an address is no address
    else:
        bare = bare_host(host)
        hosts = list(dict.fromkeys([host, bare, bare if bare.startswith("www.") else f"www.{bare}"]))
    queries = list(dict.fromkeys([parts.query, urlencode(parse_qsl(parts.query, keep_blank_values=True))]))
    variants = [url]
    for scheme in dict.fromkeys([parts.scheme, "https", "http"]):
        suffix = "" if port in (None, DEFAULT_PORTS[scheme]) else f":{port}"
        variants += [urlunsplit((scheme, h + suffix, parts.path, q, "")) for h in hosts for q in queries]
    return [variant for variant in dict.fromkeys(variants) if len(variant) <= MAX_URL_LENGTH]
