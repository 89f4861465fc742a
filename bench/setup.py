"""Shared start of every benchmark: the project on the path and Django configured (local settings)."""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The 61-page extraction corpus travels with the repo (its tests read it); bigger corpora live outside it.
DEFAULT_CORPUS = BASE_DIR / "articles" / "tests" / "data" / "extraction"
SHARED_CORPORA = BASE_DIR.parent / "shared" / "corpus"


def corpus_folder(path: Path, wants: str = "ground-truth.json") -> Path:
    """``path`` if it holds ``wants``; otherwise stop the benchmark saying where it looked (a clone from the
    project's public home has no ../shared)."""
    if not (path / wants).is_file():
        sys.exit(f"corpus missing: looked for {path / wants} and found nothing; name another folder")
    return path


sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdiffs.settings")

import django  # noqa: E402

django.setup()
