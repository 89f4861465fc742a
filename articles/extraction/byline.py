"""The names the page credits: structured names it shows, its byline box, a credit line, or an author link."""

import re
from itertools import islice

from lxml import etree
from lxml.html import HtmlElement

from articles.extraction.chrome import Story, _class_and_id, _in_chrome, _is_chrome, _is_unseen
from articles.extraction.document import (
    LETTERS,
    _drop,
    _has_children,
    _link_text_length,
    _outermost,
    _text_length,
    text_of,
)
from articles.extraction.lines import _is_boilerplate
from articles.extraction.metadata import Metadata
from articles.extraction.names import (
    AUTHOR_FIELD,
    AUTHOR_LABEL,
    BYLINE_NOISE,
    CREDIT_LINE_TAGS,
    CREDIT_WORDS,
    LEADING_DATE,
    _are_names,
    _dateline_agency,
    _first_line,
    _names_in,
    _sign_off,
)
from articles.site_rules import compile_selector

# The most candidates of one kind the credit is looked for in (structured names, marked-up authors, author
# boxes, credit lines, labels, links, the places a name is written): real pages credit in their first few
# (on the 1,051 corpus pages, in the first ten). Each look walks up from the candidate and around the boxes
# above it, so without a bound a page of thousands of "author" boxes in a sidebar (an index of writers, or
# a hostile page) would cost the square of its size: ten thousand took seconds.
MOST_CANDIDATES = 50


# The names marked up as the author's, then the author's marked-up boxes, then links to the author's page
# (microdata and rel="author"). The names are asked as elements with a marked-up author above them: asked
# as CSS's '[itemprop="author"] [itemprop="name"]' (descendants of each author), libxml2 merged the
# authors' results in time that grew with their square (50,000 took 2.5 s).
BYLINE_SELECTORS = (
    etree.XPath("//*[@itemprop = 'name'][ancestor::*[@itemprop = 'author']]"),
    compile_selector('[itemprop="author"]'),
    compile_selector('[rel="author"]'),
)


# Whether any of BYLINE_SELECTORS can match: most pages have no such markup, and one look for it costs a
# third of asking the three selectors.
HAS_AUTHOR_MARKUP = etree.XPath("boolean(//*[@itemprop='author' or @rel='author'])")


def clean_byline(element: HtmlElement) -> str:
    """A byline's names without the dates and counters some templates put in the same box, and without
    what the box hides from its readers (a label for screen readers only: WordPress's "Posted by", glued
    to the name it precedes)."""
    for sub in list(element.iter("time")):
        _drop(sub)
    for sub in [box for box in element.iterdescendants(etree.Element) if _is_unseen(box)]:
        _drop(sub)
    return BYLINE_NOISE.sub("", text_of(element)).strip(" ,|·•-–—")


def choose_byline(document: HtmlElement, meta: Metadata, container: HtmlElement | None = None) -> str:
    """The names the page credits. The structured names first (visible bylines often share a box with an
    ever-changing timestamp), but only those a reader sees on the page: a publisher or an agency in the
    metadata that the page never shows is not the byline. Then the page's byline box, then a line that
    credits someone ("Von Jane Roe", "Text: Jane Roe"). Call it after scripts are stripped, so that names
    only in the metadata do not count as shown; with the story's ``container`` known, a box around it is
    never chrome, whatever its name."""
    story: Story = (
        {box: up for up, box in enumerate((container, *container.iterancestors()))}
        if container is not None
        else {}
    )
    authors = meta.authors[:MOST_CANDIDATES]
    if names := [_names_in(name) for name in authors if _is_shown(document, name, None)]:
        return _without_publisher(", ".join(name for name in names if name), meta)
    for selector in BYLINE_SELECTORS if HAS_AUTHOR_MARKUP(document) else ():
        for node in islice(selector(document), MOST_CANDIDATES):
            # A commenter's name is marked up as an author too ("<article class=comment> … itemprop=author").
            if _in_chrome(node, story) or _out_of_sight(node):
                continue
            if (text := _names_in(clean_byline(node))) and len(text) < 200:
                return _without_publisher(text, meta)
    credit = (
        _credit_box(document, story)
        or _credit_line(document, story)
        or _labelled_credit(document, story)
        or _author_link(document, story)
    )
    if not credit and _is_shown(document, meta.meta_author, story):
        credit = _names_in(meta.meta_author)
    if not credit and container is not None:
        credit = _post_author(container, document) or _sign_off(container, story)
    if not credit:
        credit = _source_line(document, story)
    if not credit and container is not None:
        credit = _dateline_agency(container)
    return _without_publisher(credit, meta)


# What a blog platform writes where a writer hid their profile (Blogger's "Posted by Unknown", "Publié par
# Unknown"): no one is credited. "Anonymous" stays: an op-ed may credit no one by that name on purpose.
NO_ONE = frozenset(("unknown", "unbekannt", "inconnu", "desconocido", "sconosciuto", "onbekend"))


def _without_publisher(byline: str, meta: Metadata) -> str:
    if byline.strip().casefold() in NO_ONE:
        return ""
    # "Jane Roe, CNN" or "Jane Roe, CNN Business" on cnn.com: the site is not one of the authors, unless
    # it is the only one.
    site = meta.site_name.casefold().strip()
    names = [name for name in byline.split(", ") if name.casefold().split()[:1] != [site]]
    return ", ".join(names) if names else byline


TEXT_CONTAINING = etree.XPath("//body//text()[contains(., $name)]")


def _is_shown(document: HtmlElement, name: str, story: Story | None) -> bool:
    """Whether ``name`` is written on the page where a reader sees it; with the ``story``'s boxes,
    outside the page's chrome (a publisher named in the footer is shown, but not as a byline)."""
    if not name.strip():
        return False
    for text in islice(TEXT_CONTAINING(document, name=name.strip()), MOST_CANDIDATES):
        element = text.getparent()
        if element is not None and text.is_tail:
            element = element.getparent()
        if (
            element is not None
            and not _out_of_sight(element)
            and (story is None or not _in_chrome(element, story))
        ):
            return True
    return False


def _out_of_sight(element: HtmlElement) -> bool:
    """Whether the element is in a box hidden by its style or its name ("hidden", "sr-only"): a theme's
    copy of the structured data a reader never sees."""
    return any(_is_unseen(box) for box in (element, *element.iterancestors()))


# Class and id words of the box that names the author, and of the boxes about an author that do more or
# credit something else: a picture's licence or copyright holder ("media-license-author"), the authors'
# affiliations and where to search for their work ("author-affiliations"; a heading in it that is named
# "author-affiliation-head" is a name). An "author vcard" is the name itself (the microformat of a
# person), no card about them.
NOT_THE_CREDIT = re.compile(
    r"bio|desc|info|affiliations|image|img|avatar|photo|picture|about|profile|box|(?<!v)card|more|media|licen[cs]|copyright|caption",
    re.I,
)


# The names of a picture's or a video's credit: never the story's, whatever the box holds. The other boxes
# NOT_THE_CREDIT names ("header-info__author", an "author-info" box) credit the story when names are all
# they hold.
A_PICTURE_S_CREDIT = re.compile(
    r"image|img|avatar|photo|picture|video|media|licen[cs]|copyright|caption", re.I
)


def _on_a_picture(element: HtmlElement, story: Story) -> bool:
    """Whether the element credits a picture or a video: in a <figure>, or named for one, itself or its
    parent ("By Jane Roe" as a photo's credit in a "video-credit" box), outside the story's own boxes."""
    return next(element.iterancestors("figure", "figcaption"), None) is not None or any(
        box not in story and ON_A_PICTURE.search(_class_and_id(box))
        for box in islice((element, *element.iterancestors()), 2)
    )


# Not "media": Bootstrap's "media" object lays out any box beside a picture, a byline too.
ON_A_PICTURE = re.compile(r"image|img|photo|foto|picture|video|caption")


# Asked of lower-case text: folding case in the pattern made it five times slower, asked of every element.
AUTHOR_NAMES = re.compile(r"author|autor|byline|writer|verfasser")


NAME_FIELD = etree.XPath(
    ".//*[contains(translate(@class, 'NAME', 'name'), 'name') and string-length(normalize-space()) > 2]"
)


# A credit box holds names, perhaps a date and a label: more text than this is a section about authors.
LONGEST_CREDIT_BOX = 300


# A box about the author that holds only a credit: its names, perhaps a label ("Von: Jane Roe").
LONGEST_NAMES = 80


def _named_as_authors(document: HtmlElement) -> list[HtmlElement]:
    body = document.find("body")
    # Asked in Python of every element: an XPath asking the same (letters folded) took five times as long.
    return [
        element
        for element in (body.iter(etree.Element) if body is not None else ())
        if (attributes := element.attrib)
        and AUTHOR_NAMES.search(
            f"{attributes.get('class')} {attributes.get('id')} {attributes.get('data-testid')}".lower()
        )
    ]


# Boxes a load may drop into an author's box: not inline pieces of the credit (a date's <span>, a link).
DROPPED_IN = frozenset(("div", "p", "aside", "section", "figure", "ul", "ol", "form", "nav", "footer"))


def _own_text_length(box: HtmlElement) -> int:
    """A box's text less the chrome and the link lines inside it: an ad or a "Read more:" link a load drops
    into an author's box must not make it a section about authors on that load and a credit on the next."""
    dropped_in = _outermost(
        [
            element
            for element in box.iterdescendants(*DROPPED_IN)
            if _is_chrome(element, details=True)
            or (element.tag == "p" and _is_boilerplate(text_of(element), _link_text_length(element)))
        ]
    )
    return _text_length(box) - sum(_text_length(element) for element in dropped_in)


def _credit_box(document: HtmlElement, story: Story) -> str:
    """The text of the first element the template names as the author's ("author", "autor", "byline"),
    outside comments and other chrome, short enough to be names."""
    # Listed before any is read: reading one drops its dates (clean_byline), and a walk of the page whose
    # next step was such a date would stop there for good.
    for element in _named_as_authors(document)[:MOST_CANDIDATES]:
        if element.tag != "body" and next(element.iterancestors("body"), None) is None:
            continue  # dropped, with a date, from a box read before it
        names = _class_and_id(element)
        if A_PICTURE_S_CREDIT.search(names) or _in_chrome(element, story):
            continue
        if NOT_THE_CREDIT.search(names):
            # Two words at least: a button's "Follow" in an "author-info" box is a word, no name.
            text = _names_in(clean_byline(element)) if _own_text_length(element) <= LONGEST_NAMES else ""
            if len(text.split()) >= 2 and _are_names(text):
                return text
            continue
        # The box's own name fields where it has them: not the handle, e-mail or job title beside them.
        fields = [_names_in(clean_byline(field)) for field in _outermost(NAME_FIELD(element))]
        if fields and all(_are_names(field) for field in fields):
            text = ", ".join(dict.fromkeys(fields))
        elif _own_text_length(element) > LONGEST_CREDIT_BOX:
            continue  # a section about authors ("author-guidelines"), not a credit
        else:
            text = _names_in(clean_byline(element))
        if text and len(text) <= 80 and LETTERS.search(text):
            return text
    return ""


# Links to an author's page: found by the letters all such paths share, then told apart by the pattern
# (one look at each link instead of five halves the time on a page of a thousand links).
LINKS_TO_AUT = etree.XPath("//body//a[contains(@href, '/aut')]")
AUTHOR_PATH = re.compile(r"/(?:authors?|autor|autoren|autorin)/")


def _author_links(document: HtmlElement) -> list[HtmlElement]:
    return [link for link in LINKS_TO_AUT(document) if AUTHOR_PATH.search(link.get("href"))]


def _author_link(document: HtmlElement, story: Story) -> str:
    """The name on the first link to an author's page ("/author/jane-roe"), outside chrome."""
    for link in _author_links(document)[:MOST_CANDIDATES]:
        if _in_chrome(link, story):
            continue
        if _are_names(names := _names_in(text_of(link))):
            return names
    return ""


# A credit line that gives the date first, the names after it: "Posted on October 27, 2015 by Admin".
POSTED_ON = re.compile(
    r"^\s*(?:posted|published|written|veröffentlicht|geschrieben|erstellt|publié)\s+(?:on|am|le)\b",
    re.IGNORECASE,
)
DATED_FIRST = re.compile(POSTED_ON.pattern + r"\s+[^|·•]{1,40}?\s(?=(?:by|von|par)\s)", re.IGNORECASE)


def _credit_line(document: HtmlElement, story: Story) -> str:
    """The names of the first line, outside chrome, that is only a credit: "Von Leonora Holling",
    "Text und Interview: Harald Willenbrock", "Posted by konstantin 21.10.2019", "Posted on 27 October
    2015 by Admin"."""
    body = document.find("body")
    if body is None:
        return ""
    looked = 0
    for element in body.iter(CREDIT_LINE_TAGS):
        if not (text := element.text) or text.isspace():
            continue  # most elements: no credit can start in no text
        start = LEADING_DATE.sub("", text)
        if not (CREDIT_WORDS.match(start) or AUTHOR_FIELD.search(start) or POSTED_ON.match(start)):
            continue
        if (looked := looked + 1) > MOST_CANDIDATES:
            break
        # The credit's own line first: "Von Jane Roe<br>Kakuma/Kenia" holds a dateline after the break.
        both = (" ".join(_first_line(element).split()), " ".join(element.text_content().split()))
        lines = [text for text in dict.fromkeys(both) if len(text) <= 120]
        if not lines or _in_chrome(element, story) or _on_a_picture(element, story):
            continue
        for text in lines:
            text = DATED_FIRST.sub("", LEADING_DATE.sub("", text))
            if _are_names(names := _names_in(text), any_single_word=True):
                return names
    return ""


LABEL_TAGS = ("dt", "th", "strong", "b", "span", "h3", "h4", "h5", "h6", "label", "div", "p")


# A credit's word alone in its box, the names in the next one: "<strong>von</strong> <span>Jane Roe</span>".
CREDIT_LABEL = re.compile(r"^(?:by|von|par|por|door)\s*:?$", re.IGNORECASE)


def _labelled_credit(document: HtmlElement, story: Story) -> str:
    """The names right after the first element, outside chrome, that is only an author label: the text
    after it in the same box, else the next box's. After an explicit label a credit may be any short words
    without digits ("Catch more fish", a team's account); after a bare "von", only names."""
    body = document.find("body")
    looked = 0
    for label in body.iter(LABEL_TAGS) if body is not None else ():
        if _has_children(label):
            continue
        text = " ".join((label.text or "").split())
        explicit = AUTHOR_LABEL.match(text) is not None
        if not (explicit or CREDIT_LABEL.match(text)):
            continue
        if (looked := looked + 1) > MOST_CANDIDATES:
            break
        if not (names := _names_after(label)) or _in_chrome(label, story):
            continue
        words = names.replace(",", " ").split()
        if explicit and 0 < len(words) <= 6 and not any(character.isdigit() for character in names):
            return names
        if not explicit and _are_names(names):
            return names
    return ""


def _names_after(label: HtmlElement) -> str:
    """The names after a label: the rest of its box's text, else the next box's, or the rest of the line
    when that is a run of links ("<b>Por:</b> <a>Jane Roe</a>, <a>Ann Bee</a>")."""
    following = label.getnext()
    value = label.tail if label.tail and label.tail.strip() else None
    if value is None and following is not None and following.tag in INLINE_NAMES:
        parts = []
        for sibling in label.itersiblings():
            if sibling.tag not in INLINE_NAMES:
                break
            parts += [text_of(sibling), sibling.tail or ""]
        value = "".join(parts)
    elif value is None and following is not None:
        value = text_of(following)
    return _names_in(value) if value else ""


# The inline boxes a line of names is written in, one name each.
INLINE_NAMES = frozenset(("a", "span", "strong", "b", "em", "i"))


# The label of the source a story is taken from, the agency that wrote it: "Quelle: dpa", "Source: AFP".
SOURCE_LABEL = re.compile(r"^\s*(?:quelle|source|fuente|fonte|źródło)\s*:\s*", re.IGNORECASE)


# An agency is named in a few words: a longer source ("Quelle: 20/428 - Schriftliche Fragen: …") cites a
# document, and names no one.
LONGEST_SOURCE = 8


DIGIT = re.compile(r"\d")


# Class and id words of the boxes a picture's source is given in ("Quelle: THW" under a photo).
PICTURE_NAMES = re.compile(r"caption|credit|image|img|photo|picture|figure|bild|foto", re.IGNORECASE)


def _source_line(document: HtmlElement, story: Story) -> str:
    """The agency a line outside chrome and pictures gives as the story's source, when nothing else
    credits anyone: "<p>Quelle: <a>dpa</a></p>", "<strong>Quelle:</strong> AFP"; one word, or two or
    three of names ("Source: company filings" names no one)."""
    body = document.find("body")
    looked = 0
    for element in body.iter(LABEL_TAGS) if body is not None else ():
        if not (text := element.text) or not SOURCE_LABEL.match(text):
            continue
        if (looked := looked + 1) > MOST_CANDIDATES:
            break
        value = SOURCE_LABEL.sub("", text_of(element)) or element.tail or ""
        if len(value.split()) > LONGEST_SOURCE:
            continue
        if _in_chrome(element, story) or any(
            box not in story and PICTURE_NAMES.search(_class_and_id(box))
            for box in (element, *element.iterancestors())
        ):
            continue
        names = _names_in(value)
        if len(names.split()) <= 3 and _are_names(names, any_single_word=True) and not DIGIT.search(names):
            return names
    return ""


# The author a template names in an attribute of the post ("<article data-author=...>" in a forum's thread):
# the story's own box, else the first post inside it (a thread's opening post).
POST_AUTHOR = etree.XPath(
    "(ancestor-or-self::*[@data-author][1] | descendant::*[@data-author][1])[1]/@data-author"
)


def _post_author(container: HtmlElement, document: HtmlElement) -> str:
    """The name the story's post, or the opening post in it, gives as its author's, when the page shows
    it."""
    name = next(iter(POST_AUTHOR(container)), "")
    return name if _are_names(name, any_single_word=True) and _is_shown(document, name, None) else ""
