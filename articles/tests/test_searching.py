"""Search over one document per article: the words of every version stay findable, the versions that match
are found after, and what no single version matches (words of different versions, a phrase, an exclusion) is
not a result, as when each version was searched."""

import importlib
import json
import random
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from articles import activity, search_documents, searching
from articles.checking import run_check
from articles.models import Article, ArticleSearch, Source, SourceDay
from articles.tests.support import T0, LocalSite, add_version, article_html, soup_of, texts

pytestmark = pytest.mark.django_db


@pytest.fixture
def article() -> Article:
    article = Article.objects.create(url="http://127.0.0.1/story")
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Monday.", "Crowds came."])
    add_version(article, 2, "Mayor closes bridge", ["It opened on Monday.", "Crowds came.", "Closed."])
    return article


def found(client: Client, query: str) -> list[tuple[str, list[str]]]:
    """Each result's headline and the versions it was found in."""
    soup = soup_of(client, f"/search/?q={query}")
    return [(texts(item, "li > a")[0], texts(item, ".found-in a")) for item in soup.select(".results > li")]


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("documents are Postgres's; SQLite searches the versions")


def test_a_checked_article_is_found_by_the_words_of_its_old_versions(local_site: LocalSite) -> None:
    article, _ = Article.objects.track(local_site.url("/story"), Source.objects.create(name="D", slug="d"))
    for text in ("The zeppelin landed on Tuesday.", "The airship landed on Monday."):
        local_site.serve("/story", article_html("Landing", [text]))
        assert run_check(article).kind == "new_version"
    client = Client()
    assert found(client, "zeppelin") == [("Landing", ["v0"])]
    assert found(client, "airship") == [("Landing", ["v1"])]
    assert found(client, "landed") == [("Landing", ["v0", "v1"])]


def test_what_no_single_version_matches_is_not_a_result(client: Client, article: Article) -> None:
    assert found(client, "tuesday") == [("Mayor closes bridge", ["v0"])]
    assert found(client, "tuesday closed") == []  # each word is in a version, never both in one
    postgres_only()  # websearch's syntax
    assert found(client, '"opened on monday"') == [("Mayor closes bridge", ["v1", "v2"])]
    assert found(client, '"monday opened"') == []
    assert found(client, "bridge -closed") == [("Mayor closes bridge", ["v0", "v1"])]
    assert found(client, "-zeppelin") == [("Mayor closes bridge", ["v0", "v1", "v2"])]
    assert found(client, "tuesday or closed") == [("Mayor closes bridge", ["v0", "v2"])]


def test_a_removed_article_is_not_found(client: Client, article: Article) -> None:
    assert found(client, "bridge")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.REMOVED)
    assert found(client, "bridge") == []
    assert found(client, "-zeppelin") == []
    assert client.get("/search/feed.atom?q=bridge").content.count(b"<entry>") == 0


def test_a_page_of_candidates_none_of_which_matches_leads_on(
    client: Client, article: Article, monkeypatch: pytest.MonkeyPatch
) -> None:
    postgres_only()  # on SQLite the candidates are the matches
    monkeypatch.setattr("articles.views.PAGE_SIZE", 1)
    older = Article.objects.create(url="http://127.0.0.1/older")
    add_version(older, 0, "Tuesday: bridge closed", ["Closed on Tuesday."])
    Article.objects.filter(pk=older.pk).update(last_changed_at=T0 - timedelta(days=365))
    first = soup_of(client, "/search/?q=tuesday+closed")
    assert not first.select(".results > li")  # the newest candidate had the words in different versions
    more = first.select_one(".pager a")
    assert more is not None
    assert texts(soup_of(client, "/search/" + str(more["href"])), ".results > li > a") == [
        "Tuesday: bridge closed"
    ]


def documents() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT article_id, document::text FROM articles_articlesearch ORDER BY article_id")
        return dict(cursor.fetchall())


def test_adding_a_versions_words_again_changes_nothing(article: Article) -> None:
    postgres_only()
    before = documents()
    assert "'tuesday'" in before[article.pk]
    version = article.versions.get(number=2)
    search_documents.add_words(
        {article.pk: [search_documents.searchable_text(version.text)]}
    )  # a retried task
    assert documents() == before


def test_documents_made_again_are_the_ones_kept(article: Article) -> None:
    postgres_only()
    other = Article.objects.create(url="http://127.0.0.1/other")
    add_version(other, 0, "Council meets", ["The budget was discussed."])
    Article.objects.create(url="http://127.0.0.1/never-fetched")
    kept = documents()
    ArticleSearch.objects.all().delete()
    out = StringIO()
    call_command("rebuild_search", "--batch", "1", stdout=out)
    assert documents() == kept
    assert "search documents made up to article" in out.getvalue()
    ArticleSearch.objects.filter(pk=other.pk).update(document=None)
    call_command("rebuild_search", "--after", str(article.pk), "--until", str(other.pk), stdout=out)
    assert documents() == kept


# Text as pages give it: what Postgres's parser reads specially (URLs, e-mail addresses, paths, hyphenated
# words, numbers and versions, entities, things that look like tags), quotes and backslashes in lexemes,
# scripts and white space of every kind.
HOSTILE_WORDS = (
    "O'Neill's", "rock'n'roll", "don't", "C:\\Users\\x", "back\\slash", "https://example.com/a?b=c&d=e#f",
    "http://127.0.0.1:8000/path/to/page.html", "mail@example.com", "/usr/local/bin", "file.txt", "well-known",
    "co-", "-operate", "3.14", "1,000", "-5", "+7", "2018.04.05", "v1.2.3", "&amp;", "&#160;", "<b>bold</b>",
    "<The", "Palace:", "Jang", "Noksu>", "a<b", "x>y", ">", "<", "naïve", "café", "İstanbul", "straße",
    "ǅemal", "Москва", "Αθήνα", "東京都", "القاهرة", "🙂", "foo\u00a0bar", "zero\u200bwidth",
    "soft\u00adhyphen", "e.g.", "U.S.A.", "--", "...", "ÆØÅ", "#hashtag", "@user", "x" * 2100, "1e10",
    "0x1F", "½", "²", "./run.py", "~/src", "..", "~2x", "~1/3", ".hidden", "~", "./", "-", "'quoted'",
)  # fmt: skip
# Every character Python splits at (str.isspace), and some it does not.
SEPARATORS = (
    *(chr(c) for c in range(0x3000 + 1) if chr(c).isspace()), "\r\n", " - ", ", ", "\u200b", "\ufeff",
)  # fmt: skip


def whole_text_documents(texts: list[str]) -> list[str]:
    """Postgres's reading of each whole text, as add_words stores it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT strip(to_tsvector('english', t))::text "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS x (t, n) ORDER BY n",
            [[search_documents.search_text(text) for text in texts]],
        )
        return [row[0] for row in cursor.fetchall()]


def lexicon_documents(lexicon: search_documents.Lexicon, texts: list[str]) -> list[str]:
    made = lexicon.documents({n: search_documents.words_of([text]) for n, text in enumerate(texts)})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d::tsvector::text FROM unnest(%s::text[]) WITH ORDINALITY AS x (d, n) ORDER BY n",
            [[made[n] for n in range(len(texts))]],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_document_made_word_by_word_is_postgres_reading_of_the_whole_text() -> None:
    postgres_only()
    rng = random.Random(5)
    texts = [" ".join(HOSTILE_WORDS), "\n".join(HOSTILE_WORDS), "".join(HOSTILE_WORDS)]
    for _ in range(600):
        words = rng.choices(HOSTILE_WORDS, k=rng.randint(1, 12))
        texts.append("".join(word + rng.choice(SEPARATORS) for word in words))
    lexicon = search_documents.Lexicon()
    assert lexicon_documents(lexicon, texts) == whole_text_documents(texts)
    assert "'noksu'" in whole_text_documents(["<The Palace: Jang Noksu>"])[0]


def test_a_full_lexicon_forgets_and_asks_again() -> None:
    postgres_only()
    lexicon = search_documents.Lexicon(limit=4)
    texts = ["Mayors open bridges", "Councils close roads quickly", "Mayors close", "Mayors", "Mayors"]
    for text in texts:  # a batch of its own each; a batch's words are kept even past the limit
        assert lexicon_documents(lexicon, [text]) == whole_text_documents([text])
        assert len(lexicon.entries) <= 4
    assert set(lexicon.entries) == {"Mayors", "close"}


def test_words_in_angle_brackets_are_found(client: Client) -> None:
    article = Article.objects.create(url="http://127.0.0.1/palace")
    add_version(article, 0, "Theatre season", ["Now showing: <The Palace: Jang Noksu> daily."])
    assert found(client, "noksu") == [("Theatre season", ["v0"])]
    if connection.vendor == "postgresql":
        assert found(client, '"palace jang noksu"') == [("Theatre season", ["v0"])]


def test_a_query_is_read_as_the_text_is(client: Client) -> None:
    postgres_only()  # websearch's quoted phrase
    article = Article.objects.create(url="http://127.0.0.1/palace")
    add_version(article, 0, "Theatre season", ["Now showing: <The Palace: Jang Noksu> daily."])
    # Quoted, Postgres would read the phrase as one HTML tag and find nothing.
    assert found(client, '"<The Palace: Jang Noksu>"') == [("Theatre season", ["v0"])]


BEFORE_DOCUMENTS = [("articles", "0013_article_check_claimed_at")]


def apps_before_documents() -> Any:
    """The database migrated back to 0013 (before search documents and counters), and its models."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_DOCUMENTS)
    return executor.loader.project_state(BEFORE_DOCUMENTS).apps


def migrate_to_the_end() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def old_history(articles: int) -> None:
    """Articles with two versions each, stored as the code of migration 0013 stored them."""
    old_apps = apps_before_documents()
    OldArticle, OldVersion = (old_apps.get_model("articles", name) for name in ("Article", "Version"))
    for n in range(articles):
        article = OldArticle.objects.create(url=f"http://127.0.0.1/{n}")
        for number in range(2):
            OldVersion.objects.create(
                article=article, number=number, paragraphs=[f"Word{n}x{number} opened."], title=f"Title{n}",
                fetched_at=T0 + timedelta(days=number), social_title="", byline="",
                extractor="generic", extractor_version="1", content_hash=str(number),
            )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_the_documents_and_counters_of_stored_histories() -> None:
    """A database made before documents and counters (migration 0013) gets both, as the app keeps them."""
    old_apps = apps_before_documents()
    OldSource, OldArticle, OldVersion = (
        old_apps.get_model("articles", name) for name in ("Source", "Article", "Version")
    )
    source = OldSource.objects.create(name="Daily", slug="daily")
    texts = (["It opened on Tuesday."], ["It opened on Monday.", "Crowds came."])
    for n, owner in enumerate((source, None)):
        article = OldArticle.objects.create(url=f"http://127.0.0.1/{n}", source=owner)
        for number, paragraphs in enumerate(texts):
            OldVersion.objects.create(
                article=article, number=number, paragraphs=paragraphs, title="Bridge",
                fetched_at=T0 + timedelta(days=number), social_title=f"Bridge {n}", byline="",
                extractor="generic", extractor_version="1", content_hash=str(number),
            )  # fmt: skip
    migrate_to_the_end()
    counted = list(
        SourceDay.objects.order_by("day").values_list("source_id", "day", "versions", "articles_latest")
    )
    assert counted == [(source.pk, T0.date(), 1, 0), (source.pk, T0.date() + timedelta(days=1), 1, 1)]
    activity.rebuild()
    assert (
        list(SourceDay.objects.order_by("day").values_list("source_id", "day", "versions", "articles_latest"))
        == counted
    )
    if connection.vendor == "postgresql":
        migrated = documents()
        assert len(migrated) == 2
        assert "'tuesday'" in migrated[article.pk]
        assert "'1'" in migrated[article.pk]  # the social headline's words
        call_command("rebuild_search", stdout=StringIO())
        assert documents() == migrated


@pytest.mark.django_db(transaction=True)
def test_a_stopped_migration_of_the_documents_goes_on_where_it_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Migration 0014 commits its documents batch by batch: stopped part way (here by an error in its third
    batch), the next run keeps the batches done, makes the rest, and the documents are those a run that
    was never stopped makes."""
    postgres_only()
    with connection.cursor() as cursor:  # ids from 1, so that the batches of two below hold two articles each
        cursor.execute("ALTER SEQUENCE articles_article_id_seq RESTART WITH 1")
    old_history(7)
    migration = importlib.import_module("articles.migrations.0014_article_search_document")
    monkeypatch.setattr(migration, "BATCH", 2)
    made = migration.make_batch
    batches: list[tuple[int, int]] = []

    def stopped_at_the_third(connection: Any, low: int, high: int) -> None:
        batches.append((low, high))
        if len(batches) == 3:
            raise KeyboardInterrupt("stopped")
        made(connection, low, high)

    monkeypatch.setattr(migration, "make_batch", stopped_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        migrate_to_the_end()
    assert list(Article.objects.order_by("pk").values_list("pk", flat=True)) == list(range(1, 8))
    kept = documents()
    assert sorted(kept) == [1, 2, 3, 4]  # two batches of two articles committed
    migrate_to_the_end()
    assert batches[3:] == [(4, 6), (6, 7)]  # went on after the fourth article
    migrated = documents()
    assert sorted(migrated) == list(range(1, 8))
    assert all(migrated[pk] == document for pk, document in kept.items())
    assert all(f"'word{pk - 1}x1'" in document for pk, document in migrated.items())
    call_command("rebuild_search", stdout=StringIO())
    assert documents() == migrated


TRICKY_WORDS = (
    "happy happily relational possibly generously communication dying lying skies news hopping hoping agreed "
    "Trump's e-mail 3,000 U.S. example.com/page İstanbul STRASSE Straße ΟΔΟΣ ὁδός café Café naïve ﬁnance "
    "Ærøskøbing crème brûlée Kyiv's 東京 Москва ИСТОРИЯ œuvre"
)


def test_a_lexemes_mark_is_in_every_word_it_is_read_from() -> None:
    """found_versions reads into words only the pieces holding a query word's mark: never may a piece that
    holds the word lack it. Every word of the repository's real pages, and some awkward ones."""
    postgres_only()
    corpus = json.loads((Path(__file__).parent / "data" / "extraction" / "ground-truth.json").read_text())
    words = {w for page in corpus.values() for w in page["articleBody"].split()} | set(TRICKY_WORDS.split())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, lexeme FROM unnest(%s::text[]) AS word, unnest(to_tsvector('english', word)) AS t",
            [sorted(words)],
        )
        pairs = cursor.fetchall()
    assert len(pairs) > 10_000
    missed = [(w, x) for w, x in pairs if searching.lexeme_mark(x) not in searching.folded(w)]
    assert not missed


@pytest.mark.parametrize(
    "query",
    [
        "bridge", "tuesday closed", "opened -tuesday", "monday or zeppelin", "-x", '"opened on monday"',
        '"crowds came" -closed', '"monday crowds"', '-"opened on tuesday"', '"mayor closes" or "came closed"',
    ],
)  # fmt: skip
def test_versions_found_are_the_same_when_every_piece_is_read(
    article: Article, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    postgres_only()
    articles = list(Article.objects.all())
    expected = searching.found_versions(articles, query)
    with monkeypatch.context() as patched:  # every word of every piece asked about
        patched.setattr("articles.searching.lexeme_mark", lambda lexeme: "")
        assert searching.found_versions(articles, query) == expected
    # Every piece read into words, none judged by its words first.
    monkeypatch.setattr("articles.searching.pieces_holding", lambda pieces, lexemes, cursor: pieces)
    assert searching.found_versions(articles, query) == expected


def test_only_the_pieces_holding_a_query_word_are_read() -> None:
    """A short stem's mark ("d" of "dens") is in most pieces; a piece is read only for a word that holds
    one of the query's lexemes, however the word is written."""
    postgres_only()
    pieces = {"Densely packed.", "A dog barked.", "Semi-dense fog", "DENSITY rose", "<dense>", "Dense."}
    with connection.cursor() as cursor:
        held = searching.pieces_holding(pieces, ["'dens'"], cursor)
        assert held == {"Densely packed.", "Semi-dense fog", "<dense>", "Dense."}
        assert searching.pieces_holding(pieces, ["'dog'", "'rose'"], cursor) == {
            "A dog barked.",
            "DENSITY rose",
        }
        assert searching.pieces_holding(pieces, ["'zeppelin'"], cursor) == set()


def test_the_pieces_holding_a_lexeme_are_those_postgres_reads_it_from() -> None:
    """pieces_holding against Postgres's reading of each whole piece: real paragraphs (curly quotes, accents,
    other scripts) and awkward words (ß, a ligature, a combining accent, a dotted capital I, brackets)."""
    postgres_only()
    corpus = json.loads((Path(__file__).parent / "data" / "extraction" / "ground-truth.json").read_text())
    paragraphs = [line for page in corpus.values() for line in page["articleBody"].split("\n") if line][:400]
    awkward = [*TRICKY_WORDS.split(), "Stra\u00dfe", "cafe\u0301", "<Straße>", "x\x1cfinance"]
    pieces = {*paragraphs, *(" ".join(awkward[i : i + 3]) for i in range(len(awkward)))}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', %s)))", [" ".join(awkward)]
        )
        lexemes = sorted(row[0] for row in cursor.fetchall())[:60]
        assert len(lexemes) >= 40
        for lexeme in lexemes:
            cursor.execute(
                "SELECT piece FROM unnest(%s::text[]) AS piece WHERE to_tsvector('english', ' ' || "
                "regexp_replace(piece, '[<>]', ' ', 'g')) @@ quote_literal(%s)::tsquery",
                [sorted(pieces), lexeme],
            )
            expected = {row[0] for row in cursor.fetchall()}
            quoted = "'" + lexeme.replace("'", "''") + "'"
            assert searching.pieces_holding(pieces, [quoted], cursor) == expected, lexeme


def test_a_phrase_is_found_within_one_headline_or_paragraph(client: Client) -> None:
    """Not across two: the last words of one paragraph and the first of the next are no phrase in the text,
    however many paragraphs without the words stand between them or none."""
    postgres_only()
    story = Article.objects.create(url="http://127.0.0.1/phrase")
    paragraphs = ["The state", "Unrelated words here.", "Of the art.", "A state of the art bridge opened."]
    add_version(story, 0, "Museum news", paragraphs[:3])
    add_version(story, 1, "Museum news", paragraphs)
    add_version(story, 2, "Museum news today", ["News today", "from the museum."])
    assert found(client, '"state of the art"') == [("Museum news today", ["v1"])]
    assert found(client, '"bridge opened"') == [("Museum news today", ["v1"])]
    assert found(client, '"the state unrelated"') == []
    assert found(client, '"today news"') == []  # the headline's last word, the first paragraph's first
    assert found(client, '"museum news today"') == [("Museum news today", ["v2"])]
    assert found(client, '"art bridge" -"news today"') == [("Museum news today", ["v1"])]


def test_the_phrase_gap_is_as_wide_as_the_widest_phrase() -> None:
    assert searching.phrase_width("'state' <3> 'art' & 'e-mail' <-> 'e' <-> 'mail'") == 3
    assert searching.phrase_width("'bridge' & 'open'") == 1
    assert searching.phrase_width("'a' <0> 'b'") == 1


@pytest.mark.parametrize("walk", [None, 1, 3, 100])  # looked up; walks cut short or long enough
def test_a_page_of_listed_articles_is_the_same_however_it_is_found(
    monkeypatch: pytest.MonkeyPatch, walk: int | None
) -> None:
    """Walked newest first or looked up by id, a page of the listed articles is theirs in (last change,
    id) order, newest first, without the removed and the never changed, from any cursor."""
    postgres_only()
    articles = [Article.objects.create(url=f"http://127.0.0.1/{n}") for n in range(24)]
    for n, article in enumerate(articles):
        changed = None if n % 7 == 6 else T0 - timedelta(hours=n // 3)  # ties: three a time
        status = Article.Status.REMOVED if n % 5 == 4 else Article.Status.ACTIVE
        Article.objects.filter(pk=article.pk).update(last_changed_at=changed, status=status)
    listed = [a.pk for a in articles if a.pk % 2 or a.pk % 3 == 0]
    shown = list(
        Article.objects.filter(pk__in=listed, last_changed_at__isnull=False)
        .exclude(status=Article.Status.REMOVED)
        .order_by("-last_changed_at", "-pk")
        .values_list("last_changed_at", "pk")
    )
    monkeypatch.setattr("articles.searching.walk_length", lambda listed, wanted: walk)
    for size in (1, 2, 5):
        after, pages = None, []
        while True:
            page = searching.newest_of(listed, searching.PageWanted(after, size))
            pages += page[:size]
            if len(page) <= size:
                break
            after = next(row for row in shown if row[1] == page[size - 1])
        assert pages == [pk for _, pk in shown]


def test_a_walk_is_chosen_when_the_listed_are_many_among_the_articles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    postgres_only()
    Article.objects.bulk_create(Article(url=f"http://127.0.0.1/{n}") for n in range(50))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")  # what autovacuum does: the table's size counted
    monkeypatch.setattr("articles.searching.WALK_COST", 0.1)
    monkeypatch.setattr("articles.searching.WALK_SLACK", 2)
    assert searching.walk_length(25, 2) == 8  # 2 × 2 in 50 for 2 of 25: 8 walked cost 0.8 lookups
    assert searching.walk_length(10, 11) is None  # 110 walked cost 11 lookups, more than the 10
    assert searching.walk_length(0, 2) is None
