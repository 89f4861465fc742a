"""An article's standing in words: where it is in its life, what its last check found, when the next one
comes, how often it is checked, and how many changes there are to see.

The one place that turns an article's fields into the sentences the article page, the source page and the
API show, so that they never contradict one another (a page said "never fetched" and "the first check has
not run" of an article whose two checks had both answered HTTP 404). Pure: the article's fields and the
clock in, words out.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.timesince import timesince, timeuntil

from articles import scheduling

if TYPE_CHECKING:
    from articles.models import Article


# What an article can be, for people. "new": tracked, never checked; "pending": checked, but no version
# read yet (its checks failed so far, and are tried again); "ok": versions read, checked on schedule;
# "volatile": changes on almost every load, so checked seldom; then the ends: "failing" (checks kept
# failing), "gone" (404/410), "stopped" (unchanged for long), "removed" (taken down by an administrator).
STATES = ("new", "pending", "ok", "volatile", "failing", "gone", "stopped", "removed")


@dataclass(frozen=True)
class Standing:
    state: str
    # One line for lists and the API: "Tracked: checked about every 2 hours; next check in 40 minutes."
    summary: str
    # The last check and what it found: "Last checked 5 minutes ago." / "Not checked yet."
    last_check: str
    # "Next check in 40 minutes." / "A check is under way." / "No longer checked."
    next_check: str
    # "Checked about every 2 hours." (empty once no longer checked)
    interval: str
    # "2 changes (1 minor or parser change hidden)." / "No change since it was first read."
    changes: str
    # Why the history is empty, where it is: the row under an empty list of versions.
    no_versions: str

    @property
    def notable(self) -> bool:
        """Worth a word in a list of articles: anything but being checked as usual."""
        return self.state not in ("ok", "volatile")


# Django writes "2\xa0minutes" for pages; the API's readers and a line that wraps are better served by a
# plain space.
def _ago(then: datetime, now: datetime) -> str:
    return (
        "just now"
        if now - then < timedelta(minutes=1)
        else f"{timesince(then, now)} ago".replace("\xa0", " ")
    )


def _in(then: datetime, now: datetime) -> str:
    if then - now < timedelta(minutes=1):
        return "in under a minute"
    return f"in {timeuntil(then, now)}".replace("\xa0", " ")


def _interval(article: "Article", now: datetime) -> str:
    if article.volatile_since is not None:
        every = timedelta(seconds=settings.TRACK_VOLATILE_INTERVAL)
    else:
        every = scheduling.base_interval(now - article.schedule_clock)
    return f"Checked about every {scheduling.describe_interval(every)}."


def _changes(article: "Article", hidden: int | None) -> str:
    if article.version_count == 0:
        return "No version yet."
    if article.version_count == 1:
        return "No change since it was first read."
    changes = article.change_count
    if hidden is None:
        return f"{changes} change{'s' if changes != 1 else ''}."
    shown = changes - hidden
    said = f"{shown} change{'s' if shown != 1 else ''}" if shown else "No change to show"
    if hidden:
        said += f" ({hidden} minor or parser change{'s' if hidden != 1 else ''} hidden)"
    return said + "."


def describe(article: "Article", now: datetime, *, hidden: int | None = None) -> Standing:
    """``article``'s standing at ``now``; ``hidden``: how many of its changes are hidden kinds (minor,
    parser), where the caller has counted them."""
    from articles.models import Article  # here, not above: the model module imports this one

    status, error = article.status, article.last_error
    changes = _changes(article, hidden)
    checked = article.last_checked_at
    if checked is None:
        # Versions without a check on record came from an import (or the demo), not from a check here.
        last_check = "No check recorded here." if article.version_count else "Not checked yet."
    elif error:
        last_check = f"Last checked {_ago(checked, now)}: it failed ({error})."
    else:
        last_check = f"Last checked {_ago(checked, now)}."

    def ended(state: str, summary: str, no_versions: str) -> Standing:
        return Standing(state, summary, last_check, "No longer checked.", "", changes, no_versions)

    if status == Article.Status.REMOVED:
        return ended("removed", "Removed by an administrator; no longer checked.", "No version is shown.")
    if status == Article.Status.GONE:
        said = f"Gone: the page has left its site ({error or 'HTTP 404/410'}); no longer checked."
        return ended("gone", said, "No version: the page was gone before it could be read.")
    if status == Article.Status.FAILING:
        said = f"Failing: checks kept failing ({error or 'unknown error'}); no longer checked."
        return ended("failing", said, f"No version: every check failed ({error or 'unknown error'}).")
    if status == Article.Status.STOPPED:
        days = (now - (article.last_changed_at or article.first_seen_at)).days
        said = f"Stopped: unchanged for over {days} days; no longer checked."
        return ended("stopped", said, "No version: tracking stopped before the page could be read.")

    interval = _interval(article, now)
    if article.check_under_way(now):
        next_check = "A check is under way."
    elif article.next_check_at is None:
        next_check = "No check scheduled."
    elif article.next_check_at <= now:
        next_check = "Next check due now."
    else:
        next_check = f"Next check {_in(article.next_check_at, now)}."
    next_words = next_check[0].lower() + next_check[1:-1]
    if article.version_count == 0:
        if checked is None:
            summary = f"New: not checked yet; {next_words.replace('next check', 'first check')}."
            no_versions = "No version yet: the first check has not run."
            return Standing("new", summary, last_check, next_check, interval, changes, no_versions)
        reason = f"its last check failed ({error})" if error else "nothing readable was found so far"
        summary = f"No version yet: {reason}; {next_words}."
        return Standing(
            "pending", summary, last_check, next_check, interval, changes, f"No version yet: {reason}."
        )
    every = interval[0].lower() + interval[1:-1]
    if article.volatile_since is not None:
        summary = f"Changes on almost every load, so {every}; {next_words}."
        return Standing("volatile", summary, last_check, next_check, interval, changes, "")
    failed = f" The last check failed ({error})." if error else ""
    summary = f"Tracked: {every}; {next_words}.{failed}"
    return Standing("ok", summary, last_check, next_check, interval, changes, "")
