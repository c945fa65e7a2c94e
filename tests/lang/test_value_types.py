"""Severity, model kind, policy resource, result and check kind are Literal types, and every
list of their values (the schema's enums, the check table, what the engine writes) is the
same set."""

from __future__ import annotations

import json
from typing import get_args

import pytest

from checker.checks import CHECKS, CheckKindName
from checker.results import (
    KINDS,
    RESOURCES,
    SEVERITIES,
    ModelInput,
    ModelKind,
    ModelResultValue,
    Resource,
    Result,
    Scanned,
    Severity,
)
from tests.support import FIXED_NOW, ROOT, policy_from

SCHEMA = json.loads((ROOT / "checker" / "data" / "policy.schema.json").read_text())


def enums(node: object) -> list[list[object]]:
    """Every ``enum`` list in a JSON Schema, depth first."""
    found: list[list[object]] = []
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            found.append(node["enum"])
        for value in node.values():
            found.extend(enums(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(enums(value))
    return found


def test_the_value_lists_are_their_types() -> None:
    assert SEVERITIES == get_args(Severity) == ("info", "low", "medium", "high", "critical")
    assert get_args(ModelKind) == KINDS
    assert RESOURCES == get_args(Resource) == ("model", "account")
    assert set(get_args(Result)) < set(get_args(ModelResultValue))
    assert get_args(CheckKindName) == tuple(CHECKS)


def test_the_schema_offers_exactly_these_values() -> None:
    lists = enums(SCHEMA)
    assert list(SEVERITIES) in lists
    assert list(RESOURCES) in lists
    rule = SCHEMA["$defs"]["rule"]["properties"]
    assert set(get_args(CheckKindName)) <= set(rule)
    assert list(SEVERITIES) in enums(rule["severity"])
    assert list(SEVERITIES) in enums(rule["served_severity"])


@pytest.mark.parametrize(("learning_rate", "model_result", "run_result"), [
    ("0.00001", "pass", "pass"), ("0.1", "fail", "fail")])
def test_what_the_engine_writes_is_of_the_types(learning_rate: str, model_result: str,
                                                run_result: str) -> None:
    from checker.engine.evaluate import evaluate

    policy = policy_from({"version": 1, "name": "p", "rules": [
        {"id": "lr", "severity": "high",
         "hyperparameter": {"name": "learningRate", "max": 0.0001}},
        {"id": "other", "when": {"field": "customizationType", "equals": "DISTILLATION"},
         "require": {"field": "modelName", "exists": True}}]})
    doc = {"modelName": "m", "hyperParameters": {"learningRate": learning_rate}}
    report = evaluate([policy], [ModelInput(document=doc, kind="model", origin="t")],
                      scanned=Scanned(("test",), (), ()), now=FIXED_NOW)
    (model,) = report.models
    assert model.result == model_result and model.result in get_args(ModelResultValue)
    assert report.summary.result == run_result and run_result in get_args(Result)
    assert all(v.severity in SEVERITIES for v in report.violations)
    assert [v.severity for v in report.violations] == (["high"] if run_result == "fail" else [])


@pytest.mark.parametrize("value", ["High", " high", "", None, 3, "severe"])
def test_anything_else_is_no_severity(value: object) -> None:
    from checker.results import as_severity

    with pytest.raises(ValueError, match="is not one of info, low, medium, high, critical"):
        as_severity(value)
    assert [as_severity(s) for s in SEVERITIES] == list(SEVERITIES)
