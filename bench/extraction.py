"""Score and time article extractors on the extraction corpus (articles/tests/data/extraction), with its
metric (see its README).

    .venv/bin/python bench/extraction.py [CORPUS_DIR]

For ours (``articles.extraction.extract``, also split into site rules and the generic reader), trafilatura
and readability-lxml: body precision / recall / F1 (4-token shingles, every page weighted the same).
Then, in the same run, the time per page (mean, p50, p95) of each, and of a bare ``lxml.html.fromstring``
of the same page as the floor any extractor starts from. Writes bench/results/extraction.json.

trafilatura and readability-lxml are development dependencies: only this benchmark imports them.
"""

import gzip
import json
import logging
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lxml.html

from articles.extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION, extract
from bench.setup import BASE_DIR, DEFAULT_CORPUS, corpus_folder

TOKEN = re.compile(r"\w+")
# trafilatura's best F1 on this corpus among its documented switches (default, favor_precision,
# favor_recall, include_tables=False, include_comments=False and their pairs): comments left out.
TRAFILATURA_SETTINGS: dict[str, Any] = {"include_comments": False}
# Timing passes per extractor; each page's fastest pass counts, so a stray pause does not.
TIMING_PASSES = 3

Page = tuple[str, str, str, str]  # id, url, html, expected body


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    tokens = TOKEN.findall(text)
    if len(tokens) < size:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def page_scores(expected: str, extracted: str) -> tuple[float, float]:
    want, got = shingles(expected), shingles(extracted)
    if not want and not got:
        return 1.0, 1.0
    if not got:
        return 0.0, 0.0
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def load(corpus: Path) -> list[Page]:
    truth = json.loads((corpus / "ground-truth.json").read_text())
    return [
        (
            page_id,
            record["url"],
            gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8"),
            record["articleBody"],
        )
        for page_id, record in sorted(truth.items())
    ]


def f1_score(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def summarise(rows: list[dict[str, Any]]) -> dict[str, float]:
    precision = statistics.fmean(float(r["precision"]) for r in rows) if rows else 0.0
    recall = statistics.fmean(float(r["recall"]) for r in rows) if rows else 0.0
    return {
        "pages": len(rows),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1_score(precision, recall), 4),
    }


def score(corpus: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Our extractor's scores: the summary over all pages, and one row per page."""
    rows = []
    for page_id, url, html, expected in load(corpus):
        result = extract(html, url)
        precision, recall = page_scores(expected, "\n".join(result.paragraphs))
        rows.append(
            {
                "id": page_id,
                "url": url,
                "extractor": f"{result.extractor}/{result.extractor_version}",
                "precision": round(precision, 4),
                "recall": round(recall, 4),
            }
        )
    return {"extractor": f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}", **summarise(rows)}, rows


def ours(html: str, url: str) -> str:
    return "\n".join(extract(html, url).paragraphs)


def generic_only(html: str, url: str) -> str:
    return "\n".join(extract(html, url, site_rules=False).paragraphs)


def trafilatura_text(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, **TRAFILATURA_SETTINGS) or ""


def readability_text(html: str, url: str) -> str:
    from readability import Document

    summary = Document(html, url=url).summary(html_partial=True)
    return "\n".join(text.strip() for text in lxml.html.fromstring(summary).itertext() if text.strip())


def lxml_parse(html: str, url: str) -> str:
    lxml.html.fromstring(html)
    return ""


def f1_of(pages: list[Page], extractor: Callable[[str, str], str]) -> dict[str, float]:
    rows = []
    for _, url, html, expected in pages:
        precision, recall = page_scores(expected, extractor(html, url))
        rows.append({"precision": precision, "recall": recall})
    return summarise(rows)


def timing(pages: list[Page], extractor: Callable[[str, str], str]) -> dict[str, float]:
    best = [float("inf")] * len(pages)
    for _ in range(TIMING_PASSES):
        for i, (_, url, html, _) in enumerate(pages):
            start = time.perf_counter()
            extractor(html, url)
            best[i] = min(best[i], time.perf_counter() - start)
    ms = sorted(seconds * 1000 for seconds in best)
    return {
        "mean_ms": round(statistics.fmean(ms), 3),
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 3),
    }


def main() -> None:
    # readability logs every page it finds hard at INFO: noise in a benchmark's output.
    logging.getLogger("readability").setLevel(logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    corpus = corpus_folder(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS)
    pages = load(corpus)

    summary, rows = score(corpus)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        kind = "site rules" if str(row["extractor"]).startswith("site:") else "generic"
        by_rule.setdefault(kind, []).append(row)
    accuracy = {
        "ours (extract)": {key: summary[key] for key in ("pages", "precision", "recall", "f1")},
        **{f"ours: pages read by {kind}": summarise(by_rule[kind]) for kind in sorted(by_rule)},
        f"ours: {EXTRACTOR_NAME}/{EXTRACTOR_VERSION} on every page": f1_of(pages, generic_only),
        f"trafilatura {TRAFILATURA_SETTINGS}": f1_of(pages, trafilatura_text),
        "readability-lxml": f1_of(pages, readability_text),
    }
    speed = {
        "lxml.html.fromstring": timing(pages, lxml_parse),
        "ours": timing(pages, ours),
        "trafilatura": timing(pages, trafilatura_text),
        "readability-lxml": timing(pages, readability_text),
    }
    base, mine, theirs = (speed[k]["mean_ms"] for k in ("lxml.html.fromstring", "ours", "trafilatura"))
    ratios = {
        "ours / lxml parse": round(mine / base, 2),
        "trafilatura / lxml parse": round(theirs / base, 2),
        "readability / lxml parse": round(speed["readability-lxml"]["mean_ms"] / base, 2),
        "ours / trafilatura": round(mine / theirs, 3),
    }

    print(f"{len(pages)} pages from {corpus}\n")
    print(f"{'body text':48s} {'pages':>5s} {'P':>7s} {'R':>7s} {'F1':>7s}")
    for name, figures in accuracy.items():
        print(
            f"{name:48s} {figures['pages']:5d} {figures['precision']:7.4f} "
            f"{figures['recall']:7.4f} {figures['f1']:7.4f}"
        )
    heading = f"time per page (best of {TIMING_PASSES} passes)"
    print(f"\n{heading:48s} {'mean':>8s} {'p50':>8s} {'p95':>8s}")
    for name, figures in speed.items():
        print(f"{name:48s} {figures['mean_ms']:6.2f}ms {figures['p50_ms']:6.2f}ms {figures['p95_ms']:6.2f}ms")
    print("\nratios of mean times: " + ", ".join(f"{name} {value}" for name, value in ratios.items()))
    print("\nour worst pages (precision, recall, extractor, url):")
    for row in sorted(rows, key=lambda r: float(r["precision"]) + float(r["recall"]))[:8]:
        print(f"  {row['precision']:.2f} {row['recall']:.2f} {row['extractor']:14s} {row['url']}")

    out = BASE_DIR / "bench" / "results" / "extraction.json"
    results = {
        "corpus": "articles/tests/data/extraction (scrapinghub article-extraction-benchmark subset)",
        "pages": len(pages),
        "trafilatura_settings": TRAFILATURA_SETTINGS,
        "timing_passes": TIMING_PASSES,
        "accuracy": accuracy,
        "speed": speed,
        "ratios": ratios,
        "per_page": rows,
    }
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
