"""What a failed fetch raises."""

TOO_SLOW = "took too long to download"


class FetchError(Exception):
    """A fetch that produced no page. ``transient`` errors (timeouts, connection failures, 5xx, 408, 425,
    429, robots.txt unavailable) are retried sooner; permanent ones (404, 410, other 4xx, wrong content
    type, refused address, robots.txt disallow, redirect loops, oversized body) back off further."""

    def __init__(self, reason: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.status = status

    @property
    def permanent(self) -> bool:
        return not self.transient


class TooManyRedirects(FetchError):
    """Separate so that robots.txt can read a redirect loop as RFC 9309 says: as no robots.txt."""
