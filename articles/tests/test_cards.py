"""The share card of a diff: what it says, how its text is set (fonts, right-to-left, CJK, hostile text), and
its route, cached and throttled like a diff page, announced by the diff page to link previews."""

import io
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from PIL import Image, ImageChops, ImageDraw
from pytest_django import Settings

from articles import cards
from articles.cards import Card, card_for, draw_card, typesetting
from articles.cards.typesetting import (
    FACES,
    LATIN,
    Block,
    Ink,
    coverage,
    draw_block,
    drawable,
    font,
    set_text,
)
from articles.diffing import TextDiff, diff_texts
from articles.models import Article, Source, Version
from articles.normalising import ArticleText
from articles.tests.support import add_version

CHANGED_AT = datetime(2026, 12, 6, 14, 2, tzinfo=UTC)
PLAIN = Ink("#000000")
HEBREW = "ראש העיר פותח את הגשר"
ARABIC = "رئيس البلدية يفتتح الجسر الجديد"
CHINESE = "市长关闭新桥\uff0c称安全问题「严重」"  # a full-width comma
# In CI a Pillow without raqm is a failure (.ci/run installs libfribidi0); elsewhere the test is skipped.
needs_raqm = pytest.mark.skipif(
    not typesetting.RAQM and not os.environ.get("CI"),
    reason="Pillow has no raqm here: apt-get install libfribidi0",
)


def text(title: str, *paragraphs: str, byline: str = "By A") -> ArticleText:
    return ArticleText(title, byline, paragraphs or ("Body.",))


def card_of(old: ArticleText, new: ArticleText) -> Card:
    diff = diff_texts(old, new)
    return card_for(diff, "The Daily Test", CHANGED_AT, 3, 4, new.title, social_changed=False)


def image_of(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def pixels(image: Image.Image, colour: str) -> int:
    """How many pixels of ``image`` are exactly ``colour`` ("#rrggbb")."""
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    counts = {rgb: count for count, rgb in image.getcolors(maxcolors=WIDTH_HEIGHT) or []}
    return counts.get(wanted, 0)


WIDTH_HEIGHT = cards.WIDTH * cards.HEIGHT


def drawn(block: Block, width: int = 1000) -> Image.Image:
    image = Image.new("L", (width, block.height + 20), 255)
    draw_block(ImageDraw.Draw(image), block, 0, 0, width)
    return image


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    box = ImageChops.invert(image.convert("L")).getbbox()
    assert box is not None, "nothing drawn"
    return box


# What the card says -------------------------------------------------------------------------------------


def test_a_card_is_a_1200_by_630_png_and_the_same_diff_gives_the_same_bytes() -> None:
    old, new = text("Mayor opens bridge"), text("Mayor closes bridge")
    png = draw_card(card_of(old, new))
    assert image_of(png).size == (1200, 630)
    assert draw_card(card_of(old, new)) == png


def test_a_headline_change_shows_the_headline_before_struck_and_after_inserted() -> None:
    body_before, body_after = "It opened on Tuesday.", "It opened on Monday."
    rewritten = card_of(text("Mayor opens bridge", body_before), text("Mayor closes bridge", body_after))
    assert rewritten.label == "Headline changed"
    assert [(s.kind, s.text) for s in rewritten.before] == [
        ("equal", "Mayor "), ("delete", "opens"), ("equal", " bridge")
    ]  # fmt: skip
    assert [(s.kind, s.text) for s in rewritten.after if s.kind != "equal"] == [("insert", "closes")]
    kept = card_of(text("Mayor opens bridge", body_before), text("Mayor opens bridge", body_after))
    assert kept.label == "Paragraph 1 changed"
    image = image_of(draw_card(rewritten))
    assert image.tobytes() != image_of(draw_card(kept)).tobytes()
    # The struck word on its red ground, the inserted one on its green, each a block of colour.
    assert pixels(image, cards.DELETE_BACKGROUND) > 2000
    assert pixels(image, cards.INSERT_BACKGROUND) > 2000
    assert pixels(image, cards.DELETE_TEXT) > 100  # the strike and the bar
    assert pixels(image, cards.INSERT_TEXT) > 100  # the underline and the bar


def test_another_new_headline_changes_only_the_after_block() -> None:
    old = text("Mayor opens bridge")
    closes, shuts = (
        draw_card(card_of(old, text("Mayor closes bridge"))),
        draw_card(card_of(old, text("Mayor shuts bridge"))),
    )
    changed = ImageChops.difference(image_of(closes), image_of(shuts)).getbbox()
    assert changed is not None
    _, top, _, bottom = changed
    # Below the headline as it was (centred in the content area) and above the footer.
    assert top > cards.CONTENT_TOP + 60
    assert bottom < cards.CONTENT_BOTTOM


def test_the_social_headline_and_the_byline_are_told_when_nothing_else_changed() -> None:
    old = ArticleText("Mayor opens bridge", "By A", ("Body.",), "Bridge opens")
    new = ArticleText("Mayor opens bridge", "By A", ("Body.",), "Bridge opens at last")
    social = card_for(diff_texts(old, new), "S", CHANGED_AT, 0, 1, new.title, social_changed=True)
    assert social.label == "Social headline changed"
    byline = card_of(text("Same", byline="By A"), text("Same", byline="By A and B"))
    assert byline.label == "Byline changed"
    assert [s.text for s in byline.after if s.kind == "insert"] == ["and B"]


def test_a_body_change_shows_the_paragraph_that_changed_most() -> None:
    old = text("Mayor opens bridge", "It opened on Tuesday.", "Crowds came.", "A band played the anthem.")
    new = text(
        "Mayor opens bridge",
        "It opened on Monday.",
        "Crowds came.",
        "A brass band and a choir played the old anthem loudly.",
    )
    card = card_of(old, new)
    assert card.label == "Paragraph 3 changed"
    assert card.headline == "Mayor opens bridge"
    assert "".join(s.text for s in card.paragraph if s.kind != "delete") == new.paragraphs[2]
    assert card.summary == "+7/−1 words · 2 paragraphs changed"
    image = image_of(draw_card(card))
    assert pixels(image, cards.INSERT_BACKGROUND) > 2000


def test_added_and_removed_paragraphs_are_named_so() -> None:
    added = card_of(text("T", "One.", "Two."), text("T", "One.", "Two.", "Three new words here."))
    assert added.label == "Paragraph 3 added"
    removed = card_of(text("T", "One.", "Two words.", "Three."), text("T", "One.", "Three."))
    assert removed.label == "Paragraph 2 removed"


def test_a_change_deep_in_a_long_paragraph_is_on_the_card() -> None:
    # 50 kB, paired word by word (past MAX_PAIR_TOKENS the diff has one paragraph removed, one added).
    words = " ".join(f"w{n}" for n in range(8_000))
    card = card_of(text("T", words), text("T", words.replace(" w5000 ", " changed ")))
    shown = "".join(segment.text for segment in card.paragraph)
    assert shown.startswith("… ")
    assert "w4999" in shown
    assert [s.text for s in card.paragraph if s.kind != "equal"] == ["w5000", "changed"]
    assert len(shown) <= cards.PARAGRAPH_CHARS


def test_the_time_is_said_in_utc_and_english() -> None:
    assert cards.utc_time(datetime(2026, 12, 6, 14, 2, tzinfo=UTC)) == "6 Dec 2026, 14:02 UTC"
    from zoneinfo import ZoneInfo

    paris = datetime(2026, 1, 1, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert cards.utc_time(paris) == "31 Dec 2025, 23:30 UTC"


# Fonts, scripts and directions --------------------------------------------------------------------------


def test_each_weight_of_a_face_covers_the_same_characters() -> None:
    for face in FACES:
        assert coverage(face.regular) == coverage(face.bold), face
    assert {ord("A"), ord("Ж"), ord("λ")} <= coverage(LATIN.regular)
    assert ord("ب") in coverage(FACES[1].regular)
    assert ord("א") in coverage(FACES[2].regular)
    assert {ord("新"), ord("あ"), ord("한")} <= coverage(FACES[3].regular)
    assert {ord("→"), ord("−")} <= coverage(FACES[4].regular)


@pytest.mark.parametrize(
    ("headline", "face"), [(HEBREW, "NotoSansHebrew-Bold.ttf"), (ARABIC, "NotoSansArabic-Bold.ttf")]
)
def test_right_to_left_headlines_run_from_the_right_edge_in_their_own_font(headline: str, face: str) -> None:
    block = set_text([(headline, PLAIN)], 1000, 40, 2, plain=PLAIN, bold=True)
    assert block.rtl
    assert {run.face.bold for line in block.lines for run in line.runs if not run.space} == {face}
    first_word = headline.split()[0]
    # Drawn left to right, the run that starts with the first word is the last: the rightmost.
    assert block.lines[0].runs[-1].text.startswith(first_word)
    image = drawn(block)
    left, _, right, _ = ink_box(image)
    assert right > 990  # flush right
    assert left > 200  # and not from the left
    # What stands at the right edge is the first word, as it is drawn alone there.
    alone = set_text([(first_word, PLAIN)], 1000, 40, 1, plain=PLAIN, bold=True)
    width = round(alone.lines[0].width)
    edge = (1000 - width, 0, 1000, image.height)
    difference = ImageChops.difference(image.crop(edge), drawn(alone).crop(edge))
    _, most = difference.getextrema()
    assert most < 40  # type: ignore[operator]  # an "L" image's are numbers; at most an anti-aliased edge


def test_latin_words_in_a_hebrew_line_keep_their_own_order() -> None:
    block = set_text([("הגשר של New York נסגר", PLAIN)], 1000, 40, 1, plain=PLAIN)
    visual = [run.text.strip() for run in block.lines[0].runs if not run.space]
    assert visual == ["נסגר", "New York", "הגשר של"]  # each run's own text, logical order


@needs_raqm
def test_arabic_letters_are_joined() -> None:
    word = "سلام"
    joined = set_text([(word, PLAIN)], 1000, 60, 1, plain=PLAIN)
    apart = set_text([("\u200c".join(word), PLAIN)], 1000, 60, 1, plain=PLAIN)  # joining forbidden
    assert joined.lines[0].runs[0].face.regular == "NotoSansArabic-Regular.ttf"
    assert joined.lines[0].width < apart.lines[0].width
    assert drawn(joined).tobytes() != drawn(apart).tobytes()


def test_chinese_is_drawn_in_droid_sans_fallback_without_a_box() -> None:
    block = set_text([(CHINESE, PLAIN)], 1000, 40, 2, plain=PLAIN)
    faces = {run.face.regular for line in block.lines for run in line.runs}
    assert faces == {"DroidSansFallback.ttf"}
    droid, noto = font("DroidSansFallback.ttf", 40), font(LATIN.regular, 40)
    missing = "\U0010fffd"  # in no font: its .notdef box
    tofu = bytes(noto.getmask(missing))
    assert bytes(noto.getmask("新")) == tofu  # what Noto Sans alone would draw: the check can see a box
    for char in CHINESE:
        assert bytes(droid.getmask(char)) != bytes(droid.getmask(missing)), char


def test_chinese_lines_break_between_characters_but_not_before_punctuation() -> None:
    block = set_text([(CHINESE * 6, PLAIN)], 500, 40, 20, plain=PLAIN)
    assert len(block.lines) > 3
    for line in block.lines[1:]:
        assert line.runs[0].text[0] not in "\uff0c」"


def test_what_cannot_be_drawn_is_left_out_and_nothing_reorders_the_card() -> None:
    assert drawable("a\x00b\x1b[31mc\u202ed\u200be\u00adf\u200dg") == "a b [31mcdef\u200dg"
    assert drawable("e" + "\u0301" * 50) == "e" + "\u0301" * typesetting.MAX_MARKS
    # A mark stays on its letter though the diff parts them (alone, HarfBuzz draws it on a dotted circle).
    marked = set_text(
        [("Z", PLAIN), ("\u0301\u0301", Ink("#ff0000")), (" \u0301x", PLAIN)], 900, 40, 1, plain=PLAIN
    )
    assert [run.text for run in marked.lines[0].runs] == ["Z\u0301\u0301 x"]
    block = set_text([("Bridge 🗞️ opens 😀", PLAIN)], 1000, 40, 1, plain=PLAIN)
    assert [run.text for run in block.lines[0].runs] == ["Bridge opens"]
    assert not block.truncated


def test_a_word_longer_than_the_line_is_broken_and_the_rest_ellipsised() -> None:
    block = set_text([("x" * 10_000, PLAIN)], 600, 40, 3, plain=PLAIN)
    assert len(block.lines) == 3
    assert block.truncated
    assert block.lines[-1].runs[-1].text.endswith("x…")
    assert all(line.width <= 600 for line in block.lines)


def test_a_right_to_left_block_ellipsises_on_the_left() -> None:
    block = set_text([((HEBREW + " ") * 40, PLAIN)], 600, 40, 2, plain=PLAIN)
    assert block.truncated
    assert block.lines[-1].runs[0].text == "…"  # the end of a right-to-left line is its left


def test_without_raqm_right_to_left_text_is_still_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(typesetting, "RAQM", False)
    font.cache_clear()
    try:
        png = draw_card(card_of(text(ARABIC), text(HEBREW + " " + CHINESE)))
    finally:
        font.cache_clear()
    assert image_of(png).size == (1200, 630)


HOSTILE: dict[str, Callable[[], tuple[ArticleText, ArticleText]]] = {
    "1 MB paragraph": lambda: (
        text("T", "word " * 200_000),
        text("T", "word " * 100_000 + "new " + "word " * 99_999),
    ),
    "10,000-letter words": lambda: (text("x" * 10_000, "y" * 10_000), text("z" * 10_000, "y" * 9_999 + "q")),
    "control characters": lambda: (
        text("\x00\x01\x1b[2J\x7f\x85\x9b headline", "\x07" * 1000),
        text("\x00\x02\x1b[2J headline\u2028\u2029", "\x08" * 1000 + " x"),
    ),
    "emoji": lambda: (text("🔴 LIVE " * 50, "😀" * 5000), text("🟢 LIVE " * 50, "😀" * 4999 + "🎉")),
    "combining marks": lambda: (text("Z" + "\u0301" * 10_000), text("Zalgo" + "\u0336\u0301" * 10_000)),
    "zero-width and bidi controls": lambda: (
        text("\u202eevil\u202c " + "\u200b" * 100_000 + "a", "\u2066\u2067" * 10_000),
        text("\u202dgood\u202c " + "\u200b" * 100_000 + "b", "\u2066\u2067" * 10_000 + "x"),
    ),
    "1 MB headline": lambda: (text("a b " * 250_000), text("b a " * 250_000)),
    "330k CJK characters": lambda: (
        text("T", "新" * 330_000),
        text("T", "新" * 1000 + "旧" + "新" * 329_000),
    ),
    "empty": lambda: (text(""), text("", byline="")),
    "mixed scripts": lambda: (
        text(" ".join([HEBREW, ARABIC, CHINESE, "Ελλάδα", "e\u0301", "ﷺ", "\U0001d518"] * 40)),
        text(" ".join([ARABIC, CHINESE, HEBREW, "Ελλάδα", "ﷺ"] * 40)),
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_text_is_drawn_quickly(case: str) -> None:
    old, new = HOSTILE[case]()
    diff: TextDiff = diff_texts(old, new)
    start = time.thread_time()  # CPU time: other tests running beside this one do not count
    png = draw_card(card_for(diff, case, CHANGED_AT, 0, 1, new.title, social_changed=False))
    assert time.thread_time() - start < 1.0
    assert image_of(png).size == (1200, 630)


# The route -----------------------------------------------------------------------------------------------


@pytest.fixture
def article(db: None) -> Article:
    source = Source.objects.create(name="The Daily Test", slug="daily", homepage="http://127.0.0.1/")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor closes bridge", ["It opened on Monday.", "Crowds came."])
    add_version(article, 2, "Mayor closes bridge", ["It opened on Monday.", "Crowds came!"], kind="minor")
    return article


def test_the_card_is_a_png_that_browsers_and_proxies_keep(client: Client, article: Article) -> None:
    response = client.get(f"/articles/{article.pk}/diff/0/1/card.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=604800"}
    assert image_of(response.content).size == (1200, 630)
    new = Version.objects.get(article=article, number=1)
    old = Version.objects.get(article=article, number=0)
    assert response.content == cards.card_png(old, new, diff_texts(old.text, new.text))


def test_an_article_of_no_source_is_named_by_its_site(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(source=None)
    old, new = (Version.objects.select_related("article").get(article=article, number=n) for n in (0, 1))
    card = cards.versions_card(old, new, diff_texts(old.text, new.text))
    assert (card.source, card.old_number, card.new_number) == ("127.0.0.1", 0, 1)
    assert card.changed_at == new.fetched_at


def test_a_card_is_drawn_once(client: Client, article: Article, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn_cards: list[int] = []
    real = cards.card_png

    def counted(old: Version, new: Version, diff: TextDiff) -> bytes:
        drawn_cards.append(new.number)
        return real(old, new, diff)

    monkeypatch.setattr(cards, "card_png", counted)
    first = client.get(f"/articles/{article.pk}/diff/0/1/card.png")
    second = client.get(f"/articles/{article.pk}/diff/0/1/card.png")
    assert first.content == second.content
    assert drawn_cards == [1]
    client.get(f"/articles/{article.pk}/diff/1/2/card.png")
    assert drawn_cards == [1, 2]


def test_cards_count_against_the_diff_throttle(client: Client, article: Article, settings: Settings) -> None:
    settings.DIFF_RENDERS_PER_MINUTE = 2
    assert client.get(f"/articles/{article.pk}/diff/0/1/card.png").status_code == 200
    assert client.get(f"/articles/{article.pk}/diff/0/1/").status_code == 200
    refused = client.get(f"/articles/{article.pk}/diff/1/2/card.png")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "max-age" not in refused.get("Cache-Control", "")
    # A card already drawn costs nothing and is still served.
    assert client.get(f"/articles/{article.pk}/diff/0/1/card.png").status_code == 200


def test_the_diff_page_announces_its_card_to_link_previews(client: Client, article: Article) -> None:
    soup = BeautifulSoup(client.get(f"/articles/{article.pk}/diff/0/1/").content, "lxml")

    def meta(key: str) -> str:
        found = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        assert found is not None, key
        return str(found["content"])

    card = f"http://testserver/articles/{article.pk}/diff/0/1/card.png"
    assert meta("og:image") == meta("twitter:image") == card
    assert (meta("og:image:width"), meta("og:image:height")) == ("1200", "630")
    assert meta("twitter:card") == "summary_large_image"
    assert meta("og:title") == "v0 → v1: Mayor closes bridge"
    assert meta("og:url") == f"http://testserver/articles/{article.pk}/diff/0/1/"
    assert meta("og:description") == (
        "headline changed · +1/−1 words · 1 paragraph changed · The Daily Test"
        " · changed 20 Nov 2026, 10:30 UTC"
    )
    apart = BeautifulSoup(client.get(f"/articles/{article.pk}/diff/0/2/").content, "lxml")
    description = apart.find("meta", attrs={"property": "og:description"})
    assert description is not None
    assert str(description["content"]).startswith("2 versions apart · ")


@pytest.mark.parametrize(
    "numbers", ["0/9", "3/1", "1/1", "0/99999999999999999999", "0/9223372036854775808"]
)  # fmt: skip
def test_a_card_is_missing_where_the_diff_page_is(client: Client, article: Article, numbers: str) -> None:
    page = client.get(f"/articles/{article.pk}/diff/{numbers}/")
    card = client.get(f"/articles/{article.pk}/diff/{numbers}/card.png")
    assert page.status_code == card.status_code == 404
    assert client.get("/articles/999999/diff/0/1/card.png").status_code == 404


def test_a_removed_articles_card_is_gone(client: Client, article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(status=Article.Status.REMOVED)
    assert client.get(f"/articles/{article.pk}/diff/0/1/").status_code == 410
    assert client.get(f"/articles/{article.pk}/diff/0/1/card.png").status_code == 410
