import pytest

from articles.canonical import MAX_URL_LENGTH, InvalidURL, canonical_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Example.com/news/story", "https://www.example.com/news/story"),
        ("  HTTPS://example.com:443/a?b=1#comments ", "https://example.com/a?b=1"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com/a?utm_source=tw&id=7&fbclid=abc&UTM_Medium=x", "https://example.com/a?id=7"),
        ("https://bücher.example/artikel", "https://xn--bcher-kva.example/artikel"),
        ("http://[::1]:8000/story", "http://[::1]:8000/story"),
        ("https://example.com./a", "https://example.com/a"),
    ],
)
def test_it_canonicalises_variants(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a URL"),
        ("example.com/story", "must start with http"),
        ("ftp://example.com/file", "Unsupported scheme 'ftp'"),
        ("javascript:alert(1)", "Unsupported scheme 'javascript'"),
        ("file:///etc/passwd", "Unsupported scheme 'file'"),
        ("http://", "no host name"),
        ("http://user:pw@example.com/", "user name or password"),
        ("http://example.com:99999/", "Malformed URL"),
        ("http://exa mple.com/", "spaces or control characters"),
        ("http://example.com/" + "a" * MAX_URL_LENGTH, "longer than"),
    ],
)
def test_it_refuses_what_cannot_be_tracked(raw: str, message: str) -> None:
    with pytest.raises(InvalidURL, match=message):
        canonical_url(raw)
