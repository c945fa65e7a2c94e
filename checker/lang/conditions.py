"""Conditions: three-valued tests on a model document (true, false or unknown).

A condition is unknown when a value has the wrong type for its operator ("fast" for ``max``).
A missing field (absent or null) makes ``exists: false``, ``not_equals``, ``not_in`` and
``not_matches`` true, ``exists: true`` false, and every other operator unknown. Checks and
``require`` pass only on true; ``when`` and ``scope.when`` treat unknown as true, so doubt
widens what is judged and never excuses a model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.lang.dates import days_from_run
from checker.lang.fields import (
    MISSING,
    FieldPath,
    Resolver,
    compile_resolver,
    compile_value_resolver,
)
from checker.lang.operators import (
    APPLY,
    DATE_OPERATORS,
    LOGICAL,
    OPERATORS,
    Tri,
    describe,
)
from checker.lang.shapes import leaf_at
from checker.values import Literal, compile_arn_globs, compile_glob, compile_regex, show


@dataclass(frozen=True)
class Why:
    """Why a condition did not hold, for the report."""

    field: str | None
    expected: str
    actual: Any
    message: str


def all_hold(results: Iterable[Tri]) -> Tri:
    """Three-valued "and": false if any is false (stopping there), else unknown if any is
    unknown, else true."""
    result: Tri = True
    for one in results:
        if one is False:
            return False
        if one is None:
            result = None
    return result


Test = Callable[[Mapping[str, Any]], Tri]


class Condition:
    """Base of compiled conditions. ``tri`` is the test compiled into one plain function
    (``test`` calls it): what the engine calls for every model."""

    tri: Test

    def describe_in_group(self) -> str:
        """The description inside all_of/any_of/not, where each part names its field."""
        return self.describe()

    def test(self, doc: Mapping[str, Any]) -> Tri:
        raise NotImplementedError

    def why(self, doc: Mapping[str, Any]) -> Why:
        """Explain a result that is not true (called on the slow path only)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


# --- operators ---------------------------------------------------------------------------


def _top_level_test(key: str, on_missing: Tri, apply: Callable[[Any, Any], Tri], arg: Any,
                    on_string: Callable[[str], Tri]) -> Test:
    """:func:`_plain_test` for a top-level field (``modelStatus``, ``modelName``), the most
    common kind of condition: no loop over keys."""

    def test(doc: Mapping[str, Any]) -> Tri:
        if type(doc) is not dict and not isinstance(doc, Mapping):
            return on_missing
        value = doc.get(key)
        if value is None:
            return on_missing
        if type(value) is str:
            return on_string(value)
        return apply(arg, value)

    return test


def _on_string(op: str, arg: Any) -> Callable[[str], Tri] | None:
    """The operator on a string value, where that is simpler than the general case: exact
    comparison with literals that are not numbers, a regex or glob match. None: the
    operator's own function decides."""
    if op in ("equals", "not_equals", "in", "not_in"):
        literals = arg if isinstance(arg, list) else [arg]
        if not all(isinstance(lit.value, str) and lit.number is None for lit in literals):
            return None  # numbers compare numerically: "5" equals 5.0
        texts = frozenset(lit.value for lit in literals)
        if op in ("equals", "in"):
            return texts.__contains__
        contains = texts.__contains__
        return lambda value: not contains(value)
    if op in ("matches", "glob"):
        match = arg[1]
        return lambda value: match(value) is not None
    if op == "not_matches":
        match = arg[1]
        return lambda value: match(value) is None
    return None


def _plain_test(keys: tuple[str, ...], on_missing: Tri, apply: Callable[[Any, Any], Tri],
                arg: Any, on_string: Callable[[str], Tri] | None) -> Test:
    """A field condition on a path without ``[]``, as one function (the same answers as
    resolving the path with :func:`compile_value_resolver` and applying the operator)."""
    first, rest = keys[0], keys[1:]
    if not rest and on_string is not None:
        return _top_level_test(first, on_missing, apply, arg, on_string)

    def test(doc: Mapping[str, Any]) -> Tri:
        if type(doc) is not dict and not isinstance(doc, Mapping):
            return on_missing
        value = doc.get(first)
        for key in rest:
            if value is None:
                return on_missing
            # Documents are plain dicts: test that first, the ABC check costs several
            # times more.
            if type(value) is not dict and not isinstance(value, Mapping):
                return on_missing
            value = value.get(key)
        if value is None:
            return on_missing
        if on_string is not None and type(value) is str:
            return on_string(value)
        return apply(arg, value)

    return test




class FieldCondition(Condition):
    """``{field: PATH, OP: VALUE}``: the operator must hold for every selected value."""

    def __init__(self, path: FieldPath, op: str, arg: Any) -> None:
        self.path = path
        self.op = op
        self.arg = arg
        self.resolve: Resolver = compile_resolver(path)
        # Without [] a path selects one value: skip building a list for it.
        self.resolve_one: Callable[[Mapping[str, Any]], Any] | None = (
            None if any(s.each for s in path.segments) else compile_value_resolver(path))
        self.on_missing: Tri = (not arg) if op == "exists" else OPERATORS[op].missing
        self.apply = APPLY[op]
        self.description = describe(op, arg)  # for every failure message: worked out once
        self.tri = self._compile()

    def _one(self, value: Any) -> Tri:
        if value is MISSING:
            return self.on_missing
        return self.apply(self.arg, value)

    def test(self, doc: Mapping[str, Any]) -> Tri:
        return self.tri(doc)

    def _compile(self) -> Test:
        """The test as one function: a plain path's keys walked inline, and the common
        operators on a string compared inline (any other value goes to the operator)."""
        if self.resolve_one is None:
            one = self._one

            def test_each(doc: Mapping[str, Any]) -> Tri:
                values = self.resolve(doc)
                if len(values) == 1:
                    return one(values[0])
                return all_hold(one(value) for value in values)

            return test_each
        on_string = _on_string(self.op, self.arg)
        return _plain_test(tuple(s.key for s in self.path.segments), self.on_missing,
                           self.apply, self.arg, on_string)

    def describe(self) -> str:
        return self.description

    def describe_in_group(self) -> str:
        return f"{self.path.text} {self.describe()}"

    def why(self, doc: Mapping[str, Any]) -> Why:
        if self.resolve_one is not None:  # one value: no list made for it
            culprit = self.resolve_one(doc)
        elif len(values := self.resolve(doc)) == 1:
            culprit = values[0]
        else:
            culprit = next((v for v in values if self._one(v) is False),
                           next((v for v in values if self._one(v) is not True), values[0]))
        expected = self.describe()
        field = self.path.text
        if culprit is MISSING:
            return Why(field, expected, None, f"{field}: field missing; expected {expected}")
        actual = culprit
        if self._one(culprit) is None:
            if self.op in ("min", "max"):
                reason = f"not a number: {show(actual)}"
            elif self.op in DATE_OPERATORS:
                reason = f"not a timestamp: {show(actual)}"
            elif self.op in ("matches", "not_matches", "glob"):
                reason = f"not a string: {show(actual)}"
            else:
                reason = f"cannot compare {type_name(actual)} {show(actual)}"
            return Why(field, expected, actual, f"{field}: {reason}; expected {expected}")
        if self.op in DATE_OPERATORS:
            days = days_from_run(actual)
            when = (f"{days} days from the run's date" if days is not None and days >= 0
                    else f"{-(days or 0)} days before the run's date")
            return Why(field, expected, actual,
                       f"{field} is {show(actual)} ({when}); expected {expected}")
        return Why(field, expected, actual,
                   f"{field} is {show(actual)}; expected {expected}")


class AllOf(Condition):
    def __init__(self, parts: list[Condition]) -> None:
        self.parts = parts
        self.description = "all of (" + "; ".join(p.describe_in_group() for p in parts) + ")"
        tests = tuple(p.tri for p in parts)

        def all_of(doc: Mapping[str, Any]) -> Tri:
            result: Tri = True
            for test in tests:
                one = test(doc)
                if one is False:
                    return False
                if one is None:
                    result = None
            return result

        self.tri: Test = all_of

    def test(self, doc: Mapping[str, Any]) -> Tri:
        return self.tri(doc)

    def describe(self) -> str:
        return self.description

    def why(self, doc: Mapping[str, Any]) -> Why:
        results = [(p, p.test(doc)) for p in self.parts]
        culprit = next((p for p, r in results if r is False),
                       next(p for p, r in results if r is not True))
        return culprit.why(doc)


class AnyOf(Condition):
    def __init__(self, parts: list[Condition]) -> None:
        self.parts = parts
        self.description = "any of (" + "; ".join(p.describe_in_group() for p in parts) + ")"
        tests = tuple(p.tri for p in parts)

        def any_of(doc: Mapping[str, Any]) -> Tri:
            result: Tri = False
            for test in tests:
                one = test(doc)
                if one:
                    return True
                if one is None:
                    result = None
            return result

        self.tri: Test = any_of

    def test(self, doc: Mapping[str, Any]) -> Tri:
        return self.tri(doc)

    def describe(self) -> str:
        return self.description

    def why(self, doc: Mapping[str, Any]) -> Why:
        reasons = [p.why(doc) for p in self.parts]
        # The first alternative is the one a reader looks for first: report its field.
        return Why(reasons[0].field, self.describe(), reasons[0].actual,
                   "none of the alternatives holds: " + "; ".join(r.message for r in reasons))


class Not(Condition):
    def __init__(self, part: Condition) -> None:
        self.part = part
        self.description = f"not ({part.describe_in_group()})"
        inner = part.tri

        def negated(doc: Mapping[str, Any]) -> Tri:
            one = inner(doc)
            return None if one is None else not one

        self.tri: Test = negated

    def test(self, doc: Mapping[str, Any]) -> Tri:
        return self.tri(doc)

    def describe(self) -> str:
        return self.description

    def why(self, doc: Mapping[str, Any]) -> Why:
        inner = self.part.why(doc) if self.part.test(doc) is None else None
        if inner is not None:
            return Why(inner.field, self.describe(), inner.actual, inner.message)
        fields = _fields_of(self.part)
        field = fields[0] if len(fields) == 1 else None
        actual = None
        if field is not None and isinstance(self.part, FieldCondition):
            values = self.part.resolve(doc)
            actual = None if values[0] is MISSING else values[0]
        shown = f" ({field} is {show(actual)})" if field else ""
        return Why(field, self.describe(), actual,
                   f"expected {self.describe()}, but it holds{shown}")


# Maps whose keys are names an author types (free-form or documented elsewhere): a misspelt
# key matches nothing, so the run says when a rule's key was set in no model it judged.
_NAMED_MAPS = {("tags",): "tag", ("hyperParameters",): "hyperparameter",
               ("customizationConfig", "rftConfig", "hyperParameters"): "hyperparameter"}


@dataclass(frozen=True)
class NamedKey:
    """A key of a map that a rule names (a tag, a hyperparameter): ``present`` says whether a
    document sets it at any of ``paths``."""

    label: str  # "tag Owner", "hyperparameter learningRate"
    paths: tuple[tuple[str, ...], ...]

    def present(self, doc: Mapping[str, Any]) -> bool:
        for keys in self.paths:
            value: Any = doc
            for key in keys:
                value = value.get(key) if isinstance(value, Mapping) else None
            if value is not None:
                return True
        return False


def named_keys(condition: Condition | None) -> tuple[NamedKey, ...]:
    """The tag and hyperparameter keys a condition reads (``exists`` tests aside: they are
    about presence already; so is an ``any_of`` that allows the key to be absent)."""
    if isinstance(condition, FieldCondition):
        if condition.op == "exists":
            return ()
        segments = condition.path.segments
        for prefix, what in _NAMED_MAPS.items():
            n = len(prefix)
            if len(segments) > n and tuple(s.key for s in segments[:n]) == prefix and \
                    not any(s.each for s in segments[:n]):
                key = segments[n].key
                return (NamedKey(f"{what} {key}", ((*prefix, key),)),)
        return ()
    if isinstance(condition, AnyOf):
        optional = {p.path.text for p in condition.parts if isinstance(p, FieldCondition)
                    and p.op == "exists" and p.arg is False}
        return tuple(k for p in condition.parts
                     if not (isinstance(p, FieldCondition) and p.path.text in optional)
                     for k in named_keys(p))
    if isinstance(condition, AllOf):
        return tuple(k for p in condition.parts for k in named_keys(p))
    if isinstance(condition, Not):
        return named_keys(condition.part)
    return ()


def _fields_of(condition: Condition) -> list[str]:
    if isinstance(condition, FieldCondition):
        return [condition.path.text]
    if isinstance(condition, (AllOf, AnyOf)):
        return sorted({f for p in condition.parts for f in _fields_of(p)})
    if isinstance(condition, Not):
        return _fields_of(condition.part)
    return []


# --- compiling from policy data ------------------------------------------------------------

def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _compile_arg(op: str, raw: Any, ctx: LoadContext, path: tuple[Any, ...],
                 arn: bool = False) -> Any:
    """Check an operator's argument and pre-compute what evaluation needs; None if invalid."""
    if op in ("equals", "not_equals", "contains"):
        if not _is_scalar(raw):
            ctx.error(path, f"'{op}' takes a string, number or boolean, not {type_name(raw)}")
            return None
        return Literal(raw)
    if op in ("in", "not_in"):
        if not isinstance(raw, list) or not raw:
            ctx.error(path, f"'{op}' takes a non-empty list, not {type_name(raw)}")
            return None
        bad = [i for i, item in enumerate(raw) if not _is_scalar(item)]
        for i in bad:
            ctx.error((*path, i), f"'{op}' items must be strings, numbers or booleans")
        return None if bad else [Literal(item) for item in raw]
    if op in ("matches", "not_matches"):
        return compile_pattern(raw, ctx, path, op)
    if op == "glob":
        return _compile_glob_arg(raw, ctx, path, arn)
    if op in ("min", "max"):
        literal = Literal(raw)
        if literal.number is None:
            ctx.error(path, f"'{op}' takes a number (e.g. 0.0001 or \"1e-4\"), not {show(raw)}")
            return None
        return literal
    return _compile_whole_arg(op, raw, ctx, path)


def _compile_glob_arg(raw: Any, ctx: LoadContext, path: tuple[Any, ...], arn: bool) -> Any:
    if not isinstance(raw, str):
        ctx.error(path, f"'glob' takes a string, not {type_name(raw)}")
        return None
    if arn:
        return (raw, compile_arn_globs([raw]))
    return (raw, compile_glob(raw))


def _compile_whole_arg(op: str, raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Any:
    """The argument of a date operator (days) or of ``exists`` (a boolean)."""
    if op in DATE_OPERATORS:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            ctx.error(path, f"'{op}' takes a whole number of days, 0 or more (e.g. 90), not "
                            f"{show(raw)}")
            return None
        return raw
    if op == "exists":
        if not isinstance(raw, bool):
            ctx.error(path, f"'exists' takes true or false, not {show(raw)}")
            return None
        return raw
    raise AssertionError(op)


def compile_pattern(raw: Any, ctx: LoadContext, path: tuple[Any, ...],
                    what: str) -> tuple[str, Callable[[str], Any]] | None:
    """A whole-value regex from policy data, or None after recording the problem."""
    if not isinstance(raw, str):
        ctx.error(path, f"'{what}' takes a regular expression string, not {type_name(raw)}")
        return None
    try:
        return (raw, compile_regex(raw))
    except re.error as exc:
        ctx.error(path, f"invalid regular expression for '{what}': {exc}")
        return None


def compile_condition(raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Condition | None:
    """Compile a CONDITION from policy data; record problems in ``ctx`` and return None if bad."""
    if not isinstance(raw, dict):
        ctx.error(path, f"a condition must be a mapping ({{field: ..., equals: ...}} or "
                        f"all_of/any_of/not), not {type_name(raw)}")
        return None
    logical = [k for k in raw if k in LOGICAL]
    if logical:
        if len(raw) != 1:
            extra = next(k for k in raw if k != logical[0])
            ctx.error((*path, extra), f"'{logical[0]}' must stand alone in its mapping; "
                                      f"move '{extra}' into a condition of its own", key=True)
            return None
        key = logical[0]
        value = raw[key]
        if key == "not":
            inner = compile_condition(value, ctx, (*path, key))
            return None if inner is None else Not(inner)
        if not isinstance(value, list) or not value:
            ctx.error((*path, key), f"'{key}' takes a non-empty list of conditions")
            return None
        parts = [compile_condition(item, ctx, (*path, key, i)) for i, item in enumerate(value)]
        if any(p is None for p in parts):
            return None
        clean = [p for p in parts if p is not None]
        return AllOf(clean) if key == "all_of" else AnyOf(clean)
    known = ["field", *OPERATORS, *LOGICAL]
    ok = True
    for key in raw:
        if key not in known:
            ctx.error((*path, key), f"unknown operator '{key}'" + did_you_mean(key, known)
                      + "; operators: " + ", ".join(OPERATORS), key=True)
            ok = False
    if "field" not in raw:
        ctx.error(path, "a condition needs 'field' (or all_of/any_of/not)")
        return None
    field = ctx.field_path(raw["field"], (*path, "field"))
    ops = [k for k in raw if k in OPERATORS]
    if not ops:
        if ok:
            ctx.error(path, "a condition needs an operator: " + ", ".join(OPERATORS))
        return None
    conditions: list[Condition] = []
    leaf = leaf_at([s.key for s in field.segments], ctx.shape) if field is not None else None
    arn = leaf is not None and leaf.arn is not None
    for op in ops:
        arg = _compile_arg(op, raw[op], ctx, (*path, op), arn)
        if arg is None or field is None:
            ok = False
            continue
        conditions.append(FieldCondition(field, op, arg))
    if not ok or field is None:
        return None
    return conditions[0] if len(conditions) == 1 else AllOf(conditions)
