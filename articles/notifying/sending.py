"""Sending one notification to a rule's targets: each Apprise URL on its own (so that a retry goes only
to those that failed) and the webhook, all inside the address guard, each bounded in time.

Nothing here knows of deliveries or their states: it sends a ``Message`` and says what reached whom
(``Outcome``); the models record it and the task decides on retries."""

import contextlib
import logging
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import apprise
import httpx
from django.conf import settings

from articles.addresses import refused_literal
from articles.notifying import signing, targets
from articles.notifying.guard import Guard, guarded, outbound_client

logger = logging.getLogger(__name__)
WEBHOOK = "webhook"
# Apprise's debug lines that say why a send failed (the warnings only say that it did).
_REASONS = ("Exception:", "Response Details")
MAX_ERROR = 2000


@dataclass(frozen=True)
class Message:
    """What is sent: a title and body for Apprise's services, the JSON bytes (signed) for the webhook,
    and optionally a PNG to attach where the service takes attachments."""

    title: str
    body: str
    payload: bytes
    event: str
    delivery: str  # the Newsdiffs-Delivery header: the same on every attempt, for receivers to de-duplicate
    image: bytes | None = None


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str


@dataclass
class Outcome:
    """Which targets (by ``targets.target_key``, or WEBHOOK) got the message, and why the others did not.
    ``permanent``: every failure was one no retry can mend (an address the guard refuses)."""

    sent: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    permanent_only: bool = True
    seconds: float = 0.0
    # Told of each target as soon as it has the message (a delivery records it at once, so that a worker
    # that dies before the others are done has those it reached on record).
    on_sent: Callable[[str], None] | None = None

    def reached(self, key: str) -> None:
        self.sent.append(key)
        if self.on_sent is not None:
            self.on_sent(key)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def permanent(self) -> bool:
        return bool(self.errors) and self.permanent_only

    def failed(self, what: str, reason: str, permanent: bool) -> None:
        self.errors.append(f"{what}: {reason}"[:MAX_ERROR])
        self.permanent_only = self.permanent_only and permanent


def send(
    message: Message,
    urls: Sequence[str],
    webhook: Webhook | None,
    allowed: Sequence[str] | None = None,
    on_sent: Callable[[str], None] | None = None,
) -> Outcome:
    """Send ``message`` to each of ``urls`` (Apprise) and to ``webhook``; never raises for a failed send."""
    allowed = settings.FETCH_ALLOWED_NETWORKS if allowed is None else allowed
    outcome = Outcome(on_sent=on_sent)
    started = time.monotonic()
    with _image_file(message.image) as image:
        for url in urls:
            _send_apprise(message, url, image, allowed, outcome)
    if webhook is not None:
        _send_webhook(message, webhook, allowed, outcome)
    outcome.seconds = time.monotonic() - started
    return outcome


@contextlib.contextmanager
def _image_file(image: bytes | None) -> Iterator[str | None]:
    """Apprise attaches files by path: the card, written to a temporary file for the sends."""
    if image is None:
        yield None
        return
    with tempfile.NamedTemporaryFile(prefix="newsdiffs-card-", suffix=".png") as file:
        file.write(image)
        file.flush()
        yield file.name


def _asset() -> apprise.AppriseAsset:
    # In memory: Apprise's persistent store would otherwise write under the worker's home directory.
    return apprise.AppriseAsset(
        app_id="newsdiffs", app_desc="newsdiffs", app_url=settings.SITE_URL, storage_mode="memory"
    )


def _refused_up_front(url: str, allowed: Sequence[str]) -> str | None:
    """An IP literal the guard would refuse, judged before any library is involved (the guard refuses it
    again at connect; this names the reason plainly)."""
    host = targets.host(url)
    address = refused_literal(host, allowed) if host else None
    return None if address is None else f"refused: {host} is a non-public address"


def _send_apprise(
    message: Message, url: str, image: str | None, allowed: Sequence[str], outcome: Outcome
) -> None:
    key, what = targets.target_key(url), targets.shown(url)
    if (reason := _refused_up_front(url, allowed)) is not None:
        outcome.failed(what, reason, permanent=True)
        return
    notifier = apprise.Apprise(asset=_asset())
    if not notifier.add(url):
        outcome.failed(what, targets.target_problem(url) or "Apprise cannot read this URL", permanent=True)
        return
    attach = apprise.AppriseAttachment(image) if image else None
    with guarded(allowed) as guard:
        result = notifier.notify(
            title=message.title,
            body=message.body,
            body_format=apprise.NotifyFormat.TEXT,
            attach=attach,
            timeout=settings.NOTIFY_TIMEOUT,
            log_level=logging.DEBUG,
        )
    if result:
        outcome.reached(key)
        return
    lines = [
        entry.message
        for entry in result.logs()
        if entry.level in ("WARNING", "ERROR", "CRITICAL") or any(r in entry.message for r in _REASONS)
    ]
    reason = targets.scrub(" ".join(lines) or f"Apprise reported {result.status.name}", [url])
    outcome.failed(what, _with_refusals(reason, guard), permanent=bool(guard.refused))


def _with_refusals(reason: str, guard: Guard) -> str:
    refusals = [r for r in dict.fromkeys(guard.refused) if r not in reason]
    return " ".join([*refusals, reason])


def _send_webhook(message: Message, webhook: Webhook, allowed: Sequence[str], outcome: Outcome) -> None:
    """POST the signed JSON; 2xx is delivered. No redirect is followed (a receiver that moved must be
    reconfigured, not trusted to point anywhere), no proxy from the environment is used, every
    connection passes the guard."""
    what = f"webhook {webhook_shown(webhook.url)}"
    if (reason := _refused_up_front(webhook.url, allowed)) is not None:
        outcome.failed(what, reason, permanent=True)
        return
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.FETCH_USER_AGENT,
        signing.SIGNATURE_HEADER: signing.signature_header(webhook.secret, timestamp, message.payload),
        signing.DELIVERY_HEADER: message.delivery,
        signing.EVENT_HEADER: message.event,
    }
    with guarded(allowed) as guard:
        try:
            with outbound_client(settings.NOTIFY_TIMEOUT, connect=5.0) as client:
                response = client.post(webhook.url, content=message.payload, headers=headers)
        except httpx.HTTPError as exc:
            reason = targets.scrub(f"{type(exc).__name__}: {exc}", [webhook.url])
            outcome.failed(what, _with_refusals(reason, guard), permanent=bool(guard.refused))
            return
    if response.is_success:
        outcome.reached(WEBHOOK)
    else:
        moved = " (redirects are not followed)" if response.is_redirect else ""
        outcome.failed(what, f"HTTP {response.status_code}{moved}", permanent=False)


def webhook_shown(url: str) -> str:
    """A webhook URL without what may be secret in it: user, password, query (a token is often there)."""
    try:
        parts = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "(an invalid URL)"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.host}{port}{parts.path}"
