"""What reads as a person's names: the words of names, the names in a credit's text (without the labels,
dates, titles and other credits around them), and the names that sign a story: its last line, or the agency
in its dateline."""

import re
from itertools import islice

from lxml import etree
from lxml.html import HtmlElement

from articles.extraction.chrome import Story, _in_chrome, _is_chrome
from articles.extraction.document import LETTERS, _link_text_length, _text_length
from articles.extraction.lines import PIECES, _is_boilerplate, is_furniture
from articles.normalising import MONTHS

MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"


# The months written out in every language the reader knows dates in ("28 kwietnia 2021" after a Polish
# writer's name).
MONTH_NAMES = f"(?:{'|'.join(dict.fromkeys(month for months in MONTHS.values() for month in months))})"


# A date after the names of a credit line: "07.08.2013", "24/07/2017", and a day and a month written out in
# the page's language ("24. Juli 2017", "3 de mayo de 2022"). Not cut from a whole box: "Datum: 19.11.2021
# Autor: Jane Roe".
DATE_AFTER_NAMES = re.compile(
    rf"\b\d{{1,2}}[./]\s?\d{{1,2}}[./]\s?\d{{2,4}}\b.*$|\b\d{{1,2}}\.?\s+(?:de\s+)?{MONTH_NAMES}\b.*$",
    re.IGNORECASE,
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


SEVERAL_NAMES = re.compile(r",|\s(?:und|and|y|et|e|&)\s")


def _are_names(names: str, *, any_single_word: bool = False) -> bool:
    """Whether ``names`` reads as up to six words of names; with ``any_single_word``, one word of any
    case counts too (a user name a credit line gives: "posted by jroe")."""
    words = names.replace(",", " ").split()
    # Up to six words, or several names of up to four words each ("Por: Yaima Puig Meneses, Alina Perera
    # Robbio, René Tamayo").
    several = [part.split() for part in SEVERAL_NAMES.split(names)]
    if not (
        0 < len(words) <= 6
        or (len(several) > 1 and len(words) <= 20 and all(0 < len(p) <= 4 for p in several))
    ):
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


# A label of its own, the names after it: "<dt>Autor</dt><dd>Jane Roe</dd>", "<b>Author</b> Jane Roe".
AUTHOR_LABEL = re.compile(
    r"^(?:autor(?:in|en)?|authors?|auteure?s?|autori?|autora|verfasser(?:in)?)\s*:?$", re.IGNORECASE
)


# The words that credit a name, in the languages of the pages we read: "By", "Von", "Text: ", "Autorin: ",
# "Auteur : ", "Text & Fotos: ".
CREDIT_WORDS = re.compile(
    r"^\s*(?:(?:(?:(?:(?:view|see|show|zeige)\s+)?(?:all\s+|alle\s+)?(?:posts|articles|stories|beiträge|artikel)|"
    rf"article|{'|'.join(CREDIT_VERBS)}|text|story|words|rezept|recipe|interview|"
    # "Alles von Jane Roe", "More by Jane Roe": a link to the writer's other pieces.
    r"alles|mehr|more|"
    # "Ein Artikel von", "Eine Kolumne von": the kind of piece before its writer.
    r"(?:ein|eine)\s+(?:artikel|beitrag|gastbeitrag|kommentar|kolumne|glosse|bericht|essay|analyse|reportage)|"
    r"analysis|opinion|commentary|review|reporting)\s+)?"
    r"(?:by|von|par|por|door|di|av|af)\b|(?-i:By(?=[A-Z]))|(?:autor(?:in|a)?|author|auteure?|autore|text|texte|texto|"
    r"interview|redaktion|reporter)(?:\s*(?:und|and|et|&|/)\s*\w+)?\s*:|"
    # "Autoren Jane Roe und Ann Bee": the label without its colon, a capitalised name after it.
    r"(?-i:(?:Autor(?:in|en)?|Authors?)\s+(?=[^\W\d_a-z]))|"
    # "About the Author - Jane Roe", the heading of an author's box with the name in it.
    r"(?:about\s+the\s+authors?|über\s+(?:den|die)\s+autor(?:in|en)?|sobre\s+el\s+autor)\s*[-–—:]?)\s*",
    re.IGNORECASE,
)


# "11.09.2011, 16:20 von jroe": the date and time a credit line may start with.
LEADING_DATE = re.compile(r"^[\d\s.,:/-]*\d[\d\s.,:/-]*(?:uhr\b\s*)?", re.IGNORECASE)


CREDIT_LINE_TAGS = ("p", "div", "span", "address", "h4", "h5", "h6", "small", "em", "strong", "b", "i", "li")


# What a credit carries besides names: addresses, handles, the next "Label:" of a box of facts, a
# "for The Mail on Sunday", and the joining words a removed date or time leaves at the end.
CONTACTS = re.compile(r"\S+@\S+|(?<!\w)@\w+|https?://\S+")


AUTHOR_FIELD = re.compile(
    r"(?:^|\s)(?:autor(?:in|a)?|author|auteure?|autore|verfasser(?:in)?)\s*:\s*", re.IGNORECASE
)


AFTER_THE_NAMES = re.compile(
    r"\s+(?:[\w-]+\s*:|(?i:for|für)\s+(?:the\s+)?[A-Z]|"
    # "Jane Roe Illustration von Bo Lee": the credit of the pictures after the writer's.
    r"(?i:illustrations?|illustrationen|fotos?|photos?|bilder?|grafiken?)\s+(?i:von|by)\s).*$"
)


LEFT_HANGING = re.compile(r"(?:\s+(?:at|on|am|um|le|el|à|in|,))+\s*$", re.IGNORECASE)


WEEKDAY = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b.*$|\b(?:montag|dienstag|mittwoch|donnerstag|freitag|"
    r"samstag|sonntag)\b.*$|"
    # Written short before a date: "Von Jane Roe Fr, 18. Oktober 2019", "Jane Roe Thu. 3 May".
    r"\s(?:mo|di|mi|do|fr|sa|so|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+\d.*$",
    re.IGNORECASE,
)


def _names_in(credit: str) -> str:
    """The names of a credit line or box: "Datum: 19.11.2021 Autor: Jane Roe Quelle: X" → "Jane Roe",
    "Posted by jroe at 12:53" → "jroe", "Autorin: Jane Roe, Projektleiterin der X" → "Jane Roe"."""
    text = " ".join(CONTACTS.sub(" ", credit).split())
    if NO_WRITER.match(text):
        return ""
    if field := AUTHOR_FIELD.search(text):
        text = text[field.end() :]
    # "Disko Von Jane Roe": a section's name before the credit ("von" in lower case is part of a name).
    text = CREDIT_WORDS.sub("", SECTION_BEFORE_CREDIT.sub("", text))
    # "Jane Roe · 2016.12.01", "Jane Roe | Politics": the names are the first piece that has letters.
    text = next((piece for piece in PIECES.split(text) if LETTERS.search(piece)), "")
    text = AFTER_THE_NAMES.sub("", BYLINE_NOISE.sub("", DATE_AFTER_NAMES.sub("", WEEKDAY.sub("", text))))
    # Guillemets too: "jroe » 21.01.2009" with the date cut.
    text = LEFT_HANGING.sub("", text).strip(" ,|·•-–—:()»«")
    if "(" in text:
        # "Jane Roe (Medizinredakteurin, M.A.)": what a parenthesis after the names says is not one of them.
        text = AFTER_A_NAME.sub("", PHOTOGRAPHER.sub("", text))
    text = _without_initials(text)
    # Names first, then perhaps a job title: keep the leading comma-separated parts that are names.
    parts: list[str] = []
    for part in text.split(","):
        words = part.split()
        if not words or (parts and not all(NAME_WORD.match(word) for word in words)):
            break
        parts.append(" ".join(words))
    # "Jane Roe, PhD, Ann Bee, MD": a degree after a name is none of the names.
    parts = [DEGREE.sub("", part) for part in parts if not DEGREE.fullmatch(part)]
    # "Jane Roe und Ann Bee, NDR": the outlet's letters after its writers' names are not one of them.
    while len(parts) > 1 and OUTLET.match(parts[-1]) and not OUTLET.match(parts[-2]):
        parts.pop()
    # "Jane Roe/SP-X", "jr/dpa": nor is the agency after a slash.
    parts = [_without_agency(part) for part in parts]
    names = ", ".join(_once(TITLES.sub("", part) or part) for part in parts)
    # "Autor" alone in an author's box beside the name (a job title, or the label the name went with).
    return "" if AUTHOR_LABEL.match(names) else names


# What an author's slot may hold that names no writer: a series' hashtag ("#Krótko o przepisach") or a
# picture's credit ("Foto: Jane Roe", "Фото из Инстаграма …").
NO_WRITER = re.compile(r"#|(?:fotos?|photos?|фото|bild|bilder|zdj[eę]ci[ea]|imagen|image)\b", re.IGNORECASE)


OUTLET = re.compile(r"^[A-Z]{2,6}$")


# An agency's letters after a writer's name and a slash: "Jane Roe/SP-X", "jr/dpa".
AGENCY_AFTER_A_SLASH = re.compile(
    r"^(?P<names>.*[^\W\d_])\s*/\s*(?:[A-Z][A-Z-]{1,7}|dpa|afp|apa|sda|kna|epd|ddp|dts)$"
)


def _without_agency(part: str) -> str:
    # Not after another agency's letters: "DJV/FWR" credits two.
    if (slashed := AGENCY_AFTER_A_SLASH.match(part)) and not OUTLET.match(slashed["names"].split()[-1]):
        return slashed["names"]
    return part


AFTER_A_NAME = re.compile(r"(?<=\w)\s+\(.*$")


# The degrees written after a name, alone after a comma or as its last word.
DEGREE = re.compile(r"(?:^|\s+)(?:Ph\.?\s?D|M\.?D|M\.?Sc|MBA|MPH|RDN?)\.?$")


SECTION_BEFORE_CREDIT = re.compile(r"^[^\W\d]\w*(?:\s+[^\W\d]\w*)?\s+(?=(?:Von|By|Par|Por)\s+[^\W\d])")


# Who took the pictures is credited beside who wrote ("Jane Roe (Text), Ann Bee (Bild)"): not an author.
PHOTOGRAPHER = re.compile(
    # The closing parenthesis may be gone: the credit's ends are stripped of brackets before.
    r"(?:,\s*|\s+(?:und|and|et)\s+)?[^,(]*\((?:bild|bilder|foto|fotos|photos?|video)(?:\)|$)|\s*\(text\)",
    re.IGNORECASE,
)


# Titles before a name: "Dr. med. Jane Roe", "Prof. Dr. Jane Roe", "Rechtsanwalt Jan Roe".
TITLES = re.compile(
    r"^(?:(?:dr|prof|mag|dipl\.?-\w+|ing)\.(?:\s*(?:med|phil|rer\.\s*nat|jur|habil|dent|vet)\.)*\s+|"
    r"(?:rechtsanwalt|rechtsanwältin|fachanwalt|fachanwältin|notar|notarin)\s+)+",
    re.IGNORECASE,
)


def _once(name: str) -> str:
    """A name a template writes twice, for small and large screens: "Jane RoeJane Roe", "Jane Roe Jane Roe".
    Two words at least each time: "R. R." is a name."""
    half = len(name) // 2
    if name[:half] == name[half:] and " " in name[:half].strip():
        return name[:half]
    words = name.split()
    first, second = words[: len(words) // 2], words[len(words) // 2 :]
    return " ".join(first) if first == second and len(first) >= 2 else name


def _without_initials(text: str) -> str:
    """ "AB Anna Berg CD Carl Dahl" → "Anna Berg, Carl Dahl": the initials an avatar shows in place of a
    photo are no name, and they mark where the next name starts."""
    words = text.split()
    kept: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1 : i + 1 + len(word)]
        if len(word) > 1 and word.isupper() and word == "".join(name[0] for name in following):
            if kept and not kept[-1].endswith(","):
                kept[-1] += ","
            continue
        kept.append(word)
    return " ".join(kept)


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
