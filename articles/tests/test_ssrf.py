"""SSRF through the whole check: every non-public destination, reached by name, by redirect or by a chain
of redirects, is refused before a packet leaves, recorded as the article's error, and given up on.

Names are answered by a stub resolver, so nothing is ever sent to 10.x, 169.254.x and the like (the
conftest fails any connection outside 127.0.0.0/8); 127.0.0.2 is the second local site, kept out of the
allow-list (127.0.0.1/32) unless a test lists it.
"""

from functools import partial

import pytest
from django.utils import timezone

from articles import checking
from articles.checking import run_check
from articles.fetching import FetchError, fetch
from articles.models import Article
from articles.tests.support import LocalSite, RecordingResolver, article_html

pytestmark = pytest.mark.django_db

NON_PUBLIC = [
    "10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1",  # private
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254", "169.254.0.1",  # link-local, cloud metadata
    "127.0.0.53", "0.0.0.0", "0.1.2.3",  # loopback, "this network"
    "198.18.0.1", "192.0.0.8", "192.0.2.1",  # benchmarking, IPv4 dummy (Python 3.11.7: global), docs
    "224.0.0.1", "240.0.0.1", "255.255.255.255",  # multicast, reserved, broadcast
    "::1", "fe80::1", "fc00::1", "fd00:ec2::254", "::ffff:192.168.1.1", "64:ff9b::a9fe:a9fe", "2001:db8::1",
    "2001::a9fe:a9fe",  # Teredo, which carries an IPv4 address
]  # fmt: skip


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_a_name_resolving_to_any_non_public_address_is_refused(address: str) -> None:
    resolver = RecordingResolver({"inside.example": [address]})
    with pytest.raises(FetchError, match=r"^refused: inside\.example resolves to non-public") as caught:
        fetch("http://inside.example/story", resolver=resolver)
    assert caught.value.permanent
    assert resolver.asked == ["inside.example"]


def test_one_private_answer_among_public_ones_is_enough_to_refuse() -> None:
    """A name may answer several addresses; the connection could go to any, so all must be public."""
    resolver = RecordingResolver({"mixed.example": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(FetchError, match=r"non-public address 10\.0\.0\.7"):
        fetch("http://mixed.example/", resolver=resolver)


def test_a_chain_of_redirects_ending_inside_is_refused_at_the_last_hop(local_site: LocalSite) -> None:
    local_site.serve("/a", "", status=301, headers={"Location": "/b"})
    local_site.serve("/b", "", status=302, headers={"Location": local_site.url("/c")})
    local_site.serve("/c", "", status=307, headers={"Location": "http://intranet.example:8080/admin"})
    resolver = RecordingResolver({"intranet.example": ["192.168.0.10"]})
    with pytest.raises(FetchError, match=r"intranet\.example resolves to non-public address 192\.168\.0\.10"):
        fetch(local_site.url("/a"), resolver=resolver)
    assert [path for path, _ in local_site.requests if path != "/robots.txt"] == ["/a", "/b", "/c"]
    assert resolver.asked == ["intranet.example"]


def test_a_name_for_another_local_site_reaches_it_only_when_allow_listed(
    local_site: LocalSite, other_site: LocalSite
) -> None:
    other_site.serve("/story", article_html("Inside", ["Only for the allow-listed."]))
    resolver = RecordingResolver({"inside.example": ["127.0.0.2"]})
    url = f"http://inside.example:{other_site.port}/story"
    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.2"):
        fetch(url, resolver=resolver)
    assert other_site.requests == []

    page = fetch(url, resolver=resolver, allowed_networks=["127.0.0.2/32"])
    assert "Only for the allow-listed." in page.text
    assert other_site.requests[-1][1]["Host"] == f"inside.example:{other_site.port}"


@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/iam/", "http://metadata.google.internal/computeMetadata/v1/",
     "http://[::ffff:a9fe:a9fe]/", "http://0xA9.0xFE.0xA9.0xFE/", "http://2852039166/"],
)  # fmt: skip
def test_a_tracked_page_that_redirects_to_the_metadata_service_fails_with_its_reason(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch, location: str
) -> None:
    resolver = RecordingResolver({"metadata.google.internal": ["169.254.169.254"]})
    monkeypatch.setattr(checking, "fetch", partial(fetch, resolver=resolver))
    local_site.serve("/story", "", status=302, headers={"Location": location})
    article = Article.objects.create(url=local_site.url("/story"), next_check_at=timezone.now())

    first = run_check(article)
    article.refresh_from_db()
    assert first.kind == "error"
    assert article.last_error.startswith("refused: ")
    assert article.last_error.endswith(("non-public address 169.254.169.254", "address ::ffff:a9fe:a9fe"))
    assert article.status == Article.Status.ACTIVE
    assert article.next_check_at is not None
    assert article.next_check_at > timezone.now()  # backed off, not retried at once

    run_check(article)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILING  # a refusal is permanent: given up after two
    assert article.next_check_at is None
    assert article.version_count == 0
