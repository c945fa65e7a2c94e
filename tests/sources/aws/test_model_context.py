"""A model in its context, end to end: the installed ``bedrock-drift`` against a stub.

moto implements none of the operations these keys need (``ListCustomModelDeployments``,
``GetCustomModelDeployment``, ``ListProvisionedModelThroughputs``, ``ListModelCopyJobs``,
``GetModelImportJob``, ``GetFoundationModel``), so every Bedrock call here goes to the
stub of ``tests/support/context_stub.py``, built from botocore's output shapes, which also counts
the calls per operation and region.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sources.aws.test_aws_fetch import not_read_only
from tests.support import command_env
from tests.support.context_stub import ACCOUNT, Running, Surroundings, bedrock_context, model, serve

COMMAND = Path(sys.executable).parent / "bedrock-drift"
EAST, WEST = "us-east-1", "us-west-2"
FM = "amazon.titan-text-express-v1:0:8k"

POLICY = """\
version: 1
name: ctx
vars:
  approved_accounts: ["111122223333"]
rules:
  - id: kms-required
    severity: medium
    served_severity: critical
    kms_key: {}
  - id: copied-from-approved
    severity: high
    when: {field: copyJob, exists: true}
    require: {field: copyJob.sourceAccountId, in: "${var.approved_accounts}"}
  - id: not-served
    severity: low
    require: {field: served, equals: false}
  - id: base-model-active
    require: {field: baseModel.modelLifecycle.status, equals: ACTIVE}
"""


def east_models() -> list[dict[str, Any]]:
    return [model("served-bad", key=False), model("idle-bad", key=False),
            model("copied-bad"), model("copied-ok")]


def east_surroundings() -> Surroundings:
    arn = {m["modelName"]: m["modelArn"] for m in east_models()}
    around = Surroundings()
    around.deployments = [
        bedrock_context.deployment(arn["served-bad"], "dep-served", EAST, ACCOUNT),
        bedrock_context.deployment(arn["idle-bad"], "dep-failed", EAST, ACCOUNT,
                                   status="Failed")]
    around.copy_jobs = [
        bedrock_context.copy_job(arn["copied-bad"], "copied-bad", "999999999999", EAST, ACCOUNT),
        bedrock_context.copy_job(arn["copied-ok"], "copied-ok", "111122223333", EAST, ACCOUNT)]
    around.foundation_models[FM] = bedrock_context.foundation_model(FM, EAST)
    return around


def west_models() -> list[dict[str, Any]]:
    return [model("west-provisioned", WEST)]


def west_surroundings() -> Surroundings:
    around = Surroundings()
    around.throughputs = [bedrock_context.throughput(
        west_models()[0]["modelArn"], "pt-west", WEST, ACCOUNT)]
    around.foundation_models[FM] = bedrock_context.foundation_model(FM, WEST, status="LEGACY")
    return around


@pytest.fixture
def stub() -> Iterator[Running]:
    with serve({EAST: (east_models(), east_surroundings()),
                WEST: (west_models(), west_surroundings())}) as running:
        yield running


@pytest.fixture
def calls_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "aws-calls.txt"
    yield path
    operations = path.read_text().split() if path.exists() else []
    assert operations and not_read_only(operations) == []


@pytest.fixture
def env(stub: Running, tmp_path: Path, calls_file: Path) -> dict[str, str]:
    # The stub answers STS too (the read's GetCallerIdentity): no call leaves the machine.
    return command_env(tmp_path, BEDROCK_DRIFT_RECORD_CALLS=str(calls_file),
                       AWS_ENDPOINT_URL_BEDROCK=stub.url, AWS_ENDPOINT_URL_STS=stub.url)


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "ctx.yaml"
    path.write_text(POLICY)
    return path


def run(env: dict[str, str], *args: str) -> tuple[int, Any, str]:
    assert COMMAND.exists(), f"{COMMAND} is not installed (pip install -e .)"
    done = subprocess.run([str(COMMAND), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    try:
        report = json.loads(done.stdout) if done.stdout.strip() else None
    except ValueError:
        report = done.stdout
    return done.returncode, report, done.stderr


def check(env: dict[str, str], policy: Path, *extra: str) -> tuple[int, Any, str]:
    return run(env, "check", "-p", str(policy), "--region", EAST, "--region", WEST,
               "-f", "json", *extra)


def results(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {m["model_name"]: m["results"] for m in report["models"]}


def violations(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(v["model_name"], v["rule"]): v for v in report["violations"]}


def test_a_served_non_compliant_model_gets_the_raised_severity(env: dict[str, str],
                                                              policy: Path) -> None:
    code, report, stderr = check(env, policy)
    assert code == 1, stderr
    assert report["errors"] == []
    found = violations(report)
    served = found[("served-bad", "kms-required")]
    assert (served["severity"], served["exposure"], served["rule_severity"]) == (
        "critical", "served", "medium")
    idle = found[("idle-bad", "kms-required")]  # its only deployment Failed: not served
    assert idle["severity"] == "medium" and "exposure" not in idle
    assert results(report)["served-bad"]["ctx/not-served"] == "fail"
    assert results(report)["idle-bad"]["ctx/not-served"] == "pass"
    # A provisioned throughput InService in the other region serves that model.
    assert results(report)["west-provisioned"]["ctx/not-served"] == "fail"
    # --fail-on compares the effective severity: only the served model's violation gates.
    code, report, _ = check(env, policy, "--fail-on", "critical")
    assert code == 1
    code, _, _ = check(env, policy, "--fail-on", "critical", "--skip-rule", "ctx/not-served",
                       "--skip-rule", "ctx/copied-from-approved",
                       "--skip-rule", "ctx/base-model-active", "--model", "idle-bad",
                       "--region", EAST)
    assert code == 0
    # Text and Markdown reports say why.
    code, text, _ = run(env, "check", "-p", str(policy), "--region", EAST, "-f", "text")
    assert "[critical] (served) ctx/kms-required" in text
    assert "[medium] ctx/kms-required" in text


def test_a_copy_from_an_unapproved_account_fails(env: dict[str, str], policy: Path) -> None:
    code, report, stderr = check(env, policy, "--rule", "ctx/copied-from-approved")
    assert code == 1, stderr
    by_model = {name: r["ctx/copied-from-approved"] for name, r in results(report).items()}
    assert by_model == {"served-bad": "not_applicable", "idle-bad": "not_applicable",
                        "copied-bad": "fail", "copied-ok": "pass",
                        "west-provisioned": "not_applicable"}
    bad = violations(report)[("copied-bad", "copied-from-approved")]
    assert bad["actual"] == "999999999999" and bad["field"] == "copyJob.sourceAccountId"


def test_an_unreadable_deployment_listing_errors_only_the_rules_that_need_served(
        env: dict[str, str], policy: Path, stub: Running) -> None:
    stub.stubs[EAST].surroundings.failing.add("ListCustomModelDeployments")
    code, report, stderr = check(env, policy)
    assert code == 2, stderr
    east = {name: r for name, r in results(report).items() if name != "west-provisioned"}
    for name, rule_results in east.items():
        assert rule_results["ctx/not-served"] == "error", name
        assert rule_results["ctx/base-model-active"] == "pass", name
    assert east["copied-bad"]["ctx/copied-from-approved"] == "fail"
    assert east["copied-ok"]["ctx/kms-required"] == "pass"
    # The other region was read: its rules were judged.
    west = results(report)["west-provisioned"]
    assert west["ctx/not-served"] == "fail" and west["ctx/base-model-active"] == "fail"
    # Exposure unknown: the worst case, and said so.
    found = violations(report)
    for name in ("served-bad", "idle-bad"):
        assert (found[(name, "kms-required")]["severity"],
                found[(name, "kms-required")]["exposure"]) == ("critical", "unknown")
    messages = [e["message"] for e in report["errors"]]
    assert all("ListCustomModelDeployments" in m and "AccessDeniedException" in m
               for m in messages)
    assert {e["rule"] for e in report["errors"]} == {"ctx/not-served", None}
    assert sum(1 for e in report["errors"] if e["rule"] is None) == 1  # once for the region
    assert sum(1 for e in report["errors"] if e["rule"] == "ctx/not-served") == 4
    code, text, _ = run(env, "check", "-p", str(policy), "--region", EAST, "-f", "text")
    assert code == 2 and "[critical] (exposure unknown) ctx/kms-required" in text


@pytest.mark.parametrize("status", ["Updating", "InService"])
def test_a_throughput_that_aws_says_still_serves_counts_as_served(
        env: dict[str, str], policy: Path, stub: Running, status: str) -> None:
    # AWS: "While a Provisioned Throughput is updating, you can run inference using the
    # Provisioned Throughput" (userguide/prov-thru-edit.html), the old model until the
    # update is deployed: both its modelArn and its desiredModelArn are served.
    arn = {m["modelName"]: m["modelArn"] for m in east_models()}
    moving = bedrock_context.throughput(arn["idle-bad"], "pt-moving", EAST, ACCOUNT,
                                        status=status)
    moving["desiredModelArn"] = arn["copied-ok"]
    stub.stubs[EAST].surroundings.throughputs = [moving]
    code, report, stderr = check(env, policy, "--fail-on", "critical")
    assert code == 1 and report["errors"] == [], stderr
    found = violations(report)
    assert (found[("idle-bad", "kms-required")]["severity"],
            found[("idle-bad", "kms-required")]["exposure"]) == ("critical", "served")
    assert results(report)["idle-bad"]["ctx/not-served"] == "fail"
    assert results(report)["copied-ok"]["ctx/not-served"] == "fail"


@pytest.mark.parametrize("listing,status", [
    ("throughputs", "Deleting"), ("throughputs", None), ("deployments", "Updating"),
    ("deployments", "active")])
def test_a_state_the_tool_does_not_know_makes_exposure_unknown_never_not_served(
        env: dict[str, str], policy: Path, stub: Running, listing: str,
        status: str | None) -> None:
    arn = {m["modelName"]: m["modelArn"] for m in east_models()}
    item = (bedrock_context.throughput(arn["idle-bad"], "pt-odd", EAST, ACCOUNT)
            if listing == "throughputs" else
            bedrock_context.deployment(arn["idle-bad"], "dep-odd", EAST, ACCOUNT))
    if status is None:
        del item["status"]
    else:
        item["status"] = status
    around = stub.stubs[EAST].surroundings
    setattr(around, listing, [*getattr(around, listing), item])
    code, report, stderr = check(env, policy, "--fail-on", "critical")
    assert code == 2, stderr
    rules = results(report)["idle-bad"]
    assert rules["ctx/not-served"] == "error" and rules["ctx/base-model-active"] == "pass"
    found = violations(report)
    assert (found[("idle-bad", "kms-required")]["severity"],
            found[("idle-bad", "kms-required")]["exposure"]) == ("critical", "unknown")
    # The served model beside it is still judged served; its exposure is known.
    assert results(report)["served-bad"]["ctx/not-served"] == "fail"
    unknown = [e for e in report["errors"] if e["code"] == "UnknownExposure"]
    assert unknown and all("idle-bad" in e["message"] for e in unknown)
    assert ("without a status" if status is None else repr(status)) in unknown[0]["message"]


@pytest.mark.parametrize("fault", ["another model", "no lifecycle"])
def test_a_foundation_model_answer_that_cannot_be_trusted_never_passes_a_lifecycle_rule(
        env: dict[str, str], tmp_path: Path, stub: Running, fault: str) -> None:
    # The shipped end-of-life rule passes a base model without an endOfLifeTime: an answer
    # about another model, or one without its lifecycle, must not reach it.
    details = bedrock_context.foundation_model(FM, EAST)
    if fault == "another model":
        details = bedrock_context.foundation_model("amazon.nova-pro-v1:0", EAST,
                                                   end_of_life=None)
    else:
        del details["modelLifecycle"]
    stub.stubs[EAST].surroundings.foundation_models[FM] = details
    code, report, stderr = run(env, "check", "-p", "builtin:model-context", "--region", EAST,
                               "-f", "json")
    assert code == 2, stderr
    for name, rules in results(report).items():
        assert rules["bedrock-model-context/base-model-end-of-life"] == "error", name
        assert rules["bedrock-model-context/base-model-active"] == "error", name
        assert rules["bedrock-model-context/kms-required"] in ("pass", "fail"), name
    wanted = "WrongModel" if fault == "another model" else "MissingLifecycle"
    assert {e["code"] for e in report["errors"]} == {wanted}
    assert all(f"GetFoundationModel {FM}" in e["message"] for e in report["errors"])


def test_one_listing_per_account_and_region(env: dict[str, str], policy: Path,
                                            stub: Running) -> None:
    stub.reset()
    code, report, stderr = check(env, policy)
    assert code == 1 and report["summary"]["models"] == 5, stderr
    by_region = stub.stats()["calls_by_region"]
    for region, models in ((EAST, 4), (WEST, 1)):
        assert by_region[region] == {
            "ListCustomModels": 1, "GetCustomModel": models,
            "ListCustomModelDeployments": 1, "ListProvisionedModelThroughputs": 1,
            "ListModelCopyJobs": 1, "GetFoundationModel": 1}, region


def test_only_the_calls_the_rules_need(env: dict[str, str], policy: Path,
                                       stub: Running) -> None:
    stub.reset()
    code, _, stderr = check(env, policy, "--rule", "ctx/copied-from-approved")
    assert code == 1, stderr
    calls = stub.stats()["calls"]
    assert calls == {"ListCustomModels": 2, "GetCustomModel": 5, "ListModelCopyJobs": 2}
    code, text, _ = run(env, "permissions", "-p", str(policy))
    assert code == 0
    assert text["Statement"][0]["Action"] == [
        "bedrock:GetCustomModel", "bedrock:GetFoundationModel",
        "bedrock:ListCustomModelDeployments", "bedrock:ListCustomModels",
        "bedrock:ListModelCopyJobs", "bedrock:ListProvisionedModelThroughputs"]


def test_deployment_details_are_read_only_for_the_fields_the_listing_lacks(
        env: dict[str, str], tmp_path: Path, stub: Running) -> None:
    policy = tmp_path / "details.yaml"
    policy.write_text("version: 1\nname: d\nrules:\n  - id: updated\n    require: "
                      "{field: 'deployments[].updateDetails.updateStatus', "
                      "equals: UpdateCompleted}\n  - id: status\n    require: "
                      "{field: 'deployments[].status', not_equals: Failed}\n")
    stub.reset()
    code, report, stderr = run(env, "check", "-p", str(policy), "--region", EAST, "-f", "json")
    assert code == 1, stderr
    assert stub.stats()["calls"]["GetCustomModelDeployment"] == 2  # one per deployment
    assert results(report)["served-bad"] == {"d/updated": "pass", "d/status": "pass"}
    assert results(report)["idle-bad"] == {"d/updated": "pass", "d/status": "fail"}
    # No deployment: every element of an empty list must not hold vacuously.
    assert results(report)["copied-ok"]["d/updated"] == "fail"
    (policy).write_text("version: 1\nname: d\nrules:\n  - id: status\n    require: "
                        "{field: 'deployments[].status', not_equals: Failed}\n")
    stub.reset()
    run(env, "check", "-p", str(policy), "--region", EAST, "-f", "json")
    assert "GetCustomModelDeployment" not in stub.stats()["calls"]


def test_imported_models_read_their_import_job(env: dict[str, str], tmp_path: Path,
                                               stub: Running) -> None:
    job = f"arn:aws:bedrock:{EAST}:{ACCOUNT}:model-import-job/abc"
    stub.stubs[EAST].surroundings.imported_models = [{
        "modelArn": f"arn:aws:bedrock:{EAST}:{ACCOUNT}:imported-model/abc",
        "modelName": "imported-llama", "jobArn": job, "jobName": "import-abc",
        "creationTime": "2026-01-01T00:00:00Z", "modelArchitecture": "llama3"}]
    stub.stubs[EAST].surroundings.import_jobs[job] = {
        "jobArn": job, "jobName": "import-abc", "importedModelName": "imported-llama",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/import",
        "modelDataSource": {"s3DataSource": {"s3Uri": "s3://ml-approved-data/llama/"}},
        "status": "Completed", "vpcConfig": {"subnetIds": ["subnet-1"],
                                             "securityGroupIds": ["sg-1"]}}
    policy = tmp_path / "import.yaml"
    policy.write_text("version: 1\nname: i\nrules:\n  - id: vpc\n    require: "
                      "{field: importJob.vpcConfig.subnetIds, exists: true}\n"
                      "  - id: lifecycle\n    require: "
                      "{field: baseModel.modelLifecycle.status, equals: ACTIVE}\n")
    stub.reset()
    code, report, stderr = run(env, "check", "-p", str(policy), "--region", EAST,
                               "--include-imported", "-f", "json")
    assert code == 1, stderr
    # An imported model has no base model (baseModel is null): a rule that reads only it
    # cannot apply to the model, as GetImportedModel has no base (docs/inputs.md).
    assert results(report)["imported-llama"] == {"i/vpc": "pass",
                                                 "i/lifecycle": "not_applicable"}
    assert results(report)["copied-ok"]["i/vpc"] == "fail"  # not imported: importJob null
    assert stub.stats()["calls"]["GetModelImportJob"] == 1
