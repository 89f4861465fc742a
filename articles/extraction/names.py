"""What reads as a person's names: the words of names, the dates a credit box adds to them, and the names
that sign a story as its last line."""

import re
from itertools import islice

from lxml import etree
from lxml.html import HtmlElement

from articles.extraction.chrome import Story, _in_chrome, _is_chrome
from articles.extraction.document import _link_text_length, _text_length
from articles.extraction.lines import _is_boilerplate, is_furniture
from articles.normalising import MONTHS

MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"


# The months of the credit lines read so far with their dates written out: German, French, Spanish.
MONTH_NAMES = f"(?:{'|'.join(dict.fromkeys((*MONTHS['de'], *MONTHS['fr'], *MONTHS['es'])))})"


# A date after the names of a credit line: "07.08.2013", "24/07/2017", and a day and a month written out in
# the page's language ("24. Juli 2017"). Not cut from a whole box: "Datum: 19.11.2021 Autor: Jane Roe".
DATE_AFTER_NAMES = re.compile(
    rf"\b\d{{1,2}}[./]\s?\d{{1,2}}[./]\s?\d{{2,4}}\b.*$|\b\d{{1,2}}\.?\s+{MONTH_NAMES}\b.*$", re.IGNORECASE
)


# From the first date, time, "updated" or reading time on, a byline box holds when, not who (Blogger's
# "Posted by" starts its credit, not a date).
BYLINE_NOISE = re.compile(
    rf"\b(?:updated|published|posted(?!\s+by\b)|(?:letzte\s+|zuletzt\s+)?aktualisier\w*|mis\s+à\s+jour|actualizad[oa]|"
    rf"aggiornat[oa]|reading\s+time|lesezeit|temps\s+de\s+lecture|tiempo\s+de\s+lectura)\b.*$|"
    rf"\b\d+\s*min\.?\s+(?:read|lesezeit|de\s+lecture|de\s+lectura)\b.*$|\b\d{{1,2}}:\d{{2}}\b.*$|"
    rf"\b\d+\s+(?:minutes?|hours?|days?)\s+ago\b.*$|"
    rf"\b\d{{1,2}}\s+{MONTH}\s+\d{{4}}\b.*$|\b{MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b.*$|\b\d{{4}}-\d{{2}}-\d{{2}}\b.*$",
    re.IGNORECASE,
)


# A name's words: capitalised, or the particles and joins of names ("Jose de la Cruz", "Ann und Bo Lee").
NAME_WORD = re.compile(r"^(?:[^\W\d_a-z][\w.'’-]*|de|la|le|von|van|der|den|di|da|del|dos|du|y|und|and|et|&)$")


def _are_names(names: str, *, any_single_word: bool = False) -> bool:
    """Whether ``names`` reads as up to six words of names; with ``any_single_word``, one word of any
    case counts too (a user name a credit line gives: "posted by jroe")."""
    words = names.replace(",", " ").split()
    if not 0 < len(words) <= 6:
        return False
    if any_single_word and len(words) == 1:
        # "By the numbers:" is a heading, not a credit to "the".
        return words[0].casefold() not in NOT_A_USER_NAME
    return all(NAME_WORD.match(word) for word in words)


# The verbs a credit line starts with before "by" ("Posted by jroe", "Gespeichert von jroe").
CREDIT_VERBS = (
    *("posted", "written", "submitted", "geschrieben", "verfasst", "erstellt", "eingestellt", "gespeichert"),
    *("veröffentlicht", "publicado", "publicada", "publié", "publiée"),
)


# The words a credit's label is followed by in a heading or a sentence, and the verbs of a credit line
# left alone when its date is cut ("Veröffentlicht am 16.08.2019"): never a user's name.
NOT_A_USER_NAME = frozenset(
    {"the", "a", "an", "this", "that", "our", "my", "your", "der", "die", "das", "den", "dem", "des", "ein"}
    | {"eine", "einem", "einer", "le", "la", "les", "un", "une", "el", "los", "las", "il", "lo", "gli"}
    | {*CREDIT_VERBS, "published", "publiziert"}
    # "von anderen Anbietern:", "by far", "par exemple": pronouns and words of a sentence after "by".
    | {
        "anderen",
        "allen",
        "allem",
        "vielen",
        "uns",
        "ihnen",
        "ihm",
        "ihr",
        "mir",
        "dir",
        "sich",
        "hier",
        "dort",
    }
    | {"us", "me", "him", "her", "them", "you", "far", "now", "then", "hand", "way", "all", "others"}
    | {"nous", "vous", "eux", "exemple", "nosotros", "ellos"}
)


# An agency's credit in the story's dateline, its first words: "Hamburg (dpa/lno) – …", "BERLIN (AFP) -",
# "(EFE).- …". dpa's regional services ("lno", "lby") are dpa's.
DATELINE_AGENCY = re.compile(
    r"^(?:[^\W\d_][\w.'’-]*(?:[\s/][^\W\d_][\w.'’-]*){0,3}\s*)?\(((?:AGENCY)(?:/(?:AGENCY))*)\)\s*\.?\s*[-–—]"
    # An agency's letters are all small or all capitals: "Moskau (Russland) –" names a country.
    .replace("AGENCY", "[a-z]{2,8}|[A-Z]{2,8}|Reuters")
)
REGIONAL_SERVICE = re.compile(r"(?<=dpa)/l[a-z]{2}\b")


def _dateline_agency(container: HtmlElement) -> str:
    """The agency the story's dateline names, when nothing else credits anyone: the start of one of its
    first three paragraphs (a picture's caption or a standfirst may come before it)."""
    texts = (" ".join(p.text_content().split()) for p in container.iter("p"))
    for text in islice((text for text in texts if text), 3):
        if agency := DATELINE_AGENCY.match(text):
            return REGIONAL_SERVICE.sub("", agency.group(1))
    return ""


def _first_line(element: HtmlElement) -> str:
    """The element's text up to its first <br>."""
    parts: list[str] = []

    def read(node: HtmlElement) -> bool:
        parts.append(node.text or "")
        for child in node:
            if child.tag == "br" or (isinstance(child.tag, str) and read(child)):
                return True
            parts.append(child.tail or "")
        return False

    read(element)
    return "".join(parts)


SIGN_OFF_BLOCKS = ("p", "div", "address", "h5", "h6")


# The last line of a story that signs it: "– Jane Roe", "Jane Roe", "© Jane Roe", or the initials or
# agency closing its last sentence: "… gegenüber dem Vorjahr. (amo)".
SIGNED_WITH_INITIALS = re.compile(r"[.!?…\"“”»«]\s*\(([a-z]{2,5}(?:/[a-z]{2,5})*)\)$")


# The copyright sign and year a story may be signed with: "© 2019 Jane Roe", "© Cover Media".
COPYRIGHT = re.compile(r"^©\s*(?:\d{4}\s+)?")


# A date alone, the way a letter is dated: "10. September 2017", "10.09.2017", "September 10, 2017".
SIGNATURE_DATE = re.compile(
    r"\d{1,2}\.?\s*(?:[^\W\d_]{3,}\.?|\d{1,2}\.)\s*\d{4}|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}"
)


def _sign_off(container: HtmlElement, story: Story) -> str:
    """The names that sign the story: its last block of text, outside chrome and past the links after it
    ("Zum Seitenanfang"), when that block is only names (after a dash) or ends its last sentence with
    initials in brackets. A label ("Last updated:") is no signature, and a box of contact details after
    the story (an address with an e-mail address) is passed by."""
    contacts = _contact_boxes(container)
    at_end = True  # no block with text looked at yet: this one is the last in the container
    for block in reversed(list(container.iter(SIGN_OFF_BLOCKS))):
        line = " ".join(block.text_content().split())
        if not line:
            continue
        is_last, at_end = at_end, False
        if _link_text_length(block) >= len(line):
            continue
        if not _is_story_line(block, line, container, story):
            continue
        if contacts and any(box in contacts for box in (block, *block.iterancestors())):
            continue
        if initials := SIGNED_WITH_INITIALS.search(line):
            return initials.group(1)
        # A letter's signature: the names on their own line, the date on the next ("Benni<br>10. Mai 2017").
        first = " ".join(_first_line(block).split())
        dated = (
            first != line
            and SIGNATURE_DATE.fullmatch(line[len(first) :].strip()) is not None
            and not BYLINE_NOISE.search(first)
        )
        words = COPYRIGHT.sub("", first if dated else line).lstrip("-–— ").split()
        # Names sign only after a dash or a copyright sign ("– Jane Roe", "© Reuters") or before a date:
        # capitalised words alone close many a page as a heading ("Similar Articles", "Kontakt"). Set in
        # bold as the very last text of the story's element, two or three of them sign it ("<p><b>Jane
        # Roe</b></p>"): a heading has what it heads after it.
        signed = (
            line[:1] in "-–—©"
            or dated
            or (is_last and 2 <= len(words) <= 3 and _in_bold(block, line) and _ends(block, container))
        )
        if ":" not in line and len(words) <= 4 and signed and _are_names(" ".join(words)):
            return " ".join(words)
        return ""
    return ""


def _ends(block: HtmlElement, container: HtmlElement) -> bool:
    """Whether no text of ``container`` follows ``block`` (not even a link's or a caption's)."""
    for element in (block, *block.iterancestors()):
        if element is container:
            return True
        if (element.tail or "").strip():
            return False
        for after in element.itersiblings():
            if (after.tail or "").strip() or (isinstance(after.tag, str) and _text_length(after)):
                return False
    return True


def _in_bold(block: HtmlElement, line: str) -> bool:
    """Whether all of ``block``'s text (``line``) is set in bold."""
    bold = [
        element
        for element in block.iter("b", "strong")
        if not any(up.tag in ("b", "strong") for up in element.iterancestors())
    ]
    return " ".join(" ".join(element.text_content().split()) for element in bold) == line


def _is_story_line(block: HtmlElement, line: str, container: HtmlElement, story: Story) -> bool:
    """Whether ``block``'s ``line`` may sign the story, as a line the body keeps may: not chrome, nor a
    detail of the page (a paywall prompt, a caption), nor boilerplate or furniture ("Read more: …", "1,204
    views"), a copyright line excepted. A page adds such lines after the story on one load and not the
    next: read as its last line, one took the signature's place and the byline changed with the load."""
    if _in_chrome(block, story) or is_furniture(line):
        return False
    # A copyright line is no story text but may sign the story ("© 2019 Jane Roe").
    if not COPYRIGHT.match(line) and _is_boilerplate(line, _link_text_length(block)):
        return False
    for box in (block, *block.iterancestors()):
        if box is container:
            return True
        if _is_chrome(box, details=True):
            return False
    return True


E_MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


TEXT_WITH_AT = etree.XPath(".//text()[contains(., '@')]")


def _contact_boxes(container: HtmlElement) -> set[HtmlElement]:
    """The boxes of contact details inside the story's ``container``: each box, below the container, around
    a text that gives an e-mail address (found by libxml2: most containers have no "@")."""
    boxes: set[HtmlElement] = set()
    for text in TEXT_WITH_AT(container):
        if not E_MAIL.search(text) or (element := text.getparent()) is None:
            continue
        for box in (element, *element.iterancestors()) if not text.is_tail else element.iterancestors():
            if box is container or box in boxes:
                break
            boxes.add(box)
    return boxes
