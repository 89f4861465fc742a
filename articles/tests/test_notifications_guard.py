"""The address guard over every connection a notification makes (the socket.connect audit hook): non-public
addresses refused without connecting, for every client and only while sending, and a notification to a
refused address failed at once, naming it."""

import socket
from typing import Any

import httpx
import pytest
import requests

from articles import tasks
from articles.models import Version
from articles.notifying import guard, sending
from articles.tests.notifications_support import Mailbox, delivery_of, rule_for
from articles.tests.support import Receiver

# --- the address guard ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [("10.0.0.1", 80), ("169.254.169.254", 80), ("192.168.1.1", 25), ("127.0.0.2", 8080),
     ("::ffff:10.0.0.1", 443, 0, 0), ("fe80::1%eth0", 80, 0, 2), ("::1", 80, 0, 0), ("0.0.0.0", 80),
     ("metadata.google.internal", 80)],
)  # fmt: skip
def test_the_guard_refuses_non_public_addresses_without_connecting(address: tuple[Any, ...]) -> None:
    assert guard.refusal(address, ["127.0.0.1/32"]) is not None
    with (
        guard.guarded(["127.0.0.1/32"]),
        socket.socket() as sock,
        pytest.raises(guard.RefusedAddress, match="refused"),
    ):
        guard._audit("socket.connect", (sock, address))  # what connect() would do first


def test_the_guard_allows_public_addresses_and_the_allowed_networks() -> None:
    for address in [("93.184.216.34", 443), ("2606:2800:220:1::", 443, 0, 0), ("127.0.0.1", 80)]:
        assert guard.refusal(address, ["127.0.0.1/32"]) is None


def test_the_guard_refuses_127_0_0_2_for_every_client_and_only_while_sending() -> None:
    target = Receiver("127.0.0.2")
    try:
        host, port = target.host, target.port
        with guard.guarded(["127.0.0.1/32"]) as watching:
            with pytest.raises(guard.RefusedAddress):
                socket.create_connection((host, port), timeout=2)
            with pytest.raises(httpx.ConnectError):
                httpx.post(target.url(), content=b"{}", timeout=2)
            with pytest.raises(requests.ConnectionError):
                requests.post(target.url(), data=b"{}", timeout=2)
        assert len(watching.refused) == 3
        assert target.received == []
        requests.post(target.url(), data=b"{}", timeout=2)  # outside a send the hook lets it be
        assert len(target.received) == 1
    finally:
        target.close()


@pytest.mark.django_db
def test_a_notification_to_a_refused_address_fails_at_once_naming_it(
    edited: Version, monkeypatch: pytest.MonkeyPatch, mailbox: tuple[Mailbox, int]
) -> None:
    """The rule's form refuses literal private addresses; this one got past it (a name that resolves
    there would): the guard refuses every connection at connect, Apprise's and the webhook's, before a
    packet goes out, and the delivery fails without retries."""
    target = Receiver("127.0.0.2")
    monkeypatch.setattr(sending, "_refused_up_front", lambda url, allowed: None)
    try:
        rule_for(
            targets=f"json://127.0.0.2:{target.port}/x\nmailto://127.0.0.2:{mailbox[1]}?from=a@example.org&to=b@example.org&mode=insecure",
            webhook_url=target.url("/hook"),
        )
        delivery = delivery_of(edited)
        assert tasks.send_delivery.apply(args=(delivery.pk,)).get() == "failed"
        delivery.refresh_from_db()
        assert delivery.attempts == 1
        errors = delivery.last_error.split("; ")
        assert [error.partition(":")[0] for error in errors] == ["json", "mailto", "webhook http"]
        for error in errors:
            assert "refused: 127.0.0.2 is a non-public address" in error
        assert target.received == []
        assert mailbox[0].envelopes == []
    finally:
        target.close()
