"""Shared start of every benchmark: the project on the path and Django configured (local settings)."""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = BASE_DIR.parent / "shared" / "corpus" / "extraction"

sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsdiffs.settings")

import django  # noqa: E402

django.setup()
