"""One check of one article: fetch → extract → normalise + hash → store a version if the text changed."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.utils import timezone

from articles.extraction import extract
from articles.fetching import FetchError, fetch
from articles.models import Article
from articles.normalising import ArticleText

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckOutcome:
    kind: Literal["new_version", "unchanged", "error"]
    version_number: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.kind == "new_version":
            return f"new version {self.version_number}"
        if self.kind == "unchanged":
            return f"unchanged ({self.reason})" if self.reason else "unchanged"
        return f"error: {self.reason}"


def check_article(article: Article, now: datetime | None = None) -> CheckOutcome:
    now = now or timezone.now()
    try:
        fetched = fetch(article.url, etag=article.etag, last_modified=article.last_modified)
    except FetchError as error:
        article.record_failure(error, now)
        logger.info("check of article %s failed: %s", article.pk, error.reason)
        return CheckOutcome("error", reason=error.reason)

    if fetched.not_modified:
        article.record_unchanged(fetched, now)
        return CheckOutcome("unchanged", reason="not modified")
    if article.body_hash and fetched.body_hash == article.body_hash:
        article.record_unchanged(fetched, now)
        return CheckOutcome("unchanged", reason="identical bytes")

    try:
        extraction = extract(fetched.text, fetched.url)
    except Exception as exc:  # a page the parser chokes on must back off, not be re-swept forever
        logger.exception("extraction failed for article %s", article.pk)
        error = FetchError(
            f"could not parse the page ({type(exc).__name__})", transient=True, status=fetched.status
        )
        article.record_failure(error, now)
        return CheckOutcome("error", reason=error.reason)
    text = ArticleText.from_parts(extraction.title, extraction.byline, extraction.paragraphs)
    if text.is_empty:
        # Storing an empty version would later read as "the whole article was deleted".
        error = FetchError("no article text found on the page", transient=True, status=fetched.status)
        article.record_failure(error, now)
        return CheckOutcome("error", reason=error.reason)

    version = article.store_if_changed(text, extraction, fetched, now)
    if version is None:
        return CheckOutcome("unchanged")
    logger.info("article %s: new version %s", article.pk, version.number)
    return CheckOutcome("new_version", version_number=version.number)
