"""The Celery tasks: checks, sweeps for due articles, discovery.

Every task the app sends is sent through ``queue_after_commit``: once the transaction that wrote its rows
commits, so that the worker finds them, never if it rolls back, and without failing the request or check
that wrote them when the broker cannot take it (the rows are due, and their sweep sends them again)."""

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NoReturn, ParamSpec, TypeVar, cast

from celery import shared_task as celery_shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from articles import checking, discovery, entries, wayback
from articles.models import Article, Delivery, Source, Version
from articles.notifying import deliveries, sending

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def shared_task(**options: Any) -> Callable[[Callable[P, R]], DjangoTask[P, R]]:
    """Celery's ``shared_task``, typed as what it makes here: a DjangoTask (``delay_on_commit``) taking the
    function's arguments. Celery's stubs cannot know that its Django fix-up makes every task one."""
    return cast(Callable[[Callable[P, R]], DjangoTask[P, R]], celery_shared_task(**options))


# Checks survive a worker's death (acknowledged after they ran) and a database blip (bounded retries).
CHECK_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
}


@shared_task(**CHECK_TASK_OPTIONS)
def check_article(article_id: int) -> str:
    """Check one article (``checking.run_check``). Safe to run twice or concurrently: the store step locks
    the article row. Its name, ``articles.tasks.check_article``, is what queued messages carry: keep it."""
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return "article deleted"
    return str(checking.run_check(article))


@shared_task(**CHECK_TASK_OPTIONS)
def check_articles(article_ids: list[int]) -> str:
    """Check a few articles in turn: a task's own cost (broker round trips, acknowledgement) is shared by
    TRACK_CHECK_BATCH checks instead of paid by each. Past TRACK_BATCH_SECONDS the rest go to a new task,
    so slow sites never hold one beyond its time limit. Safe to run twice, like check_article.

    One article never stops the others: its check records whatever went wrong (see
    checking.run_check), and anything still escaping is logged here and the batch goes on. Only a
    database outage ends the task (to be retried whole), and the soft time limit, which hands the rest
    on as the deadline does."""
    deadline = time.monotonic() + settings.TRACK_BATCH_SECONDS
    outcomes: Counter[str] = Counter()
    for done, article_id in enumerate(article_ids):
        if done and time.monotonic() > deadline:
            check_articles.delay(article_ids[done:])
            outcomes["handed on"] += len(article_ids) - done
            break
        try:
            outcomes[_check_one(article_id)] += 1
        except checking.DATABASE_DOWN:
            raise
        except SoftTimeLimitExceeded:
            outcomes["error"] += 1  # recorded by the check
            if rest := article_ids[done + 1 :]:
                check_articles.delay(rest)
                outcomes["handed on"] += len(rest)
            break
        except Exception:
            logger.exception("check of article %s crashed", article_id)
            outcomes["crashed"] += 1
    return ", ".join(f"{count} {outcome}" for outcome, count in outcomes.items())


def _check_one(article_id: int) -> str:
    article = Article.objects.filter(pk=article_id).first()
    return checking.run_check(article).kind if article else "deleted"


@shared_task(acks_late=True)
def sweep_due_articles() -> int:
    """Claim a bounded batch of due articles and enqueue their checks, TRACK_CHECK_BATCH to a task, once
    the claim is committed (most overdue first, in claim order)."""
    with transaction.atomic():
        ids = Article.objects.claim_due(timezone.now(), settings.TRACK_SWEEP_BATCH)
        size = settings.TRACK_CHECK_BATCH
        batches = [ids[start : start + size] for start in range(0, len(ids), size)]
        queue_after_commit(check_articles, batches, "the checks of articles")
    return len(ids)


def check_soon(article: Article) -> bool:
    """Claim ``article`` and enqueue its check now, unless a check of it is already under way."""
    with transaction.atomic():
        claimed = article.claim_now()
        if claimed:
            queue_after_commit(check_article, [article.pk], "the check of article")
    return claimed


def checked_since(article: Article, since: datetime, timeout: float) -> Article | None:
    """``article`` as its check recorded it, once a check that started at or after ``since`` has (a
    worker's), or None if none did within ``timeout`` seconds (no worker running, a host that asked us to
    wait, a slow site)."""
    deadline = time.monotonic() + timeout
    while True:
        fresh = Article.objects.filter(pk=article.pk).first()
        if fresh is None:
            return None
        if fresh.last_checked_at is not None and fresh.last_checked_at >= since:
            return fresh
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.2)


def first_check_words(article: Article, since: datetime, timeout: float) -> str:
    """What a new article's first check found, in words, for whoever just asked to track it."""
    checked = checked_since(article, since, timeout)
    if checked is None:
        return (
            f"Its first check has not finished within {timeout:g} s (is a worker running?); "
            "its page will show it."
        )
    if checked.version_count:
        return f"First check done: version 0 read, “{checked.title}”."
    return f"First check done. {checked.standing().summary}"


def track(url: str, source: Source | None = None) -> tuple[Article, bool]:
    """Start tracking ``url`` as staff asked (the track page, the API) and queue a new article's first
    check; an article already tracked under a variant keeps its schedule. Raises InvalidURL."""
    with transaction.atomic():
        article, created = Article.objects.track(url, source=source)
        if created:
            check_soon(article)
    return article, created


@shared_task(acks_late=True)
def discover_sources() -> int:
    """Enqueue discovery for the sources whose turn has come (claimed, so two beats never double it)."""
    with transaction.atomic():
        ids = Source.objects.claim_discovery(timezone.now(), settings.TRACK_SWEEP_BATCH)
        queue_after_commit(discover_source, ids, "the discovery of sources")
    return len(ids)


@shared_task(
    acks_late=True, autoretry_for=(OperationalError, InterfaceError), max_retries=3, retry_backoff=True
)
def discover_source(source_id: int) -> int:
    """Track the source's newly listed articles; each is checked by the next sweep (due at once)."""
    source = Source.objects.filter(pk=source_id, active=True).first()
    if source is None:
        return 0
    return len(discovery.discover(source).new)


# --- notifications ------------------------------------------------------------------------------------

# Like checks: acknowledged after it ran, database blips retried. A send's own failures are retried by
# send_delivery itself, on the schedule its delivery records (NOTIFY_RETRY_DELAY doubling).
NOTIFY_TASK_OPTIONS: dict[str, Any] = {**CHECK_TASK_OPTIONS, "max_retries": 10}


def notify_of(version: Version) -> None:
    """Called as ``version`` is stored, in its transaction: its deliveries (one per rule that wants it) are
    made in that same transaction, so that a stored version never lacks them nor has them twice, and
    their sends are queued once it commits."""
    ids = Delivery.objects.create_for(version)
    if ids:
        queue_after_commit(send_delivery, ids, "deliveries")


def queue_after_commit(task: DjangoTask[[T], Any], arguments: list[T], what: str) -> None:
    """Send ``task`` once for each of ``arguments`` (an id, or a batch of ids) when the current transaction
    commits, never if it rolls back; outside a transaction, now. The one way the app sends a task."""
    if arguments:
        transaction.on_commit(partial(queue_now, task, arguments, what))


def queue_now(task: DjangoTask[[T], Any], arguments: list[T], what: str) -> None:
    """Send ``task`` for each of ``arguments`` now (their rows committed). A broker that cannot take them
    (Redis down) must not turn the check or request that wrote them into a failure: the rows are due or
    claimed for a while, and their sweep sends them again once the claim lapses."""
    try:
        for argument in arguments:
            task.delay(argument)
    except Exception:
        logger.warning("could not queue %s %s: the sweep will", what, arguments, exc_info=True)


@shared_task(**NOTIFY_TASK_OPTIONS)
def send_delivery(delivery_id: int) -> str:
    """Send one delivery: claim it (one worker only), send to the targets not yet done, record what
    happened; after a failure, retry later with a doubling wait, up to NOTIFY_MAX_ATTEMPTS attempts.

    At most once after the claim: a delivery found still claimed (``sending``) is never sent again
    here. Its worker may be sending it right now (this task delivered twice) or may have died mid-send,
    when the message may or may not have arrived; once its claim is older than any send can last, it is
    marked ``interrupted`` for staff to look at (and the sweep does the same for one nobody asks about)."""
    now = timezone.now()
    if not Delivery.objects.claim(delivery_id, now):
        if Delivery.objects.stale_claims(now).filter(pk=delivery_id).exists():
            Delivery.objects.filter(pk=delivery_id).interrupt_stale(now)
            return "interrupted"
        return "not due, or sent elsewhere"
    delivery = Delivery.objects.select_related("rule", "version__article__source").get(pk=delivery_id)
    if not delivery.rule.enabled:
        delivery.record_failure(delivery.done_targets, "Its rule was disabled before it was sent.", None)
        return "failed"
    try:
        outcome = deliveries.send(delivery)
    except checking.DATABASE_DOWN:
        raise  # left claimed: interrupted once the lease is over, as after a worker's death
    except Exception as exc:  # a bug, not a receiver's failure: recorded, retried like one
        logger.exception("delivery %s crashed", delivery_id)
        outcome = sending.Outcome(errors=[f"crashed: {type(exc).__name__}: {exc}"], permanent_only=False)
    done = sorted({*delivery.done_targets, *outcome.sent})
    if outcome.ok:
        delivery.record_sent(done, timezone.now())
        return "sent"
    error = "; ".join(outcome.errors)
    if outcome.permanent or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        delivery.record_failure(done, error, retry_at=None)
        return "failed"
    wait = deliveries.retry_delay(delivery.attempts)
    delivery.record_failure(done, error, retry_at=timezone.now() + timedelta(seconds=wait))
    raise send_delivery.retry(countdown=wait)


@shared_task(acks_late=True)
def sweep_deliveries() -> str:
    """Mark deliveries whose worker died mid-send interrupted, and queue again those whose task was lost."""
    now = timezone.now()
    interrupted = Delivery.objects.interrupt_stale(now)
    overdue = Delivery.objects.overdue(now).order_by("next_attempt_at").values_list("pk", flat=True)[:500]
    queued = list(overdue)
    for delivery_id in queued:
        send_delivery.delay(delivery_id)
    return f"{interrupted} interrupted, {len(queued)} queued again"


# --- the Wayback Machine --------------------------------------------------------------------------------

# Like checks: acknowledged after it ran (a worker's death leaves the message to come back), database blips
# retried a few times. The only step it re-schedules itself for is the next look at a capture under way, a
# short countdown bounded by WAYBACK_POLL_TIMEOUT, not by Celery's count of retries: hence no max_retries
# but the database blips' (counted with those looks; past it a blip ends the task, and the sweep queues
# the save again).
WAYBACK_TASK_OPTIONS: dict[str, Any] = {
    **CHECK_TASK_OPTIONS,
    "max_retries": None,
    "retry_kwargs": {"max_retries": 5},
}


def wayback_lease() -> float:
    """How long a step may hold its claim: two requests' timeouts and some. A worker that dies holding it
    leaves the save due again once it is over (the sweep queues it then)."""
    return 2 * settings.WAYBACK_TIMEOUT + 30


def save_to_wayback_soon(version: Version) -> None:
    """Called as ``version`` is stored with its save asked for, in its transaction: its task is queued once
    it commits."""
    queue_after_commit(save_to_wayback, [version.pk], "the Wayback save of version")


def wayback_retry_delay(attempts: int) -> int:
    """Seconds before capture ``attempts + 1``: WAYBACK_RETRY_DELAY, doubling, capped by
    WAYBACK_RETRY_MAX_DELAY."""
    delay: int = settings.WAYBACK_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return min(delay, settings.WAYBACK_RETRY_MAX_DELAY)


@shared_task(**WAYBACK_TASK_OPTIONS)
def save_to_wayback(version_id: int) -> str:
    """Take the next step of version ``version_id``'s Wayback Machine save: ask SPN for a capture, in the
    turn the rate every worker shares gives, or look at the capture under way.

    Never sleeps: the next look at a capture (SPN takes up to minutes) is this task again with a short
    countdown. Longer waits (no turn yet, a retry's doubling wait, SPN's 429) are only written on the version
    (``wayback_due_at``) and beat's sweep queues the save once it is due, oldest first and a bounded number a
    minute: a backlog of saves waiting for their turns costs the broker nothing and wakes no worker, and no
    countdown outlives the broker's visibility timeout (past which Redis would deliver it again).

    Idempotent: each step first claims the save (``Version.objects.claim_wayback``, a conditional UPDATE
    committed before any request), so of two deliveries of this task one goes on and the other finds it not
    due. With WAYBACK_SAVE off it sends nothing at all."""
    if not settings.WAYBACK_SAVE:
        return "off"
    now = timezone.now()
    version = Version.objects.claim_wayback(version_id, now, wayback_lease())
    if version is None:
        return "not due, or done elsewhere"
    if version.article.status == Article.Status.REMOVED:
        # Removed by staff, it appears nowhere: nor is it handed to the archive after that.
        version.wayback_failed("The article was removed before it was saved.", retry_at=None)
        return "removed"
    if version.wayback_status == Version.Wayback.CAPTURING:
        return _look_at_capture(version, now)
    return _ask_for_capture(version, now)


def _ask_for_capture(version: Version, now: datetime) -> str:
    wait = wayback.limiter().take()
    if wait > 0:  # not its turn, which is no attempt: the sweep brings it back once the turn has come
        version.wayback_wait(now + timedelta(seconds=wait))
        return "waiting for its turn"
    version.wayback_asking()
    outcome = wayback.submit(version.article.url)
    if isinstance(outcome, wayback.Submitted):
        return _look_again(version, lambda look_at: version.wayback_submitted(outcome.job_id, now, look_at))
    return _capture_failed(version, outcome)


def _look_again(version: Version, record: Callable[[datetime], bool]) -> NoReturn:
    """The next look at ``version``'s capture in WAYBACK_POLL_INTERVAL seconds: its time on record (for the
    claim and the sweep), and this task again with that countdown."""
    seconds = settings.WAYBACK_POLL_INTERVAL
    record(timezone.now() + timedelta(seconds=seconds))
    raise save_to_wayback.retry(countdown=seconds)


def _look_at_capture(version: Version, now: datetime) -> str:
    outcome = wayback.status(version.wayback_job, version.article.url)
    if isinstance(outcome, wayback.Captured):
        version.wayback_saved(outcome.snapshot_url)
        return "saved"
    started = version.wayback_submitted_at or now
    if (now - started).total_seconds() > settings.WAYBACK_POLL_TIMEOUT:
        return _capture_failed(
            version, wayback.Failed(f"the capture took longer than {settings.WAYBACK_POLL_TIMEOUT} s")
        )
    if isinstance(outcome, wayback.Capturing) or outcome.transport:
        # Still under way, or no answer about it this time: look again (a look is not a capture asked for).
        return _look_again(version, version.wayback_wait)
    return _capture_failed(version, outcome)


def _capture_failed(version: Version, outcome: wayback.Failed) -> str:
    """A capture asked for and not made: asked for again after a doubling wait (at least as long as SPN
    asked for), or failed for good after WAYBACK_MAX_ATTEMPTS or a refusal no retry mends."""
    if outcome.wait is not None:
        wayback.limiter().hold_off(outcome.wait)  # SPN said 429: every worker waits, not only this one
    if outcome.permanent or version.wayback_attempts >= settings.WAYBACK_MAX_ATTEMPTS:
        version.wayback_failed(outcome.reason, retry_at=None)
        return "failed"
    wait = max(wayback_retry_delay(version.wayback_attempts), outcome.wait or 0)
    version.wayback_failed(outcome.reason, retry_at=timezone.now() + timedelta(seconds=wait))
    return "to be retried"


@shared_task(acks_late=True)
def sweep_wayback_saves() -> str:
    """Queue the saves that are due: waiting for their turn or a retry, or whose task was lost (the broker
    down as their version committed, a worker that died holding a claim, a look at a capture late by
    WAYBACK_SWEEP_GRACE); the longest due first, at most WAYBACK_SWEEP_BATCH a run. Those that find no turn
    wait for a later run."""
    if not settings.WAYBACK_SAVE:
        return "off"
    now = timezone.now()
    due = Version.objects.wayback_due(now).order_by("wayback_due_at").values_list("pk", flat=True)
    queued = list(due[: settings.WAYBACK_SWEEP_BATCH])
    for version_id in queued:
        save_to_wayback.delay(version_id)
    return f"{len(queued)} queued"


# --- feed entries -----------------------------------------------------------------------------------------


@shared_task(acks_late=True)
def prune_feed_entries() -> str:
    """Delete the feed entries past FEED_ENTRY_DAYS (bounded: a long backlog goes over several runs)."""
    return f"{entries.prune(timezone.now())} deleted"
