"""The curated policies in policies/: documented limits and conservative training caps.

Each table row names one model document and the status one rule must yield for it. The
documents in examples/limits/ are realistic GetCustomModel responses; the inline documents
below cover the inputs the examples do not (bare model ids of planned jobs, missing fields,
numbers AWS would not parse).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml

from checker.engine.evaluate import evaluate
from checker.policy.loader import Policy, load_policies
from checker.results import ModelInput, ModelResult, Report, Scanned, Status
from checker.sources.files import load_documents, model_input
from tests.support import ROOT

POLICIES = ROOT / "policies"
LIMITS = POLICIES / "documented-limits.yaml"
CONSERVATIVE = POLICIES / "conservative-training.yaml"
EXAMPLES = ROOT / "examples" / "limits"
NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)

PASS, FAIL, NA = Status.PASS, Status.FAIL, Status.NOT_APPLICABLE


@cache
def library() -> tuple[Policy, ...]:
    policies, problems = load_policies([str(LIMITS), str(CONSERVATIVE)])
    assert [str(p) for p in problems] == []
    return tuple(policies)


def _judge(inputs: list[ModelInput]) -> Report:
    return evaluate(library(), inputs, scanned=Scanned(("test",), (), ()), now=NOW)


@cache
def examples_report() -> Report:
    source = load_documents([str(EXAMPLES)])
    assert not source.errors
    return _judge(list(source.models))


def example_result(file: str) -> ModelResult:
    """The result of the example document ``file``."""
    origin = str(EXAMPLES / file)
    [result] = [m for m in examples_report().models if m.model.origin == origin]
    return result


def example_status(file: str, rule: str) -> Status:
    """The status ``rule`` (policy/rule) yields for the example document ``file``."""
    return example_result(file).results[rule]


def doc_status(doc: Mapping[str, Any], rule: str) -> Status:
    """The status ``rule`` yields for one inline document."""
    report = _judge([model_input(doc, "inline")])
    return report.models[0].results[rule]


# --- documented-limits on the example documents ------------------------------------------

DL = "documented-limits/"
CT = "conservative-training/"

EXAMPLE_CASES = [
    # Titan Text Lite/Express
    ("titan-express-within.json", DL + "titan-text-epoch-count", PASS),
    ("titan-express-within.json", DL + "titan-text-learning-rate", PASS),
    ("titan-express-within.json", DL + "titan-premier-epoch-count", NA),
    ("titan-express-within.json", DL + "family-covered", PASS),
    ("titan-lite-too-many-epochs.json", DL + "titan-text-epoch-count", FAIL),
    ("titan-lite-too-many-epochs.json", DL + "titan-text-batch-size", PASS),  # 64: the maximum
    ("titan-lite-too-many-epochs.json", DL + "titan-text-warmup-steps", PASS),  # 250: the max
    # Titan Text Premier
    ("titan-premier-batch-size.json", DL + "titan-premier-batch-size", FAIL),
    ("titan-premier-batch-size.json", DL + "titan-premier-learning-rate", PASS),  # "1e-6"
    ("titan-premier-batch-size.json", DL + "titan-text-batch-size", NA),
    # Nova
    ("nova-micro-within.json", DL + "nova-epoch-count", PASS),
    ("nova-micro-within.json", DL + "nova-learning-rate", PASS),
    ("nova-micro-within.json", DL + "nova-warmup-steps", PASS),
    # The base is a custom model: its ARN's middle segment selects the family.
    ("nova-pro-over-limits.json", DL + "nova-epoch-count", PASS),
    ("nova-pro-over-limits.json", DL + "nova-learning-rate", FAIL),
    ("nova-pro-over-limits.json", DL + "nova-warmup-steps", FAIL),
    # Nova 2 Lite is not Nova v1; its limits are not known to the policy.
    ("nova-2-lite-uncovered.json", DL + "nova-learning-rate", NA),
    ("nova-2-lite-uncovered.json", DL + "family-covered", FAIL),
    # Llama
    ("llama2-13b-within.json", DL + "llama2-epoch-count", PASS),
    ("llama2-13b-within.json", DL + "llama2-batch-size", PASS),
    ("llama2-13b-within.json", DL + "llama3-1-batch-size", NA),
    ("llama3-1-8b-batch-size.json", DL + "llama3-1-batch-size", FAIL),
    ("llama3-1-8b-batch-size.json", DL + "llama3-1-epoch-count", PASS),  # "2.5" is in range
    ("llama3-1-8b-batch-size.json", DL + "epoch-count-is-integer", FAIL),  # ...but not whole
    ("llama3-2-11b-low-learning-rate.json", DL + "llama3-2-learning-rate", FAIL),
    ("llama3-2-11b-low-learning-rate.json", DL + "llama3-1-learning-rate", NA),
    # Cohere
    ("cohere-light-within.json", DL + "cohere-light-batch-size", PASS),  # 32: Light's max
    ("cohere-light-within.json", DL + "cohere-command-batch-size", NA),
    ("cohere-light-within.json", DL + "cohere-eval-percentage", PASS),
    ("cohere-command-over-limits.json", DL + "cohere-command-batch-size", FAIL),
    ("cohere-command-over-limits.json", DL + "cohere-light-batch-size", NA),
    ("cohere-command-over-limits.json", DL + "cohere-eval-percentage", FAIL),
    ("cohere-command-over-limits.json", DL + "cohere-epoch-count", PASS),
    # Claude 3 Haiku
    ("claude-haiku-within.json", DL + "claude-haiku-learning-rate-multiplier", PASS),
    ("claude-haiku-within.json", DL + "claude-haiku-no-learning-rate", PASS),
    ("claude-haiku-within.json", DL + "claude-haiku-batch-size", PASS),
    ("claude-haiku-learning-rate.json", DL + "claude-haiku-no-learning-rate", FAIL),
    ("claude-haiku-learning-rate.json", DL + "claude-haiku-learning-rate-multiplier", FAIL),
    # Reinforcement fine-tuning: numbers in customizationConfig.rftConfig.hyperParameters
    ("rft-nova-2-lite-within.json", DL + "rft-epoch-count", PASS),
    ("rft-nova-2-lite-within.json", DL + "rft-batch-size", PASS),
    ("rft-nova-2-lite-within.json", DL + "rft-learning-rate", PASS),
    ("rft-nova-2-lite-within.json", DL + "rft-training-sample-per-prompt", PASS),
    ("rft-nova-2-lite-within.json", DL + "rft-eval-interval", PASS),
    ("rft-nova-2-lite-within.json", DL + "rft-reasoning-effort", PASS),
    ("rft-nova-2-lite-within.json", DL + "family-covered", NA),
    ("rft-nova-2-lite-within.json", DL + "epoch-count-is-integer", NA),
    ("rft-out-of-range.json", DL + "rft-epoch-count", FAIL),
    ("rft-out-of-range.json", DL + "rft-batch-size", FAIL),
    ("rft-out-of-range.json", DL + "rft-learning-rate", FAIL),
    ("rft-out-of-range.json", DL + "rft-training-sample-per-prompt", FAIL),
    ("rft-out-of-range.json", DL + "rft-reasoning-effort", FAIL),  # "High" is not "high"
    ("rft-out-of-range.json", DL + "rft-eval-interval", PASS),
    # RFT rules never judge supervised models.
    ("titan-express-within.json", DL + "rft-batch-size", NA),
    ("llama2-13b-within.json", DL + "rft-batch-size", NA),
    # conservative-training
    ("titan-express-within.json", CT + "sft-epoch-cap", PASS),
    ("titan-express-within.json", CT + "titan-text-learning-rate-cap", PASS),
    ("titan-lite-too-many-epochs.json", CT + "sft-epoch-cap", FAIL),
    ("titan-lite-too-many-epochs.json", CT + "titan-text-learning-rate-cap", FAIL),
    ("nova-micro-within.json", CT + "nova-learning-rate-cap", PASS),
    ("nova-pro-over-limits.json", CT + "nova-learning-rate-cap", FAIL),
    ("llama2-13b-within.json", CT + "sft-epoch-cap", PASS),  # 5: the cap itself
    ("llama2-13b-within.json", CT + "llama-learning-rate-cap", PASS),
    ("cohere-command-over-limits.json", CT + "cohere-learning-rate-cap", PASS),
    ("claude-haiku-within.json", CT + "claude-haiku-learning-rate-multiplier-cap", PASS),
    ("claude-haiku-learning-rate.json", CT + "claude-haiku-learning-rate-multiplier-cap", FAIL),
    ("rft-nova-2-lite-within.json", CT + "rft-epoch-cap", PASS),
    ("rft-nova-2-lite-within.json", CT + "rft-learning-rate-cap", PASS),
    ("rft-nova-2-lite-within.json", CT + "sft-epoch-cap", NA),
    ("rft-out-of-range.json", CT + "rft-epoch-cap", FAIL),
    ("rft-out-of-range.json", CT + "rft-learning-rate-cap", FAIL),
]


@pytest.mark.parametrize(
    ("file", "rule", "expected"), EXAMPLE_CASES,
    ids=[f"{f.removesuffix('.json')}:{r}" for f, r, _ in EXAMPLE_CASES])
def test_example_documents(file: str, rule: str, expected: Status) -> None:
    assert example_status(file, rule) is expected


# Every example is judged: nothing errors, and each document has at least one rule that
# applies (a model nothing judged must not look like a model that passed).
def test_examples_are_all_judged() -> None:
    report = examples_report()
    assert report.errors == ()
    assert len(report.models) == len(list(EXAMPLES.glob("*.json")))
    assert report.summary.not_evaluated == 0
    assert all(m.result in ("pass", "fail") for m in report.models)


EXPECTED_MODEL_RESULTS = {
    "titan-express-within.json": "pass",
    "nova-micro-within.json": "pass",
    "llama2-13b-within.json": "pass",
    "cohere-light-within.json": "pass",
    "claude-haiku-within.json": "pass",
    "rft-nova-2-lite-within.json": "pass",
    "titan-lite-too-many-epochs.json": "fail",
    "titan-premier-batch-size.json": "fail",
    "nova-pro-over-limits.json": "fail",
    "nova-2-lite-uncovered.json": "fail",
    "llama3-1-8b-batch-size.json": "fail",
    "llama3-2-11b-low-learning-rate.json": "fail",
    "cohere-command-over-limits.json": "fail",
    "claude-haiku-learning-rate.json": "fail",
    "rft-out-of-range.json": "fail",
}


def test_every_example_has_an_expected_result() -> None:
    assert sorted(EXPECTED_MODEL_RESULTS) == sorted(p.name for p in EXAMPLES.glob("*.json"))


@pytest.mark.parametrize(("file", "expected"), sorted(EXPECTED_MODEL_RESULTS.items()),
                         ids=sorted(EXPECTED_MODEL_RESULTS))
def test_example_model_results(file: str, expected: str) -> None:
    assert example_result(file).result == expected


# --- inline documents: the forms of baseModelArn and the edges of the semantics ----------

NOVA_LITE_ID = "amazon.nova-lite-v1:0:300k"
RFT = "REINFORCEMENT_FINE_TUNING"
LLAMA31_ARN = "arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-1-8b-instruct-v1:0:128k"

INLINE_CASES: list[tuple[str, dict[str, Any], str, Status]] = [
    ("planned job, bare model id",
     {"modelName": "planned", "baseModelArn": NOVA_LITE_ID,
      "hyperParameters": {"learningRate": "0.001"}},
     DL + "nova-learning-rate", FAIL),
    ("planned job, bare id without version",
     {"modelName": "planned", "baseModelArn": "amazon.nova-lite-v1",
      "hyperParameters": {"learningRate": "0.001"}},
     DL + "nova-learning-rate", FAIL),
    ("foundation-model ARN in another partition",
     {"modelName": "m", "baseModelArn":
      "arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/meta.llama3-1-8b-instruct-v1:0:128k",
      "hyperParameters": {"batchSize": "2"}},
     DL + "llama3-1-batch-size", FAIL),
    ("absent hyperparameter takes the AWS default",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID, "hyperParameters": {"epochCount": "2"}},
     DL + "nova-learning-rate", PASS),
    ("learning rate in exponent notation",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID,
      "hyperParameters": {"learningRate": "1e-5"}},
     DL + "nova-learning-rate", PASS),
    ("learning rate that is not a number",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID,
      "hyperParameters": {"learningRate": "fast"}},
     DL + "nova-learning-rate", FAIL),
    ("epochs in non-ASCII digits fail the range",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID, "hyperParameters": {"epochCount": "٣"}},
     DL + "nova-epoch-count", FAIL),
    ("epochs in non-ASCII digits are not a whole number",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID, "hyperParameters": {"epochCount": "٣"}},
     DL + "epoch-count-is-integer", FAIL),
    ("epochs in exponent notation are in range",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID, "hyperParameters": {"epochCount": "2e0"}},
     DL + "nova-epoch-count", PASS),
    ("epochs in exponent notation are not plain digits",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID, "hyperParameters": {"epochCount": "2e0"}},
     DL + "epoch-count-is-integer", FAIL),
    ("absent epochs pass the whole-number rule",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID, "hyperParameters": {}},
     DL + "epoch-count-is-integer", PASS),
    ("empty hyperparameters of a covered family",
     {"modelName": "m", "baseModelArn": NOVA_LITE_ID, "hyperParameters": {}},
     DL + "family-covered", PASS),
    ("no baseModelArn: no family rule",
     {"modelName": "m", "hyperParameters": {"epochCount": "50"}},
     DL + "nova-epoch-count", NA),
    ("no baseModelArn but hyperparameters: reported as uncovered",
     {"modelName": "m", "hyperParameters": {"epochCount": "50"}},
     DL + "family-covered", FAIL),
    ("imported model: nothing to check",
     {"modelName": "imported", "customizationType": "IMPORTED"},
     DL + "family-covered", NA),
    ("imported model: RFT rules do not apply",
     {"modelName": "imported", "customizationType": "IMPORTED"},
     DL + "rft-batch-size", NA),
    ("no customizationType: not taken for RFT",
     {"modelName": "planned", "baseModelArn": "meta.llama3-2-1b-instruct-v1:0:128k",
      "hyperParameters": {"batchSize": "1"}},
     DL + "rft-batch-size", NA),
    ("no customizationType: the family rules judge it",
     {"modelName": "planned", "baseModelArn": "meta.llama3-2-1b-instruct-v1:0:128k",
      "hyperParameters": {"batchSize": "1"}},
     DL + "llama3-2-batch-size", PASS),
    ("rftConfig without customizationType is RFT",
     {"modelName": "planned", "baseModelArn": "amazon.nova-2-lite-v1:0:256k",
      "customizationConfig": {"rftConfig": {"hyperParameters": {"batchSize": 8}}}},
     DL + "rft-batch-size", FAIL),
    ("RFT on a Llama base is not judged by Llama's batch size of 1",
     {"modelName": "m", "customizationType": RFT,
      "baseModelArn": LLAMA31_ARN,
      "customizationConfig": {"rftConfig": {"hyperParameters": {"batchSize": 64}}}},
     DL + "llama3-1-batch-size", NA),
    ("RFT on a Llama base is judged by the RFT range",
     {"modelName": "m", "customizationType": RFT,
      "baseModelArn": LLAMA31_ARN,
      "customizationConfig": {"rftConfig": {"hyperParameters": {"batchSize": 64}}}},
     DL + "rft-batch-size", PASS),
    ("RFT learning rate at the documented minimum",
     {"modelName": "m", "customizationType": RFT,
      "customizationConfig": {"rftConfig": {"hyperParameters": {"learningRate": 1e-7}}}},
     DL + "rft-learning-rate", PASS),
    ("RFT learning rate below the documented minimum",
     {"modelName": "m", "customizationType": RFT,
      "customizationConfig": {"rftConfig": {"hyperParameters": {"learningRate": 5e-8}}}},
     DL + "rft-learning-rate", FAIL),
    ("Titan learning rate of zero is documented",
     {"modelName": "m", "baseModelArn": "amazon.titan-text-lite-v1:0:4k",
      "hyperParameters": {"learningRate": "0.0"}},
     DL + "titan-text-learning-rate", PASS),
    ("Titan Premier learning rate above its own maximum",
     {"modelName": "m", "baseModelArn": "amazon.titan-text-premier-v1:0:32k",
      "hyperParameters": {"learningRate": "0.00002"}},
     DL + "titan-premier-learning-rate", FAIL),
    ("Titan Premier is not Lite/Express",
     {"modelName": "m", "baseModelArn": "amazon.titan-text-premier-v1:0:32k",
      "hyperParameters": {"learningRate": "0.00002"}},
     DL + "titan-text-learning-rate", NA),
    ("Claude 3 Haiku multiplier at the minimum",
     {"modelName": "m", "baseModelArn": "anthropic.claude-3-haiku-20240307-v1:0:200k",
      "hyperParameters": {"learningRateMultiplier": "0.1"}},
     DL + "claude-haiku-learning-rate-multiplier", PASS),
    ("epochs Auto are no bounded number (opinion)",
     {"modelName": "m", "baseModelArn": "amazon.titan-embed-image-v1:0",
      "hyperParameters": {"epochCount": "Auto"}},
     CT + "sft-epoch-cap", FAIL),
    ("conservative cap on a planned Llama job",
     {"modelName": "planned", "baseModelArn": "meta.llama3-2-3b-instruct-v1:0:128k",
      "hyperParameters": {"learningRate": "0.001"}},
     CT + "llama-learning-rate-cap", FAIL),
]


@pytest.mark.parametrize(("name", "doc", "rule", "expected"), INLINE_CASES,
                         ids=[c[0] for c in INLINE_CASES])
def test_inline_documents(name: str, doc: dict[str, Any], rule: str, expected: Status) -> None:
    assert doc_status(doc, rule) is expected


# --- the policy files themselves -----------------------------------------------------------

def _raw(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_policy_files_start_with_the_schema_modeline() -> None:
    for path in (LIMITS, CONSERVATIVE):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../checker/data/policy.schema.json"


def test_every_documented_limit_cites_aws_documentation() -> None:
    for rule in _raw(LIMITS)["rules"]:
        assert rule["link"].startswith("https://docs.aws.amazon.com/bedrock/latest/"), rule["id"]
        assert "documented-limit" in rule["labels"], rule["id"]
        assert rule.get("title") and rule.get("remediation"), rule["id"]


# Range rules are high (AWS rejects the job); the two judgement calls are named here.
LOWER_SEVERITY = {"claude-haiku-no-learning-rate": "medium", "family-covered": "info"}


def test_documented_limit_severities() -> None:
    for rule in _raw(LIMITS)["rules"]:
        assert rule["severity"] == LOWER_SEVERITY.get(rule["id"], "high"), rule["id"]


def test_conservative_policy_says_it_is_opinion() -> None:
    raw = _raw(CONSERVATIVE)
    assert "not AWS limits" in raw["description"]
    for rule in raw["rules"]:
        assert "opinion" in rule["labels"], rule["id"]


def _rule_bounds(path: Path, prefix: str) -> dict[str, tuple[Any, Any]]:
    return {rule["hyperparameter"]["name"]: (rule["hyperparameter"].get("min"),
                                             rule["hyperparameter"].get("max"))
            for rule in _raw(path)["rules"]
            if rule["id"].startswith(prefix) and "hyperparameter" in rule
            and "min" in rule["hyperparameter"]}


def test_rft_ranges_match_botocore() -> None:
    """The RFT rules carry exactly the bounds of botocore's RFTHyperParameters shapes."""
    model = botocore.session.get_session().get_service_model("bedrock")
    members = model.shape_for("RFTHyperParameters").members
    documented = {name: (shape.metadata["min"], shape.metadata["max"])
                  for name, shape in members.items() if "min" in shape.metadata}
    assert _rule_bounds(LIMITS, "rft-") == documented
    assert members["reasoningEffort"].enum == ["low", "medium", "high"]


def test_conservative_caps_are_inside_the_documented_ranges() -> None:
    """An opinion tighter than AWS: every cap lies below the documented maximum."""
    limits = {r["id"]: r for r in _raw(LIMITS)["rules"]}
    pairs = {
        "titan-text-learning-rate-cap": "titan-text-learning-rate",
        "titan-premier-learning-rate-cap": "titan-premier-learning-rate",
        "nova-learning-rate-cap": "nova-learning-rate",
        "llama-learning-rate-cap": "llama3-1-learning-rate",
        "cohere-learning-rate-cap": "cohere-learning-rate",
        "claude-haiku-learning-rate-multiplier-cap": "claude-haiku-learning-rate-multiplier",
        "rft-epoch-cap": "rft-epoch-count",
        "rft-learning-rate-cap": "rft-learning-rate",
    }
    caps = {r["id"]: r for r in _raw(CONSERVATIVE)["rules"]}
    assert set(pairs) | {"sft-epoch-cap"} == set(caps)
    for cap, limit in pairs.items():
        cap_max = caps[cap]["hyperparameter"]["max"]
        limit_hp = limits[limit]["hyperparameter"]
        assert limit_hp["min"] <= cap_max < limit_hp["max"], cap
