"""Checking a tracker against the truth: every real edit stored once, chrome churn never."""

from dataclasses import dataclass, field
from typing import Any

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


def score(steps: list[dict[str, Any]], stored: dict[str, list[str]]) -> Score:
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
        for entry in step["articles"]:
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
