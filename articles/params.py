"""What clients send, read into values the database can take, or refused as a client error.

Every id, number, date and cursor a request carries passes through here before it reaches a query: a value
the database cannot hold (an integer past 64 bits, a date past year 9999 once in UTC, an offset of 99
hours, text with a NUL for Postgres) is an error in the database driver, which would be a 500; here it is
None, which the caller answers with 400 or 404, or reads as "not given".
"""

import json
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateparse import parse_datetime

# The largest integer both databases compare with a column: SQLite's INTEGER and Postgres's bigint (the
# primary keys are BigAutoFields). Python hands SQLite a larger one as an OverflowError.
MAX_INTEGER = 2**63 - 1


def parse_number(value: str | None) -> int | None:
    """An id or version number as written in a URL, ASCII digits only, within MAX_INTEGER; else None.
    (``int()`` alone also takes "-1", " 1", "1_0" and Arabic-Indic digits.)"""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= MAX_INTEGER else None


class NumberConverter:
    """The ``<number:...>`` path converter: ``<int:...>`` within MAX_INTEGER. A larger number matches no
    route (404) rather than reaching the database."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = parse_number(value)
        if number is None:
            raise ValueError(f"not a number a database holds: {value!r}")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


def parse_aware_datetime(value: str) -> datetime | None:
    """An ISO 8601 date and time with its zone, in UTC; None if it is malformed, impossible (month 99, an
    offset of 99 hours), has no zone, or leaves the years 1 to 9999 once in UTC. In UTC because Postgres
    refuses offsets past 15:59 that Python accepts, and SQLite stores UTC."""
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but impossible
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def loads_json(text: str | bytes) -> Any:
    """``json.loads``, with JSON nested too deeply for Python's stack refused as malformed (ValueError)
    like any other bad JSON, rather than raising RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def column_value(field: models.Field[Any, Any], value: Any) -> Any:
    """``value`` (decoded from a cursor a client sent back) as ``field``'s column can be compared with, or
    None if it cannot be: not of the field's type, an integer past MAX_INTEGER, text with a NUL, a naive or
    out-of-range date."""
    if value is None or isinstance(value, list | dict | bool):
        return None
    try:
        python = field.to_python(value)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return None
    if isinstance(python, int) and not -MAX_INTEGER <= python <= MAX_INTEGER:
        return None
    if isinstance(python, str) and "\x00" in python:
        return None
    if isinstance(python, datetime):
        if python.tzinfo is None:
            return None
        try:
            return python.astimezone(UTC)
        except OverflowError:
            return None
    return python
