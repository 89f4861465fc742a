"""The articles' search documents (Postgres): every word any of an article's versions had, without positions.

A version's words are added to its article's document as it is stored (``add_words``); ``rebuild_documents``
makes documents again from all the versions (``manage.py rebuild_search``, re-extraction, the bench loader).

Rebuilding reads each distinct word of a batch once. Postgres's parser does not join across white space
(its one token that does, an HTML tag, cannot occur, and every text is read after a space: see
``search_text``), so an article's document is the union of the lexemes of its distinct words, and a word's
lexemes are the same in every article: they are asked of Postgres once (``Lexicon``) and put together in
Python. Checked against Postgres's reading of whole texts on 1,051 real pages and the tests' hostile texts.
Parsing every distinct headline and paragraph of each article took Postgres 1.3-2.0 ms an article at 100 k
bench articles; asking for a batch's new words and reading the documents' text form, 0.3-0.4 ms.
"""

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from articles.models import ArticleSearch, Version, load_paragraphs
from articles.normalising import ArticleText

TEXT_SEARCH_CONFIG = "english"
# The text is a page's text as a reader sees it, never markup: "<" and ">" in it are characters. Postgres's
# parser takes "<The Palace: Jang Noksu>" for an HTML tag and drops its words, so the brackets become spaces.
ANGLE_BRACKETS = re.compile("[<>]")
# A rebuild keeps the lexemes of up to this many words (~100 MB); past that it forgets them and asks again.
LEXICON_WORDS = 1_000_000


def searchable_pieces(text: ArticleText) -> tuple[str, ...]:
    """What search reads of a version: its headlines and its paragraphs."""
    return (text.title, text.social_title, *text.paragraphs)


def searchable_text(text: ArticleText) -> str:
    """A version's searchable pieces as one text, a line each."""
    return "\n".join(searchable_pieces(text))


def search_text(text: str) -> str:
    """``text`` as Postgres is given it to read into words or a query (documents, the versions a search
    tests, the search's own words): without angle brackets, and after a space, as at the start of a text
    Postgres's parser reads some words otherwise ("./run.py" and "~2x" as one token each, after a space as
    "." and "/run.py", "~" and "2x"), so that a text's word is read the same wherever it stands. (A query's
    words are read each on its own by websearch_to_tsquery, as at a text's start: "~2x" in a query is not
    the "2x" of a text, as before.)"""
    return " " + (ANGLE_BRACKETS.sub(" ", text) if "<" in text or ">" in text else text)


def words_of(pieces: Iterable[str]) -> set[str]:
    """The distinct words (runs of characters between white space) of ``pieces``."""
    return set(search_text(" ".join(pieces)).split())


class Lexicon:
    """Each word's lexemes in Postgres's text search configuration, in a tsvector's text form ("'well-known'
    'well' 'known'"; "" for a stop word), asked of Postgres (through ``database``, a DB-API connection;
    Django's by default) once for every word not seen before."""

    def __init__(self, limit: int = LEXICON_WORDS, database: Any = None) -> None:
        self.limit = limit
        self.database = database or connection
        self.entries: dict[str, str] = {}

    def learn(self, words: set[str]) -> None:
        new = [word for word in words if word not in self.entries]
        if not new:
            return
        if len(self.entries) + len(new) > self.limit:
            self.entries.clear()  # and ask for all of these words: the ones known before are forgotten too
            new = list(words)
        with self.database.cursor() as cursor:
            cursor.execute(
                "SELECT tsvector_to_array(to_tsvector(%s, word)) FROM unnest(%s::text[]) AS word",
                [TEXT_SEARCH_CONFIG, [search_text(word) for word in new]],
            )
            # In the order of unnest's input: a set-returning function in the FROM list keeps it.
            for word, (lexemes,) in zip(new, cursor.fetchall(), strict=True):
                self.entries[word] = " ".join(map(quoted, lexemes))

    def documents(self, words: dict[int, set[str]]) -> dict[int, str]:
        """The documents (tsvector input) of the articles whose distinct words are ``words``."""
        self.learn(set().union(*words.values()))
        # A lexeme twice (of "well" and of "well-known") is read once by Postgres, as in any tsvector's text.
        lexemes = self.entries.__getitem__
        return {pk: " ".join(set(map(lexemes, found))) for pk, found in words.items()}


def quoted(lexeme: str) -> str:
    """``lexeme`` as a tsvector's text form writes it."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def add_words(texts: dict[int, list[str]]) -> None:
    """Add the words of ``texts`` (new versions' searchable texts, by article id) to their articles'
    documents: a union, so adding a version's words twice (a retried task) changes nothing (Postgres)."""
    if connection.vendor != "postgresql" or not texts:
        return
    ids = sorted(texts)  # rows locked in one order by every writer
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ArticleSearch._meta.db_table} (article_id, document)
            SELECT article_id, strip(to_tsvector(%s, text)) FROM unnest(%s::bigint[], %s::text[])
                AS new (article_id, text)
            ON CONFLICT (article_id) DO UPDATE
                SET document = coalesce({ArticleSearch._meta.db_table}.document, '') || EXCLUDED.document
            """,
            [TEXT_SEARCH_CONFIG, ids, [search_text("\n".join(texts[pk])) for pk in ids]],
        )


def rebuild_documents(article_ids: Sequence[int], lexicon: Lexicon | None = None) -> int:
    """Make the documents of ``article_ids`` again from all their versions (Postgres); how many were made.
    ``lexicon`` carries the words' lexemes from one batch to the next."""
    if connection.vendor != "postgresql" or not article_ids:
        return 0
    versions = list(Version.objects.filter(article_id__in=article_ids).order_by())
    load_paragraphs(versions)  # keyframes in one query, not one per version
    pieces: dict[int, set[str]] = {}
    for version in versions:
        pieces.setdefault(version.article_id, set()).update(searchable_pieces(version.text))
    words = {pk: words_of(found) for pk, found in pieces.items()}
    made = (lexicon or Lexicon()).documents(words)
    ids = sorted(made)
    with connection.cursor() as cursor:
        table = ArticleSearch._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE article_id = ANY(%s)", [list(article_ids)])
        cursor.execute(
            f"INSERT INTO {table} (article_id, document) SELECT * FROM unnest(%s::bigint[], %s::tsvector[])",
            [ids, [made[pk] for pk in ids]],
        )
    return len(ids)
