"""Broken, hostile and slow answers, through the installed ``bedrock-drift`` command.

Each test points the command (a subprocess, dummy credentials, ``AWS_ENDPOINT_URL_BEDROCK``)
at the misbehaving stand-in of tests/support/hostile_bedrock.py, which breaks one thing: the
``GetCustomModel`` of the model ``bad``, or the listing of one region. Every run must end
(the subprocess has a time limit), exit 2, name the fault in one error line, write the
``-o`` report, and judge every other model.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support import command_env, reset_moto
from tests.support.hostile_bedrock import ACCOUNT, FAULT_REGION, arn, hostile_bedrock
from tests.support.moto_bedrock import MOTO_KEY, front

COMMAND = Path(sys.executable).parent / "bedrock-drift"
OTHER_REGION = "us-west-2"

POLICY = """\
version: 1
name: hostile
rules:
  - id: base-model
    base_model: {allowed: ["amazon.titan-text-express-v1*"]}
  - id: learning-rate-cap
    hyperparameter: {name: learningRate, max: 0.0001}
"""
TAG_POLICY = """\
version: 1
name: tagging
rules:
  - id: team-tag
    require: {field: tags.team, exists: true}
"""


def run(endpoint: str, tmp_path: Path, *args: str, policy: str = POLICY,
        limit: float = 60) -> tuple[int, dict[str, Any], str, float]:
    """Run ``check`` against ``endpoint``; exit code, the -o JSON report, stderr, seconds."""
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir(exist_ok=True)
    (policy_dir / "p.yaml").write_text(policy)
    report = tmp_path / "report.json"
    env = command_env(tmp_path, AWS_ENDPOINT_URL_BEDROCK=endpoint)
    started = time.monotonic()
    done = subprocess.run(
        [str(COMMAND), "check", "-p", str(policy_dir), "--region", FAULT_REGION,
         "--region", OTHER_REGION, "-f", "json", "-o", str(report), "--max-attempts", "2",
         *args],
        env=env, capture_output=True, text=True, timeout=limit, check=False)
    elapsed = time.monotonic() - started
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert report.exists(), f"no report written: {done.stderr}"
    return done.returncode, json.loads(report.read_text()), done.stderr, elapsed


def judged(report: dict[str, Any]) -> dict[str, str]:
    return {m["model_arn"]: m["result"] for m in report["models"]}


def good(region: str) -> dict[str, str]:
    return {arn(region, "good-1"): "pass", arn(region, "good-2"): "pass"}


MODEL_FAULTS = [
    ("html", "MalformedResponse: the body is not JSON (it starts '<html><body><h1>Proxy"),
    ("empty", "MalformedResponse: the body is empty"),
    ("truncated", "MalformedResponse: the body is truncated"),
    ("not-object", "MalformedResponse: the body is a list, not a JSON object"),
    ("wrong-arn", f"WrongModel: the answer is for '{arn(FAULT_REGION, 'good-1')}', not the "
                  "model asked for"),
    ("field:trainingDataConfig",
     "MalformedResponse: trainingDataConfig is a string, not an object"),
    ("field:hyperParameters", "MalformedResponse: hyperParameters is a list, not an object"),
    ("field:creationTime", "MalformedResponse: creationTime is not a timestamp: 'yesterday'"),
    ("field:trainingMetrics",
     "MalformedResponse: trainingMetrics.trainingLoss is a string, not a number"),
    ("field:validationMetrics", "MalformedResponse: validationMetrics is an object, not a list"),
    ("field:modelKmsKeyArn", "MalformedResponse: modelKmsKeyArn is a number, not a string"),
    ("field:outputDataConfig",
     "MalformedResponse: outputDataConfig.s3Uri is a list, not a string"),
    ("field:deep", "MalformedResponse: the body is JSON nested too deeply to read"),
]


@pytest.mark.parametrize(("fault", "expected"), MODEL_FAULTS, ids=[f for f, _ in MODEL_FAULTS])
def test_a_bad_model_answer_is_that_models_error(tmp_path: Path, fault: str,
                                                 expected: str) -> None:
    with hostile_bedrock(fault) as server:
        code, report, stderr, _ = run(server.url, tmp_path)
    assert code == 2, stderr
    assert report["summary"]["result"] == "error"
    assert judged(report) == good(FAULT_REGION) | good(OTHER_REGION) | {
        arn(OTHER_REGION, "bad"): "pass"}
    (error,) = report["errors"]
    bad = arn(FAULT_REGION, "bad")
    assert error["model_arn"] == bad and error["region"] == FAULT_REGION
    assert error["message"].startswith(f"{FAULT_REGION}: GetCustomModel {bad}: {expected}"), \
        error["message"]
    assert "\n" not in error["message"]


def test_a_trickling_answer_ends_at_the_request_deadline(tmp_path: Path) -> None:
    """The body drips a byte every 0.2 s: each read is within botocore's read timeout, so
    only the whole-answer deadline (1 s read timeout: 5 + 2 x 1 = 7 s) ends it."""
    with hostile_bedrock("trickle") as server:
        code, report, stderr, elapsed = run(server.url, tmp_path, "--read-timeout", "1")
    assert code == 2, stderr
    assert judged(report) == good(FAULT_REGION) | good(OTHER_REGION) | {
        arn(OTHER_REGION, "bad"): "pass"}
    (error,) = report["errors"]
    assert error["model_arn"] == arn(FAULT_REGION, "bad")
    assert "RequestTimedOut: no complete answer within 7 s" in error["message"]
    assert 7 <= elapsed < 20, elapsed  # one attempt: a trickle is not retried


def test_a_half_sent_body_on_an_open_connection_ends_at_the_read_timeout(
        tmp_path: Path) -> None:
    """Half the body, then silence on a connection the server keeps open: botocore's read
    timeout ends each attempt after --read-timeout of silence (well within the whole-answer
    deadline of 5 s + 2 x it), and the attempt is retried up to --max-attempts, as
    docs/aws.md states."""
    with hostile_bedrock("stall") as server:
        code, report, stderr, elapsed = run(server.url, tmp_path, "--read-timeout", "1")
        asked = [path for region, path in server.requests
                 if region == FAULT_REGION and path.endswith("custom-model/bad")]
    assert code == 2, stderr
    assert judged(report) == good(FAULT_REGION) | good(OTHER_REGION) | {
        arn(OTHER_REGION, "bad"): "pass"}
    (error,) = report["errors"]
    assert error["model_arn"] == arn(FAULT_REGION, "bad")
    assert error["message"].startswith(f"{FAULT_REGION}: GetCustomModel {error['model_arn']}: "
                                       "ReadTimeoutError: Read timeout on endpoint URL")
    assert len(asked) == 2  # --max-attempts 2: the first attempt and one retry
    # Two attempts of one read timeout each (plus a back-off), never the 7 s deadline each.
    assert 2 <= elapsed < 7, elapsed


LISTING_FAULTS = [
    ("list-html", "MalformedResponse: the body is not JSON (it starts '<html>"),
    ("list-empty", "MalformedResponse: the body is empty"),
    ("list-no-summaries", "MalformedResponse: modelSummaries is missing"),
    ("list-not-list", "MalformedResponse: modelSummaries is an object, not a list"),
    ("cycle", "EndlessListing: nextToken 't1' came back after 3 pages: the listing would "
              "never end"),
]


@pytest.mark.parametrize(("fault", "expected"), LISTING_FAULTS,
                         ids=[f for f, _ in LISTING_FAULTS])
def test_a_listing_that_cannot_be_read_is_the_regions_error(tmp_path: Path, fault: str,
                                                            expected: str) -> None:
    with hostile_bedrock(fault) as server:
        code, report, stderr, _ = run(server.url, tmp_path)
    assert code == 2, stderr
    assert report["summary"]["result"] == "error"
    other = good(OTHER_REGION) | {arn(OTHER_REGION, "bad"): "pass"}
    if fault == "cycle":  # the first page's models were listed, and are judged
        other |= good(FAULT_REGION) | {arn(FAULT_REGION, "bad"): "pass"}
    assert judged(report) == other
    (error,) = report["errors"]
    assert error["region"] == FAULT_REGION and error["model_arn"] is None
    assert error["message"].startswith(f"{FAULT_REGION}: ListCustomModels: {expected}"), \
        error["message"]


def test_an_endless_listing_ends_at_the_run_timeout(tmp_path: Path) -> None:
    with hostile_bedrock("endless") as server:
        code, report, stderr, elapsed = run(server.url, tmp_path, "--timeout", "3")
    assert code == 2, stderr
    assert elapsed < 15, elapsed
    errors = report["errors"]
    assert [e["region"] for e in errors] == [FAULT_REGION]
    assert errors[0]["message"].startswith(
        f"{FAULT_REGION}: ListCustomModels: RunTimedOut: not read: the run's --timeout of 3 s "
        "expired"), errors[0]["message"]
    # Everything read before the deadline is judged.
    assert judged(report) == good(FAULT_REGION) | good(OTHER_REGION) | {
        arn(FAULT_REGION, "bad"): "pass", arn(OTHER_REGION, "bad"): "pass"}


def test_tags_that_are_not_a_list_are_that_models_tag_error(tmp_path: Path) -> None:
    with hostile_bedrock("tags-not-list") as server:
        code, report, stderr, _ = run(server.url, tmp_path, policy=TAG_POLICY)
    assert code == 2, stderr
    results = judged(report)
    assert results.pop(arn(FAULT_REGION, "bad")) == "error"
    assert results.pop(arn(OTHER_REGION, "bad")) == "error"
    assert set(results.values()) == {"pass"} and len(results) == 4
    messages = [f["message"] for m in report["models"] for f in m.get("findings", [])
                if m["result"] == "error"] or json.dumps(report)
    assert "ListTagsForResource" in str(messages) and "tags is an object, not a list" in \
        str(messages)


def test_a_tag_key_listed_twice_is_that_models_tag_error(tmp_path: Path) -> None:
    with hostile_bedrock("tags-duplicate") as server:
        code, report, stderr, _ = run(server.url, tmp_path, policy=TAG_POLICY)
    assert code == 2, stderr
    results = judged(report)
    assert results.pop(arn(FAULT_REGION, "bad")) == "error"
    assert results.pop(arn(OTHER_REGION, "bad")) == "error"
    assert set(results.values()) == {"pass"} and len(results) == 4
    codes = {e["code"] for e in report["errors"]}
    assert codes == {"DuplicateTagKey"}, report["errors"]


def test_the_stand_in_answers_like_bedrock_when_nothing_is_wrong(tmp_path: Path) -> None:
    with hostile_bedrock("none") as server:
        code, report, stderr, _ = run(server.url, tmp_path)
    assert code == 0, stderr
    assert report["errors"] == []
    assert judged(report) == {arn(r, n): "pass" for r in (FAULT_REGION, OTHER_REGION)
                              for n in ("good-1", "bad", "good-2")}
    assert report["scanned"]["accounts"] == [ACCOUNT]


def test_moto_server_one_unparseable_model_is_that_models_error(
        server: str, tmp_path: Path) -> None:
    """Through moto's server (the conftest fixture): one model whose ``trainingLoss`` is
    ``"fast"``, a Float field botocore's parser cannot read. That model is an error naming
    the API and field; the others are judged and the -o report is written. The models are
    made through moto's API; moto cannot be made to hold a malformed field, so the
    stand-in of ``tests/support/moto_bedrock.py``, in front of moto's server, serves the models'
    GetCustomModel (moto's own answer, and for m-fast that one field replaced)."""
    reset_moto(server)
    with front(server) as (stand_in, endpoint):
        for name in ("m-good", "m-fast", "m-also-good"):
            malformed = {"trainingMetrics": {"trainingLoss": "fast"}} if name == "m-fast" \
                else None
            stand_in.create_model(
                name, FAULT_REGION, kms=MOTO_KEY, extra=malformed,
                role=f"arn:aws:iam::{ACCOUNT}:role/bedrock-training",
                training="s3://ml-approved-data/train.jsonl",
                output="s3://ml-approved-data/out/",
                hyper_parameters={"learningRate": "0.00005"})
        code, report, stderr, _ = run(endpoint, tmp_path)
    assert code == 2, stderr
    model_arn = f"arn:aws:bedrock:{FAULT_REGION}:{ACCOUNT}:custom-model/"
    assert judged(report) == {f"{model_arn}m-good": "pass", f"{model_arn}m-also-good": "pass"}
    (error,) = report["errors"]
    assert error["model_arn"] == f"{model_arn}m-fast"
    assert error["message"] == (
        f"{FAULT_REGION}: GetCustomModel {model_arn}m-fast: MalformedResponse: "
        "trainingMetrics.trainingLoss is a string, not a number")


SNAPSHOT_REGIONS = ["--region", FAULT_REGION, "--region", OTHER_REGION, "--max-attempts", "2"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the stand-in with nothing wrong, taken once for the tests that only
    read it (``diff``'s baseline)."""
    folder = tmp_path_factory.mktemp("baseline")
    made = folder / "baseline.json"
    with hostile_bedrock("none") as server:
        done = subprocess.run([str(COMMAND), "snapshot", *SNAPSHOT_REGIONS, "-o", str(made)],
                              env=command_env(folder, AWS_ENDPOINT_URL_BEDROCK=server.url),
                              capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return made


@pytest.mark.parametrize("fault", ["list-html", "cycle", "html"])
def test_snapshot_and_diff_are_never_made_from_what_could_not_be_read(
        tmp_path: Path, baseline: Path, fault: str) -> None:
    env = command_env(tmp_path)
    regions = SNAPSHOT_REGIONS
    with hostile_bedrock(fault) as server:
        env["AWS_ENDPOINT_URL_BEDROCK"] = server.url
        snap = subprocess.run([str(COMMAND), "snapshot", *regions, "-o",
                               str(tmp_path / "new.json")], env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        diff = subprocess.run([str(COMMAND), "diff", str(baseline), *regions], env=env,
                              capture_output=True, text=True, timeout=60, check=False)
    assert snap.returncode == 2 and not (tmp_path / "new.json").exists()
    assert "snapshot not written" in snap.stderr
    assert diff.returncode == 2 and diff.stdout == ""
    expected = "ListCustomModels" if fault != "html" else "GetCustomModel"
    for run_ in (snap, diff):
        assert f"{FAULT_REGION}: {expected}" in run_.stderr, run_.stderr
        assert "Traceback" not in run_.stderr
