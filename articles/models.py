import dataclasses
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone

from articles import archiving, scheduling
from articles.addresses import refused_literal
from articles.canonical import InvalidURL, canonical_url, url_variants
from articles.diffing import ChangeStats
from articles.normalising import ArticleText
from articles.standing import Standing, describe
from articles.text_chain import decode, dictionary_number, encode, parsed, unpacked, window


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


class ArticleQuerySet(models.QuerySet["Article"]):
    @staticmethod
    def published_q(via: str = "") -> Q:
        """What the public may see (pages, feeds, search, the API): every article but those an administrator
        removed. The one place that says so, so that no read path can forget a takedown; ``via`` reaches the
        article from a related model ("article__")."""
        return ~Q(**{f"{via}status": Article.Status.REMOVED})

    def published(self) -> "ArticleQuerySet":
        return self.filter(self.published_q())

    def due(self, now: datetime) -> "ArticleQuerySet":
        return self.filter(status=Article.Status.ACTIVE, next_check_at__lte=now)

    def claim_due(self, now: datetime, limit: int) -> list[int]:
        """Claim up to ``limit`` due articles, most overdue first, so no other sweep dispatches them.

        On Postgres, FOR UPDATE SKIP LOCKED lets concurrent sweeps (two beats by mistake) take disjoint
        rows; SQLite takes the write lock at BEGIN, so sweeps there simply run one after the other.
        """
        with transaction.atomic():
            ids = list(
                self.due(now)
                .order_by("next_check_at")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:limit]
            )
            if ids:
                self.filter(pk__in=ids).update(
                    next_check_at=scheduling.claim_until(now), check_claimed_at=now
                )
        return ids

    def trackable(self, url: str) -> tuple[str, "Article | None"]:
        """``url`` in canonical form and the article already tracked under any variant of it (http/https,
        ``www.``, mobile host), if one is; raises InvalidURL with a reason for people.

        The one check behind every way of tracking (admin, the track page, the API, ``manage.py track``,
        discovery), so that each refuses the same URLs with the same words."""
        canonical = trackable_url(url)
        existing = self.filter(url__in=url_variants(canonical)).first()
        if existing is not None and existing.status == Article.Status.REMOVED:
            raise InvalidURL("An administrator removed this article from newsdiffs; it is not tracked again.")
        return canonical, existing

    def track(self, url: str, source: Source | None = None) -> tuple["Article", bool]:
        """Start tracking ``url``, or return the article already tracked under any variant of it;
        raises InvalidURL (see ``trackable``)."""
        canonical, existing = self.trackable(url)
        if existing is not None:
            return existing, False
        return self.get_or_create(url=canonical, defaults={"source": source, "next_check_at": timezone.now()})


class Article(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        STOPPED = "stopped", "Stopped"
        GONE = "gone", "Gone"
        FAILING = "failing", "Failing"
        # Taken down by an admin: its pages answer 410 Gone; its history stays in the database.
        REMOVED = "removed", "Removed"

    url = models.CharField(max_length=2048, unique=True, help_text="Canonical URL of the article.")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    title = models.TextField(blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    # What the page itself last said (JSON-LD, meta tags, <time>): shown as "per the page", never trusted
    # for scheduling or ordering.
    page_published_at = models.DateTimeField(null=True, blank=True)
    page_modified_at = models.DateTimeField(null=True, blank=True)
    last_changed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    # When a sweep or staff last claimed the article for a check. ``next_check_at`` cannot tell a check
    # under way from one scheduled for later (a claim moves it forward too): a claim newer than the last
    # check and younger than its lease is a check under way.
    check_claimed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    etag = models.CharField(max_length=512, blank=True)
    last_modified = models.CharField(max_length=64, blank=True)
    # Hash of the raw bytes last fetched: identical bytes need no parsing to know nothing changed.
    body_hash = models.CharField(max_length=64, blank=True)
    # Where the last full fetch ended up after redirects, when that is not ``url``.
    final_url = models.CharField(max_length=2048, blank=True)
    # "name/version" of the extractor that read the page with ``body_hash``: identical bytes skip parsing
    # only if the same extractor would read them.
    body_parsed_by = models.CharField(max_length=80, blank=True)
    # Kept in step with the versions so lists of articles never count rows per article.
    version_count = models.PositiveIntegerField(default=0)
    # Content hash of the text the page serves now: the latest version's, or an earlier variant's when the
    # page flips between texts already stored (A/B headline tests, CDN variants).
    current_hash = models.CharField(max_length=64, blank=True)
    variant_flips = models.PositiveIntegerField(default=0)
    last_flip_at = models.DateTimeField(null=True, blank=True)
    # Staff resumed a stopped (or gone, failing) article: the schedule counts from here as for a new one.
    resumed_at = models.DateTimeField(null=True, blank=True)
    # When the page was found to change on almost every load (settings.TRACK_VOLATILE_*): it is then
    # checked seldom, so that a counter or a random quote does not store a version every few minutes.
    volatile_since = models.DateTimeField(null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["next_check_at"], name="article_due_idx", condition=Q(status="active")),
            models.Index(fields=["-last_changed_at"], name="article_last_changed_idx"),
            # The week's activity per source reads article → source from this index alone (bench/scale.py).
            models.Index(fields=["id", "source"], name="article_source_lookup_idx"),
            # A source's page counts its tracked and failing articles from this index alone.
            models.Index(
                fields=["source", "consecutive_failures"],
                name="article_active_source_idx",
                condition=Q(status="active"),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def get_absolute_url(self) -> str:
        return reverse("article", args=[self.pk])

    @property
    def change_count(self) -> int:
        return max(self.version_count - 1, 0)

    @property
    def schedule_clock(self) -> datetime:
        """When the article last changed, or began (again) to be tracked: the schedule counts from here."""
        return max(t for t in (self.last_changed_at, self.resumed_at, self.first_seen_at) if t is not None)

    def standing(self, now: datetime | None = None, *, hidden: int | None = None) -> Standing:
        """Its standing in words (articles/standing.py); ``hidden``: how many changes are hidden kinds."""
        return describe(self, now or timezone.now(), hidden=hidden)

    def volatile_summary(self) -> str:
        """What the page says of an article flagged as changing on almost every load."""
        if self.volatile_since is None:
            return ""
        window = scheduling.describe_interval(timedelta(seconds=settings.TRACK_VOLATILE_WINDOW))
        window = window if " " in window else f"a {window}"  # "a day", "12 hours"
        every = scheduling.describe_interval(timedelta(seconds=settings.TRACK_VOLATILE_INTERVAL))
        return (
            f"This page changes on almost every load: {settings.TRACK_VOLATILE_VERSIONS} different texts "
            f"within {window}. It is now checked only about every {every}; every text already recorded "
            "is kept."
        )

    def latest_version(self) -> "Version | None":
        return self.versions.order_by("-number").first()

    def version_pair(self, old: int, new: int) -> tuple["Version", "Version"] | None:
        """Versions ``old`` and ``new`` of this article, or None if either does not exist; with their
        paragraphs, read in the same query as the keyframes they are packed against."""
        numbers = {old, new} | {k for n in (old, new) if (k := dictionary_number(n)) is not None}
        rows = list(self.versions.filter(number__in=numbers))
        load_paragraphs(rows)
        found = {v.number: v for v in rows}
        return (found[old], found[new]) if old in found and new in found else None

    def claim_now(self, now: datetime | None = None) -> bool:
        """Claim this article for a check now, whenever its next check is due, unless a check of it is
        under way (a conditional UPDATE: two clicks, or a click and a sweep, make one check)."""
        now = now or timezone.now()
        claimed = (
            Article.objects.filter(Article.no_check_under_way(now), pk=self.pk)
            .exclude(status__in=[Article.Status.STOPPED, Article.Status.REMOVED])
            .update(next_check_at=scheduling.claim_until(now), check_claimed_at=now)
        )
        return claimed == 1

    @staticmethod
    def no_check_under_way(now: datetime) -> Q:
        lease = now - timedelta(seconds=settings.TRACK_CLAIM_SECONDS)
        return (
            Q(check_claimed_at__isnull=True)
            | Q(check_claimed_at__lte=lease)
            | Q(last_checked_at__gte=F("check_claimed_at"))
        )

    def check_under_way(self, now: datetime | None = None) -> bool:
        """``no_check_under_way``'s rule on this instance's fields (as last read from the database)."""
        claimed, checked = self.check_claimed_at, self.last_checked_at
        lease = (now or timezone.now()) - timedelta(seconds=settings.TRACK_CLAIM_SECONDS)
        return claimed is not None and claimed > lease and (checked is None or checked < claimed)

    def resume(self, now: datetime | None = None) -> None:
        """Staff start checking a stopped, gone or failing article again, on the schedule of a new one."""
        now = now or timezone.now()
        Article.objects.filter(pk=self.pk).exclude(status=Article.Status.REMOVED).update(
            status=Article.Status.ACTIVE,
            consecutive_failures=0,
            last_error="",
            resumed_at=now,
            next_check_at=now,
        )
        self.refresh_from_db()


class VersionQuerySet(models.QuerySet["Version"]):
    def without_texts(self) -> "VersionQuerySet":
        """Without the paragraphs and the search document, for lists: a version that needs its paragraphs
        after all loads them on first use (``Version.paragraphs``)."""
        return self.defer(*TEXT_FIELDS)

    def numbered(self, keys: Iterable[tuple[int, int]]) -> "VersionQuerySet":
        """The versions with these (article id, number) keys: one row-value list, where OR-ing a Q per key
        took Django 0.25 ms a key to build (12 ms of a feed's 57, bench/scale.py)."""
        keys = sorted(set(keys))
        if not keys:
            return self.none()
        quote = connection.ops.quote_name
        table = quote(Version._meta.db_table)
        rows = ", ".join(["(%s, %s)"] * len(keys))
        where = f"({table}.{quote('article_id')}, {table}.{quote('number')}) IN (VALUES {rows})"
        params = [part for key in keys for part in key]
        return self.filter(RawSQL(where, params, output_field=models.BooleanField()))

    def with_page_kept(self) -> "VersionQuerySet":
        """Annotated with ``page_kept``: whether the response the version was read from was kept
        (``ServedPage``), without reading it."""
        return self.annotate(page_kept=Exists(ServedPage.objects.filter(version_id=OuterRef("pk"))))

    def published(self) -> "VersionQuerySet":
        """Versions of the articles the public may see (``ArticleQuerySet.published``), for lists of changes
        across articles."""
        # Through the join rather than a subquery of articles, as each list of changes always read them.
        return self.filter(ArticleQuerySet.published_q(via="article__"))

    def changes(self, *, include_hidden: bool = False) -> "VersionQuerySet":
        """Versions that changed something (every one after the first), without hidden kinds by default."""
        changes = self.filter(number__gt=0)
        return changes if include_hidden else changes.filter(kind=Version.Kind.EDIT)

    def claim_wayback(self, pk: int, now: datetime, lease: float) -> "Version | None":
        """Take version ``pk``'s Wayback Machine save for one step (a capture asked for, or a look at one
        under way) if it waits for one and its time has come: a conditional UPDATE that moves its time
        ``lease`` seconds on, so that of two workers given the same task exactly one goes on, and a save
        whose worker died comes back once the lease is over. The version as claimed, or None."""
        waiting = [Version.Wayback.PENDING, Version.Wayback.CAPTURING]
        claimed = self.filter(pk=pk, wayback_status__in=waiting, wayback_due_at__lte=now).update(
            wayback_due_at=now + timedelta(seconds=lease)
        )
        if claimed != 1:
            return None
        return self.select_related("article").only(*WAYBACK_READ).get(pk=pk)

    def wayback_due(self, now: datetime) -> "VersionQuerySet":
        """Saves whose next step is due: a capture to ask for (a turn or a retry's wait over, a task lost), or
        a look at a capture under way late by WAYBACK_SWEEP_GRACE (its own countdown lost with the broker,
        or with a worker that died holding the claim)."""
        late = now - timedelta(seconds=settings.WAYBACK_SWEEP_GRACE)
        return self.filter(
            Q(wayback_status=Version.Wayback.PENDING, wayback_due_at__lte=now)
            | Q(wayback_status=Version.Wayback.CAPTURING, wayback_due_at__lte=late)
        )


class Version(models.Model):
    """The article's text as it stood from ``fetched_at``; numbered 0, 1, 2, … per article."""

    class Kind(models.TextChoices):
        EDIT = "edit", "Edit"
        # Kept but hidden by default: whitespace/punctuation-only edits, and re-parses by a new extractor.
        MINOR = "minor", "Minor edit"
        PARSER = "parser", "Parser change"
        # Left by ``manage.py reextract``: its page, read again by the current extractor, says what an earlier
        # version says, so a check would store nothing for it now. Kept, hidden, so that numbers (links,
        # feed ids) stay put; its former reading is in its ``rereadings``.
        SAME = "same", "Same text, re-read"

    class Wayback(models.TextChoices):
        """Where the version's Wayback Machine save is (WAYBACK_SAVE; articles/wayback.py)."""

        # Never asked: the setting was off, a minor or parser version (the page a reader sees is the one
        # the edit before it saved), or stored before saves existed.
        NONE = "", "Not asked"
        PENDING = "pending", "Waiting to ask"
        CAPTURING = "capturing", "Being captured"
        SAVED = "saved", "Saved"
        FAILED = "failed", "Failed"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    fetched_at = models.DateTimeField()
    title = models.TextField()
    byline = models.TextField(blank=True)
    # The paragraphs (``paragraphs`` reads and writes them) are stored packed: zlib bytes whose dictionary is
    # the paragraphs of version ``packed_against`` of the same article (None: packed alone), see text_chain.
    # Rows written before migration 0016 hold them as JSON in ``plain_paragraphs`` until ``manage.py
    # compact_versions`` packs them. New rows are packed only on Postgres (search reads the articles'
    # documents); SQLite keeps the JSON too, as its search reads it.
    plain_paragraphs = models.JSONField(null=True, blank=True, editable=False, db_column="paragraphs")
    packed_paragraphs = models.BinaryField(null=True, editable=False)
    packed_against = models.PositiveIntegerField(null=True, editable=False)
    # The headline of sharing cards (og:title, twitter:title or <title>); empty where none was read.
    social_title = models.TextField(blank=True, default="", db_default="")
    # When the page said, at this version, it was published and last updated.
    page_published_at = models.DateTimeField(null=True, blank=True)
    page_modified_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    extractor = models.CharField(max_length=50)
    extractor_version = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EDIT)
    # Against the previous version (all zero for version 0); see diffing.change_stats.
    words_added = models.PositiveIntegerField(default=0)
    words_removed = models.PositiveIntegerField(default=0)
    paragraphs_added = models.PositiveIntegerField(default=0)
    paragraphs_removed = models.PositiveIntegerField(default=0)
    paragraphs_changed = models.PositiveIntegerField(default=0)
    title_changed = models.BooleanField(default=False)
    # Moved paragraphs count here, not as words added and removed (edits made while moving them do).
    paragraphs_moved = models.PositiveIntegerField(default=0, db_default=0)
    # The social headline changed in a way the headline's own change does not tell (see diffing).
    social_title_changed = models.BooleanField(default=False, db_default=False)
    # The Wayback Machine's capture of the article's URL as this version was stored (WAYBACK_SAVE): the
    # snapshot's address once saved; the save's state, attempts (captures asked for) and last error; when
    # it was asked for, when its next step is due (a claim moves it on by a lease), the capture under way
    # (SPN's job id) and when that was asked for. Database defaults: adding them rewrites no row.
    wayback_status = models.CharField(
        max_length=10, choices=Wayback.choices, blank=True, default=Wayback.NONE, db_default=""
    )
    wayback_url = models.TextField(blank=True, default="", db_default="")
    wayback_attempts = models.PositiveIntegerField(default=0, db_default=0)
    wayback_error = models.TextField(blank=True, default="", db_default="")
    wayback_requested_at = models.DateTimeField(null=True, blank=True)
    wayback_due_at = models.DateTimeField(null=True, blank=True)
    wayback_job = models.CharField(max_length=200, blank=True, default="", db_default="")
    wayback_submitted_at = models.DateTimeField(null=True, blank=True)

    objects = VersionQuerySet.as_manager()

    # Decoded paragraphs, once read or set.
    _paragraphs: list[str] | None = None

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="version_number_unique_per_article"),
        ]
        indexes = [
            models.Index(fields=["-fetched_at"], name="version_fetched_idx"),
            # Headline rewrites are a minority of changes: their feed must not walk all the others.
            models.Index(
                fields=["-fetched_at"],
                name="version_headlines_idx",
                condition=Q(title_changed=True) | Q(social_title_changed=True),
            ),
            # Recent changes and the biggest of them, ranked without visiting the rows (bench/scale.py).
            models.Index(
                fields=["-fetched_at", "-id", "article", "number", "kind", "words_added", "words_removed"],
                name="version_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number}: {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new version is written with its paragraphs (``paragraphs`` or ``plain_paragraphs``) and packed
        # here; so is one stored before migration 0016 that is saved again.
        fields = self.__dict__
        given = self._paragraphs is not None or fields.get("plain_paragraphs") is not None
        if given and fields.get("packed_paragraphs", b"") is None:
            pack_paragraphs([self])
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("version", args=[self.article_id, self.number])

    @property
    def paragraphs(self) -> list[str]:
        if self._paragraphs is None:
            load_paragraphs([self])
        assert self._paragraphs is not None
        return self._paragraphs

    @paragraphs.setter
    def paragraphs(self, value: Iterable[str]) -> None:
        self._paragraphs = list(value)
        self.plain_paragraphs = self._paragraphs
        self.packed_paragraphs = self.packed_against = None

    @property
    def text(self) -> ArticleText:
        return ArticleText(self.title, self.byline, tuple(self.paragraphs), self.social_title)

    @property
    def stats(self) -> ChangeStats:
        return ChangeStats(**{field: getattr(self, field) for field in STAT_FIELDS})

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number else None

    def served_page(self) -> "archiving.Page | None":
        """The response this version was read from (ARCHIVE_SERVED_PAGES), or None if it was not kept."""
        return load_pages([self]).get(self.pk)

    # --- the Wayback Machine save (articles/tasks.py: save_to_wayback) -------------------------------------

    @staticmethod
    def wayback_wanted(kind: str) -> bool:
        """Whether a version of ``kind`` is saved: edits (the first version is one) are what readers see
        change; a minor or parser version shows the page the edit before it saved."""
        return settings.WAYBACK_SAVE and kind == Version.Kind.EDIT

    @staticmethod
    def wayback_asked(now: datetime) -> dict[str, Any]:
        """The fields of a version whose save is asked for at ``now``."""
        return {"wayback_status": Version.Wayback.PENDING, "wayback_requested_at": now, "wayback_due_at": now}

    def _wayback_update(self, **fields: Any) -> bool:
        """Write a step's outcome, unless the save was finished meanwhile (a step whose claim ran out while
        it was under way, finished by another): a saved or failed save is never written again."""
        waiting = [Version.Wayback.PENDING, Version.Wayback.CAPTURING]
        updated = Version.objects.filter(pk=self.pk, wayback_status__in=waiting).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        return updated == 1

    def wayback_wait(self, until: datetime) -> bool:
        """The claim given back: the next step is due at ``until`` (the rate limit's turn, the next look)."""
        return self._wayback_update(wayback_due_at=until)

    def wayback_asking(self) -> bool:
        """A capture is about to be asked for: counted now, so that a worker dying mid-request counts too."""
        attempts = self.wayback_attempts + 1
        counted = self._wayback_update(wayback_attempts=F("wayback_attempts") + 1)
        self.wayback_attempts = attempts  # not the expression written
        return counted

    def wayback_submitted(self, job: str, now: datetime, look_at: datetime) -> bool:
        return self._wayback_update(
            wayback_status=Version.Wayback.CAPTURING, wayback_job=job[:200], wayback_submitted_at=now,
            wayback_due_at=look_at,
        )  # fmt: skip

    def wayback_saved(self, snapshot: str) -> bool:
        return self._wayback_update(
            wayback_status=Version.Wayback.SAVED, wayback_url=snapshot, wayback_error="", wayback_job="",
            wayback_due_at=None,
        )  # fmt: skip

    def wayback_failed(self, error: str, retry_at: datetime | None) -> bool:
        """An attempt failed: a new capture is asked for at ``retry_at``, or the save is given up (None)."""
        status = Version.Wayback.FAILED if retry_at is None else Version.Wayback.PENDING
        return self._wayback_update(
            wayback_status=status, wayback_error=error[:2000], wayback_job="", wayback_due_at=retry_at
        )


STAT_FIELDS = tuple(field.name for field in dataclasses.fields(ChangeStats))
# What a Wayback Machine save reads of its version and article.
WAYBACK_READ = (
    "article__url", "article__status", "number", "kind", "wayback_status", "wayback_attempts", "wayback_job",
    "wayback_submitted_at", "wayback_due_at", "wayback_requested_at",
)  # fmt: skip
# The columns a version's paragraphs are read from.
TEXT_FIELDS = ("plain_paragraphs", "packed_paragraphs", "packed_against")


def load_paragraphs(versions: Iterable[Version]) -> None:
    """Decode the paragraphs of ``versions``, with one query for the text columns of those that were loaded
    without them and one for the dictionaries (keyframes) they need that are not among them."""
    versions = list(versions)
    wanted = [v for v in versions if v._paragraphs is None]
    if deferred := [v.pk for v in wanted if v.get_deferred_fields() & set(TEXT_FIELDS)]:
        # As tuples: a model instance a row cost a feed of 50 entries ~5 ms of its 60 (bench/scale.py).
        rows = Version.objects.filter(pk__in=deferred).values_list("pk", *TEXT_FIELDS)
        columns = {pk: values for pk, *values in rows}
        for version in wanted:
            if (values := columns.get(version.pk)) is not None:
                for name, value in zip(TEXT_FIELDS, values, strict=True):
                    setattr(version, name, value)
    known = {(v.article_id, v.number): v for v in versions}
    missing = {
        (v.article_id, v.packed_against)
        for v in wanted
        if v.packed_paragraphs is not None
        and v.packed_against is not None
        and (v.article_id, v.packed_against) not in known
    }
    if missing:
        for row in Version.objects.numbered(missing).only("article_id", "number", *TEXT_FIELDS).order_by():
            known[(row.article_id, row.number)] = row
    # Keyframes (packed alone or plain) first, so that the versions packed against them find them decoded.
    dictionaries: dict[tuple[int, int], bytes] = {}
    for version in sorted(wanted, key=lambda v: v.packed_against is not None):
        version._paragraphs = _decoded(version, known, dictionaries)


def _decoded(
    version: Version, known: dict[tuple[int, int], Version], dictionaries: dict[tuple[int, int], bytes]
) -> list[str]:
    if version._paragraphs is not None:
        return version._paragraphs
    if version.packed_paragraphs is None:
        return list(version.plain_paragraphs or [])
    if version.packed_against is None:
        # A keyframe's bytes as unpacked are the dictionary of the versions packed against it: kept, so
        # that its paragraphs need no serialising again (1.6 ms of a cold 50-entry feed, bench/scale.py).
        raw = unpacked(version.packed_paragraphs)
        dictionaries[(version.article_id, version.number)] = window(raw)
        return parsed(raw)
    key = (version.article_id, version.packed_against)
    if key not in dictionaries:  # once for all the versions of this load packed against it
        base = known[key]
        if base._paragraphs is None:
            base._paragraphs = _decoded(base, known, dictionaries)
        dictionaries.setdefault(key, window(base._paragraphs))
    return decode(version.packed_paragraphs, dictionaries[key])


def pack_paragraphs(versions: Iterable[Version]) -> None:
    """Pack the paragraphs of ``versions`` (their ``paragraphs`` set), each against its keyframe's: taken
    from ``versions`` when it is among them, else read in one query; a version whose keyframe is missing
    is packed alone."""
    versions = list(versions)
    known = {(v.article_id, v.number): v for v in versions}
    missing = set()
    for version in versions:
        if (number := dictionary_number(version.number)) is not None and (
            version.article_id,
            number,
        ) not in known:
            missing.add((version.article_id, number))
    if missing:
        rows = list(Version.objects.numbered(missing).only("article_id", "number", *TEXT_FIELDS).order_by())
        load_paragraphs(rows)
        known.update({(row.article_id, row.number): row for row in rows})
    # Postgres keeps the packed form only (search reads the articles' documents); SQLite's substring search
    # reads the JSON.
    keep_plain = connection.vendor != "postgresql"
    for version in versions:
        number = dictionary_number(version.number)
        base = known.get((version.article_id, number)) if number is not None else None
        version.packed_paragraphs = encode(version.paragraphs, base.paragraphs if base else None)
        version.packed_against = number if base else None
        if not keep_plain:
            version.plain_paragraphs = None


class ServedPageQuerySet(models.QuerySet["ServedPage"]):
    def store(
        self, version: Version, url: str, status: int, headers: Iterable[tuple[str, str]], body: bytes
    ) -> "ServedPage":
        """Keep the response ``version`` was read from, packed against its keyframe (``archiving``): the
        article's latest archived page before it says which, read in one query with the keyframe's row."""
        latest = (
            self.filter(version__article_id=version.article_id, version__number__lt=version.number)
            .order_by("-version__number")
            .values_list("version__number", "packed_against")
            .first()
        )
        against = archiving.packed_against(version.number, latest)
        dictionary = None
        if against is not None:
            keyframe = self.filter(version__article_id=version.article_id, version__number=against).first()
            if keyframe is None:  # deleted meanwhile (it never is by the app): packed alone
                against = None
            else:
                dictionary = archiving.decode(keyframe.packed)
        return self.create(
            version=version,
            url=url,
            status=status,
            headers=archiving.headers_list(headers),
            packed=archiving.encode(body, dictionary),
            packed_against=against,
            length=len(body),
            sha256=archiving.sha256(body),
        )


class ServedPage(models.Model):
    """The response a version was read from, as fetched (settings.ARCHIVE_SERVED_PAGES): the final URL, the
    status, the headers as received and the body (after its Content-Encoding was undone: see
    ``archiving.Page``), the body packed with zstd against the body of version ``packed_against``'s page of
    the same article (None: packed alone), see ``archiving``. Read it with ``Version.served_page()`` or, for
    many versions, ``load_pages``."""

    version = models.OneToOneField(
        Version, primary_key=True, on_delete=models.CASCADE, related_name="archived"
    )
    # The final URL after redirects: unbounded, as a redirect's Location is.
    url = models.TextField()
    status = models.PositiveSmallIntegerField()
    # [[name, value], ...] in the order and case received; values are latin-1-decoded bytes.
    headers = models.JSONField(default=list)
    packed = models.BinaryField()
    packed_against = models.PositiveIntegerField(null=True)
    # The body's length and SHA-256 (hex) before packing: what the page weighed, and a WARC's payload digest.
    length = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    objects = ServedPageQuerySet.as_manager()

    def __str__(self) -> str:
        return f"page of version {self.version_id} ({self.length:,} bytes, packed {len(self.packed):,})"


def load_pages(versions: Iterable[Version]) -> dict[int, archiving.Page]:
    """The archived pages of ``versions`` by version id (those without one left out): one query for their
    rows and the keyframes they are packed against (by (article, number), whether or not among
    ``versions``), and at most two decompressions per page, a keyframe decompressed once for all."""
    versions = [v for v in versions if v.pk is not None]
    if not versions:
        return {}
    rows = {
        row.version_id: row
        for row in _page_rows(ServedPage.objects.filter(version_id__in=[v.pk for v in versions]))
    }
    keyframes = {_page_key(row): row for row in rows.values()}
    wanted = {
        (row.version.article_id, row.packed_against)
        for row in rows.values()
        if row.packed_against is not None
    }
    if missing := wanted - keyframes.keys():
        found = _page_rows(
            ServedPage.objects.filter(version__in=Version.objects.numbered(missing).values("pk"))
        )
        keyframes.update({_page_key(row): row for row in found})
    bodies: dict[tuple[int, int], bytes] = {}

    def body_of(row: ServedPage) -> bytes:
        key = _page_key(row)
        if key not in bodies:
            dictionary = None
            if row.packed_against is not None:
                dictionary = body_of(keyframes[(row.version.article_id, row.packed_against)])
            bodies[key] = archiving.decode(row.packed, dictionary)
        return bodies[key]

    return {
        pk: archiving.Page(
            url=row.url,
            status=row.status,
            headers=tuple((str(name), str(value)) for name, value in row.headers),
            body=body_of(row),
            sha256=row.sha256,
        )
        for pk, row in rows.items()
    }


def _page_rows(pages: "models.QuerySet[ServedPage]") -> "models.QuerySet[ServedPage]":
    """With their version's (article, number), the key pages are packed against, in the same query."""
    return pages.select_related("version").only(
        "url",
        "status",
        "headers",
        "packed",
        "packed_against",
        "sha256",
        "version__article_id",
        "version__number",
    )


def _page_key(row: ServedPage) -> tuple[int, int]:
    return (row.version.article_id, row.version.number)


class Rereading(models.Model):
    """What a version was before ``manage.py reextract`` read its article's history again (articles/
    reextracting.py) and changed it: its reading (text, extractor, page dates) when that changed, and its
    kind. A re-read replaces what the public sees; this keeps what it saw, so the record stays auditable."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="rereadings")
    reread_at = models.DateTimeField()
    # Whether the version's own page was read again (else: no page kept, or none the extractor now reads;
    # only its kind or change statistics moved with the versions around it).
    page_read = models.BooleanField()
    # The extractor that read it again, as "name/version" (empty when its page was not read).
    reread_by = models.CharField(max_length=80, blank=True)
    # For a version now of kind "same": the number of the earlier version whose text it reads as.
    same_as = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Version.Kind.choices)
    extractor = models.CharField(max_length=50)
    extractor_version = models.CharField(max_length=20)
    content_hash = models.CharField(max_length=64)
    page_published_at = models.DateTimeField(null=True, blank=True)
    page_modified_at = models.DateTimeField(null=True, blank=True)
    # The text it replaced, when the text changed (``packed_paragraphs`` None: the text stayed, and these
    # are empty): headlines and byline as they were, the paragraphs packed alone (text_chain.encode).
    title = models.TextField(blank=True, default="")
    social_title = models.TextField(blank=True, default="")
    byline = models.TextField(blank=True, default="")
    packed_paragraphs = models.BinaryField(null=True, editable=False)

    class Meta:
        ordering = ["version", "reread_at", "pk"]

    def __str__(self) -> str:
        return f"version {self.version_id} before its re-reading of {self.reread_at:%Y-%m-%d %H:%M}"

    @property
    def paragraphs(self) -> list[str] | None:
        """The paragraphs it replaced, or None if its text stayed."""
        return None if self.packed_paragraphs is None else decode(self.packed_paragraphs)

    @property
    def text(self) -> ArticleText | None:
        """The text it replaced, or None if its text stayed."""
        if (paragraphs := self.paragraphs) is None:
            return None
        return ArticleText(self.title, self.byline, tuple(paragraphs), self.social_title)


class ArticleSearch(models.Model):
    """Every word any version of an article had (headline, social headline, text), for full-text search:
    one document per article, its lexemes without positions, with a GIN index (Postgres; see searching).
    Kept by the app as versions are stored (``searching.add_words``); ``manage.py rebuild_search`` makes
    it again. Empty on SQLite, where search matches substrings of the versions."""

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="search")
    document = SearchVectorField(null=True)

    def __str__(self) -> str:
        return f"search document of article {self.article_id}"


class SourceDay(models.Model):
    """What a source's articles did on one day (UTC), counted as versions are stored
    (``activity.count_stored``) so that the sources' pages never count versions; ``manage.py
    rebuild_source_days`` counts them again from the versions."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    versions = models.PositiveIntegerField(default=0)
    # Articles whose newest version was stored that day: an article changed in the days from D to today
    # has its newest version in them, so the sum over those days counts each such article once.
    articles_latest = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "day"], name="source_day_unique")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.day}: {self.versions} versions"


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class NotificationRuleQuerySet(models.QuerySet["NotificationRule"]):
    def for_article(self, article: Article) -> "NotificationRuleQuerySet":
        """Enabled rules whose scope holds ``article``: the article itself, its source, or everything."""
        scope = Q(article_id=article.pk) | Q(article__isnull=True, source__isnull=True)
        if article.source_id is not None:
            scope |= Q(source_id=article.source_id)
        return self.filter(scope, enabled=True)


class NotificationRule(models.Model):
    """Where to send word of a stored version (Apprise URLs, a signed webhook), which changes (all edits,
    headline changes only, at least N words) and of which articles (one, a source's, all). Minor edits,
    parser changes and first versions are never news."""

    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    targets = models.TextField(
        blank=True,
        help_text="Apprise URLs, one a line (slack://…, mailto://…, json://…; see Apprise's documentation). "
        "They hold credentials: pages and logs show them only with their secrets masked.",
    )
    webhook_url = models.CharField(
        max_length=2048, blank=True, help_text="An http(s) URL that receives a signed JSON POST per change."
    )
    webhook_secret = models.CharField(max_length=128, default=new_webhook_secret, editable=False)
    headlines_only = models.BooleanField(
        default=False, help_text="Only changes of the headline (or the social headline)."
    )
    min_words = models.PositiveIntegerField(
        default=0, help_text="Only changes of at least this many words added and removed (0: any edit)."
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="notification_rules",
        help_text="Only this article (leave article and source empty for every article).",
    )  # fmt: skip
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="notification_rules",
        help_text="Only this source's articles.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    # The last "send a test notification" and what it did, for the notifications page.
    tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    test_result = models.TextField(blank=True, editable=False)

    objects = NotificationRuleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=True) | Q(source__isnull=True), name="notification_rule_one_scope"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Imported here, as below: Apprise takes a third of a second to load its services, which only the
        # processes that send or edit rules should pay.
        from articles.notifying import targets

        errors: dict[str, list[str]] = {}
        if self.article_id is not None and self.source_id is not None:
            errors.setdefault("source", []).append("Choose an article or a source, not both.")
        urls = targets.split_targets(self.targets)
        if not urls and not self.webhook_url:
            errors.setdefault("targets", []).append("Give at least one Apprise URL or a webhook URL.")
        for url in urls:
            if (problem := targets.target_problem(url)) is not None:
                errors.setdefault("targets", []).append(problem)
            elif refused_literal(targets.host(url), settings.FETCH_ALLOWED_NETWORKS) is not None:
                errors.setdefault("targets", []).append(
                    f"{targets.shown(url)}: a private or reserved address"
                )
        if self.webhook_url:
            parts = urlsplit(self.webhook_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                errors.setdefault("webhook_url", []).append("Enter an http or https URL.")
            elif refused_literal(parts.hostname, settings.FETCH_ALLOWED_NETWORKS) is not None:
                errors.setdefault("webhook_url", []).append("A private or reserved address.")
        if errors:
            raise ValidationError(errors)

    @property
    def target_urls(self) -> list[str]:
        from articles.notifying.targets import split_targets

        return split_targets(self.targets)

    def shown_targets(self) -> list[str]:
        """The targets as pages show them: secrets masked (Apprise's privacy form)."""
        from articles.notifying.targets import shown

        return [shown(url) for url in self.target_urls]

    def shown_webhook(self) -> str:
        from articles.notifying.sending import webhook_shown

        return webhook_shown(self.webhook_url) if self.webhook_url else ""

    def scope(self) -> str:
        if self.article_id is not None:
            return f"article {self.article_id}"
        if self.source_id is not None:
            return f"source {self.source.slug if self.source else self.source_id}"
        return "every article"

    def what(self) -> str:
        """Which changes, in words: "headline changes of at least 10 words"."""
        kind = "headline changes" if self.headlines_only else "every edit"
        return f"{kind} of at least {self.min_words} words" if self.min_words else kind

    def wants(self, version: "Version") -> bool:
        """Whether ``version`` is news to this rule (its scope aside): a publisher's edit after the first
        version, of the headline if the rule asks, of at least ``min_words`` words."""
        if version.kind != Version.Kind.EDIT or version.number == 0:
            return False
        if self.headlines_only and not (version.title_changed or version.social_title_changed):
            return False
        return version.words_added + version.words_removed >= self.min_words


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def create_for(self, version: "Version") -> list[int]:
        """One delivery per rule that wants ``version``, made once however often this runs (the unique
        (rule, version) pair); the ids of those of its deliveries still waiting to be sent. Minor edits,
        parser changes and first versions, which no rule wants, cost no query."""
        article = version.article
        if (
            version.kind != Version.Kind.EDIT
            or version.number == 0
            or article.status == Article.Status.REMOVED
        ):
            return []
        rules = [rule for rule in NotificationRule.objects.for_article(article) if rule.wants(version)]
        if not rules:
            return []
        now = timezone.now()
        self.bulk_create(
            [Delivery(rule=rule, version=version, created_at=now, next_attempt_at=now) for rule in rules],
            ignore_conflicts=True,
        )
        return list(self.filter(version=version, status=Delivery.Status.PENDING).values_list("pk", flat=True))

    def claim(self, pk: int, now: datetime) -> bool:
        """Take delivery ``pk`` for one send attempt if it waits for one and its time has come: a
        conditional UPDATE, committed before anything is sent, so that of two workers given the same
        delivery (a duplicate task) exactly one sends."""
        waiting = [Delivery.Status.PENDING, Delivery.Status.RETRYING]
        return (
            self.filter(pk=pk, status__in=waiting, next_attempt_at__lte=now).update(
                status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
            == 1
        )

    def stale_claims(self, now: datetime) -> "DeliveryQuerySet":
        """Deliveries claimed longer ago than any send can last: their worker died mid-send."""
        lease = now - timedelta(seconds=settings.NOTIFY_SEND_LEASE)
        return self.filter(status=Delivery.Status.SENDING, claimed_at__lt=lease)

    def interrupt_stale(self, now: datetime) -> int:
        """Mark the stale claims interrupted. Never sent again by themselves: the message may well have
        arrived before the worker died. Staff can send one again from the delivery log."""
        return self.stale_claims(now).update(
            status=Delivery.Status.INTERRUPTED, last_error=Delivery.INTERRUPTED_ERROR
        )

    def overdue(self, now: datetime) -> "DeliveryQuerySet":
        """Deliveries waiting for a send whose task is late by a grace period: lost with the broker, say."""
        late = now - timedelta(seconds=settings.NOTIFY_SWEEP_GRACE)
        waiting = [Delivery.Status.PENDING, Delivery.Status.RETRYING]
        return self.filter(status__in=waiting, next_attempt_at__lte=late)


class Delivery(models.Model):
    """The one delivery of a version to a rule's targets: the idempotency record that makes a duplicate or
    late task send nothing more, and the delivery log staff read."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Waiting to retry"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Its worker died mid-send: it may or may not have arrived, and it is not sent again by itself.
        INTERRUPTED = "interrupted", "Interrupted"

    INTERRUPTED_ERROR = (
        "The worker sending this stopped mid-send (killed or lost). It was not sent again, since it may "
        "have arrived; use “Send again” if it did not (webhooks carry the same Newsdiffs-Delivery id)."
    )

    rule = models.ForeignKey(NotificationRule, on_delete=models.CASCADE, related_name="deliveries")
    version = models.ForeignKey("Version", on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Keys (notifying.targets.target_key, or "webhook") of the targets already sent to: a retry after a
    # partial failure sends only to the others.
    done_targets = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="delivery_once_per_rule")]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="delivery_log_idx"),
            # The sweep reads only deliveries in flight, never the log of sent ones.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="delivery_waiting_idx",
                condition=Q(status__in=["pending", "retrying", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}: {self.rule_id} × version {self.version_id} ({self.status})"

    def _finish(self, **fields: Any) -> bool:
        """Write the result of this claim's attempt, unless the claim was lost (marked interrupted and then
        sent again by staff): only the attempt that holds the claim records its result."""
        still_ours = Q(status__in=[Delivery.Status.SENDING, Delivery.Status.INTERRUPTED])
        updated = Delivery.objects.filter(still_ours, pk=self.pk, claimed_at=self.claimed_at).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        return updated == 1

    def record_target_done(self, key: str) -> None:
        """One of the rule's targets has the message: on record at once, for a retry or a send again."""
        self.done_targets = sorted({*self.done_targets, key})
        Delivery.objects.filter(pk=self.pk, claimed_at=self.claimed_at).update(done_targets=self.done_targets)

    def record_sent(self, done: list[str], now: datetime) -> bool:
        return self._finish(status=Delivery.Status.SENT, done_targets=done, sent_at=now, last_error="")

    def record_failure(self, done: list[str], error: str, retry_at: datetime | None) -> bool:
        """A failed attempt: retried at ``retry_at``, or given up (failed) when None."""
        status = Delivery.Status.FAILED if retry_at is None else Delivery.Status.RETRYING
        retry_at = retry_at or self.next_attempt_at
        return self._finish(status=status, done_targets=done, last_error=error, next_attempt_at=retry_at)

    def send_again(self, now: datetime) -> bool:
        """Staff ask for a failed or interrupted delivery to be sent once more (to the targets not done)."""
        again = [Delivery.Status.FAILED, Delivery.Status.INTERRUPTED]
        updated = Delivery.objects.filter(pk=self.pk, status__in=again).update(
            status=Delivery.Status.PENDING, next_attempt_at=now, attempts=0
        )
        return updated == 1
