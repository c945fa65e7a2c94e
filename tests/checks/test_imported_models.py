"""Custom Model Import models (kind ``imported``): which checks apply, and their fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.engine.evaluate import evaluate
from checker.lang.fields import check_path, parse_path
from checker.results import ModelInput, Scanned, Status
from tests.support import FIXED_NOW, ROOT, policy_from, run_cli

IMPORTED = {
    "modelArn": "arn:aws:bedrock:us-east-1:111122223333:imported-model/k2m4n6p8q0r1",
    "modelName": "llama-ft-import",
    "jobArn": "arn:aws:bedrock:us-east-1:111122223333:model-import-job/j1",
    "modelArchitecture": "llama3",
    "modelDataSource": {"s3DataSource": {"s3Uri": "s3://ml-approved-data/llama/"}},
    "region": "us-east-1",
    "accountId": "111122223333",
}
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

RULES: list[tuple[str, dict[str, Any]]] = [
    ("base_model", {"base_model": {"allowed": ["amazon.*"]}}),
    ("hyperparameter", {"hyperparameter": {"name": "learningRate", "max": 0.0001,
                                           "required": True}}),
    ("lambda_grader", {"lambda_grader": {"arn_pattern": ".*"}}),
    ("teacher_model", {"teacher_model": {"allowed": ["*"]}}),
    ("kms_key", {"kms_key": {"allowed": ["arn:aws:kms:*:111122223333:key/*"]}}),
    ("require", {"require": {"field": "modelArchitecture", "in": ["llama3", "mistral"]}}),
    ("kms_key_deep", {"kms_key": {"customer_managed": True}}),
]


def judge_as(kind: str, document: dict[str, Any], rule: dict[str, Any],
             enrichment_errors: dict[str, tuple[str, str]] | None = None) -> Status:
    policy = policy_from({"version": 1, "name": "t", "rules": [{"id": "r", **rule}]})
    report = evaluate([policy], [ModelInput(document=document, kind=kind, origin="test",
                                            enrichment_errors=enrichment_errors or {})],
                      scanned=Scanned(("test",), (), ()), now=FIXED_NOW)
    return report.models[0].results["t/r"]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(IMPORTED, {
            "base_model": Status.NOT_APPLICABLE, "hyperparameter": Status.NOT_APPLICABLE,
            "lambda_grader": Status.NOT_APPLICABLE, "teacher_model": Status.NOT_APPLICABLE,
            "kms_key": Status.FAIL,  # no modelKmsKeyArn: an AWS-owned key
            "require": Status.PASS,
            "kms_key_deep": Status.ERROR,  # kmsKey not fetched: never a pass
        }, id="aws-owned-key"),
        pytest.param({**IMPORTED, "modelKmsKeyArn": KEY, "modelArchitecture": "gpt-x",
                      "kmsKey": {"KeyManager": "CUSTOMER", "Arn": KEY, "aliases": []}}, {
            "base_model": Status.NOT_APPLICABLE, "hyperparameter": Status.NOT_APPLICABLE,
            "lambda_grader": Status.NOT_APPLICABLE, "teacher_model": Status.NOT_APPLICABLE,
            "kms_key": Status.PASS, "require": Status.FAIL, "kms_key_deep": Status.PASS,
        }, id="customer-key"),
    ],
)
def test_which_checks_apply_to_imported_models(document: dict[str, Any],
                                               expected: dict[str, Status]) -> None:
    got = {name: judge_as("imported", document, rule) for name, rule in RULES}
    assert got == expected


def test_the_same_checks_apply_to_custom_models() -> None:
    """The kind, not the document, makes them not applicable: as a custom model the same
    document fails base_model (it has no baseModelArn)."""
    assert judge_as("model", IMPORTED, dict(RULES)["base_model"]) is Status.FAIL
    assert judge_as("imported", IMPORTED, dict(RULES)["base_model"]) is Status.NOT_APPLICABLE


def test_not_applicable_wins_over_a_failed_enrichment() -> None:
    """A base_model rule whose `when` reads tags: for an imported model whose tags could
    not be read it does not apply at all, so it is not an error either."""
    rule = {"when": {"field": "tags.env", "equals": "prod"},
            "base_model": {"allowed": ["amazon.*"]}}
    denied = {"tags": ("AccessDeniedException", "us-east-1: ListTagsForResource: denied")}
    assert judge_as("imported", IMPORTED, rule, denied) is Status.NOT_APPLICABLE
    assert judge_as("model", IMPORTED, rule, denied) is Status.ERROR


@pytest.mark.parametrize(
    ("path", "valid"),
    [
        pytest.param("modelArchitecture", True, id="architecture"),
        pytest.param("modelDataSource.s3DataSource.s3Uri", True, id="data-source"),
        pytest.param("instructSupported", True, id="instruct"),
        pytest.param("customModelUnits.customModelUnitsPerModelCopy", True, id="units"),
        pytest.param("modelArchitecure", False, id="typo"),
        pytest.param("hyperParameters.learningRate", True, id="custom-model-fields-stay"),
    ],
)
def test_imported_model_fields_are_paths(path: str, valid: bool) -> None:
    reason = check_path(parse_path(path))
    assert (reason is None) is valid, reason
    if not valid:
        assert "did you mean 'modelArchitecture'" in (reason or "")


def test_permissions_include_imported(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "p.yaml"
    plain.write_text("version: 1\nname: p\nrules: [{id: a, kms_key: {}}]\n")
    code, out, _ = run_cli(["permissions", "-p", str(plain), "--include-imported"], capsys)
    assert code == 0
    assert json.loads(out)["Statement"][0]["Action"] == [
        "bedrock:GetCustomModel", "bedrock:GetImportedModel", "bedrock:ListCustomModels",
        "bedrock:ListImportedModels"]


# --- the shipped baseline on imported models as AWS returns them -------------------------------

def get_imported_model_document() -> dict[str, Any]:
    """A GetImportedModel response with every member botocore's shape lists (no
    customizationType, no modelStatus: the shape has neither), plus its tags."""
    import botocore.session

    shape = botocore.session.get_session().get_service_model("bedrock").operation_model(
        "GetImportedModel").output_shape
    doc = {
        "modelArn": "arn:aws:bedrock:eu-west-1:111122223333:imported-model/x7c6v5b4n3m2",
        "modelName": "imported-mistral-7b",
        "jobName": "import-mistral-7b",
        "jobArn": "arn:aws:bedrock:eu-west-1:111122223333:model-import-job/k4j3h2g1f0d9",
        "modelDataSource": {"s3DataSource": {"s3Uri": "s3://acme-ml-model-output/imports/"}},
        "creationTime": "2026-08-20T10:00:00Z",
        "modelArchitecture": "mistral",
        "modelKmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/"
                          "9e8d7c6b-5a4f-3e2d-1c0b-a9f8e7d6c5b4",
        "instructSupported": True,
        "customModelUnits": {"customModelUnitsPerModelCopy": 1,
                             "customModelUnitsVersion": "1.0"},
    }
    assert set(doc) == set(shape.members)
    return {**doc, "tags": {"owner": "ml-platform", "data-classification": "internal"}}


BASELINE_ON_IMPORTED = {
    "kms-required": "pass", "approved-base-models": "not_applicable",
    "learning-rate-cap": "not_applicable", "rft-grader": "not_applicable",
    "training-data-bucket": "not_applicable", "validation-data-bucket": "not_applicable",
    "output-data-bucket": "not_applicable", "owner-tag": "pass",
    "data-classification-tag": "pass", "model-active": "not_applicable",
}


def test_baseline_judges_a_real_imported_model_without_false_violations(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "imported.json"
    path.write_text(json.dumps(get_imported_model_document()), encoding="utf-8")
    baseline = str(ROOT / "policies" / "baseline.yaml")
    code, out, _ = run_cli(["check", "-p", baseline, "--from", str(path), "-f", "json"], capsys)
    report = json.loads(out)
    assert code == 0, report["violations"]
    (model,) = report["models"]
    assert model["kind"] == "imported"
    assert {k.split("/")[1]: v for k, v in model["results"].items()} == BASELINE_ON_IMPORTED


@pytest.mark.parametrize(("change", "rule"), [
    pytest.param({"modelKmsKeyArn": None}, "kms-required", id="aws-owned-key"),
    pytest.param({"modelKmsKeyArn": "arn:aws:kms:eu-west-1:999988887777:key/x"},
                 "kms-required", id="foreign-key"),
    pytest.param({"tags": {"data-classification": "internal"}}, "owner-tag", id="no-owner"),
    pytest.param({"tags": {"owner": "a", "data-classification": "secret"}},
                 "data-classification-tag", id="unknown-classification"),
])
def test_kms_and_tag_rules_still_apply(change: dict[str, Any], rule: str) -> None:
    from checker.policy.loader import load_policies

    policies, _ = load_policies([str(ROOT / "policies"
                                     / "baseline.yaml")])
    doc = {**get_imported_model_document(), **change}
    report = evaluate(policies, [ModelInput(document=doc, kind="imported")],
                      scanned=Scanned(("t",), (), ()), now=FIXED_NOW)
    assert [v.rule.id for v in report.violations] == [rule]


@pytest.mark.parametrize(("rule", "status"), [
    pytest.param({"require": {"field": "modelStatus", "equals": "Active"}},
                 Status.NOT_APPLICABLE, id="status-it-does-not-have"),
    pytest.param({"require": {"field": "trainingDataConfig.s3Uri", "exists": True}},
                 Status.NOT_APPLICABLE, id="training-data-it-does-not-have"),
    pytest.param({"require": {"field": "job.vpcConfig.subnetIds", "exists": True}},
                 Status.NOT_APPLICABLE, id="no-customization-job"),
    pytest.param({"require": {"any_of": [{"field": "modelStatus", "equals": "Active"},
                                         {"field": "modelArchitecture", "equals": "llama3"}]}},
                 Status.FAIL, id="one-field-it-has"),
    pytest.param({"require": {"field": "modelDataSource.s3DataSource.s3Uri",
                              "glob": "s3://acme-ml-model-output/*"}},
                 Status.PASS, id="its-own-data-source"),
])
def test_rules_on_fields_an_imported_model_cannot_have(rule: dict[str, Any],
                                                       status: Status) -> None:
    assert judge_as("imported", get_imported_model_document(), rule) is status


def test_shipped_example_has_the_real_shape() -> None:
    root = ROOT
    doc = json.loads((root / "examples" / "models" / "imported-mistral.json").read_text())
    assert ":imported-model/" in doc["modelArn"]
    assert "customizationType" not in doc and "modelStatus" not in doc
    assert set(doc) - {"tags"} == set(get_imported_model_document()) - {"tags"}
