"""Spurious and missed versions on real pages: chrome churn must never change the content hash, and a
one-word edit of the story always must.

    .venv/bin/python bench/churn.py [--loads N] [--unnamed-loads M] [--snippets DIR]

Pages: the 61 of the extraction corpus (in the repo), the saved site pages, and the 990 of the snippet
corpus (../shared/corpus/snippets; its held-out split, ids ending in 0 or 1, reported apart). For every
page, N reloads are made the way news sites vary between requests, a few of these each time with other
contents: ad slots, related-link and most-read boxes inside the story, share counts, newsletter boxes,
"updated N minutes ago" lines and <time>s beside the headline, ages in the page's language ("vor 9
Minuten", "hace 5 minutos") between paragraphs, inline "Read more:" promos between body
paragraphs, view and comment counters, cookie and paywall banners, lazy-image placeholders; then class
names and ids rotated, attributes reordered and whitespace between tags changed. Then, for each of 13
kinds of such boxes under names that say nothing (a build's hash, "css-1x2y3z"), M reloads (2 unless
told) with boxes of that kind alone, reported apart as "unnamed boxes": only what a box holds can tell it
from the story there. Each reload goes through
the text side of a check (``extract``, ``ArticleText.from_parts`` with the social headline, the content
hash, then the minor-edit rule): a hash that differs from the first load's would have stored a version,
visible (an edit) or hidden (minor). Then one word is changed in the first, a middle and the last body
paragraph, and in a list item and a block quote of the story where it has them: each must change the
hash, or that edit would be missed. Writes bench/results/churn.json.
"""

import contextlib
import gzip
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import BASE_DIR, DEFAULT_CORPUS, SHARED_CORPORA, corpus_folder  # noqa: I001  (Django first)

import lxml.html
from lxml.html import HtmlElement

from articles.extraction import FORM_FEED_AS_SPACE, NOT_XML, extract
from articles.extraction.document import _open_self_closed
from articles.fetching import decode_html
from articles.normalising import ArticleText
from newsroom import edits

PAGES_DIR = BASE_DIR / "articles" / "tests" / "pages"
WORD = re.compile(r"\b[a-z]{5,}\b")
BLOCKS = frozenset(
    (
        "p", "div", "section", "article", "aside", "header", "footer", "nav", "ul", "ol", "li", "h1", "h2",
        "h3", "h4", "table", "tr", "figure",
    )
)  # fmt: skip


UTF8 = lxml.html.HTMLParser(encoding="utf-8")


def tree(html: str) -> lxml.html.HtmlElement:
    """The page's tree, from bytes (lxml refuses a str that declares an XML encoding, as real pages do),
    without the control bytes it would refuse to write back, a "self-closed" <script/> opened as a browser
    opens it (as the extractor reads it: written back otherwise, its code would become the page's text)."""
    data = html.encode("utf-8", "replace").translate(FORM_FEED_AS_SPACE, NOT_XML)
    return lxml.html.fromstring(_open_self_closed(data), parser=UTF8)


def chrome(rng: random.Random, n: int) -> HtmlElement:
    """One box of the kind templates put between a story's paragraphs, different on every load."""
    boxes = [
        f'<div class="ad-slot" data-slot="{rng.randrange(10**6)}"><span>Advertisement</span>'
        f"<p>Sponsored: offer {rng.randrange(1000)} ends soon</p></div>",
        f'<aside class="related-links"><h3>Related</h3><ul><li><a href="/r/{rng.randrange(10**6)}">'
        f"Story number {rng.randrange(1000)} you may have missed</a></li></ul></aside>",
        f'<div class="share-bar"><a href="#">Share</a><span class="count">{rng.randrange(10**5)} shares'
        "</span></div>",
        f'<div class="newsletter-signup"><p>Get the briefing, issue {n}, in your inbox.</p>'
        "<button>Sign up</button></div>",
        f'<p class="timestamp"><time datetime="2026-11-26T10:{n % 60:02d}">Updated {n} minutes ago</time>'
        "</p>",
        f'<div class="most-read"><p>Most read: {rng.randrange(1000)} people are reading this</p></div>',
        f'<p><strong>Read more:</strong> <a href="/story/{rng.randrange(10**6)}">Council story number '
        f"{rng.randrange(1000)} explained in full</a></p>",
        f"<p>{rng.randrange(10**5):,} views · {rng.randrange(500)} comments</p>",
        f'<div class="cookie-banner"><p>We use cookies to improve your visit (id {rng.randrange(10**6)}).'
        "</p></div>",
        f'<div class="paywall-prompt"><p>You have {rng.randrange(1, 10)} free articles left this month.</p>'
        "</div>",
        f'<figure class="lazy"><img src="data:image/gif;base64,R0lGOD{rng.randrange(10**6)}" '
        f'data-src="/img/{rng.randrange(10**6)}.jpg" alt=""></figure>',
        f'<p class="meta">By the newsroom · <time datetime="2026-11-26T10:{n % 60:02d}">{rng.choice(AGES)}'
        "</time></p>",
        # An age in the page's own language, in a paragraph named as nothing.
        f"<p>{rng.choice(FOREIGN_AGES).format(n=rng.randrange(2, 59))}</p>",
    ]
    return lxml.html.fragment_fromstring(rng.choice(boxes))


AGES = ("just now", "2 minutes ago", "an hour ago", "5 hours ago", "Updated 14:02 GMT", "yesterday at 9:15")
FOREIGN_AGES = (
    "Aktualisiert vor {n} Minuten",
    "vor einer Stunde",
    "Stand: 26.11.2026, 10:{n} Uhr",
    "hace {n} minutos",
    "Actualizado el 26 de noviembre a las 10:{n}",
    "il y a {n} minutes",
    "Mis à jour le 26 novembre à 10h{n}",
    "há {n} minutos",
    "{n} minuti fa",
    "{n} minuten geleden",
    "{n} minut temu",
)
KINDS = 13  # the boxes above


def unnamed_chrome(rng: random.Random, n: int, kind: int) -> HtmlElement:
    """A box of one of UNNAMED_KINDS kinds, as above but under a name that says nothing (a build's hash, as
    CSS-in-JS templates name every box): only what it holds can tell it from the story. The kinds were
    written before the reader had a rule for them; a poll's results with no control to vote is one."""

    def name() -> str:
        return f"css-{rng.randrange(16**6):06x}"

    k, box = rng.randrange(1000), f'<div class="{name()}">'
    label = rng.choice(
        ["Lesen Sie auch:", "Lire aussi :", "Lee también:", "ALSO READ:", "Mehr zum Thema:", "Related:"]
    )
    ad = rng.choice(
        ["ADVERTISEMENT", "Anzeige", "Publicidad", "Continue reading below", "Advertisement - scroll on"]
    )
    teaser, offer = f"https://ads.example/{k}", f"https://ads.example/{k + 7}"
    boxes = [
        f'<p><b>{label}</b> <a href="/a/{rng.randrange(10**6)}">Another story headline number {k} about the '
        "city council</a></p>",
        f'<p class="{name()}"><a href="/story/{rng.randrange(10**6)}">Mayor says the bridge plan number {k} '
        "will go ahead next year</a></p>",
        f'{box}<h4>More on this story</h4><ul><li><a href="/b/{k}">Story {k} you may have missed</a></li>'
        f'<li><a href="/b/{k + 1}">And story {k + 1} from yesterday evening</a></li></ul></div>',
        f"{box}<p>{ad}</p></div>",
        f"{box}<span>{rng.randrange(1, 99)}.{rng.randrange(10)}K</span> shares "
        f"<span>{rng.randrange(500)} Kommentare</span></div>",
        f"{box}<span>{rng.choice(['Updated', 'Published', 'Last updated'])} "
        f"{rng.randrange(2, 23)} hours ago</span></div>",
        f"{box}<button>Listen to this article</button> <span>{rng.randrange(2, 12)} min</span></div>",
        f'<p class="{name()}">LIVE · {rng.randrange(10**4):,} watching now</p>',
        f"{box}<h3>Sign up for our newsletter</h3><p>Get the top stories every morning, issue {n}.</p>"
        f'<form><input type="email" name="e{k}"><button>Subscribe</button></form></div>',
        f"{box}<p>Poll: Do you agree with the council?</p><ul><li>Yes {rng.randrange(100)}%</li>"
        f"<li>No {rng.randrange(100)}%</li></ul><p>{rng.randrange(10**4)} votes</p></div>",
        f'{box}<p>You may like</p><p><a href="{teaser}">Doctors stunned: this simple trick number {k} melts '
        f'away belly fat overnight</a></p><p><a href="{offer}">Homeowners in your area are switching to '
        f"solar, see offer {k + 7}</a></p></div>",
        f"{box}DAX {rng.randrange(14000, 16000)},{rng.randrange(100):02d} "
        f"{rng.choice('+-')}{rng.randrange(3)},{rng.randrange(100):02d} %</div>",
        f"{box}<p>Subscribe now for only €{rng.randrange(1, 10)},99 a month. Cancel anytime.</p>"
        '<a href="/abo">Subscribe</a></div>',
    ]
    return lxml.html.fragment_fromstring(boxes[kind])


UNNAMED_KINDS = 13


def rotate_names(element: HtmlElement, rng: random.Random) -> None:
    """Build tools append hashes to class names and ids (css-1x2y3z) that change with every deploy."""
    for name in ("class", "id"):
        value = element.get(name)
        if value and rng.random() < 0.3:
            words = value.split()
            element.set(
                name, " ".join([f"{word}-{rng.randrange(16**6):06x}" for word in words[:1]] + words[1:])
            )


def churned(html: str, seed: int, unnamed: int | None = None) -> str:
    """The page as load ``seed`` serves it: with the named kinds of chrome, or with boxes of the unnamed
    kind ``unnamed``."""
    rng = random.Random(seed)

    def box_of_chrome(rng: random.Random, n: int) -> HtmlElement:
        return chrome(rng, n) if unnamed is None else unnamed_chrome(rng, n, unnamed)

    root = tree(html)
    # Between the story's own paragraphs, where templates put them: not inside a quote, list or table.
    paragraphs = root.xpath(
        "//p[string-length(normalize-space()) > 40]"
        "[not(ancestor::blockquote or ancestor::li or ancestor::td)]"
    )
    for paragraph in rng.sample(paragraphs, min(len(paragraphs), 4)):
        # Right after the paragraph's end tag, as a template writes it: text that followed the paragraph
        # (lxml keeps it as the paragraph's tail) now follows the box.
        box = box_of_chrome(rng, seed)
        box.tail, paragraph.tail = paragraph.tail, None
        paragraph.addnext(box)
    heading = next(iter(root.iter("h1")), None)
    if heading is not None:  # a relative age in a line of its own under the headline, as headers show it
        heading.addnext(lxml.html.fragment_fromstring(f"<div><time>{rng.choice(AGES)}</time></div>"))
    for element in root.iter():
        if isinstance(element.tag, str) and rng.random() < 0.05:
            rotate_names(element, rng)
        if isinstance(element.tag, str) and len(element.attrib) > 1:
            items = list(element.attrib.items())
            rng.shuffle(items)
            element.attrib.clear()
            for name, value in items:
                # A name lxml reads but will not write again (real pages have them) is left out.
                with contextlib.suppress(ValueError):
                    element.set(name, value)
        # Right after a block's end only: a space before an inline element shows on screen, so it is an edit.
        if rng.random() < 0.1 and element.tag in BLOCKS:
            element.tail = rng.choice(["\n", "  ", "\n\t"]) + (element.tail or "")
    return lxml.html.tostring(root, encoding="unicode")


def edited(html: str, paragraph: str, rng: random.Random) -> str | None:
    """The page with one word of ``paragraph`` (edits.pick_words chooses which) replaced where it stands in
    the page's text (a text node that holds it once, outside scripts) by the word reversed, or None if no
    word of it is found in exactly one text node."""
    root = tree(html)
    folded = " ".join(paragraph.split())
    slots = {}  # word → (element, "text" or "tail")
    for word in dict.fromkeys(WORD.findall(paragraph)):
        pattern = re.compile(rf"\b{word}\b")
        found = [
            (element, where)
            for element in root.iter()
            if isinstance(element.tag, str)
            for where in ("text", "tail")
            if pattern.search(getattr(element, where) or "")
            and not is_code(element if where == "text" else element.getparent())
        ]
        # The one place the word is written, and that place is this paragraph: not a reader's comment
        # quoting the story, nor the page's other copy of a word the story splits with markup.
        if len(found) == 1 and in_paragraph(*found[0], folded):
            slots[word] = found[0]
    picked = edits.pick_words(paragraph, rng, 1, eligible=slots.__contains__)
    if not picked:
        return None
    word = picked[0].group()
    element, where = slots[word]
    # Reversed, and longer: no normalisation folds it back into the word.
    setattr(element, where, re.sub(rf"\b{word}\b", word[::-1] + "x", getattr(element, where), count=1))
    return lxml.html.tostring(root, encoding="unicode")


def is_code(element: HtmlElement | None) -> bool:
    """Text no reader sees as the page's text. A story shipped as an HTML template (Blogger's
    <script type="text/template">, read by the extractor) is the page's text, and a place a word is
    written: a page that writes the story there and again in <noscript> has two."""
    if element is None or element.tag in ("style", "title"):
        return True
    return element.tag == "script" and element.get("type") != "text/template"


def in_paragraph(element: HtmlElement, where: str, paragraph: str) -> bool:
    owner = element if where == "text" else element.getparent()
    text = " ".join(owner.text_content().split()) if owner is not None else ""
    return bool(text) and (text in paragraph or paragraph in text)


def read(html: str, url: str) -> ArticleText:
    """The text a check would compare (the check path after the fetch)."""
    result = extract(html, url)
    return ArticleText.from_parts(result.title, result.byline, result.paragraphs, result.social_title)


def extraction_pages(corpus: Path) -> list[tuple[str, str, str]]:
    truth = json.loads((corpus / "ground-truth.json").read_text())
    found = [
        (
            pid,
            record["url"],
            gzip.decompress((corpus / "html" / f"{pid}.html.gz").read_bytes()).decode("utf-8"),
        )
        for pid, record in sorted(truth.items())
    ]
    hosts = {"guardian": "www.theguardian.com", "washingtonpost": "www.washingtonpost.com"}
    hosts |= {"reuters": "www.reuters.com", "aljazeera": "www.aljazeera.com"}
    for path in sorted(PAGES_DIR.glob("*.html")):
        found.append(
            (path.stem, f"https://{hosts.get(path.stem, 'example.com')}/saved/{path.stem}", path.read_text())
        )
    return found


def snippet_pages(corpus: Path) -> list[tuple[str, str, str]]:
    truth = json.loads((corpus / "ground-truth.json").read_text())
    return [
        (
            pid,
            record["url"],
            decode_html(gzip.decompress((corpus / "html" / f"{pid}.html.gz").read_bytes()), None),
        )
        for pid, record in sorted(truth.items())
    ]


def edit_targets(html: str, story: list[str]) -> dict[str, str]:
    """The story paragraphs a one-word edit is tried in: first, middle, last, a list item, a block quote."""
    long = [p for p in story if len(WORD.findall(p)) >= 3]
    targets: dict[str, str] = {}
    if long:
        targets |= {"first": long[0], "middle": long[len(long) // 2], "last": long[-1]}
    root = tree(html)
    texts = set(story)
    for tag, name in (("li", "list item"), ("blockquote", "block quote")):
        for element in root.iter(tag):
            text = " ".join(element.text_content().split())
            if text in texts and len(WORD.findall(text)) >= 3:
                targets[name] = text
                break
    return targets


def measure(pages: list[tuple[str, str, str]], loads: int, unnamed_loads: int) -> dict[str, object]:
    # Per family of chrome (the named kinds mixed, then each unnamed kind alone): loads, visible and hidden
    # spurious versions, and the pages they were on.
    families: dict[str, dict[str, Any]] = {
        family: {"loads": 0, "visible": 0, "hidden": 0, "pages": []}
        for family in ("named", *(f"unnamed {kind}" for kind in range(UNNAMED_KINDS)))
    }
    edits: dict[str, int] = {}
    missed: dict[str, list[str]] = {}
    for index, (pid, url, html) in enumerate(pages):
        base = read(html, url)
        if base.is_empty:
            continue  # nothing read: no version to protect (counted as pages without a story)
        for family, counts in families.items():
            kind = None if family == "named" else int(family.split()[1])
            bad = 0
            for n in range(1, (loads if kind is None else unnamed_loads) + 1):
                text = read(churned(html, index * 1000 + n, kind), url)
                counts["loads"] += 1
                if text.content_hash != base.content_hash:
                    bad += 1
                    counts["hidden" if text.skeleton == base.skeleton else "visible"] += 1
            if bad:
                counts["pages"].append(pid)
        # Against the same page re-serialised unedited, so that only the word can make the difference.
        unedited = read(lxml.html.tostring(tree(html), encoding="unicode"), url).content_hash
        rng = random.Random(index)
        for where, paragraph in edit_targets(html, list(base.paragraphs)).items():
            page = edited(html, paragraph, rng)
            if page is None:
                continue
            edits[where] = edits.get(where, 0) + 1
            if read(page, url).content_hash == unedited:
                missed.setdefault(where, []).append(pid)
    named = families.pop("named")
    return {
        "pages": len(pages),
        "churned_loads": named["loads"],
        "spurious_visible": named["visible"],
        "spurious_hidden": named["hidden"],
        "pages_with_spurious_versions": named["pages"],
        "unnamed_churned_loads": sum(counts["loads"] for counts in families.values()),
        "unnamed_spurious_visible": sum(counts["visible"] for counts in families.values()),
        "unnamed_spurious_hidden": sum(counts["hidden"] for counts in families.values()),
        "unnamed_by_kind": families,
        "one_word_edits": edits,
        "missed_edits": {where: len(ids) for where, ids in missed.items()},
        "missed_pages": missed,
    }


def option(name: str, default: int) -> int:
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def main() -> None:
    loads, unnamed_loads = option("--loads", 10), option("--unnamed-loads", 2)
    snippets = (
        Path(sys.argv[sys.argv.index("--snippets") + 1])
        if "--snippets" in sys.argv
        else SHARED_CORPORA / "snippets"
    )
    start = time.perf_counter()
    snippet = snippet_pages(corpus_folder(snippets))
    groups = {
        "extraction corpus and saved pages": extraction_pages(corpus_folder(DEFAULT_CORPUS)),
        "snippet corpus, development": [p for p in snippet if p[0][-1] not in "01"],
        "snippet corpus, held out": [p for p in snippet if p[0][-1] in "01"],
    }
    results: dict[str, dict[str, Any]] = {}
    for name, pages in groups.items():
        results[name] = measure(pages, loads, unnamed_loads)
        row = results[name]
        by_kind = ", ".join(
            f"{family.split()[1]}: {counts['visible'] + counts['hidden']}"
            for family, counts in row["unnamed_by_kind"].items()
        )
        print(
            f"{name}: {row['pages']} pages, {row['churned_loads']} churned loads ({KINDS} kinds of chrome), "
            f"spurious versions {row['spurious_visible']} visible + {row['spurious_hidden']} hidden "
            f"on {len(row['pages_with_spurious_versions'])} pages; one-word edits {row['one_word_edits']}, "
            f"missed {row['missed_edits']}; unnamed boxes ({UNNAMED_KINDS} kinds, {unnamed_loads} loads "
            "each): "
            f"{row['unnamed_churned_loads']} loads, spurious {row['unnamed_spurious_visible']} visible + "
            f"{row['unnamed_spurious_hidden']} hidden (by kind {by_kind})"
        )
    summary = {
        "loads_per_page": loads,
        "unnamed_loads_per_kind": unnamed_loads,
        "results": results,
        "seconds": round(time.perf_counter() - start, 1),
    }
    (BASE_DIR / "bench" / "results" / "churn.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{summary['seconds']} s; wrote bench/results/churn.json")


if __name__ == "__main__":
    main()
