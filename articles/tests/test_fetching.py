import gzip
from collections.abc import Callable

import pytest
from pytest_django import Settings

from articles.fetching import FEED_TYPES, FetchError, fetch, is_allowed_address
from articles.tests.support import LocalSite

LOOPBACK = ["127.0.0.1/32"]


def stub_resolver(answers: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    """Judge addresses without sending a packet: the resolver answers from this table."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("Name or service not known")
        return answers[host]

    return resolve


def test_it_fetches_a_page(local_site: LocalSite) -> None:
    headers = {"Content-Type": "text/html", "ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"}
    url = local_site.serve("/a", "<html><body><p>Hello</p></body></html>", headers=headers)
    result = fetch(url, allowed_networks=LOOPBACK)
    assert result.status == 200
    assert "<p>Hello</p>" in result.text
    assert (result.etag, result.last_modified) == ('"v1"', "Tue, 01 Dec 2026 10:00:00 GMT")
    _, sent = local_site.requests[-1]
    assert sent["User-Agent"].startswith("newsdiffs/")
    assert sent["Host"] == f"127.0.0.1:{local_site.port}"


def test_the_user_agent_comes_from_settings(local_site: LocalSite, settings: Settings) -> None:
    settings.FETCH_USER_AGENT = "newsdiffs-test/9.9 (+https://example.org/bot)"
    url = local_site.serve("/a", "<p>x</p>")
    fetch(url, allowed_networks=LOOPBACK)
    assert [headers["User-Agent"] for _, headers in local_site.requests] == [settings.FETCH_USER_AGENT] * 2


def test_conditional_get_sends_validators_and_reads_304(local_site: LocalSite) -> None:
    url = local_site.serve("/a", "", status=304, headers={"ETag": '"v1"'})
    result = fetch(url, etag='"v1"', last_modified="Tue, 01 Dec 2026 10:00:00 GMT", allowed_networks=LOOPBACK)
    assert result.not_modified
    assert (result.status, result.body, result.etag) == (304, b"", '"v1"')
    _, headers = local_site.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 01 Dec 2026 10:00:00 GMT"


@pytest.mark.parametrize(("status", "transient"), [(404, False), (410, False), (400, False), (401, False),
                                                   (403, False), (451, False), (408, True), (425, True),
                                                   (429, True), (500, True), (502, True), (503, True),
                                                   (504, True)])  # fmt: skip
def test_http_errors_are_classified(local_site: LocalSite, status: int, transient: bool) -> None:
    url = local_site.serve("/e", "error", status=status)
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        fetch(url, allowed_networks=LOOPBACK)
    assert caught.value.status == status
    assert caught.value.transient is transient
    assert caught.value.permanent is not transient


def test_non_html_is_refused(local_site: LocalSite) -> None:
    url = local_site.serve("/img", b"\x89PNG....", headers={"Content-Type": "image/png"})
    with pytest.raises(FetchError, match=r"not an HTML page \(image/png\)"):
        fetch(url, allowed_networks=LOOPBACK)
    url = local_site.serve("/doc.pdf", b"%PDF-1.7", headers={"Content-Type": "application/pdf"})
    with pytest.raises(FetchError, match=r"^not an HTML page \(application/pdf\)$") as caught:
        fetch(url, allowed_networks=LOOPBACK)
    assert caught.value.permanent
    assert caught.value.status == 200


def test_feeds_are_fetched_with_feed_types(local_site: LocalSite) -> None:
    rss = '<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Caf\u00e9</title></channel></rss>'
    url = local_site.serve("/feed", rss, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
    with pytest.raises(FetchError, match=r"not an HTML page \(application/rss\+xml\)"):
        fetch(url, allowed_networks=LOOPBACK)
    result = fetch(url, allowed_networks=LOOPBACK, media_types=FEED_TYPES)
    assert "<title>Caf\u00e9</title>" in result.text
    assert result.content_type.startswith("application/rss+xml")
    _, sent = local_site.requests[-1]
    assert sent["Accept"].startswith("application/rss+xml,application/atom+xml;q=0.9")


@pytest.mark.parametrize("content_type", ["application/atom+xml", "application/xml", "text/xml", "text/html"])
def test_each_feed_type_is_accepted(local_site: LocalSite, content_type: str) -> None:
    url = local_site.serve("/feed", "<feed/>", headers={"Content-Type": content_type})
    assert fetch(url, allowed_networks=LOOPBACK, media_types=FEED_TYPES).body == b"<feed/>"


def test_a_feed_fetch_refuses_other_types(local_site: LocalSite) -> None:
    url = local_site.serve("/feed.json", "{}", headers={"Content-Type": "application/json"})
    with pytest.raises(FetchError, match=r"not an accepted content type \(application/json\)") as caught:
        fetch(url, allowed_networks=LOOPBACK, media_types=FEED_TYPES)
    assert caught.value.permanent


def test_body_size_is_capped_after_decompression(local_site: LocalSite) -> None:
    bomb = gzip.compress(b"<p>" + b"a" * 2_000_000)
    url = local_site.serve("/bomb", bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    assert len(bomb) < 10_000
    with pytest.raises(FetchError, match="larger than 100000 bytes") as caught:
        fetch(url, allowed_networks=LOOPBACK, max_bytes=100_000)
    assert caught.value.permanent


def test_redirects_are_followed_and_recorded(local_site: LocalSite) -> None:
    local_site.serve("/old", "", status=301, headers={"Location": "/new"})
    local_site.serve("/new", "<p>moved</p>")
    result = fetch(local_site.url("/old"), allowed_networks=LOOPBACK)
    assert result.url == local_site.url("/new")
    assert "moved" in result.text


def test_a_chain_of_redirects_is_followed_to_its_end(local_site: LocalSite) -> None:
    for hop in range(5):
        local_site.serve(
            f"/r{hop}", "", status=(301, 302, 303, 307, 308)[hop], headers={"Location": f"/r{hop + 1}"}
        )
    local_site.serve("/r5", "<p>arrived</p>")
    result = fetch(local_site.url("/r0"), allowed_networks=LOOPBACK)
    assert result.url == local_site.url("/r5")
    assert "arrived" in result.text


def test_redirect_loops_stop(local_site: LocalSite) -> None:
    local_site.serve("/loop", "", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="more than 5 redirects") as caught:
        fetch(local_site.url("/loop"), allowed_networks=LOOPBACK)
    assert caught.value.permanent
    assert [path for path, _ in local_site.requests].count("/loop") == 6


def test_more_than_five_redirects_are_refused(local_site: LocalSite) -> None:
    for hop in range(6):
        local_site.serve(f"/r{hop}", "", status=302, headers={"Location": f"/r{hop + 1}"})
    local_site.serve("/r6", "<p>too far</p>")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(local_site.url("/r0"), allowed_networks=LOOPBACK)
    assert "/r6" not in [path for path, _ in local_site.requests]


def test_charset_comes_from_header_then_meta(local_site: LocalSite) -> None:
    text = "<html><head><meta charset='iso-8859-1'></head><body><p>Caf\u00e9 cr\u00e8me</p></body></html>"
    url = local_site.serve("/latin", text.encode("iso-8859-1"), headers={"Content-Type": "text/html"})
    assert "Café crème" in fetch(url, allowed_networks=LOOPBACK).text
    url = local_site.serve("/cp", "<p>\u201cquote\u201d</p>".encode("cp1252"),
                           headers={"Content-Type": "text/html; charset=windows-1252"})  # fmt: skip
    assert "\u201cquote\u201d" in fetch(url, allowed_networks=LOOPBACK).text


def test_loopback_is_refused_unless_allowed(local_site: LocalSite) -> None:
    url = local_site.serve("/a", "<p>x</p>")
    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1") as caught:
        fetch(url, allowed_networks=[])
    assert not caught.value.transient
    assert local_site.requests == []


def test_a_redirect_to_a_private_address_is_refused(local_site: LocalSite) -> None:
    local_site.serve(
        "/hop", "", status=302, headers={"Location": "http://metadata.internal/latest/meta-data/"}
    )
    resolver = stub_resolver({"127.0.0.1": ["127.0.0.1"], "metadata.internal": ["169.254.169.254"]})
    with pytest.raises(FetchError, match=r"169\.254\.169\.254"):
        fetch(local_site.url("/hop"), allowed_networks=LOOPBACK, resolver=resolver)


@pytest.mark.parametrize(
    "address",
    ["10.0.0.5", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
     "127.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "224.0.0.1"],
)  # fmt: skip
def test_names_resolving_to_private_addresses_are_refused(address: str) -> None:
    resolver = stub_resolver({"news.example": [address]})
    with pytest.raises(FetchError, match="non-public address"):
        fetch("http://news.example/story", resolver=resolver, allowed_networks=[])


def test_one_private_answer_among_public_ones_is_refused() -> None:
    resolver = stub_resolver({"news.example": ["93.184.216.34", "10.0.0.5"]})
    with pytest.raises(FetchError, match=r"10\.0\.0\.5"):
        fetch("http://news.example/story", resolver=resolver, allowed_networks=[])


def test_public_addresses_are_allowed() -> None:
    import ipaddress

    assert is_allowed_address(ipaddress.ip_address("93.184.216.34"), [])
    assert is_allowed_address(ipaddress.ip_address("2606:4700::1"), [])
    assert is_allowed_address(ipaddress.ip_address("10.0.0.1"), ["10.0.0.0/8"])


def test_unresolvable_names_are_transient_errors() -> None:
    with pytest.raises(FetchError, match="cannot resolve") as caught:
        fetch("http://nowhere.example/", resolver=stub_resolver({}), allowed_networks=[])
    assert caught.value.transient


def test_connection_refused_is_a_transient_error() -> None:
    from bench.processes import free_port

    with pytest.raises(FetchError, match="connection failed") as caught:
        fetch(f"http://127.0.0.1:{free_port()}/", allowed_networks=LOOPBACK, robots=False)
    assert caught.value.transient
