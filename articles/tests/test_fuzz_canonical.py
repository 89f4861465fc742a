"""Property-based fuzzing of the URL canonicaliser: whatever is pasted, the answer is a canonical URL or
InvalidURL, and the canonical URL names the same resource as what was pasted.

CI runs a small fixed set of examples (derandomized, no example database); ``FUZZ_EXAMPLES=20000 make fuzz``
runs a long random search.
"""

import ipaddress
import re
import unicodedata
from urllib.parse import parse_qsl, unquote_plus, unquote_to_bytes, urlsplit

from hypothesis import HealthCheck, assume, example, given
from hypothesis import strategies as st

from articles.canonical import (
    CAMPAIGN_PARAMETERS,
    DEFAULT_PORTS,
    MAX_URL_LENGTH,
    MOBILE_PREFIXES,
    InvalidURL,
    bare_host,
    canonical_url,
    url_variants,
)
from articles.tests.support import fuzz_settings

FUZZ = fuzz_settings(
    200,
    deadline=1000,
    suppress_health_check=[HealthCheck.too_slow],
)

ANY_CHARACTER = st.characters(exclude_categories=())  # lone surrogates included: JSON can carry them
PRINTABLE = st.characters(exclude_categories=("C", "Z"))
CAMPAIGN = [*sorted(CAMPAIGN_PARAMETERS), "utm_source", "UTM_Medium", "utm_", "Fbclid", "utm%5Fcampaign"]


def _label(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=12)


ASCII_LABEL = _label(st.sampled_from("abcXYZ019-_"))
UNICODE_LABEL = _label(st.characters(categories=["L", "M", "N"]))
HOST_NAME = st.builds(
    lambda prefix, labels, dot: prefix + ".".join(labels) + dot,
    st.sampled_from(["", "www.", "WWW.", *MOBILE_PREFIXES, "www.m.", "amp.m."]),
    st.lists(st.one_of(ASCII_LABEL, UNICODE_LABEL), min_size=1, max_size=4),
    st.sampled_from(["", ".", ".."]),
)
HOST = st.one_of(
    HOST_NAME,
    st.ip_addresses(v=4).map(str),
    st.lists(st.integers(0, 300).map(str), min_size=1, max_size=5).map(".".join),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.ip_addresses(v=6).map(lambda a: f"[{a.exploded.upper()}]"),
    st.sampled_from(
        ["", "localhost", "[v1.fe]", "[::1", "::1]", "[1.2.3.4]", "[fe80::1%25eth0]", "ex%41mple.com"]
    ),
    st.text(PRINTABLE, max_size=12),
    st.text(ANY_CHARACTER, max_size=12),
)
PORT = st.one_of(
    st.just(""),
    st.integers(-1, 70_000).map(lambda p: f":{p}"),
    st.sampled_from([":", ":80", ":443", ":0080", ":+80", ":8_0", ":\uff18\uff10", ": 80"]),
)
PATH_SEGMENT = st.one_of(
    st.sampled_from(
        ["", ".", "..", "%2e", "%2E%2e", "a", "news", "%41", "%zz", "%", "%C3%A9", "é", "a b", ";p=1"]
    ),
    st.text(PRINTABLE, max_size=8),
    st.text(ANY_CHARACTER, max_size=8),
)
PATH = st.lists(PATH_SEGMENT, max_size=6).map(lambda segments: "".join("/" + s for s in segments))
QUERY_NAME = st.one_of(
    st.sampled_from(["id", "q", "a", "", "/news/7", "p%20q", "é", *CAMPAIGN]), st.text(PRINTABLE, max_size=6)
)
QUERY_VALUE = st.one_of(
    st.sampled_from(
        ["", "1", "a+b", "a%20b", "%ff", "%e9", "%zz", "%", "b=c", "/x/y", "é", "%C3%A9", "%c3%a9"]
    ),
    st.text(PRINTABLE, max_size=6),
    st.text(ANY_CHARACTER, max_size=6),
)
QUERY_PIECE = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", QUERY_NAME, QUERY_VALUE), QUERY_NAME, st.just("/index.php/story")
)
QUERY = st.one_of(
    st.just(""),
    st.builds(
        lambda pieces, sep: "?" + sep.join(pieces), st.lists(QUERY_PIECE, max_size=5), st.sampled_from("&;")
    ),
)
FRAGMENT = st.one_of(st.just(""), st.text(PRINTABLE, max_size=8).map(lambda f: "#" + f))


@st.composite
def url_like(draw: st.DrawFn) -> str:
    """Mostly http(s) URLs, each part sometimes hostile, so that most examples get past the first checks."""

    def part(usual: st.SearchStrategy[str], hostile: st.SearchStrategy[str]) -> str:
        return draw(hostile if draw(st.sampled_from(range(8))) == 7 else usual)

    space = part(st.just(""), st.sampled_from([" ", "\t\n", "\u00a0", "\u3000"]))
    scheme = part(
        st.sampled_from(["http", "https", "HTTP", "hTtPs"]),
        st.sampled_from(["ftp", "javascript", "data", "file", "h ttp", ""]),
    )
    separator = part(st.just("://"), st.sampled_from([":", ":/", ":///", "//", ""]))
    userinfo = part(st.just(""), st.sampled_from(["user@", "user:pass@", ":@", "@"]))
    # Long URLs, around the limit, some of characters that percent-encoding makes longer.
    padding = part(
        st.just(""), st.sampled_from(["/" + "a" * 2000, "?q=" + "é" * 700, "/" + "a" * MAX_URL_LENGTH])
    )
    trail = part(st.just(""), st.sampled_from([" ", "\n", "\u2028"]))
    rest = "".join(draw(strategy) for strategy in (HOST, PORT, PATH, QUERY, FRAGMENT))
    return f"{space}{scheme}{separator}{userinfo}{rest}{padding}{trail}"


URL_LIKE = url_like()


# URLs that should be valid, for the equivalences: ASCII host names, real ports, plain paths and queries.
VALID_URL = st.builds(
    lambda scheme, prefix, labels, port, path, query: (
        f"{scheme}://{prefix}{'.'.join(labels)}{port}{path}{query}"
    ),
    st.sampled_from(["http", "https"]),
    st.sampled_from(["", "www.", "m.", "mobile.", "amp."]),
    st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True), min_size=2, max_size=4),
    st.one_of(st.just(""), st.integers(1, 65_535).map(lambda p: f":{p}")),
    st.lists(st.sampled_from(["a", "news", "2024", "story-1", "%C3%A9", "é", "x.html"]), max_size=4).map(
        lambda segments: "".join("/" + s for s in segments)
    ),
    st.one_of(
        st.just(""),
        st.lists(st.sampled_from(["id=7", "page=2", "q=a+b", "x=%2F", "flag"]), min_size=1, max_size=3).map(
            lambda pieces: "?" + "&".join(pieces)
        ),
    ),
)


def _is_campaign(piece: str) -> bool:
    name = unquote_plus(piece.partition("=")[0]).lower()
    return name.startswith("utm_") or name in CAMPAIGN_PARAMETERS


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _query_bytes(query: str) -> list[bytes]:
    """The query's parameters as the server will read them: what matters, not how it is spelled."""
    return [unquote_to_bytes(piece) for piece in query.split("&") if piece]


def _canonical_or_invalid(raw: str) -> str | None:
    """Any exception but InvalidURL fails the test (an error page instead of a form message)."""
    try:
        return canonical_url(raw)
    except InvalidURL as exc:
        message = str(exc)
    assert message  # it is shown to the person who typed the URL
    return None


def _check_canonical(url: str) -> None:
    assert url.startswith(("http://", "https://"))
    assert len(url) <= MAX_URL_LENGTH
    assert "#" not in url
    assert not any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cs") for ch in url), url
    parts = urlsplit(url)
    assert parts.username is None
    assert parts.password is None
    assert parts.hostname
    assert parts.path.startswith("/")
    if ":" in parts.hostname:
        assert str(ipaddress.IPv6Address(parts.hostname)) == parts.hostname
    else:
        assert re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*", parts.hostname), url
    assert parts.port != DEFAULT_PORTS[parts.scheme]
    assert not any(_is_campaign(piece) for piece in parts.query.split("&"))
    assert canonical_url(url) == url


def _check_variants(raw: str, url: str) -> None:
    variants = url_variants(raw)
    assert variants[0] == url
    assert len(variants) == len(set(variants))
    assert url_variants(url) == variants
    parts = urlsplit(url)
    for variant in variants:
        # A variant is looked up among stored URLs, which are canonical: a non-canonical one matches nothing.
        assert canonical_url(variant) == variant
        other = urlsplit(variant)
        assert other.path == parts.path
        # The query as typed, or as earlier versions stored it: the same parameters for a form.
        assert parse_qsl(other.query, keep_blank_values=True) == parse_qsl(
            parts.query, keep_blank_values=True
        )
        assert other.port in (parts.port, None, DEFAULT_PORTS[parts.scheme])
    swapped = ("https" if parts.scheme == "http" else "http") + url[len(parts.scheme) :]
    if len(swapped) <= MAX_URL_LENGTH:  # "https" is one character longer
        assert canonical_url(swapped) in variants


@FUZZ
@given(st.text(ANY_CHARACTER, max_size=300))
@example("http://exa mple.com/")
def test_any_text_is_a_canonical_url_or_invalid(raw: str) -> None:
    if (url := _canonical_or_invalid(raw)) is not None:
        _check_canonical(url)
        _check_variants(raw, url)


@FUZZ
@given(st.text(ANY_CHARACTER, max_size=300).map(lambda rest: "http://" + rest))
@example("http://¯")  # IDNA maps U+00AF to " \u0304": the host was "xn-- -3bb", with a space
@example("http://;")  # no host name has a ";"
@example("http://0.0.0.0/\x80")  # a C1 control character
@example("http://example.com/a\u00a0b")  # a no-break space
def test_any_text_after_a_scheme_is_a_canonical_url_or_invalid(raw: str) -> None:
    if (url := _canonical_or_invalid(raw)) is not None:
        _check_canonical(url)
        _check_variants(raw, url)


@FUZZ
@given(URL_LIKE)
@example("http://[0000:0000:0000:0000:0000:0000:0000:0000]")  # was not "[::]", the short spelling
@example("http://[::]")  # had the variant "http://www.[::]/"
@example("http://[v1.fe]/")  # lost its brackets: became the host name "v1.fe"
@example("http://example.com:443/story")  # had the non-canonical variant "https://example.com:443/story"
@example("http://example.com/" + "a" * 2029)  # 2,048 characters: its https variant (2,049) was too long
@example("https://example.com/?q=" + "é" * 700)  # was canonical at 4,223 characters, over the limit
def test_url_like_text_is_a_canonical_url_or_invalid(raw: str) -> None:
    if (url := _canonical_or_invalid(raw)) is not None:
        _check_canonical(url)
        _check_variants(raw, url)


@FUZZ
@given(URL_LIKE)
@example("https://example.com/index.php?/news/7")  # was "index.php?%2Fnews%2F7=", another page
@example(
    "https://example.com/search?q=%E9t%E9"
)  # Latin-1 escapes were replaced by U+FFFD: "q=%EF%BF%BDt%EF%BF%BD")
@example("https://example.com/?q=a%20b&print")  # became "q=a+b&print="
def test_the_canonical_url_names_the_same_resource(raw: str) -> None:
    """Only the scheme's and host's case, a default port, the fragment and campaign parameters may go: the
    path and the other parameters reach the server as they were typed."""
    if (url := _canonical_or_invalid(raw)) is None:
        return
    typed, canonical = urlsplit(raw.strip()), urlsplit(url)
    assert canonical.scheme == typed.scheme.lower()
    assert canonical.port == (None if typed.port == DEFAULT_PORTS[canonical.scheme] else typed.port)
    assert canonical.path == (typed.path or "/")
    kept = [piece for piece in typed.query.split("&") if piece and not _is_campaign(piece)]
    assert _query_bytes(canonical.query) == _query_bytes("&".join(kept))


@FUZZ
@given(
    VALID_URL,
    st.sampled_from(["", " ", "\n\t"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["", "#", "#top", "#a?b=c"]),
    st.lists(st.sampled_from(["utm_source=x", "fbclid=1", "UTM_Medium=y%20z", "gclid="]), max_size=3),
)
def test_what_does_not_name_the_article_is_dropped(
    url: str, space: str, upper: bool, default_port: bool, fragment: str, campaign: list[str]
) -> None:
    canonical = canonical_url(url)
    parts = urlsplit(url)
    netloc = parts.netloc.upper() if upper else parts.netloc
    scheme = parts.scheme.upper() if upper else parts.scheme
    if default_port and parts.port is None:
        netloc += f":{DEFAULT_PORTS[parts.scheme]}"
    query = "&".join([*campaign[:1], *filter(None, [parts.query]), *campaign[1:]])
    variant = f"{space}{scheme}://{netloc}{parts.path}{'?' if query else ''}{query}{fragment}{space}"
    assert canonical_url(variant) == canonical


@FUZZ
@given(VALID_URL)
@example("http://www.0.0.0.0/")  # "0.0.0.0" was its bare host, whose variants have no "www."
def test_desktop_variants_find_one_another(url: str) -> None:
    """With or without www., on http or https: each of these addresses finds all the others."""
    variants = url_variants(url)
    canonical = urlsplit(variants[0])
    # On the other scheme's default port ("http://x:443/") the https variant leaves the port out, and its
    # own http variants are on port 80: that pair is one-way.
    assume(canonical.port not in DEFAULT_PORTS.values())
    host = canonical.hostname or ""
    hosts = {bare_host(host), f"www.{bare_host(host)}"}
    desktop = [v for v in variants if urlsplit(v).hostname in hosts and urlsplit(v).query == canonical.query]
    # Both schemes of the canonical host at least, and with and without "www." unless the host is an address
    # or a name that keeps its "www." ("www.com" is not the site "com").
    assert len(desktop) == (2 if _is_ip(host) or bare_host(host).startswith("www.") else 4)
    for variant in desktop:
        assert set(desktop) <= set(url_variants(variant))


@FUZZ
@given(st.one_of(HOST_NAME.map(str.lower), st.text(max_size=20)))
@example("mobile.de")
@example("amp.m.example.com")
def test_bare_host_is_one_name_for_the_site(host: str) -> None:
    bare = bare_host(host)
    assert bare_host(bare) == bare
    assert host.lower().endswith(bare)
    # Taking the prefix off a two-label name would leave a top-level domain, which is no site.
    assert bare.count(".") >= min(host.count("."), 1)
