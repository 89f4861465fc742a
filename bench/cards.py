"""Share card render time: realistic version pairs, right-to-left and CJK headlines, hostile inputs.

    .venv/bin/python bench/cards.py [--corpus DIR] [--pairs 200] [--runs 3]

Realistic pairs are bench/diffing.py's: the 61 hand-checked bodies of the extraction corpus revised in
NewsEdits-like steps (a few words, a sentence or a paragraph, the headline rewritten, a correction), version
to next and, for a share, first to last. For each pair the diff is made first (diff_texts, as a card not yet
cached finds it in the cache or makes it: bench-diffing measures that), then the card is timed: what it says
(cards.card_for) and drawn and encoded as a PNG (cards.draw_card), fonts already loaded; p50/p95/p99/max are
the medians over --runs runs (other work shares the machine). The same pairs with their headlines in Arabic,
Hebrew, Chinese and Japanese, the first card a process draws (which loads the fonts and reads their cmaps)
and bench/diffing.py's hostile inputs of up to a megabyte are timed too. Writes bench/results/cards.json.
"""

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import BASE_DIR, DEFAULT_CORPUS, corpus_folder  # noqa: I001  (configures Django first)

from articles.cards import card_for, draw_card
from articles.diffing import diff_texts
from articles.normalising import ArticleText
from bench.diffing import hostile_cases, load_corpus, percentiles, realistic_pairs

GOAL_MS = 100.0
GOAL_HOSTILE_S = 1.0
CHANGED_AT = datetime(2026, 12, 6, 14, 2, tzinfo=UTC)
# Headlines before and after, as such sites rewrite them.
SCRIPTS = {
    "Arabic": (
        "رئيس البلدية يفتتح الجسر الجديد بعد عامين من التأخير",
        "رئيس البلدية يغلق الجسر الجديد بعد عامين من التأخير لأسباب تتعلق بالسلامة",
    ),
    "Hebrew": (
        "ראש העיר פותח את הגשר החדש אחרי שנתיים של עיכובים",
        "ראש העיר סוגר את הגשר החדש אחרי שנתיים של עיכובים, בגלל חשש לבטיחות",
    ),
    "Chinese": ("市长在拖延两年后为新桥剪彩", "市长以安全为由关闭拖延两年的新桥"),
    "Japanese": ("市長、2年遅れの新しい橋を開通", "市長、安全上の懸念から2年遅れの新しい橋を閉鎖"),
}


def card_seconds(old: ArticleText, new: ArticleText) -> tuple[float, int]:
    """The time to say and draw the card of an already made diff, and the PNG's size."""
    diff = diff_texts(old, new)
    start = time.perf_counter()
    png = draw_card(card_for(diff, "The Daily Test", CHANGED_AT, 3, 4, new.title, social_changed=False))
    return time.perf_counter() - start, len(png)


def first_card_ms() -> float:
    """The first card of a fresh process: fonts opened, cmaps read (median of three processes)."""
    script = (
        "import time, bench.setup\n"
        "from bench.cards import card_seconds\n"
        "from articles.normalising import ArticleText as T\n"
        "start = time.perf_counter()\n"
        "body = ('It opened.',)\n"
        "card_seconds(T('Mayor opens bridge', 'By A', body), T('Mayor shuts bridge', 'By A', body))\n"
        "print(time.perf_counter() - start)\n"
    )  # fmt: skip
    runs = [
        float(subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, check=True, capture_output=True,
                             text=True).stdout)
        for _ in range(3)
    ]  # fmt: skip
    return round(1000 * statistics.median(runs), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    texts = load_corpus(corpus_folder(args.corpus))
    pairs = realistic_pairs(texts, args.pairs)
    card_seconds(*pairs[0])  # fonts loaded, cmaps read: first_card_ms measures that apart
    timed = [[card_seconds(old, new) for old, new in pairs] for _ in range(args.runs)]
    runs = [percentiles([seconds for seconds, _ in run]) for run in timed]
    realistic = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    sizes = sorted(size for _, size in timed[0])
    headline_cards = sum(old.title != new.title for old, new in pairs)
    print(f"realistic: {len(pairs)} pairs from {len(texts)} articles ({headline_cards} headline changes), "
          f"median of {args.runs} runs")  # fmt: skip
    print("  " + "  ".join(f"{k} {v}" for k, v in realistic.items()) + f"   (goal < {GOAL_MS:.0f} ms)")
    print(f"  PNG: median {sizes[len(sizes) // 2] / 1000:.1f} kB, largest {sizes[-1] / 1000:.1f} kB")

    rng = random.Random(7)
    scripts = {}
    for script, (before, after) in SCRIPTS.items():
        chosen = rng.sample(pairs, 20)
        retitled = [(replace(old, title=before), replace(new, title=after)) for old, new in chosen]
        best = [min(card_seconds(old, new)[0] for _ in range(args.runs)) for old, new in retitled]
        scripts[script] = percentiles(best)
        print(
            f"  {script:8} headlines, 20 pairs: " + "  ".join(f"{k} {v}" for k, v in scripts[script].items())
        )

    print("hostile: each card of bench/diffing.py's inputs up to 1 MB (its diff made first); goal < 1 s")
    hostile = {}
    for name, make in hostile_cases().items():
        old, new = make()
        median = statistics.median(card_seconds(old, new)[0] for _ in range(args.runs))
        hostile[name] = {"ms": round(1000 * median, 1), "within_goal": median < GOAL_HOSTILE_S}
        print(f"  {'ok ' if median < GOAL_HOSTILE_S else 'BAD'} {1000 * median:7.1f} ms  {name}")

    first = first_card_ms()
    print(f"first card of a process (fonts opened, cmaps read): {first} ms")
    results = {
        "realistic": {
            "pairs": len(pairs),
            "articles": len(texts),
            "headline_changes": headline_cards,
            "runs": args.runs,
            **realistic,
            "png_kb_median": round(sizes[len(sizes) // 2] / 1000, 1),
            "png_kb_max": round(sizes[-1] / 1000, 1),
            "goal_ms": GOAL_MS,
            "p95_within_goal": realistic["p95_ms"] < GOAL_MS,
        },
        "scripts": scripts,
        "first_card_ms": first,
        "hostile": hostile,
        "all_hostile_within_goal": all(case["within_goal"] for case in hostile.values()),
    }
    (BASE_DIR / "bench" / "results" / "cards.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
