"""The synthetic edit generator (newsroom/edits.py) that the newsroom, the benchmarks and the fuzz tests
share: each kind does what it says, a seed gives the same edit again, and a draft's own count of what changed
agrees with the diff's."""

import random

import pytest

from articles.diffing import change_stats
from articles.normalising import ArticleText
from newsroom import edits
from newsroom.stories import EDITORS

BODY = [
    "The council approved the bridge plan on Tuesday. Work starts in the spring.",
    "Officials said the cost had risen. The mayor defended it. Opponents were not convinced.",
    "In Riverton, residents packed the public gallery for the debate.",
    "A spokesperson declined to comment on the timetable.",
    "The plan will be reviewed again next year, the council said.",
]
TITLE = "Council approves bridge plan"


def edit(kind: str, seed: int, body: list[str] | None = None) -> edits.Draft:
    draft = edits.Draft(TITLE, BODY if body is None else body, "By Jane Roe")
    assert edits.apply(draft, kind, random.Random(seed), EDITORS)
    return draft


def text(title: str, paragraphs: list[str]) -> ArticleText:
    return ArticleText.from_parts(title, "", paragraphs)


@pytest.mark.parametrize("kind", edits.KINDS)
def test_a_seed_makes_the_same_edit_again(kind: str) -> None:
    body = [*BODY[:2], f"The report said {edits.TYPO} vote was close.", *BODY[2:]]
    one, two = edit(kind, 7, body), edit(kind, 7, body)
    assert (one.title, one.byline, one.paragraphs) == (two.title, two.byline, two.paragraphs)
    assert (one.title, one.byline, one.paragraphs) != (TITLE, "By Jane Roe", body)


def test_each_kind_edits_what_it_says() -> None:
    assert edit("headline", 1).title != TITLE
    assert edit("byline", 1).byline != "By Jane Roe"
    inserted = edit("insert", 1).paragraphs
    assert len(inserted) == len(BODY) + 1
    assert inserted[0] == BODY[0]  # the lede stays first
    removed = edit("remove", 1).paragraphs
    assert len(removed) == len(BODY) - 1
    assert removed[0] == BODY[0]
    assert set(removed) < set(BODY)
    moved = edit("move", 1).paragraphs
    assert moved != BODY
    assert sorted(moved) == sorted(BODY)
    assert moved[0] == BODY[0]
    assert edit("correction", 1).paragraphs[-1].startswith("Correction: ")
    repeated = edit("repeat", 1).paragraphs
    assert len(repeated) > len(BODY)
    assert set(repeated) == set(BODY)
    rewritten = edit("rewrite", 1).paragraphs
    assert len(rewritten) == len(BODY)
    assert 1 <= len(set(rewritten) - set(BODY)) <= len(BODY) // 2
    typo = [*BODY, f"The report said {edits.TYPO} vote was close."]
    assert edit("typo", 1, typo).paragraphs[-1] == f"The report said {edits.TYPO_FIXED} vote was close."


def sentences(paragraphs: list[str]) -> int:
    return sum(len(edits.SENTENCE_BREAK.split(paragraph)) for paragraph in paragraphs)


def test_sentence_and_word_edits_change_one_paragraph_and_punctuation_is_a_minor_edit() -> None:
    for kind in ("words", "sentence", "cut", "punctuation"):
        for seed in range(20):
            after = edit(kind, seed).paragraphs
            assert len(after) == len(BODY)
            assert sum(old != new for old, new in zip(BODY, after, strict=True)) == 1, (kind, seed)
    assert sentences(edit("sentence", 3).paragraphs) == sentences(BODY) + 1
    assert sentences(edit("cut", 3).paragraphs) == sentences(BODY) - 1
    punctuated = edit("punctuation", 3)
    assert text(TITLE, punctuated.paragraphs).skeleton == text(TITLE, BODY).skeleton


def test_an_edit_the_text_does_not_allow_changes_words_instead() -> None:
    two = BODY[:2]
    after = edit("move", 1, two).paragraphs
    assert len(after) == 2
    assert after != two
    assert after[0] != two[1]
    one_sentence = ["No full stop here and no second sentence either"]
    assert edit("cut", 1, one_sentence).paragraphs != one_sentence
    assert edit("typo", 1).paragraphs != BODY  # no typo to fix
    assert not edits.apply(edits.Draft(TITLE, []), "words", random.Random(1), EDITORS)


def test_words_are_picked_at_different_places_and_only_where_allowed() -> None:
    picked = edits.pick_words("the cat saw the dog", random.Random(2), 5)
    assert sorted(match.start() for match in picked) == [0, 4, 8, 12, 16]
    only = edits.pick_words("the cat saw the dog", random.Random(2), 5, eligible={"cat", "dog"}.__contains__)
    assert sorted(match.group() for match in only) == ["cat", "dog"]


@pytest.mark.parametrize(
    "kind", ["headline", "words", "sentence", "cut", "insert", "remove", "punctuation", "correction"]
)
def test_an_operation_counts_what_it_changed_as_the_diff_does(kind: str) -> None:
    for seed in range(25):
        draft = edit(kind, seed)
        assert draft.stats() == change_stats(text(TITLE, BODY), text(draft.title, draft.paragraphs)), seed


def test_updates_count_what_they_changed_as_the_diff_does_almost_always() -> None:
    """Several operations at once: the diff may pair a move or a rewrite next to an edit otherwise."""
    rng, agree = random.Random(5), 0
    for _ in range(400):
        draft = edits.Draft(TITLE, BODY * 2)
        edits.update(draft, rng, EDITORS)
        agree += draft.stats() == change_stats(text(TITLE, BODY * 2), text(draft.title, draft.paragraphs))
    assert agree >= 0.97 * 400
