"""The shipped model-posture policy: risk in context, priority by exposure. Its unit tests
(``policies/model-posture_test.yaml``) give statuses; this judges the effective severity a
served, an unserved and an unknown-exposure model take, and the ``account.KEY`` entries of a
test file's ``fetched``."""

from __future__ import annotations

from typing import Any

import pytest

from checker.engine.evaluate import evaluate
from checker.policy.loader import load_policies
from checker.policytest.cases import with_fetched
from checker.results import ModelInput, Scanned
from tests.support import FIXED_NOW, ROOT

ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.titan-text-express-v1:0:8k/m"
STRONG_GUARDRAIL = {"guardrailArn": "arn:aws:bedrock:us-east-1:111122223333:guardrail/g",
                    "contentPolicy": {"filters": [{"type": "PROMPT_ATTACK",
                                                   "inputStrength": "HIGH",
                                                   "outputStrength": "NONE"}]}}


def judged(served: Any, logging: Any) -> dict[str, tuple[str, str | None]]:
    (policy,), _ = load_policies([str(ROOT / "policies" / "model-posture.yaml")])
    doc: dict[str, Any] = {"modelName": "m", "modelArn": ARN, "account": {
        "accountId": "111122223333", "region": "us-east-1", "invocationLogging": logging,
        "invocationLogEncryption": {"s3": None, "cloudWatch": None, "largeDataS3": None},
        "guardrails": [STRONG_GUARDRAIL]}}
    if served is not None:
        doc["served"] = served
    report = evaluate([policy], [ModelInput(document=doc)],
                      scanned=Scanned(("aws",), (), ()), now=FIXED_NOW)
    severities = {v.rule.qualified_id: v.severity for v in report.violations}
    return {rule: (str(status), severities.get(rule))
            for rule, status in report.models[0].results.items()}


@pytest.mark.parametrize(("served", "severity"), [
    (True, "critical"), (False, "high"), (None, "critical")],  # unknown: the worst case
    ids=["served", "not-served", "exposure-unknown"])
def test_logging_off_is_critical_on_a_served_model(served: Any, severity: str) -> None:
    assert judged(served, None) == {
        "model-posture/invocations-logged-encrypted": ("fail", severity),
        "model-posture/behind-prompt-attack-guardrail": ("pass", None)}


def test_logging_on_to_an_encrypted_nowhere_passes() -> None:
    # Logging on with no destination read as unencrypted: nothing unencrypted to fail.
    assert judged(True, {"textDataDeliveryEnabled": True})[
        "model-posture/invocations-logged-encrypted"] == ("pass", None)


def test_fetched_account_settings_are_null_where_a_case_leaves_them_out() -> None:
    fetched = ("served", "account.invocationLogging", "account.guardrails")
    assert with_fetched({"account": {"region": "us-east-1"}}, fetched) == {
        "served": None, "account": {"invocationLogging": None, "guardrails": None,
                                    "region": "us-east-1"}}
    # No account at all stays absent: its rules are errors, not judged on nulls.
    assert with_fetched({"modelName": "m"}, fetched) == {"served": None, "modelName": "m"}
