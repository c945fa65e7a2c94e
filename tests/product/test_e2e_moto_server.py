"""End to end: the installed ``bedrock-drift`` command against moto's Bedrock server.

moto's server runs in a thread on a free port; models are created through boto3 against
it (``CreateModelCustomizationJob`` creates the custom model in moto), and the command
finds the server through the standard ``AWS_ENDPOINT_URL_BEDROCK`` setting. moto invents
a KMS key ARN (``arn:aws:kms:<region>:<account>:key/<model>-<job>-kms-key``) for every
model and leaves ``ownerAccountId`` out of its summaries; the policies below are written
with that in mind. The organisation test puts the stand-in of ``tests/support/moto_bedrock.py`` in
front of the server for what moto cannot answer there: the key each model was made with, a
job found by its ARN, an imported model. Denied calls are covered in-process in
``test_aws_fetch.py``, since moto's server does not enforce IAM for Bedrock.

Every run records the AWS operations it makes (``BEDROCK_DRIFT_RECORD_CALLS``), and every
test checks that they are all reads: List/Get/Describe, plus ``sts:AssumeRole`` and
``sts:GetCallerIdentity``, which only obtain credentials or name the caller.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.sources.aws.test_aws_fetch import not_read_only
from tests.support import command_env, reset_moto
from tests.support.moto_bedrock import StandIn, front

ACCOUNT = "123456789012"
COMMAND = Path(sys.executable).parent / "bedrock-drift"

POLICY = """\
version: 1
name: e2e
rules:
  - id: kms-required
    severity: critical
    kms_key:
      allowed: ["arn:aws:kms:*:123456789012:key/*"]
  - id: base-model
    base_model:
      allowed: ["amazon.titan-text-express-v1*"]
  - id: learning-rate-cap
    severity: high
    hyperparameter: {name: learningRate, max: 0.0001}
"""

TAG_POLICY = """\
version: 1
name: tagging
rules:
  - id: team-tag
    require: {field: tags.team, exists: true}
"""


@pytest.fixture
def endpoint(server: str) -> str:
    return reset_moto(server)


@pytest.fixture
def calls_file(tmp_path: Path) -> Iterator[Path]:
    """Where the runs of one test record their AWS operations; all must be reads."""
    path = tmp_path / "aws-calls.txt"
    yield path
    operations = path.read_text().split() if path.exists() else []
    assert not_read_only(operations) == []


@pytest.fixture
def env(endpoint: str, tmp_path: Path, calls_file: Path) -> dict[str, str]:
    # STS and KMS go to the same server.
    return command_env(tmp_path, BEDROCK_DRIFT_RECORD_CALLS=str(calls_file),
                       AWS_ENDPOINT_URL_BEDROCK=endpoint, AWS_ENDPOINT_URL=endpoint)


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policies"
    path.mkdir()
    (path / "e2e.yaml").write_text(POLICY)
    return path


def create_model(endpoint: str, name: str, region: str = "us-east-1", *,
                 learning_rate: str = "0.00005", tags: dict[str, str] | None = None) -> str:
    client = boto3.client("bedrock", region_name=region, endpoint_url=endpoint,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_model_customization_job(
        jobName=f"job-{name}", customModelName=name,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/bedrock-training",
        baseModelIdentifier="amazon.titan-text-express-v1:0:8k",
        trainingDataConfig={"s3Uri": "s3://ml-approved-data/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://ml-approved-data/out/"},
        hyperParameters={"learningRate": learning_rate, "epochCount": "2"},
        customizationType="FINE_TUNING",
        customModelTags=[{"key": k, "value": v} for k, v in (tags or {}).items()],
    )
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/{name}"


def run(env: dict[str, str], *args: str) -> tuple[int, Any, str]:
    assert COMMAND.exists(), f"{COMMAND} is not installed (pip install -e .)"
    done = subprocess.run([str(COMMAND), "check", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    try:
        report = json.loads(done.stdout) if done.stdout.strip() else None
    except ValueError:
        report = done.stdout
    return done.returncode, report, done.stderr


def test_check_reads_every_model_and_reports_violations(
        endpoint: str, env: dict[str, str], policy: Path) -> None:
    good = create_model(endpoint, "prod-summarizer")
    bad = create_model(endpoint, "prod-hot", learning_rate="0.001")
    code, report, stderr = run(env, "--region", "us-east-1", "-f", "json", "-p", str(policy))
    assert code == 1, stderr
    assert report["scanned"] == {"sources": ["aws"], "accounts": [ACCOUNT],
                                 "regions": ["us-east-1"],
                                 "reads": [{"account_id": ACCOUNT, "region": "us-east-1"}]}
    assert report["summary"]["models"] == 2
    assert report["summary"]["errors"] == 0 and report["errors"] == []
    assert report["summary"]["result"] == "fail"
    results = {m["model_arn"]: (m["region"], m["account_id"], m["kind"], m["result"])
               for m in report["models"]}
    assert results == {good: ("us-east-1", ACCOUNT, "model", "pass"),
                       bad: ("us-east-1", ACCOUNT, "model", "fail")}
    assert [(v["model_arn"], v["rule"], v["actual"]) for v in report["violations"]] == [
        (bad, "learning-rate-cap", "0.001")]
    assert "Traceback" not in stderr


def test_tags_are_fetched_for_a_tag_rule(endpoint: str, env: dict[str, str],
                                         policy: Path) -> None:
    (policy / "tagging.yaml").write_text(TAG_POLICY)
    create_model(endpoint, "tagged", tags={"team": "ml"})
    untagged = create_model(endpoint, "untagged")
    code, report, stderr = run(env, "-f", "json", "-p", str(policy), "--rule", "tagging/*",
                          "--region", "us-east-1")
    assert code == 1, stderr
    assert [(v["model_arn"], v["rule"]) for v in report["violations"]] == [
        (untagged, "team-tag")]
    assert report["errors"] == []


def test_missing_model_is_an_error_and_others_are_judged(
        endpoint: str, env: dict[str, str], policy: Path) -> None:
    real = create_model(endpoint, "real")
    code, report, stderr = run(env, "-f", "json", "-p", str(policy), "--region", "us-east-1",
                               "--model", "real", "--model", "ghost")
    assert code == 2, stderr
    assert report["summary"]["result"] == "error"
    assert [m["model_arn"] for m in report["models"]] == [real]
    assert report["models"][0]["result"] == "pass"
    (error,) = report["errors"]
    assert error["code"] == "ResourceNotFoundException"
    assert error["model_name"] == "ghost" and error["region"] == "us-east-1"
    assert error["message"].startswith("us-east-1: GetCustomModel ghost:")


def test_several_regions_and_an_empty_one(endpoint: str, env: dict[str, str],
                                          policy: Path) -> None:
    east = create_model(endpoint, "east")
    west = create_model(endpoint, "west", "eu-west-1")
    code, report, stderr = run(env, "-f", "json", "-p", str(policy), "--region", "us-east-1",
                               "--region", "eu-west-1", "--region", "ap-southeast-2")
    assert code == 0, stderr
    assert report["scanned"]["regions"] == ["us-east-1", "eu-west-1", "ap-southeast-2"]
    assert {m["model_arn"]: m["region"] for m in report["models"]} == {
        east: "us-east-1", west: "eu-west-1"}


def test_region_from_the_environment(endpoint: str, env: dict[str, str], policy: Path) -> None:
    create_model(endpoint, "west", "eu-west-1")
    code, report, stderr = run(env | {"AWS_DEFAULT_REGION": "eu-west-1"}, "-f", "json",
                               "-p", str(policy))
    assert code == 0, stderr
    assert report["scanned"]["regions"] == ["eu-west-1"]
    assert report["summary"]["models"] == 1


@pytest.mark.parametrize(
    ("change", "args", "message"),
    [
        pytest.param({"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
                     ["--region", "us-east-1"], "no AWS credentials found", id="no-credentials"),
        pytest.param({}, ["--region", "us-east-1", "--profile", "nope"],
                     "AWS profile 'nope' not found", id="unknown-profile"),
        pytest.param({}, [], "no AWS region", id="no-region"),
    ],
)
def test_whole_run_failures(env: dict[str, str], policy: Path, change: dict[str, str | None],
                            args: list[str], message: str) -> None:
    run_env = {k: v for k, v in (env | change).items() if v is not None}
    code, report, stderr = run(run_env, "-f", "json", "-p", str(policy), *args)
    assert code == 2
    assert report is None  # no report that could be mistaken for a result
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_unreachable_endpoint_ends_with_an_error(env: dict[str, str], policy: Path) -> None:
    # Port 9 (discard) is closed here: every connection is refused.
    code, report, stderr = run(env | {"AWS_ENDPOINT_URL_BEDROCK": "http://127.0.0.1:9"},
                               "-f", "json", "-p", str(policy), "--region", "us-east-1",
                               "--max-attempts", "2")
    assert code == 2, stderr
    (error,) = report["errors"]
    assert error["code"] == "EndpointConnectionError"
    assert error["region"] == "us-east-1"
    assert error["message"].startswith("us-east-1: ListCustomModels: EndpointConnectionError:")
    assert report["scanned"]["regions"] == []
    assert report["summary"]["models"] == 0


def test_live_options_do_not_mix_with_from(env: dict[str, str], policy: Path,
                                          tmp_path: Path) -> None:
    doc = tmp_path / "model.json"
    doc.write_text(json.dumps({"modelName": "m"}))
    code, _, stderr = run(env, "-p", str(policy), "--from", str(doc),
                          "--region", "us-east-1")
    assert code == 2
    assert "--region read live AWS and cannot be combined with --from" in stderr


# -- a whole organisation: roles, deep checks, imported models ---------------------------

ACCOUNT_A = "444455556666"
ACCOUNT_B = "777788889999"
ROLE = "arn:aws:iam::{}:role/bedrock-drift-audit"

DEEP_POLICY = """\
version: 1
name: deep
rules:
  - id: platform-key
    severity: critical
    kms_key: {aliases: [alias/ml-platform], customer_managed: true}
  - id: training-in-vpc
    require: {field: job.vpcConfig.subnetIds, exists: true}
  - id: team-tag
    require: {field: tags.team, exists: true}
  - id: base-model
    base_model: {allowed: ["amazon.titan-text-express-v1*"]}
"""


def role_clients(endpoint: str, account: str, region: str = "us-east-1") -> tuple[Any, Any]:
    """(bedrock, kms) clients of ``account``, through a role assumed on the server."""
    sts = boto3.client("sts", region_name=region, endpoint_url=endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=ROLE.format(account),
                            RoleSessionName="setup")["Credentials"]
    kwargs = {"region_name": region, "endpoint_url": endpoint,
              "aws_access_key_id": creds["AccessKeyId"],
              "aws_secret_access_key": creds["SecretAccessKey"],
              "aws_session_token": creds["SessionToken"]}
    return boto3.client("bedrock", **kwargs), boto3.client("kms", **kwargs)


def org_model(stand_in: StandIn, account: str, name: str, key_arn: str | None, *,
              vpc: bool = True, tags: dict[str, str] | None = None) -> str:
    """A model of ``account`` on the server, made by a job, encrypted with ``key_arn``.
    moto invents a key ARN for every model and finds a job by its name only; the stand-in
    in front of the server reports the key the model was made with and finds the job by
    its ARN, as AWS does."""
    return stand_in.create_model(
        name, "us-east-1", account=account, kms=key_arn,
        role=f"arn:aws:iam::{account}:role/bedrock-training",
        training="s3://ml-approved-data/train.jsonl", output="s3://ml-approved-data/out/",
        hyper_parameters={"learningRate": "0.00005"}, tags=tags,
        vpc={"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]} if vpc else None)


def imported_model(stand_in: StandIn, account: str, key_arn: str) -> str:
    """One Custom Model Import model in ``account``, served by the stand-in (moto has no
    Custom Model Import); its ARN."""
    return stand_in.add_imported({
        "modelArn": f"arn:aws:bedrock:us-east-1:{account}:imported-model/llama0001",
        "modelName": "llama-import", "modelArchitecture": "llama3",
        "modelKmsKeyArn": key_arn,
        "jobArn": f"arn:aws:bedrock:us-east-1:{account}:model-import-job/j",
        "creationTime": "2026-01-02T03:04:05Z"}, account=account)


def test_organisation_with_deep_checks_reads_only(
        endpoint: str, env: dict[str, str], tmp_path: Path, calls_file: Path) -> None:
    _, kms_a = role_clients(endpoint, ACCOUNT_A)
    platform = kms_a.create_key()["KeyMetadata"]["Arn"]
    kms_a.create_alias(AliasName="alias/ml-platform", TargetKeyId=platform)
    _, kms_b = role_clients(endpoint, ACCOUNT_B)
    stray = kms_b.create_key()["KeyMetadata"]["Arn"]
    policy = tmp_path / "deep.yaml"
    policy.write_text(DEEP_POLICY)
    with front(endpoint) as (stand_in, bedrock):
        good = [org_model(stand_in, ACCOUNT_A, f"a-{i}", platform, tags={"team": "ml"})
                for i in range(4)]
        no_vpc = org_model(stand_in, ACCOUNT_A, "a-no-vpc", platform, vpc=False,
                           tags={"team": "ml"})
        wrong_key = org_model(stand_in, ACCOUNT_B, "b-stray", stray, tags={"team": "ml"})
        imported = imported_model(stand_in, ACCOUNT_B, stray)
        code, report, stderr = run(env | {"AWS_ENDPOINT_URL_BEDROCK": bedrock},
                                   "-f", "json", "-p", str(policy), "--region", "us-east-1",
                                   "--assume-role", ROLE.format(ACCOUNT_A),
                                   "--assume-role", ROLE.format(ACCOUNT_B),
                                   "--external-id", "nightly-audit", "--include-imported")
    assert report["errors"] == []
    assert code == 1, stderr
    assert report["scanned"]["accounts"] == [ACCOUNT_A, ACCOUNT_B]
    results = {m["model_arn"]: (m["account_id"], m["region"], m["kind"], m["result"])
               for m in report["models"]}
    assert results == {
        **{arn: (ACCOUNT_A, "us-east-1", "model", "pass") for arn in good},
        no_vpc: (ACCOUNT_A, "us-east-1", "model", "fail"),
        wrong_key: (ACCOUNT_B, "us-east-1", "model", "fail"),
        imported: (ACCOUNT_B, "us-east-1", "imported", "fail"),
    }
    assert sorted((v["model_arn"], v["rule"], v["account_id"])
                  for v in report["violations"]) == sorted([
        (no_vpc, "training-in-vpc", ACCOUNT_A),
        (wrong_key, "platform-key", ACCOUNT_B),
        (imported, "platform-key", ACCOUNT_B),
        (imported, "team-tag", ACCOUNT_B),  # it has no tags
    ])
    by_model = {m["model_arn"]: m["results"] for m in report["models"]}
    assert by_model[imported]["deep/base-model"] == "not_applicable"
    # An imported model has no customization job: a rule on the job cannot apply to it.
    assert by_model[imported]["deep/training-in-vpc"] == "not_applicable"

    operations = calls_file.read_text().split()
    assert not_read_only(operations) == []
    assert set(operations) == {
        "sts:AssumeRole", "bedrock:ListCustomModels", "bedrock:GetCustomModel",
        "bedrock:ListTagsForResource", "bedrock:GetModelCustomizationJob",
        "kms:DescribeKey", "kms:ListAliases", "bedrock:ListImportedModels",
        "bedrock:GetImportedModel"}
    # One DescribeKey per distinct key and account, one job call per job, two roles.
    assert operations.count("kms:DescribeKey") == 2
    assert operations.count("bedrock:GetModelCustomizationJob") == 6
    assert operations.count("sts:AssumeRole") == 2


def test_all_regions_end_to_end(endpoint: str, env: dict[str, str], policy: Path,
                                calls_file: Path) -> None:
    east = create_model(endpoint, "east")
    osaka = create_model(endpoint, "osaka", "ap-northeast-3")
    code, report, stderr = run(env, "-f", "json", "-p", str(policy), "--all-regions",
                               "--quiet")
    assert code == 0, stderr
    assert stderr == ""
    assert {m["model_arn"]: m["region"] for m in report["models"]} == {
        east: "us-east-1", osaka: "ap-northeast-3"}
    # Every region offering Bedrock that EC2 DescribeRegions says is enabled for the account
    # (moto's answer), the others skipped unread.
    offered = set(boto3.session.Session().get_available_regions("bedrock"))
    ec2 = boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    off = {r["RegionName"] for r in ec2.describe_regions(AllRegions=True)["Regions"]
           if r["OptInStatus"] == "not-opted-in"} & offered
    regions = sorted(offered - off)
    assert off and sorted(report["scanned"]["regions"]) == regions
    assert sorted(w["message"].split(":")[0] for w in report["warnings"]) == sorted(off)
    operations = calls_file.read_text().split()
    assert operations.count("ec2:DescribeRegions") == 1
    assert operations.count("bedrock:ListCustomModels") == len(regions)
