"""Keyset ("seek") pagination: the next page starts after the last row shown, found through an index.

Unlike OFFSET, page 10,000 costs what page 1 costs, and unlike a page count it needs no COUNT(*).
"""

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    is_first: bool


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, count: int) -> list[Any] | None:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != count:
        return None
    return values


def keyset_page(queryset: QuerySet, fields: tuple[str, str], cursor: str | None, size: int) -> KeysetPage:
    """One page of ``queryset`` in descending (``fields[0]``, ``fields[1]``) order; the second field must be
    unique (the primary key). A malformed cursor starts from the top rather than failing."""
    first, tie = fields
    queryset = queryset.order_by(f"-{first}", f"-{tie}")
    values = _decode(cursor, 2) if cursor else None
    if values is not None:
        after = queryset.model._meta.get_field(first).to_python(values[0])
        # The first filter alone is an index range; the OR after it only sorts out the ties.
        queryset = queryset.filter(**{f"{first}__lte": after}).filter(
            Q(**{f"{first}__lt": after}) | Q(**{f"{tie}__lt": values[1]})
        )
    items = list(queryset[: size + 1])
    next_cursor = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        next_cursor = _encode([_attr(last, first), _attr(last, tie)])
    return KeysetPage(items, next_cursor, is_first=values is None)


def _attr(item: Any, path: str) -> Any:
    for part in path.split("__"):
        item = getattr(item, part)
    return item
