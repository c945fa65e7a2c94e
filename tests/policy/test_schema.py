"""The policy JSON Schema is built from the check kinds and agrees with the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from checker.checks import CHECKS
from checker.documents import to_json_value
from checker.policy.loader import load_policy_text
from checker.policy.schema import policy_schema
from tests.support import ROOT

VALIDATOR = Draft202012Validator(policy_schema())
SHIPPED = sorted(p for p in (ROOT / "policies").glob("*.yaml") if not p.stem.endswith("_test"))


def test_shipped_schema_file_is_current() -> None:
    shipped = json.loads((ROOT / "checker" / "data" / "policy.schema.json").read_text())
    assert shipped == policy_schema(), "run: bedrock-drift schema > checker/data/policy.schema.json"


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(policy_schema())


def test_every_check_kind_is_in_the_schema() -> None:
    rule = policy_schema()["$defs"]["rule"]
    assert [one["required"][0] for one in rule["oneOf"]] == list(CHECKS)
    assert set(CHECKS) <= set(rule["properties"])


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_policies_match_schema_and_load(path: Path) -> None:
    data = to_json_value(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert list(VALIDATOR.iter_errors(data)) == []
    policy, problems = load_policy_text(path.read_bytes(), str(path))
    assert policy is not None, [str(p) for p in problems]


@pytest.mark.parametrize("kind", list(CHECKS))
def test_every_kind_example_loads_and_matches_schema(kind: str) -> None:
    rules = yaml.safe_load(CHECKS[kind].example)
    data: dict[str, Any] = {"version": 1, "name": "example", "rules": rules}
    assert list(VALIDATOR.iter_errors(data)) == []
    policy, problems = load_policy_text(yaml.safe_dump(data).encode(), "example.yaml")
    assert policy is not None, [str(p) for p in problems]
    assert policy.rules[0].info.kind == kind


@pytest.mark.parametrize("rule", [
    {"id": "a", "kms_key": {}, "base_model": {"allowed": ["x"]}},
    {"id": "a"},
    {"id": "a", "kms_key": {"alowed": ["x"]}},
    {"id": "a", "require": {"field": "modelName", "equal": "x"}},
    {"id": "a", "hyperparameter": {"name": "x", "max": "fast"}},
], ids=["two checks", "no check", "unknown option", "unknown operator", "max not a number"])
def test_schema_and_loader_both_reject(rule: dict[str, Any]) -> None:
    data = {"version": 1, "name": "p", "rules": [rule]}
    assert list(VALIDATOR.iter_errors(data)) != []
    policy, _ = load_policy_text(yaml.safe_dump(data).encode(), "p.yaml")
    assert policy is None
