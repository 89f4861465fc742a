"""Normalise extracted text so that only a real edit changes an article's content hash.

Whitespace runs, non-breaking spaces, zero-width characters and Unicode compatibility forms are not
edits a reader can see; they vary between page loads and templates, so they are folded away here.
"""

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
WHITESPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    return WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class ArticleText:
    """The part of a page that is the article: what is compared, hashed and stored as a version."""

    title: str
    byline: str
    paragraphs: tuple[str, ...]

    @classmethod
    def from_parts(cls, title: str, byline: str, paragraphs: Iterable[str]) -> "ArticleText":
        normalised = (normalise_text(p) for p in paragraphs)
        return cls(normalise_text(title), normalise_text(byline), tuple(p for p in normalised if p))

    @property
    def is_empty(self) -> bool:
        return not self.paragraphs

    @property
    def content_hash(self) -> str:
        payload = json.dumps([self.title, self.byline, list(self.paragraphs)], ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
