import random
import string

import pytest
from django.db import connection
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from articles import text_chain
from articles.models import Article, Version, load_paragraphs, versions
from articles.searching import candidate_articles, found_versions
from articles.tests.support import add_version

WORDS = [
    "the",
    "mayor",
    "said",
    "on",
    "tuesday",
    "that",
    "a",
    "new",
    "bridge",
    "would",
    "open",
    "next",
    "spring",
    "after",
    "delays",
]


def matching(query: str) -> list[Article]:
    """The articles a search for ``query`` lists, by URL: candidates confirmed by their versions."""
    candidates = list(candidate_articles(query))
    found = found_versions(candidates, query)
    return sorted((a for a in candidates if a.pk in found), key=lambda a: a.url)


def paragraphs_of(rng: random.Random, count: int = 8) -> list[str]:
    return [" ".join(rng.choices(WORDS, k=30)) + "." for _ in range(count)]


def edited(rng: random.Random, paragraphs: list[str]) -> list[str]:
    paragraphs = list(paragraphs)
    paragraphs[rng.randrange(len(paragraphs))] = " ".join(rng.choices(WORDS, k=20)) + "."
    return paragraphs


def test_it_round_trips_alone_and_against_a_dictionary() -> None:
    rng = random.Random(1)
    first = paragraphs_of(rng)
    second = edited(rng, first)
    assert text_chain.decode(text_chain.encode(first)) == first
    assert text_chain.decode(text_chain.encode(second, first), first) == second


@pytest.mark.parametrize(
    "paragraphs",
    [
        [],
        [""],
        ["ünïcödé “quotes” — 🗞️", "مرحبا بالعالم", "שלום", "中文段落", '\\ "backslash" \x00 nul'],
        ["\n\t line breaks stored as given \r\n"],
    ],
)
def test_it_round_trips_any_text(paragraphs: list[str]) -> None:
    assert text_chain.decode(text_chain.encode(paragraphs)) == paragraphs
    dictionary = ["The mayor said ünïcödé 🗞️"]
    assert text_chain.decode(text_chain.encode(paragraphs, dictionary), dictionary) == paragraphs
    assert text_chain.decode(text_chain.encode(dictionary, paragraphs), paragraphs) == dictionary


def test_it_packs_an_edit_against_its_keyframe_into_little_more_than_the_edit() -> None:
    rng = random.Random(2)
    first = [" ".join(rng.choices(string.ascii_lowercase, k=400)) for _ in range(10)]  # incompressible
    second = edited(rng, first)
    alone, against = text_chain.encode(second), text_chain.encode(second, first)
    assert len(against) < len(alone) / 5


def test_it_refuses_what_it_did_not_pack() -> None:
    with pytest.raises(ValueError, match="not a packed text"):
        text_chain.decode(b'["plain json"]')


def test_every_sixteenth_version_is_a_keyframe_the_others_are_packed_against() -> None:
    assert [text_chain.dictionary_number(n) for n in (0, 1, 15, 16, 17, 31, 32)] == [
        None,
        0,
        0,
        None,
        16,
        16,
        None,
    ]


@pytest.fixture
def long_history(db: None) -> tuple[Article, list[list[str]]]:
    """An article with 40 versions, each an edit of the one before."""
    rng = random.Random(3)
    article = Article.objects.create(url="http://127.0.0.1/long")
    texts = [paragraphs_of(rng)]
    for _ in range(39):
        texts.append(edited(rng, texts[-1]))
    for number, paragraphs in enumerate(texts):
        add_version(article, number, f"Headline {number}", paragraphs)
    return article, texts


@pytest.fixture
def decompressions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted: list[int] = []

    def counting(blob: bytes | memoryview, dictionary: list[str] | None = None) -> list[str]:
        counted.append(1)
        return text_chain.decode(blob, dictionary)

    monkeypatch.setattr(versions, "decode", counting)  # where load_paragraphs looks it up
    return counted


def test_it_stores_versions_packed_against_their_keyframe(
    long_history: tuple[Article, list[list[str]]],
) -> None:
    article, texts = long_history
    rows = list(Version.objects.filter(article=article).order_by("number"))
    assert all(v.packed_paragraphs is not None for v in rows)
    assert [v.packed_against for v in rows] == [text_chain.dictionary_number(n) for n in range(40)]
    for version in rows:
        assert version.paragraphs == texts[version.number]
        # The content hash is the text's, as before: not the bytes'.
        assert version.text.content_hash == version.content_hash
    # On Postgres the search trigger drops the JSON once it has indexed it; SQLite keeps it for its search.
    plain = Version.objects.filter(article=article, plain_paragraphs__isnull=False).count()
    assert plain == (0 if connection.vendor == "postgresql" else 40)


@pytest.mark.parametrize("number", [0, 1, 15, 16, 39])
def test_reading_any_version_costs_at_most_two_decompressions_and_one_query(
    long_history: tuple[Article, list[list[str]]],
    decompressions: list[int],
    django_assert_num_queries: DjangoAssertNumQueries,
    number: int,
) -> None:
    article, texts = long_history
    with django_assert_num_queries(1):
        pair = article.version_pair(number, number)
    assert pair is not None
    assert pair[1].paragraphs == texts[number]
    assert len(decompressions) <= 2


def test_a_diff_reads_its_two_versions_and_their_keyframes_in_one_query(
    long_history: tuple[Article, list[list[str]]],
    decompressions: list[int],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    article, texts = long_history
    with django_assert_num_queries(1):
        pair = article.version_pair(14, 33)
    assert pair is not None
    assert (pair[0].paragraphs, pair[1].paragraphs) == (texts[14], texts[33])
    assert len(decompressions) <= 4


def test_versions_read_without_their_texts_load_them_in_two_queries(
    long_history: tuple[Article, list[list[str]]], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    article, texts = long_history
    versions = list(Version.objects.filter(article=article, number__gte=20).without_texts())
    with django_assert_num_queries(2):  # their text columns, then their keyframes (16 and 32)
        load_paragraphs(versions)
    assert [v.paragraphs for v in versions] == texts[20:]


def test_the_api_lists_versions_with_their_texts_in_a_fixed_number_of_queries(
    long_history: tuple[Article, list[list[str]]], django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    article, texts = long_history
    client = APIClient()
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/articles/{article.pk}/versions/?text=1")
    assert response.status_code == 200
    listed = response.json()["results"]
    assert [v["paragraphs"] for v in listed] == texts[: len(listed)]


def test_versions_stored_before_packing_read_as_they_were(
    long_history: tuple[Article, list[list[str]]],
) -> None:
    article, texts = long_history
    # As migration 0016 leaves rows written before it: JSON, nothing packed.
    for number in (0, 17):
        Version.objects.filter(article=article, number=number).update(
            plain_paragraphs=texts[number], packed_paragraphs=None, packed_against=None
        )
    pair = article.version_pair(0, 17)
    assert pair is not None
    assert (pair[0].paragraphs, pair[1].paragraphs) == (texts[0], texts[17])
    # A version packed against a keyframe that is still JSON decodes against its paragraphs.
    pair = article.version_pair(1, 2)
    assert pair is not None
    assert pair[1].paragraphs == texts[2]


def test_search_finds_words_of_packed_paragraphs(long_history: tuple[Article, list[list[str]]]) -> None:
    article, _ = long_history
    add_version(Article.objects.create(url="http://127.0.0.1/other"), 0, "Other", ["A zeppelin landed."])
    assert [a.url for a in matching("zeppelin")] == ["http://127.0.0.1/other"]
    assert article in matching("bridge")
