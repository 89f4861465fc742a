"""The address guard: what the fetcher refuses before a packet leaves, on the first hop and on redirects."""

import ipaddress

import pytest

from articles.fetching import FetchError, fetch, is_allowed_address
from articles.tests.support import LocalSite, RecordingResolver


def test_a_redirect_to_another_loopback_address_is_refused(
    local_site: LocalSite, other_site: LocalSite
) -> None:
    """127.0.0.1/32 is allowed (the conftest); 127.0.0.2, listening, gets nothing."""
    other_site.serve("/admin", "<p>internal</p>")
    local_site.serve(
        "/hop", "", status=302, headers={"Location": f"http://127.0.0.2:{other_site.port}/admin"}
    )
    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.2") as caught:
        fetch(local_site.url("/hop"))
    assert caught.value.permanent
    assert other_site.requests == []
    assert [path for path, _ in local_site.requests][-1] == "/hop"


def test_a_redirect_to_127_0_0_1_is_refused_when_only_127_0_0_2_is_allowed(
    local_site: LocalSite, other_site: LocalSite
) -> None:
    local_site.serve("/admin", "<p>internal</p>")
    other_site.serve(
        "/hop", "", status=301, headers={"Location": f"http://127.0.0.1:{local_site.port}/admin"}
    )
    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1"):
        fetch(f"http://127.0.0.2:{other_site.port}/hop", allowed_networks=["127.0.0.2/32"])
    assert local_site.requests == []
    assert [path for path, _ in other_site.requests] == ["/robots.txt", "/hop"]


@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/",
     "http://[::ffff:169.254.169.254]/", "http://2852039166/", "http://0251.0376.0251.0376/"],
)  # fmt: skip
def test_a_redirect_to_the_metadata_service_is_refused_before_connecting(
    local_site: LocalSite, location: str
) -> None:
    """Literal addresses are judged as they are: no resolver is asked, no connection tried (the conftest
    would fail any connect outside 127.0.0.0/8, so a refusal for any other reason would show here).
    httpx cannot read the octal spelling at all, which is a refusal too."""
    local_site.serve("/hop", "", status=302, headers={"Location": location})
    resolver = RecordingResolver({"127.0.0.1": ["127.0.0.1"]})
    with pytest.raises(FetchError, match=r"^refused: ") as caught:
        fetch(local_site.url("/hop"), resolver=resolver)
    assert caught.value.permanent
    assert resolver.asked == []


@pytest.mark.parametrize(
    ("url", "address"),
    [("http://2130706433/", "127.0.0.1"), ("http://0177.0.0.1/", "127.0.0.1"),
     ("http://0x7f.1/", "127.0.0.1"), ("http://127.1/", "127.0.0.1"), ("http://0/", "0.0.0.0"),
     ("http://017700000001/", "127.0.0.1"),
     ("http://0xa9fea9fe/", "169.254.169.254"), ("http://10.0.0.5/", "10.0.0.5")],
)  # fmt: skip
def test_other_spellings_of_an_ip_address_are_judged_as_that_address(url: str, address: str) -> None:
    resolver = RecordingResolver({})
    with pytest.raises(FetchError, match=rf"non-public address {address}$"):
        fetch(url, resolver=resolver, allowed_networks=[])
    assert resolver.asked == []


@pytest.mark.parametrize(
    "host",
    ["[::1]", "[::ffff:127.0.0.1]", "[fe80::]", "[fe80::1%25eth0]", "[fd00::]", "[fd00::1]", "[::]",
     "[::ffff:10.0.0.5]", "[ff02::1]"],
)  # fmt: skip
def test_ipv6_literals_that_are_not_public_are_refused(host: str) -> None:
    resolver = RecordingResolver({})
    with pytest.raises(FetchError, match="non-public address") as caught:
        fetch(f"http://{host}:8080/story", resolver=resolver, allowed_networks=[])
    assert caught.value.permanent
    assert resolver.asked == []


@pytest.mark.parametrize(
    "address", ["2002:a9fe:a9fe::1", "64:ff9b::a9fe:a9fe", "::a9fe:a9fe", "2002:7f00:1::"]
)
def test_ipv6_addresses_that_carry_a_private_ipv4_address_are_refused(address: str) -> None:
    """6to4, NAT64 and IPv4-compatible addresses count as global IPv6 but lead to the IPv4 inside."""
    assert ipaddress.ip_address(address).is_global
    with pytest.raises(FetchError, match="non-public address"):
        fetch(
            "http://news.example/",
            resolver=RecordingResolver({"news.example": [address]}),
            allowed_networks=[],
        )


def test_a_name_resolving_to_a_private_address_is_refused_without_a_connection() -> None:
    resolver = RecordingResolver({"intranet.example": ["10.0.0.5"]})
    with pytest.raises(
        FetchError, match=r"refused: intranet\.example resolves to non-public address 10\.0\.0\.5$"
    ):
        fetch("http://intranet.example/", resolver=resolver, allowed_networks=[])
    assert resolver.asked == ["intranet.example"]


def test_mapped_and_embedded_addresses_follow_the_allowed_networks() -> None:
    allowed = ["127.0.0.1/32"]
    assert is_allowed_address(ipaddress.ip_address("::ffff:127.0.0.1"), allowed)
    assert not is_allowed_address(ipaddress.ip_address("::ffff:127.0.0.2"), allowed)
    assert is_allowed_address(ipaddress.ip_address("::1"), ["::1/128"])
    assert is_allowed_address(ipaddress.ip_address("2002:5db8:d822::1"), [])  # 6to4 of 93.184.216.34
    assert not is_allowed_address(ipaddress.ip_address("2002:a9fe:a9fe::1"), [])


def test_an_allowed_address_spelled_as_a_number_reaches_the_site(local_site: LocalSite) -> None:
    """The pinned request goes to the judged address; the Host header keeps the spelling the URL had."""
    local_site.serve("/a", "<p>numeric</p>")
    result = fetch(f"http://2130706433:{local_site.port}/a", resolver=RecordingResolver({}))
    assert "numeric" in result.text
    assert local_site.requests[-1][1]["Host"] == f"2130706433:{local_site.port}"


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/a", "file:///etc/passwd", "gopher://127.0.0.1:70/", "http:///a"]
)
def test_other_schemes_and_hostless_urls_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="refused: cannot fetch") as caught:
        fetch(url)
    assert caught.value.permanent


def test_a_redirect_to_another_scheme_is_refused(local_site: LocalSite) -> None:
    local_site.serve("/hop", "", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError, match="refused: cannot fetch 'file:///etc/passwd'"):
        fetch(local_site.url("/hop"))


# IPv6 addresses that lead to 127.0.0.2 (the second local site, listening and not allow-listed) through a
# translation or tunnelling prefix. Python's ipaddress counts each of them as global.
TO_127_0_0_2 = {
    "64:ff9b:1::7f00:2": "local-use NAT64 (RFC 8215), not global at all",
    "64:ff9b:1:ab:cd:ef:7f00:2": "local-use NAT64, another /96 inside the /48",
    "::ffff:0:7f00:2": "IPv4-translated (SIIT, RFC 2765)",
    "64:ff9b::7f00:2": "well-known NAT64 prefix (RFC 6052)",
    "2002:7f00:2::1": "6to4",
    "2001:0:7f00:2::": "Teredo, 127.0.0.2 as the server",
    "2001::80ff:fffd": "Teredo, 127.0.0.2 as the (inverted) client",
    "::7f00:2": "IPv4-compatible",
}


@pytest.mark.parametrize("address", list(TO_127_0_0_2))
def test_a_name_resolving_to_an_ipv6_address_that_leads_to_127_0_0_2_is_refused(
    other_site: LocalSite, address: str
) -> None:
    """The stub resolver answers the name; the conftest would fail a connection to any of these (not in
    127.0.0.0/8), so only the guard's own refusal passes."""
    resolver = RecordingResolver({"inside.example": [address]})
    with pytest.raises(FetchError, match=r"^refused: inside\.example resolves to non-public") as caught:
        fetch(f"http://inside.example:{other_site.port}/admin", resolver=resolver)
    assert caught.value.permanent
    assert resolver.asked == ["inside.example"]
    assert other_site.requests == []


@pytest.mark.parametrize("address", list(TO_127_0_0_2))
def test_a_redirect_to_an_ipv6_literal_that_leads_to_127_0_0_2_is_refused_unresolved(
    local_site: LocalSite, other_site: LocalSite, address: str
) -> None:
    local_site.serve(
        "/hop", "", status=302, headers={"Location": f"http://[{address}]:{other_site.port}/admin"}
    )
    resolver = RecordingResolver({"127.0.0.1": ["127.0.0.1"]})
    with pytest.raises(FetchError, match=r"^refused: .* is non-public address ") as caught:
        fetch(local_site.url("/hop"), resolver=resolver)
    assert caught.value.permanent
    assert resolver.asked == []
    assert other_site.requests == []


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("64:ff9b::5db8:d822", True), ("::ffff:0:5db8:d822", True), ("2002:5db8:d822::1", True),
     ("64:ff9b::a00:5", False), ("::ffff:0:a00:5", False), ("::ffff:0:a9fe:a9fe", False),
     ("64:ff9b:1::5db8:d822", False), ("2001:0:5db8:d822::", False)],
)  # fmt: skip
def test_translated_addresses_are_judged_by_the_ipv4_address_they_lead_to(
    address: str, allowed: bool
) -> None:
    """93.184.216.34 (5db8:d822) is public, 10.0.0.5 and 169.254.169.254 are not. Local-use NAT64 is refused
    whatever it embeds (where the IPv4 address sits depends on the operator's prefix length), and so is
    Teredo, inside 2001::/23, which is not globally reachable."""
    assert is_allowed_address(ipaddress.ip_address(address), ["127.0.0.1/32"]) is allowed


@pytest.mark.parametrize("host", ["127.0.0.2.", "127.0.0.2..", "2130706434.", "0x7f.0.0.2."])
def test_a_redirect_to_a_loopback_address_with_a_trailing_dot_is_refused_unresolved(
    local_site: LocalSite, other_site: LocalSite, host: str
) -> None:
    """``127.0.0.2.`` is 127.0.0.2: judged as that address, not handed to a resolver (the system's would
    fail on it, which read as a transient error, retried for ever)."""
    other_site.serve("/admin", "<p>internal</p>")
    local_site.serve("/hop", "", status=302, headers={"Location": f"http://{host}:{other_site.port}/admin"})
    resolver = RecordingResolver({})
    with pytest.raises(
        FetchError, match=rf"^refused: {host}(\.)* is non-public address 127\.0\.0\.2$"
    ) as caught:
        fetch(local_site.url("/hop"), resolver=resolver)
    assert caught.value.permanent
    assert resolver.asked == []
    assert other_site.requests == []


def test_a_name_with_a_trailing_dot_is_resolved_and_judged_as_the_name(other_site: LocalSite) -> None:
    other_site.serve("/story", "<p>inside</p>")
    resolver = RecordingResolver({"inside.example": ["127.0.0.2"]})
    url = f"http://inside.example.:{other_site.port}/story"
    with pytest.raises(
        FetchError, match=r"^refused: inside\.example\. resolves to non-public address 127\.0\.0\.2$"
    ):
        fetch(url, resolver=resolver)
    assert resolver.asked == ["inside.example"]
    assert other_site.requests == []
    assert "inside" in fetch(url, resolver=resolver, allowed_networks=["127.0.0.2/32"]).text
