"""Table-driven cases per check kind and operator, beyond the conformance vectors."""

from __future__ import annotations

from typing import Any

import pytest

from checker.checks.base_model import base_model_names
from checker.checks.teacher_model import teacher_names
from tests.support import judge, single_rule_policy, status_of

RFT = "REINFORCEMENT_FINE_TUNING"


def grader(arn: Any) -> dict[str, Any]:
    return {"customizationType": RFT,
            "customizationConfig": {"rftConfig": {"graderConfig": {"lambdaGrader": {
                "lambdaArn": arn}}}}}


CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    # kms_key
    ("kms: null key counts as absent", {"modelKmsKeyArn": None}, {"kms_key": {}}, "fail"),
    ("kms: bare key id with allow-list", {"modelKmsKeyArn": "1a2b3c4d-5e6f"},
     {"kms_key": {"allowed": ["arn:aws:kms:*"]}}, "fail"),
    ("kms: bare key id, no allow-list", {"modelKmsKeyArn": "1a2b3c4d-5e6f"}, {"kms_key": {}},
     "pass"),
    ("kms: number is not a key", {"modelKmsKeyArn": 12}, {"kms_key": {}}, "fail"),
    ("kms: empty options mean required", {}, {"kms_key": None}, "fail"),
    ("kms: china partition", {"modelKmsKeyArn": "arn:aws-cn:kms:cn-north-1:111122223333:key/a"},
     {"kms_key": {"allowed": ["arn:aws-cn:kms:*:111122223333:key/*"]}}, "pass"),
    ("kms: one of several globs", {"modelKmsKeyArn": "arn:aws:kms:us-east-1:222233334444:key/a"},
     {"kms_key": {"allowed": ["arn:aws:kms:*:111122223333:key/*",
                              "arn:aws:kms:*:222233334444:key/*"]}}, "pass"),
    ("kms: glob brackets are a class",
     {"modelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/b"},
     {"kms_key": {"allowed": ["arn:aws:kms:us-east-1:111122223333:key/[ab]"]}}, "pass"),
    # base_model
    ("base: bare model id (planned job)", {"baseModelArn": "amazon.nova-lite-v1:0:300k"},
     {"base_model": {"allowed": ["amazon.nova-*"]}}, "pass"),
    ("base: denied only", {"baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/"
                                           "meta.llama3-70b-instruct-v1:0"},
     {"base_model": {"denied": ["meta.*"]}}, "fail"),
    ("base: denied only, other family", {"baseModelArn": "arn:aws:bedrock:us-east-1::"
                                                         "foundation-model/amazon.nova-pro-v1:0"},
     {"base_model": {"denied": ["meta.*"]}}, "pass"),
    ("base: glob is case-sensitive", {"baseModelArn": "arn:aws:bedrock:us-east-1::"
                                                      "foundation-model/amazon.nova-pro-v1:0"},
     {"base_model": {"allowed": ["Amazon.*"]}}, "fail"),
    ("base: not a string", {"baseModelArn": ["x"]}, {"base_model": {"allowed": ["*"]}}, "fail"),
    ("base: custom-model ARN judged by full ARN too",
     {"baseModelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/"
                      "meta.llama3-1-8b-instruct-v1:0:128k/abc"},
     {"base_model": {"allowed": ["arn:aws:bedrock:*:111122223333:custom-model/*"]}}, "pass"),
    # teacher_model
    ("teacher: distillation without a teacher", {"customizationConfig": {
        "distillationConfig": {}}}, {"teacher_model": {"allowed": ["*"]}}, "fail"),
    ("teacher: global profile prefix", {"customizationConfig": {"distillationConfig": {
        "teacherModelConfig": {"teacherModelIdentifier":
                               "global.anthropic.claude-sonnet-4-5-20250929-v1:0"}}}},
     {"teacher_model": {"allowed": ["anthropic.claude-sonnet-4*"]}}, "pass"),
    ("teacher: us-gov prefix", {"customizationConfig": {"distillationConfig": {
        "teacherModelConfig": {"teacherModelIdentifier": "arn:aws-us-gov:bedrock:us-gov-west-1:"
                               "111122223333:inference-profile/us-gov.meta.llama3-1-70b-"
                               "instruct-v1:0"}}}},
     {"teacher_model": {"denied": ["meta.*"]}}, "fail"),
    ("teacher: null distillation config is not applicable",
     {"customizationConfig": {"distillationConfig": None}},
     {"teacher_model": {"allowed": ["*"]}}, "not_applicable"),
    # hyperparameter
    ("hp: value at the max passes", {"hyperParameters": {"learningRate": "0.0001"}},
     {"hyperparameter": {"name": "learningRate", "max": 0.0001}}, "pass"),
    ("hp: float and string caps agree", {"customizationConfig": {"rftConfig": {
        "hyperParameters": {"learningRate": 0.0001}}}},
     {"hyperparameter": {"name": "learningRate", "max": "1e-4"}}, "pass"),
    ("hp: below the min", {"hyperParameters": {"epochCount": "0"}},
     {"hyperparameter": {"name": "epochCount", "min": 1}}, "fail"),
    ("hp: infinity is not a number", {"hyperParameters": {"epochCount": "inf"}},
     {"hyperparameter": {"name": "epochCount", "max": 5}}, "fail"),
    ("hp: hex is not a number", {"hyperParameters": {"epochCount": "0x2"}},
     {"hyperparameter": {"name": "epochCount", "max": 5}}, "fail"),
    ("hp: padded number is not a number", {"hyperParameters": {"epochCount": " 2"}},
     {"hyperparameter": {"name": "epochCount", "max": 5}}, "fail"),
    ("hp: negative exponent", {"hyperParameters": {"learningRate": "5E-7"}},
     {"hyperparameter": {"name": "learningRate", "min": "1e-7", "max": "1e-6"}}, "pass"),
    ("hp: required and present", {"hyperParameters": {"epochCount": "2"}},
     {"hyperparameter": {"name": "epochCount", "required": True}}, "pass"),
    ("hp: null value is absent", {"hyperParameters": {"epochCount": None}},
     {"hyperparameter": {"name": "epochCount", "max": 5, "required": True}}, "fail"),
    ("hp: hyperParameters not an object", {"hyperParameters": "epochCount=99"},
     {"hyperparameter": {"name": "epochCount", "max": 5}}, "fail"),
    ("hp: allowed exact string", {"customizationConfig": {"rftConfig": {
        "hyperParameters": {"reasoningEffort": "high"}}}},
     {"hyperparameter": {"name": "reasoningEffort", "allowed": ["low", "medium", "high"]}},
     "pass"),
    ("hp: allowed number vs numeric string", {"hyperParameters": {"batchSize": "16"}},
     {"hyperparameter": {"name": "batchSize", "allowed": ["8", "16"]}}, "pass"),
    ("hp: unicode name absent passes", {"hyperParameters": {"lérning": "1"}},
     {"hyperparameter": {"name": "learningRate", "max": 1}}, "pass"),
    # lambda_grader
    ("grader: not a string", grader(42), {"lambda_grader": {"arn_pattern": ".*"}}, "fail"),
    ("grader: alias qualifier with pinned", grader(
        "arn:aws:lambda:us-east-1:111122223333:function:g:live"),
     {"lambda_grader": {"pinned": True}}, "fail"),
    ("grader: unqualified with pinned", grader(
        "arn:aws:lambda:us-east-1:111122223333:function:g"),
     {"lambda_grader": {"pinned": True}}, "fail"),
    ("grader: version with pinned", grader(
        "arn:aws:lambda:us-east-1:111122223333:function:g:12"),
     {"lambda_grader": {"pinned": True}}, "pass"),
    ("grader: non-ASCII digits are not a version", grader(
        "arn:aws:lambda:us-east-1:111122223333:function:g:١٢"),
     {"lambda_grader": {"pinned": True}}, "fail"),
    ("grader: allowed glob sees the qualifier", grader(
        "arn:aws:lambda:us-east-1:111122223333:function:g:3"),
     {"lambda_grader": {"allowed": ["arn:aws:lambda:us-east-1:111122223333:function:g"]}},
     "fail"),
    ("grader: no options only needs a grader", grader(
        "arn:aws:lambda:us-east-1:111122223333:function:g"), {"lambda_grader": None}, "pass"),
    ("grader: every option must hold", grader(
        "arn:aws:lambda:us-east-1:111122223333:function:g:3"),
     {"lambda_grader": {"arn_pattern": ".*", "allowed": ["*:function:h*"]}}, "fail"),
    ("grader: rft type with empty config", {"customizationType": RFT,
                                            "customizationConfig": {}},
     {"lambda_grader": None}, "fail"),
]


@pytest.mark.parametrize(("doc", "rule", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_check(doc: dict[str, Any], rule: dict[str, Any], expected: str) -> None:
    assert status_of(rule, doc).value == expected


OPERATOR_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("equals bool", {"trainingDataConfig": {"invocationLogsConfig": {"usePromptResponse": True}}},
     {"field": "trainingDataConfig.invocationLogsConfig.usePromptResponse", "equals": True},
     "pass"),
    ("equals string vs bool", {"modelName": "true"}, {"field": "modelName", "equals": True},
     "pass"),
    ("equals on an object is unknown", {"trainingDataConfig": {"s3Uri": "x"}},
     {"field": "trainingDataConfig", "equals": "x"}, "fail"),
    ("not_equals on an object stays unknown", {"trainingDataConfig": {"s3Uri": "x"}},
     {"field": "trainingDataConfig", "not_equals": "x"}, "fail"),
    ("not_equals different", {"modelStatus": "Active"},
     {"field": "modelStatus", "not_equals": "Failed"}, "pass"),
    ("not_equals same", {"modelStatus": "Failed"},
     {"field": "modelStatus", "not_equals": "Failed"}, "fail"),
    ("in numeric", {"hyperParameters": {"epochCount": "3.0"}},
     {"field": "hyperParameters.epochCount", "in": [1, 2, 3]}, "pass"),
    ("not_in hit", {"customizationType": "IMPORTED"},
     {"field": "customizationType", "not_in": ["IMPORTED"]}, "fail"),
    ("not_in on a missing field", {}, {"field": "customizationType", "not_in": ["IMPORTED"]},
     "pass"),
    ("matches unicode", {"modelName": "modèle-prod"}, {"field": "modelName",
                                                        "matches": "mod.le-[a-z]+"}, "pass"),
    ("matches a number is unknown", {"customizationConfig": {"rftConfig": {"hyperParameters": {
        "epochCount": 3}}}}, {"field": "customizationConfig.rftConfig.hyperParameters.epochCount",
                              "matches": "3"}, "fail"),
    ("not_matches hit", {"modelName": "prod-x"}, {"field": "modelName", "not_matches": "prod-.*"},
     "fail"),
    ("not_matches partial is no match", {"modelName": "my-prod-x"},
     {"field": "modelName", "not_matches": "prod-.*"}, "pass"),
    ("glob star crosses slashes", {"outputDataConfig": {"s3Uri": "s3://b/a/b/c"}},
     {"field": "outputDataConfig.s3Uri", "glob": "s3://b/*"}, "pass"),
    ("glob is whole-value", {"outputDataConfig": {"s3Uri": "s3://b-evil/x"}},
     {"field": "outputDataConfig.s3Uri", "glob": "s3://b/*"}, "fail"),
    ("glob on a number is unknown", {"trainingMetrics": {"trainingLoss": 0.5}},
     {"field": "trainingMetrics.trainingLoss", "glob": "0*"}, "fail"),
    ("min on a float metric", {"trainingMetrics": {"trainingLoss": 0.5}},
     {"field": "trainingMetrics.trainingLoss", "min": 0.1}, "pass"),
    ("max on every element", {"validationMetrics": [{"validationLoss": 0.5},
                                                    {"validationLoss": 1.5}]},
     {"field": "validationMetrics[].validationLoss", "max": 1}, "fail"),
    ("exists on a present empty string", {"failureMessage": ""},
     {"field": "failureMessage", "exists": True}, "pass"),
    ("exists false on a present field", {"failureMessage": "boom"},
     {"field": "failureMessage", "exists": False}, "fail"),
    ("contains on a list", {"validationMetrics": ["a", "b"]},
     {"field": "validationMetrics", "contains": "b"}, "pass"),
    ("contains element of a string list via []",
     {"validationDataConfig": {"validators": [{"s3Uri": "s3://a/x"}]}},
     {"field": "validationDataConfig.validators[].s3Uri", "contains": "s3://a/"}, "pass"),
    ("contains on a missing field", {}, {"field": "modelName", "contains": "x"}, "fail"),
    ("two operators in one mapping both hold", {"hyperParameters": {"epochCount": "3"}},
     {"field": "hyperParameters.epochCount", "min": 1, "max": 5}, "pass"),
    ("two operators in one mapping, one fails", {"hyperParameters": {"epochCount": "9"}},
     {"field": "hyperParameters.epochCount", "min": 1, "max": 5}, "fail"),
    ("not of a missing-true operator", {}, {"not": {"field": "modelStatus",
                                                    "not_equals": "Active"}}, "fail"),
    ("any_of all false", {"modelStatus": "Failed"}, {"any_of": [
        {"field": "modelStatus", "equals": "Active"},
        {"field": "modelStatus", "equals": "Creating"}]}, "fail"),
    ("nested logic", {"modelStatus": "Active", "customizationType": "FINE_TUNING"},
     {"all_of": [{"field": "modelStatus", "equals": "Active"},
                 {"not": {"any_of": [{"field": "customizationType", "equals": "IMPORTED"},
                                     {"field": "customizationType",
                                      "equals": "DISTILLATION"}]}}]}, "pass"),
    ("region derived from the ARN", {"modelArn": "arn:aws-us-gov:bedrock:us-gov-west-1:"
                                                 "111122223333:custom-model/a/b"},
     {"field": "region", "equals": "us-gov-west-1"}, "pass"),
]


@pytest.mark.parametrize(("doc", "condition", "expected"), [c[1:] for c in OPERATOR_CASES],
                         ids=[c[0] for c in OPERATOR_CASES])
def test_operator(doc: dict[str, Any], condition: dict[str, Any], expected: str) -> None:
    from checker.documents import normalize_document
    assert status_of({"require": condition}, normalize_document(doc)).value == expected


@pytest.mark.parametrize(("arn", "names"), [
    ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
     ["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"]),
    ("arn:aws:bedrock:us-east-1:1:custom-model/amazon.nova-pro-v1:0:300k/abc",
     ["arn:aws:bedrock:us-east-1:1:custom-model/amazon.nova-pro-v1:0:300k/abc",
      "amazon.nova-pro-v1:0:300k"]),
    ("amazon.nova-pro-v1:0", ["amazon.nova-pro-v1:0"]),
], ids=["foundation", "custom", "bare"])
def test_base_model_names(arn: str, names: list[str]) -> None:
    assert base_model_names(arn) == names


def test_teacher_names() -> None:
    assert teacher_names("arn:aws:bedrock:us-east-1:1:inference-profile/eu.amazon.nova-pro-v1:0") \
        == ["arn:aws:bedrock:us-east-1:1:inference-profile/eu.amazon.nova-pro-v1:0",
            "eu.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"]


@pytest.mark.parametrize(("doc", "field", "expected", "actual", "message"), [
    ({"hyperParameters": {"learningRate": "fast"}}, "hyperParameters.learningRate",
     "<= 0.0001", "fast", 'hyperParameters.learningRate: not a number: "fast"; expected <= 0.0001'),
    ({"hyperParameters": {"learningRate": "0.001"}}, "hyperParameters.learningRate",
     "<= 0.0001", "0.001", 'hyperParameters.learningRate is "0.001"; expected <= 0.0001'),
], ids=["not a number", "over the cap"])
def test_violation_says_why(doc: dict[str, Any], field: str, expected: str, actual: Any,
                            message: str) -> None:
    report = judge(single_rule_policy({"hyperparameter": {"name": "learningRate",
                                                          "max": 0.0001}}), doc)
    (violation,) = report.violations
    assert (violation.field, violation.expected, violation.actual, violation.message) == (
        field, expected, actual, message)


def test_require_missing_field_message() -> None:
    report = judge(single_rule_policy({"require": {"field": "modelStatus", "equals": "Active"}}),
                   {"modelName": "m"})
    (violation,) = report.violations
    assert violation.message == 'modelStatus: field missing; expected "Active"'
    assert violation.actual is None


KEY = "arn:aws:kms:us-east-1:111122223333:key/k1"
DEEP_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("customer-managed key", {"modelKmsKeyArn": KEY, "kmsKey": {"KeyManager": "CUSTOMER"}},
     {"kms_key": {"customer_managed": True}}, "pass"),
    ("AWS-managed key", {"modelKmsKeyArn": KEY, "kmsKey": {"KeyManager": "AWS"}},
     {"kms_key": {"customer_managed": True}}, "fail"),
    ("alias matches", {"modelKmsKeyArn": KEY, "kmsKey": {"aliases": ["alias/ml-platform"]}},
     {"kms_key": {"aliases": ["alias/ml-*"]}}, "pass"),
    ("no alias", {"modelKmsKeyArn": KEY, "kmsKey": {"aliases": []}},
     {"kms_key": {"aliases": ["alias/ml-platform"]}}, "fail"),
    ("key metadata not fetched", {"modelKmsKeyArn": KEY},
     {"kms_key": {"customer_managed": True}}, "error"),
    ("no key at all, metadata fetched as null", {"kmsKey": None},
     {"kms_key": {"customer_managed": True}}, "fail"),
    ("no key, not required", {"kmsKey": None},
     {"kms_key": {"customer_managed": True, "required": False}}, "pass"),
    ("job role pattern", {"job": {"roleArn": "arn:aws:iam::111122223333:role/ml-train"}},
     {"require": {"field": "job.roleArn", "matches": "arn:aws:iam::111122223333:role/ml-.*"}},
     "pass"),
    ("job VPC required, model without a job", {"job": None},
     {"require": {"field": "job.vpcConfig.subnetIds", "exists": True}}, "fail"),
    ("job not fetched", {"modelName": "m"},
     {"require": {"field": "job.vpcConfig.subnetIds", "exists": True}}, "error"),
]


@pytest.mark.parametrize(("doc", "rule", "expected"), [c[1:] for c in DEEP_CASES],
                         ids=[c[0] for c in DEEP_CASES])
def test_deep_checks(doc: dict[str, Any], rule: dict[str, Any], expected: str) -> None:
    assert status_of(rule, doc).value == expected


# CreateModelCustomizationJob's customModelKmsKeyId and the Terraform provider's
# custom_model_kms_key_id take a key ARN, a key id, an alias name or an alias ARN (botocore's
# KmsKeyId shape; the provider's validation regex allows ...:alias/...). Only a key ARN can be
# matched against key ARN globs offline.
@pytest.mark.parametrize("key", [
    pytest.param("alias/ml-models", id="alias-name"),
    pytest.param("arn:aws:kms:us-east-1:111122223333:alias/ml-models", id="alias-arn"),
    pytest.param("arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/ml/models",
                 id="alias-arn-govcloud"),
    pytest.param("8f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f", id="key-id"),
])
@pytest.mark.parametrize("allowed", [["arn:aws:kms:*:111122223333:key/*"], ["*"]],
                         ids=["key-globs", "match-anything"])
def test_kms_key_alias_or_id_cannot_be_matched_offline(key: str, allowed: list[str]) -> None:
    report = judge(single_rule_policy({"kms_key": {"allowed": allowed}}),
                   {"modelName": "m", "modelKmsKeyArn": key})
    (violation,) = report.violations
    assert violation.actual == key
    assert violation.message == (f'modelKmsKeyArn is "{key}", a key alias or id that cannot '
                                 "be matched against ARN globs offline; give the key ARN")


def test_kms_key_arn_is_still_matched() -> None:
    policy = single_rule_policy({"kms_key": {"allowed": ["arn:aws:kms:*:111122223333:key/*"]}})
    good = judge(policy, {"modelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/k1"})
    bad = judge(policy, {"modelKmsKeyArn": "arn:aws:kms:us-east-1:999999999999:key/k1"})
    assert good.violations == ()
    assert "expected one of" in bad.violations[0].message
