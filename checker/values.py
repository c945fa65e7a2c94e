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
    if isinstance(value, str) and len(value) < 64:
        return _text_number(value)
    return None


@lru_cache(maxsize=4096)
def _text_number(value: str) -> Decimal | None:
    # The same few strings ("0.00001", "8", "fast") recur across thousands of models; a Decimal
    # is immutable, so one parse can be shared.
    return Decimal(value) if _NUMBER.fullmatch(value) else None


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
