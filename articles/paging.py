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

from articles.params import column_value, loads_json


@dataclass(frozen=True)
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    is_first: bool


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, fields: list[Any]) -> list[Any] | None:
    """The values of ``fields`` that ``cursor`` carries, each as its column compares it, or None: a cursor
    comes back from the client, who may have written anything in it."""
    try:
        values = loads_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != len(fields):
        return None
    values = [column_value(field, value) for field, value in zip(fields, values, strict=True)]
    return None if None in values else values


def keyset_page(
    queryset: QuerySet[Any], fields: tuple[str, str], cursor: str | None, size: int
) -> KeysetPage:
    """One page of ``queryset`` in descending (``fields[0]``, ``fields[1]``) order; the second field must be
    unique (the primary key). A malformed cursor starts from the top rather than failing."""
    first, tie = fields
    queryset = queryset.order_by(f"-{first}", f"-{tie}")
    values = cursor_values(queryset.model, fields, cursor)
    if values is not None:
        after, after_tie = values
        # The first filter alone is an index range; the OR after it only sorts out the ties.
        queryset = queryset.filter(**{f"{first}__lte": after}).filter(
            Q(**{f"{first}__lt": after}) | Q(**{f"{tie}__lt": after_tie})
        )
    items = list(queryset[: size + 1])
    next_cursor = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        next_cursor = _encode([_attr(last, first), _attr(last, tie)])
    return KeysetPage(items, next_cursor, is_first=values is None)


def cursor_values(model: Any, fields: tuple[str, str], cursor: str | None) -> list[Any] | None:
    """The values of ``fields`` (of ``model``) that ``cursor`` carries, as ``keyset_page`` reads them; None
    for no cursor or a malformed one."""
    columns = [model_field(model, name) for name in fields]
    return _decode(cursor, columns) if cursor else None


def model_field(model: Any, name: str) -> Any:
    """The field ``name`` of ``model``, "pk" included."""
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _attr(item: Any, path: str) -> Any:
    for part in path.split("__"):
        item = getattr(item, part)
    return item
