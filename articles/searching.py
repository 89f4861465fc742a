"""Finding articles: by any variant of their URL, or by words in their headlines and text.

On Postgres the words go through full-text search (websearch syntax: "quoted phrases", -exclusions, or) in
two steps. One document per article (``ArticleSearch``: every word any of its versions had, without
positions) with a GIN index finds the articles that may match; then the versions of the page of them shown
are read (``Version.paragraphs``, however stored) and tested one by one, which says which versions match and
drops an article none of whose versions does (words from different versions, a phrase, an exclusion). A
document per version and its index were as large as the texts themselves (bench/results/storage.json).
Documents are made in ``search_documents``. On SQLite, a plain substring match over the versions.
"""

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Lookup, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from articles.canonical import InvalidURL, url_variants
from articles.models import Article, ArticleSearch, Version, load_paragraphs
from articles.search_documents import TEXT_SEARCH_CONFIG, search_text, searchable_pieces

TEXT_SEARCH_INDEX = "article_search_document_idx"
MAX_QUERY_LENGTH = 200
# Up to this many matching articles are listed from the GIN index and a page of them found by their ids;
# more, and the newest articles are walked instead. At 1.28 M articles listing and paging 19,000 took about
# 0.1 s and 67,000 0.35 s, while walking costs ~0.08 ms an article tested: 0.09 s to find 50 of 67,000,
# 0.28 s of 19,000 (bench/scale.py). They cost the same near 40,000.
SEARCH_PROBE = 40_000
# A word Postgres estimates to be in more than this share of the articles is searched by walking the newest
# articles straight away (where walking costs under 0.15 s). Above the 0.5 % that Postgres assumes at most
# for words missing from its statistics, so a rare word is never walked for: a walk for a word in no
# article reads every article (60 s here).
COMMON_SHARE = 0.03
# A page of listed matches is found by walking the newest articles (searching.newest_of) for up to this
# many times the articles that would hold it were the matches spread evenly, when walking an article costs
# less than looking a listed one up, which costs this many times as much (bench/scale.py).
WALK_SLACK = 4
WALK_COST = 0.1
# websearch's phrase operators (<->, <N>): a document without positions can only say both words are in it.
PHRASE = re.compile(r"<(\d*)-?>")
# What fills the gap after each piece of a version's words: no query's lexeme (the parser drops "~").
GAP_LEXEME = "~"
# A lexeme in a tsquery's text form: quoted, a quote inside doubled.
LEXEME = re.compile(r"'(?:[^']|'')*'")


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
    """Versions whose headline or text contains each word of ``query``, unordered (SQLite's search)."""
    words = Q()
    for word in query.split()[:10]:
        words &= Q(title__icontains=word) | Q(social_title__icontains=word) | Q(found_text__icontains=word)
    # Not named "text": the type checker's plugin takes that for a redefinition of the Version.text property.
    text = Cast("plain_paragraphs", output_field=TextField())
    return Version.objects.annotate(found_text=text).filter(words).order_by()


def document_query(query: str) -> str | None:
    """What an article's document must match for a version of it to match ``query``: the words a match
    needs, exclusions left out (``querytree``) and phrases as plain conjunctions; None when no word is needed
    (an exclusion alone), and "" when nothing can match (only stop words)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT querytree(websearch_to_tsquery(%s, %s))", [TEXT_SEARCH_CONFIG, search_text(query)]
        )
        tree: str = cursor.fetchone()[0]
    if tree == "T":
        return None
    return PHRASE.sub("&", tree)


@dataclass(frozen=True)
class PageWanted:
    """A page of search results: after the (last change, id) ``after`` (None: the first page), ``size``
    articles."""

    after: tuple[Any, int] | None
    size: int


def candidate_articles(query: str, page: PageWanted | None = None) -> QuerySet[Article]:
    """Published articles that may have a version matching ``query``; not yet ordered. Exact on SQLite;
    on Postgres, by their documents, to be confirmed with ``found_versions``. With ``page``, only those
    that may be on that page of results, newest change first (the search page's)."""
    published = Article.objects.published()
    if connection.vendor != "postgresql":
        return published.filter(pk__in=matching_versions(query).values("article_id"))
    needed = document_query(query)
    if needed is None:
        return published
    if not needed:
        return published.none()
    documents = documents_matching(needed)
    # Rare words: the GIN index finds every match at once, so list them. Common words: the matches are
    # dense, so walking the newest articles and testing each finds a page quickly. Left to itself the
    # planner sometimes walked all articles for a rare word: 3.4 s at a million articles (measured).
    if not is_common(documents):
        probe = listed(documents)
        if len(probe) < SEARCH_PROBE:
            ids = sorted(probe) if page is None else newest_of(probe, page)
            return published.filter(IdIn(F("pk"), ids))
    return walked(published, needed)


def walked(articles: QuerySet[Article], needed: str) -> QuerySet[Article]:
    """``articles`` whose document matches ``needed``, tested one by one: walked newest first, a page of a
    common word's matches is found in the first few thousand. As a semi-join (``pk IN`` the matching
    documents) Postgres listed all 67,000 matches of a word it thought rare before sorting them (0.33 s at
    1.28 M articles); a scalar subquery it cannot flatten keeps it walking (0.09 s)."""
    found = RawSQL("document @@ %s::tsquery", [needed], output_field=BooleanField())
    document = ArticleSearch.objects.filter(article_id=OuterRef("pk")).values(found=found)
    return articles.filter(Subquery(document, output_field=BooleanField()))


def newest_of(ids: list[int], page: PageWanted) -> list[int]:
    """Of the articles ``ids``, those on ``page`` (published, changed, in (last change, id) order, newest
    first), and one more to tell whether a next page exists. The status test only ranks: the page is read
    through ``Article.objects.published()``, the one rule of what the public may see.

    Many ids: the articles are walked newest first in an index that holds their order (migration 0019),
    each tested against the ids, hashed, until the page is full: of 29,000 ids listed at 1.28 M articles a
    page is among the newest 2,300. The walk is cut short where it would cost more than looking every id
    up, which is what happens otherwise (and after a walk that found too few: matches bunched in the past)."""
    after, bounds = "", []
    if page.after is not None:
        after = "AND (article.last_changed_at, article.id) < (%s, %s)"
        bounds = list(page.after)
    # One array constant, parsed at once: as ARRAY[...] of 29,000 ids Postgres took 10 ms to plan it.
    listed = "{" + ",".join(map(str, ids)) + "}"
    walk = walk_length(len(ids), page.size + 1)
    table = Article._meta.db_table
    with connection.cursor() as cursor:
        if walk is not None:
            cursor.execute(
                f"""
                SELECT id FROM (
                    SELECT id, last_changed_at FROM {table} AS article
                    WHERE last_changed_at IS NOT NULL AND status <> %s {after}
                    ORDER BY last_changed_at DESC, id DESC
                    LIMIT %s
                ) AS newest
                WHERE id = ANY(%s::bigint[])
                ORDER BY last_changed_at DESC, id DESC
                LIMIT %s
                """,
                [Article.Status.REMOVED, *bounds, walk, listed, page.size + 1],
            )
            found = [row[0] for row in cursor.fetchall()]
            if len(found) > page.size:
                return found
        # Each looked up by its id alone, in an index that holds its last change and status (migration
        # 0017): asked for the ids at once, Postgres read every listed article's row from the table,
        # 0.13-0.16 s for 19,000. The LIMIT keeps Postgres from flattening the lookup into a join.
        cursor.execute(
            f"""
            SELECT article.id FROM unnest(%s::bigint[]) AS listed (id)
            CROSS JOIN LATERAL (
                SELECT id, last_changed_at, status FROM {table} WHERE id = listed.id LIMIT 1
            ) AS article
            WHERE article.last_changed_at IS NOT NULL AND article.status <> %s {after}
            ORDER BY article.last_changed_at DESC, article.id DESC
            LIMIT %s
            """,
            [listed, Article.Status.REMOVED, *bounds, page.size + 1],
        )
        return [row[0] for row in cursor.fetchall()]


def walk_length(listed: int, wanted: int) -> int | None:
    """How many of the newest articles to walk for ``wanted`` of ``listed`` matches, or None when looking
    the listed ones up costs less. Matches spread evenly would be ``wanted`` in ``wanted / share`` articles;
    the walk allows WALK_SLACK times that, and is worth it while a walked article costs less than
    WALK_COST of a lookup."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Article._meta.db_table])
        row = cursor.fetchone()
    articles = row[0] if row else -1
    if articles <= 0 or not listed:  # never counted (a new table): nothing to judge by
        return None
    length = math.ceil(WALK_SLACK * wanted * articles / listed)
    return length if length * WALK_COST < listed else None


def listed(documents: QuerySet[ArticleSearch]) -> list[int]:
    """The article ids of up to SEARCH_PROBE of ``documents``, as one array: row by row through the ORM,
    40,000 ids took 38 ms of Python (bench/scale.py)."""
    sql, params = documents.values("article_id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT array_agg(article_id) FROM ({sql} LIMIT %s) AS listed", [*params, SEARCH_PROBE]
        )
        ids: list[int] | None = cursor.fetchone()[0]
    return ids or []


def documents_matching(needed: str) -> QuerySet[ArticleSearch]:
    """The documents that match ``needed`` (a ``document_query``), through their GIN index, unordered."""
    return ArticleSearch.objects.filter(
        RawSQL("document @@ %s::tsquery", [needed], output_field=BooleanField())
    ).order_by()


class IdIn(Lookup[bool]):
    """``pk = ANY(%s)`` with the ids as one array parameter: an IN list of 18,000 placeholders took Django
    and Postgres 0.1 s to build and parse (bench/scale.py), the array 2 ms."""

    lookup_name = "id_in"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, self.rhs]


def is_common(documents: QuerySet[ArticleSearch]) -> bool:
    """Whether Postgres's statistics say that the words are in more than COMMON_SHARE of the documents.

    Only words among the most common ones ANALYZE samples get a real estimate; any other gets at most 0.5 %,
    so a wrong answer only ever means probing first."""
    return estimated_rows(documents) > COMMON_SHARE * estimated_rows(ArticleSearch.objects.order_by())


def estimated_rows(queryset: QuerySet[Any]) -> float:
    plan = queryset.explain(format="json")
    return float((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])


def found_versions(articles: Iterable[Article], query: str) -> dict[int, list[Version]]:
    """The versions of ``articles`` that match ``query``, by article id, oldest first; an article none of
    whose versions matches is left out. Reads every version of these articles only (a page of results)."""
    ids = [a.pk for a in articles]
    found: dict[int, list[Version]] = {}
    if connection.vendor != "postgresql":
        for version in matching_versions(query).filter(article_id__in=ids).order_by("article_id", "number"):
            found.setdefault(version.article_id, []).append(version)
        return found
    versions = list(Version.objects.filter(article_id__in=ids).order_by("article_id", "number"))
    load_paragraphs(versions)  # keyframes in one query, not one per version
    # Each distinct headline and paragraph is read into words once, and each version's words put together
    # from its pieces in order, as to_tsvector reads its whole text: most of a version is its predecessor's,
    # and reading every version's text whole took 0.26 to 0.35 s for a page of 50 articles (bench/scale.py).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q::text, ''::tsvector @@ q FROM websearch_to_tsquery(%s, %s) AS q",
            [TEXT_SEARCH_CONFIG, search_text(query)],
        )
        tree, matches_no_words = cursor.fetchone()
        # A version's words are its pieces' (headlines, paragraphs) in order, a gap of unmatched positions
        # after each, wider than the query's widest phrase: a phrase is found within one piece, never across
        # two (the last words of a paragraph and the first of the next are not a phrase in the text). So a
        # piece that holds none of the query's words changes nothing, and only the others are put together
        # (for a common word, a few of its twenty). A version none of whose pieces does matches as no words
        # at all would (an exclusion). Only the pieces that hold a query word are read into words at all
        # (``pieces_holding``): reading all the pieces of a page of 50 results was 35-90 ms of a search at
        # 1.28 M articles (bench/scale.py).
        texts = [searchable_pieces(version.text) for version in versions]
        lexemes = LEXEME.findall(tree)
        held = pieces_holding(set().union(*texts), lexemes, cursor) if lexemes else None
        gap = f"'{GAP_LEXEME}':{phrase_width(tree)}"
        pieces: dict[str, int] = {}
        owners, parts = [], []
        for index, version_pieces in enumerate(texts):
            for piece in version_pieces:
                if held is None or piece in held:
                    owners.append(index)
                    parts.append(pieces.setdefault(piece, len(pieces)))
        cursor.execute(
            """
            WITH piece AS MATERIALIZED (
                SELECT number - 1 AS piece, to_tsvector(%s, text) AS words
                FROM unnest(%s::text[]) WITH ORDINALITY AS piece (text, number)
            )
            SELECT version, words @@ websearch_to_tsquery(%s, %s) FROM (
                SELECT part.version,
                    articles_tsvector_agg(piece.words || %s::tsvector ORDER BY part.position) AS words
                FROM unnest(%s::int[], %s::int[]) WITH ORDINALITY AS part (version, piece, position)
                JOIN piece USING (piece)
                GROUP BY part.version
            ) version
            """,
            [
                TEXT_SEARCH_CONFIG,
                [*map(search_text, pieces)],
                TEXT_SEARCH_CONFIG,
                search_text(query),
                gap,
                owners,
                parts,
            ],
        )
        seen = dict(cursor.fetchall())
    matching = {index for index, matches in seen.items() if matches}
    if matches_no_words:
        matching |= set(range(len(versions))) - seen.keys()
    for index, version in enumerate(versions):
        if index in matching:
            found.setdefault(version.article_id, []).append(version)
    return found


def pieces_holding(pieces: set[str], lexemes: list[str], cursor: Any) -> set[str]:
    """Those of ``pieces`` that hold a word Postgres reads one of ``lexemes`` (quoted, as in a tsquery's
    text) from. A piece's lexemes are its words' (search_documents), so only its words are asked about, and
    of them only those holding a lexeme's mark (``lexeme_mark``): Postgres reads each such word once. A
    short stem's mark is a letter or two that most pieces hold ("dens": "d"); reading every piece holding
    the marks of "perform densely" into words was 51 ms of a search at 1.28 M articles (bench/scale.py)."""
    marks = [lexeme_mark(lexeme[1:-1].replace("''", "'")) for lexeme in lexemes]
    # The words holding a mark, found in the piece folded at once, a character for a character, so that a
    # match's place in the folded text is the word's as written. A piece with a character that folds to
    # more or less than one (ß, ﬁ, a combining accent) is folded a word at a time instead. Asked of every
    # word apart, the question took 70 ms of a search for two words at 1.28 M articles (bench/scale.py).
    marked = re.compile(r"(?<!\S)\S*?(?:" + "|".join(map(re.escape, marks)) + r")\S*")
    candidates: dict[str, set[str]] = {}
    for piece in pieces:
        text = search_text(piece)
        same = text.lower() if text.isascii() else text.translate(ONE_FOR_ONE)
        if UNFOLDED not in same:
            words = {text[m.start() : m.end()] for m in marked.finditer(same)}
        elif marked.search(folded(text)):
            words = {word for word in text.split() if marked.search(folded(word))}
        else:
            continue
        words.discard("")  # an empty mark (none shorter is made) would match between words too
        if words:
            candidates[piece] = words
    asked = sorted(set().union(*candidates.values()))
    if not asked:
        return set()
    # Each word read after a space, as search_text has it read in a text (its angle brackets are gone).
    cursor.execute(
        "SELECT word FROM unnest(%s::text[]) AS word WHERE to_tsvector(%s, ' ' || word) @@ %s::tsquery",
        [asked, TEXT_SEARCH_CONFIG, " | ".join(lexemes)],
    )
    holding = {row[0] for row in cursor.fetchall()}
    return {piece for piece, words in candidates.items() if not words.isdisjoint(holding)}


def phrase_width(tree: str) -> int:
    """The distance of ``tree``'s widest phrase operator (``<->`` is 1, ``<3>`` is 3; at least 1): a gap
    of that many positions after a piece keeps any of its phrases from reaching into the next."""
    return max([1, *(int(distance or 1) for distance in PHRASE.findall(tree))])


# The combining marks that decomposing Latin, Greek and Cyrillic letters gives (accents, the dot of a capital
# I): a regular expression, as a test of each character took 20-40 ms for a page of results' pieces.
COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def folded(text: str) -> str:
    """``text`` case-folded, decomposed and without combining marks: what Postgres lower-cases and what
    Python case-folds then agree on (a final sigma, a dotted capital I, a ligature, an accent)."""
    if text.isascii():
        return text.lower()
    return COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


class OneForOne(dict[int, str]):
    """A translation table (``str.translate``) of each character to what ``folded`` makes of it where that
    is one character, else to UNFOLDED; filled as characters are met, up to ONE_FOR_ONE_SIZE of them (a
    page of every character there is must not grow it without end)."""

    def __missing__(self, code: int) -> str:
        fold = folded(chr(code))
        value = fold if len(fold) == 1 and fold != UNFOLDED else UNFOLDED
        if len(self) < ONE_FOR_ONE_SIZE:
            self[code] = value
        return value


ONE_FOR_ONE_SIZE = 20_000


UNFOLDED = "\x00"
ONE_FOR_ONE = OneForOne({ord(UNFOLDED): UNFOLDED})


def lexeme_mark(lexeme: str) -> str:
    """What any text that Postgres's English configuration reads ``lexeme`` from contains, folded: the
    stem less its last three letters. Snowball's English stemmer only cuts a word's ending or rewrites its
    last letters (happy → happi, relational → relat, possibly → possibl), and its exceptions are short
    (dying → die, skies → sky), so this is a prefix of every word with that stem."""
    mark = folded(lexeme)
    return mark[: max(1, len(mark) - 3)]


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
    """For a page of search results: which versions of each article match, and a snippet of the newest; an
    article none of whose versions matches (its document matched) has no hit."""
    return {
        article_id: Hit(
            snippet([versions[-1].title, *versions[-1].paragraphs], query),
            [v.number for v in versions[-LISTED_VERSIONS:]],
            max(0, len(versions) - LISTED_VERSIONS),
        )
        for article_id, versions in found_versions(articles, query).items()
    }
