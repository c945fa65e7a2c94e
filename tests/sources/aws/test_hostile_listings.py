"""Every listing a run makes, broken one at a time, through the installed ``bedrock-drift``.

The misbehaving stand-in of tests/support/hostile_bedrock.py serves the models and, in two pages
each, the deployments, provisioned throughputs, copy jobs, customization jobs and enforced
guardrails, plus ``GetFoundationModel`` and STS ``GetCallerIdentity``; the item about the
model ``bad`` is on each second page (its deployment, its throughput, its copy from an
unapproved account, a DRAFT guardrail). One fault breaks one operation in one region
(``{}``, a null list, an HTML proxy page, a broken second page, tokens that come back). The
run must end, exit 2, name the operation and the fault in an error, make exactly the rules
that read what the listing feeds ``error`` in that region, and judge everything else: never
read a broken listing as "none".
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import command_env
from tests.support.hostile_bedrock import FAULT_REGION, PAGE_FAULTS, arn, hostile_bedrock

COMMAND = Path(sys.executable).parent / "bedrock-drift"
OTHER_REGION = "us-west-2"

MODEL_POLICY = """\
version: 1
name: around
rules:
  - id: titan
    base_model: {allowed: ["amazon.titan-text-express-v1*"]}
  - id: not-served
    require: {field: served, equals: false}
  - id: copied-from-approved
    when: {field: copyJob, exists: true}
    require: {field: copyJob.sourceAccountId, in: ["111122223333"]}
  - id: base-model-active
    require: {field: baseModel.modelLifecycle.status, equals: ACTIVE}
"""
ACCOUNT_POLICY = """\
version: 1
name: acct
resource: account
rules:
  - id: guardrail-enforced
    require: {field: "enforcedGuardrails[].guardrailArn", exists: true}
  - id: no-draft-guardrail
    require: {field: "enforcedGuardrails[].guardrailVersion", not_equals: DRAFT}
"""
# What each fault's error says (after "<operation>: ").
SAYS = {
    "empty-object": "MalformedResponse: ", "null-list": "MalformedResponse: ",
    "html": "MalformedResponse: the body is not JSON (it starts '<html><body><h1>Proxy",
    "page-2": "MalformedResponse: the body is not JSON (it starts '<html><body><h1>Proxy",
    "cycle": "EndlessListing: nextToken 't1' came back after 3 pages",
}
# The rules each listing feeds, and what they judge on each model when nothing is broken.
FEEDS = {
    "ListCustomModelDeployments": ("around/not-served",),
    "ListProvisionedModelThroughputs": ("around/not-served",),
    "ListModelCopyJobs": ("around/copied-from-approved",),
}
CLEAN = {
    "good-1": {"around/titan": "pass", "around/not-served": "fail",
               "around/copied-from-approved": "pass", "around/base-model-active": "pass"},
    "good-2": {"around/titan": "pass", "around/not-served": "fail",  # not copied
               "around/copied-from-approved": "not_applicable",
               "around/base-model-active": "pass"},
    # Served (a deployment and a throughput on the second pages), copied from an
    # unapproved account (the second page of the copy jobs).
    "bad": {"around/titan": "pass", "around/not-served": "fail",
            "around/copied-from-approved": "fail", "around/base-model-active": "pass"},
}


def run(endpoint: str, tmp_path: Path, *args: str,
        limit: float = 90) -> tuple[int, dict[str, Any], str, float]:
    policies = tmp_path / "policies"
    policies.mkdir(exist_ok=True)
    (policies / "around.yaml").write_text(MODEL_POLICY)
    (policies / "acct.yaml").write_text(ACCOUNT_POLICY)
    report = tmp_path / "report.json"
    env = command_env(tmp_path, AWS_ENDPOINT_URL_BEDROCK=endpoint, AWS_ENDPOINT_URL_STS=endpoint)
    started = time.monotonic()
    done = subprocess.run(
        [str(COMMAND), "check", "-p", str(policies), "--region", FAULT_REGION,
         "--region", OTHER_REGION, "-f", "json", "-o", str(report), "--max-attempts", "2",
         *args], env=env, capture_output=True, text=True, timeout=limit, check=False)
    elapsed = time.monotonic() - started
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert report.exists(), f"no report written: {done.stderr}"
    return done.returncode, json.loads(report.read_text()), done.stderr, elapsed


def by_model(report: dict[str, Any], region: str) -> dict[str, dict[str, str]]:
    return {name: m["results"] for name in CLEAN for m in report["models"]
            if m["model_arn"] == arn(region, name)}


def account(report: dict[str, Any], region: str) -> dict[str, str]:
    (found,) = [m["results"] for m in report["models"]
                if m["model_name"] == f"account 123456789012 {region}"]
    return dict(found)


def test_nothing_broken_every_page_is_read(tmp_path: Path) -> None:
    with hostile_bedrock("none") as server:
        code, report, stderr, _ = run(server.url, tmp_path)
    assert code == 1 and report["errors"] == [], stderr
    for region in (FAULT_REGION, OTHER_REGION):
        assert by_model(report, region) == CLEAN
        # The DRAFT guardrail is on the second page: seen.
        assert account(report, region) == {"acct/guardrail-enforced": "pass",
                                           "acct/no-draft-guardrail": "fail"}


@pytest.mark.parametrize("kind", PAGE_FAULTS)
@pytest.mark.parametrize("operation", list(FEEDS))
def test_a_broken_model_context_listing_errors_the_rules_it_feeds(
        tmp_path: Path, operation: str, kind: str) -> None:
    with hostile_bedrock(f"{operation}:{kind}") as server:
        code, report, stderr, elapsed = run(server.url, tmp_path)
    assert code == 2, stderr
    assert elapsed < 60
    messages = [e["message"] for e in report["errors"]]
    assert any(m.startswith(f"{FAULT_REGION}: {operation}: {SAYS[kind]}") for m in messages), \
        messages
    broken = FEEDS[operation]
    for name, results in by_model(report, FAULT_REGION).items():
        for rule, result in CLEAN[name].items():
            assert results[rule] == ("error" if rule in broken else result), (name, rule)
    # The other region, and the account settings, were judged as usual.
    assert by_model(report, OTHER_REGION) == CLEAN
    assert account(report, FAULT_REGION)["acct/no-draft-guardrail"] == "fail"


@pytest.mark.parametrize("kind", PAGE_FAULTS)
def test_a_broken_guardrails_listing_is_an_error_never_fewer_guardrails(
        tmp_path: Path, kind: str) -> None:
    with hostile_bedrock(f"ListEnforcedGuardrailsConfiguration:{kind}") as server:
        code, report, stderr, elapsed = run(server.url, tmp_path)
    assert code == 2, stderr
    assert elapsed < 60  # a cycling token ends at once, not at --timeout
    messages = [e["message"] for e in report["errors"]]
    # Account settings' errors name the account too: ACCOUNT/REGION: API: ...
    assert any(re.match(rf"\d{{12}}/{FAULT_REGION}: ListEnforcedGuardrailsConfiguration: "
                        rf"{re.escape(SAYS[kind])}", m) for m in messages), messages
    assert account(report, FAULT_REGION) == {"acct/guardrail-enforced": "error",
                                             "acct/no-draft-guardrail": "error"}
    assert account(report, OTHER_REGION) == {"acct/guardrail-enforced": "pass",
                                             "acct/no-draft-guardrail": "fail"}
    for region in (FAULT_REGION, OTHER_REGION):
        assert by_model(report, region) == CLEAN


@pytest.mark.parametrize("kind", PAGE_FAULTS)
def test_a_broken_customization_job_listing_is_an_error(tmp_path: Path, kind: str) -> None:
    with hostile_bedrock(f"ListModelCustomizationJobs:{kind}") as server:
        code, report, stderr, _ = run(server.url, tmp_path, "--include-jobs")
    assert code == 2, stderr
    (error,) = [e for e in report["errors"] if "ListModelCustomizationJobs" in e["message"]]
    assert error["region"] == FAULT_REGION
    assert error["message"].startswith(f"{FAULT_REGION}: ListModelCustomizationJobs: "
                                       f"{SAYS[kind]}")
    for region in (FAULT_REGION, OTHER_REGION):
        assert by_model(report, region) == CLEAN


@pytest.mark.parametrize(("kind", "says"), [
    ("empty-object", "MalformedResponse: modelDetails is missing"),
    ("html", "MalformedResponse: the body is not JSON"),
    ("other", "WrongModel: the answer is for 'amazon.nova-pro-v1:0'"),
    ("no-lifecycle", "MissingLifecycle: the answer has no modelLifecycle status"),
])
def test_a_foundation_model_answer_that_is_not_about_the_model_asked_is_an_error(
        tmp_path: Path, kind: str, says: str) -> None:
    with hostile_bedrock(f"GetFoundationModel:{kind}") as server:
        code, report, stderr, _ = run(server.url, tmp_path)
    assert code == 2, stderr
    messages = {e["message"] for e in report["errors"]}
    assert any(m.startswith(f"{FAULT_REGION}: GetFoundationModel amazon.titan-text-express-"
                            f"v1:0:8k: {says}") for m in messages), messages
    for name, results in by_model(report, FAULT_REGION).items():
        assert results["around/base-model-active"] == "error", name
        assert results["around/copied-from-approved"] == CLEAN[name][
            "around/copied-from-approved"]
    assert by_model(report, OTHER_REGION) == CLEAN
