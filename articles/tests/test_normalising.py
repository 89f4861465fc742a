from articles.normalising import ArticleText, normalise_text


def test_it_folds_invisible_differences() -> None:
    assert normalise_text("  The\u00a0mayor \n\t said\u200b  ") == "The mayor said"
    assert normalise_text("ﬁnal") == "final"
    assert normalise_text("co\u00adoperate") == "cooperate"


def test_it_keeps_visible_differences() -> None:
    assert normalise_text("“quoted”") != normalise_text('"quoted"')
    assert normalise_text("Mayor") != normalise_text("mayor")


def test_same_text_in_different_whitespace_hashes_the_same() -> None:
    a = ArticleText.from_parts("Headline", "By A", ["One  para.", "", "Two\npara."])
    b = ArticleText.from_parts(" Headline", "By A ", ["One para.", "Two para."])
    assert a == b
    assert a.content_hash == b.content_hash


def test_any_edit_changes_the_hash() -> None:
    base = ArticleText.from_parts("Headline", "By A", ["One para.", "Two para."])
    edits = [
        ArticleText.from_parts("Headline!", "By A", ["One para.", "Two para."]),
        ArticleText.from_parts("Headline", "By B", ["One para.", "Two para."]),
        ArticleText.from_parts("Headline", "By A", ["One para.", "Two paras."]),
        ArticleText.from_parts("Headline", "By A", ["Two para.", "One para."]),
        ArticleText.from_parts("Headline", "By A", ["One para. Two para."]),
    ]
    hashes = {base.content_hash} | {e.content_hash for e in edits}
    assert len(hashes) == len(edits) + 1


def test_empty_text_is_empty() -> None:
    assert ArticleText.from_parts("Title", "", ["  ", ""]).is_empty
