"""Webhook signatures: HMAC-SHA256 of ``"<unix seconds>.<body>"`` under the rule's secret, sent as
``Newsdiffs-Signature: t=<unix seconds>,v1=<hex>``. The timestamp is signed with the body so that a
captured request cannot be replayed later with a fresh one; receivers reject old timestamps (README)."""

import hashlib
import hmac

SIGNATURE_HEADER = "Newsdiffs-Signature"
DELIVERY_HEADER = "Newsdiffs-Delivery"
EVENT_HEADER = "Newsdiffs-Event"
# How old a signed timestamp a receiver should still accept (the README's snippet, verify below).
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp`` and ``body`` under ``secret``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does (the README shows the same in a few lines): the header parses, its timestamp is
    at most ``tolerance`` seconds old (or ahead), and one of its v1 signatures matches, compared in
    constant time."""
    parts = [part.partition("=") for part in header.split(",")]
    timestamps = [value for key, _, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, _, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not signatures:
        return False
    timestamp = int(timestamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
