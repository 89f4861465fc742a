"""The headline a reader sees (the story's own heading over the metadata), the standfirst under it, and
the social headline."""

import re

from lxml import etree
from lxml.html import HtmlElement

from articles.extraction.chrome import _class_and_id, _is_chrome, _strip_chrome, _strip_template_boxes
from articles.extraction.container import _paragraphs
from articles.extraction.document import _attr, _clean, _outermost, text_of
from articles.extraction.metadata import Metadata, host_of

TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:•·»]\s+")


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def _without_site_name(title: str, meta: Metadata, url: str) -> str:
    """'Storm hits coast - Example News' → 'Storm hits coast', when the part cut off names the site."""
    parts = TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    host = host_of(url)
    site_words = _words(meta.site_name) | {w for w in re.split(r"[.\-]", host) if len(w) > 2} - {"www", "com"}
    for candidate in (parts[0], parts[-1]):
        rest = title.replace(candidate, "", 1)
        rest_words = _words(rest)
        if rest_words and len(rest_words & site_words) * 2 >= len(rest_words) and _words(candidate):
            return candidate.strip()
    return title


# How far up from the story's container its own <h1> may sit (article > header > h1, beside the body).
HEADING_LEVELS = 4


STORY_ROOTS = frozenset(("article", "main", "body"))


def _site_words(meta: Metadata, url: str) -> set[str]:
    """Words that name the site: og:site_name, the host, and what <title> adds to the page's own name."""
    host = {w for w in re.split(r"[.\-]", host_of(url)) if len(w) > 2} - {"www", "com", "org", "net"}
    title = meta.document_title
    page = _without_site_name(title, meta, url)
    return _words(meta.site_name) | host | (_words(title) - _words(page) if page != title else set())


def _is_headline(element: HtmlElement, site: set[str]) -> str:
    """The text of an <h1> that can be a story's headline: not the site's name (a logo), not in a box the
    template labels as chrome (navigation, a sidebar, a teaser list), not a paragraph's worth of text."""
    text = text_of(element)
    words = _words(text)
    if not text or len(text) > 300 or len(words) < 2 or words <= site:
        return ""
    for box in (element, *element.iterancestors()):
        if box.tag in STORY_ROOTS:
            break
        # A <header> heads whatever holds it: the story's own, inside its <article>, is no chrome.
        if box.tag != "header" and _is_chrome(box):
            return ""
    return text


def _content_words(text: str, site: set[str]) -> set[str]:
    return {word for word in _words(text) if (len(word) > 3 or word.isdigit()) and word not in site}


def story_heading(container: HtmlElement | None, meta: Metadata, url: str, claims: list[str]) -> str:
    """The headline a reader sees above the story, when it still speaks of what the page's metadata names
    (a word in common): the nearest <h1> before the story's container within the story's own part of the
    page (its <article> or <main>, a few levels up at most), or one inside the container before its text.
    Sites rewrite that heading and leave <title> and og:title behind."""
    if container is None:
        return ""
    site = _site_words(meta, url)
    about = set().union(*(_content_words(claim, site) for claim in claims))

    def fits(h1: HtmlElement) -> str:
        text = _is_headline(h1, site)
        return text if text and (not about or _content_words(text, site) & about) else ""

    node = container
    for _ in range(HEADING_LEVELS):
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str):
                continue
            if found := [text for h1 in sibling.iter("h1") if (text := fits(h1))]:
                return found[-1]
        parent = node.getparent()
        if parent is None or node.tag in STORY_ROOTS or parent.tag == "body":
            break
        node = parent
    for h1 in _leading_headings(container):
        if text := fits(h1):
            return text
    return ""


# Class and id words of the standfirst a template sets between the headline and the story's text: the
# story's own first lines, which sites rewrite like any other.
LEAD_NAMES = re.compile(
    r"(?:^|[-_ ])(?:leads?|lead-?in|lede|intro\w*|teaser|abstract|standfirst|summary|chapo|sommario|excerpt|"
    r"subline|sub-?head(?:line|ing)?|subtitle|dek|deck|einleitung|description|strapline|"
    # The newsroom's own words for it elsewhere: Spanish, French, German, Portuguese, Italian.
    r"epigraph|bajada|copete|entradilla|sumario|chapeau|vorspann|resumo|linha-fina|sottotitolo)(?:$|[-_ ])",
    re.IGNORECASE,
)


def _standfirst(container: HtmlElement, title: str) -> list[str]:
    """The standfirst above the container: elements named as one (LEAD_NAMES) after the story's headline
    and before the container, a few levels up at most, or in the story's own <header> at the top of the
    container. Without the headline to start from there is none: a "teaser" elsewhere on the page is
    another story's. The headline is the <h1>, or whatever element holds the headline's text (an <h2
    class="entry-title">, a <div itemprop="headline">)."""
    # The container's first <header> only: the story's own comes first; others head comments or boxes.
    if (header := next(container.iter("header"), None)) is not None:
        headline, leads = _leads_in(header, title, reads_as_the_title=True, unnamed=True)
        if headline:
            return _read_leads(leads)
    # Unnamed paragraphs count only inside the story's <article> or <main>, if it has one: the element
    # chosen for the story may be that root or a block inside it from one load to the next.
    root = next((e for e in (container, *container.iterancestors()) if e.tag in ("article", "main")), None)
    found: list[HtmlElement] = []
    node = container
    for _ in range(HEADING_LEVELS):
        for sibling in node.itersiblings(preceding=True):
            if not isinstance(sibling.tag, str) or (sibling.tag != "header" and _is_chrome(sibling)):
                continue
            unnamed = root is None or root in sibling.iterancestors()
            headline, leads = _leads_in(sibling, title, unnamed=unnamed)
            found[:0] = leads
            if headline:
                return _read_leads(found)
        parent = node.getparent()
        if parent is None or parent.tag == "body":
            break
        node = parent
    return []


def _leads_in(
    box: HtmlElement, title: str, reads_as_the_title: bool = False, unnamed: bool = False
) -> tuple[bool, list[HtmlElement]]:
    """Whether ``box`` holds the headline, and the standfirst's elements in it: after the headline, or
    all of them if it holds none (the headline may be further up). With ``reads_as_the_title``, only a
    heading that reads as the title is the headline (any <h1> is, otherwise); with ``unnamed``,
    paragraphs beside the headline are the standfirst too, named as one or not."""
    headings = [
        e
        for e in box.iter(etree.Element)
        if _is_the_headline(e, title) and (not reads_as_the_title or _similar(text_of(e), title))
    ]
    after = not headings
    # Unnamed paragraphs beside the headline, in its own box (<header><h1/><p/></header>), are the
    # standfirst too, when that heading reads as the headline (not a site's logo in an <h1>).
    beside = (
        headings[-1].getparent() if unnamed and headings and _similar(text_of(headings[-1]), title) else None
    )
    leads = []
    for element in box.iter(etree.Element):
        if headings and element is headings[-1]:
            after = True
        elif after and (
            LEAD_NAMES.search(_class_and_id(element))
            or (beside is not None and element.getparent() is beside and _reads_as_a_lead(element))
        ):
            leads.append(element)
    return bool(headings), [lead for lead in _outermost(leads) if not _chrome_between(lead, box)]


# The fewest words of a second heading that stands for the standfirst: a sentence, not a blog's tagline
# under its name ("<h1>Example.org</h1><h2>Notes on things</h2>").
LEAD_HEADING_WORDS = 8


def _reads_as_a_lead(element: HtmlElement) -> bool:
    """Whether an unnamed element beside the headline is the standfirst: a paragraph, or a second heading
    of a sentence (<h1>headline</h1><h2>a sentence or two</h2>, as many templates set a subtitle)."""
    if element.tag == "p":
        return True
    return element.tag == "h2" and len(text_of(element).split()) >= LEAD_HEADING_WORDS


def _read_leads(leads: list[HtmlElement]) -> list[str]:
    for lead in leads:
        _strip_template_boxes(lead)
        _strip_chrome(lead)
    return [text for lead in leads for text in _paragraphs(lead)]


HEADLINE_NAMES = re.compile(r"title|headline|heading|(?:^|[-_ ])h1(?:$|[-_ ])", re.IGNORECASE)


def _is_the_headline(element: HtmlElement, title: str) -> bool:
    if element.tag == "h1":
        return True
    if element.tag != "h2" and not (
        _attr(element, "itemprop") == "headline" or HEADLINE_NAMES.search(_class_and_id(element))
    ):
        return False
    text = _clean(element.text_content())
    return bool(title) and len(text) < 2 * len(title) and _similar(text, title)


def _chrome_between(element: HtmlElement, top: HtmlElement) -> bool:
    for box in (element, *element.iterancestors()):
        if box is top:
            return False
        if box.tag != "header" and _is_chrome(box, details=True):
            return True
    return False


def _leading_headings(container: HtmlElement) -> list[HtmlElement]:
    """The <h1>s of the container before its first paragraph: the page's heading, never body text (an
    <h1> after the story's first paragraph heads a section of it)."""
    found = []
    for element in container.iter("h1", "p"):
        if element.tag == "p" and element.text_content().strip():
            break
        if element.tag == "h1":
            found.append(element)
    return found


def social_title(meta: Metadata, url: str, headline: str) -> str:
    """The headline for sharing cards and search results, without the site's name: what names the site
    (``_without_site_name``), or else a first or last part that shares no word with the page's headline
    while the rest does ("Council rejects plan | The Daily Test" beside an <h1> "Council approves plan")."""
    claim = next((c for c in (meta.og_title, meta.twitter_title, meta.document_title) if c), "")
    text = _without_site_name(claim, meta, url)
    separators = list(TITLE_SEPARATORS.finditer(text))
    words = _words(headline)
    if separators and words:
        first, last = separators[0], separators[-1]
        for kept, cut in (
            (text[: last.start()], text[last.end() :]),
            (text[first.end() :], text[: first.start()]),
        ):
            if not _words(cut) & words and _words(kept) & words:
                return kept.strip()
    return text


def choose_title(
    document: HtmlElement, meta: Metadata, url: str, container: HtmlElement | None = None
) -> str:
    """The visible headline that agrees with what the page calls itself; else the story's own heading
    (``story_heading``), which sites rewrite without touching <title> or og:title; else the metadata's."""
    claims = [meta.headline, meta.og_title, _without_site_name(meta.document_title, meta, url)]
    claims = [claim for claim in claims if claim]
    # A logo in an <h1> is no headline.
    headings = [text for h1 in document.iter("h1") if (text := text_of(h1)) and text != meta.site_name][:5]
    for heading in headings:
        if not claims or any(_similar(heading, claim) for claim in claims):
            return heading
    if heading := story_heading(container, meta, url, claims):
        return heading
    if meta.headline:
        return meta.headline
    if meta.og_title:
        return _without_site_name(meta.og_title, meta, url)
    if meta.document_title:
        return _without_site_name(meta.document_title, meta, url)
    return headings[0] if headings else ""
