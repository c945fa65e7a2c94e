"""Inventory rules: approved names (shadow models) and required models, over the whole set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from checker.engine.evaluate import evaluate, select_rules
from checker.policy.loader import Policy, load_policy_text
from checker.policy.schema import policy_schema
from checker.results import ModelInput, Report, Scanned, Status
from tests.support import FIXED_NOW, ROOT, policy_from, run_cli

EXAMPLES = str(ROOT / "examples" / "models")
HEAD = "version: 1\nname: p\n"


def problems_of(text: str) -> list[str]:
    policy, problems = load_policy_text(text.encode(), "p.yaml")
    errors = [str(p) for p in sorted(problems, key=lambda p: (p.line, p.col, p.message))
              if not p.warning]
    assert (policy is None) == bool(errors)
    return errors


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(HEAD + "inventory: [a]\n",
                 ["p.yaml:3:12: 'inventory' must be a mapping with 'allowed' and/or 'required', "
                  "not a list"], id="not-a-mapping"),
    pytest.param(HEAD + "inventory:\n  alowed: [a]\n",
                 ["p.yaml:4:3: inventory needs 'allowed' (globs every model name must match) "
                  "and/or 'required' (models that must exist)",
                  "p.yaml:4:3: unknown key 'alowed' in inventory (did you mean 'allowed'?)"],
                 id="misspelt-key"),
    pytest.param(HEAD + "inventory:\n  allowed: []\n",
                 ["p.yaml:4:12: inventory 'allowed' must be a non-empty list of model names or "
                  "globs"], id="empty-list"),
    pytest.param(HEAD + "inventory:\n  required: [a, 7]\n",
                 ["p.yaml:4:17: inventory 'required' items must be non-empty strings, not a "
                  "number"], id="number-item"),
    pytest.param(HEAD + "inventory:\n  allowed: [a]\n  severity: hihg\n",
                 ["p.yaml:5:13: unknown severity 'hihg' (did you mean 'high'?); one of info, "
                  "low, medium, high, critical"], id="severity-typo"),
    pytest.param(HEAD + "rules:\n  - id: inventory-allowed\n    kms_key: {}\n"
                 "inventory:\n  allowed: [a]\n",
                 ["p.yaml:4:9: rule id 'inventory-allowed' is reserved for the policy's "
                  "inventory section"], id="reserved-id"),
    pytest.param(HEAD + "inventory:\n  allowed: [a]\nwaivers:\n  - rules: [inventory-alowed]\n"
                 "    models: [x]\n    reason: r\n    expires: 2027-01-01\n",
                 ["p.yaml:6:13: waiver names rule 'inventory-alowed', which policy 'p' does not "
                  "have (did you mean 'inventory-allowed'?)"], id="waiver-typo"),
])
def test_load_errors(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_inventory_only_policy_loads_with_located_rules() -> None:
    text = HEAD + ("inventory:\n  allowed: ['prod-*']\n  required: [prod-a]\n  severity: high\n"
                   "  labels: [inventory]\n  remediation: Register it.\n")
    policy, problems = load_policy_text(text.encode(), "p.yaml")
    assert policy is not None and problems == []
    assert [(r.qualified_id, r.info.kind, r.info.line, r.info.severity, r.info.labels,
             r.info.remediation) for r in policy.rules] == [
        ("p/inventory-allowed", "inventory", 4, "high", ("inventory",), "Register it."),
        ("p/inventory-required", "inventory", 5, "high", ("inventory",), "Register it.")]


@pytest.mark.parametrize(("data", "valid"), [
    pytest.param({"version": 1, "name": "p", "inventory": {"allowed": ["a*"]}}, True,
                 id="inventory-only"),
    pytest.param({"version": 1, "name": "p", "inventory": {"required": ["a"],
                                                          "severity": "low"}}, True,
                 id="required-only"),
    pytest.param({"version": 1, "name": "p"}, False, id="neither-rules-nor-inventory"),
    pytest.param({"version": 1, "name": "p", "inventory": {"severity": "low"}}, False,
                 id="inventory-without-lists"),
    pytest.param({"version": 1, "name": "p", "inventory": {"allowed": ["a"], "x": 1}}, False,
                 id="unknown-key"),
])
def test_schema(data: dict[str, Any], valid: bool) -> None:
    assert Draft202012Validator(policy_schema()).is_valid(data) is valid
    policy, _ = load_policy_text(yaml.safe_dump(data).encode(), "p.yaml")
    assert (policy is not None) is valid


# --- judging ---------------------------------------------------------------------------------

def inventory_policy(**inventory: Any) -> Policy:
    extra = inventory.pop("extra", {})
    return policy_from({"version": 1, "name": "inv", "inventory": inventory, **extra})


def judge(policy: Policy, *models: ModelInput) -> Report:
    return evaluate([policy], list(models), scanned=Scanned(("test",), (), ()), now=FIXED_NOW)


def m(name: str | None, kind: str = "model", **doc: Any) -> ModelInput:
    if name is not None:
        doc["modelName"] = name
    return ModelInput(document=doc, kind=kind, origin="test")


@pytest.mark.parametrize(("name", "kind", "status"), [
    pytest.param("prod-summarizer", "model", Status.PASS, id="matches"),
    pytest.param("research-x", "model", Status.PASS, id="second-glob"),
    pytest.param("shadow-bot", "model", Status.FAIL, id="shadow"),
    pytest.param("Prod-summarizer", "model", Status.FAIL, id="case-sensitive"),
    pytest.param("prod-ünïcode", "model", Status.PASS, id="unicode"),
    pytest.param("", "model", Status.FAIL, id="empty-name"),
    pytest.param(None, "model", Status.FAIL, id="no-name"),
    pytest.param("shadow-plan", "planned", Status.FAIL, id="planned-shadow-caught-early"),
    pytest.param("shadow-job", "job", Status.FAIL, id="in-flight-job"),
])
def test_allowed(name: str | None, kind: str, status: Status) -> None:
    report = judge(inventory_policy(allowed=["prod-*", "research-*"]), m(name, kind))
    assert report.models[0].results["inv/inventory-allowed"] is status
    if status is Status.FAIL:
        (violation,) = report.violations
        assert violation.field == "modelName"
        assert violation.actual == name
    if name == "shadow-bot":
        assert "unapproved model" in report.violations[0].message
        assert "shadow model" in report.violations[0].message


def test_required_missing_is_a_violation_named_by_the_model() -> None:
    report = judge(inventory_policy(required=["prod-a", "prod-b", "fraud-*"]),
                   m("prod-a", modelStatus="Active"), m("fraud-detector-v2"))
    assert [(v.model.name, v.model.arn, v.rule.qualified_id) for v in report.violations] == [
        ("prod-b", None, "inv/inventory-required")]
    assert "not found among the 2 models read" in report.violations[0].message
    assert [dict(x.results) for x in report.models] == [
        {"inv/inventory-required": Status.PASS}, {"inv/inventory-required": Status.PASS}]
    assert report.summary.models == 2  # a missing model is not a model read
    assert report.summary.result == "fail"


@pytest.mark.parametrize(("status", "result"), [
    pytest.param("Active", Status.PASS, id="active"),
    pytest.param(None, Status.PASS, id="no-status-field"),
    pytest.param("Creating", Status.FAIL, id="creating"),
    pytest.param("Failed", Status.FAIL, id="failed"),
])
def test_required_must_be_active(status: str | None, result: Status) -> None:
    model = m("prod-a") if status is None else m("prod-a", modelStatus=status)
    report = judge(inventory_policy(required=["prod-a"]), model)
    assert report.models[0].results["inv/inventory-required"] is result
    if result is Status.FAIL:
        assert report.violations[0].field == "modelStatus"
        assert report.violations[0].actual == status


def test_required_with_no_models_at_all_fails() -> None:
    report = judge(inventory_policy(required=["prod-a"]))
    assert [v.model.name for v in report.violations] == ["prod-a"]


def test_required_is_not_judged_on_plans_alone() -> None:
    report = judge(inventory_policy(required=["prod-a"]), m("other", "planned"))
    assert report.violations == ()
    assert [w.code for w in report.warnings] == ["inventory-not-judged"]
    assert report.models[0].results["inv/inventory-required"] is Status.NOT_APPLICABLE


def test_a_planned_model_does_not_satisfy_required() -> None:
    report = judge(inventory_policy(required=["prod-a"]), m("prod-a", "planned"), m("x"))
    assert [v.model.name for v in report.violations] == ["prod-a"]


def test_models_out_of_scope_do_not_count() -> None:
    policy = inventory_policy(allowed=["prod-*"], required=["prod-a"],
                              extra={"scope": {"names": ["prod-*"]}})
    report = judge(policy, m("research-x"), m("prod-b"))
    # research-x is outside the scope: neither a shadow model nor counted.
    assert report.models[0].result == "not_applicable"
    assert [(v.rule.id, v.model.name) for v in report.violations] == [
        ("inventory-required", "prod-a")]


def test_waivers_cover_inventory_findings() -> None:
    policy = inventory_policy(allowed=["prod-*"], required=["prod-legacy"], extra={"waivers": [
        {"rules": ["inventory-allowed"], "models": ["pilot-*"], "reason": "Pilot, SEC-77",
         "expires": "2027-01-31"},
        {"rules": ["inventory-required"], "models": ["prod-legacy"], "reason": "Retired",
         "expires": "2027-01-31"}]})
    report = judge(policy, m("pilot-chat"), m("prod-a"))
    assert report.violations == ()
    assert sorted(w.model.name or "" for w in report.waived) == ["pilot-chat", "prod-legacy"]
    assert report.summary.result == "pass"


def test_rule_selection_applies() -> None:
    policy = inventory_policy(allowed=["prod-*"], required=["prod-a"])
    (selected,) = select_rules([policy], exclude=["*/inventory-required"])
    report = evaluate([selected], [m("x")], scanned=Scanned(("t",), (), ()), now=FIXED_NOW)
    assert [v.rule.id for v in report.violations] == ["inventory-allowed"]


# --- reports ---------------------------------------------------------------------------------

def write_policy(tmp_path: Path) -> str:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        "version: 1\nname: inventory\ninventory:\n"
        "  allowed: ['prod-*', 'fraud-*', 'research-*', 'support-*', 'chat-*']\n"
        "  required: [prod-summarizer, prod-classifier]\n  severity: high\n", encoding="utf-8")
    return str(path)


def test_reports_name_missing_and_shadow_models(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    policy = write_policy(tmp_path)
    code, out, _ = run_cli(["check", "-p", policy, "--from", EXAMPLES], capsys)
    assert code == 1
    assert '- model "prod-classifier" (not found)' in out
    assert '~ model "imported-mistral-7b"' in out  # not on the allowed list: a shadow model
    code, out, _ = run_cli(["check", "-p", policy, "--from", EXAMPLES, "-f", "json"], capsys)
    report = json.loads(out)
    assert sorted((v["model_name"], v["rule"], v["model_arn"] is None)
                  for v in report["violations"]) == [
        ("imported-mistral-7b", "inventory-allowed", False),
        ("prod-classifier", "inventory-required", True)]
    assert report["summary"]["models"] == 8


def test_validate_counts_inventory_rules(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["validate", write_policy(tmp_path)], capsys)
    assert (code, out.strip()) == (0, "1 policy valid (2 rules)")


@pytest.mark.parametrize("fmt", ["junit", "sarif", "markdown", "github"])
def test_every_format_shows_a_missing_required_model(
        fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-p", write_policy(tmp_path), "--from", EXAMPLES, "-f", fmt],
                           capsys)
    assert code == 1
    assert "prod-classifier" in out
