"""Finding articles: by any variant of their URL, or by words in their headlines and text.

On Postgres the words go through full-text search (websearch syntax: "quoted phrases", -exclusions, or)
over a stored tsvector of every version's headline and paragraphs, with a GIN index; on SQLite, a plain
substring match. The tsvector is stored, not an index expression, because Postgres rechecks matches
against it: recomputing it per row made common words take 20 s on 360,000 versions (measured).
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from articles.canonical import InvalidURL, url_variants
from articles.models import TEXT_FIELDS, Article, Version, load_paragraphs

TEXT_SEARCH_INDEX = "version_search_document_idx"
TEXT_SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
# Up to this many matching versions are listed from the GIN index. A word in 1 % of 4.5 M versions (45,000)
# still is: walking the newest articles for it tested 6,000 of them, reading each version's document (0.17 s).
SEARCH_PROBE = 100_000
# A word Postgres estimates to be in more than this share of the versions is searched by walking the newest
# articles straight away. Twice the 0.5 % that Postgres assumes at most for words missing from its statistics,
# so a rare word is never walked for: a walk for a word in no article reads every article (60 s here).
COMMON_SHARE = 0.01


def looks_like_url(text: str) -> bool:
    return text.startswith(("http://", "https://")) or (
        "/" in text and "." in text.split("/")[0] and " " not in text
    )


def article_for_url(text: str) -> Article | None:
    """The published article tracked under any variant of the URL ``text``, if there is one."""
    candidate = text if text.startswith(("http://", "https://")) else f"https://{text}"
    try:
        variants = url_variants(candidate)
    except InvalidURL:
        return None
    found = {a.url: a for a in Article.objects.published().filter(url__in=variants)}
    return next((found[v] for v in variants if v in found), None)


def matching_versions(query: str) -> QuerySet[Version]:
    """Versions whose headline or text matches ``query``, unordered: by full-text search on Postgres, by
    substrings (each word) on SQLite."""
    if connection.vendor == "postgresql":
        search = SearchQuery(query, config=TEXT_SEARCH_CONFIG, search_type="websearch")
        # Unordered: with Version's default ordering (article, number) Postgres walked the article index and
        # read every version's document to test it instead of asking the GIN index: 0.2 s for a common word
        # at 4.5 M versions (bench/scale.py).
        return Version.objects.filter(search_document=search).order_by()
    words = Q()
    for word in query.split()[:10]:
        words &= Q(title__icontains=word) | Q(found_text__icontains=word)
    # Not named "text": the type checker's plugin takes that for a redefinition of the Version.text property.
    text = Cast("plain_paragraphs", output_field=TextField())
    return Version.objects.annotate(found_text=text).filter(words).order_by()


def matching_articles(query: str) -> QuerySet[Article]:
    """Articles any version of which matches ``query``; not yet ordered."""
    versions = matching_versions(query)
    # Rare words: the GIN index finds every match at once, so list them. Common words: the matches are
    # dense, so walking the newest articles and testing each finds a page quickly. Left to itself the
    # planner sometimes walked all articles for a rare word: 3.4 s at a million articles (measured).
    # A word the statistics know to be common is not probed at all: for it Postgres reads the table in
    # order, testing each version's document, and took 0.26 s to find the probe's 10,000.
    if connection.vendor == "postgresql" and not is_common(versions):
        probe = list(versions.values_list("article_id", flat=True)[:SEARCH_PROBE])
        if len(probe) < SEARCH_PROBE:
            found = IdIn(F("pk"), sorted(set(probe)))
            return Article.objects.published().filter(found)
    return Article.objects.published().filter(pk__in=versions.values("article_id"))


class IdIn(Lookup[bool]):
    """``pk = ANY(%s)`` with the ids as one array parameter: an IN list of 18,000 placeholders took Django
    and Postgres 0.1 s to build and parse (bench/scale.py), the array 2 ms."""

    lookup_name = "id_in"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]


def is_common(versions: QuerySet[Version]) -> bool:
    """Whether Postgres's statistics say that the word is in more than COMMON_SHARE of the versions.

    Only words among the most common ones ANALYZE samples get a real estimate; any other gets at most 0.5 %,
    so a wrong answer only ever means probing first, as for every word before."""
    return estimated_rows(versions) > COMMON_SHARE * estimated_rows(Version.objects.order_by())


def estimated_rows(queryset: QuerySet[Any]) -> float:
    plan = queryset.explain(format="json")
    return float((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])


# The words of a query worth marking in a snippet: not websearch's operators ("or", a leading "-").
QUERY_WORD = re.compile(r"(?<![\w-])(?!or\b)\w[\w'’]*", re.IGNORECASE)
SNIPPET_CHARS = 240  # about two lines around the first match
LISTED_VERSIONS = 12


@dataclass(frozen=True)
class Hit:
    """Where a search found an article: a snippet of its newest matching version, the words marked, and
    the numbers of the versions that match."""

    snippet: SafeString
    versions: list[int]
    more_versions: int


def snippet(texts: list[str], query: str) -> SafeString:
    """Text around the first of ``query``'s words in ``texts`` (headline first), escaped, each word found
    marked. Words are matched as prefixes ("bridge" marks "bridges"), near enough to what Postgres's
    stemming found; a text where none shows (a stemmed form) gives its opening."""
    words = [re.escape(w) for w in dict.fromkeys(m.group().lower() for m in QUERY_WORD.finditer(query))]
    pattern = re.compile(rf"\b(?:{'|'.join(words)})\w*", re.IGNORECASE) if words else None
    chosen, start = texts[0] if texts else "", 0
    for text in texts:
        if pattern and (match := pattern.search(text)):
            chosen, start = text, match.start()
            break
    begin = max(0, start - SNIPPET_CHARS // 3)
    if begin:  # from a word's start
        begin = chosen.find(" ", begin) + 1 or begin
    piece = chosen[begin : begin + SNIPPET_CHARS]
    parts, last = [], 0
    for match in pattern.finditer(piece) if pattern else ():
        parts.append(escape(piece[last : match.start()]))
        parts.append(format_html("<mark>{}</mark>", match.group()))
        last = match.end()
    parts.append(escape(piece[last:]))
    lead = "… " if begin else ""
    tail = " …" if begin + SNIPPET_CHARS < len(chosen) else ""
    return mark_safe(lead + "".join(parts) + tail)  # every piece of text escaped above


def hits(articles: list[Article], query: str) -> dict[int, Hit]:
    """For a page of search results: which versions of each article match, and a snippet of the newest."""
    numbers: dict[int, list[int]] = {}
    found_in = matching_versions(query).filter(article_id__in=[a.pk for a in articles])
    for article_id, number in found_in.values_list("article_id", "number"):
        numbers.setdefault(article_id, []).append(number)
    newest = Q(pk__in=[])
    for article_id, found in numbers.items():
        newest |= Q(article_id=article_id, number=max(found))
    newest_versions = list(
        Version.objects.filter(newest).only("article_id", "number", "title", *TEXT_FIELDS).order_by()
    )
    load_paragraphs(newest_versions)
    texts = {v.article_id: [v.title, *v.paragraphs] for v in newest_versions}
    return {
        article_id: Hit(
            snippet(texts.get(article_id, []), query),
            sorted(found)[-LISTED_VERSIONS:],
            max(0, len(found) - LISTED_VERSIONS),
        )
        for article_id, found in numbers.items()
    }
