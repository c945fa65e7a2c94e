"""The operators of conditions: what each means on a value (three-valued), and its wording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.lang.dates import days_from_run
from checker.values import Literal, as_number, as_text, show

Tri = bool | None  # None is "unknown"


@dataclass(frozen=True)
class Operator:
    name: str
    summary: str
    arg: str  # what the operator takes, for docs and validation
    example: Any
    missing: Tri  # the result on a missing field


def _op_table() -> dict[str, Operator]:
    ops = [
        Operator("equals", "the value equals this (numerically when both are numbers)",
                 "scalar", "Active", None),
        Operator("not_equals", "the value is missing or differs from this", "scalar",
                 "Failed", True),
        Operator("in", "the value equals one of these", "list", ["FINE_TUNING", "DISTILLATION"],
                 None),
        Operator("not_in", "the value is missing or equals none of these", "list",
                 ["IMPORTED"], True),
        Operator("matches", "a string the regex matches in full (re.fullmatch)", "regex",
                 "arn:aws:iam::[0-9]{12}:role/ml-.*", None),
        Operator("not_matches", "the value is missing or a string the regex does not match "
                 "in full", "regex", "prod-.*", True),
        Operator("glob", "a string the glob matches in full (case-sensitive; * crosses /, and : "
                 "except on ARN fields, where each ARN part is matched on its own)",
                 "string", "s3://ml-approved-data/*", None),
        Operator("min", "a number at least this", "number", 1, None),
        Operator("max", "a number at most this", "number", 0.0001, None),
        Operator("exists", "true: the field is present and not null; false: it is missing",
                 "boolean", True, None),
        Operator("contains", "a string containing this substring, or a list with this element",
                 "scalar", "summar", None),
        Operator("min_days_ahead", "a timestamp at least this many days after the run's date "
                 "(UTC calendar days; a past date fails)", "days", 90, None),
        Operator("max_days_ago", "a timestamp at most this many days before the run's date "
                 "(UTC calendar days; a future date holds)", "days", 365, None),
    ]
    return {op.name: op for op in ops}


OPERATORS = _op_table()


LOGICAL = ("all_of", "any_of", "not")


def _number_text(literal: Literal) -> str:
    value = literal.value
    return value if isinstance(value, str) else show(value)


def describe(op: str, arg: Any) -> str:
    if op == "equals":
        return show(arg.value)
    if op == "not_equals":
        return f"not {show(arg.value)}"
    if op in ("in", "not_in"):
        items = ", ".join(show(a.value) for a in arg)
        return ("one of " if op == "in" else "none of ") + f"[{items}]"
    if op == "matches":
        return f"matching /{arg[0]}/"
    if op == "not_matches":
        return f"not matching /{arg[0]}/"
    if op == "glob":
        return f"like {show(arg[0])}"
    if op == "min":
        return f">= {_number_text(arg)}"
    if op == "max":
        return f"<= {_number_text(arg)}"
    if op == "exists":
        return "present" if arg else "absent"
    if op == "min_days_ahead":
        return f"a time at least {arg} day{'s' if arg != 1 else ''} from the run's date"
    if op == "max_days_ago":
        return f"a time at most {arg} day{'s' if arg != 1 else ''} before the run's date"
    return f"containing {show(arg.value)}"


def _equals(arg: Literal, value: Any) -> Tri:
    return arg.equals(value)


def _not_equals(arg: Literal, value: Any) -> Tri:
    result = arg.equals(value)
    return None if result is None else not result


def _in(arg: list[Literal], value: Any) -> Tri:
    seen_unknown = False
    for item in arg:
        result = item.equals(value)
        if result:
            return True
        if result is None:
            seen_unknown = True
    return None if seen_unknown else False


def _not_in(arg: list[Literal], value: Any) -> Tri:
    result = _in(arg, value)
    return None if result is None else not result


def _matches(arg: tuple[str, Callable[[str], Any]], value: Any) -> Tri:
    return arg[1](value) is not None if isinstance(value, str) else None


def _not_matches(arg: tuple[str, Callable[[str], Any]], value: Any) -> Tri:
    return arg[1](value) is None if isinstance(value, str) else None


def _min(arg: Literal, value: Any) -> Tri:
    number = as_number(value)
    bound = arg.number  # never None: compiling the condition checked it
    return None if number is None or bound is None else number >= bound


def _max(arg: Literal, value: Any) -> Tri:
    number = as_number(value)
    bound = arg.number  # never None: compiling the condition checked it
    return None if number is None or bound is None else number <= bound


def _exists(arg: bool, value: Any) -> Tri:
    return arg


def _contains(arg: Literal, value: Any) -> Tri:
    if isinstance(value, str):
        text = as_text(arg.value)
        return None if text is None else text in value
    if isinstance(value, list):
        return any(arg.equals(item) for item in value)
    return None


def _min_days_ahead(arg: int, value: Any) -> Tri:
    days = days_from_run(value)
    return None if days is None else days >= arg


def _max_days_ago(arg: int, value: Any) -> Tri:
    days = days_from_run(value)
    return None if days is None else -days <= arg


# Each operator on one value that is not missing (MISSING is handled by Operator.missing).
# Looked up once when a condition is compiled, so judging a value is a single call.
APPLY: dict[str, Callable[[Any, Any], Tri]] = {
    "equals": _equals,
    "not_equals": _not_equals,
    "in": _in,
    "not_in": _not_in,
    "matches": _matches,
    "not_matches": _not_matches,
    "glob": _matches,  # a compiled glob is a whole-value regex too
    "min": _min,
    "max": _max,
    "exists": _exists,
    "contains": _contains,
    "min_days_ahead": _min_days_ahead,
    "max_days_ago": _max_days_ago,
}


DATE_OPERATORS = frozenset({"min_days_ahead", "max_days_ago"})
