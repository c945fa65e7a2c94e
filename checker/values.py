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
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")

# Decimal holds exponents up to about 10**18 either way (and refuses larger ones with
# InvalidOperation); within this bound every Decimal compares exactly. Beyond it a number is
# a BigNumber, compared on sign, exponent and digits with Python's unbounded integers.
_DECIMAL_EXPONENTS = 10**17
# Python refuses to read an integer of more digits than this from text in one go
# (sys.get_int_max_str_digits, 4,300 by default): longer exponents are read in pieces.
_INT_CHUNK = 4000


class BigNumber:
    """A non-zero number whose exponent is beyond what a Decimal can hold, kept exactly.

    ``sign`` is 1 or -1, ``adjusted`` the exponent of its first significant digit (as
    ``Decimal.adjusted``) and ``digits`` its significant digits, without trailing zeros.
    It compares with Decimals and other BigNumbers, exactly; it is never equal to a Decimal.
    """

    __slots__ = ("adjusted", "digits", "sign")

    def __init__(self, sign: int, adjusted: int, digits: str) -> None:
        self.sign = sign
        self.adjusted = adjusted
        self.digits = digits

    def _cmp(self, other: object) -> int | None:
        if isinstance(other, BigNumber):
            key = (other.sign, other.adjusted, other.digits)
        elif isinstance(other, Decimal) and other.is_finite():
            key = _decimal_key(other)
        elif isinstance(other, int) and not isinstance(other, bool):
            key = _decimal_key(Decimal(other))
        else:
            return None
        return compare_keys((self.sign, self.adjusted, self.digits), key)

    def __eq__(self, other: object) -> bool:
        return self._cmp(other) == 0

    def __ne__(self, other: object) -> bool:
        return self._cmp(other) != 0

    def __lt__(self, other: object) -> bool:
        return _ordered(self._cmp(other), other) < 0

    def __le__(self, other: object) -> bool:
        return _ordered(self._cmp(other), other) <= 0

    def __gt__(self, other: object) -> bool:
        return _ordered(self._cmp(other), other) > 0

    def __ge__(self, other: object) -> bool:
        return _ordered(self._cmp(other), other) >= 0

    def __hash__(self) -> int:
        return hash((self.sign, self.adjusted, self.digits))

    def __repr__(self) -> str:
        exponent = self.adjusted if self.adjusted.bit_length() < 10_000 else \
            f"{'-' if self.adjusted < 0 else ''}<{self.adjusted.bit_length():,} bits>"
        return f"BigNumber({'-' if self.sign < 0 else ''}{self.digits[0]}." \
               f"{self.digits[1:] or '0'}e{exponent})"


Number = Decimal | BigNumber


def _ordered(result: int | None, other: object) -> int:
    if result is None:
        raise TypeError(f"a number cannot be ordered with {type(other).__name__}")
    return result


def _decimal_key(value: Decimal) -> tuple[int, int, str]:
    if not value:
        return (0, 0, "")
    sign, digits, _exponent = value.as_tuple()
    return (-1 if sign else 1, value.adjusted(), "".join(map(str, digits)).rstrip("0"))


def compare_keys(left: tuple[int, int, str], right: tuple[int, int, str]) -> int:
    """-1, 0 or 1 as the number ``left`` is below, equal to or above ``right``; each is
    (sign, adjusted exponent, significant digits without trailing zeros), sign 0 for zero."""
    if left[0] != right[0]:
        return -1 if left[0] < right[0] else 1
    if left[0] == 0:
        return 0
    if left[1] != right[1]:
        magnitude = -1 if left[1] < right[1] else 1
    elif left[2] != right[2]:
        # Same leading exponent, first digits non-zero, no trailing zeros: the digit strings
        # order as the numbers do.
        magnitude = -1 if left[2] < right[2] else 1
    else:
        return 0
    return magnitude * left[0]


def _whole(digits: str) -> int:
    """The integer of a run of ASCII digits of any length (in pieces past Python's limit)."""
    if len(digits) <= _INT_CHUNK:
        return int(digits, 10)
    half = len(digits) // 2
    scale: int = 10 ** (len(digits) - half)
    return _whole(digits[:half]) * scale + _whole(digits[half:])


def as_number(value: Any) -> Number | None:
    """The value as an exact number if it is a number in the product's sense, else None:
    a Decimal, or a BigNumber when its exponent is beyond a Decimal's."""
    if type(value) is str:  # the most common case first
        return _text_number(value) if len(value) <= _CACHED_LENGTH else _parse_number(value)
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


def _parse_number(value: str) -> Number | None:
    match = _NUMBER.fullmatch(value)
    if match is None:
        return None
    sign, whole, fraction, exponent = match.groups()
    if not whole and not fraction:
        return None  # "", ".", "e5", "+.": no digit at all
    fraction = fraction or ""
    if exponent is None or len(exponent) <= 18:
        # The exponent and the number of digits decide, before any Decimal is built, whether
        # one can hold the value.
        shift = int(exponent) if exponent else 0
        if abs(shift) + len(whole) + len(fraction) <= _DECIMAL_EXPONENTS:
            return Decimal(value)
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return Decimal(0)  # zero, whatever its exponent: "0e-99999999999999999999999"
    # The exponent of the first significant digit: the written exponent, moved by where that
    # digit stands relative to the decimal point.
    adjusted = _whole(exponent.lstrip("+-") or "0") * (-1 if exponent.startswith("-") else 1)
    adjusted += len(whole.lstrip("0")) - 1 if whole.lstrip("0") else \
        -(len(fraction) - len(fraction.lstrip("0")) + 1)
    if abs(adjusted) <= _DECIMAL_EXPONENTS:
        return Decimal(value)
    return BigNumber(-1 if sign == "-" else 1, adjusted, digits.rstrip("0"))


# The same few strings ("0.00001", "8", "fast") recur across thousands of models; a number
# is immutable, so one parse can be shared. The key is the exact string, so the cache can
# never change what a value means.
_text_number = lru_cache(maxsize=4096)(_parse_number)


def exact_float(text: str, value: float) -> bool:
    """Whether the float ``value`` read from ``text`` is exactly the number written (a float
    holds about 17 significant digits and exponents from about 1e-308 to 1e308)."""
    written = as_number(text.replace("_", ""))
    return written is None or (math.isfinite(value) and written == Decimal(repr(value)))


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
    number: Number | None

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


def glob_tokens(pattern: str) -> Iterator[tuple[str, str]]:
    """A glob read as fnmatch reads it, piece by piece: ``("*", "final")`` for a run of
    ``*`` that ends the pattern, ``("*", "")`` for another; ``("?", "")``; ``("[", body)``
    and ``("[!", body)`` for a bracket (its body without the ``!``); ``("", c)`` for a
    literal character (an unclosed ``[`` is one, as fnmatch reads it)."""
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            while i < n and pattern[i] == "*":
                i += 1
            yield "*", "final" if i == n else ""
        elif c == "?":
            yield "?", ""
        elif c == "[":
            j = i
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            close = pattern.find("]", j)
            if close < 0:
                yield "", "["
                continue
            body = pattern[i:close]
            i = close + 1
            yield ("[!", body[1:]) if body.startswith("!") else ("[", body)
        else:
            yield "", c


def arn_glob_regex(pattern: str) -> str:
    """The regex (for a whole-value match) of a glob on an ARN: ``*`` and ``?`` never cross
    ``:``, so each ARN part (partition, service, region, account, resource type and id) is
    matched on its own; only a ``*`` that ends the pattern matches the rest of the value,
    colons included (``arn:aws:kms:*``, ``amazon.nova-*``). Brackets as fnmatch reads them;
    a negated one never matches ``:`` either."""
    out: list[str] = []
    for kind, text in glob_tokens(pattern):
        if kind == "*":
            out.append(".*" if text == "final" else "[^:]*")
        elif kind == "?":
            out.append("[^:]")
        elif kind in ("[", "[!"):
            # fnmatch's own reading of the class (ranges, a leading ']', escapes).
            translated = fnmatch.translate(f"[{text}]")
            klass = translated[translated.index("["):translated.rindex("]") + 1]
            out.append(f"[^:{klass[1:-1]}]" if kind == "[!" else klass)
        else:
            out.append(re.escape(text))
    return "".join(out)


def compile_arn_globs(patterns: list[str]) -> Callable[[str], bool | None]:
    """One matcher, true when any of the ARN globs (:func:`arn_glob_regex`) matches the whole
    value; matched by RE2, in linear time."""
    if not patterns:
        return lambda _value: None
    return compile_regex("(?s)" + "|".join(f"(?:{arn_glob_regex(p)})" for p in patterns))


# Python's Unicode-aware shorthand classes, written for RE2 (whose own are ASCII-only), so
# a pattern means what Python's ``re`` documents: \d is a decimal digit of any script, \w a
# letter, a number or "_", \s Python's whitespace (str.isspace).
_SPACES = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3000 + 1)) if c.isspace())
_IN_CLASS = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": r"\p{L}\p{N}_", "s": _SPACES}
_OUTSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": r"[\p{L}\p{N}_]", "W": r"[^\p{L}\p{N}_]",
            "s": f"[{_SPACES}]", "S": f"[^{_SPACES}]", "Z": r"\z"}
_SURROGATES = re.compile("[\ud800-\udfff]")
_EMPTY_MIN = re.compile(r"\{,([0-9]+)\}")
# How many different values one compiled regex remembers its answer for (a policy judges
# the same baseModelArn or tag value for many models).
_REGEX_MEMO = 4096


def _for_re2(pattern: str) -> str:
    """``pattern`` (valid for Python's re) with the escapes whose meaning differs in RE2
    rewritten; re.error for those that have no RE2 equivalent."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            e = pattern[i + 1]
            table = _IN_CLASS if in_class else _OUTSIDE
            if e in table:
                out.append(table[e])
            elif e in "WS":  # only in a class: a complement cannot join a class's union
                raise re.error(f"\\{e} inside [...] is not supported: write it outside the "
                               "brackets, or list the characters")
            elif e in "bB":
                raise re.error(f"\\{e} (a word boundary) is not supported: the pattern "
                               "already matches the whole value; anchor with literal text "
                               "instead")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and not (out and out[-1] in ("[", "[^")):
                in_class = False
        elif c == "{" and (empty_min := _EMPTY_MIN.match(pattern, i)):
            out.append(f"{{0,{empty_min.group(1)}}}")  # Python's {,n}; RE2 reads it literally
            i = empty_min.end()
            continue
        elif c == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                if pattern.startswith("]", i):
                    out.append("]")
                    i += 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=1)
def _re2_options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False  # an invalid pattern is reported once, as a policy problem
    return options


def compile_regex(pattern: str) -> Callable[[str], bool | None]:
    """A regex that must match the whole value, alternations included: the matcher returns
    True for a match and None otherwise (as ``re.fullmatch`` returns a match or None).

    Matched by RE2 (google-re2), in time linear in the value: no model name or tag can
    make a policy's regex backtrack for minutes. The syntax is Python's ``re`` (checked by
    it first, for its error messages) less what has no linear-time equivalent, which is
    refused with re.error: backreferences, lookaround, conditionals, atomic groups and
    possessive quantifiers, word boundaries, and ``\\W``/``\\S`` inside brackets.
    """
    import re2

    re.compile(pattern)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in pattern):
        raise re.error("the pattern holds a lone surrogate (not a character)")
    try:
        compiled = re2.compile(_for_re2(pattern), _re2_options())
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        raise re.error(f"{reason}: backreferences, lookaround, conditionals, atomic groups "
                       "and possessive quantifiers are not supported (regexes are matched in "
                       "linear time)") from None
    fullmatch = _whole_match(compiled)
    memo: dict[str, bool] = {}

    def matches(value: str) -> bool | None:
        found = memo.get(value)
        if found is None:
            try:
                found = fullmatch(value) is not None
            except UnicodeEncodeError:  # a lone surrogate: matched as U+FFFD, unlike any
                found = fullmatch(_SURROGATES.sub("\ufffd", value)) is not None  # literal
            if len(memo) >= _REGEX_MEMO:
                memo.clear()
            memo[value] = found
        return True if found else None

    return matches


def _whole_match(compiled: Any) -> Callable[[str], Any]:
    """``compiled.fullmatch`` as a yes (not None) or no (None), without the wrapper's
    Match object: the compiled RE2 program is asked directly where the wrapper allows it
    (its offsets, turned back into str positions for a Match, are not needed here)."""
    import re2

    program = getattr(compiled, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "ANCHOR_BOTH", None)
    if program is None or anchor is None or not hasattr(program, "Match"):
        return compiled.fullmatch  # type: ignore[no-any-return]
    match = program.Match
    missed = (-1, -1)

    def fullmatch(value: str) -> bool | None:
        encoded = value.encode("utf-8")  # a lone surrogate: UnicodeEncodeError, as the wrapper
        return True if match(anchor, encoded, 0, len(encoded))[0] != missed else None

    try:  # a google-re2 whose program answers otherwise is asked through its wrapper
        agrees = all((fullmatch(probe) is None) == (compiled.fullmatch(probe) is None)
                     for probe in ("", "arn:aws:x", "é"))
    except Exception:
        agrees = False
    wrapper: Callable[[str], Any] = compiled.fullmatch
    return fullmatch if agrees else wrapper


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


# Characters that could end a line, move the cursor, recolour or reorder the terminal's text:
# escaped wherever data (a model name, a tag value, an AWS message) is printed, so data cannot
# forge a line of the report ("x\nResult: PASS").
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: re.Match[str]) -> str:
    c = char.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


# The same, less tab, newline and carriage return, which each report format deals with in
# its own way (a space, an entity, %0A).
_UNSAFE_INLINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f"
                            "\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` with NUL, ESC, VT, the other C0 and C1 controls, line and paragraph separators
    and bidi controls written as the text report writes them (``\\x1b``, ``\\u202e``), so a
    value cannot recolour, reorder or hide what a report shows; tab, newline and carriage
    return are left to the format."""
    return _UNSAFE_INLINE.sub(_escape, text) if _UNSAFE_INLINE.search(text) else text


# A user name and password in a URL (``https://user:pass@host``), as an endpoint set with
# AWS_ENDPOINT_URL may carry and botocore repeats in its connection errors.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@\"'<>]+@")


def redact_userinfo(text: str) -> str:
    """``text`` with the user name and password of every URL in it replaced by ``***``."""
    return _USERINFO.sub(r"\1***@", text) if "@" in text else text


def clean(value: object) -> str:
    """``value`` as text that stays on its line and prints as itself."""
    text = str(value)
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text
