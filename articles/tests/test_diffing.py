import re

from articles.diffing import MAX_WORD_DIFF_TOKENS, Segment, diff_paragraphs, diff_text, render_segments


def changed(side: list[list[Segment]], kind: str) -> list[str]:
    return [seg.text for para in side for seg in para if seg.kind == kind]


def test_one_changed_word_is_the_only_highlight() -> None:
    diff = diff_paragraphs(
        ["The mayor opened the bridge on Tuesday."], ["The mayor opened the bridge on Monday."]
    )
    assert changed(diff.old, "delete") == ["Tuesday"]
    assert changed(diff.new, "insert") == ["Monday"]
    assert (diff.words_removed, diff.words_added) == (1, 1)


def test_adjacent_changed_words_form_one_highlight() -> None:
    diff = diff_text("Mayor opens new bridge", "Mayor closes old bridge")
    assert changed(diff.old, "delete") == ["opens new"]
    assert changed(diff.new, "insert") == ["closes old"]


def test_paragraphs_keep_their_place_on_each_side() -> None:
    diff = diff_paragraphs(["One.", "Two.", "Three."], ["One.", "Three.", "Four is new."])
    assert len(diff.old) == 3
    assert len(diff.new) == 3
    assert changed(diff.new, "insert") == ["Four is new."]
    assert diff.words_added == 3


def test_identical_text_has_no_change() -> None:
    diff = diff_paragraphs(["Same."], ["Same."])
    assert not diff.changed
    assert diff.words_added == diff.words_removed == 0


def test_rendering_escapes_every_token() -> None:
    diff = diff_text("<b>safe</b>", '<script>alert("x")</script>')
    html = render_segments(diff.new[0]) + render_segments(diff.old[0])
    assert "<script" not in html
    assert "<b>" not in html
    assert "&lt;" in html
    assert "&quot;x&quot;" in html
    assert set(re.findall(r"</?(\w+)", html)) <= {"ins", "del"}


def test_huge_input_falls_back_to_paragraphs() -> None:
    long_paragraph = "word " * (MAX_WORD_DIFF_TOKENS // 2 + 1)
    diff = diff_paragraphs([long_paragraph, "end"], [long_paragraph, "end changed"])
    assert diff.coarse
    assert changed(diff.new, "insert") == ["end changed"]
