"""A simulated newsroom: a deterministic, hostile local news site to demonstrate, test and measure against.

``python manage.py newsroom`` serves it on 127.0.0.1. From a seed it makes N articles in four page
templates resembling real outlets (nav, header, byline, dateline, body, related links, ads, share
widgets, comment counts, footer, JSON-LD, canonical links), section pages listing the newest articles,
and RSS/Atom feeds. Articles evolve over the world's clock the way newsrooms edit: headline rewrites,
paragraphs inserted, removed, reordered or edited, typo fixes, punctuation touches, corrections appended;
edits stop after a few days. Every request churns the chrome (rotating ads and related links, "updated N
minutes ago", view and comment counters, whitespace and attribute order), some articles run A/B headline
tests, and some are faulty: slow, gone (404/410), failing (500), moved (301), huge, with a lying charset,
or not HTML. Half the templates answer conditional GETs (ETag/Last-Modified), half do not.

The world's clock runs at ``speed`` times real time from ``start``, or is driven by
``POST /_newsroom/clock?advance=SECONDS`` (tests and benchmarks). ``GET /_newsroom/truth.json`` tells
what is true at a moment: each article's status and the text(s) it serves, keyed by ``text_key`` so a
tracker's stored versions can be checked against it: every real edit one version, chrome churn none.
"""

import hashlib
import html
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cached_property, lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from articles.normalising import comparison_key

SECTIONS = ("world", "politics", "business", "science", "sport", "culture")
TEMPLATES = ("broadsheet", "tabloid", "wire", "modern")
# Templates that answer conditional GETs; the others send neither ETag nor Last-Modified, as many do.
CONDITIONAL_TEMPLATES = frozenset(("broadsheet", "modern"))
REPORTERS = (
    "Jane Roe", "John Doe", "Amara Okafor", "Li Wei", "Sofia Rossi", "Tomás García", "Priya Natarajan",
    "Kofi Mensah", "Hannah Becker", "Yuki Tanaka", "Olga Ivanova", "Samir Haddad",
)  # fmt: skip
PLACES = (
    "Riverton", "Northgate", "Lakeside", "Port Ellis", "Hillcrest", "Eastbrook", "Westmoor", "Ashford",
    "Kingsbridge", "Marlow Bay",
)  # fmt: skip
SUBJECTS = (
    "the city council", "the transport authority", "the school board", "the health trust", "the police",
    "the port operator", "the finance ministry", "the central bank", "the football club", "the university",
    "the energy regulator", "the national museum",
)  # fmt: skip
VERBS = (
    "approved", "rejected", "delayed", "announced", "expanded", "scaled back", "defended", "questioned",
    "postponed", "confirmed", "reviewed", "challenged",
)  # fmt: skip
THINGS = (
    "the bridge plan", "a new tram line", "next year's budget", "the housing scheme", "flood defences",
    "the night bus service", "a pay deal", "the merger", "new safety rules", "the stadium project",
    "interest rates", "the exhibition",
)  # fmt: skip
CLAUSES = (
    "after months of consultation with residents", "despite objections from local businesses",
    "according to documents seen by reporters", "in a statement released on {day}",
    "following a {n}-hour meeting", "at a cost estimated at {n} million", "with {n} members in favour",
    "amid growing pressure from campaigners", "weeks before the deadline", "for the {ord} time this year",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINALS = ("second", "third", "fourth", "fifth")
AD_COPY = (
    "Save 40% on your first year", "Holidays from 199", "New: the electric estate",
    "Learn a language in 3 months",
    "Mortgage rates from 4.1%", "Win tickets to the final",
)  # fmt: skip

HOUR = 3600.0
DAY = 24 * HOUR


def text_key(title: str, paragraphs: list[str] | tuple[str, ...]) -> str:
    """The identity of an article text for comparing a tracker's versions with the truth: headline and
    paragraphs under the tracker's own comparison rules (bylines never change here)."""
    parts = [comparison_key(title), *(comparison_key(p) for p in paragraphs)]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Edit:
    at: float  # world seconds after publication
    kind: str  # headline, insert, remove, reorder, words, typo, punctuation, correction
    seed: int


@dataclass(frozen=True)
class Text:
    title: str
    paragraphs: tuple[str, ...]

    @cached_property
    def key(self) -> str:
        return text_key(self.title, self.paragraphs)


@dataclass
class Story:
    """One article: its first text, its edits in time order, and what (if anything) is wrong with it."""

    id: int
    section: str
    template: str
    byline: str
    published: float  # world seconds since the world's start (negative: before it)
    first: Text
    edits: tuple[Edit, ...]
    ab_headline: str = ""  # served on every other request while the A/B test runs
    ab_until: float = 0.0  # world seconds after publication
    fault: str = ""  # "", slow, gone404, gone410, error500, moved, huge, charset, binary
    fault_after: float = 0.0  # world seconds after publication, for faults that start later

    @cached_property
    def slug(self) -> str:
        words = "".join(ch if ch.isalnum() else "-" for ch in self.first.title.lower()).split("-")
        return "-".join(w for w in words if w)[:60]

    def path(self, epoch: datetime) -> str:
        day = epoch + timedelta(seconds=self.published)
        return f"/news/{self.section}/{day:%Y/%m/%d}/{self.slug}-{self.id}"

    def texts_until(self, age: float) -> list[Text]:
        """The article's text after each edit made up to ``age`` seconds after publication, first included."""
        rng_title, paragraphs = self.first.title, list(self.first.paragraphs)
        texts = [self.first]
        for edit in self.edits:
            if edit.at > age:
                break
            rng_title, paragraphs = apply_edit(edit, rng_title, paragraphs, self)
            texts.append(Text(rng_title, tuple(paragraphs)))
        return texts

    def variants_at(self, age: float) -> list[Text]:
        """What the page serves at ``age``: one text, or two while an A/B headline test runs."""
        current = self.texts_until(age)[-1]
        if self.ab_headline and age < self.ab_until:
            return [current, Text(self.ab_headline, current.paragraphs)]
        return [current]


def _sentence(rng: random.Random) -> str:
    clause = rng.choice(CLAUSES).format(day=rng.choice(DAYS), n=rng.randint(2, 90), ord=rng.choice(ORDINALS))
    subject, verb, thing = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(THINGS)
    shape = rng.randrange(4)
    if shape == 0:
        return f"{subject.capitalize()} {verb} {thing} {clause}."
    if shape == 1:
        return f"In {rng.choice(PLACES)}, {subject} {verb} {thing}."
    if shape == 2:
        return f"Officials said {subject} had {verb} {thing} {clause}."
    return f"“We have {verb} {thing},” a spokesperson for {subject} said."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))


def _headline(rng: random.Random) -> str:
    subject, verb, thing = rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(THINGS)
    return f"{subject.capitalize()} {verb} {thing} in {rng.choice(PLACES)}"


def apply_edit(edit: Edit, title: str, paragraphs: list[str], story: Story) -> tuple[str, list[str]]:
    rng = random.Random(edit.seed)
    paragraphs = list(paragraphs)
    index = rng.randrange(len(paragraphs))
    if edit.kind == "headline":
        title = _headline(rng)
    elif edit.kind == "insert":
        paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), _paragraph(rng))
    elif edit.kind == "remove" and len(paragraphs) > 3:
        del paragraphs[max(index, 1)]
    elif edit.kind == "reorder" and len(paragraphs) > 2:
        moved = paragraphs.pop(max(index, 1))
        paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), moved)
    elif edit.kind == "words":
        words = paragraphs[index].split(" ")
        for _ in range(rng.randint(1, 3)):
            words[rng.randrange(len(words))] = rng.choice(("reportedly", "formally", "narrowly", "finally"))
        paragraphs[index] = " ".join(words)
    elif edit.kind == "typo":
        # The first text carries a typo made when the story was written (see make_story); this fixes it.
        paragraphs = [p.replace("teh ", "the ", 1) for p in paragraphs]
    elif edit.kind == "punctuation":
        paragraphs[index] = paragraphs[index].replace(", ", " ", 1).replace(" said.", " said:", 1) + " "
        paragraphs[index] = paragraphs[index].rstrip(" .") + "!"
    elif edit.kind == "correction":
        paragraphs.append(
            f"Correction: An earlier version of this article misstated the number of members who voted. "
            f"It was {rng.randint(3, 20)}, not {rng.randint(21, 40)}."
        )
    else:  # a remove or reorder that the paragraph count does not allow: touch a few words instead
        paragraphs[index] = paragraphs[index].replace(" the ", " this ", 1)
    return title, paragraphs


# Which share of stories has which fault (when faults are on).
FAULT_SHARES = (
    ("slow", 0.01), ("gone404", 0.01), ("gone410", 0.005), ("error500", 0.01), ("moved", 0.01),
    ("huge", 0.002), ("charset", 0.02), ("binary", 0.005),
)  # fmt: skip
REWRITE_KINDS = ("words", "insert", "headline", "correction", "words")
EDIT_KINDS = (
    "headline",
    "insert",
    "remove",
    "reorder",
    "words",
    "words",
    "typo",
    "punctuation",
    "correction",
)


def make_story(seed: int, story_id: int, published: float, faults: bool) -> Story:
    rng = random.Random(f"{seed}:{story_id}")
    paragraphs = [_paragraph(rng) for _ in range(rng.randint(6, 14))]
    title = _headline(rng)
    typo = rng.random() < 0.25
    if typo:
        paragraphs[1] = "The report said teh " + paragraphs[1][0].lower() + paragraphs[1][1:]
    # NewsEdits has ~3.6 versions per article: most edits come in the first hours, none after a few days.
    count = rng.choices(range(7), weights=(12, 20, 22, 18, 12, 9, 7))[0]
    times = sorted(min(rng.expovariate(1 / (4 * HOUR)), 3 * DAY) for _ in range(count))
    kinds = [rng.choice(EDIT_KINDS) for _ in times]
    if typo and "typo" not in kinds:
        kinds.append("typo")
        times.append(min(rng.expovariate(1 / HOUR), 3 * DAY))
    elif not typo:
        kinds = [k if k != "typo" else "words" for k in kinds]
    order = sorted(range(len(times)), key=times.__getitem__)
    edits = tuple(Edit(60 + times[i], kinds[i], rng.randrange(2**32)) for i in order)
    ab = rng.random() < 0.05
    ab_until = 2 * HOUR
    if ab:  # A/B tests run before any edit, so the truth is two variants of one text
        edits = tuple(Edit(max(e.at, ab_until + 60 * (n + 1)), e.kind, e.seed) for n, e in enumerate(edits))
    fault = ""
    if faults:
        roll = rng.random()
        for name, share in FAULT_SHARES:
            if roll < share:
                fault = name
                break
            roll -= share
    return Story(
        id=story_id,
        section=rng.choice(SECTIONS),
        template=TEMPLATES[story_id % len(TEMPLATES)],
        byline=f"By {rng.choice(REPORTERS)}",
        published=published,
        first=Text(title, tuple(paragraphs)),
        edits=edits,
        ab_headline=_headline(rng) if ab else "",
        ab_until=ab_until if ab else 0.0,
        fault=fault,
        fault_after=rng.uniform(HOUR, 2 * DAY),
    )


@dataclass
class Clock:
    """World time: ``start`` plus real time elapsed times ``speed``, plus any advance asked for."""

    start: datetime
    speed: float = 1.0
    offset: float = 0.0
    origin: float = field(default_factory=time.monotonic)

    def seconds(self) -> float:
        return (time.monotonic() - self.origin) * self.speed + self.offset

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds())


class Newsroom:
    """The world: ``articles`` stories, all published by the start unless ``publish_every`` spreads the
    last ones into the future (a demo then sees new stories appear in the feeds)."""

    def __init__(
        self,
        articles: int,
        *,
        seed: int = 1,
        start: datetime = datetime(2026, 11, 26, 6, 0, tzinfo=UTC),
        speed: float = 1.0,
        churn: bool = True,
        faults: bool = True,
        published: int | None = None,
        publish_every: float = 600.0,
        pad_kib: int = 60,
    ) -> None:
        self.seed, self.count, self.churn, self.faults = seed, articles, churn, faults
        self.clock = Clock(start, speed)
        self.published_before = articles if published is None else published
        self.publish_every = publish_every
        # Real news pages weigh 100 KiB or more, mostly markup and scripts around the story.
        self.padding = _padding(pad_kib)
        self.requests: dict[int, int] = {}
        # Benchmarks: every request serves a new edit on top of the clock's text ("rewrite"), and the text
        # keys served to each story are logged, to check a tracker stored each one once and nothing else.
        self.rewrite = False
        # Fault runs (bench/faults.py): "edition" k > 0 makes every story serve one fixed text per edition,
        # however often it is fetched, so each edition must be stored exactly once; "delay" holds every
        # article response that many seconds, so that a worker killed mid-round dies mid-check.
        self.edition = 0
        self.delay = 0.0
        self.served: dict[int, list[str]] = {}
        self.lock = threading.Lock()

    def published_at(self, story_id: int) -> float:
        """Stories before ``published_before`` came out over the day before the start, the rest later."""
        if story_id < self.published_before:
            return -DAY * (self.published_before - story_id) / max(self.published_before, 1)
        return (story_id - self.published_before + 1) * self.publish_every

    def story(self, story_id: int) -> Story:
        return _story(self.seed, story_id, self.published_at(story_id), self.faults)

    def visible(self, at: float) -> list[int]:
        """Ids of the stories published by ``at``, newest first."""
        last = self.count - 1
        while last >= 0 and self.published_at(last) > at:
            last -= 1
        return list(range(last, -1, -1))

    def next_request(self, story_id: int) -> int:
        with self.lock:
            self.requests[story_id] = self.requests.get(story_id, 0) + 1
            return self.requests[story_id]

    def log_served(self, story_id: int, text: Text) -> None:
        with self.lock:
            self.served.setdefault(story_id, []).append(text.key)

    def text_for(self, story: Story, age: float, request: int) -> Text:
        """What this request gets: the clock's text (one of the A/B variants in turn), rewritten once
        more for this request in rewrite mode."""
        variants = story.variants_at(age)
        text = variants[request % len(variants)]
        if self.edition:  # one more paragraph per edition: each edition's text differs from all others
            update = f"Update {self.edition}: this story has been revised since it was first published."
            text = Text(variants[0].title, (*variants[0].paragraphs, update))
        elif self.rewrite:
            kind = REWRITE_KINDS[request % len(REWRITE_KINDS)]
            title, paragraphs = apply_edit(
                Edit(0, kind, hash((story.id, request))), text.title, list(text.paragraphs), story
            )
            text = Text(title, tuple(paragraphs))
        return text

    def truth(self, at: float, ids: list[int] | None = None) -> dict[str, object]:
        epoch = self.clock.start
        stories = []
        for story_id in ids if ids is not None else range(self.count):
            if not 0 <= story_id < self.count:
                continue
            story = self.story(story_id)
            age = at - story.published
            status = self.status(story, age)
            entry: dict[str, object] = {"id": story_id, "path": story.path(epoch), "status": status}
            if age >= 0:
                texts = story.texts_until(age)
                entry["edits"] = [{"at": _iso(epoch, story.published + e.at), "kind": e.kind}
                                  for e in story.edits if e.at <= age]  # fmt: skip
                entry["texts"] = [t.key for t in texts]
                entry["serving"] = [t.key for t in story.variants_at(age)]
                if story.ab_headline:
                    entry["ab_variants"] = [t.key for t in story.variants_at(min(age, story.ab_until - 1))]
            entry["fault"] = story.fault
            stories.append(entry)
        return {"at": _iso(epoch, at), "articles": stories}

    @staticmethod
    def status(story: Story, age: float) -> int:
        if age < 0:
            return 404
        if story.fault == "gone404" and age >= story.fault_after:
            return 404
        if story.fault == "gone410" and age >= story.fault_after:
            return 410
        return 200


@lru_cache(maxsize=200_000)
def _story(seed: int, story_id: int, published: float, faults: bool) -> Story:
    return make_story(seed, story_id, published, faults)


def _iso(epoch: datetime, seconds: float) -> str:
    return (epoch + timedelta(seconds=seconds)).isoformat()


def _padding(kib: int) -> str:
    """Inline scripts and styles of the size real pages carry (never part of the story)."""
    blob = json.dumps({"config": {f"flag{i}": i % 3 == 0 for i in range(200)}, "ads": list(AD_COPY)})
    style = "".join(f".c{i}{{margin:{i % 7}px;color:#{i:06x}}}" for i in range(400))
    chunk = f"<script>window.__CONFIG__={blob};</script><style>{style}</style>\n"
    return chunk * max(kib * 1024 // len(chunk), 1)


# --- checking a tracker against the truth ----------------------------------------------------------------

# Faults after which a page serves no story text to compare (the tracker should mark, not store, them).
TEXTLESS_FAULTS = frozenset(("gone404", "gone410", "binary", "huge"))


@dataclass
class Score:
    """``expected``: the distinct texts live at the checks, an A/B pair counting as one."""

    articles: int = 0
    versions: int = 0
    expected: int = 0
    spurious: int = 0
    missed: int = 0
    problems: list[str] = field(default_factory=list)


def score(steps: list[dict[str, object]], stored: dict[str, list[str]]) -> Score:
    """Compare a tracker's versions with the truth taken at the moments it checked.

    ``steps``: truth documents (``Newsroom.truth``) for each round of checks; ``stored``: path → the text
    keys of the versions stored for that article, in order. Every text live at a check must be stored (for
    an A/B test, one of its variants at least): else a *missed* edit. Every stored version must be a text
    the article really had, and none twice: else a *spurious* version.
    """
    result = Score()
    required: dict[str, list[set[str]]] = {}
    allowed: dict[str, set[str]] = {}
    for step in steps:
        for entry in step["articles"]:  # type: ignore[attr-defined]
            if entry["status"] != 200 or entry["fault"] in TEXTLESS_FAULTS:
                continue
            path = entry["path"]
            allowed.setdefault(path, set()).update(entry["texts"], entry.get("ab_variants", []))
            need = set(entry["serving"])
            if need not in required.setdefault(path, []):
                required[path].append(need)
    for path, needs in required.items():
        keys = stored.get(path, [])
        result.articles += 1
        result.versions += len(keys)
        result.expected += len(needs)
        for need in needs:
            if not need & set(keys):
                result.missed += 1
                result.problems.append(f"missed: {path} never stored a text it served")
        extra = [k for k in keys if k not in allowed[path]] + [k for i, k in enumerate(keys) if k in keys[:i]]
        result.spurious += len(extra)
        result.problems += [f"spurious: {path} stored a text it never had (or twice)"] * len(extra)
    return result


# --- rendering ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chrome:
    """The parts of a page that change on every load, drawn from the request number."""

    ad: str
    related: tuple[tuple[str, str], ...]
    minutes_ago: int
    views: int
    comments: int
    nonce: str
    loose: bool

    @classmethod
    def for_request(cls, room: Newsroom, story: Story, request: int, age: float) -> "Chrome":
        if not room.churn:
            return cls(AD_COPY[0], (), 0, 0, 0, "0", False)
        rng = random.Random(f"{room.seed}:{story.id}:{request}")
        others = [rng.randrange(room.count) for _ in range(4)]
        related = tuple((room.story(o).path(room.clock.start), room.story(o).first.title) for o in others)
        minutes = int(max(age - (story.edits[-1].at if story.edits else 0), 0) // 60) % 600 + request % 7
        return cls(
            ad=rng.choice(AD_COPY),
            related=related,
            minutes_ago=minutes,
            views=1000 + request * 17,
            comments=request // 3,
            nonce=f"{rng.random():.8f}",
            loose=rng.random() < 0.5,
        )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _paragraphs_html(paragraphs: tuple[str, ...], gap: str) -> str:
    return gap.join(f"<p>{_e(p)}</p>" for p in paragraphs)


NEWSLETTER = (
    '<div class="newsletter-signup"><p>Get the morning briefing in your inbox.</p>'
    "<button>Sign up</button></div>"
)
NAV = (
    '<header class="masthead"><a href="/">The Newsroom</a><nav class="main-nav"><ul>'
    + "".join(f'<li><a href="/section/{s}/">{s.title()}</a></li>' for s in SECTIONS)
    + "</ul></nav></header>"
)


def render(room: Newsroom, story: Story, text: Text, chrome: Chrome, age: float) -> str:
    """The page for ``text`` in the story's template, with this request's chrome around it."""
    epoch = room.clock.start
    published = epoch + timedelta(seconds=story.published)
    modified = published + timedelta(seconds=story.edits[-1].at if story.edits else 0)
    json_ld = json.dumps({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": text.title,
        "author": [{"@type": "Person", "name": story.byline.removeprefix("By ")}],
        "datePublished": published.isoformat(), "dateModified": modified.isoformat(),
    })  # fmt: skip
    title, byline = _e(text.title), _e(story.byline)
    gap = "\n  " if chrome.loose else "\n"
    ad = (
        f'<div class="ad-slot" data-nonce="{chrome.nonce}"><span>Advertisement</span>'
        f"<p>{_e(chrome.ad)}</p></div>"
    )
    share = (
        f'<div class="share-tools"><a href="#">Share</a> '
        f'<span class="share-count">{chrome.views // 7} shares</span></div>'
    )
    updated = (
        f'<p class="timestamp"><time datetime="{modified.isoformat()}">'
        f"Updated {chrome.minutes_ago} minutes ago</time></p>"
    )
    related = "".join(f'<li><a href="{_e(p)}">{_e(t)}</a></li>' for p, t in chrome.related)
    aside = f'<aside class="related"><h2>Related</h2><ul>{related}</ul></aside>'
    comments = f'<div class="comments-count"><a href="#comments">{chrome.comments} comments</a></div>'
    footer = (
        f'<footer class="site-footer"><p>© 2026 The Newsroom</p><p class="views">{chrome.views} views</p>'
        "</footer>"
    )
    body = _paragraphs_html(text.paragraphs, gap)
    if story.template == "broadsheet":
        main = (
            f'<article class="story"><header><h1>{title}</h1><p class="byline">{byline}</p>{updated}'
            f'</header>{share}<div class="article-body">{gap}{body}{gap}{ad}</div>{comments}</article>'
        )
    elif story.template == "tabloid":  # the story split around an ad and a sign-up box
        half = len(text.paragraphs) // 2
        first = _paragraphs_html(text.paragraphs[:half], gap)
        rest = _paragraphs_html(text.paragraphs[half:], gap)
        main = (
            f'<div class="page-wrap"><div class="headline-box"><h1 class="headline">{title}</h1></div>'
            f'<div class="author-byline"><span class="byline">{byline}</span>{updated}</div>'
            f'<div class="story-content">{first}{ad}{NEWSLETTER}{rest}</div>{share}{comments}</div>'
        )
    elif story.template == "wire":  # bare markup, as wire services syndicate it
        main = (
            f'<div id="story"><h1>{title}</h1><div class="byline">{byline}</div>'
            f'<div id="story-text">{body}</div></div>'
        )
    else:  # modern: a component per block, as some large outlets build pages
        blocks = gap.join(f'<div data-component="text-block"><p>{_e(p)}</p></div>' for p in text.paragraphs)
        main = (
            f'<main id="main-content"><article><div data-component="headline-block">'
            f'<h1 id="main-heading">{title}</h1></div><div data-component="byline-block">'
            f'<span class="byline">{byline}</span></div>{updated}{blocks}{gap}{ad}'
            f'<div data-component="links-block">{aside}</div></article></main>'
        )
    head = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | The Newsroom</title>'
        f'<link rel="canonical" href="{_e(story.path(epoch))}"><meta property="og:title" content="{title}">'
        f'<script type="application/ld+json">{json_ld}</script>{room.padding}</head>'
    )
    return f"{head}<body>{NAV}{gap}{main}{gap}{aside}{NEWSLETTER}{footer}</body></html>"


def render_section(room: Newsroom, ids: list[int], title: str) -> str:
    epoch = room.clock.start
    items = "".join(
        f'<li><a href="{_e(room.story(i).path(epoch))}">{_e(room.story(i).first.title)}</a></li>' for i in ids
    )
    nav = "".join(f'<a href="/section/{s}/">{s.title()}</a> ' for s in SECTIONS)
    return (
        f"<!doctype html><html><head><title>{_e(title)}</title></head><body><nav>{nav}</nav>"
        f'<h1>{_e(title)}</h1><ul class="stories">{items}</ul></body></html>'
    )


def render_feed(room: Newsroom, ids: list[int], atom: bool, base: str) -> str:
    epoch = room.clock.start
    entries = []
    for i in ids:
        story = room.story(i)
        title, link = _e(story.first.title), _e(base + story.path(epoch))
        when = epoch + timedelta(seconds=story.published)
        if atom:
            entries.append(
                f'<entry><title>{title}</title><id>urn:newsroom:{i}</id><link href="{link}"/>'
                f"<updated>{when.isoformat()}</updated></entry>"
            )
        else:
            entries.append(
                f"<item><title>{title}</title><link>{link}</link><guid>urn:newsroom:{i}</guid>"
                f"<pubDate>{format_datetime(when)}</pubDate></item>"
            )
    if atom:
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>The Newsroom</title><id>urn:newsroom</id>"
            f"<updated>{room.clock.now().isoformat()}</updated>"
            f"{''.join(entries)}</feed>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>The Newsroom</title>'
        f"<link>{_e(base)}/</link><description>News</description>{''.join(entries)}</channel></rss>"
    )


# --- serving --------------------------------------------------------------------------------------------

FEED_SIZE = 50


class NewsroomServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many trackers at once: a deep accept queue rather than refused connections.
    request_queue_size = 1024

    def __init__(self, room: Newsroom, address: tuple[str, int]) -> None:
        self.room = room
        super().__init__(address, Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A tracker that hangs up early (a size cap, a timeout) is not the newsroom's error."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm holds the body back
    # until the client's delayed ACK (40 ms) on a kept-alive connection. Web servers set it; so do we.
    disable_nagle_algorithm = True
    server: NewsroomServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/_newsroom/clock":
            clock = self.server.room.clock
            if "advance" in query:
                clock.offset += float(query["advance"][0])
            self._send(
                200,
                json.dumps({"now": clock.now().isoformat(), "seconds": clock.seconds()}),
                "application/json",
            )
            return
        if parts.path == "/_newsroom/mode":
            room = self.server.room
            room.churn = query.get("churn", ["1" if room.churn else "0"])[0] == "1"
            room.rewrite = query.get("rewrite", ["1" if room.rewrite else "0"])[0] == "1"
            room.edition = int(query.get("edition", [room.edition])[0])
            room.delay = float(query.get("delay", [room.delay])[0])
            mode = {
                "churn": room.churn,
                "rewrite": room.rewrite,
                "edition": room.edition,
                "delay": room.delay,
            }
            self._send(200, json.dumps(mode), "application/json")
            return
        self._send(404, "not found", "text/plain")

    def do_GET(self) -> None:
        room = self.server.room
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        now = room.clock.seconds()
        base = f"http://{self.headers.get('Host', '127.0.0.1')}"
        if path == "/_newsroom/truth.json":
            at = float(query["at"][0]) if "at" in query else now
            ids = [int(i) for i in query["ids"][0].split(",") if i] if "ids" in query else None
            self._send(200, json.dumps(room.truth(at, ids)), "application/json")
        elif path == "/_newsroom/served.json":
            with room.lock:
                served = {str(k): v for k, v in room.served.items()}
            self._send(200, json.dumps(served), "application/json")
        elif path == "/_newsroom/clock":
            self._send(
                200, json.dumps({"now": room.clock.now().isoformat(), "seconds": now}), "application/json"
            )
        elif path in ("/robots.txt",):
            self._send(200, "User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/":
            self._send(
                200,
                render_section(room, room.visible(now)[:FEED_SIZE], "The Newsroom"),
                "text/html; charset=utf-8",
            )
        elif path.startswith("/section/"):
            section = path.strip("/").split("/")[-1]
            ids = [i for i in room.visible(now)[: FEED_SIZE * 10] if room.story(i).section == section][
                :FEED_SIZE
            ]
            self._send(200, render_section(room, ids, section.title()), "text/html; charset=utf-8")
        elif path in ("/feeds/all.rss", "/feeds/all.atom"):
            atom = path.endswith(".atom")
            body = render_feed(room, room.visible(now)[:FEED_SIZE], atom, base)
            self._send(200, body, "application/atom+xml" if atom else "application/rss+xml")
        elif path.startswith("/story/"):  # old short links, moved for good
            story = self._story(path.rsplit("/", 1)[-1])
            if story is None:
                self._send(404, "not found", "text/plain")
            else:
                self._redirect(story.path(room.clock.start))
        elif path.startswith("/news/"):
            story = self._story(path.removesuffix("/").rsplit("-", 1)[-1])
            if story is None or story.path(room.clock.start) not in (path, path.removesuffix("/")):
                self._send(404, "<h1>Not found</h1>", "text/html")
            else:
                self._article(room, story, now - story.published, moved=path.endswith("/"))
        else:
            self._send(404, "<h1>Not found</h1>", "text/html")

    def _story(self, raw_id: str) -> Story | None:
        room = self.server.room
        if not raw_id.isdigit() or not 0 <= int(raw_id) < room.count:
            return None
        story = room.story(int(raw_id))
        return story if room.clock.seconds() >= story.published else None

    def _article(self, room: Newsroom, story: Story, age: float, moved: bool) -> None:
        status = room.status(story, age)
        if status != 200:
            self._send(status, "<h1>Gone</h1>" if status == 410 else "<h1>Not found</h1>", "text/html")
            return
        request = room.next_request(story.id)
        faulty = story.fault and age >= story.fault_after
        if faulty and story.fault == "error500" and request % 3 == 0:
            self._send(500, "<h1>Internal error</h1>", "text/html")
            return
        if faulty and story.fault == "moved" and not moved:
            # Moved for good, to an address that answers with the same story (a re-slugged URL).
            self._redirect(story.path(room.clock.start) + "/")
            return
        if faulty and story.fault == "binary":
            self._send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40, "application/pdf")
            return
        if faulty and story.fault == "slow":
            time.sleep(1.5)
        if room.delay:
            time.sleep(room.delay)
        text = room.text_for(story, age, request)
        room.log_served(story.id, text)
        page = render(room, story, text, Chrome.for_request(room, story, request, age), age)
        if faulty and story.fault == "huge":
            page = page.replace("</body>", "<!--" + "x" * 6_000_000 + "--></body>")
        content_type = "text/html; charset=utf-8"
        if story.fault == "charset":  # declares Latin-1 but sends UTF-8, as misconfigured servers do
            content_type = "text/html; charset=iso-8859-1"
        headers: dict[str, str] = {}
        if story.template in CONDITIONAL_TEMPLATES and not room.churn:
            validator = hashlib.sha256(page.encode()).hexdigest()[:32]
            edits = [e for e in story.edits if e.at <= age]
            changed = room.clock.start + timedelta(seconds=story.published + (edits[-1].at if edits else 0))
            headers = {
                "ETag": f'"{validator}"',
                "Last-Modified": format_datetime(changed.astimezone(UTC), usegmt=True),
            }
            if self.headers.get("If-None-Match") == headers["ETag"]:
                self._send(304, b"", None, headers)
                return
        self._send(200, page, content_type, headers)

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(
        self, status: int, body: str | bytes, content_type: str | None, headers: dict[str, str] | None = None
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 304:
            self.wfile.write(data)


def serve(room: Newsroom, host: str = "127.0.0.1", port: int = 0) -> tuple[NewsroomServer, threading.Thread]:
    """Start serving ``room`` in a background thread; the server's address says which port it got."""
    server = NewsroomServer(room, (host, port))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread
