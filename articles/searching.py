"""Finding articles: by any variant of their URL, or by words in their headlines and text.

On Postgres the words go through full-text search (websearch syntax: "quoted phrases", -exclusions, or)
over a stored tsvector of every version's headline and paragraphs, with a GIN index; on SQLite, a plain
substring match. The tsvector is stored, not an index expression, because Postgres rechecks matches
against it: recomputing it per row made common words take 20 s on 360,000 versions (measured).
"""

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from articles.canonical import InvalidURL, url_variants
from articles.models import Article, Version

TEXT_SEARCH_INDEX = "version_search_document_idx"
TEXT_SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
SEARCH_PROBE = 10_000


def looks_like_url(text: str) -> bool:
    return text.startswith(("http://", "https://")) or (
        "/" in text and "." in text.split("/")[0] and " " not in text
    )


def article_for_url(text: str) -> Article | None:
    candidate = text if text.startswith(("http://", "https://")) else f"https://{text}"
    try:
        variants = url_variants(candidate)
    except InvalidURL:
        return None
    found = {a.url: a for a in Article.objects.filter(url__in=variants)}
    return next((found[v] for v in variants if v in found), None)


def matching_articles(query: str) -> QuerySet[Article]:
    """Articles any version of which matches ``query``; not yet ordered."""
    if connection.vendor == "postgresql":
        search = SearchQuery(query, config=TEXT_SEARCH_CONFIG, search_type="websearch")
        versions = Version.objects.filter(search_document=search)
        # Rare words: the GIN index finds every match at once, so list them. Common words: the matches are
        # dense, so walking the newest articles and testing each finds a page quickly. Left to itself the
        # planner sometimes walked all articles for a rare word: 3.4 s at a million articles (measured).
        probe = list(versions.values_list("article_id", flat=True)[:SEARCH_PROBE])
        if len(probe) < SEARCH_PROBE:
            return Article.objects.filter(pk__in=set(probe)).exclude(status=Article.Status.REMOVED)
    else:
        words = Q()
        for word in query.split()[:10]:
            words &= Q(title__icontains=word) | Q(text__icontains=word)
        versions = Version.objects.annotate(text=Cast("paragraphs", output_field=TextField())).filter(words)
    return Article.objects.filter(pk__in=versions.values("article_id")).exclude(status=Article.Status.REMOVED)
