"""Spurious and missed versions on real pages: chrome churn must never change the content hash, and a
one-word edit of the story always must.

    .venv/bin/python bench/churn.py [CORPUS_DIR] [--loads N]

For every corpus page and every saved site page, N reloads are made the way news sites vary between
requests: ad slots, related links, share counts, view counters, "updated N minutes ago" lines and
newsletter boxes inserted next to the story's paragraphs with other contents each time, attributes
reordered, whitespace between tags changed. Each reload is read with ``extract`` and hashed as the
pipeline does (``ArticleText.content_hash``); a hash that differs from the first load's would have been
stored as a version: a spurious one. Then, per page, one word of one story paragraph is changed in the
HTML and the hash must differ: if it does not, that edit would be missed. Writes bench/results/churn.json.
"""

import gzip
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import BASE_DIR, DEFAULT_CORPUS, corpus_folder  # noqa: I001  (sets Django up first)

import lxml.html
from lxml import etree

from articles.extraction import extract
from articles.normalising import ArticleText

PAGES_DIR = BASE_DIR / "articles" / "tests" / "pages"
WORD = re.compile(r"\b[a-z]{5,}\b")
BLOCKS = frozenset(
    (
        "p", "div", "section", "article", "aside", "header", "footer", "nav", "ul", "ol", "li", "h1", "h2",
        "h3", "h4", "table", "tr", "figure",
    )
)  # fmt: skip


def chrome(rng: random.Random, n: int) -> etree._Element:
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
    ]
    return lxml.html.fragment_fromstring(rng.choice(boxes))


def churned(html: str, seed: int) -> str:
    rng = random.Random(seed)
    root = lxml.html.fromstring(html)
    paragraphs = root.xpath("//p[string-length(normalize-space()) > 40]")
    for paragraph in rng.sample(paragraphs, min(len(paragraphs), 4)):
        paragraph.addnext(chrome(rng, seed))
    for element in root.iter():
        if isinstance(element.tag, str) and len(element.attrib) > 1:
            items = list(element.attrib.items())
            rng.shuffle(items)
            element.attrib.clear()
            element.attrib.update(items)
        # Between blocks only: a space after an inline element shows on screen, so it is an edit.
        if rng.random() < 0.1 and element.tag in BLOCKS:
            element.tail = (element.tail or "") + rng.choice(["\n", "  ", "\n\t"])
    return lxml.html.tostring(root, encoding="unicode")


def edited(html: str, paragraph: str, rng: random.Random) -> str | None:
    """The page with one word of ``paragraph`` replaced where it stands in the page's text (a text node
    that holds it once, outside scripts), or None if no word of it is found in exactly one text node."""
    root = lxml.html.fromstring(html)
    slots = []  # (element, "text" or "tail", word)
    for word in dict.fromkeys(WORD.findall(paragraph)):
        pattern = re.compile(rf"\b{word}\b")
        found = [
            (element, where)
            for element in root.iter()
            if isinstance(element.tag, str)
            for where in ("text", "tail")
            if pattern.search(getattr(element, where) or "")
            and (element if where == "text" else element.getparent()).tag not in ("script", "style", "title")
        ]
        if len(found) == 1:
            slots.append((*found[0], word))
    if not slots:
        return None
    element, where, word = rng.choice(slots)
    setattr(element, where, re.sub(rf"\b{word}\b", word[::-1] + "x", getattr(element, where), count=1))
    return lxml.html.tostring(root, encoding="unicode")


def text_hash(html: str, url: str) -> str:
    result = extract(html, url)
    return ArticleText.from_parts(result.title, result.byline, result.paragraphs).content_hash


def pages(corpus: Path) -> list[tuple[str, str]]:
    truth = json.loads((corpus / "ground-truth.json").read_text())
    found = [
        (record["url"], gzip.decompress((corpus / "html" / f"{pid}.html.gz").read_bytes()).decode("utf-8"))
        for pid, record in sorted(truth.items())
    ]
    hosts = {"guardian": "www.theguardian.com", "washingtonpost": "www.washingtonpost.com"}
    hosts |= {"reuters": "www.reuters.com", "aljazeera": "www.aljazeera.com"}
    for path in sorted(PAGES_DIR.glob("*.html")):
        found.append((f"https://{hosts.get(path.stem, 'example.com')}/saved/{path.stem}", path.read_text()))
    return found


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    loads = int(sys.argv[sys.argv.index("--loads") + 1]) if "--loads" in sys.argv else 20
    args = [a for a in args if a != str(loads)]
    corpus = corpus_folder(Path(args[0]) if args else DEFAULT_CORPUS)
    start = time.perf_counter()
    checked = spurious = edits = missed = skipped = 0
    spurious_pages: list[str] = []
    for index, (url, html) in enumerate(pages(corpus)):
        base = text_hash(html, url)
        bad = sum(text_hash(churned(html, index * 1000 + n), url) != base for n in range(1, loads + 1))
        checked += loads
        spurious += bad
        if bad:
            spurious_pages.append(url)
        story = extract(html, url).paragraphs
        rng = random.Random(index)
        candidates = [p for p in story if len(p) > 80]
        page = edited(html, rng.choice(candidates), rng) if candidates else None
        if page is None:
            skipped += 1
            continue
        edits += 1
        # Against the same page re-serialised unedited, so that only the word can make the difference.
        unedited = text_hash(lxml.html.tostring(lxml.html.fromstring(html), encoding="unicode"), url)
        missed += text_hash(page, url) == unedited
    summary = {
        "pages": checked // loads,
        "churned_loads": checked,
        "spurious_versions": spurious,
        "pages_with_spurious_versions": spurious_pages,
        "one_word_edits": edits,
        "missed_edits": missed,
        "pages_without_an_editable_word": skipped,
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(summary, indent=2))
    (BASE_DIR / "bench" / "results" / "churn.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
