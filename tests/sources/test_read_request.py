"""One request, one run: the read a command asks for is one frozen record, validated once,
and the command line and the Lambda function hand the same record to the same reader."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from checker.aws_lambda.run import handle
from checker.errors import SourceError, UsageError
from checker.results import ModelInput, SourceResult
from checker.run import CheckRequest, run
from checker.sources import aws
from checker.sources.aws.accounts import AccountSpec
from checker.sources.aws.request import ReadRequest
from tests.support import policy_from, run_cli

ROLE = "arn:aws:iam::111122223333:role/audit"
POLICY = """\
version: 1
name: p
rules:
  - id: lr
    hyperparameter: {name: learningRate, max: 0.0001}
  - id: tagged
    require: {field: tags.team, exists: true}
"""
DOC = {"modelArn": "arn:aws:bedrock:eu-west-1:111122223333:custom-model/x/abc",
       "modelName": "x", "region": "eu-west-1", "accountId": "111122223333",
       "hyperParameters": {"learningRate": "0.001"}, "tags": {"team": "ml"}}


def test_the_request_is_frozen_and_keeps_tuples() -> None:
    request = ReadRequest(regions=["eu-west-1", "us-east-1"], model_ids=["m"],  # type: ignore[arg-type]
                          accounts=[AccountSpec(role_arn=ROLE)])  # type: ignore[arg-type]
    assert request.regions == ("eu-west-1", "us-east-1") and request.model_ids == ("m",)
    assert request.accounts == (AccountSpec(role_arn=ROLE),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.regions = ()  # type: ignore[misc]
    assert hash(request) == hash(dataclasses.replace(request))


@pytest.mark.parametrize(("fields", "message"), [
    pytest.param({"all_regions": True, "regions": ("us-east-1",)}, "leave out --region",
                 id="all-regions-and-region"),
    pytest.param({"strict_regions": True}, "applies to --all-regions only", id="strict"),
    pytest.param({"assume_roles": (ROLE,), "accounts_file": "a.yaml"},
                 "either with --assume-role or in --accounts", id="roles-twice"),
    pytest.param({"organization": True, "assume_roles": (ROLE,)},
                 "leave out --assume-role and --accounts", id="org-and-roles"),
    pytest.param({"ous": ("ou-ab12-cdef3456",)}, "apply to --organization only", id="ou"),
    pytest.param({"external_id": "x1"}, "apply to --assume-role", id="external-id"),
    pytest.param({"assume_roles": (ROLE,), "external_id": "x"}, "--external-id:",
                 id="short-external-id"),
    pytest.param({"assume_roles": (ROLE,), "role_session_name": "a b"},
                 "--role-session-name:", id="bad-session-name"),
    pytest.param({"organization": True}, "--organization needs --role-name", id="no-role"),
    pytest.param({"from_paths": ("m.json",), "regions": ("us-east-1",),
                  "include_imported": True},
                 "--region, --include-imported read live AWS and cannot be combined",
                 id="from-and-live"),
    pytest.param({"include_jobs": True, "model_ids": ("m",)}, "--include-jobs reads every",
                 id="jobs-and-model"),
    pytest.param({"include_jobs": True, "accounts": (AccountSpec(role_arn=ROLE),)},
                 "credentials' own account", id="jobs-and-accounts"),
])
def test_options_that_do_not_fit_are_refused_when_the_request_is_made(
        fields: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        ReadRequest(**fields)


@pytest.mark.parametrize(("fields", "message"), [
    pytest.param({"workers": 0}, "--workers must be at least 1, not 0", id="workers"),
    pytest.param({"max_attempts": -1}, "--max-attempts must be at least 1", id="attempts"),
    pytest.param({"timeout": 0.0}, "--timeout must be more than 0 seconds", id="timeout"),
    pytest.param({"timeout": float("nan")}, "--timeout must be more than 0", id="nan"),
    pytest.param({"read_timeout": -1.0}, "--read-timeout must be more than 0", id="read"),
])
def test_bounds_are_checked_once_for_every_caller(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(SourceError, match=message):
        ReadRequest(**fields)
    # fetch_models takes the same fields, and refuses them the same way, before any call.
    with pytest.raises(SourceError, match=message):
        aws.fetch_models(lambda profile: pytest.fail("no session may be opened"), **fields)


def test_a_file_read_ignores_the_live_defaults() -> None:
    request = ReadRequest(from_paths=("m.json",), needs=frozenset({"tags"}))
    assert request.live_given() == []
    assert ReadRequest(profile="p").live_given() == ["--profile"]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def fake_fetch(factory: Any, **kwargs: Any) -> SourceResult:
        seen.append(kwargs)
        return SourceResult(models=(ModelInput(document=dict(DOC), origin="aws:eu-west-1"),),
                            sources=("aws",), accounts=("111122223333",),
                            regions=("eu-west-1",))

    monkeypatch.setattr(aws, "fetch_models", fake_fetch)
    return seen


def test_the_cli_and_the_lambda_ask_the_reader_the_same(
        reads: list[dict[str, Any]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(POLICY)
    code, out, err = run_cli(["check", "-p", str(policy), "-f", "json", "--region",
                              "eu-west-1", "--timeout", "100"], capsys)
    assert code == 1, err
    result = handle({"source": "aws.events", "detail-type": "Scheduled Event",
                     "region": "eu-west-1", "detail": {}}, None,
                    session_factory=lambda profile: pytest.fail("no session"),
                    env={"BEDROCK_DRIFT_POLICIES": str(policy), "AWS_REGION": "eu-west-1",
                         "BEDROCK_DRIFT_REGIONS": "eu-west-1"})
    capsys.readouterr()
    cli_read, lambda_read = reads
    # One request each, equal but for the deadline (the Lambda's is its own).
    cli_request, lambda_request = cli_read.pop("request"), lambda_read.pop("request")
    assert dataclasses.replace(cli_request, timeout=None) == dataclasses.replace(
        lambda_request, timeout=None)
    assert lambda_read["timeout"] == 1800.0
    assert {**cli_read, "progress": None, "timeout": None} == {
        **lambda_read, "timeout": None}
    assert cli_read["needs"] == frozenset({"tags"}) and cli_read["posture"] is None
    # Judged the same: the same model fails the same rule.
    assert json.loads(out)["summary"]["result"] == result["result"] == "fail"
    assert [m["result"] for m in result["models"]] == ["fail"]


def test_run_judges_what_it_reads(reads: list[dict[str, Any]]) -> None:
    policy = policy_from({"version": 1, "name": "p", "rules": [
        {"id": "lr", "hyperparameter": {"name": "learningRate", "max": 0.0001}}]})
    request = CheckRequest(read=ReadRequest(regions=("eu-west-1",), model_ids=("x",)),
                           fail_on="high", min_models=2)
    report = run(request, [policy])
    assert [r["model_ids"] for r in reads] == [("x",)]
    assert report.scanned.models == ("x",)  # only the named model was read
    assert [e.code for e in report.errors] == ["TooFewModels"]
    assert report.fail_on == "high" and report.exit_code == 2
    # Models an event already names are judged as they are: nothing is read.
    given = SourceResult(models=(ModelInput(document=dict(DOC), origin="event"),),
                         sources=("cloudtrail",))
    report = run(CheckRequest(), [policy], source=given)
    assert len(reads) == 1 and report.summary.result == "fail"


def test_a_request_is_validated_once_on_its_way_to_the_reader(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.sources.aws.fetch as fetch_module
    from checker.sources.read import read

    checks: list[ReadRequest] = []
    original = ReadRequest.__post_init__

    def counted(self: ReadRequest) -> None:
        checks.append(self)
        original(self)

    monkeypatch.setattr(ReadRequest, "__post_init__", counted)
    seen: list[tuple[ReadRequest, Any]] = []

    def reader(factory: Any, request: ReadRequest, accounts: Any = (),
               progress: Any = None) -> SourceResult:
        seen.append((request, list(accounts)))
        return SourceResult(models=(), sources=("aws",))

    monkeypatch.setattr(fetch_module, "fetch", reader)
    request = ReadRequest(regions=("eu-west-1",), assume_roles=(ROLE,), workers=4)
    read(request, session_factory=lambda profile: pytest.fail("no session"))
    assert checks == [request]  # made once, never rebuilt on the way
    assert seen == [(request, [AccountSpec(role_arn=ROLE)])]
    # A caller of fetch_models with plain keywords gets one request made from them.
    checks.clear()
    aws.fetch_models(lambda profile: None, regions=["eu-west-1"], workers=2)
    assert [c.workers for c in checks] == [2] and seen[-1][0].regions == ("eu-west-1",)
