"""Normalise extracted text so that only a real edit changes an article's content hash.

Two levels, on purpose:

- ``normalise_text`` is what is *stored*: Unicode NFC, whitespace runs folded to one space, invisible
  characters (zero-width, soft hyphen, BOM) removed. A reader sees the text as published.
- ``comparison_key`` is what is *hashed*: additionally NFKC compatibility forms (ligatures, full-width
  letters, non-breaking spaces) and the typographic variants templates flip between page loads (curly or
  straight quotes, dash kinds, "…" or "...") are folded, so a CDN's smart-quote filter is not an edit.

``skeleton`` goes further still, for classifying an edit as minor: only letters and digits remain and
date lines ("Updated 10:32 AM ET, Nov 25, 2026") are dropped, so an edit that leaves the skeleton alone
changed only whitespace, punctuation or a timestamp.
"""

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cached_property

from django.utils.dateparse import parse_date, parse_datetime

# Zero-width characters, soft hyphen, BOM. A pattern: removing them with it costs a scan in C, where
# str.translate looks up every character of the text in a dict (this runs on every block of every page).
INVISIBLE_CHARACTERS = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad]")
WHITESPACE = re.compile(r"\s+")
TYPOGRAPHIC = str.maketrans(
    {
        **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4"), "'"),
        **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"), '"'),
        **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-"),
        ord("\u2026"): "...",
    }
)
NON_WORD = re.compile(r"[\W_]+")
# The months written out in the languages of the pages people track most after English, as their dates
# write them (Polish in the genitive: "3 maja"): words of a date line, and where a credit's names end.
MONTHS = {
    language: tuple(names.split())
    for language, names in (
        ("de", "januar jänner februar märz april mai juni juli august september oktober november dezember"),
        ("fr", "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"),
        ("es", "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"),
        ("pt", "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro"),
        (
            "it",
            "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
        ),
        ("nl", "januari februari maart april mei juni juli augustus september oktober november december"),
        (
            "pl",
            "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada "
            "grudnia",
        ),
    )
}
# Words a date line is made of; a paragraph of nothing else (plus digits and punctuation) is a timestamp.
DATE_WORDS = (
    frozenset(
        re.split(
            r"\s+",
            """
    updated update published posted modified last first on at by edited created
    jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august
    september october november december mon tue tues wed thu thur thurs fri sat sun monday tuesday
    wednesday thursday friday saturday sunday am pm a m p gmt utc bst est edt cst cdt mst mdt pst pdt et
    ct mt pt cet cest ist jst aest ago just now second seconds minute minutes min mins hour hours hr hrs
    day days week weeks month months year years today yesterday st nd rd th a an few several moments
    about over less than
    """.strip(),
        )
    )
    | frozenset(
        # The same lines in the languages of the pages people track most after English ("Aktualisiert vor
        # 9 Minuten", "hace 2 horas", "il y a une heure", "há 3 dias", "5 minuti fa", "2 uur geleden", "3
        # godziny temu"): an age changes with every load in any language.
        re.split(
            r"\s+",
            """
    aktualisiert aktualisierung veröffentlicht erstellt geändert zuletzt letzte änderung stand am um uhr vor
    seit gestern heute vorgestern sekunde sekunden minute minuten std stunde stunden tag tage tagen woche
    wochen monat monaten jahr jahren einer einem eine mär okt dez montag dienstag mittwoch donnerstag
    freitag samstag sonntag soeben
    actualizado actualizada actualización publicado publicada creado modificado última hace el la las los
    de del en un una segundo segundos minuto minutos hora horas día días semana semanas mes meses año años
    hoy ayer setiembre ene abr ago dic lunes martes miércoles jueves viernes sábado domingo ahora
    mis à jour publié publiée modifié le les du il y h hs une seconde secondes heure heures jour jours mois an
    ans année années aujourd hui hier janv févr avr juil déc lundi mardi mercredi jeudi vendredi samedi
    dimanche instant
    atualizado atualizada atualização há em às do da um uma dia dias mês ano anos hoje ontem segunda terça
    quarta quinta sexta feira agora
    aggiornato aggiornata pubblicato pubblicata fa alle il minuti ore giorno giorni settimane mese mesi
    anno anni oggi ieri lunedì martedì mercoledì giovedì venerdì sabato domenica
    bijgewerkt gepubliceerd geleden op minuut uur uren dagen weken maand maanden jaar jaren vandaag
    gisteren
    zaktualizowano opublikowano aktualizacja temu minut minuty minutę godzin godziny godzinę dzień dni
    tydzień tygodnie miesiąc miesięcy rok lata lat dzisiaj wczoraj
    """.strip(),
        )
    )
    | frozenset(month for months in MONTHS.values() for month in months)
)
# Words that make a line of date words an age even with no digit in it: "an hour ago", "vor einer
# Stunde", "hace una hora", "há um dia", "un'ora fa".
RELATIVE_WORDS = frozenset(
    ("ago", "now", "vor", "soeben", "hace", "ahora", "há", "agora", "fa", "geleden", "temu", "instant")
)
DATE_LINE_MAX = 100


def normalise_text(text: str) -> str:
    text = INVISIBLE_CHARACTERS.sub("", unicodedata.normalize("NFC", text))
    return WHITESPACE.sub(" ", text).strip()


def comparison_key(text: str) -> str:
    text = INVISIBLE_CHARACTERS.sub("", unicodedata.normalize("NFKC", text)).translate(TYPOGRAPHIC)
    return WHITESPACE.sub(" ", text).strip()


def is_date_line(text: str) -> bool:
    """True for a paragraph that only says when the article was published or updated."""
    if len(text) > DATE_LINE_MAX:
        return False
    words = re.findall(r"[^\W\d_]+", text.lower())
    has_time = any(ch.isdigit() for ch in text) or any(word in RELATIVE_WORDS for word in words)
    return has_time and all(word in DATE_WORDS for word in words)


# A page's stated date is believed only between these: before the web, or ahead of the check (a clock
# or a template gone wrong), it says nothing.
EARLIEST_STATED = datetime(1990, 1, 1, tzinfo=UTC)
STATED_AHEAD = timedelta(days=1)


def stated_time(value: str, now: datetime) -> datetime | None:
    """A date the page states (ISO 8601, as JSON-LD and meta tags write it) as an aware datetime, UTC when
    it names no zone; None when it is not one, or not a believable one."""
    value = value.strip()[:64]
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.combine(day, time(), tzinfo=UTC)
    except ValueError:  # well-formed but impossible: "2026-13-45"
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment if EARLIEST_STATED <= moment <= now + STATED_AHEAD else None


def skeleton_of(text: str) -> str:
    return NON_WORD.sub("", comparison_key(text))


@dataclass(frozen=True)
class ArticleText:
    """The part of a page that is the article: what is compared, hashed and stored as a version."""

    title: str
    byline: str
    paragraphs: tuple[str, ...]
    # og:title / twitter:title / <title>: the headline of sharing cards, often tested apart from the page's.
    social_title: str = ""

    @classmethod
    def from_parts(
        cls, title: str, byline: str, paragraphs: Iterable[str], social_title: str = ""
    ) -> "ArticleText":
        normalised = (normalise_text(p) for p in paragraphs)
        return cls(
            normalise_text(title),
            normalise_text(byline),
            tuple(p for p in normalised if p),
            normalise_text(social_title),
        )

    @property
    def is_empty(self) -> bool:
        return not self.paragraphs

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 over the comparison keys of headline, byline and paragraphs (in order), then the social
        headline when there is one (so a text stored without one keeps the hash it always had)."""
        parts: list[object] = [comparison_key(self.title), comparison_key(self.byline)]
        parts += [key for p in self.paragraphs if (key := comparison_key(p))]
        if social := comparison_key(self.social_title):
            parts.append({"social_title": social})
        payload = json.dumps(parts, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @cached_property
    def skeleton(self) -> tuple[str, str, str, str]:
        """Letters and digits only, date lines dropped, paragraph breaks ignored: equal skeletons mean a
        minor edit at most."""
        body = "".join(skeleton_of(p) for p in self.paragraphs if not is_date_line(p))
        return (skeleton_of(self.title), skeleton_of(self.byline), body, skeleton_of(self.social_title))
