"""check --include-jobs, snapshot and diff against moto's in-process Bedrock (mock_aws)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.support import fake_aws_env, run_cli

POLICY = """\
version: 1
name: p
rules:
  - id: lr
    hyperparameter: {name: learningRate, max: 0.0001}
  - id: bucket
    require: {field: outputDataConfig.s3Uri, glob: "s3://acme-ml-model-output/*"}
"""


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_aws_env(monkeypatch, tmp_path)


@pytest.fixture
def bedrock() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("bedrock", region_name="us-east-1")


@pytest.fixture
def policy(tmp_path: Path) -> str:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


def start_job(client: Any, name: str, learning_rate: str,
              output: str = "s3://acme-ml-model-output/") -> None:
    client.create_model_customization_job(
        jobName=f"{name}-job", customModelName=name,
        roleArn="arn:aws:iam::123456789012:role/BedrockCustomization",
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": "s3://acme-ml-training-data/train.jsonl"},
        outputDataConfig={"s3Uri": output},
        hyperParameters={"learningRate": learning_rate})


def test_include_jobs_judges_in_flight_jobs(bedrock: Any, policy: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    start_job(bedrock, "ok", "0.00001")
    start_job(bedrock, "hot", "0.01", output="s3://personal-bucket/out/")
    code, out, _ = run_cli(["check", "-p", policy, "--region", "us-east-1", "-f", "json"],
                           capsys)
    without = json.loads(out)
    assert {m["kind"] for m in without["models"]} == {"model"}

    code, out, err = run_cli(["check", "-p", policy, "--region", "us-east-1", "-f", "json",
                              "--include-jobs"], capsys)
    report = json.loads(out)
    jobs = [m for m in report["models"] if m["kind"] == "job"]
    assert sorted(m["model_name"] for m in jobs) == ["hot-hot-job", "ok-ok-job"]
    assert all(m["model_arn"] is None for m in jobs)
    bad = {(v["model_name"], v["rule"]) for v in report["violations"] if v["kind"] == "job"}
    assert bad == {("hot-hot-job", "lr"), ("hot-hot-job", "bucket")}
    assert code == 1, err
    assert report["summary"]["models"] == len(without["models"]) + 2


@pytest.mark.parametrize("extra", [["--from", "x.json"], ["--model", "m"]],
                         ids=["with-from", "with-model"])
def test_include_jobs_needs_the_whole_live_source(extra: list[str], policy: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["check", "-p", policy, "--include-jobs", *extra], capsys)
    assert code == 2
    assert "--include-jobs" in err


def test_permissions_for_jobs(policy: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["permissions", "-p", policy, "--include-jobs"], capsys)
    actions = json.loads(out)["Statement"][0]["Action"]
    assert code == 0
    assert {"bedrock:ListModelCustomizationJobs", "bedrock:GetModelCustomizationJob"} <= \
        set(actions)


def test_snapshot_and_diff_against_live(bedrock: Any, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    start_job(bedrock, "summarizer", "0.00001")
    arn = bedrock.list_custom_models()["modelSummaries"][0]["modelArn"]
    bedrock.tag_resource(resourceARN=arn, tags=[{"key": "owner", "value": "ml"}])
    state = tmp_path / "state.json"
    code, _, err = run_cli(["snapshot", "--region", "us-east-1", "-o", str(state)], capsys)
    assert code == 0, err
    snapshot = json.loads(state.read_text(encoding="utf-8"))
    assert snapshot["regions"] == ["us-east-1"]
    assert snapshot["models"][0]["tags"] == {"owner": "ml"}  # tags always recorded

    code, out, _ = run_cli(["diff", str(state), "--region", "us-east-1"], capsys)
    assert (code, out.splitlines()[-1]) == (0, "Drift: 0 added, 0 changed, 0 removed.")

    bedrock.tag_resource(resourceARN=arn, tags=[{"key": "owner", "value": "someone"}])
    start_job(bedrock, "shadow", "0.00001")
    code, out, _ = run_cli(["diff", str(state), "--region", "us-east-1"], capsys)
    assert code == 1
    assert '    ~ tags.owner: "ml" -> "someone"' in out
    assert out.splitlines()[-1] == "Drift: 1 added, 1 changed, 0 removed."


def test_diff_compares_only_the_regions_read(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with mock_aws():
        for region, name in (("us-east-1", "east"), ("eu-west-1", "west")):
            start_job(boto3.client("bedrock", region_name=region), name, "0.00001")
        state = tmp_path / "state.json"
        code, _, err = run_cli(["snapshot", "--region", "us-east-1", "--region", "eu-west-1",
                                "-o", str(state)], capsys)
        assert code == 0, err
        code, out, err = run_cli(["diff", str(state), "--region", "us-east-1"], capsys)
    # The eu-west-1 model was not read, so it has not disappeared.
    assert (code, out.splitlines()[-1]) == (0, "Drift: 0 added, 0 changed, 0 removed.")
    assert "1 baseline model is in regions this run did not read, and not compared" in err


def test_in_flight_jobs_are_judged_with_their_accounts_settings(
        bedrock: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A model rule on the account's settings (account.KEY) judges an in-flight job too,
    with the settings read for the models of its account and region."""
    path = tmp_path / "ctx.yaml"
    path.write_text("version: 1\nname: ctx\nrules:\n  - id: logged\n    require: "
                    "{field: account.invocationLogging.textDataDeliveryEnabled, equals: true}\n",
                    encoding="utf-8")
    bedrock.put_model_invocation_logging_configuration(loggingConfig={
        "s3Config": {"bucketName": "logs-bucket"}, "textDataDeliveryEnabled": True})
    start_job(bedrock, "ok", "0.00001")
    code, out, err = run_cli(["check", "-p", str(path), "--region", "us-east-1", "-f", "json",
                              "--include-jobs"], capsys)
    report = json.loads(out)
    assert (code, report["errors"]) == (0, []), err
    assert {(m["kind"], m["model_name"]): m["results"] for m in report["models"]} == {
        ("model", "ok"): {"ctx/logged": "pass"},
        ("job", "ok-ok-job"): {"ctx/logged": "pass"}}
