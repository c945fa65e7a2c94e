"""Custom Model Import models (kind ``imported``): which checks apply, and their fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.engine.evaluate import evaluate
from checker.lang.fields import check_path, parse_path
from checker.results import ModelInput, Scanned, Status
from tests.conftest import FIXED_NOW, policy_from, run_cli

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
