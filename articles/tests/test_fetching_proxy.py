"""Proxies from HTTP_PROXY / NO_PROXY: requests go through them, the guard still judges the targets."""

import http.client
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, urlunsplit

import pytest

from articles.fetching import FetchError, fetch
from articles.tests.support import LocalSite

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "content-length", "te"}


class ForwardProxy:
    """A forward proxy on 127.0.0.1: takes absolute-form requests (``GET http://host:port/path``), relays
    those for 127.0.0.0/8 and answers any other host itself, so no test packet leaves loopback."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy.requests.append(self.path)
                target = urlsplit(self.path)
                if not (target.hostname or "").startswith("127."):
                    self._answer(200, [("Content-Type", "text/html")], b"<p>from the proxy</p>")
                    return
                upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=5)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(
                    "GET", urlunsplit(("", "", target.path or "/", target.query, "")), headers=headers
                )
                response = upstream.getresponse()
                body = response.read()
                upstream.close()
                self._answer(response.status, response.getheaders(), body)

            def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ForwardProxy]:
    forward = ForwardProxy()
    forward.thread.start()
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        "NO_PROXY",
        "ALL_PROXY",
        "REQUEST_METHOD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", forward.url)
    yield forward
    forward.server.shutdown()
    forward.server.server_close()


def resolver(answers: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("Name or service not known")
        return answers[host]

    return resolve


def test_requests_go_through_the_proxy(proxy: ForwardProxy, local_site: LocalSite) -> None:
    url = local_site.serve("/a", "<p>via proxy</p>")
    result = fetch(url)
    assert "via proxy" in result.text
    assert result.url == url
    assert proxy.requests == [local_site.url("/robots.txt"), url]
    assert [path for path, _ in local_site.requests] == ["/robots.txt", "/a"]
    assert local_site.requests[-1][1]["User-Agent"].startswith("newsdiffs/")


def test_redirects_through_the_proxy_are_followed_and_guarded(
    proxy: ForwardProxy, local_site: LocalSite
) -> None:
    local_site.serve("/old", "", status=301, headers={"Location": "/new"})
    local_site.serve("/new", "<p>moved</p>")
    assert fetch(local_site.url("/old"), robots=False).url == local_site.url("/new")
    local_site.serve("/hop", "", status=302, headers={"Location": "http://127.0.0.2:8080/admin"})
    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.2"):
        fetch(local_site.url("/hop"), robots=False)
    assert proxy.requests == [local_site.url(p) for p in ("/old", "/new", "/hop")]


def test_no_proxy_sends_the_request_directly(
    proxy: ForwardProxy, local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "example.org,127.0.0.1")
    url = local_site.serve("/a", "<p>direct</p>")
    assert "direct" in fetch(url).text
    assert proxy.requests == []
    assert [path for path, _ in local_site.requests] == ["/robots.txt", "/a"]


def test_a_target_resolving_to_the_metadata_address_is_refused_despite_the_proxy(proxy: ForwardProxy) -> None:
    with pytest.raises(FetchError, match=r"non-public address 169\.254\.169\.254") as caught:
        fetch("http://metadata.example/latest/", resolver=resolver({"metadata.example": ["169.254.169.254"]}))
    assert caught.value.permanent
    with pytest.raises(FetchError, match=r"non-public address 169\.254\.169\.254"):
        fetch("http://169.254.169.254/latest/")
    assert proxy.requests == []


def test_the_proxy_gets_the_name_and_its_own_address_is_not_judged(proxy: ForwardProxy) -> None:
    """The target is public by our resolver; the proxy on 127.0.0.1 is used though loopback is not allowed,
    and it receives the URL with the host name (it resolves the name itself)."""
    result = fetch(
        "http://news.example/story?id=1",
        resolver=resolver({"news.example": ["93.184.216.34"]}),
        allowed_networks=[],
        robots=False,
    )
    assert "from the proxy" in result.text
    assert proxy.requests == ["http://news.example/story?id=1"]


def test_a_proxy_for_https_only_leaves_http_direct(
    proxy: ForwardProxy, local_site: LocalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    url = local_site.serve("/a", "<p>direct</p>")
    assert "direct" in fetch(url).text
    assert proxy.requests == []


def test_a_proxy_that_is_down_is_a_transient_error(
    monkeypatch: pytest.MonkeyPatch, local_site: LocalSite
) -> None:
    from bench.processes import free_port

    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{free_port()}")  # no scheme, as curl accepts
    with pytest.raises(FetchError, match="connection failed") as caught:
        fetch(local_site.url("/a"), robots=False)
    assert caught.value.transient
    assert local_site.requests == []
