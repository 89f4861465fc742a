"""What a box of the page is, by its tag, role and names: chrome (navigation, ads, related links,
dialogs) or story."""

import re
from collections import Counter
from contextvars import ContextVar

from lxml import etree
from lxml.html import HtmlElement

from articles.extraction.document import CAMEL_HUMP, _attr, _drop, _is_hidden, _link_text_length, _text_length
from articles.extraction.lines import _is_boilerplate

# Chrome: navigation, side boxes, image captions and credits.
CHROME_TAGS = frozenset(
    ("nav", "aside", "footer", "header", "figure", "figcaption", "form", "menu", "picture")
)


CHROME_ROLES = frozenset(("navigation", "complementary", "banner", "contentinfo", "dialog", "alert"))


# Class and id words of boxes that are never the story: a paragraph inside one is not story text.
CHROME_NAMES = re.compile(
    r"(?:^|[-_ ])(?:related\w*|share|sharing|sharebar|shariff|sharedaddy|social|newsletter|advert\w*|ads?|"
    r"ad-?slot|adunit|promo(?!ted)\w*|sponsor\w*|comments?|subscribe|subscription|signup|sign-up|sidebar|breadcrumbs?|cookies?|most-?read|"
    r"most-?popular|popular|recommend\w*|outbrain|taboola|read-?more|more-?stories|further-?reading|"
    r"see-?also|also-?read|trending|newsletter-?signup|next-?article|prev-?article|nav|navigation|menu|"
    r"footer|masthead|cta|(?<!elementor-)widget\w*|inline-?(?:related|promo|ad))(?:$|[-_ ])",
)


# Boxes laid over the page (cookie consent, privacy notices, dialogs): however much text one holds, it is
# never the story.
OVERLAY_NAMES = re.compile(
    r"(?:^|[-_ ])(?:cookies?|consent|gdpr|dsgvo|modal|dialog|popup|pop-up|overlay|mailform)"
    r"(?!-(?:enabled|open|active|off))(?:$|[-_ ])",
)


# Text no reader sees: for screen readers only, or hidden. Hidden, but not a Drupal field's hidden label, a
# layout's clipped overflow ("overflow-hidden"), or a box hidden on small screens only ("hidden-xs",
# "l-hidden-s"): a reader on a desktop sees those.
HIDDEN = (
    r"visually-?hidden|sr-only|screen-?reader|(?<!label-)(?<!overflow-)(?<!overflow-[xy]-)hidden"
    r"(?!-(?:xs|sm|md|lg|xl|s|m|l|mobile|phone|tablet|desktop|small|medium|large)(?:$|[-_ ]))"
)


# Words of the small pieces inside a story that are not its text. Too common in layout names
# ("date-and-tags", "photo-story") to rule out a whole box when choosing the story's container.
DETAIL_NAMES = re.compile(
    r"(?:^|[-_ ])(?:tags?|tag-?list|author-?(?:bio|info|box|description|descript|profile|card)|mini-?bio|"
    r"bio-?box|about-?the-?author|post-?metadata|entry-?footer|post-?footer|article-?footer\w*|byline|caption|credits?|"
    r"toolbar|print|modal|paywall|embed(?:ded)?|video|gallery|photo|slideshow|disclaimer|pagination|"
    # The page's notices about the story: disclosures, affiliate links, copyright and licence, its contents.
    r"disclosure|affiliate\w*|copyright|licen[cs]e\w*|toc|table-of-contents|recirculation\w*|"
    # A picture's own lines: "legend", "image-subtitle", "img-metadata", "bildunterschrift".
    r"legend|(?:image|img|picture|bild|foto)-?(?:subtitle|description|meta\w*|info|unterschrift)|"
    rf"timestamp|dateline|updated|published|date|time|meta|{HIDDEN})"
    r"(?:$|[-_ ])",
)


# Class names that file a post under a topic ("category-newsletter", "tag-social-media" on a WordPress
# <article>): they say what the story is about, not what the box is.
# Not where what follows is a build's hash ("tag-76e5e8", letters and digits): that is the box's own name
# with a suffix a deploy changes, and it still names a tag box.
TAXONOMY = re.compile(
    r"(?:^|\s)(?:category|tag|post_tag|topic|section|rubrik|ressort)-"
    r"(?!(?=[a-z]*\d)(?=\d*[a-z])[a-z\d]{5,8}(?:\s|$))\S+",
    re.IGNORECASE,
)


# Class names that CSS-in-JS libraries make from a style's name ("tagStyle_z4kqwb" on every <p> of a story,
# a style for an HTML tag): they say how the box looks, not what it is.
STYLE_NAMES = re.compile(r"(?:^|\s)[a-z][a-zA-Z]*Style(?:[-_]\S*)?(?=\s|$)")


# The hash CSS Modules append to a component's class name ("BasePageLayout_Main__2pNav",
# "styles_body__x7Kq1"): five characters of base64 that change with every deploy and spell words by chance
# ("2pNav" reads as "nav"). Only where it has a digit or a capital: BEM's "card__title" is a real name.
CSS_MODULE_HASH = re.compile(
    r"(?<!\S)([A-Za-z][A-Za-z0-9]*_[A-Za-z0-9]+)__(?=[\w-]{0,4}[\dA-Z])[\w-]{5}(?!\S)"
)


# Names that say what a box is not ("non-paywall", "no-sidebar", "without-ads"): a page's or a box's state,
# never chrome. "no-print" is left: what a page keeps off paper is its chrome.
NEGATED_NAMES = re.compile(r"(?:^|(?<=\s))(?:non|no|not|without)[-_](?!print)\S*")


# The names of the elements of the page being read, worked out once each: the reading asks them of the same
# element five times on average. Set by extract() for one page (a context variable: each thread or task
# reads its own page); None outside it.
ELEMENT_NAMES: ContextVar[dict[HtmlElement, str] | None] = ContextVar("element_names", default=None)


def _class_and_id(element: HtmlElement) -> str:
    # Most elements of a page have neither (asked of every element the reading weighs).
    if element.get("class") is None and element.get("id") is None:
        return ""
    known = ELEMENT_NAMES.get()
    if known is None:
        return _names_of(element)
    if (names := known.get(element)) is None:
        names = known[element] = _names_of(element)
    return names


def _names_of(element: HtmlElement) -> str:
    # "InlineImage-imageEmbedCaption" says "caption" as clearly as "inline-image-caption" does.
    names = f"{_attr(element, 'class')} {_attr(element, 'id')}"
    if "-" in names:
        names = TAXONOMY.sub(" ", names)
    if "Style" in names:
        names = STYLE_NAMES.sub(" ", names)
    if "__" in names:
        names = CSS_MODULE_HASH.sub(r"\1", names)
    if "no" in names:
        names = NEGATED_NAMES.sub(" ", names)
    # Lower case: the patterns asked of the names then need no case folding (five times quicker).
    return CAMEL_HUMP.sub("-", names).lower()


def _is_chrome(element: HtmlElement, details: bool = False) -> bool:
    """Whether the element is page chrome; with ``details``, also the small pieces inside a story."""
    if not isinstance(element.tag, str):
        return False
    if element.tag in CHROME_TAGS:
        return True
    if not element.attrib:
        return False  # most elements: no role, nothing that hides it, no names
    if _attr(element, "role") in CHROME_ROLES or _is_hidden(element):
        return True
    if element.tag in ("body", "html"):
        return False  # "jet-desktop-menu-active", "has-sidebar": the page's states, never a box of it
    names = _class_and_id(element)
    if not names.strip():
        return False
    if CHROME_NAMES.search(names) or (details and DETAIL_NAMES.search(names)):
        return True
    return _is_overlay(element, names)


def _is_overlay(element: HtmlElement, names: str | None = None) -> bool:
    """Whether the element is a box laid over the page; ``names`` its _class_and_id, if known."""
    # "cookies-not-set" or "modal-open" on <body>, "dialog-off-canvas-main-canvas" around a whole page
    # are states of the page, not boxes over it.
    return (
        element.tag not in ("body", "html")
        and bool(OVERLAY_NAMES.search(_class_and_id(element) if names is None else names))
        and not _swallowed_the_page(element)
    )


def _swallowed_the_page(element: HtmlElement) -> bool:
    # A <header> or <nav> left unclosed holds the rest of the page: its <article>, <main> or <footer>.
    return next(element.iterdescendants("article", "main", "footer"), None) is not None


def _may_wrap_the_story(element: HtmlElement, holds_most: bool, any_tag: bool = False) -> bool:
    """A layout class like "l-sidebar-fixed" or a page-wide <form> can wrap the story itself: an element
    with paragraphs in it that ``holds_most`` of the text is kept, whatever its name."""
    if not holds_most or (element.tag in CHROME_TAGS and element.tag != "form" and not any_tag):
        return False
    if element.tag in ("ul", "ol"):
        return False  # a list of teasers ("related_post"), however long: a story is not one list
    return next(element.iter("p", "br"), None) is not None


# A story told in boxes named as chrome: at least this many of one kind, and at most this much text beside.
ENTRIES = 5
ENTRIES_BESIDE = 300
ENTRY_TEXT = 60  # characters an entry holds on average: a sentence, not a share button's or an ad's label


def _kind(box: HtmlElement) -> tuple[str, str]:
    """A box's tag and the word that names it as chrome: the entries of a ticker are all one kind
    ("live-comment left", "live-comment right", "MtnComment-bcbfde" after a deploy)."""
    names = _class_and_id(box)
    named = CHROME_NAMES.search(names) or DETAIL_NAMES.search(names)
    return str(box.tag), named.group().strip("-_ ") if named else ""


def _strip_chrome(container: HtmlElement) -> None:
    """Drop the chrome inside the story's container. A box named as chrome that holds more text than
    everything in the container outside such boxes is the story itself (a layout name), and stays; that
    comparison leaves other boxes out, so one more ad slot in the page cannot tip it."""
    roots = [(container, False)]
    while roots:
        root, entry = roots.pop()
        boxes = [(box, _text_length(box)) for box in _chrome_boxes(root)]
        rest = _text_length(root) - sum(length for _, length in boxes)
        longest = max((length for _, length in boxes), default=0)
        # Many boxes of one kind named as chrome and next to no text beside them: the story is told in them
        # (a live ticker's entries, a forum's posts, named "comment"), and the story's element was chosen
        # for them. In such an entry, the box that holds most of its text is its text, paragraphs or not.
        entries: set[HtmlElement] = set()
        if root is container and rest <= ENTRIES_BESIDE and len(boxes) >= ENTRIES:
            kinds = {box: _kind(box) for box, _ in boxes}
            (kind, count), *_ = Counter(kinds.values()).most_common(1)
            if count >= ENTRIES and sum(n for box, n in boxes if kinds[box] == kind) >= ENTRY_TEXT * count:
                entries = {box for box in kinds if kinds[box] == kind}
        for box, length in boxes:
            most = length > rest and length * 4 >= longest
            # Kept, the story itself under a layout name: its own chrome goes. An entry's text is an entry's.
            # A dialog laid over the page (cookies, consent) is never the story, however much it holds.
            if _is_overlay(box):
                _drop(box)
            elif (within := box in entries or (entry and most)) or _may_wrap_the_story(box, most):
                roots.append((box, within))
            else:
                _drop(box)


# Boxes a template sets between a story's paragraphs, whatever their names: many templates name their
# boxes by a build's hash ("css-1x2y3z"), so that a name says nothing of what a box is. What a box holds
# then says it: a story's paragraphs are its <p>s; a small styled box beside them that holds a form's
# controls, mostly links, a link set apart as a button, or a line that is no sentence (an ad's label, a
# counter, a ticker, "Updated 3 hours ago") is the template's, and changes from one load to the next. An
# unstyled box is the writer's, and a subheading is the story's.
BOX_TAGS = ("div", "section", "center", "details", "span")
CONTROLS = ("form", "input", "button", "select", "textarea")
# Blocks of a story a small box may hold as the story's own: a quotation, a table, a list of facts.
STORY_BLOCKS = ("blockquote", "table", "pre", "ul", "ol", "dl")
HEADING_NAMES = re.compile(r"head|title|zwischen", re.IGNORECASE)
BOLD = ("strong", "b", "h2", "h3", "h4", "h5", "h6")
# A sentence ends with its punctuation, or a closing quote or bracket after it.
SENTENCE_END = re.compile(r"[.!?…:;][\"'’”»)\]]*$")
SENTENCE_WORDS = 6
# The most text a box scattered through a story holds (an ad, a share bar, a "most read" line).
SMALL_BOX = 200
# Characters a line needs to be taken for a story's paragraph.
PARAGRAPH = 40


def _is_a_subheading(box: HtmlElement, length: int) -> bool:
    if _attr(box, "role") == "heading" or HEADING_NAMES.search(_class_and_id(box)):
        return True
    # Its first bold or heading element, the outermost of its kind there, holds all its text.
    bold = next(box.iter(BOLD), None)
    return bold is not None and _solid_length(bold) >= length


def _is_styled(box: HtmlElement) -> bool:
    """Whether the template styles the box: an editor writes a line as a bare <div> (or with a direction,
    "dir", or a language, "lang"), a template names its boxes."""
    return any(name in ("class", "id", "style") or name.startswith("data-") for name in box.attrib)


# Characters other than white space: a load that sets a line break between two of the box's blocks
# ("Tips</h3>\n<p>") must not change what it weighs.
SOLID_LENGTH = etree.XPath("string-length(translate(normalize-space(.), ' ', ''))")


def _solid_length(element: HtmlElement) -> int:
    return int(SOLID_LENGTH(element))


def _solid_link_length(element: HtmlElement) -> int:
    return sum(_solid_length(link) for link in element.iter("a"))


def _within(element: HtmlElement, boxes: set[HtmlElement], top: HtmlElement) -> bool:
    """Whether ``element`` is one of ``boxes`` or inside one, below ``top``."""
    for box in (element, *element.iterancestors()):
        if box is top:
            return False
        if box in boxes:
            return True
    return False


def _is_a_template_box(box: HtmlElement) -> bool:
    if not _is_styled(box):
        return False
    # Weighed without the chrome named as such inside it, which the reader drops anyway, and without the
    # lines it drops wherever they stand (that only point elsewhere, "Read more: …", or tell the time):
    # one more of either on a load (an ad slot, a "Read more:" line, "vor 9 Minuten") must not tip the box
    # over SMALL_BOX or make its last words no sentence.
    left_out = _named_chrome_in(box)
    length, links = _solid_length(box), _solid_link_length(box)
    for named in left_out:
        length, links = length - _solid_length(named), links - _solid_link_length(named)
    for line in box.iter("p"):
        if _within(line, left_out, box):
            continue
        line_links, line_length = _solid_link_length(line), _solid_length(line)
        if (line_links * 2 >= line_length and line_links) or _is_boilerplate(
            " ".join(line.text_content().split()), _link_text_length(line)
        ):
            length, links = length - line_length, links - line_links
            left_out.add(line)
    if length <= 0 or length > SMALL_BOX:
        return False
    if any(not _within(control, left_out, box) for control in box.iter(CONTROLS)) or links * 2 >= length:
        return True
    if any(child.tag == "a" and _stands_alone(child) for child in box):
        return True  # a link as a block of its own: a button ("Subscribe", "Read the full story")
    if any(not _within(block, left_out, box) for block in box.iter(STORY_BLOCKS)):
        return False
    if _is_a_subheading(box, length):
        return False
    text = _text_without(box, left_out)
    return not (SENTENCE_END.search(text) and len(text.split()) >= SENTENCE_WORDS)


def _stands_alone(element: HtmlElement) -> bool:
    """Whether no loose text of its parent stands beside the element: a block of its own, not a link in
    a line of text ("… (2018). <a>DOI: 10.1007/…</a>")."""
    previous, parent = element.getprevious(), element.getparent()
    before = previous.tail if previous is not None else parent.text if parent is not None else ""
    return not (before or "").strip() and not (element.tail or "").strip()


def _named_chrome_in(box: HtmlElement) -> set[HtmlElement]:
    """The outermost elements inside ``box`` that are chrome by their names, role or hiding (not by their
    tag alone: a <form> is what tells a newsletter box, and is weighed as such)."""
    found = set()
    stack = list(box)
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        if element.attrib and (
            _attr(element, "role") in CHROME_ROLES
            or _is_hidden(element)
            or (
                (names := _class_and_id(element)).strip()
                and (CHROME_NAMES.search(names) or DETAIL_NAMES.search(names))
            )
        ):
            found.add(element)
        else:
            stack.extend(element)
    return found


def _text_without(box: HtmlElement, left_out: set[HtmlElement]) -> str:
    """The box's text, white space folded, without that of the elements ``left_out``; walked with a stack,
    in time that grows with the box's size only."""
    parts = [box.text or ""]
    stack = [(box, iter(box))]
    while stack:
        element, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if stack:
                parts.append(element.tail or "")
        elif child in left_out or not isinstance(child.tag, str):
            parts.append(child.tail or "")
        else:
            parts.append(child.text or "")
            stack.append((child, iter(child)))
    return " ".join("".join(parts).split())


def _strip_template_boxes(container: HtmlElement) -> None:
    """Drop the small boxes a template sets after a story's paragraph (``_is_a_template_box``), among
    paragraphs that share their parent with them."""
    parents: dict[HtmlElement, None] = {}
    for paragraph in container.iter("p"):
        parent = paragraph.getparent()
        if parent is not None and paragraph.getnext() is not None:
            parents[parent] = None
    # The innermost first: a box a load sets inside a writer's box (a ticker in a box of tips) is gone
    # before the writer's box is weighed.
    depth = {parent: sum(1 for _ in parent.iterancestors()) for parent in parents}
    for parent in sorted(parents, key=depth.__getitem__, reverse=True):
        after_a_paragraph = False
        for child in list(parent):
            if child.tag == "p":
                after_a_paragraph = after_a_paragraph or _text_length(child) >= PARAGRAPH
            elif after_a_paragraph and child.tag in BOX_TAGS and _is_a_template_box(child):
                _drop(child)


# Inline elements: inside a sentence, one is a word or a few of the sentence ("the club's coach <a
# class="tag">Jane Roe</a> said"), whatever its name says; the sentence keeps it unless it is hidden.
INLINE_TAGS = frozenset(
    ("a", "span", "em", "strong", "b", "i", "u", "abbr", "cite", "mark", "small", "sub", "sup", "font", "q")
)
HIDDEN_NAMES = re.compile(rf"(?:^|[-_ ])(?:{HIDDEN})(?:$|[-_ ])")
# A word (or a hyphen or an opening quote joined to one) before, and a word or the sentence's own
# punctuation after: "deep <span>space travel</span>, but", "Saisonstart-<a>Pressekonferenz</a>."
WORD_BEFORE = re.compile(r"[\w\-(„“\"'‘«][\s,]*$")
WORD_AFTER = re.compile(r"^[\s,]*[\w.,;:!?)\]\"'’”»–-]")


def _is_unseen(element: HtmlElement) -> bool:
    """Whether the element is hidden by its style or attributes, or by its name ("hidden", "sr-only")."""
    return _is_hidden(element) or bool(HIDDEN_NAMES.search(_class_and_id(element)))


def _in_a_sentence(element: HtmlElement) -> bool:
    """Whether an inline element sits among a sentence's words, with words before and after it."""
    if element.tag not in INLINE_TAGS or (parent := element.getparent()) is None:
        return False
    previous = element.getprevious()
    before = (previous.tail if previous is not None else parent.text) or ""
    return bool(WORD_BEFORE.search(before) and WORD_AFTER.match(element.tail or ""))


def _chrome_boxes(root: HtmlElement) -> list[HtmlElement]:
    """The outermost chrome elements under ``root`` (details included), in document order; not the words of
    a sentence set in an inline element named as chrome, unless they are hidden."""
    found = []
    stack = list(reversed(root))
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        if _is_chrome(element, details=True) and not (_in_a_sentence(element) and not _is_unseen(element)):
            found.append(element)
        else:
            stack.extend(reversed(element))
    return found


# Chrome as the byline reader sees it (``_in_chrome``): whether a credit sits outside the story's boxes.
# The story's element and the boxes around it, each with how many levels up from the story it is.
Story = dict[HtmlElement, int]


TEASER_HEADINGS = ("h2", "h3", "h4")


STORY_DETAILS = re.compile(
    r"(?:^|[-_ ])(?:meta|byline|credits?|dateline|(?:article|post|entry|story)[-_]+info)(?:$|[-_ ])",
    re.IGNORECASE,
)


# Whether a box holds an element of some tags, worked out once per box and tags for the page being read (a
# context variable, as ELEMENT_NAMES): the byline reader asks it of the boxes above every candidate, and
# asked afresh, a sidebar of ten thousand credit lines took seconds, the square of its size.
HOLDS: ContextVar[dict[tuple[HtmlElement, tuple[str, ...]], bool] | None] = ContextVar("holds", default=None)


def _holds(box: HtmlElement, tags: tuple[str, ...]) -> bool:
    known = HOLDS.get()
    if known is None:
        return next(box.iter(tags), None) is not None
    if (found := known.get((box, tags))) is None:
        found = known[box, tags] = next(box.iter(tags), None) is not None
    return found


def _in_chrome(element: HtmlElement, story: Story) -> bool:
    # A box that holds the story or the page's <h1> is no chrome, whatever its name ("has-sidebar",
    # "promoted"), and a <header> is where bylines live, as is the story's own footer and a box named for
    # the story's details ("meta", "byline"; an <aside> or a side column "meta sidebar"). A quotation (an
    # embedded post's "Posted by") credits what it quotes, and an item of a list with a heading of its own
    # (a teaser in a slideshow of stories) credits that item's story.
    return any(
        box not in story
        and (
            box.tag == "blockquote"
            or (box.tag == "li" and _holds(box, TEASER_HEADINGS))
            or (
                box.tag != "header"
                and not STORY_DETAILS.search(_class_and_id(box))
                and _is_chrome(box)
                and not _holds(box, ("h1",))
                and not _is_the_story_s_footer(box, story)
            )
        )
        for box in (element, *element.iterancestors())
    )


FOOTER_WORDS = re.compile(r"\S*footer\S*", re.IGNORECASE)


def _is_the_story_s_footer(box: HtmlElement, story: Story) -> bool:
    """Whether ``box`` is a footer of the story's own (a blog post's "post-footer", an <article>'s <footer>):
    chrome by that name alone, inside the story's element or one or two boxes up from it, not <body>."""
    parent = next((up for up in box.iterancestors() if up in story), None)
    if parent is None or parent.tag in ("body", "html"):
        return False
    names = _class_and_id(box)
    if not (box.tag == "footer" or FOOTER_WORDS.search(names)) or _attr(box, "role") or _is_hidden(box):
        return False
    if CHROME_NAMES.search(FOOTER_WORDS.sub(" ", names)):
        return False
    # The story's element, its parent or grandparent, or an <article> around the story however far up: a
    # page's footer sits further up, or outside the <article>.
    return story[parent] <= 2 or parent.tag == "article"
