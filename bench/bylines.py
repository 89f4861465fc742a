"""How often the byline we read is the one a reader sees, on pages whose visible byline the team labelled
by hand (the credited names, "" where the page credits no one, and where on the page the credit is shown):
all 61 pages of the extraction corpus (bench/data/extraction-bylines.json) and 595 pages of the snippet
corpus (bench/data/snippet-bylines.json; its pages are read from ../shared/corpus/snippets): 120 drawn at
random from its development split, then 75 more drawn with random.Random(20261207).sample from the ids
ending in 2, 4, 5, 6, 8 or 9 not yet labelled, then 100 more the same way with each of
random.Random(20261208), (20261209), (20261210) and (20261211). Each batch was labelled from the pages alone
before any rule was written for it: the release before a batch's rules, scored on it, is the honest
measure of how the reader does on pages it has not seen.

    .venv/bin/python bench/bylines.py [SNIPPET_CORPUS_DIR] [--others]

A page matches when the set of names is the same after folding case, punctuation, "By"/"Von"/"Par" and the
joining words ("and", "und", "et", commas). Held out, scored but never read while tuning: snippet pages
whose id ends in 3 or 7, extraction pages whose id starts with 0-3. ``--others`` also scores trafilatura's
author field. Writes bench/results/bylines.json.
"""

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import BASE_DIR, DEFAULT_CORPUS, SHARED_CORPORA, corpus_folder  # noqa: I001  (Django first)

from articles.extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION, extract
from bench import extraction, snippets

DATA = BASE_DIR / "bench" / "data"
CREDIT_WORDS = re.compile(
    r"^(?:(?:written\s+)?by|von|par|door|di|por|de|text|texte|autor(?:in)?|author|verfasst\s+von)\b[\s:]*",
    re.IGNORECASE,
)
JOINS = re.compile(r"\s*(?:[,;/&|·]|\b(?:and|und|et|y|e|i|og|en)\b)\s*", re.IGNORECASE)
NOT_A_NAME = re.compile(r"[^\w\s'’.-]+")


def names(byline: str) -> frozenset[str]:
    text = CREDIT_WORDS.sub("", " ".join(byline.split()))
    found = set()
    for part in JOINS.split(text):
        name = " ".join(NOT_A_NAME.sub(" ", part).split()).strip(" .-").casefold()
        if name:
            found.add(name)
    return frozenset(found)


def held_out(page_id: str) -> bool:
    # Snippet ids are "0000".."0989"; extraction ids are SHA-256 hex digests.
    return page_id[-1] in "37" if len(page_id) == 4 else page_id[0] in "0123"


def ours(html: str, url: str) -> str:
    return extract(html, url).byline


def trafilatura_byline(html: str, url: str) -> str:
    from trafilatura import extract_metadata

    meta = extract_metadata(html, default_url=url)
    return (meta.author or "") if meta else ""


def score(pages: list[tuple[str, str, str, str]], reader: Callable[[str, str], str]) -> dict[str, object]:
    matched, misses, seconds = 0, [], 0.0
    for page_id, url, html, label in pages:
        start = time.perf_counter()
        got = reader(html, url)
        seconds += time.perf_counter() - start
        if names(got) == names(label):
            matched += 1
        else:
            misses.append({"id": page_id, "label": label, "read": got})
    return {
        "pages": len(pages),
        "with_byline": sum(1 for *_, label in pages if label),
        "matched": matched,
        "match_rate": round(matched / len(pages), 3),
        "ms_per_page": round(1000 * seconds / len(pages), 1),
        "misses": misses,
    }


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = corpus_folder(Path(args[0]) if args else SHARED_CORPORA / "snippets")
    labels: dict[str, str] = {}
    for name in ("extraction-bylines.json", "snippet-bylines.json"):
        labels |= {k: v["byline"] for k, v in json.loads((DATA / name).read_text()).items()}
    pages = [(p[0], p[1], p[2], labels[p[0]]) for p in extraction.load(DEFAULT_CORPUS)]
    pages += [(p[0], p[1], p[2], labels[p[0]]) for p in snippets.load(corpus) if p[0] in labels]
    splits = {
        "development": [p for p in pages if not held_out(p[0])],
        "held out": [p for p in pages if held_out(p[0])],
    }
    readers: dict[str, Callable[[str, str], str]] = {f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}": ours}
    if "--others" in sys.argv:
        readers["trafilatura"] = trafilatura_byline
    results: dict[str, dict[str, object]] = {}
    print(f"{len(pages)} labelled pages from {corpus}")
    print(f"{'reader':<20} {'split':<12} {'pages':>5} {'bylines':>7} {'matched':>7} {'rate':>6}")
    for name, reader in readers.items():
        for split, chosen in splits.items():
            row = results.setdefault(name, {})[split] = score(chosen, reader)
            if split == "held out":
                del row["misses"]  # scored, never read: the misses stay unseen
            print(
                f"{name:<20} {split:<12} {row['pages']:>5} {row['with_byline']:>7} {row['matched']:>7} "
                f"{row['match_rate']:>6}"
            )
    out = BASE_DIR / "bench" / "results" / "bylines.json"
    report = {"corpus": str(corpus), "results": results}
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
