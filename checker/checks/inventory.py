"""Inventory rules: expectations over the whole set of models rather than one model.

A policy's ``inventory`` section::

    inventory:
      allowed: ["prod-*", "research-*"]   # every model's name must match one glob
      required: [prod-summarizer]          # each must exist, and be Active when modelStatus says
      severity: high                       # optional, like a rule's (default medium)
      labels: [inventory]                  # optional
      remediation: ...                     # optional

compiles into up to two rules, ``<policy>/inventory-allowed`` and
``<policy>/inventory-required``, judged like any other: scope, waivers, ``--rule`` and
every report apply. ``allowed`` is judged per model (a model matching no glob is an
unapproved "shadow" model). ``required`` is judged per model for the models it names
(their ``modelStatus``) and then once over the set: a name that no model read matches is
a violation whose model is the missing name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.checks.base import NOT_APPLICABLE, PASSED, Check, Outcome, failed
from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.results import SEVERITIES, ModelRef, RuleInfo
from checker.values import compile_globs, show

INVENTORY_KEYS = ("allowed", "required", "severity", "labels", "remediation")
ALLOWED_ID = "inventory-allowed"
REQUIRED_ID = "inventory-required"
RESERVED_IDS = (ALLOWED_ID, REQUIRED_ID)
# Kinds that exist in the account: a planned model or an in-flight job does not yet.
EXISTING_KINDS = frozenset({"model", "imported"})


class AllowedCheck(Check):
    """The model's name matches one of the approved globs (case-sensitive, whole name)."""

    def __init__(self, globs: list[str]) -> None:
        self.globs = globs
        self.match: Callable[[str], Any] = compile_globs(globs)
        self.expected = f"one of {show(globs)}"

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        name = doc.get("modelName")
        if not isinstance(name, str):
            return failed("modelName", self.expected, name,
                          "the model has no name, so it cannot be an approved one")
        if self.match(name):
            return PASSED
        return failed("modelName", self.expected, name,
                      f"unapproved model: {show(name)} matches no allowed name "
                      f"{show(self.globs)} (a shadow model)")


class RequiredCheck(Check):
    """For a model the ``required`` list names: it is Active (or has no ``modelStatus``).

    Whether every required name exists at all is judged over the whole set, by
    :func:`missing_required`.
    """

    kinds = EXISTING_KINDS

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.match: Callable[[str], Any] = compile_globs(names)

    def names_matched(self, name: str | None) -> list[str]:
        if name is None:
            return []
        return [entry for entry in self.names if compile_globs([entry])(name)]

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        name = doc.get("modelName")
        if not (isinstance(name, str) and self.match(name)):
            return NOT_APPLICABLE
        status = doc.get("modelStatus")
        if status is None or status == "Active":
            return PASSED
        return failed("modelStatus", "Active", status,
                      f"required model {show(name)} is {show(status)}, not Active")


@dataclass(frozen=True)
class Missing:
    """A required name that no model read matches."""

    rule: RuleInfo
    name: str

    @property
    def model(self) -> ModelRef:
        return ModelRef(arn=None, name=self.name, account_id=None, region=None,
                        kind="model", origin="inventory")


def missing_required(rule: RuleInfo, check: RequiredCheck,
                     judged_names: Sequence[str | None]) -> list[Missing]:
    """The required names matched by none of ``judged_names`` (the models the rule judged:
    in scope and of a kind that exists)."""
    found = {entry for name in judged_names for entry in check.names_matched(name)}
    return [Missing(rule, entry) for entry in check.names if entry not in found]


# --- loading ---------------------------------------------------------------------------------

def _globs(raw: Mapping[str, Any], key: str, ctx: LoadContext,
           path: tuple[Any, ...]) -> list[str] | None:
    value = raw[key]
    if not isinstance(value, list) or not value:
        ctx.error((*path, key), f"inventory '{key}' must be a non-empty list of model names "
                                "or globs")
        return None
    good = True
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            ctx.error((*path, key, index), f"inventory '{key}' items must be non-empty "
                                           f"strings, not {type_name(item)}")
            good = False
    if good and len(set(value)) != len(value):
        ctx.warn((*path, key), f"inventory '{key}' lists a name twice")
    return value if good else None


def compile_inventory(raw: Any, ctx: LoadContext, policy: str) -> list[tuple[RuleInfo, Check]]:
    """The rules an ``inventory`` section compiles into (problems go to ``ctx``)."""
    path: tuple[Any, ...] = ("inventory",)
    if not isinstance(raw, dict):
        ctx.error(path, f"'inventory' must be a mapping with 'allowed' and/or 'required', not "
                        f"{type_name(raw)}")
        return []
    ctx.unknown_keys(raw, path, INVENTORY_KEYS, "inventory")
    if "allowed" not in raw and "required" not in raw:
        ctx.error(path, "inventory needs 'allowed' (globs every model name must match) and/or "
                        "'required' (models that must exist)")
        return []
    severity = raw.get("severity", "medium")
    if severity not in SEVERITIES:
        ctx.error((*path, "severity"), f"unknown severity {severity!r}"
                  + did_you_mean(str(severity), SEVERITIES) + "; one of "
                  + ", ".join(SEVERITIES))
        return []
    labels = raw.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, (str, int, float))
                                                for x in labels):
        ctx.error((*path, "labels"), "'labels' must be a list of strings")
        labels = []
    remediation = raw.get("remediation")
    if remediation is not None and (not isinstance(remediation, str) or not remediation.strip()):
        ctx.error((*path, "remediation"), "'remediation' must be a non-empty string")
        remediation = None

    rules: list[tuple[RuleInfo, Check]] = []
    for key, rule_id, title, make in (
            ("allowed", ALLOWED_ID, "Only approved models exist (no shadow models)",
             AllowedCheck),
            ("required", REQUIRED_ID, "Every required model exists and is Active",
             RequiredCheck)):
        if key not in raw:
            continue
        names = _globs(raw, key, ctx, path)
        if names is None:
            continue
        line, _ = ctx.located.where((*path, key), key=True)
        info = RuleInfo(policy=policy, id=rule_id, severity=severity, title=title,
                        labels=tuple(str(x) for x in labels), kind="inventory",
                        file=ctx.file, line=line, remediation=remediation)
        rules.append((info, make(names)))
    return rules


INVENTORY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "anyOf": [{"required": ["allowed"]}, {"required": ["required"]}],
    "description": "Expectations over the whole set of models. Reported as "
                   "<policy>/inventory-allowed and <policy>/inventory-required.",
    "properties": {
        "allowed": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1},
                    "description": "Globs on modelName (case-sensitive); a model matching none "
                                   "is an unapproved (shadow) model."},
        "required": {"type": "array", "minItems": 1,
                     "items": {"type": "string", "minLength": 1},
                     "description": "Model names (or globs) that must each match a model "
                                    "read, which must be Active when modelStatus is present."},
        "severity": {"enum": list(SEVERITIES), "default": "medium"},
        "labels": {"type": "array", "items": {"type": "string"}},
        "remediation": {"type": "string", "minLength": 1},
    },
}
