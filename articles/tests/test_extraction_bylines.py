"""The byline a reader sees, in the forms templates give it: each case a tiny page of its own."""

from articles.extraction import extract

STORY = "<p>The bridge closes on Monday for at least a year of repairs, the council said.</p>"


def byline_of(before: str, after: str = "") -> str:
    html = f"<html><body><article><h1>Council to close bridge</h1>{before}{STORY}{after}</article></body>"
    return extract(html, "http://x/").byline


def test_a_picture_s_credit_is_not_the_byline() -> None:
    # A box named for the author of a picture's licence credits the photographer, not the story.
    picture = '<p class="media-license"><span class="media-license-author">zvg</span></p>'
    assert byline_of(f'{picture}<p class="meta">Von Ann Bee</p>') == "Ann Bee"


def test_an_author_vcard_is_the_name() -> None:
    # The microformat of a person ("author vcard") is the credit itself; the label beside it is no name.
    meta = (
        '<div class="entry-meta">von <span class="author vcard"><a class="url fn n" href="/a/jr">Jane Roe'
        '</a></span> <span class="meta-prep meta-prep-author">Veröffentlicht am</span> 11. Juni 2019</div>'
    )
    assert byline_of(meta) == "Jane Roe"
