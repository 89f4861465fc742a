"""Extract an article's headline, byline, body paragraphs and canonical address from its HTML.

``extract(html, url)`` is the stable entry point other modules and benchmarks call. The page is parsed
once, with lxml (a BeautifulSoup tree costs about 14 times as much to build), and read in this order:

1. metadata that templates do not move around: JSON-LD ``NewsArticle``, ``og:`` tags, ``rel=canonical``;
2. the site rule for the page's host (``articles.site_rules``), if there is one and it finds a story;
3. otherwise the generic reader: find the element around the most paragraph text, drop the chrome
   inside it (share bars, related links, ads, newsletter boxes, captions), keep its text blocks.

Every ``Extraction`` names what produced it (``site:bbc`` 1, ``generic`` 2, ...) so that improving one
rule re-baselines only that rule's articles.

The package, a module per part of the reading: ``document`` (parsing, the tree's text), ``metadata``
(JSON-LD, meta tags, dates), ``lines`` (what a line of text is: furniture, boilerplate, the end of the
story), ``chrome`` (what a box is, by its tag and names), ``container`` (which element holds the story,
and its paragraphs), ``headline``, ``byline`` and ``names`` (what reads as names, and a story's signature);
this module puts them together and applies site rules.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from articles.extraction.byline import _without_publisher, choose_byline, clean_byline
from articles.extraction.chrome import ELEMENT_NAMES, HOLDS, _strip_chrome, _strip_template_boxes
from articles.extraction.container import _container, _drop_dates, _paragraphs
from articles.extraction.document import (
    FORM_FEED_AS_SPACE,
    NOT_XML,
    PartialPage,
    _drop,
    _link_text_length,
    _outermost,
    _strip_code_and_widgets,
    _unhash_classes,
    parse,
    text_of,
)
from articles.extraction.headline import _leading_headings, _standfirst, choose_title, social_title
from articles.extraction.lines import _drop_script_errors, _is_boilerplate, _until_the_end, is_furniture
from articles.extraction.metadata import Metadata, host_of, read_metadata
from articles.extraction.names import _names_in
from articles.site_rules import SITE_RULES, Selector, SiteRule

# What other modules and benchmarks use: ``extract`` and its result, the parser and what it refuses, the
# release names.
__all__ = [
    "EXTRACTOR_NAME", "EXTRACTOR_VERSION", "FORM_FEED_AS_SPACE", "NOT_XML", "Extraction", "PartialPage",
    "extract", "parse", "release_for", "rule_for",
]  # fmt: skip

EXTRACTOR_NAME = "generic"


# Raise it whenever the text read from the same bytes may change, decoding (fetching/charset.py) too: the
# next check of every article then re-reads its page and files a difference as kind "parser", not as an
# edit by the publisher. 3: charsets detected among web charsets only and the same way on every load,
# stray NUL and control bytes dropped, pages libxml2 would read only in part refused. 4: the story's own
# <h1> is the headline when the metadata lags behind it, and never a body paragraph; datelines, ages,
# counters and byline lines are never body text; control characters XML refuses no longer fail a page.
# 5: the standfirst under the headline is the story's first line; a <header> left unclosed, or a cookie
# or privacy dialog, no longer hides the story or stands in for it; author boxes and post footers are not
# story text. 6: words in blocks side by side stay apart; a profile box's name field is the byline, and an
# avatar's initials are not; slideshow counters ("11 von 17") are not story text; CSS-in-JS style names
# ("tagStyle_z4kqwb") no longer mark every paragraph as a detail of the page; a story shipped as an HTML
# template (Blogger) is read; a long cookie dialog no longer outweighs the story when choosing it.
# 7: blocks a template wraps in a heading (a gallery in an <h2>) are read one by one, not as one line; a
# Drupal field whose label is hidden ("field-label-hidden") is not hidden text; a box named as chrome is
# kept as the story only if it holds a fair share of the largest such box (not a prompt beside it); a
# page served again inside <noscript> for readers without scripts is read there.
# 8: a story told mostly in a list (an agenda, steps) weighs its items, not only its <p>s, when the
# story's element is chosen; a small box beside any paragraph, a link line's too, costs the element
# around it nothing; a template's indentation no longer weighs as text.
# 9: <body>/<html> class names never make the page chrome; a page whose every paragraph sits in boxes named
# as chrome (a forum's posts) is read from them; a list named as chrome is never the story; the standfirst
# is also read beside the headline in its own box or the story's first <header>; headings that end the
# story are never story lines, and there are more of them; short copyright, "Quelle:/Source:" and server
# warning lines, and boxes named legend, disclosure, affiliate, copyright, licence, toc or recirculation,
# are not story text. Bylines: every box named for authors is looked at (a walk used to stop at a dropped
# date); "author vcard", a post's data-author, an author label standing alone, credit words in French,
# Italian and Spanish, "Posted on DATE by NAME", a credit line up to its line break, a source line's agency,
# the story's own footer, and a line that signs the story with a mark (a dash, ©, a date under the names,
# initials closing a sentence) are read; a picture's licence box, an authors' affiliations box, a teaser's
# or a quotation's credit, and a long box about authors are not the byline.
# 10: a script, a style or a form's text box a page declares "self-closed" ("<script src=… />") is read as a
# browser reads it, up to its end tag: its code is never the story's text. Bylines: two or three names set in
# bold as the very last text of the story's element sign it.
# 11: a story whose paragraphs are each a block holding only inline boxes ("<div><span>…</span></div>", as
# some editors write it, with no <p>) weighs them when the story's element is chosen; a prompt to share or
# rate the story ("Möchten Sie den Artikel teilen?", "Was this article helpful?") or a "most read" heading
# ends it; a story told in many entries of one kind named as chrome (a live ticker's "live-comment"s) with
# next to no text beside them is read from those entries.
# 12: ages and datelines in German, Spanish, French, Portuguese, Italian, Dutch and Polish ("vor 9 Minuten",
# "hace 2 horas") are furniture, never story text; the site's calls to follow it, get its app, subscribe, pay,
# join its forums or write to its staff, as the story's last lines, are not the story's, nor are a wire
# service's credits ("(Reporting by …; Editing by …)") or opinion disclaimers; a second heading of a sentence
# beside the headline, or a box named as a standfirst in a newsroom's other words ("bajada", "chapeau",
# "vorspann"), is the standfirst; a story read under a paragraph and a half long is chosen again with its
# blocks around the template, within its own <article> or <main>; a CSS Modules hash ("Main__2pNav"), a name
# that says what a box is not ("non-paywall") and "overflow-hidden" or "hidden-xs" no longer name a box as
# chrome; the words of a sentence set in an inline box named as chrome (<a class="tag">Jane Roe</a>) stay in
# the sentence; a cookie dialog is never kept as the story; a server script's error messages ("<b>Warning</b>:
# … on line <b>928</b>") are dropped before the story's element is chosen. Bylines: an author's box is
# measured without the chrome a load drops into it.
# 13: the readers' comments end the story wherever they start after some of it ("Leave a reply", "Bitte
# halten Sie sich an unsere Netiquette"), however long they run; an advertisement's label ("- Anzeige -",
# "Publicidad"), a picture's zoom control ("Bild vergrößern") and the site's notice of its own cookies are not
# story text; a "Meist gesucht" box ends it. Bylines: a Drupal post's "Submitted by …" / "Gespeichert von …"
# line, a bare "von" before the names, the date after them ("Von Jane Roe am 07.08.2013"), titles ("Dr. med.",
# "Rechtsanwalt"), a photographer credited beside the writer ("(Bild)"), an outlet's letters after its
# writers ("…, NDR") and a section's name before the credit ("Disko Von Jane Roe").
# 14: bylines only, no story text reads differently: the agency in a dateline ("Hamburg (dpa/lno) –"), author
# labels without a colon ("Autoren …", "Ein Artikel von", "About the Author -", "Alles von"), a run of author
# links after "Por:", Blogger's "Posted by" box, a box about the author holding only names; degrees, short
# weekdays, dates in every known language, reading times, an illustrator's credit, an agency after a slash
# and a name written twice are not names; names only in hidden boxes, a commenter's or a video's credit,
# "Unknown" and a cited document credit no one.
# 15: bylines only: a credit's label for screen readers only ("Veröffentlicht von" glued to the name) is
# not read, nor a date in Spanish or Portuguese ("3 de mayo de 2022"), a series' hashtag or a picture's
# credit ("Foto: …", "Фото …") in the author's slot; at most the first 50 candidates of each kind are
# looked at (structured authors, author boxes, credit lines, labels, links), so that a page of thousands
# cannot cost the square of their number.
# 16: a small styled box after a story's paragraph, among them, is the template's whatever its name says
# (many name every box by a build's hash) when it holds a form's controls, mostly links, a link standing as a
# button, or a line that is no sentence (an ad's label, counters, a ticker); a bare <div>, a subheading, a
# list or a quotation in such a box stays.
EXTRACTOR_VERSION = "16"


@dataclass(frozen=True)
class Extraction:
    title: str
    byline: str
    paragraphs: list[str] = field(default_factory=list)
    extractor: str = EXTRACTOR_NAME
    extractor_version: str = EXTRACTOR_VERSION
    canonical: str = ""
    # The headline the page gives sharing cards and search results (og:title, twitter:title, or <title>
    # without the site's name): sites test and rewrite it apart from the visible one.
    social_title: str = ""
    # When the page says it was published and last updated, as it writes it (ISO 8601 at best): metadata
    # shown beside the record, never part of the text compared.
    published: str = ""
    modified: str = ""
    # Why the page could not be read whole, if it could not (see ``PartialPage``); then nothing else is set.
    unreadable: str = ""


def _generic(document: HtmlElement, meta: Metadata, url: str) -> Extraction:
    _strip_code_and_widgets(document)
    _drop_script_errors(document)
    # A dateline or an age beside the headline changes with every load: it must not move the choice.
    _drop_dates(document)
    container = _container(document)
    byline = choose_byline(document, meta, container)
    title = choose_title(document, meta, url, container)
    paragraphs: list[str] = []
    if container is not None:
        lead = _standfirst(container, title)
        for heading in _leading_headings(container):
            _drop(heading)
        # Before the named chrome goes: a box's form (chrome by its tag) says what the box is.
        _strip_template_boxes(container)
        _strip_chrome(container)
        paragraphs = _until_the_end(_paragraphs(container))
        paragraphs = [text for text in lead if text not in paragraphs[:1]] + paragraphs
    return Extraction(
        title,
        byline,
        _without_heading(paragraphs, title, byline),
        canonical=meta.canonical,
        social_title=social_title(meta, url, title),
        published=meta.published,
        modified=meta.modified,
    )


def _without_heading(paragraphs: list[str], title: str, byline: str) -> list[str]:
    """The body without the headline and byline lines (which are read on their own) and lines that only
    pair the byline with a date."""
    while paragraphs and paragraphs[0] in (title, byline):
        paragraphs = paragraphs[1:]
    # Furniture without the byline went with the boilerplate; only a line naming the byline is new here.
    return [p for p in paragraphs if not (byline and byline in p and is_furniture(p, byline))]


def rule_for(url: str) -> SiteRule | None:
    host = host_of(url)
    for rule in SITE_RULES:
        if rule.matches(host):
            return rule
    return None


def release_for(url: str) -> str:
    """Every extractor that may read a page from ``url`` (its site rule, and the generic reader it falls
    back to), with versions: when this changes, identical bytes must be read again."""
    generic = f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}"
    rule = rule_for(url)
    return f"site:{rule.name}/{rule.version}+{generic}" if rule else generic


def _first_text(
    document: HtmlElement,
    selectors: Iterable[Selector],
    clean: Callable[[HtmlElement], str] = text_of,
) -> str:
    for selector in selectors:
        for node in selector(document):
            if text := clean(node):
                return text
    return ""


def _by_site_rule(document: HtmlElement, meta: Metadata, rule: SiteRule, url: str) -> Extraction | None:
    _strip_code_and_widgets(document)
    _drop_script_errors(document)
    bodies = _outermost(rule.body_selector(document))
    if not bodies:
        return None
    paragraphs = []
    for body in bodies:
        for element in _outermost(rule.drop_selector(body)):
            _drop(element)
        # The rule names the site's own chrome; boxes any template may drop into a story (most-read lists,
        # "updated N minutes ago" lines, ad slots) are recognised as the generic reader does.
        _drop_dates(body)
        _strip_template_boxes(body)
        _strip_chrome(body)
        for block in _outermost(rule.paragraph_selector(body)):
            text = text_of(block)
            if text and not _is_boilerplate(text, _link_text_length(block)):
                paragraphs.append(text)
    if not paragraphs:
        return None
    title = _first_text(document, rule.title_selectors) or meta.headline or meta.og_title
    byline = ""
    if rule.byline_from_metadata and meta.authors:
        byline = ", ".join(meta.authors)
    credit = _names_in(_first_text(document, rule.byline_selectors, clean_byline))
    byline = _without_publisher(byline or credit or ", ".join(meta.authors), meta)
    return Extraction(
        title=title,
        byline=byline,
        paragraphs=_without_heading(paragraphs, title, byline),
        extractor=f"site:{rule.name}",
        extractor_version=rule.version,
        canonical=meta.canonical,
        social_title=social_title(meta, url, title),
        published=meta.published,
        modified=meta.modified,
    )


def extract(html: str, url: str, *, site_rules: bool = True) -> Extraction:
    """The article in ``html`` fetched from ``url``; without ``site_rules``, by the generic reader."""
    try:
        document = parse(html)
    except PartialPage as partial:
        return Extraction(title="", byline="", paragraphs=[], unreadable=str(partial))
    if document is None:
        return Extraction(title="", byline="", paragraphs=[])
    meta = read_metadata(document, url)
    rule = rule_for(url) if site_rules else None
    if rule is not None:
        _unhash_classes(document)
    # The elements' names are worked out once each from here on: their classes no longer change. So is what
    # a box holds (a headline, a teaser's heading): asked only while the byline is read, which drops no
    # more than dates and text hidden from readers.
    names, holds = ELEMENT_NAMES.set({}), HOLDS.set({})
    try:
        if rule is not None and (result := _by_site_rule(document, meta, rule, url)) is not None:
            return result
        return _generic(document, meta, url)
    finally:
        ELEMENT_NAMES.reset(names)
        HOLDS.reset(holds)
