"""Pre-deployment inputs: job requests and Terraform plans as planned models, and values
known only after apply, which must never pass (or fail) a gate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from checker.engine.evaluate import evaluate
from checker.errors import InputError
from checker.policy.loader import load_policies
from checker.results import ModelInput, Scanned, Status
from checker.sources.files import convert, load_documents, read_data
from checker.sources.planned import REQUEST_KEYS, request_to_inputs
from checker.sources.terraform import plan_to_inputs
from tests.support import FIXED_NOW, ROOT, policy_from, run_cli, single_rule_policy

PLANNED = ROOT / "examples" / "planned"
BASELINE = str(ROOT / "policies" / "baseline.yaml")


def load(name: str) -> Any:
    return json.loads((PLANNED / name).read_text(encoding="utf-8"))


def test_request_keys_are_botocores() -> None:
    shape = botocore.session.get_session().get_service_model("bedrock").operation_model(
        "CreateModelCustomizationJob").input_shape
    assert set(REQUEST_KEYS) == set(shape.members)


# --- CreateModelCustomizationJob requests ----------------------------------------------------

def test_job_request_maps_onto_the_model_document() -> None:
    (item,) = request_to_inputs(load("job-request.json"), "job-request.json")
    assert item.kind == "planned"
    assert item.unknown_fields == ()
    doc = dict(item.document)
    assert "modelArn" not in doc
    assert doc["modelName"] == "support-summarizer"
    assert doc["baseModelArn"] == ("arn:aws:bedrock:us-east-1::foundation-model/"
                                   "amazon.titan-text-express-v1:0:8k")
    assert doc["modelKmsKeyArn"] == ("arn:aws:kms:us-east-1:111122223333:key/"
                                     "8f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f")
    assert doc["tags"] == {"owner": "support-ml", "data-classification": "internal"}
    assert doc["hyperParameters"]["learningRate"] == "0.00001"
    assert doc["customizationType"] == "FINE_TUNING"
    assert doc["validationDataConfig"] == {"validators": [
        {"s3Uri": "s3://acme-ml-training-data/support/validation.jsonl"}]}
    job = doc["job"]
    assert job["roleArn"] == "arn:aws:iam::111122223333:role/BedrockCustomizationRole"
    assert job["vpcConfig"]["securityGroupIds"] == ["sg-0123456789abcdef0"]
    assert job["jobName"] == "support-summarizer-ft-2026-11-30"
    assert job["outputModelName"] == "support-summarizer"
    assert job["outputModelKmsKeyArn"] == doc["modelKmsKeyArn"]
    assert job["outputDataConfig"] == {"s3Uri": "s3://acme-ml-model-output/support/"}


def test_request_without_tags_or_key() -> None:
    (item,) = request_to_inputs(
        {"customModelName": "m", "baseModelIdentifier": "amazon.nova-micro-v1"}, "r.json")
    # No customModelTags: the model will have no tags, which is known (not "not fetched").
    assert dict(item.document) == {"modelName": "m", "baseModelArn": "amazon.nova-micro-v1",
                                   "tags": {}, "job": {"baseModelArn": "amazon.nova-micro-v1",
                                                       "outputModelName": "m"}}


@pytest.mark.parametrize(("request_data", "message"), [
    pytest.param({"customModelName": "m", "baseModelIdentifier": "b", "customModelKmsKeyID": "k"},
                 "unknown key 'customModelKmsKeyID' in a CreateModelCustomizationJob request "
                 "(did you mean 'customModelKmsKeyId'?)", id="misspelt-key"),
    pytest.param({"customModelName": "m", "baseModelIdentifier": "b",
                  "customModelTags": {"owner": "x"}}, "customModelTags must be a list",
                 id="tags-as-object"),
    pytest.param({"customModelName": "m", "baseModelIdentifier": "b",
                  "customModelTags": [{"key": "owner"}]}, "item 1 must be", id="tag-no-value"),
    pytest.param({"customModelName": "", "baseModelIdentifier": "b"},
                 "customModelName must be a non-empty string", id="empty-name"),
    pytest.param({"customModelName": "m", "baseModelIdentifier": "b", "hyperParameters": []},
                 "hyperParameters must be an object", id="hyperparameters-list"),
])
def test_bad_requests(request_data: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as info:
        request_to_inputs(request_data, "r.json")
    assert message in str(info.value)


def test_alias_key_fails_saying_it_cannot_be_matched_offline() -> None:
    report = evaluate(load_policies([BASELINE])[0],
                      request_to_inputs(load("job-request-alias-key.json"), "x"),
                      scanned=Scanned(("x",), (), ()), now=FIXED_NOW)
    (kms,) = [v for v in report.violations if v.rule.id == "kms-required"]
    assert kms.actual == "alias/ml-models"
    assert "cannot be matched against ARN globs offline" in kms.message
    assert kms.model.kind == "planned" and kms.model.arn is None


# --- Terraform plans -------------------------------------------------------------------------

def plan_models() -> dict[str, ModelInput]:
    items = plan_to_inputs(load("terraform-plan.json"), "plan.json")
    return {str(i.document.get("modelName")): i for i in items}


def test_plan_takes_creates_replaces_and_updates_only() -> None:
    models = plan_models()
    # legacy-chat is deleted, fraud-detector unchanged, the data source only read.
    assert sorted(models) == ["chat-assistant", "prod-classifier", "research-summarizer-exp",
                              "support-summarizer"]
    assert {m.kind for m in models.values()} == {"planned"}
    assert models["research-summarizer-exp"].origin == \
        "plan.json#module.research.aws_bedrock_custom_model.experiment"
    assert all("modelArn" not in m.document for m in models.values())


def test_plan_attributes_map_onto_the_model_document() -> None:
    doc = dict(plan_models()["support-summarizer"].document)
    assert doc == {
        "modelName": "support-summarizer",
        "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/"
                        "amazon.titan-text-express-v1:0:8k",
        "modelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/"
                          "8f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
        "customizationType": "FINE_TUNING",
        "region": "us-east-1",
        "hyperParameters": {"batchSize": "8", "epochCount": "2", "learningRate": "0.00001",
                            "learningRateWarmupSteps": "5"},
        "trainingDataConfig": {"s3Uri": "s3://acme-ml-training-data/support/train.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://acme-ml-model-output/support/"},
        "validationDataConfig": {"validators": [
            {"s3Uri": "s3://acme-ml-training-data/support/validation.jsonl"}]},
        # tags_all: what the provider sends, default_tags included
        "tags": {"owner": "support-ml", "managed-by": "terraform"},
        "job": {
            "outputModelName": "support-summarizer",
            "outputModelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/"
                                    "8f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f",
            "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/"
                            "amazon.titan-text-express-v1:0:8k",
            "customizationType": "FINE_TUNING",
            "hyperParameters": doc["hyperParameters"],
            "trainingDataConfig": doc["trainingDataConfig"],
            "outputDataConfig": doc["outputDataConfig"],
            "validationDataConfig": doc["validationDataConfig"],
            "jobName": "support-summarizer-ft-1",
            "roleArn": "arn:aws:iam::111122223333:role/BedrockCustomizationRole",
            "vpcConfig": {"subnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"],
                          "securityGroupIds": ["sg-0123456789abcdef0"]},
        },
    }
    assert plan_models()["support-summarizer"].unknown_fields == ()


def test_update_knows_its_account_but_still_has_no_arn() -> None:
    doc = plan_models()["prod-classifier"].document
    assert (doc["region"], doc["accountId"]) == ("us-west-2", "111122223333")
    assert doc["tags"] == {"owner": "risk-ml", "cost-center": "cc-2210"}
    assert "modelArn" not in doc


def test_values_known_after_apply_are_listed_not_guessed() -> None:
    item = plan_models()["research-summarizer-exp"]
    assert sorted(".".join(p) for p in item.unknown_fields) == [
        "customizationType", "hyperParameters.batchSize", "job.customizationType",
        "job.hyperParameters.batchSize", "job.outputModelKmsKeyArn", "job.roleArn",
        "job.validationDataConfig.validators", "modelKmsKeyArn", "tags",
        "validationDataConfig.validators"]
    doc = item.document
    for absent in ("modelKmsKeyArn", "customizationType", "tags", "validationDataConfig"):
        assert absent not in doc
    assert doc["hyperParameters"] == {"epochCount": "4", "learningRate": "0.0002"}
    assert "roleArn" not in doc["job"] and "vpcConfig" not in doc["job"]


def test_unknown_values_make_the_rules_that_read_them_errors() -> None:
    policies, _ = load_policies([BASELINE])
    report = evaluate(policies, [plan_models()["research-summarizer-exp"]],
                      scanned=Scanned(("plan",), (), ()), now=FIXED_NOW)
    assert dict(report.models[0].results) == {
        "bedrock-baseline/kms-required": Status.ERROR,        # modelKmsKeyArn unknown
        "bedrock-baseline/approved-base-models": Status.PASS,  # known; its `when` doubt applies it
        "bedrock-baseline/learning-rate-cap": Status.FAIL,     # known, over the cap
        # customizationType is unknown, but without customization_config it cannot be RFT
        "bedrock-baseline/rft-grader": Status.NOT_APPLICABLE,
        "bedrock-baseline/training-data-bucket": Status.PASS,
        "bedrock-baseline/validation-data-bucket": Status.ERROR,  # validation data unknown
        "bedrock-baseline/output-data-bucket": Status.PASS,
        "bedrock-baseline/owner-tag": Status.ERROR,            # tags unknown
        "bedrock-baseline/data-classification-tag": Status.ERROR,
        "bedrock-baseline/model-active": Status.NOT_APPLICABLE,  # no ARN, no status yet
    }
    assert {e.code for e in report.errors} == {"UnknownUntilApply"}
    assert report.summary.result == "error"
    kms = next(e for e in report.errors if e.rule == "bedrock-baseline/kms-required")
    assert "modelKmsKeyArn, known only after apply" in kms.message


UNKNOWN_DOC = {"modelName": "m", "hyperParameters": {"epochCount": "2"},
               "tags": {"owner": "a"}, "customizationType": "FINE_TUNING"}


@pytest.mark.parametrize(("rule", "unknown", "status"), [
    pytest.param({"hyperparameter": {"name": "learningRate", "max": 0.001}},
                 [("hyperParameters", "learningRate")], Status.ERROR, id="absent-would-pass"),
    pytest.param({"hyperparameter": {"name": "epochCount", "max": 5}},
                 [("hyperParameters", "learningRate")], Status.PASS, id="other-key-known"),
    pytest.param({"hyperparameter": {"name": "learningRate", "max": 0.001}},
                 [("hyperParameters",)], Status.ERROR, id="whole-map-unknown"),
    pytest.param({"kms_key": {}}, [("modelKmsKeyArn",)], Status.ERROR,
                 id="absent-would-fail"),
    pytest.param({"require": {"field": "validationDataConfig.validators[].s3Uri",
                              "glob": "s3://ok/*"}},
                 [("validationDataConfig", "validators")], Status.ERROR, id="list-unknown"),
    pytest.param({"require": {"field": "tags.owner", "exists": True}},
                 [("tags", "team")], Status.PASS, id="sibling-tag-unknown"),
    pytest.param({"require": {"field": "tags.team", "exists": False}},
                 [("tags", "team")], Status.ERROR, id="exists-false-on-unknown"),
    pytest.param({"when": {"field": "customizationType", "equals": "DISTILLATION"},
                  "require": {"field": "modelName", "equals": "other"}},
                 [("customizationType",)], Status.FAIL, id="doubtful-when-applies"),
    pytest.param({"when": {"field": "modelName", "equals": "nope"},
                  "kms_key": {}}, [("modelKmsKeyArn",)], Status.NOT_APPLICABLE,
                 id="known-when-excludes"),
])
def test_unknown_field_tracking(rule: dict[str, Any], unknown: list[tuple[str, ...]],
                                status: Status) -> None:
    doc = {k: v for k, v in UNKNOWN_DOC.items()
           if not any(u == (k,) for u in unknown)}
    item = ModelInput(document=doc, kind="planned", origin="t", unknown_fields=tuple(unknown))
    report = evaluate([single_rule_policy(rule)], [item], scanned=Scanned(("t",), (), ()),
                      now=FIXED_NOW)
    assert report.models[0].results["t/r"] is status


def test_unknown_scope_counts_as_in_scope() -> None:
    scoped = policy_from({"version": 1, "name": "t", "scope": {
        "when": {"field": "customizationType", "equals": "DISTILLATION"}},
        "rules": [{"id": "r", "kms_key": {}}]})
    item = ModelInput({"modelName": "m", "modelKmsKeyArn": "arn:aws:kms:us-east-1:1:key/x"},
                      kind="planned", unknown_fields=(("customizationType",),))
    report = evaluate([scoped], [item], scanned=Scanned(("t",), (), ()), now=FIXED_NOW)
    assert report.models[0].results["t/r"] is Status.PASS


# --- recognised by --from --------------------------------------------------------------------

def test_from_recognises_requests_and_plans_without_a_flag() -> None:
    source = load_documents([str(PLANNED)])
    assert sorted((m.origin.split("#")[0].rsplit("/", 1)[-1], m.document["modelName"])
                  for m in source.models) == [
        ("job-request-alias-key.json", "chat-distilled"),
        ("job-request.json", "support-summarizer"),
        ("terraform-plan.json", "chat-assistant"),
        ("terraform-plan.json", "prod-classifier"),
        ("terraform-plan.json", "research-summarizer-exp"),
        ("terraform-plan.json", "support-summarizer"),
    ]


def test_terraform_state_is_not_a_plan(tmp_path: Path) -> None:
    state = {"format_version": "1.0", "terraform_version": "1.9.8", "values": {}}
    with pytest.raises(InputError) as info:
        convert(state, "state.json")
    message = str(info.value)
    assert "Accepted:" in message
    assert "a Terraform plan (terraform show -json plan.out)" in message
    assert "a CreateModelCustomizationJob request" in message


def test_plan_without_bedrock_models_reads_none() -> None:
    plan = {"format_version": "1.2", "resource_changes": [
        {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket",
         "change": {"actions": ["create"], "after": {}}}]}
    assert convert(plan, "p.json") == []


@pytest.mark.parametrize(("entry", "message"), [
    pytest.param({"change": {"after": {}}}, "change.actions is missing", id="no-actions"),
    pytest.param({"change": {"actions": ["create"], "after": None}},
                 "change.after must be an object", id="create-without-after"),
])
def test_bad_plan_entries(entry: dict[str, Any], message: str) -> None:
    plan = {"format_version": "1.2", "resource_changes": [
        {"address": "aws_bedrock_custom_model.x", "type": "aws_bedrock_custom_model", **entry}]}
    with pytest.raises(InputError, match=message):
        plan_to_inputs(plan, "p.json")


def test_check_on_planned_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from", str(PLANNED), "-f", "json"],
                           capsys)
    report = json.loads(out)
    assert code == 2  # values known only after apply could not be judged
    assert {m["kind"] for m in report["models"]} == {"planned"}
    assert {m["model_arn"] for m in report["models"]} == {None}
    assert report["summary"]["result"] == "error"
    assert {e["code"] for e in report["errors"]} == {"UnknownUntilApply"}


def test_check_on_a_fully_known_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from",
                            str(PLANNED / "job-request.json")], capsys)
    assert code == 0
    assert "Passed: 1 model: support-summarizer" in out
    assert read_data(str(PLANNED / "job-request.json"))["customModelName"] == "support-summarizer"
