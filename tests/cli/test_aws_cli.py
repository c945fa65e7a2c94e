"""The live-AWS options of ``check`` reach the source as given, with the right defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.errors import SourceError
from checker.results import ModelInput, ReportError
from checker.sources import SourceResult, aws
from tests.support import run_cli

POLICY = """\
version: 1
name: p
scope:
  when: {field: tags.env, not_equals: sandbox}
rules:
  - id: lr
    hyperparameter: {name: learningRate, max: 0.0001}
"""


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY)
    return path


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def fake_fetch(factory: Any, **kwargs: Any) -> SourceResult:
        seen.append(kwargs)
        doc = {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/x/abc",
               "modelName": "x", "region": "us-east-1", "accountId": "111122223333",
               "hyperParameters": {"learningRate": "0.00001"}, "tags": {}}
        return SourceResult(models=(ModelInput(document=doc, origin="aws:us-east-1"),),
                            sources=("aws",), accounts=("111122223333",),
                            regions=("us-east-1",))

    monkeypatch.setattr(aws, "fetch_models", fake_fetch)
    return seen


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param([], {"regions": (), "profile": None, "model_ids": (),
                          "workers": aws.DEFAULT_WORKERS, "max_attempts": 10},
                     id="defaults"),
        pytest.param(["--region", "us-east-1", "--region", "eu-west-1", "--profile", "audit",
                      "--model", "a", "--model", "arn:aws:bedrock:us-east-1:1:custom-model/b",
                      "--workers", "5", "--max-attempts", "3"],
                     {"regions": ("us-east-1", "eu-west-1"), "profile": "audit",
                      "model_ids": ("a", "arn:aws:bedrock:us-east-1:1:custom-model/b"),
                      "workers": 5, "max_attempts": 3},
                     id="every-option"),
    ],
)
def test_options_reach_the_source(calls: list[dict[str, Any]], policy: Path,
                                  capsys: pytest.CaptureFixture[str], args: list[str],
                                  expected: dict[str, Any]) -> None:
    code, out, err = run_cli(["check", "-p", str(policy), "-f", "json", *args], capsys)
    assert code == 0, err
    (kwargs,) = calls
    assert {k: kwargs[k] for k in expected} == expected
    # The policy's scope reads tags, so the source is asked for them.
    assert kwargs["needs"] == frozenset({"tags"})
    report = json.loads(out)
    # A read limited to --model names them: the regions' other models were not read.
    limited = {"models": list(expected["model_ids"])} if expected["model_ids"] else {}
    assert report["scanned"] == {"sources": ["aws"], "accounts": ["111122223333"],
                                 "regions": ["us-east-1"], **limited}


@pytest.mark.parametrize("option", [
    pytest.param(["--workers", "0"], id="no-workers"),
    pytest.param(["--max-attempts", "0"], id="no-attempts"),
    pytest.param(["--workers", "many"], id="not-a-number"),
])
def test_bad_numbers_are_usage_errors(calls: list[dict[str, Any]], policy: Path,
                                      capsys: pytest.CaptureFixture[str],
                                      option: list[str]) -> None:
    code, _, err = run_cli(["check", "-p", str(policy), *option], capsys)
    assert code == 2
    assert calls == []
    assert "Traceback" not in err


def test_source_error_is_one_line(monkeypatch: pytest.MonkeyPatch, policy: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    def no_credentials(factory: Any, **kwargs: Any) -> SourceResult:
        raise SourceError("no AWS credentials found: set them up")

    monkeypatch.setattr(aws, "fetch_models", no_credentials)
    code, out, err = run_cli(["check", "-p", str(policy)], capsys)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == ["bedrock-drift: error: no AWS credentials found: "
                                        "set them up"]


def test_region_error_makes_the_run_exit_2(monkeypatch: pytest.MonkeyPatch, policy: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    def denied(factory: Any, **kwargs: Any) -> SourceResult:
        message = "us-east-1: ListCustomModels: AccessDeniedException: User: x is not authorized"
        return SourceResult(models=(), sources=("aws",), errors=(
            ReportError(code="AccessDeniedException", message=message, region="us-east-1"),))

    monkeypatch.setattr(aws, "fetch_models", denied)
    code, out, _ = run_cli(["check", "-p", str(policy), "-f", "json"], capsys)
    assert code == 2
    report = json.loads(out)
    assert report["summary"]["result"] == "error"
    assert [(e["code"], e["region"]) for e in report["errors"]] == [
        ("AccessDeniedException", "us-east-1")]
