"""How values compare: numbers, exact strings, globs and whole-value regexes.

Numbers are YAML/JSON numbers or strings in plain decimal or exponent notation with ASCII
digits; booleans, NaN and infinities never are. They are compared as decimals, so the string
"0.0001" and the float 0.0001 are the same number, and no float rounding can decide a gate.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def as_number(value: Any) -> Decimal | None:
    """The value as a Decimal if it is a number in the product's sense, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        # Any length: a long plain decimal ("0.0000100000...") is still its exact value.
        return _text_number(value) if len(value) <= _CACHED_LENGTH else _parse_number(value)
    return None


# Strings longer than this are parsed every time rather than kept in the cache; the answer is
# the same either way, only the memory differs.
_CACHED_LENGTH = 64


def _parse_number(value: str) -> Decimal | None:
    return Decimal(value) if _NUMBER.fullmatch(value) else None


# The same few strings ("0.00001", "8", "fast") recur across thousands of models; a Decimal
# is immutable, so one parse can be shared. The key is the exact string, so the cache can
# never change what a value means.
_text_number = lru_cache(maxsize=4096)(_parse_number)


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
                   r"(?:Z|[+-][0-9]{2}:[0-9]{2})?")


def parse_day(text: str) -> date | None:
    """A calendar date written exactly ``YYYY-MM-DD``, else None.

    ``date.fromisoformat`` alone is not enough: from Python 3.11 it also reads week dates
    (``2027-W05-1``) and compact forms (``20270131``), which 3.10 rejects; a waiver's expiry
    must mean the same day on every supported version.
    """
    if not _DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_time(text: str) -> datetime | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS[.ffffff]]`` with an optional ``Z`` or
    ``+HH:MM`` offset (UTC when none), else None."""
    if _DAY.fullmatch(text):
        day = parse_day(text)
        return None if day is None else datetime(day.year, day.month, day.day,
                                                 tzinfo=timezone.utc)
    if not _TIME.fullmatch(text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def as_text(value: Any) -> str | None:
    """The exact-string form of a scalar, for equality when not both sides are numbers."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return None


class Literal:
    """A policy-side value, with its number form worked out once."""

    __slots__ = ("number", "text", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.number = as_number(value)
        self.text = as_text(value)

    def equals(self, actual: Any) -> bool | None:
        """Numerically when both are numbers, else as exact strings; None if not comparable."""
        if self.number is not None:
            number = as_number(actual)
            if number is not None:
                return number == self.number
        # Strings are by far the most common value: compare them without converting.
        text = actual if type(actual) is str else as_text(actual)
        if text is None or self.text is None:
            return None
        return text == self.text

    def __repr__(self) -> str:
        return repr(self.value)


def compile_glob(pattern: str) -> Callable[[str], bool]:
    """A case-sensitive, whole-value glob where ``*`` crosses ``:`` and ``/``."""
    return re.compile(fnmatch.translate(pattern), re.DOTALL).match  # type: ignore[return-value]


def compile_glob_nocase(pattern: str) -> Callable[[str], bool]:
    return re.compile(fnmatch.translate(pattern), re.DOTALL | re.IGNORECASE).match  # type: ignore[return-value]


def compile_globs(patterns: list[str]) -> Callable[[str], bool]:
    """One matcher that is true when any of the globs matches the whole value."""
    if not patterns:
        return lambda _value: False
    joined = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)
    return re.compile(joined, re.DOTALL).match  # type: ignore[return-value]


def compile_regex(pattern: str) -> Callable[[str], bool]:
    """A regex that must match the whole value, alternations included."""
    return re.compile(pattern).fullmatch  # type: ignore[return-value]


def show(value: Any) -> str:
    """A value as reports print it: JSON-like, strings quoted."""
    # Most values shown are strings: escape them as json.dumps would, without building an
    # encoder per call (messages are made for every violation).
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)
