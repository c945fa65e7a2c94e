"""What every check kind provides, and how its options are validated."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.lang.conditions import NamedKey
from checker.lang.context import LoadContext, did_you_mean
from checker.lang.facts import accepted_key, facts
from checker.lang.yaml import Path
from checker.results import Status
from checker.values import show

JSON = dict[str, Any]


@dataclass(frozen=True, init=False)
class Outcome:
    """What a check says about one document.

    Its ``__init__`` is written out, as :class:`checker.results.Finding`'s is: each failure
    makes one.
    """

    status: Status
    field: str | None = None
    expected: str | None = None
    actual: Any = None
    message: str = ""

    def __init__(self, status: Status, field: str | None = None, expected: str | None = None,
                 actual: Any = None, message: str = "") -> None:
        values = self.__dict__
        values["status"] = status
        values["field"] = field
        values["expected"] = expected
        values["actual"] = actual
        values["message"] = message


PASSED = Outcome(Status.PASS)
NOT_APPLICABLE = Outcome(Status.NOT_APPLICABLE)


def failed(field: str | None, expected: str, actual: Any, message: str) -> Outcome:
    return Outcome(Status.FAIL, field, expected, actual, message)


class Check:
    """A compiled check: judges one document.

    ``kinds`` limits the check to models of those kinds (``model``, ``job``, ``planned``,
    ``imported``); for the others it is not applicable. None means every kind.
    """

    kinds: frozenset[str] | None = None
    # The tag and hyperparameter keys the check names: the run warns about one that no
    # judged model sets (a typo matches nothing).
    named: tuple[NamedKey, ...] = ()

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        raise NotImplementedError


Compiler = Callable[[Any, LoadContext, tuple[Any, ...]], "Check | None"]


# warn(path, message): a lint warning at a place in the policy.
Warn = Callable[[Path, str], None]
# lint(options, path, warn): the kind's own lints over one rule's options (``path`` is where
# they stand, ``(..., "rules", index, kind)``); each mistake that is valid syntax but cannot
# be what the author meant is a warning.
Lint = Callable[[Mapping[str, Any], Path, Warn], None]


@dataclass(frozen=True)
class Sample:
    """A model an example is shown on, and the status the example's rule yields for it."""

    label: str
    document: dict[str, Any]
    status: str


@dataclass(frozen=True)
class CheckKind:
    """One check kind: its name, docs, options schema and compiler, declared side by side."""

    name: str
    summary: str
    semantics: str
    schema: JSON
    example: str  # a YAML rule (a list item) that the docs print and a test loads
    compile: Compiler
    not_supported_yet: Mapping[str, str] = field(default_factory=dict)
    validate_with_schema: bool = True
    empty_ok: bool = False  # `kms_key:` with no options means the defaults
    # The models the example is shown on (`bedrock-drift rules KIND`), a passing one, a
    # failing one and the edge the semantics single out; a test judges each.
    samples: tuple[Sample, ...] = ()
    # False: an imported model (Custom Model Import) has no field the kind reads, so its
    # rules are not applicable to one.
    imported: bool = True
    # True: a `resource: account` policy may hold rules of this kind.
    account: bool = False
    # The kind's lints, which `validate` runs on a rule that compiled (None: it has none).
    lint: Lint | None = None


def strings_in(options: Mapping[str, Any], path: Path,
               keys: Sequence[str]) -> Iterator[tuple[Path, str]]:
    """(path, value) for each string in the options' lists under ``keys`` (a lint's input)."""
    for key in keys:
        values = options.get(key)
        if isinstance(values, list):
            for index, value in enumerate(values):
                if isinstance(value, str):
                    yield (*path, key, index), value


def glob_list(description: str) -> JSON:
    return {"type": "array", "items": {"type": "string"}, "minItems": 1,
            "description": description}


NUMBER_SCHEMA: JSON = {
    "oneOf": [
        {"type": "number"},
        {"type": "string", "pattern": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"},
    ]
}


def validate_options(kind: CheckKind, raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> bool:
    """Check a rule's options against the kind's JSON Schema; record problems, say if clean."""
    if isinstance(raw, dict):
        for key, why in kind.not_supported_yet.items():
            if key in raw:
                ctx.error((*path, key), f"{kind.name}.{key} is not supported yet: {why}",
                          key=True)
                return False
    if not kind.validate_with_schema:
        return True
    # Options this schema accepted before need no jsonschema (see checker.lang.facts).
    accepted = accepted_key(kind.schema, raw)
    if accepted is not None and facts().known(accepted):
        return True
    from jsonschema import Draft202012Validator  # here: only options not seen before

    validator = Draft202012Validator(kind.schema)
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if not errors and accepted is not None:
        facts().add(accepted, True)
    for error in errors:
        where = (*path, *error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in allowed:
                    ctx.error((*where, key), f"unknown option '{key}' for {kind.name}"
                              + did_you_mean(key, allowed)
                              + "; options: " + ", ".join(allowed), key=True)
        elif error.validator == "type" and not error.absolute_path:
            ctx.error(where, f"{kind.name} takes a mapping of options, not {show(raw)}")
        elif error.validator == "required":
            ctx.error(where, f"{kind.name}: {error.message}")
        else:
            name = ".".join(map(str, error.absolute_path)) or kind.name
            ctx.error(where, f"{name}: {_plain(error)}")
    return not errors


def _plain(error: Any) -> str:
    if error.validator == "oneOf" and error.schema.get("oneOf") == NUMBER_SCHEMA["oneOf"]:
        return f"must be a number (e.g. 0.0001 or \"1e-4\"), not {show(error.instance)}"
    if error.validator == "type":
        return f"must be {error.validator_value}, not {show(error.instance)}"
    if error.validator == "minItems":
        return "must not be empty"
    return str(error.message)
