"""hyperparameter: a training hyperparameter stays within bounds or an allowed set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.checks.base import (
    NUMBER_SCHEMA,
    PASSED,
    Check,
    CheckKind,
    Outcome,
    Sample,
    failed,
    validate_options,
)
from checker.lang.conditions import NamedKey
from checker.lang.context import LoadContext, did_you_mean
from checker.lang.hyperparameters import documented_hyperparameters
from checker.values import Literal, as_number, show

# Fine-tuning style jobs keep hyperparameters as strings; RFT keeps them as numbers.
MAPS = (("hyperParameters",), ("customizationConfig", "rftConfig", "hyperParameters"))
# How many different values a check remembers the outcome of, per map.
_MEMO_SIZE = 4096


def _mapping(value: Any) -> bool:
    # Documents are plain dicts: test that first, the ABC check costs several times more.
    return type(value) is dict or isinstance(value, Mapping)


def _text(literal: Literal) -> str:
    return literal.value if isinstance(literal.value, str) else show(literal.value)


class HyperparameterCheck(Check):
    def __init__(self, name: str, minimum: Literal | None, maximum: Literal | None,
                 allowed: list[Literal] | None, required: bool) -> None:
        self.name = name
        self.min = minimum
        self.max = maximum
        self.allowed = allowed
        self.required = required
        parts = []
        if minimum is not None:
            parts.append(f">= {_text(minimum)}")
        if maximum is not None:
            parts.append(f"<= {_text(maximum)}")
        if allowed is not None:
            parts.append("one of [" + ", ".join(show(a.value) for a in allowed) + "]")
        self.expected = " and ".join(parts) or "set"
        self.fields = tuple(".".join((*keys, name)) for keys in MAPS)
        self.named = (NamedKey(f"hyperparameter {name}",
                               tuple((*keys, name) for keys in MAPS)),)
        # Per map, each value's outcome, worked out once: the same few strings ("0.00001",
        # "8") and integers recur across thousands of models. Only strings and integers
        # (never bools, floats or subclasses): equal ones are the same value, shown alike.
        self._memos: tuple[dict[Any, Outcome], ...] = ({}, {})

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        # Written out rather than looped over MAPS: this runs once per model and rule.
        found = False
        plain = doc.get("hyperParameters")
        if plain is not None:
            if type(plain) is not dict and not isinstance(plain, Mapping):
                return failed(self.fields[0], self.expected, None,
                              f"hyperParameters is not an object: {show(plain)}")
            value = plain.get(self.name)
            if value is not None:
                found = True
                outcome = self._remembered(0, value)
                if outcome is not PASSED:
                    return outcome
        config = doc.get("customizationConfig")
        if config is None:
            numeric = None
        else:
            rft = config.get("rftConfig") if _mapping(config) else None
            numeric = rft.get("hyperParameters") if rft is not None and _mapping(rft) \
                else None
        if numeric is not None:
            if not _mapping(numeric):
                return failed(self.fields[1], self.expected, None,
                              "customizationConfig.rftConfig.hyperParameters is not an "
                              f"object: {show(numeric)}")
            value = numeric.get(self.name)
            if value is not None:
                found = True
                outcome = self._remembered(1, value)
                if outcome is not PASSED:
                    return outcome
        if not found and self.required:
            return failed(self.fields[0], self.expected, None,
                          f"hyperparameter {self.name} is not set (AWS would apply its default)")
        return PASSED

    def _remembered(self, which: int, value: Any) -> Outcome:
        """:meth:`_judge` of ``value`` in map ``which``, remembered for strings and ints."""
        kind = type(value)
        if kind is not str and kind is not int:
            return self._judge(self.fields[which], value)
        memo = self._memos[which]
        outcome = memo.get(value)
        if outcome is None:
            outcome = self._judge(self.fields[which], value)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[value] = outcome
        return outcome

    def _judge(self, field: str, value: Any) -> Outcome:
        if self.min is not None or self.max is not None:
            number = as_number(value)
            if number is None:
                return failed(field, self.expected, value,
                              f"{field}: not a number: {show(value)}; expected {self.expected}")
            low = self.min.number if self.min is not None else None
            high = self.max.number if self.max is not None else None
            if (low is not None and number < low) or (high is not None and number > high):
                return failed(field, self.expected, value,
                              f"{field} is {show(value)}; expected {self.expected}")
        if self.allowed is not None and not any(a.equals(value) for a in self.allowed):
            return failed(field, self.expected, value,
                          f"{field} is {show(value)}; expected {self.expected}")
        return PASSED


def compile_check(raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Check | None:
    if not validate_options(KIND, raw, ctx, path):
        return None
    name = raw["name"]
    if not raw.get("undocumented") and name not in documented_hyperparameters():
        ctx.error((*path, "name"), f"'{name}' is not a hyperparameter AWS documents for any "
                  "customization type" + did_you_mean(name, sorted(documented_hyperparameters()))
                  + ": a misspelt name matches nothing and passes every model (set "
                  "'undocumented: true' to check a name AWS does not document)")
        return None
    if not any(k in raw for k in ("min", "max", "allowed")) and not raw.get("required"):
        ctx.error(path, "hyperparameter needs 'min', 'max', 'allowed' or 'required: true'")
        return None
    minimum = Literal(raw["min"]) if "min" in raw else None
    maximum = Literal(raw["max"]) if "max" in raw else None
    if minimum is not None and maximum is not None and minimum.number is not None \
            and maximum.number is not None and minimum.number > maximum.number:
        ctx.error((*path, "min"), f"min {show(raw['min'])} is greater than max "
                                  f"{show(raw['max'])}: no value can pass")
        return None
    allowed = [Literal(v) for v in raw["allowed"]] if "allowed" in raw else None
    return HyperparameterCheck(raw["name"], minimum, maximum, allowed,
                               bool(raw.get("required", False)))


SAMPLES: tuple[Sample, ...] = (
    Sample('learningRate "0.00005"', {"hyperParameters": {"learningRate": "0.00005"}},
           "pass"),
    Sample('learningRate "1e-4" (the cap, in exponent notation)',
           {"hyperParameters": {"learningRate": "1e-4"}}, "pass"),
    Sample('learningRate "0.001"', {"hyperParameters": {"learningRate": "0.001"}}, "fail"),
    Sample('learningRate "fast" (not a number)',
           {"hyperParameters": {"learningRate": "fast"}}, "fail"),
    Sample("no learningRate (AWS applies its default)", {"hyperParameters": {}}, "pass"),
)

KIND = CheckKind(
    samples=SAMPLES,
    imported=False,
    name="hyperparameter",
    summary="A training hyperparameter is within bounds or one of an allowed set.",
    semantics=(
        "Looks in hyperParameters (strings, for fine-tuning, continued pre-training and "
        "distillation) and customizationConfig.rftConfig.hyperParameters (numbers, for "
        "reinforcement fine-tuning). Present in both means both must hold. Absent from both "
        "passes unless `required: true`, because AWS then applies its documented default. "
        "Numeric strings such as \"0.0001\" and \"1e-4\" are numbers; \"fast\", \"NaN\", "
        "booleans and non-ASCII digits are not, and fail `min`/`max`. `allowed` compares "
        "numerically when both sides are numbers, else as exact, case-sensitive strings. "
        "`name` must be a hyperparameter AWS documents for some customization type (the "
        "tables of docs/hyperparameter-limits.md, and botocore's RFTHyperParameters): a "
        "misspelt name is a validation error with a suggestion, unless the rule sets "
        "`undocumented: true`. A rule whose name no judged model sets is named in the "
        "report's warnings."
    ),
    schema={
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1,
                     "description": "The hyperparameter, e.g. learningRate, epochCount."},
            "min": {**NUMBER_SCHEMA, "description": "Lowest value allowed (inclusive)."},
            "max": {**NUMBER_SCHEMA, "description": "Highest value allowed (inclusive)."},
            "allowed": {"type": "array", "minItems": 1,
                        "items": {"type": ["string", "number", "boolean"]},
                        "description": "The values allowed."},
            "required": {"type": "boolean", "default": False,
                         "description": "Fail when the hyperparameter is not set at all."},
            "undocumented": {"type": "boolean", "default": False,
                             "description": "Accept a name that is not a documented "
                                            "hyperparameter of any customization type "
                                            "(otherwise a validation error, as a typo "
                                            "would be)."},
        },
    },
    example="""\
- id: learning-rate-cap
  hyperparameter: {name: learningRate, max: 0.0001}
""",
    compile=compile_check,
)
