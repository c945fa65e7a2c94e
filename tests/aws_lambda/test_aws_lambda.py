"""The Lambda entry point, in-process under moto (Bedrock, S3, STS).

The events are AWS's documented samples (``tests/events/``): the ``Model Customization Job
State Change`` sample of the Bedrock user guide (monitoring-eventbridge-how-it-works), the
``Scheduled Event`` sample of the EventBridge user guide, and ``AWS API Call via CloudTrail``
events in EventBridge's documented envelope carrying Bedrock's request shapes. moto's Bedrock
names a job's output model with an ARN its model does not have, so the tests that need the
two to agree align them in moto's backend (``align_job``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
import yaml

from checker.aws_lambda import config as config_module
from checker.aws_lambda import events, run
from checker.aws_lambda.config import ConfigError, read_config
from checker.errors import InputError, PolicyError, SourceError
from checker.reports.json_report import report_dict
from checker.sources import aws, planned
from tests.support import ROOT, fake_aws_env, moto_bedrock

ACCOUNT = "123456789012"
REGION = "us-east-1"
EVENTS = ROOT / "tests" / "events"
GOOD_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FOREIGN_KEY = "arn:aws:kms:us-east-1:999999999999:key/0000f0re-1gn0-0000-0000-000000000000"
POLICY = """\
version: 1
name: lambda-test
rules:
  - id: kms
    title: Encrypted with a key of the account
    severity: critical
    kms_key:
      allowed: ["arn:aws:kms:*:123456789012:key/*"]
  - id: learning-rate
    title: Learning rate at most 0.001
    severity: medium
    hyperparameter: {name: learningRate, max: 0.001}
"""


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    fake_aws_env(monkeypatch, tmp_path)
    for name in ("BEDROCK_DRIFT_POLICIES", "BEDROCK_DRIFT_REGIONS", "BEDROCK_DRIFT_FAIL_ON",
                 "BEDROCK_DRIFT_PUBLISH", "BEDROCK_DRIFT_REPORT_S3",
                 "BEDROCK_DRIFT_INCLUDE_JOBS", "LAMBDA_TASK_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", REGION)
    policies = tmp_path / "bundle" / "policies"
    policies.mkdir(parents=True)
    (policies / "test.yaml").write_text(POLICY, encoding="utf-8")
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path / "bundle"))
    plain = aws.default_session_factory
    monkeypatch.setattr(aws, "default_session_factory",
                        lambda profile: moto_bedrock.install(plain(profile)))
    with moto_bedrock.mocked():
        yield


def seed_model(name: str, *, kms: str | None = GOOD_KEY, learning_rate: str = "0.0001",
               region: str = REGION, job_name: str | None = None) -> str:
    """A model made by a customization job in moto, encrypted with ``kms``; its ARN."""
    return moto_bedrock.current().create_model(
        name, region, kms=kms, hyper_parameters={"learningRate": learning_rate},
        job_name=job_name)


def create_job(job_name: str, model_name: str, learning_rate: str) -> None:
    """A customization job in moto and its output model (with the key moto invents)."""
    moto_bedrock.current().create_model(
        model_name, REGION, job_name=job_name, kms=moto_bedrock.MOTO_KEY,
        role=f"arn:aws:iam::{ACCOUNT}:role/JobExecutionRole",
        training="s3://bucket/key", output="s3://bucket/key",
        hyper_parameters={"learningRate": learning_rate, "epochCount": "5"})


def invoke(event: Any, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any],
                                                                      dict[str, Any]]:
    """The handler's return value and its one log line."""
    handler = importlib.import_module("checker.aws_lambda").handler
    capsys.readouterr()
    result = handler(event, None)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    return result, json.loads(lines[0])


def invoke_failing(event: Any, capsys: pytest.CaptureFixture[str],
                   error: type[Exception] = Exception) -> tuple[str, dict[str, Any]]:
    handler = importlib.import_module("checker.aws_lambda").handler
    capsys.readouterr()
    with pytest.raises(error) as info:
        handler(event, None)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    log = json.loads(lines[0])
    assert log["result"] == "error"
    return str(info.value), log


def job_event(job_name: str, status: str = "Completed", **detail: Any) -> dict[str, Any]:
    """AWS's sample job event about the job ``job_name`` made in moto (its ARN as moto
    makes it), naming no output model unless ``detail`` does."""
    event = sample("job_state_change.json")
    arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/{job_name}"
    event["resources"] = [arn]
    for key in ("outputModelArn", "outputModelName"):
        event["detail"].pop(key)
    event["detail"].update(jobName=job_name, jobArn=arn, jobStatus=status, **detail)
    return event


def statuses(result: dict[str, Any]) -> dict[str, str]:
    return {m["name"]: m["result"] for m in result["models"]}


# --- the job state change event --------------------------------------------------------------

def test_completed_job_judges_its_output_model_read_through_the_job(
        capsys: pytest.CaptureFixture[str]) -> None:
    # AWS's sample names the output model by a bare name, not a model ARN: the handler reads
    # the ARN from GetModelCustomizationJob. Its learning rate, 0.05, breaks the policy.
    create_job("abcd-wxyz", "dummy-output-model-name", "0.05")
    event = job_event("abcd-wxyz", outputModelName="dummy-output-model-name",
                      outputModelArn=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:"
                                     "dummy-output-model-name")
    result, log = invoke(event, capsys)
    assert result["summary"] == {"models": 1, "policies": 1, "rules": 2, "violations": 1,
                                 "waived": 0, "errors": 0, "not_evaluated": 0,
                                 "result": "fail"}
    assert statuses(result) == {"dummy-output-model-name": "fail"}
    assert log["result"] == "fail"
    assert log["violations"] == ["dummy-output-model-name: lambda-test/learning-rate"]
    assert log["event"] == "Model Customization Job State Change"


def test_completed_job_with_a_model_arn_judges_the_model_the_job_made(
        capsys: pytest.CaptureFixture[str]) -> None:
    arn = seed_model("compliant-model")
    event = job_event("job-compliant-model", outputModelArn=arn)
    result, log = invoke(event, capsys)
    assert result["result"] == "pass"
    assert result["summary"]["models"] == 1 and result["summary"]["violations"] == 0
    assert result["models"] == [{"name": "compliant-model", "arn": arn, "kind": "model",
                                 "result": "pass"}]
    assert log["summary"] == result["summary"]


def test_an_unreadable_model_fails_the_invocation(capsys: pytest.CaptureFixture[str]) -> None:
    seed_model("gone")
    moto_bedrock.current().delete_model("gone")  # its job still names it
    event = job_event("job-gone")
    message, log = invoke_failing(event, capsys, run.InvocationError)
    assert "GetCustomModel" in message and "gone" in message
    assert log["summary"]["result"] == "error" and log["summary"]["errors"] == 1


def test_an_unreadable_job_fails_the_invocation(capsys: pytest.CaptureFixture[str]) -> None:
    event = job_event("abcd-wxyz")  # no such job in moto
    message, log = invoke_failing(event, capsys)
    assert message.startswith("us-east-1: GetModelCustomizationJob arn:aws:bedrock:")
    assert log["error"] == "SourceError"


@pytest.mark.parametrize("claim", ["outputModelArn", "outputModelName"])
def test_a_job_event_naming_another_model_than_the_job_made_fails(
        capsys: pytest.CaptureFixture[str], claim: str) -> None:
    # The job made "made" (a violation); the event claims the compliant "other" instead.
    made = seed_model("made", learning_rate="0.5")
    other = seed_model("other")
    assert made != other
    event = job_event("job-made", **{claim: other if claim == "outputModelArn" else "other"})
    message, log = invoke_failing(event, capsys, SourceError)
    assert message.startswith(f"{REGION}: GetModelCustomizationJob arn:aws:bedrock:")
    assert "the event names the output model" in message and "not judged" in message
    assert "models" not in log  # neither model was judged as the event's
    # Naming the model the job made is judged as usual.
    result, _ = invoke(job_event("job-made", outputModelArn=made,
                                 outputModelName="made"), capsys)
    assert statuses(result) == {"made": "fail"}


def test_a_job_answer_about_another_job_fails(capsys: pytest.CaptureFixture[str]) -> None:
    seed_model("asked")
    seed_model("answered", learning_rate="0.5")
    stand_in = moto_bedrock.current()
    answered = stand_in.jobs[(ACCOUNT, REGION)]["job-answered"]
    assert answered is not None
    # A GetModelCustomizationJob that answers every job with another's document.
    stand_in.on("GetModelCustomizationJob",
                lambda call: moto_bedrock.ok(answered.answer(stand_in)))
    message, _ = invoke_failing(job_event("job-asked"), capsys, SourceError)
    assert "model-customization-job/job-answered" in message
    assert "not the event's job" in message


def test_a_model_event_no_rule_applies_to_is_not_evaluated_not_passed(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bundle" / "policies" / "test.yaml").write_text(
        POLICY.replace("    severity: critical\n",
                       "    severity: critical\n    when: {field: modelName, equals: x}\n")
        .replace("    severity: medium\n",
                 "    severity: medium\n    when: {field: modelName, equals: x}\n"),
        encoding="utf-8")
    arn = seed_model("elsewhere")
    result, log = invoke(job_event("job-elsewhere", outputModelArn=arn), capsys)
    assert result["result"] == log["result"] == "not_evaluated"
    assert statuses(result) == {"elsewhere": "not_applicable"}
    assert result["summary"]["not_evaluated"] == 1 and result["summary"]["violations"] == 0
    # A scheduled run that judges nothing is still its report's result.
    result, _ = invoke(sample("scheduled_event.json"), capsys)
    assert result["result"] == "pass"


def test_a_failed_job_is_ignored_with_a_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    result, log = invoke(sample("job_state_change.json"), capsys)  # jobStatus: Failed
    assert result["result"] == "ignored" and result["summary"] is None
    assert log["result"] == "ignored" and "is Failed" in log["note"]


def test_with_include_jobs_an_unfinished_job_is_judged_as_a_job(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_DRIFT_INCLUDE_JOBS", "true")
    create_job("abcd-wxyz", "dummy-output-model-name", "0.05")
    event = job_event("abcd-wxyz", status="InProgress")
    result, _ = invoke(event, capsys)
    assert [m["kind"] for m in result["models"]] == ["job"]
    assert result["summary"]["violations"] == 1  # the learning rate, read from the job


# --- CloudTrail events -----------------------------------------------------------------------

def test_customization_request_compliant(capsys: pytest.CaptureFixture[str]) -> None:
    result, log = invoke(sample("cloudtrail_create_model_customization_job.json"), capsys)
    assert result["result"] == "pass"
    assert result["models"] == [{"name": "support-bot-v3", "arn": None, "kind": "planned",
                                 "result": "pass"}]
    assert log["event"] == "AWS API Call via CloudTrail: CreateModelCustomizationJob"


def test_customization_request_non_compliant(capsys: pytest.CaptureFixture[str]) -> None:
    event = sample("cloudtrail_create_model_customization_job.json")
    event["detail"]["requestParameters"]["customModelKmsKeyId"] = FOREIGN_KEY
    event["detail"]["requestParameters"]["hyperParameters"]["learningRate"] = "0.01"
    result, log = invoke(event, capsys)
    assert result["summary"]["violations"] == 2 and result["result"] == "fail"
    assert sorted(log["violations"]) == ["support-bot-v3: lambda-test/kms",
                                         "support-bot-v3: lambda-test/learning-rate"]


def test_a_value_cloudtrail_hid_is_not_judged(capsys: pytest.CaptureFixture[str]) -> None:
    event = sample("cloudtrail_create_model_customization_job.json")
    event["detail"]["requestParameters"]["customModelKmsKeyId"] = events.HIDDEN
    message, log = invoke_failing(event, capsys, run.InvocationError)
    assert "modelKmsKeyArn" in message
    assert log["summary"]["errors"] >= 1


def test_a_failed_call_created_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    event = sample("cloudtrail_create_model_customization_job.json")
    event["detail"].update(errorCode="AccessDenied", errorMessage="denied",
                           responseElements=None)
    result, log = invoke(event, capsys)
    assert result["result"] == "ignored" and "AccessDenied" in log["note"]


def test_copy_request_takes_the_source_model_and_the_requested_key(
        capsys: pytest.CaptureFixture[str]) -> None:
    source = seed_model("source-model", learning_rate="0.05")
    event = sample("cloudtrail_create_model_copy_job.json")
    event["detail"]["requestParameters"]["sourceModelArn"] = source
    result, log = invoke(event, capsys)
    # The copy keeps its source's learning rate (a violation) and gets the requested key.
    assert result["models"] == [{"name": "support-bot-v3-copy", "arn": None,
                                 "kind": "planned", "result": "fail"}]
    assert log["violations"] == ["support-bot-v3-copy: lambda-test/learning-rate"]

    event["detail"]["requestParameters"]["modelKmsKeyId"] = FOREIGN_KEY
    result, _ = invoke(event, capsys)
    assert result["summary"]["violations"] == 2


def test_copy_of_a_missing_source_fails(capsys: pytest.CaptureFixture[str]) -> None:
    message, _ = invoke_failing(sample("cloudtrail_create_model_copy_job.json"), capsys,
                                run.InvocationError)
    assert "source123456" in message


def test_import_request(capsys: pytest.CaptureFixture[str]) -> None:
    event = sample("cloudtrail_create_model_import_job.json")
    result, _ = invoke(event, capsys)
    assert statuses(result) == {"llama-support": "pass"}
    del event["detail"]["requestParameters"]["importedModelKmsKeyId"]
    result, log = invoke(event, capsys)
    assert log["violations"] == ["llama-support: lambda-test/kms"]


def test_create_custom_model_judges_the_request_and_the_created_model(
        capsys: pytest.CaptureFixture[str]) -> None:
    arn = seed_model("nova-support", kms=FOREIGN_KEY)
    event = sample("cloudtrail_create_custom_model.json")
    event["detail"]["responseElements"]["modelArn"] = arn
    result, _ = invoke(event, capsys)
    # The request names the account's key; the model as created has a foreign one.
    assert sorted((m["kind"], m["result"]) for m in result["models"]) == [
        ("model", "fail"), ("planned", "pass")]


def test_unknown_request_keys_are_errors() -> None:
    event = sample("cloudtrail_create_model_import_job.json")
    event["detail"]["requestParameters"]["importedModelKmsKey"] = GOOD_KEY
    call = events.parse_event(event)
    assert isinstance(call, events.ApiCall)
    with pytest.raises(InputError, match="importedModelKmsKeyId"):
        events.import_request(call)


@pytest.mark.parametrize(("operation", "keys"), [
    ("CreateModelCopyJob", events.COPY_KEYS), ("CreateModelImportJob", events.IMPORT_KEYS),
    ("CreateCustomModel", events.CUSTOM_MODEL_KEYS),
    ("CreateModelCustomizationJob", planned.REQUEST_KEYS)])
def test_request_keys_are_botocores(operation: str, keys: tuple[str, ...]) -> None:
    model = botocore.session.get_session().get_service_model("bedrock")
    assert set(keys) == set(model.operation_model(operation).input_shape.members)


# --- scheduled events ------------------------------------------------------------------------

def test_scheduled_event_checks_every_model_of_the_regions(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_DRIFT_REGIONS", "us-east-1, eu-west-1")
    seed_model("good")
    seed_model("bad-rate", learning_rate="0.5")
    seed_model("bad-key", kms=FOREIGN_KEY, region="eu-west-1")
    result, log = invoke(sample("scheduled_event.json"), capsys)
    assert statuses(result) == {"good": "pass", "bad-rate": "fail", "bad-key": "fail"}
    assert result["summary"]["violations"] == 2
    assert log["event"] == "Scheduled Event"


def test_fail_on_decides_the_result(capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    seed_model("bad-rate", learning_rate="0.5")  # a medium violation
    monkeypatch.setenv("BEDROCK_DRIFT_FAIL_ON", "high")
    result, _ = invoke(sample("scheduled_event.json"), capsys)
    assert result["summary"]["violations"] == 1 and result["result"] == "pass"


def test_scheduler_input_is_a_scheduled_event(capsys: pytest.CaptureFixture[str]) -> None:
    result, _ = invoke({"source": "aws.scheduler", "detail-type": "Scheduled Event"}, capsys)
    assert result["summary"]["models"] == 0 and result["result"] == "pass"


@pytest.mark.parametrize("event", [
    {}, [], "text", {"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2"},
    {"detail-type": "AWS API Call via CloudTrail", "source": "aws.bedrock",
     "detail": {"eventSource": "bedrock.amazonaws.com", "eventName": "DeleteCustomModel"}},
    {"detail-type": "Model Customization Job State Change", "source": "aws.bedrock",
     "detail": {"jobStatus": "Completed"}},
])
def test_an_event_not_understood_fails(event: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, log = invoke_failing(event, capsys, InputError)
    assert log["error"] == "InputError"


# --- policies and reports in S3, publishing ---------------------------------------------------

def test_policies_from_s3(capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="acme-policies")
    strict = POLICY.replace("lambda-test", "from-s3").replace("max: 0.001", "max: 0.00001")
    s3.put_object(Bucket="acme-policies", Key="drift/strict.yaml", Body=strict.encode())
    s3.put_object(Bucket="acme-policies", Key="drift/strict_test.yaml", Body=b"not: a policy")
    s3.put_object(Bucket="acme-policies", Key="drift/readme.txt", Body=b"ignored")
    seed_model("model", learning_rate="0.0001")
    monkeypatch.setenv("BEDROCK_DRIFT_POLICIES", "policies,s3://acme-policies/drift/")
    result, log = invoke(sample("scheduled_event.json"), capsys)
    assert result["summary"]["policies"] == 2
    assert log["violations"] == ["model: from-s3/learning-rate"]

    monkeypatch.setenv("BEDROCK_DRIFT_POLICIES", "s3://acme-policies/drift/strict.yaml")
    result, _ = invoke(sample("scheduled_event.json"), capsys)
    assert result["summary"]["policies"] == 1 and result["result"] == "fail"


def test_a_broken_policy_in_s3_fails_naming_it(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="acme-policies")
    s3.put_object(Bucket="acme-policies", Key="bad.yaml",
                  Body=POLICY.replace("max: 0.001", "max: lots").encode())
    monkeypatch.setenv("BEDROCK_DRIFT_POLICIES", "s3://acme-policies/bad.yaml")
    message, log = invoke_failing(sample("scheduled_event.json"), capsys, PolicyError)
    assert message.startswith("s3://acme-policies/bad.yaml:")
    assert log["errors"][0].startswith("s3://acme-policies/bad.yaml:")


@pytest.mark.parametrize(("uri", "expected"), [
    ("s3://acme-policies/none/", "no policy files"),
    ("s3://no-such-bucket/p.yaml", "NoSuchBucket"),
    ("s3://acme-policies/missing.yaml", "NoSuchKey"),
])
def test_unreadable_s3_policies_fail(uri: str, expected: str,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="acme-policies")
    monkeypatch.setenv("BEDROCK_DRIFT_POLICIES", uri)
    message, _ = invoke_failing(sample("scheduled_event.json"), capsys)
    assert expected in message


def test_report_written_to_s3(capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="acme-reports")
    monkeypatch.setenv("BEDROCK_DRIFT_REPORT_S3", "s3://acme-reports/drift/")
    seed_model("bad-rate", learning_rate="0.5")
    result, log = invoke(sample("scheduled_event.json"), capsys)
    key = result["report"].removeprefix("s3://acme-reports/")
    assert key.startswith("drift/") and key.endswith(".json") and log["report"] == result["report"]
    report = json.loads(s3.get_object(Bucket="acme-reports", Key=key)["Body"].read())
    assert report["summary"] == result["summary"]
    assert [v["rule"] for v in report["violations"]] == ["learning-rate"]


def hub_findings() -> dict[str, dict[str, Any]]:
    """The active findings moto's Security Hub holds, by generator (policy/rule) and model."""
    hub = boto3.client("securityhub", region_name=REGION)
    found = [f for page in hub.get_paginator("get_findings").paginate()
             for f in page["Findings"]]
    return {f"{f['Resources'][0]['Id'].rsplit('/', 1)[-1]} {f['GeneratorId']}": f
            for f in found if f.get("RecordState", "ACTIVE") == "ACTIVE"}


def test_scheduled_runs_publish_to_security_hub_and_archive_what_passes_again(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_DRIFT_PUBLISH", "securityhub")
    seed_model("good")
    seed_model("hot", learning_rate="0.5")
    result, log = invoke(sample("scheduled_event.json"), capsys)
    assert result["result"] == "fail"
    assert log["published"] == result["published"] == {"imported": 1, "unchanged": 0,
                                                       "archived": 0}
    findings = hub_findings()
    assert list(findings) == ["hot lambda-test/learning-rate"]
    finding = findings["hot lambda-test/learning-rate"]
    assert finding["Compliance"]["Status"] == "FAILED"
    assert finding["AwsAccountId"] == ACCOUNT and finding["Region"] == REGION

    # The same state again changes nothing; once the model is fixed, the finding is archived.
    result, _ = invoke(sample("scheduled_event.json"), capsys)
    assert result["published"] == {"imported": 0, "unchanged": 1, "archived": 0}
    # Fixed: deleted and made again, under the same name (so the same ARN), by a new job.
    moto_bedrock.current().delete_model("hot")
    seed_model("hot", learning_rate="0.0001", job_name="job-hot-again")
    result, _ = invoke(sample("scheduled_event.json"), capsys)
    assert result["result"] == "pass"
    assert result["published"] == {"imported": 0, "unchanged": 0, "archived": 1}
    assert hub_findings() == {}


def test_an_event_publishes_its_model_and_archives_nothing_else(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_DRIFT_PUBLISH", "securityhub")
    seed_model("hot", learning_rate="0.5")
    invoke(sample("scheduled_event.json"), capsys)
    assert list(hub_findings()) == ["hot lambda-test/learning-rate"]
    # A new model's job completes: its findings (passes too) go in, the others stay.
    arn = seed_model("fresh", kms=FOREIGN_KEY)
    event = job_event("job-fresh", outputModelArn=arn)
    result, _ = invoke(event, capsys)
    assert result["published"]["archived"] == 0
    findings = hub_findings()
    assert findings["fresh lambda-test/kms"]["Compliance"]["Status"] == "FAILED"
    assert findings["fresh lambda-test/learning-rate"]["Compliance"]["Status"] == "PASSED"
    assert findings["hot lambda-test/learning-rate"]["Compliance"]["Status"] == "FAILED"


def test_a_planned_model_is_published_under_its_name(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEDROCK_DRIFT_PUBLISH", "securityhub")
    event = sample("cloudtrail_create_model_customization_job.json")
    event["detail"]["requestParameters"]["customModelKmsKeyId"] = FOREIGN_KEY
    result, _ = invoke(event, capsys)
    assert result["published"] == {"imported": 2, "unchanged": 0, "archived": 0}
    statuses = {key: f["Compliance"]["Status"] for key, f in hub_findings().items()}
    assert statuses == {"support-bot-v3 lambda-test/kms": "FAILED",
                        "support-bot-v3 lambda-test/learning-rate": "PASSED"}


def test_findings_not_imported_fail_the_invocation(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.publish import PublishError, PublishResult

    def refused(report: Any, factory: Any, **_: Any) -> PublishResult:
        return PublishResult(imported=0, unchanged=0, archived=0, errors=(PublishError(
            "InvalidInput", "refused", ACCOUNT, REGION, "finding-1"),))

    monkeypatch.setattr(run, "publish_report", refused)
    monkeypatch.setenv("BEDROCK_DRIFT_PUBLISH", "securityhub")
    seed_model("hot", learning_rate="0.5")
    message, log = invoke_failing(sample("scheduled_event.json"), capsys, run.InvocationError)
    assert message.startswith("Security Hub: ") and "finding-1" in message
    assert log["summary"]["result"] == "fail"  # judged, but not published: still a failure


# --- configuration ---------------------------------------------------------------------------

@pytest.mark.parametrize(("env", "expected"), [
    ({"BEDROCK_DRIFT_FAIL_ON": "severe"}, "BEDROCK_DRIFT_FAIL_ON"),
    ({"BEDROCK_DRIFT_REGIONS": "us-east-1,Mars"}, "'Mars' is not a region"),
    ({"BEDROCK_DRIFT_PUBLISH": "splunk"}, "BEDROCK_DRIFT_PUBLISH"),
    ({"BEDROCK_DRIFT_REPORT_S3": "s3://bucket/report.json"}, "must be a prefix"),
    ({"BEDROCK_DRIFT_REPORT_S3": "bucket/prefix/"}, "not an s3://bucket/key URI"),
    ({"BEDROCK_DRIFT_POLICIES": "https://example.com/p.yaml"}, "only bundled paths"),
    ({"BEDROCK_DRIFT_POLICIES": " , "}, "names no policy"),
    ({"BEDROCK_DRIFT_INCLUDE_JOBS": "maybe"}, "BEDROCK_DRIFT_INCLUDE_JOBS"),
    ({"AWS_REGION": ""}, "no region"),
])
def test_bad_configuration(env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        read_config({"AWS_REGION": "eu-west-1", **env})


def test_configuration_defaults_and_parsing() -> None:
    config = read_config({"AWS_REGION": "eu-west-1", "LAMBDA_TASK_ROOT": "/var/task",
                          "BEDROCK_DRIFT_POLICIES": "policies, s3://b-1/p/ ,policies",
                          "BEDROCK_DRIFT_INCLUDE_JOBS": "TRUE"})
    assert config.policies == ("/var/task/policies", "s3://b-1/p/")
    assert config.regions == ("eu-west-1",)
    assert (config.fail_on, config.include_jobs, config.publish, config.report_s3) == \
        ("info", True, None, None)
    assert [str(s) for s in config.s3_policies] == ["s3://b-1/p/"]
    assert config_module.DEFAULT_POLICIES == "policies"


def test_a_shipped_policy_is_configured_by_its_builtin_name() -> None:
    from checker.aws_lambda.run import load_configured_policies

    config = read_config({"AWS_REGION": "eu-west-1", "LAMBDA_TASK_ROOT": "/var/task",
                          "BEDROCK_DRIFT_POLICIES": "builtin:baseline,policies"})
    assert config.policies == ("builtin:baseline", "/var/task/policies")
    only_builtin = read_config({"AWS_REGION": "eu-west-1",
                                "BEDROCK_DRIFT_POLICIES": "builtin:documented-limits"})
    policies = load_configured_policies(only_builtin, lambda profile: None)  # type: ignore
    assert [p.name for p in policies] == ["documented-limits"]
    assert policies[0].file == "builtin:documented-limits"
    with pytest.raises(Exception, match="builtin:nope: no such shipped policy"):
        load_configured_policies(read_config({"AWS_REGION": "eu-west-1",
                                              "BEDROCK_DRIFT_POLICIES": "builtin:nope"}),
                                 lambda profile: None)  # type: ignore


def test_summary_is_the_json_reports() -> None:
    from checker.engine.evaluate import evaluate
    from checker.results import ModelInput, Scanned
    from tests.support import policy_from

    policy = policy_from(yaml.safe_load(POLICY))
    report = evaluate([policy], [ModelInput({"modelName": "m", "modelKmsKeyArn": FOREIGN_KEY})],
                      scanned=Scanned(("test",), (), ()))
    assert run.summary_dict(report) == report_dict(report)["summary"]


def test_the_handler_path_is_stable() -> None:
    module = importlib.import_module("checker.aws_lambda")
    assert callable(module.handler)
    assert module.handler.__module__ == "checker.aws_lambda"


def test_one_session_per_warm_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    first = run.sandbox_session_factory(None)
    assert run.sandbox_session_factory(None) is first
    monkeypatch.setenv("AWS_SESSION_TOKEN", "rotated")  # new credentials: a new session
    second = run.sandbox_session_factory(None)
    assert second is not first and run.sandbox_session_factory(None) is second


@pytest.mark.parametrize("key", ["customModelName", "baseModelIdentifier"])
def test_a_request_without_its_model_name_or_base_fails(
        key: str, capsys: pytest.CaptureFixture[str]) -> None:
    event = sample("cloudtrail_create_model_customization_job.json")
    del event["detail"]["requestParameters"][key]
    message, _ = invoke_failing(event, capsys, InputError)
    assert f"has no {key}" in message and "CreateModelCustomizationJob" in message


@pytest.mark.parametrize(("field", "value"), [
    ("customModelTags", "not-a-list"), ("hyperParameters", ["0.1"]),
    ("customModelName", 42)])
def test_malformed_request_values_fail(field: str, value: Any,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    event = sample("cloudtrail_create_model_customization_job.json")
    event["detail"]["requestParameters"][field] = value
    _, log = invoke_failing(event, capsys, InputError)
    assert log["error"] == "InputError"


def test_an_unexpected_failure_still_logs_one_line(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(event: Any) -> Any:
        raise RuntimeError("something\nnobody expected")

    monkeypatch.setattr(events, "parse_event", broken)
    _, log = invoke_failing(sample("scheduled_event.json"), capsys, RuntimeError)
    assert log["error"] == "RuntimeError" and log["errors"] == ["something nobody expected"]


def test_unicode_names_and_numeric_strings(capsys: pytest.CaptureFixture[str]) -> None:
    event = sample("cloudtrail_create_model_customization_job.json")
    event["detail"]["requestParameters"].update(customModelName="модель-ü-支持")
    event["detail"]["requestParameters"]["hyperParameters"]["learningRate"] = "1e-2"
    capsys.readouterr()
    result = importlib.import_module("checker.aws_lambda").handler(event, None)
    line = capsys.readouterr().out
    assert "модель-ü-支持: lambda-test/learning-rate" in line  # readable, not \\u-escaped
    assert result["summary"]["violations"] == 1


def test_a_large_scheduled_run_logs_a_bounded_line(capsys: pytest.CaptureFixture[str]) -> None:
    for index in range(120):
        seed_model(f"model-{index:03d}", learning_rate="0.5" if index % 2 else "0.0001")
    result, log = invoke(sample("scheduled_event.json"), capsys)
    assert result["summary"]["models"] == 120 and result["summary"]["violations"] == 60
    assert len(result["models"]) == 120
    assert len(log["models"]) == run.LOGGED_MODELS and log["models_not_logged"] == 70
    assert len(log["violations"]) == run.LOGGED_MODELS


@pytest.mark.parametrize("name", [
    "cloudtrail_create_model_customization_job.json", "cloudtrail_create_model_import_job.json",
    "cloudtrail_create_custom_model.json", "job_state_change.json"])
def test_the_default_bundle_judges_the_sample_events(
        name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped policies build-lambda-zip.sh bundles by default judge requests and live
    models alike (none is an error), with the placeholder values of their variables."""
    from tests.support import ROOT

    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(ROOT))
    monkeypatch.setenv("BEDROCK_DRIFT_POLICIES",
                       "policies/baseline.yaml,policies/documented-limits.yaml")
    event = sample(name)
    if name == "job_state_change.json":
        event = job_event("job-live", outputModelArn=seed_model("live"))
    if name == "cloudtrail_create_custom_model.json":
        event["detail"]["responseElements"]["modelArn"] = seed_model("nova-support")
    result, _ = invoke(event, capsys)
    assert result["summary"]["errors"] == 0 and result["summary"]["policies"] == 2
    assert result["result"] == "fail"  # the placeholder account and buckets are not ours


@pytest.mark.parametrize(("change", "unknown"), [
    (lambda r: r["customModelTags"][0].update(value=events.HIDDEN), ("tags",)),
    (lambda r: r["hyperParameters"].update(learningRate=events.HIDDEN),
     ("hyperParameters", "learningRate")),
    (lambda r: r.update(roleArn=events.HIDDEN), ("job", "roleArn")),
])
def test_hidden_values_are_unknown_fields(change: Any, unknown: tuple[str, ...]) -> None:
    event = sample("cloudtrail_create_model_customization_job.json")
    change(event["detail"]["requestParameters"])
    call = events.parse_event(event)
    assert isinstance(call, events.ApiCall)
    model = events.customization_request(call)
    assert unknown in model.unknown_fields
    assert events.HIDDEN not in json.dumps(model.document)


def test_a_hidden_tag_makes_tag_rules_errors_not_violations(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    policy = tmp_path / "tags.yaml"
    policy.write_text("version: 1\nname: tags\nrules:\n  - id: classified\n"
                      "    require: {field: tags.data-classification, exists: true}\n")
    monkeypatch.setenv("BEDROCK_DRIFT_POLICIES", str(policy))
    event = sample("cloudtrail_create_model_customization_job.json")
    event["detail"]["requestParameters"]["customModelTags"][0]["value"] = events.HIDDEN
    _, log = invoke_failing(event, capsys, run.InvocationError)
    assert log["summary"]["violations"] == 0 and log["summary"]["errors"] == 1


# --- the invocation's own deadline -----------------------------------------------------------

class FakeContext:
    """What Lambda passes: a request id and the time the invocation has left."""

    aws_request_id = "req-1"

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


@pytest.mark.parametrize(("millis", "expected"), [
    (900_000, 810.0),   # 15 minutes: a tenth kept back
    (60_000, 50.0),     # a minute: at least ten seconds kept back
    (5_000, 1.0),       # almost nothing left: still a second to try
    (10_000_000, 1800.0),  # never past the command line's default
])
def test_run_timeout_keeps_a_reserve(millis: int, expected: float) -> None:
    run = importlib.import_module("checker.aws_lambda.run")
    assert run.run_timeout(FakeContext(millis)) == pytest.approx(expected)
    assert run.run_timeout(None) is None
    assert run.run_timeout(object()) is None


def test_the_read_ends_before_the_invocation_does(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The remaining time, less a reserve, reaches every read: a slow AWS ends the read with
    errors (a failed invocation) before Lambda stops the function without a word."""
    run = importlib.import_module("checker.aws_lambda.run")
    seed_model("good")
    seen: list[float] = []
    real = run.aws.fetch_models

    def fetch(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["timeout"])
        return real(*args, **kwargs)

    monkeypatch.setattr(run.aws, "fetch_models", fetch)
    handler = importlib.import_module("checker.aws_lambda").handler
    capsys.readouterr()
    result = handler(sample("scheduled_event.json"), FakeContext(120_000))
    capsys.readouterr()
    assert seen == [pytest.approx(108.0)] and result["summary"]["result"] == "pass"

    # moto's in-process mock answers before botocore's HTTP session sends, where the
    # deadline is enforced; that the fetcher ends a read at its deadline is proven against a
    # real HTTP stand-in in tests/sources/aws/test_aws_bounds.py. Here: every read gets the
    # deadline.
    seen.clear()
    create_job("abcd-wxyz", "dummy-output-model-name", "0.0001")
    event = job_event("abcd-wxyz")
    result, log = invoke_with(event, FakeContext(60_000), capsys)
    assert seen == [pytest.approx(50.0)]
    assert log["result"] == "pass" and statuses(result) == {"dummy-output-model-name": "pass"}


def invoke_with(event: Any, context: Any, capsys: pytest.CaptureFixture[str]) -> tuple[
        dict[str, Any], dict[str, Any]]:
    handler = importlib.import_module("checker.aws_lambda").handler
    capsys.readouterr()
    result: dict[str, Any] = handler(event, context)
    lines = capsys.readouterr().out.splitlines()
    return result, json.loads(lines[-1])
