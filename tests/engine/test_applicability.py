"""Applicability before fetching: a rule whose `when` or scope excludes a model, judged on the
fields that were read, is not_applicable even when its check needs an enrichment (`job`,
`kmsKey`, `tags`) that was not fetched for that model. A `when` or scope that itself reads an
unfetched enrichment cannot exclude anything: the rule is `error`."""

from __future__ import annotations

from typing import Any

import pytest

from checker.engine.evaluate import evaluate
from checker.results import ModelInput, Scanned, Status
from tests.support import FIXED_NOW, policy_from

RFT_ONLY = {"field": "customizationType", "equals": "REINFORCEMENT_FINE_TUNING"}
JOB_ROLE = {"require": {"field": "job.roleArn", "glob": "arn:aws:iam::111122223333:role/*"}}
KEY_MANAGER = {"kms_key": {"customer_managed": True}}
OWNER = {"require": {"field": "tags.owner", "exists": True}}

FINE_TUNED = {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/a/b",
              "modelName": "ft", "customizationType": "FINE_TUNING",
              "modelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/k"}


def status(policy_data: dict[str, Any], doc: dict[str, Any],
           errors: dict[str, tuple[str, str]] | None = None) -> tuple[Status, list[str]]:
    policy = policy_from({"version": 1, "name": "p", **policy_data})
    report = evaluate([policy], [ModelInput(document=doc, enrichment_errors=errors or {})],
                      scanned=Scanned(("t",), (), ()), now=FIXED_NOW)
    return report.models[0].results["p/r"], [e.code for e in report.errors]


@pytest.mark.parametrize(("name", "policy", "doc", "expected", "codes"), [
    ("when excludes, job not fetched",
     {"rules": [{"id": "r", "when": RFT_ONLY, **JOB_ROLE}]}, FINE_TUNED, "not_applicable", []),
    ("when excludes, kmsKey not fetched",
     {"rules": [{"id": "r", "when": RFT_ONLY, **KEY_MANAGER}]}, FINE_TUNED, "not_applicable",
     []),
    ("scope names exclude, tags not fetched",
     {"scope": {"names": ["prod-*"]}, "rules": [{"id": "r", **OWNER}]}, FINE_TUNED,
     "not_applicable", []),
    ("scope when excludes, job not fetched",
     {"scope": {"when": RFT_ONLY}, "rules": [{"id": "r", **JOB_ROLE}]}, FINE_TUNED,
     "not_applicable", []),
    ("when applies, job not fetched",
     {"rules": [{"id": "r", "when": {"field": "customizationType", "equals": "FINE_TUNING"},
                 **JOB_ROLE}]}, FINE_TUNED, "error", ["NotFetched"]),
    ("when reads the unfetched tags: cannot exclude",
     {"rules": [{"id": "r", "when": {"field": "tags.env", "exists": True}, **OWNER}]},
     FINE_TUNED, "error", ["NotFetched"]),
    ("scope reads the unfetched tags: cannot exclude",
     {"scope": {"when": {"field": "tags.env", "exists": True}},
      "rules": [{"id": "r", **KEY_MANAGER}]}, FINE_TUNED, "error", ["NotFetched"]),
    ("when reads the fetched tags and excludes",
     {"rules": [{"id": "r", "when": {"field": "tags.env", "exists": True}, **OWNER}]},
     {**FINE_TUNED, "tags": {}}, "not_applicable", []),
])
def test_applicability_is_judged_before_the_fetch(name: str, policy: dict[str, Any],
                                                  doc: dict[str, Any], expected: str,
                                                  codes: list[str]) -> None:
    got, error_codes = status(policy, doc)
    assert (str(got), error_codes) == (expected, codes)


def test_a_failed_fetch_still_errors_where_the_rule_applies() -> None:
    failed = {"job": ("AccessDeniedException", "GetModelCustomizationJob: access denied")}
    applies = {"rules": [{"id": "r", **JOB_ROLE}]}
    excluded = {"rules": [{"id": "r", "when": RFT_ONLY, **JOB_ROLE}]}
    reads_it = {"rules": [{"id": "r", "when": {"field": "job.status", "equals": "Completed"},
                           **JOB_ROLE}]}
    assert status(applies, FINE_TUNED, failed) == (Status.ERROR, ["AccessDeniedException"])
    assert status(excluded, FINE_TUNED, failed) == (Status.NOT_APPLICABLE, [])
    assert status(reads_it, FINE_TUNED, failed) == (Status.ERROR, ["AccessDeniedException"])
