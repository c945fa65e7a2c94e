"""Runs that judged less than they seem to: each must fail closed, never pass.

A scheduled Lambda run with an account policy reads the account settings as ``check`` does;
``check --from`` with account policies only judges nothing, an error; ``publish`` archives
the hub's findings of models or rules a report did not judge only when the report read them
all (not a ``--model``, ``--rule`` or ``--framework`` run, not model documents from files).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.aws_lambda import test_aws_lambda as lam
from tests.aws_lambda.test_aws_lambda import aws_env, sample, seed_model  # noqa: F401
from tests.support import ROOT, run_cli

ACCOUNT_POLICY = """\
version: 1
name: acct
resource: account
rules:
  - id: logging
    title: Invocation logging is on
    severity: high
    require: {field: invocationLogging, exists: true}
"""


def test_scheduled_lambda_reads_account_settings_for_an_account_policy(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    (tmp_path / "bundle" / "policies" / "acct.yaml").write_text(ACCOUNT_POLICY, "utf-8")
    seed_model("good")
    handler = importlib.import_module("checker.aws_lambda").handler
    capsys.readouterr()
    # Logging is off in moto's account: the account rule fails, it is not skipped.
    result = handler(sample("scheduled_event.json"), None)
    capsys.readouterr()
    assert lam.statuses(result) == {"good": "pass", "account 123456789012 us-east-1": "fail"}
    assert result["summary"]["result"] == "fail"
    # With logging on, the account passes: it was read.
    boto3.client("bedrock", region_name="us-east-1").put_model_invocation_logging_configuration(
        loggingConfig={"s3Config": {"bucketName": "logs"}})
    result = handler(sample("scheduled_event.json"), None)
    capsys.readouterr()
    assert lam.statuses(result)["account 123456789012 us-east-1"] == "pass"


def test_check_from_files_with_only_account_policies_is_an_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "acct.yaml"
    policy.write_text(ACCOUNT_POLICY, encoding="utf-8")
    code, out, err = run_cli(["check", "-p", str(policy), "--from",
                              str(ROOT / "examples" / "models")], capsys)
    assert code == 2
    assert out == ""
    assert err.strip().count("\n") == 0
    assert "resource: account" in err and "--from" in err


def test_check_from_files_with_model_and_account_policies_still_judges_models(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_cli(["check", "-p", str(ROOT / "policies" / "account-baseline.yaml"),
                              "-p", str(ROOT / "policies" / "baseline.yaml"), "--from",
                              str(ROOT / "examples" / "models"), "-f", "json"], capsys)
    data: dict[str, Any] = json.loads(out)
    assert "account-rules-not-judged" in {w["code"] for w in data["warnings"]}
    assert data["summary"]["not_evaluated"] < data["summary"]["models"]
    assert code == 1



FRAMEWORK_POLICY = """\
version: 1
name: p
rules:
  - id: data
    compliance: {NIST-800-53-r5: [SC-28]}
    require: {field: trainingDataConfig.s3Uri, glob: "s3://ok/*"}
  - id: named
    compliance: {ISO-27001-2022: [A.8.24]}
    require: {field: modelName, exists: true}
"""


def _shard(capsys: pytest.CaptureFixture[str], tmp: Path, name: str, *extra: str) -> Path:
    from tests.support import run_main
    doc = tmp / f"{name}.json"
    doc.write_text(json.dumps({
        "modelArn": f"arn:aws:bedrock:us-east-1:111122223333:custom-model/{name}",
        "modelName": name, "trainingDataConfig": {"s3Uri": "s3://ok/x"}}))
    out = tmp / f"report-{name}.json"
    result = run_main(capsys, "check", "-p", str(tmp / "p.yaml"), "--from", str(doc),
                      "-f", "json", "-o", str(out), *extra)
    assert result.exit_code == 0, result.stderr
    return out


def test_merge_keeps_the_framework_of_its_shards(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    from tests.support import run_main
    (tmp_path / "p.yaml").write_text(FRAMEWORK_POLICY)
    a = _shard(capsys, tmp_path, "a", "--framework", "NIST-800-53-r5")
    b = _shard(capsys, tmp_path, "b", "--framework", "NIST-800-53-r5")
    assert json.loads(a.read_text())["framework"] == "NIST-800-53-r5"
    result = run_main(capsys, "merge", str(a), str(b), "-f", "json")
    assert result.exit_code == 0, result.stderr
    merged = json.loads(result.output)
    assert merged["framework"] == "NIST-800-53-r5"
    assert merged["summary"]["rules"] == 1


def test_merge_refuses_shards_of_other_frameworks(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    from tests.support import run_main
    (tmp_path / "p.yaml").write_text(FRAMEWORK_POLICY.replace(
        "compliance: {ISO-27001-2022: [A.8.24]}", "compliance: {NIST-800-53-r5: [SC-28]}"))
    a = _shard(capsys, tmp_path, "a", "--framework", "NIST-800-53-r5")
    b = _shard(capsys, tmp_path, "b")
    result = run_main(capsys, "merge", str(a), str(b), "-f", "json")
    assert result.exit_code == 2
    assert result.output == ""
    assert "--framework" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["violations"][0].update(severity="bogus"),
     "at violations/0/severity: 'bogus' is not one of"),
    (lambda d: d["policies"][0]["rules"][0].update(severity=3),
     "at policies/0/rules/0/severity: 3 is not one of"),
    (lambda d: d.update(fail_on="bogus"), "at fail_on: 'bogus' is not one of"),
    (lambda d: d["scanned"].update(models="abc"), "at scanned/models: 'abc' is not of type"),
])
def test_a_report_with_a_bad_severity_or_gate_is_a_one_line_input_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, change: Any, expected: str) -> None:
    code, out, _ = run_cli(["check", "-p", str(ROOT / "policies" / "baseline.yaml"), "--from",
                            str(ROOT / "examples" / "models"), "-f", "json"], capsys)
    assert code == 1
    data = json.loads(out)
    change(data)
    report = tmp_path / "r.json"
    report.write_text(json.dumps(data))
    for command in (["merge", str(report), "-f", "json"], ["publish", str(report)]):
        code, out, err = run_cli(command, capsys)
        assert (code, out) == (2, ""), err
        assert err.count("\n") == 1
        # Read by the one reader of JSON reports: checked against the report's schema.
        assert f"{report}: not a valid bedrock-drift JSON report" in err and expected in err


def test_a_model_event_with_account_policies_only_is_ignored_not_passed(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    bundle = tmp_path / "bundle" / "policies"
    (bundle / "test.yaml").unlink()
    (bundle / "acct.yaml").write_text(ACCOUNT_POLICY, "utf-8")
    arn = seed_model("good")
    event = lam.job_event("job-good", outputModelArn=arn)
    handler = importlib.import_module("checker.aws_lambda").handler
    capsys.readouterr()
    result = handler(event, None)
    log = json.loads(capsys.readouterr().out)
    assert result["result"] == "ignored" and log["result"] == "ignored"
    assert "resource: account" in result["note"]


def test_scheduled_lambda_with_jobs_keeps_the_account_settings(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    (tmp_path / "bundle" / "policies" / "acct.yaml").write_text(ACCOUNT_POLICY, "utf-8")
    monkeypatch.setenv("BEDROCK_DRIFT_INCLUDE_JOBS", "true")
    seed_model("good")
    handler = importlib.import_module("checker.aws_lambda").handler
    capsys.readouterr()
    result = handler(sample("scheduled_event.json"), None)
    capsys.readouterr()
    assert lam.statuses(result) == {"good": "pass", "account 123456789012 us-east-1": "fail"}


def test_check_include_jobs_keeps_the_account_settings(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "acct.yaml"
    policy.write_text(ACCOUNT_POLICY, encoding="utf-8")
    seed_model("good")
    code, out, err = run_cli(["check", "-p", str(policy), "--region", "us-east-1",
                              "--include-jobs", "-f", "json"], capsys)
    data = json.loads(out)
    assert [(m["model_name"], m["result"]) for m in data["models"]] == [
        ("good", "not_applicable"), ("account 123456789012 us-east-1", "fail")], err
    assert "account-rules-not-judged" not in {w["code"] for w in data["warnings"]}
    assert code == 1


@pytest.mark.parametrize("errored", [True, "true", None])
def test_an_errored_terraform_plan_is_an_error_not_judged(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, errored: Any) -> None:
    plan = json.loads((ROOT / "tests" / "data" / "terraform" / "plan-provider-example.json")
                      .read_text())
    plan["errored"] = errored
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, out, err = run_cli(["check", "-p", str(ROOT / "policies" / "baseline.yaml"),
                              "--from", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and f"{path}: the plan errored" in err
    plan["errored"] = False
    path.write_text(json.dumps(plan))
    code, _, err = run_cli(["check", "-p", str(ROOT / "policies" / "baseline.yaml"),
                            "--from", str(path)], capsys)
    assert code in (0, 1), err


@pytest.mark.parametrize("version", ["2.0", 1, None, "10.1"])
def test_a_plan_of_another_major_format_version_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, version: Any) -> None:
    plan = json.loads((ROOT / "tests" / "data" / "terraform" / "plan-provider-example.json")
                      .read_text())
    plan["format_version"] = version
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, out, err = run_cli(["check", "-p", str(ROOT / "policies" / "baseline.yaml"),
                              "--from", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "format_version" in err and str(path) in err


def test_the_markdown_headline_counts_models_nothing_judged(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "never.yaml"
    policy.write_text("version: 1\nname: n\nrules:\n  - id: r\n    when: {field: modelName, "
                      "equals: no-such-model}\n    require: {field: modelName, exists: true}\n")
    code, out, _ = run_cli(["check", "-p", str(policy), "--from",
                            str(ROOT / "examples" / "models"), "-f", "markdown"], capsys)
    assert code == 0  # the contract: not evaluated is not an error, but it is said
    headline = out.splitlines()[2]
    assert headline == ("**8 models read**, no violations, 0 waived, 0 errors, 8 not evaluated "
                        "(no rule applied).")
