"""examples/aws/template.yaml: valid CloudFormation (cfn-lint), and the role it gives the
function is what ``permissions`` prints for the bundled policies, nothing more."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.aws_lambda import events
from tests.support import ROOT, run_main

TEMPLATE = ROOT / "examples" / "aws" / "template.yaml"
BUILD = ROOT / "examples" / "aws" / "build-lambda-zip.sh"
CFN_LINT = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or \
    shutil.which("cfn-lint")


def template() -> dict[str, Any]:
    # Written with long-form intrinsics (Fn::If, Ref), so plain YAML reads it.
    data: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return data


def statements() -> dict[str, Any]:
    role = template()["Resources"]["FunctionRole"]["Properties"]
    found: dict[str, Any] = {}
    for statement in role["Policies"][0]["PolicyDocument"]["Statement"]:
        if "Fn::If" in statement:
            statement = statement["Fn::If"][1]
        found[statement["Sid"]] = statement
    return found


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    assert CFN_LINT is not None, "cfn-lint is in the test extra: pip install -e '.[test]'"
    return subprocess.run([CFN_LINT, "--format", "parseable", str(path)], capture_output=True,
                          text=True, timeout=300, check=False)


def test_cfn_lint_accepts_the_template() -> None:
    result = lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_rejects_a_broken_copy(tmp_path: Path) -> None:
    """The validator really validates: a wrong runtime and a dangling reference fail."""
    broken = tmp_path / "template.yaml"
    broken.write_text(TEMPLATE.read_text(encoding="utf-8")
                      .replace("Runtime: python3.12", "Runtime: python2.9")
                      .replace("Resource: {\"Fn::GetAtt\": [LogGroup, Arn]}",
                               "Resource: {\"Fn::GetAtt\": [NoSuchGroup, Arn]}"),
                      encoding="utf-8")
    result = lint(broken)
    assert result.returncode != 0
    assert "python2.9" in result.stdout and "NoSuchGroup" in result.stdout


def bundled_policies(tmp_path: Path) -> list[Path]:
    """The policies examples/aws/build-lambda-zip.sh puts in the package by default."""
    target = tmp_path / "function.zip"
    done = subprocess.run(["bash", str(BUILD), str(target)], capture_output=True, text=True,
                          env={**os.environ, "DEPS": "0", "PYTHON": sys.executable,
                               "LAMBDA_PYTHON": "{}.{}".format(*sys.version_info[:2])},
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(target) as archive:
        names = [n for n in archive.namelist() if n.startswith("policies/")]
        archive.extractall(tmp_path / "task", members=names)
    return sorted((tmp_path / "task").glob("policies/*"))


def test_the_role_reads_what_permissions_prints(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    policies = bundled_policies(tmp_path)
    assert [p.name for p in policies] == ["baseline.yaml", "documented-limits.yaml"]
    printed = run_main(capsys, "permissions", *(a for p in policies for a in ("-p", str(p))),
                       "--events")
    assert printed.exit_code == 0
    expected = json.loads(printed.output)["Statement"][0]
    found = statements()["BedrockDriftReadOnly"]
    assert found["Action"] == expected["Action"]
    assert found["Resource"] == expected["Resource"] == "*"
    # Publishing (only with Publish=securityhub): what `permissions --publish` prints.
    printed = run_main(capsys, "permissions", "--publish")
    assert printed.exit_code == 0
    assert statements()["BedrockDriftPublish"] == json.loads(printed.output)["Statement"][0]
    condition = [s["Fn::If"][0] for s in template()["Resources"]["FunctionRole"]["Properties"][
        "Policies"][0]["PolicyDocument"]["Statement"]
        if "Fn::If" in s and s["Fn::If"][1]["Sid"] == "BedrockDriftPublish"]
    assert condition == ["Publishes"]
    # Every other statement is about the function's own log group, queue and buckets.
    others = {a for sid, s in statements().items()
              if sid not in ("BedrockDriftReadOnly", "BedrockDriftPublish")
              for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert others == {"logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage",
                      "s3:GetObject", "s3:ListBucket", "s3:PutObject"}
    # Nothing writes to Bedrock, and nothing is granted on every resource but the reads.
    assert not [sid for sid, s in statements().items()
                if sid not in ("BedrockDriftReadOnly", "BedrockDriftPublish")
                and s["Resource"] == "*"]


def test_the_function_is_the_stable_entry_point() -> None:
    function = template()["Resources"]["Function"]["Properties"]
    module, _, name = function["Handler"].rpartition(".")
    assert function["Handler"] == "checker.aws_lambda.handler"
    assert callable(getattr(importlib.import_module(module), name))
    variables = set(function["Environment"]["Variables"])
    assert variables == {"BEDROCK_DRIFT_POLICIES", "BEDROCK_DRIFT_REGIONS",
                         "BEDROCK_DRIFT_FAIL_ON", "BEDROCK_DRIFT_PUBLISH",
                         "BEDROCK_DRIFT_REPORT_S3"}
    documented = importlib.import_module("checker.aws_lambda.config").__doc__ or ""
    assert all(v in documented for v in variables)


def test_the_rules_send_the_events_the_handler_judges() -> None:
    resources = template()["Resources"]
    jobs = resources["JobStateChangeRule"]["Properties"]["EventPattern"]
    assert jobs["detail-type"] == [events.JOB_STATE_CHANGE] and jobs["source"] == ["aws.bedrock"]
    calls = resources["CreateCallRule"]["Properties"]["EventPattern"]
    assert calls["detail-type"] == [events.API_CALL]
    assert tuple(calls["detail"]["eventName"]) == events.CREATE_CALLS
    assert resources["ScheduleRule"]["Properties"]["ScheduleExpression"] == {"Ref": "Schedule"}
    # Every rule retries and dead-letters into the queue, and may invoke the function.
    rules = [name for name, r in resources.items() if r["Type"] == "AWS::Events::Rule"]
    permitted = {r["Properties"]["SourceArn"]["Fn::GetAtt"][0] for r in resources.values()
                 if r["Type"] == "AWS::Lambda::Permission"}
    assert permitted == set(rules) and len(rules) == 3
    for name in rules:
        [target] = resources[name]["Properties"]["Targets"]
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}}
    function = resources["Function"]["Properties"]
    assert function["DeadLetterConfig"]["TargetArn"] == {
        "Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    assert resources["LogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
