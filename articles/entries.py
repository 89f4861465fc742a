"""A change as a feed entry: the HTML of what changed between a version and the one before it.

Made when a version is stored, from the diff its change statistics came from, and kept (``FeedEntry``) for
FEED_ENTRY_DAYS, so that a feed of recent changes reads 50 entries from one query instead of unpacking 100
texts and diffing 50 pairs (most of a cold changes feed's time at 100 k articles: bench/scale.py). An entry
names what it was made from (``made_from``: the versions' numbers, rows and texts' hashes, the diff engine's
and this module's releases), so that one made from other texts (``manage.py reextract``, a database restored
under old entries) or by older code is never shown: the feed makes that entry afresh, as it does one that
was never kept or is past its days.

Pure functions but ``make_entries``, ``make_recent`` and ``prune``, which read versions and write or delete
entries.
"""

import hashlib
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.html import format_html, format_html_join

from articles.diffing import (
    DIFF_RELEASE,
    ParagraphOp,
    Segment,
    TextDiff,
    render_segments,
    social_title_changed,
    stored_diff,
)
from articles.models import FeedEntry, Version, load_paragraphs
from articles.normalising import ArticleText

# Raise it whenever the same diff would make another entry (its HTML, its limits): kept entries name it.
ENTRY_RELEASE = "1"
# An entry shows at most this many changed paragraphs; the diff page has the rest. A feed carries 50
# entries, and a reader fetches it every few minutes.
ENTRY_PARAGRAPHS = 200
# zlib's level for kept entries: they are HTML of a few changed paragraphs (a median of 550 bytes at bench
# scale), packed to 60 % of that; higher levels gain nothing measurable on so little.
LEVEL = 6


def diff_key(what: str, old: Version, new: Version, *variant: str) -> str:
    """The cache key of something made from the diff of two versions. It names exactly that: what was made
    (``what``, and its ``variant``: view, folding), of which article, from which versions (number and row),
    by which release of the diff engine. Never by the texts' hashes alone: two articles' texts may fold to
    the same hash ("102 → 103" and "10² → 10³" do), and one's diff must never be served for the other's.
    The hashes are there too, so that a database restored or rebuilt under a cache that outlived it (rows
    numbered again from 1) does not meet the diffs of the rows it replaced."""
    if old.article_id != new.article_id:
        raise ValueError("a diff is of two versions of one article")
    versions = (
        f"v{old.number}.{old.pk}.{old.content_hash[:16]}-v{new.number}.{new.pk}.{new.content_hash[:16]}"
    )
    return ":".join(("diff", DIFF_RELEASE, what, f"article{old.article_id}", versions, *variant))


def made_from(previous: Version, version: Version) -> int:
    """What a kept entry of ``version`` names: its feed diff key and ENTRY_RELEASE, as a signed 64-bit
    digest (a key is ~90 characters; the entry's row is found by the version's id, the digest only tells
    whether it still stands)."""
    key = f"{diff_key('feed', previous, version)}:entry{ENTRY_RELEASE}"
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def standing(entry: FeedEntry | None, previous: Version | None, version: Version) -> FeedEntry | None:
    """``entry``, kept for ``version``, if it was made from ``previous`` and ``version`` as they are now."""
    if entry is None or previous is None or entry.made_from != made_from(previous, version):
        return None
    return entry


def move_note(op: ParagraphOp) -> str | None:
    """Where a moved paragraph went or came from, in words (paragraphs counted from 1)."""
    if op.moved is None:
        return None
    if op.op == "moved_out":
        return f"Moved: now paragraph {op.moved + 1}"
    return f"Moved here from paragraph {op.moved + 1}" + (", and edited" if op.words.changed else "")


def styled(segments: tuple[Segment, ...]) -> str:
    return render_segments(segments, inline_styles=True)


def entry_html(old: ArticleText, new: ArticleText, diff: TextDiff) -> str:
    """The entry of the change from ``old`` to ``new`` whose diff is ``diff``: the headlines and byline that
    changed, then the changed paragraphs (up to ENTRY_PARAGRAPHS), as HTML built from escaped text with
    inline styles, since feed readers drop stylesheets."""
    social = diff.social_title if social_title_changed(old, new) else None
    parts: list[str] = [
        format_html("<p><strong>{}:</strong> {}</p>", label, styled(words.inline))
        for label, words in (("Headline", diff.title), ("Social headline", social), ("Byline", diff.byline))
        if words is not None and words.changed
    ]
    # A move is told once, where the paragraph now stands.
    changes = [op for op in diff.body.ops if op.op not in ("equal", "moved_out")]
    shown = (
        (f"{move_note(op)}: " if op.op == "moved_in" else "", styled(op.words.inline))
        for op in changes[:ENTRY_PARAGRAPHS]
    )
    parts.append(format_html_join("\n", "<p>{}{}</p>", shown))
    unlisted = diff.body.unlisted
    if len(changes) > ENTRY_PARAGRAPHS or (
        unlisted and (unlisted.paragraphs_added or unlisted.paragraphs_removed)
    ):
        parts.append("<p>… and more changes than a feed entry shows: see the diff page.</p>")
    return "\n".join(part for part in parts if part) or "<p>No change to the text.</p>"


def packed(html: str) -> bytes:
    return zlib.compress(html.encode(), LEVEL)


def unpacked(data: bytes | memoryview) -> str:
    return zlib.decompress(bytes(data)).decode()


def kept_since(now: datetime) -> datetime:
    """The oldest fetch time whose entries are kept: FEED_ENTRY_DAYS before ``now``."""
    return now - timedelta(days=settings.FEED_ENTRY_DAYS)


def entry_of(
    previous: Version, version: Version, old: ArticleText, new: ArticleText, diff: TextDiff
) -> FeedEntry:
    """The entry to keep for ``version``, whose text ``new`` is ``diff`` (``stored_diff``) from ``old``, the
    text of ``previous``."""
    return FeedEntry(
        version_id=version.pk,
        made_from=made_from(previous, version),
        fetched_at=version.fetched_at,
        html=packed(entry_html(old, new, diff)),
    )


def make_entries(pairs: Sequence[tuple[Version, Version]]) -> int:
    """Keep the entries of ``pairs`` (each a version and the one before it, their texts loaded or not):
    diffed as a stored version's statistics are (bounded by work, not time), made again where one is kept
    from other texts or older code; how many were made."""
    if not pairs:
        return 0
    load_paragraphs(v for pair in pairs for v in pair)
    entries = [
        entry_of(previous, version, old, new, stored_diff(old, new))
        for previous, version in pairs
        for old, new in [(previous.text, version.text)]
    ]
    FeedEntry.objects.bulk_create(
        entries, update_conflicts=True, unique_fields=["version"], update_fields=["made_from", "html"]
    )
    return len(entries)


def make_recent(now: datetime, batch: int = 500) -> int:
    """Make the entries of the changes fetched in the FEED_ENTRY_DAYS before ``now`` that have none still
    standing, newest first, ``batch`` versions at a time (one transaction each); how many were made. For a
    database from before entries were kept, or one whose versions came by import."""
    made = 0
    recent = Version.objects.filter(fetched_at__gte=kept_since(now), number__gte=1).without_texts()
    after: tuple[datetime, int] | None = None
    while True:
        page = recent.order_by("-fetched_at", "-pk")
        if after is not None:
            page = page.filter(Q(fetched_at__lt=after[0]) | Q(fetched_at=after[0], pk__lt=after[1]))
        versions = list(page[:batch])
        if not versions:
            return made
        after = (versions[-1].fetched_at, versions[-1].pk)
        previous = {
            (v.article_id, v.number): v
            for v in Version.objects.numbered((v.article_id, v.number - 1) for v in versions).without_texts()
        }
        kept = FeedEntry.objects.in_bulk([v.pk for v in versions])
        pairs = [
            (before, version)
            for version in versions
            if (before := previous.get((version.article_id, version.number - 1))) is not None
            and standing(kept.get(version.pk), before, version) is None
        ]
        with transaction.atomic():
            made += make_entries(pairs)


def prune(now: datetime, batch: int = 5_000, batches: int = 20) -> int:
    """Delete the entries of versions fetched more than FEED_ENTRY_DAYS before ``now``, oldest first, at
    most ``batches`` of ``batch`` (a sweep stays short; the next one goes on); how many were deleted."""
    old = FeedEntry.objects.filter(fetched_at__lt=kept_since(now)).order_by("fetched_at")
    deleted = 0
    for _ in range(batches):
        ids = list(old.values_list("pk", flat=True)[:batch])
        if not ids:
            break
        deleted += FeedEntry.objects.filter(pk__in=ids).delete()[0]
    return deleted
