"""A rule's Apprise URLs: read from its text (one a line), checked, keyed, and shown without their secrets.

An Apprise URL carries its credentials (a Slack webhook's tokens, an SMTP password): it is stored as
written, since sending needs it, but pages, logs and errors show it only as Apprise's own privacy form
(``slack://T...2/A...D/T...Q/``), without its query."""

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import cast
from urllib.parse import unquote, urlsplit

import apprise


def split_targets(text: str) -> list[str]:
    """The Apprise URLs in ``text``: one a line, blank lines and ``#`` comments left out."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def target_problem(url: str) -> str | None:
    """Why Apprise cannot send to ``url`` (an unknown service, a URL it cannot read), or None."""
    if apprise.Apprise.instantiate(url) is None:
        scheme = url.partition("://")[0] if "://" in url else ""
        if scheme and scheme.lower() not in apprise.Apprise().details()["schemas"]:
            return f"{scheme}:// is not a service Apprise knows."
        return f"Apprise cannot read {shown(url)}: see its documentation for this service's URL."
    return None


def shown(url: str) -> str:
    """``url`` as pages and logs may show it: Apprise's privacy form without the query; for a URL Apprise
    cannot read, its scheme alone."""
    service = apprise.Apprise.instantiate(url)
    if service is None:
        scheme = url.partition("://")[0] if "://" in url else "?"
        return f"{scheme}://…"
    privacy_url = cast(Callable[..., str], service.url)  # untyped in Apprise
    return privacy_url(privacy=True).partition("?")[0]


def host(url: str) -> str:
    """The host ``url`` names (for judging an IP literal before sending), or ""."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def target_key(url: str) -> str:
    """A stable key for ``url`` that does not reveal it: a delivery records the targets already sent to,
    so that a retry sends only to the others."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


# Pieces of a URL that may be secret: the user and password, each path segment and query value. Shorter
# pieces are words an error message uses too ("hook", "POST"); tokens and passwords are longer.
_PIECES = re.compile(r"[/?&=:@#]")
_SECRET_LENGTH = 6


def scrub(text: str, urls: Iterable[str]) -> str:
    """``text`` (an error, a log line) with each secret-looking piece of ``urls`` replaced by "…": a
    library's message may quote the URL it was given."""
    for url in urls:
        if "://" not in url:
            continue
        text = text.replace(url, shown(url))
        host_name = host(url)
        pieces = {p for p in _PIECES.split(url.partition("://")[2]) if p != host_name}
        pieces |= {unquote(p) for p in pieces}
        for piece in sorted(pieces, key=len, reverse=True):
            if len(piece) >= _SECRET_LENGTH:
                text = text.replace(piece, "…")
    return text
