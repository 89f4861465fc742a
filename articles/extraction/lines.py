"""What a line of text is: furniture (datelines, ages, counters, bylines), boilerplate, or the end of a
story."""

import re

from lxml.html import HtmlElement

from articles.extraction.document import CAMEL_HUMP, LETTERS
from articles.normalising import RELATIVE_WORDS, is_date_line

# Lines a template scatters through a story's text that belong to the page, not to the story.
BOILERPLATE = re.compile(
    r"^(?:advertisements?|story continues below(?: advertisement)?|continue reading(?: the main story)?|"
    r"supported by|read more|related|related articles?|related stories|share(?: this(?: article| story)?)?|"
    r"sign up|subscribe|click here|loading\W*|skip advert(?:isement)?|you might also like|recommended|"
    # The page's controls, as a line of their own: "Text size", "Schriftgröße".
    r"text size|font size|schriftgröße|taille du texte|tamaño de (?:letra|texto)|"
    # A control to see a picture larger, left as a line of its own beside it.
    r"(?:bild |foto )?vergrößern|enlarge(?: this)?(?: image| photo)?|agrandir(?: l'image)?|"
    r"ampliar(?: imagen)?)\W*$"
    # An advertisement's label, as a line of its own and often set between dashes: "- Anzeige -".
    r"|^\W*(?:anzeige|werbung|publicidad|publicité|pubblicità|reklama|advertentie|annonce|sponsored|ad)\W*$"
    # A wire service's credits closing the story: "(Reporting by Jane Roe; Editing by Ann Bee)".
    r"|^\((?:additional )?(?:reporting|writing|editing) by\b[^()]{0,250}\)\.?$"
    r"|^(?:additional )?reporting by\b[^.!?]{0,120}[;,] (?:additional reporting|writing|editing) by\b"
    r"[^!?]{0,150}$"
    # A call to subscribe written as a line of its own: "Subscribe now to our print edition for more."
    r"|^subscribe\b[^.!?]{0,80}[.!?]?$"
    # An image's credit written as a line of its own: "Photo: Jane Roe / AFP", "Titelbild: dpa".
    r"|^(?:photo(?:graph)?s?|fotos?|bild|titelbild|abbildung|image|crédits? photos?|photo credit)"
    r"\s*(?:by\b|:)[^.!?]{0,80}$"
    # Where the story comes from, as a line of its own: "Quelle: dpa", "Source: Reuters, 2 May 2022".
    r"|^\(?(?:quellen?|sources?|źródło|fuente|fonte)\s*:[^!?]{0,100}$",
    re.IGNORECASE,
)


# Lines that count or time the page, not the story: "5 min read", "1,024 views", "12 comments", "6,662
# watching now" beside a "LIVE" mark, and where a slideshow stands ("11 von 17", "Photo 3 of 12"). Not
# "12 Kommentare": that line starts the readers' comments (COMMENTS_START), which end the story.
COUNTERS = re.compile(
    r"^(?:\d+\s*(?:min(?:ute)?s?|hours?|hrs?)\.?\s+(?:read|listen|watch)|"
    r"[\d.,]+\s*[km]?\s+(?:comments?|views?|shares?|likes?|reads?|reactions?|replies|"
    r"aufrufe|vues|visitas|visualizzazioni|"
    r"(?:people\s+)?(?:watching|reading|online)(?:\s+now)?)|"
    r"live|en direct|en vivo|en directo|ao vivo|"
    r"(?:image|photo|foto|bild|slide)?\s*\d{1,3}\s+(?:of|von|de|sur|di|van)\s+\d{1,3})$",
    re.IGNORECASE,
)


# What separates the pieces of a line like "By Jane Roe · Updated 9 minutes ago · 5 min read".
PIECES = re.compile(r"\s*[|·•–—\uff0f]\s*|\s+[-/]\s+")  # \uff0f: the full-width solidus of CJK pages


# "By Jane Roe", "By Ann Bee and Carl Dee": a credit written out beside a date.
BYLINE_PIECE = re.compile(r"^(?:By|by(?=\s+[^\W\da-z]))\s+[\w.'’-]+(?:(?:\s+|,\s*)[\w.'’-]+){0,6}$")


# Every date line, age and counter has a digit or a word like "ago" (see is_date_line), and a credit starts
# "By ": a quick way to pass over the story's own short lines.
MAY_BE_FURNITURE = re.compile(rf"\d|\b(?:{'|'.join(sorted(RELATIVE_WORDS))})\b|^By\s", re.IGNORECASE)


# Longer than this, a line says more than when and how much.
FURNITURE_MAX = 200


# A time or a date in digits alone: "14:02", "9.30 pm", "2026-11-25", "25/11/2026". Other bare numbers
# (a table's cells) are text.
NUMERIC_TIME = re.compile(
    r"^(?:\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?|\d{4}-\d{2}-\d{2}(?:[t ][\d:.+z-]+)?|"
    r"\d{4}[./]\d{1,2}[./]\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})$",
    re.IGNORECASE,
)


def is_furniture(text: str, byline: str = "") -> bool:
    """A line of dates, ages, counters and a byline only ("By Jane Roe · Updated 9 minutes ago", "5 min
    read", "12 comments"): it tells who, when and how much, never what the story says, and an age changes
    on every load."""
    if len(text) > FURNITURE_MAX or not (MAY_BE_FURNITURE.search(text) or (byline and byline in text)):
        return False
    # Pieces are set apart by separators, or glued where inline boxes touch ("12 commentsUpdated 2h ago").
    pieces = [piece for piece in PIECES.split(CAMEL_HUMP.sub(" | ", text)) if piece]
    return bool(pieces) and all(_is_furniture_piece(piece, byline) for piece in pieces)


def _is_furniture_piece(piece: str, byline: str) -> bool:
    # Cheapest first: most pieces of a real sentence fail at the last test, once.
    if byline and piece in (byline, f"By {byline}"):
        return True
    if BYLINE_PIECE.match(piece) or COUNTERS.match(piece):
        return True
    return is_date_line(piece) if LETTERS.search(piece) else bool(NUMERIC_TIME.match(piece))


COPYRIGHT_LINE = 200


# What a broken server script prints into the page: "Warning: Use of undefined constant … in
# /www/htdocs/wp-content/plugin.php on line 928", one or several in a row.
SCRIPT_ERROR_KINDS = r"(?:PHP )?(?:warning|notice|deprecated|strict standards|fatal error|parse error)"
SCRIPT_ERRORS = re.compile(rf"^(?:{SCRIPT_ERROR_KINDS}\s*:.{{0,600}}?\bon line \d+\W*)+$", re.IGNORECASE)


# A notice that the views are the author's own, not the publisher's: the page's, set on every post.
DISCLAIMER = re.compile(
    r"\b(?:views|opinions) expressed\b.{0,80}\b(?:author|writer|contributor)s?\b|"
    r"\bdo(?:es)? not necessarily reflect\b|"
    r"\bgibt (?:ausschließlich )?(?:die|seine|ihre) (?:persönliche )?meinung\b.{0,40}\bwieder\b|"
    r"\bnicht (?:notwendigerweise|unbedingt|zwingend) die (?:meinung )?der redaktion\b|"
    r"\bn'engage(?:nt)? que (?:leurs?|son|ses) auteurs?\b|"
    r"\bno (?:refleja|reflejan) necesariamente\b|\bnon riflett(?:e|ono) necessariamente\b",
    re.IGNORECASE,
)
DISCLAIMER_LINE = 300


# A notice that the site sets cookies, in a banner that lands in the story's element: "Um unser Angebot …
# zu machen, nutzen wir Cookies. Wenn Sie OK klicken, …", "This website uses cookies …", "Informujemy, że
# korzystamy z cookies." Said by the site of itself ("we", "this site"), not of a third party's cookies.
COOKIE_NOTICE = re.compile(
    r"\b(?:we use|we and our partners use|(?:this|our) (?:web)?site uses|wir (?:nutzen|verwenden|setzen)|"
    r"(?:nutzen|verwenden|setzen) wir|(?:diese|unsere) (?:webseite|website|seite) (?:nutzt|verwendet)|"
    r"nous utilisons|ce site utilise|utilizamos|usamos|este sitio (?:web )?utiliza|utilizziamo|"
    r"questo sito (?:web )?utilizza|korzystamy z|używamy|wij gebruiken|deze (?:web)?site gebruikt)"
    r"(?: \w+){0,3} (?:cookies?|plików cookies?)\b",
    re.IGNORECASE,
)
COOKIE_NOTICE_LINE = 600


# How a server's script error starts where PHP writes it into the page: "<b>Warning</b>:  Use of …".
SCRIPT_ERROR_LABEL = re.compile(rf"^{SCRIPT_ERROR_KINDS}$", re.IGNORECASE)
SCRIPT_ERROR_PARTS = 6  # the elements of one message after its label, at most (its path, its line number)


def _drop_script_errors(document: HtmlElement) -> None:
    """Drop the error messages a broken server script writes into the page between line breaks ("<b>Warning
    </b>: Use of undefined constant … in <b>/www/plugin.php</b> on line <b>928</b><br>"): as loose text they
    would weigh as a story when the story's element is chosen."""
    for label in list(document.iter("b", "strong")):
        if not SCRIPT_ERROR_LABEL.match((label.text or "").strip()) or not (label.tail or "").startswith(":"):
            continue
        run = [label]
        # The path and the line number in bold after it: a few elements at most (a page of a million bold
        # "Warning:"s in a row, with no break between them, must not make this quadratic).
        for sibling in label.itersiblings():
            if not isinstance(sibling.tag, str) or sibling.tag == "br" or len(run) > SCRIPT_ERROR_PARTS:
                break
            run.append(sibling)
        text = " ".join("".join(part.text_content() + (part.tail or "") for part in run).split())
        if SCRIPT_ERRORS.match(text) and (parent := label.getparent()) is not None:
            for part in run:
                part.tail = None
                parent.remove(part)


def _is_boilerplate(text: str, link_chars: int) -> bool:
    # A paragraph that is mostly a link points to another page ("Read more: ..."): not story text.
    if BOILERPLATE.match(text) or is_furniture(text) or SCRIPT_ERRORS.match(text):
        return True
    # A short line with a copyright sign is a picture's credit or the page's notice ("Jane Roe, mayor.
    # © AFP / John Doe", "© 2019 Example Press. All rights reserved."), not what the story says.
    if "©" in text and len(text) <= COPYRIGHT_LINE:
        return True
    if len(text) <= DISCLAIMER_LINE and DISCLAIMER.search(text):
        return True
    if len(text) <= COOKIE_NOTICE_LINE and "ookie" in text and COOKIE_NOTICE.search(text):
        return True
    return link_chars > 0 and link_chars >= 0.6 * len(text)


# A line that says the story is over and the page's own matter begins: related stories, tags, sharing,
# comments, sources. From such a line on, nothing is the story (in the story's first half, or followed by
# long text, it heads a box of links set into the story: the story goes on after it, without the heading).
END_OF_STORY = re.compile(
    r"^(?:related(?: articles| posts| stories| content| reading)?|read more|more on this(?: topic| story)?|"
    r"more (?:from|stories|articles)\b.*|more (?:\w+ ){1,3}(?:stories|articles)|"
    r"you (?:may|might) also (?:like|be interested in)|"
    r"recommended(?: for you)?|tags?|tagged|topics?|share(?: this)?(?: article| post| story| page)?|"
    r"like it\? share it|comments?|"
    r"\d+ comments?|leave a (?:comment|reply)|about the author|further reading|see also|"
    r"ähnliche (?:beiträge|artikel|themen|posts)|weitere (?:themen|artikel|beiträge|meldungen|nachrichten)|"
    r"mehr zum thema\b.*|(?:das|dies) (?:könnte|dürfte) (?:sie|dich) auch interessieren|auch interessant|"
    r"schlagw(?:orte|örter)|themen|teilen|(?:beitrag|artikel|seite) teilen|kommentare?|lesen sie auch|"
    r"zum weiterlesen|empfohlene (?:beiträge|artikel)|die (?:neuesten|meistgelesenen) \w+|"
    r"(?:à )?lire aussi|sur le même sujet|articles? similaires|partager(?: cet article)?|commentaires?|"
    r"mots-clés|artículos relacionados|te puede interesar|comparte(?: esta noticia)?|comentarios|"
    r"articoli correlati|leggi anche|czytaj (?:też|także)|przeczytaj (?:też|także)|komentarze|"
    r"podobne artykuły|about the (?:author|series)|filed under\b.*|"
    r"über (?:den autor|die autorin|diese reihe)|"
    r"weiterführende (?:links|informationen|literatur)|quellen(?:angaben)?|keine kommentare|schon gelesen|"
    r"inne artykuły autora|zobacz (?:też|także)|(?:notas|noticias) relacionadas|lee también|"
    r"(?:weitere|mehr|zusatz)\s?(?:informationen|infos)(?: zum thema)?|kontakt|autor(?:en|in)?|"
    r"(?:mehr|weitere|verwandte) themen(?:bereiche)?|themen (?:im|dieses|des) (?:artikels?|beitrags?)|"
    r"lesen sie auch\b.*|(?:das|dies)(?: thema)? (?:könnte|dürfte) (?:sie|dich) auch interessieren|"
    r"veja também|leia também|leia mais|voir aussi|more information|further information|"
    # Prompts to share or rate what was just read: "Möchten Sie den Artikel teilen?", "Was this helpful?".
    r"(?:möchten sie|willst du|möchtest du) (?:den|diesen) (?:artikel|beitrag) teilen|"
    r"(?:war|ist) (?:der|dieser) (?:artikel|beitrag) (?:nützlich|hilfreich)|"
    r"(?:hat|haben) (?:ihnen|dir) (?:der|dieser) (?:artikel|beitrag) gefallen|"
    r"(?:was|is) this (?:article |page |post |story )?(?:helpful|useful)|"
    r"did you (?:find this (?:article |page |post )?(?:helpful|useful)|"
    r"(?:like|enjoy) this (?:article|post|story))|"
    r"cet article vous a-t-il (?:été utile|plu)|meist(?:gelesen|gesucht|e?\s+(?:gelesen|gesucht))|"
    r"most (?:read|popular))"
    # …and the same heading in a second language: "Related — Relacionado".
    r"(?:\s+[—–|/]\s+[^.!?]{1,30})?\W*$",
    re.IGNORECASE,
)


STORY_LINE = 300


# Where a site asks the reader to follow it, get its app, subscribe, or pay: lines set after the story
# (and rotated between loads), never its own words. Asked only of the story's last lines, and only of short
# ones, and only in the forms that speak to the reader (an imperative, "us", "our"): a story may well end on
# residents who "can sign up for the scheme" or fans who "follow the band on Instagram".
SOCIAL = (
    r"(?:twitter|facebook|instagram|telegram|whatsapp|youtube|tiktok|linkedin|google news|threads|mastodon|"
    r"(?:on|auf|en|sur|su|na) x)\b"
)
CALL_TO_ACTION = re.compile(
    # "Follow us on Twitter", "Follow The Example on Instagram", "Síguenos en Instagram", "Folgen Sie uns auf
    # Facebook", "¿Ya sabías que tenemos canal de Telegram?", "Mira nuestro canal de YouTube"
    rf"^(?:follow|siga|sigue|segue|suivez|folge|folgen sie)\b.{{0,80}}\b{SOCIAL}"
    rf"|\b(?:follow (?:us|me)|síguenos|folgen sie uns|folge uns|folge mir|suivez-nous|seguici|siga-nos|"
    rf"segue-nos|obserwuj nas)\b.{{0,80}}\b{SOCIAL}"
    rf"|\b(?:our|tenemos|nuestro|unseren?|notre|nosso|il nostro|nasz)\s+(?:\w+\s+)?(?:canal|channel|kanal|"
    rf"chaîne|canale)\b.{{0,20}}\b{SOCIAL}"
    # "Download our app", "For the latest stories … download the Example apps", "… straight to your phone
    # with the Example app", "Descarga la app"
    r"|^(?:download|descarga|descargue|baixe|téléchargez|scarica|lade|laden sie|pobierz)\b.{0,80}\bapps?\b"
    r"|\b(?:our|unsere|nuestra|notre|nossa|la nostra|naszą) app\b"
    r"|^for the latest (?:stories|news|updates)\b|\bstraight to your (?:phone|inbox)\b"
    # "Subscribe to our newsletter", "Sign up here", "Abonnieren Sie unseren Newsletter", "Zapraszamy do
    # subskrypcji"
    r"|\b(?:subscribe|sign up)(?: now| today| here| for free)?(?: to| for)? (?:our|us|the newsletter)\b"
    r"|^(?:subscribe|sign up)\b|\bsign up here\b"
    r"|\b(?:suscríbete|suscribete|abonniere|abonnez-vous|iscriviti|zapisz się|melde dich|inscrivez-vous)\b"
    r"|\babonnieren sie (?:jetzt|unseren?|uns)\b|\bsubskrypcj"
    r"|\b(?:our|unseren?|unserem|nuestra|nuestro|notre|nossa|la nostra|naszego) newsletter\b|^newsletter\W*$"
    # "Support our journalism", "Unterstütze uns", "Apoya el periodismo", "would you consider supporting
    # our work?", "Hazte miembro", "Become a member"
    r"|\bsupport(?:ing)? (?:us|our (?:journalism|work|reporting)|independent journalism)\b"
    r"|\b(?:unterstütze|unterstützen sie) (?:uns|unsere arbeit|unabhängigen journalismus)\b"
    r"|\b(?:apoya|apoye) (?:el periodismo|nuestro trabajo)\b"
    r"|\bsoutenez(?:-nous| notre travail| le journalisme)"
    r"|\bsostieni (?:il nostro|il giornalismo)\b|\bwesprzyj nas\b"
    r"|\b(?:hazte|become a|werden sie|werde) (?:miembro|member|mitglied|socio|abonnent)"
    # A subscription's promise: "Cancel anytime", "Jederzeit kündbar", "Cancela cuando quieras"
    r"|\bcancel (?:at )?any ?time\b|\bjederzeit kündbar\b|\bcancela cuando quieras\b|"
    r"\brésiliable à tout moment\b"
    # "You must be logged in to post a comment", "Sie müssen sich einloggen, um … zu kommentieren"
    r"|\b(?:log|sign)(?:ged)? in to (?:comment|post|reply|join)|\bmust be logged in\b"
    r"|\bsie müssen (?:sich )?(?:einloggen|anmelden|eingeloggt)|\bconnectez-vous pour (?:commenter|réagir)"
    r"|\b(?:inicia sesión|regístrate) para comentar"
    # "Join our forums to keep talking …", "… a news tip? Let us know at tips@example.com", "Write to Jane Roe
    # at jane.roe@example.com"
    r"|^join (?:us|our)\b|\blet us know at\b|\bsend us (?:a |your )?(?:news )?tips?\b"
    r"|^write to\b.{0,80}\bat \S+@\S+",
    re.IGNORECASE,
)
CALL_TO_ACTION_LINE = 250


def _is_call_to_action(text: str) -> bool:
    return len(text) <= CALL_TO_ACTION_LINE and bool(CALL_TO_ACTION.search(text))


# Where the readers' comments start: what follows is theirs, however long ("Leave a reply", "12 thoughts on
# …", "Bitte halten Sie sich an unsere Netiquette").
COMMENTS_START = re.compile(
    r"^(?:\d+\s+)?(?:comments|kommentare|commentaires|comentarios|komentarze|reacties|commenti)\W*$|"
    r"^leave a (?:comment|reply)\b|^\d+ (?:thoughts|responses|replies|kommentare) (?:on|to|zu)\b|"
    r"\b(?:unsere|unserer|our|notre|nuestra) netiquette\b|"
    r"^(?:neuen |einen )?kommentar (?:schreiben|verfassen)\W*$|^(?:write|post|add) a comment\W*$|"
    r"^(?:diskutieren sie mit|join the (?:discussion|conversation))\W*$",
    re.IGNORECASE,
)
COMMENTS_START_LINE = 120
STORY_BEFORE_COMMENTS = 400


def _until_the_end(paragraphs: list[str]) -> list[str]:
    # The readers' comments, however many and long, after some of the story.
    told = 0
    for index, text in enumerate(paragraphs):
        if told >= STORY_BEFORE_COMMENTS and len(text) <= COMMENTS_START_LINE and COMMENTS_START.search(text):
            paragraphs = paragraphs[:index]
            break
        told += len(text)
    for index in range(len(paragraphs) // 2, len(paragraphs)):
        # A box of links set inside the story ("More on this: …") is followed by more of the story.
        if _ends_the_story(paragraphs[index]) and all(
            len(text) <= STORY_LINE for text in paragraphs[index + 1 :]
        ):
            paragraphs = paragraphs[:index]
            break
    # The site's own calls to follow, subscribe or pay, after the story's last line.
    while len(paragraphs) > 1 and _is_call_to_action(paragraphs[-1]):
        paragraphs = paragraphs[:-1]
    # Such a heading is never the story's own line, even where more of the story follows it.
    return [text for text in paragraphs if not _ends_the_story(text)]


def _ends_the_story(text: str) -> bool:
    return len(text) <= 60 and bool(END_OF_STORY.match(text))
