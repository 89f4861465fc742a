"""The tracked article: its schedule, status and what its checks found, newest first."""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from articles import scheduling
from articles.canonical import InvalidURL, url_variants
from articles.models.sources import Source, trackable_url
from articles.standing import Standing, describe
from articles.text_chain import dictionary_number

if TYPE_CHECKING:
    from articles.models.versions import Version


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

    def version_pair(self, old: int, new: int) -> tuple["Version", "Version"] | None:
        """Versions ``old`` and ``new`` of this article, or None if either does not exist; with their
        paragraphs, read in the same query as the keyframes they are packed against."""
        numbers = {old, new} | {k for n in (old, new) if (k := dictionary_number(n)) is not None}
        from articles.models.versions import load_paragraphs  # here: versions.py imports this module

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
