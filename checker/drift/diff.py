"""Drift between two sets of model documents, as a plan that reads like ``terraform plan``.

Pure: two lists of model inputs in, a :class:`Plan` out, and renderers that turn a plan into
text or JSON data. Models are matched by ARN, or by kind and name when they have none (a
planned model). Inside a matched pair every field is compared by path: nested objects with
dots (``hyperParameters.learningRate``), list elements by index
(``validationDataConfig.validators[0].s3Uri``), keys that are not plain identifiers quoted
(``tags."cost.center"``). An added or removed object is shown leaf by leaf, so every line
names one field a reviewer can look up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.documents import ENRICHMENT_KEYS
from checker.errors import InputError
from checker.lang.unknowns import redact_document, with_value
from checker.results import SENSITIVE, ModelInput
from checker.values import clean

DIFF_SCHEMA_VERSION = 1

ADD, REMOVE, CHANGE = "add", "remove", "change"
SYMBOLS = {ADD: "+", REMOVE: "-", CHANGE: "~"}

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_ABSENT: Any = object()


# --- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldChange:
    """One changed field. ``before``/``after`` are absent (``has_before``/``has_after`` False)
    when the field was added or removed; null is a real value."""

    path: str
    action: str  # add | remove | change
    before: Any = None
    after: Any = None

    @property
    def has_before(self) -> bool:
        return self.action != ADD

    @property
    def has_after(self) -> bool:
        return self.action != REMOVE


@dataclass(frozen=True)
class ModelChange:
    """A model that appeared, disappeared or changed."""

    action: str  # add | remove | change
    key: str
    arn: str | None
    name: str | None
    kind: str
    changes: tuple[FieldChange, ...] = ()
    unchanged: int = 0  # leaf fields equal on both sides (changed models only)

    @property
    def display_name(self) -> str:
        return self.name or self.arn or "(unnamed model)"


@dataclass(frozen=True)
class Plan:
    """What differs between a baseline and the current state."""

    models: tuple[ModelChange, ...]
    unchanged_models: int
    ignored: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def count(self, action: str) -> int:
        return sum(1 for m in self.models if m.action == action)

    @property
    def has_drift(self) -> bool:
        return bool(self.models)


# --- field paths and ignore globs ------------------------------------------------------------

def _key_text(key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return key
    return json.dumps(key, ensure_ascii=False)


def join_path(parent: str, key: str | int) -> str:
    """The path of ``key`` under ``parent``: ``a.b``, ``a[0]``, ``tags."cost.center"``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    text = _key_text(key)
    return f"{parent}.{text}" if parent else text


def compile_ignore(patterns: Sequence[str]) -> Callable[[str], bool]:
    """A predicate saying whether a field path is left out of the diff.

    A pattern is a glob on field paths: ``*`` matches anything (dots included), ``?`` one
    character, ``[*]`` any list index; other characters are literal (so ``validators[0]``
    means index 0). A path is left out when a pattern matches it or one of its ancestors,
    or when the pattern names its descendants (``trainingMetrics.*`` also covers a
    ``trainingMetrics`` that changed type as a whole).
    """
    regexes = [_glob_regex(p) for p in patterns]
    if not regexes:
        return lambda _path: False

    def ignored(path: str) -> bool:
        candidates = [*_ancestors(path), path, f"{path}.*"]
        return any(r.fullmatch(c) for r in regexes for c in candidates)

    return ignored


def _glob_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("[*]", i):
            parts.append(r"\[(?:[0-9]+|\*)\]")
            i += 3
            continue
        char = pattern[i]
        parts.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def _ancestors(path: str) -> list[str]:
    """Every proper prefix of a path that is itself a path (cut before '.' or '[' outside
    quotes)."""
    found: list[str] = []
    quoted = False
    for i, char in enumerate(path):
        if char == '"' and (i == 0 or path[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in ".[" and i > 0:
            found.append(path[:i])
    return found


# --- comparing -------------------------------------------------------------------------------

def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _leaves(value: Any, path: str) -> Iterable[tuple[str, Any]]:
    """The leaf fields of a value: scalars and empty containers, by path."""
    if isinstance(value, Mapping) and value:
        for key in sorted(value, key=str):
            yield from _leaves(value[key], join_path(path, str(key)))
    elif isinstance(value, (list, tuple)) and value:
        for index, item in enumerate(value):
            yield from _leaves(item, join_path(path, index))
    else:
        yield path, value


class _Comparer:
    def __init__(self, ignored: Callable[[str], bool]) -> None:
        self.ignored = ignored
        self.changes: list[FieldChange] = []
        self.unchanged = 0

    def one_side(self, value: Any, path: str, action: str) -> None:
        for leaf, item in _leaves(value, path):
            if self.ignored(leaf):
                continue
            if action == ADD:
                self.changes.append(FieldChange(leaf, ADD, after=item))
            else:
                self.changes.append(FieldChange(leaf, REMOVE, before=item))

    def compare(self, before: Any, after: Any, path: str) -> None:
        if path and self.ignored(path):
            return
        kind_before, kind_after = _json_type(before), _json_type(after)
        if kind_before == kind_after == "object":
            for key in sorted(set(before) | set(after), key=str):
                child = join_path(path, str(key))
                if key not in after:
                    self.one_side(before[key], child, REMOVE)
                elif key not in before:
                    self.one_side(after[key], child, ADD)
                else:
                    self.compare(before[key], after[key], child)
        elif kind_before == kind_after == "array" and (before or after):
            for index in range(max(len(before), len(after))):
                child = join_path(path, index)
                if index >= len(after):
                    self.one_side(before[index], child, REMOVE)
                elif index >= len(before):
                    self.one_side(after[index], child, ADD)
                else:
                    self.compare(before[index], after[index], child)
        elif kind_before == kind_after and before == after:
            self.unchanged += 1
        else:
            # A different type is a change even when Python would call the values equal
            # (True == 1, "1" != 1): the document is JSON, and JSON types matter to rules.
            self.changes.append(FieldChange(path, CHANGE, before=before, after=after))


def identity(item: ModelInput) -> str:
    """How a model is matched across two states: its ARN, its Terraform address, or its kind
    and name."""
    arn = item.document.get("modelArn")
    if isinstance(arn, str) and arn:
        return arn
    if item.address:
        return f"{item.kind}:{item.address}"
    name = item.document.get("modelName")
    return f"{item.kind}:{name if isinstance(name, str) else ''}"


def _index(models: Sequence[ModelInput], side: str) -> dict[str, ModelInput]:
    indexed: dict[str, ModelInput] = {}
    for item in models:
        key = identity(item)
        if key in indexed:
            raise InputError(f"{side}: model {key!r} appears twice ({indexed[key].origin} and "
                             f"{item.origin}); each model must appear once")
        indexed[key] = item
    return indexed


def _shown(item: ModelInput) -> dict[str, Any]:
    doc = dict(item.document)
    if item.sensitive_fields:
        doc = redact_document(doc, item.sensitive_fields, SENSITIVE)
    for path in item.withheld_fields:
        # Not recorded in the snapshot it came from: shown as the mask, as on the other side.
        doc = with_value(doc, path, SENSITIVE)
    return doc


def _ref(item: ModelInput) -> tuple[str | None, str | None]:
    arn, name = item.document.get("modelArn"), item.document.get("modelName")
    return (arn if isinstance(arn, str) else None, name if isinstance(name, str) else None)


def diff_models(baseline: Sequence[ModelInput], current: Sequence[ModelInput],
                ignore: Sequence[str] = ()) -> Plan:
    """Compare the models of a baseline with the current ones.

    An added key (``tags``, ``job``, ``kmsKey``, ``ownerAccountId``) that one side did not
    fetch is not compared, since absent means "not fetched" rather than "none"; the plan
    notes it instead of reporting fields as removed or added.
    """
    ignored = compile_ignore(ignore)
    before_index = _index(baseline, "baseline")
    after_index = _index(current, "current")
    changes: list[ModelChange] = []
    unchanged_models = 0
    not_compared: set[str] = set()
    for key in sorted(set(before_index) | set(after_index)):
        before, after = before_index.get(key), after_index.get(key)
        if after is None and before is not None:
            arn, name = _ref(before)
            changes.append(ModelChange(REMOVE, key, arn, name, before.kind))
            continue
        if before is None and after is not None:
            arn, name = _ref(after)
            changes.append(ModelChange(ADD, key, arn, name, after.kind))
            continue
        assert before is not None and after is not None
        # A value Terraform marks sensitive is compared as "(sensitive)": never printed.
        doc_before, doc_after = _shown(before), _shown(after)
        for enrichment in ENRICHMENT_KEYS:
            if (enrichment in doc_before) != (enrichment in doc_after):
                not_compared.add(enrichment)
                doc_before.pop(enrichment, None)
                doc_after.pop(enrichment, None)
        comparer = _Comparer(ignored)
        comparer.compare(doc_before, doc_after, "")
        if before.kind != after.kind:
            comparer.changes.insert(0, FieldChange("(kind)", CHANGE, before.kind, after.kind))
        if comparer.changes:
            arn, name = _ref(after)
            changes.append(ModelChange(CHANGE, key, arn, name, after.kind,
                                       tuple(comparer.changes), comparer.unchanged))
        else:
            unchanged_models += 1
    changes.sort(key=lambda m: (m.display_name, m.key))
    notes = tuple(f"'{key}' was read on one side only, so it was not compared"
                  for key in sorted(not_compared))
    return Plan(models=tuple(changes), unchanged_models=unchanged_models,
                ignored=tuple(ignore), notes=notes)


# --- rendering -------------------------------------------------------------------------------

_COLORS = {ADD: "32", REMOVE: "31", CHANGE: "33", "dim": "2"}


def show_value(value: Any) -> str:
    """A value as JSON on one line: strings quoted, null as null."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word if n == 1 else word + 's'}"


def render_plan_text(plan: Plan, *, baseline: str, current: str, color: bool = False) -> str:
    """The plan in ``terraform plan`` style, ending with a ``Drift:`` line."""

    def paint(name: str, text: str) -> str:
        return f"\033[{_COLORS[name]}m{text}\033[0m" if color else text

    lines = [f"Comparing {baseline} with {current}."]
    if plan.ignored:
        lines.append("Ignoring fields: " + ", ".join(plan.ignored))
    lines.append("")
    for model in plan.models:
        symbol = paint(model.action, SYMBOLS[model.action])
        header = f'{symbol} model "{clean(model.display_name)}"'
        if model.arn and model.arn != model.display_name:
            header += f" ({clean(model.arn)})"
        if model.kind != "model":
            header += f" [{model.kind}]"
        lines.append(header)
        for change in model.changes:
            mark = paint(change.action, SYMBOLS[change.action])
            if change.action == CHANGE:
                text = f"{show_value(change.before)} -> {show_value(change.after)}"
                before_type, after_type = _json_type(change.before), _json_type(change.after)
                if before_type != after_type:
                    text += f" ({before_type} -> {after_type})"
            elif change.action == ADD:
                text = show_value(change.after)
            else:
                text = show_value(change.before)
            lines.append(f"    {mark} {clean(change.path)}: {clean(text)}")
        if model.action == CHANGE and model.unchanged:
            lines.append(paint("dim", f"    # ({_count(model.unchanged, 'unchanged field')} "
                                      "hidden)"))
        lines.append("")
    for note in plan.notes:
        lines.append(f"Note: {note}.")
    if plan.notes:
        lines.append("")
    if not plan.has_drift:
        lines.append(f"No drift: {_count(plan.unchanged_models, 'model')} unchanged.")
    lines.append(f"Drift: {plan.count(ADD)} added, {plan.count(CHANGE)} changed, "
                 f"{plan.count(REMOVE)} removed.")
    return "\n".join(lines) + "\n"


def plan_dict(plan: Plan, *, baseline: Mapping[str, Any],
              current: Mapping[str, Any]) -> dict[str, Any]:
    """The plan as JSON data (``schema_version`` 1); absent before/after values are left
    out, while null stays null."""
    models = []
    for model in plan.models:
        entry: dict[str, Any] = {"action": model.action, "model_arn": model.arn,
                                 "model_name": model.name, "kind": model.kind}
        if model.action == CHANGE:
            fields = []
            for change in model.changes:
                item: dict[str, Any] = {"path": change.path, "action": change.action}
                if change.has_before:
                    item["before"] = change.before
                if change.has_after:
                    item["after"] = change.after
                fields.append(item)
            entry["changes"] = fields
            entry["unchanged_fields"] = model.unchanged
        models.append(entry)
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "baseline": dict(baseline),
        "current": dict(current),
        "ignored": list(plan.ignored),
        "summary": {"added": plan.count(ADD), "changed": plan.count(CHANGE),
                    "removed": plan.count(REMOVE), "unchanged": plan.unchanged_models,
                    "drift": plan.has_drift},
        "models": models,
        "notes": list(plan.notes),
    }


def render_plan_json(plan: Plan, *, baseline: Mapping[str, Any],
                     current: Mapping[str, Any]) -> str:
    return json.dumps(plan_dict(plan, baseline=baseline, current=current), indent=2,
                      ensure_ascii=False) + "\n"


__all__ = ["FieldChange", "ModelChange", "Plan", "diff_models", "plan_dict", "render_plan_json",
           "render_plan_text"]
