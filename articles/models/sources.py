"""Sources: the sites whose articles are tracked, and the URL rule of what may be tracked at all."""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.addresses import refused_literal
from articles.canonical import InvalidURL, canonical_url


class SourceQuerySet(models.QuerySet["Source"]):
    def get_by_natural_key(self, slug: str) -> "Source":
        """Fixtures name sources by slug (default_sources.json loads into any database)."""
        return self.get(slug=slug)

    def claim_discovery(self, now: datetime, limit: int) -> list[int]:
        """Claim sources due for discovery; a conditional UPDATE each, so two beats never run one twice."""
        due = self.filter(active=True, next_discovery_at__lte=now).exclude(feed_urls=[], section_urls=[])
        claimed = []
        for pk in due.order_by("next_discovery_at").values_list("pk", flat=True)[:limit]:
            until = now + timedelta(seconds=settings.DISCOVERY_INTERVAL)
            if self.filter(pk=pk, next_discovery_at__lte=now).update(next_discovery_at=until):
                claimed.append(pk)
        return claimed


class Source(models.Model):
    """A publication, and where to find its new articles (feeds, section pages)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    homepage = models.URLField(max_length=2048, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    feed_urls = models.JSONField(
        default=list, blank=True, help_text="RSS or Atom feeds listing new articles."
    )
    section_urls = models.JSONField(
        default=list, blank=True, help_text="Section or front pages whose links are articles."
    )
    link_pattern = models.CharField(
        max_length=500,
        blank=True,
        help_text="Regular expression an article URL must match (searched); empty: any URL on the site.",
    )
    deny_pattern = models.CharField(
        max_length=500,
        blank=True,
        help_text="Regular expression of URLs never tracked; empty: live blogs, videos and galleries.",
    )
    next_discovery_at = models.DateTimeField(default=timezone.now)
    last_discovered_at = models.DateTimeField(null=True, blank=True)
    last_discovery_error = models.TextField(blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


# A host name as DNS can look it up once IDNA-encoded: labels of letters, digits, hyphens (not at either end)
# and underscores (some CDNs use them), at most 63 characters each and 253 in all.
HOST_NAME = re.compile(r"(?=.{1,253}$)(?!-)[a-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9_-]{1,63}(?<!-))*")


def trackable_url(raw: str) -> str:
    """``raw`` in canonical form if an article may be tracked there; raises InvalidURL otherwise.

    A host written as an IP address is judged now, as the fetcher will judge it (FETCH_ALLOWED_NETWORKS):
    an article on a private, loopback or link-local address would only ever fail its checks. Host names
    are judged at each check, since what they resolve to can change."""
    url = canonical_url(raw)
    host = urlsplit(url).hostname or ""
    if (address := refused_literal(host, settings.FETCH_ALLOWED_NETWORKS)) is not None:
        # An odd spelling (2130706433, 0x7f.1, ::ffff:a00:1) is shown with the address it stands for.
        plain = getattr(address, "ipv4_mapped", None) or address
        shown = host if host == str(plain) else f"{host} ({plain})"
        raise InvalidURL(f"{shown} is a private or reserved address: only public sites can be tracked.")
    if ":" not in host and not HOST_NAME.fullmatch(host):
        raise InvalidURL("URL has an invalid host name.")
    return url
