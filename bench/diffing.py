"""Word-level diff engines on real article text: difflib (what articles.diffing uses) vs diff-match-patch.

    .venv/bin/python bench/diffing.py [CORPUS_DIR]

Takes the hand-checked article bodies of the shared extraction corpus, applies seeded newsroom-style edits
(a word replaced, a sentence inserted, a sentence removed, a typo fixed), and diffs each paragraph pair with
both engines. Prints time per article and how many characters each marks as changed (fewer is tighter, for
the same edit), and writes bench/results/diffing.json.
"""

import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diff_match_patch import diff_match_patch

from articles.diffing import diff_body
from bench.setup import BASE_DIR, DEFAULT_CORPUS

SENTENCE = re.compile(r"(?<=[.!?])\s+")


def edit(rng: random.Random, paragraphs: list[str]) -> list[str]:
    edited = list(paragraphs)
    for _ in range(3):
        i = rng.randrange(len(edited))
        words = edited[i].split()
        roll = rng.random()
        if roll < 0.4 and words:
            words[rng.randrange(len(words))] = rng.choice(["Tuesday", "officials", "twelve", "denied", "new"])
            edited[i] = " ".join(words)
        elif roll < 0.6:
            edited.insert(i, "A spokesperson later said the figures had been revised.")
        elif roll < 0.8 and len(edited) > 1:
            edited.pop(i)
        else:
            sentences = SENTENCE.split(edited[i])
            if len(sentences) > 1:
                sentences.pop(rng.randrange(len(sentences)))
                edited[i] = " ".join(sentences)
    return edited


def dmp_marked(engine: diff_match_patch, old: list[str], new: list[str]) -> int:
    diffs = engine.diff_main("\n".join(old), "\n".join(new))
    engine.diff_cleanupSemantic(diffs)
    return sum(len(text) for op, text in diffs if op != 0)


def ours_marked(old: list[str], new: list[str]) -> int:
    body = diff_body(old, new)
    return sum(
        len(s.text)
        for op in body.ops
        for side in (op.words.old, op.words.new)
        for s in side
        if s.kind != "equal"
    )


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    truth = json.loads((corpus / "ground-truth.json").read_text())
    rng = random.Random(11)
    engine = diff_match_patch()
    engine.Diff_Timeout = 0  # no time cut-off: compare full results
    totals = {"difflib": [0.0, 0], "diff-match-patch": [0.0, 0]}
    pairs = 0
    for record in truth.values():
        old = [p.strip() for p in record["articleBody"].split("\n") if p.strip()]
        if not old:
            continue
        new = edit(rng, old)
        pairs += 1
        start = time.perf_counter()
        totals["difflib"][1] += ours_marked(old, new)
        totals["difflib"][0] += time.perf_counter() - start
        start = time.perf_counter()
        totals["diff-match-patch"][1] += dmp_marked(engine, old, new)
        totals["diff-match-patch"][0] += time.perf_counter() - start
    results = {
        name: {"ms_per_article": round(1000 * seconds / pairs, 2), "chars_marked": marked}
        for name, (seconds, marked) in totals.items()
    }
    results["articles"] = pairs
    ours, theirs = results["difflib"], results["diff-match-patch"]
    print(json.dumps(results, indent=2))
    print(f"time difflib/dmp: {ours['ms_per_article'] / theirs['ms_per_article']:.2f}; "
          f"characters marked difflib/dmp: {ours['chars_marked'] / theirs['chars_marked']:.2f}")  # fmt: skip
    (BASE_DIR / "bench" / "results" / "diffing.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
