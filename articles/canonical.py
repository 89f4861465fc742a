"""Canonical form of an article URL, so that one article is tracked once whatever variant is pasted."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Parameters that say how a reader arrived, not which article they read.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ocid", "cmpid", "smid", "smtyp"}
)


class InvalidURL(ValueError):
    """The text cannot be tracked as an article URL; the message says why, for the person who typed it."""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMETERS


def canonical_url(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidURL("Enter a URL.")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURL(f"URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text):
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
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURL("URL has no host name.")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidURL("URL has an invalid host name.") from None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    url = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    # Encoding the query and the host can lengthen the text: the limit holds for what is stored.
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"URL is longer than {MAX_URL_LENGTH} characters.")
    return url


MOBILE_PREFIXES = ("m.", "mobile.", "amp.")


def bare_host(host: str) -> str:
    """The site's host without ``www.`` or a mobile prefix: one name for all the hosts of one site."""
    bare = host.lower().removeprefix("www.")
    for prefix in MOBILE_PREFIXES:
        bare = bare.removeprefix(prefix)
    return bare


def url_variants(raw: str) -> list[str]:
    """The addresses under which one article may have been tracked: http or https, with or without
    ``www.``, and the desktop host for a mobile one (``m.``, ``mobile.``, ``amp.``). Canonical form first."""
    url = canonical_url(raw)
    parts = urlsplit(url)
    host, _, port = parts.netloc.partition(":")
    bare = bare_host(host)
    hosts = dict.fromkeys([host, bare, f"www.{bare}"])
    netlocs = [f"{h}:{port}" if port else h for h in hosts]
    schemes = dict.fromkeys([parts.scheme, "https", "http"])
    return list(
        dict.fromkeys(urlunsplit((s, n, parts.path, parts.query, "")) for s in schemes for n in netlocs)
    )
