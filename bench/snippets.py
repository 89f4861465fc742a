"""Score article extractors on the 990-page snippet corpus (../shared/corpus/snippets, Apache-2.0; see its
README for the metric): for every page, the body must contain each "with" snippet and none of the
"without" ones; precision, recall and F1 summed over pages, and the time per page.

    .venv/bin/python bench/snippets.py [CORPUS_DIR] [--others]

Two splits, fixed by page id: pages whose id ends in 0 or 1 are held out (scored, never read while
tuning the extractor); the rest are the development split. ``--others`` also scores trafilatura and
readability-lxml (development dependencies) for comparison. Writes bench/results/snippets.json.
"""

import gzip
import json
import logging
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import BASE_DIR, SHARED_CORPORA, corpus_folder  # noqa: I001  (sets Django up first)

from articles.extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION
from articles.fetching import decode_html
from bench.extraction import f1_score, ours, readability_text, trafilatura_text

SPACES = re.compile(r"\s+")
Page = tuple[str, str, str, list[str], list[str]]  # id, url, html, with, without


def held_out(page_id: str) -> bool:
    return page_id[-1] in "01"


def load(corpus: Path) -> list[Page]:
    truth = json.loads((corpus / "ground-truth.json").read_text())
    pages = []
    for page_id, record in sorted(truth.items()):
        raw = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        # Decoded as the fetcher decodes a page that declares no charset in its headers.
        pages.append((page_id, record["url"], decode_html(raw, None), record["with"], record["without"]))
    return pages


def counts(body: str, with_: list[str], without: list[str]) -> tuple[int, int, int]:
    """True positives, false negatives, false positives of one page."""
    text = SPACES.sub(" ", body)
    found = [SPACES.sub(" ", snippet).strip() in text for snippet in with_]
    wrong = [SPACES.sub(" ", snippet).strip() in text for snippet in without]
    return sum(found), len(found) - sum(found), sum(wrong)


def run(pages: list[Page], extractor: Callable[[str, str], str]) -> dict[str, object]:
    tp = fn = fp = 0
    seconds = []
    for _, url, html, with_, without in pages:
        start = time.perf_counter()
        body = extractor(html, url)
        seconds.append(time.perf_counter() - start)
        a, b, c = counts(body, with_, without)
        tp, fn, fp = tp + a, fn + b, fp + c
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "pages": len(pages),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1_score(precision, recall), 3),
        "ms_per_page": round(1000 * statistics.fmean(seconds), 1),
    }


def main() -> None:
    logging.getLogger("readability").setLevel(logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = corpus_folder(Path(args[0]) if args else SHARED_CORPORA / "snippets")
    pages = load(corpus)
    splits = {
        "development": [p for p in pages if not held_out(p[0])],
        "held out": [p for p in pages if held_out(p[0])],
    }
    extractors: dict[str, Callable[[str, str], str]] = {f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}": ours}
    if "--others" in sys.argv:
        extractors |= {"trafilatura": trafilatura_text, "readability-lxml": readability_text}
    results: dict[str, dict[str, object]] = {}
    print(f"{len(pages)} pages from {corpus}")
    print(f"{'extractor':<20} {'split':<12} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'ms/page':>8}")
    for name, extractor in extractors.items():
        for split, chosen in splits.items():
            row = results.setdefault(name, {})[split] = run(chosen, extractor)
            print(
                f"{name:<20} {split:<12} {row['pages']:>5} {row['precision']:>6} {row['recall']:>6} "
                f"{row['f1']:>6} {row['ms_per_page']:>8}"
            )
    out = BASE_DIR / "bench" / "results" / "snippets.json"
    out.write_text(json.dumps({"corpus": str(corpus), "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
