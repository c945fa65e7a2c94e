"""Fault injection against moto's server: a bad night in one run.

The command runs in-process against a real HTTP server (moto's, on a free port) while a
botocore ``before-send`` hook on every session it opens injects what AWS does on a bad
night: throttling that clears after a few attempts, a model the identity may not read, a
region it may not list, a model whose endpoint never answers in time, and latency on
every request. The run must end, judge every other model, list every failure, exit 2.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from checker.sources import aws
from tests.sources.aws.test_aws_fetch import OPERATIONS, aws_error, not_read_only
from tests.support import reset_moto, run_cli

ACCOUNT = "123456789012"
POLICY = """\
version: 1
name: night
rules:
  - id: base-model
    base_model: {allowed: ["amazon.titan-text-express-v1*"]}
  - id: learning-rate-cap
    hyperparameter: {name: learningRate, max: 0.0001}
"""


@pytest.fixture
def endpoint(server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    reset_moto(server)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN",
                 "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return server


def create_model(name: str, region: str) -> str:
    client = boto3.client("bedrock", region_name=region)
    client.create_model_customization_job(
        jobName=f"job-{name}", customModelName=name,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/bedrock-training",
        baseModelIdentifier="amazon.titan-text-express-v1:0:8k",
        trainingDataConfig={"s3Uri": "s3://ml-approved-data/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://ml-approved-data/out/"},
        hyperParameters={"learningRate": "0.00005"},
    )
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/{name}"


class BadNight:
    """The faults, injected before each request is sent; counts every attempt."""

    THROTTLED = ("m1", "m4", "m6")  # twice each, then they answer
    LATENCY = 0.03

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.attempts: Counter[tuple[str, str]] = Counter()

    def __call__(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        operation = kwargs["event_name"].split(".")[-1]
        region = request.context.get("client_region", "")
        url = unquote(request.url)
        target = url.rsplit("/", 1)[-1] if operation == "GetCustomModel" else region
        with self.lock:
            self.attempts[(operation, target)] += 1
            attempt = self.attempts[(operation, target)]
        time.sleep(self.LATENCY)
        if operation == "ListCustomModels" and region == "eu-west-1":
            return aws_error(request.url, 403, "AccessDeniedException",
                             "User is not authorized to perform: bedrock:ListCustomModels "
                             "with an explicit deny in a service control policy")
        if operation == "ListCustomModels" and region == "us-east-1" and attempt == 1:
            return aws_error(request.url, 429, "ThrottlingException", "Rate exceeded")
        if operation == "GetCustomModel" and target == "locked":
            return aws_error(request.url, 403, "AccessDeniedException",
                             "User is not authorized to perform: bedrock:GetCustomModel")
        if operation == "GetCustomModel" and target in self.THROTTLED and attempt <= 2:
            return aws_error(request.url, 429, "ThrottlingException", "Rate exceeded")
        if operation == "GetCustomModel" and target == "stalled":
            raise ReadTimeoutError(endpoint_url=request.url)
        return None


def test_a_bad_night_ends_judges_the_rest_and_lists_every_failure(
        endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], quick_retries: int) -> None:
    east = [create_model(f"m{i}", "us-east-1") for i in range(8)]
    locked = create_model("locked", "us-east-1")
    stalled = create_model("stalled", "us-east-1")
    for name in ("w1", "w2"):
        create_model(name, "eu-west-1")
    sydney = [create_model(f"s{i}", "ap-southeast-2") for i in range(2)]
    night = BadNight()

    def session_factory(profile: str | None) -> boto3.session.Session:
        session = boto3.session.Session(profile_name=profile)
        session.events.register_first("before-send", night)
        session.events.register("before-call", lambda model, **_: OPERATIONS.append(
            f"{model.service_model.service_name}:{model.name}"))
        return session

    monkeypatch.setattr(aws, "default_session_factory", session_factory)
    OPERATIONS.clear()
    policy = tmp_path / "night.yaml"
    policy.write_text(POLICY)

    started = time.monotonic()
    code, out, err = run_cli(["check", "-p", str(policy), "-f", "json", "--region",
                              "us-east-1", "--region", "eu-west-1", "--region",
                              "ap-southeast-2", "--max-attempts", "3", "--workers", "4"],
                             capsys)
    elapsed = time.monotonic() - started

    assert code == 2, err
    report = json.loads(out)
    # Every model that could be read was judged, the throttled ones included.
    judged = {m["model_arn"]: m["result"] for m in report["models"]}
    assert judged == {arn: "pass" for arn in (*east, *sydney)}
    assert report["summary"]["result"] == "error"
    errors = sorted((e["code"], e["region"], e["model_arn"]) for e in report["errors"])
    assert errors == sorted([
        ("AccessDeniedException", "eu-west-1", None),
        ("AccessDeniedException", "us-east-1", locked),
        ("ReadTimeoutError", "us-east-1", stalled),
    ])
    assert all("\n" not in e["message"] for e in report["errors"])
    assert report["scanned"]["regions"] == ["us-east-1", "ap-southeast-2"]
    # Throttling was retried until it cleared; a lasting failure got its 3 attempts.
    for name in BadNight.THROTTLED:
        assert night.attempts[("GetCustomModel", name)] == 3
    assert night.attempts[("ListCustomModels", "us-east-1")] == 2
    assert night.attempts[("GetCustomModel", "stalled")] == 3
    assert night.attempts[("GetCustomModel", "locked")] == 1  # AccessDenied is not retried
    assert elapsed < 60
    assert not_read_only(OPERATIONS) == [] and OPERATIONS
    assert "Traceback" not in err
