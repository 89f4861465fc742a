import pytest

from articles.normalising import ArticleText, comparison_key, is_date_line, normalise_text


def test_stored_text_folds_invisible_differences_only() -> None:
    assert normalise_text("  The\u00a0mayor \n\t said\u200b  ") == "The mayor said"
    assert normalise_text("co\u00adoperate") == "cooperate"
    assert normalise_text("e\u0301") == "\u00e9"  # NFC
    # What a reader sees is kept as published: quotes, dashes, ligatures, fractions.
    assert normalise_text("“quoted” — ½") == "“quoted” — ½"
    assert normalise_text("Mayor") != normalise_text("mayor")


def test_comparison_folds_typographic_variants() -> None:
    assert comparison_key("“It’s — fine…”") == comparison_key('"It\'s - fine..."')
    assert comparison_key("ﬁnal\u00a0word") == comparison_key("final word")
    assert comparison_key("Mayor") != comparison_key("mayor")


def test_typographic_flips_between_loads_hash_the_same() -> None:
    curly = ArticleText.from_parts("Mayor’s “plan”", "By A", ["It’s done – mostly…"])
    straight = ArticleText.from_parts('Mayor\'s "plan"', "By A", ["It's done - mostly..."])
    assert curly != straight  # each is stored as published
    assert curly.content_hash == straight.content_hash


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


@pytest.mark.parametrize(
    "line",
    [
        "Updated 10:32 AM ET, Tue November 25, 2026",
        "Published 3 hours ago",
        "Last modified on Wed 26 Nov 2026 10.02 GMT",
        "November 25, 2026",
        "Updated just now",
        "26/11/2026 09:14",
        # Other languages: an age changes with every load in any of them.
        "Aktualisiert vor 9 Minuten",
        "vor einer Stunde",
        "Stand: 26.11.2026, 10:32 Uhr",
        "Letzte Änderung 14.02.2019",
        "hace 2 horas",
        "Actualizado el 26 de noviembre de 2026 a las 10:32",
        "Mis à jour le 26 novembre 2026 à 10h32",
        "il y a 3 heures",
        "sexta-feira, 22 de outubro de 2010 às 20:13",
        "5 minuti fa",
        "2 uur geleden",
        "3 godziny temu",
    ],
)
def test_date_lines(line: str) -> None:
    assert is_date_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "By Jane Roe",
        "Updated",
        "Three people died on Tuesday, 25 November.",
        "May is here",
        "",
        "Vor Ort",  # a German "vor", but no age
        "Die Bahn fährt um 5 Uhr ab",
        "Y",
        "Am Montag",  # a day, but no time
    ],
)
def test_not_date_lines(line: str) -> None:
    assert not is_date_line(line)


def test_skeleton_sees_only_words() -> None:
    base = ArticleText.from_parts(
        "Mayor opens bridge", "By A", ["Updated 5 minutes ago", "It opened, finally."]
    )
    minor = [
        ArticleText.from_parts(
            "Mayor opens bridge", "By A", ["Updated 9 minutes ago", "It opened, finally."]
        ),
        ArticleText.from_parts("Mayor opens bridge", "By A", ["It opened finally!"]),
        ArticleText.from_parts("Mayor opens bridge", "By A", ["It opened,", "finally."]),
    ]
    real = [
        ArticleText.from_parts("Mayor opens bridges", "By A", ["It opened, finally."]),
        ArticleText.from_parts("Mayor opens bridge", "By A", ["It closed, finally."]),
        ArticleText.from_parts("Mayor opens bridge", "By A", ["It opened, finally.", "Updated 2 more."]),
    ]
    assert all(m.skeleton == base.skeleton for m in minor)
    assert all(r.skeleton != base.skeleton for r in real)
