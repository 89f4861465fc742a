"""Versions: every text an article had, its paragraphs packed against earlier ones (text_chain)."""

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.urls import reverse

from articles import archiving
from articles.diffing import ChangeStats
from articles.models.article import Article, ArticleQuerySet
from articles.normalising import ArticleText
from articles.text_chain import decode, dictionary_number, encode, parsed, unpacked, window


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
        from articles.models.pages import ServedPage  # here: pages.py imports this module

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
        from articles.models.pages import load_pages  # here: pages.py imports this module

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
