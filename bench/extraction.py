"""Score articles.extraction.extract on the shared extraction corpus with its metric (see its README).

    .venv/bin/python bench/extraction.py [CORPUS_DIR]

Prints body precision / recall / F1 (4-token shingles, every page weighted the same), the pages that
score worst, and the extraction speed; writes bench/results/extraction.json.
"""

import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from articles.extraction import EXTRACTOR_NAME, EXTRACTOR_VERSION, extract
from bench.setup import BASE_DIR, DEFAULT_CORPUS

TOKEN = re.compile(r"\w+")


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


def score(corpus: Path) -> tuple[dict[str, object], list[dict[str, object]]]:
    truth = json.loads((corpus / "ground-truth.json").read_text())
    rows = []
    elapsed = 0.0
    for page_id, record in sorted(truth.items()):
        html = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        start = time.perf_counter()
        result = extract(html, record["url"])
        elapsed += time.perf_counter() - start
        precision, recall = page_scores(record["articleBody"], "\n".join(result.paragraphs))
        rows.append({"id": page_id, "url": record["url"], "precision": precision, "recall": recall})
    precision = sum(r["precision"] for r in rows) / len(rows)
    recall = sum(r["recall"] for r in rows) / len(rows)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    summary = {
        "extractor": f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}",
        "pages": len(rows),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "pages_per_second": round(len(rows) / elapsed, 1),
    }
    return summary, rows


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    summary, rows = score(corpus)
    print(json.dumps(summary, indent=2))
    print("worst pages (precision, recall, url):")
    for row in sorted(rows, key=lambda r: r["precision"] + r["recall"])[:8]:
        print(f"  {row['precision']:.2f} {row['recall']:.2f} {row['url']}")
    out = BASE_DIR / "bench" / "results" / "extraction.json"
    out.write_text(json.dumps({**summary, "per_page": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
