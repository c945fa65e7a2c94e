"""Shared test helpers: build a policy from plain data and judge documents with it,
run the command line, a clean environment for the installed command. Imported by the tests
as ``from tests.support import ...``; tests/conftest.py keeps only pytest's fixtures and
hooks."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.engine.evaluate import evaluate
from checker.policy.loader import Policy, load_policy_text
from checker.results import ModelInput, Report, Scanned, Status

ROOT = Path(__file__).resolve().parents[2]
FIXED_NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)


def hypothesis_profile(environ: Mapping[str, str]) -> str:
    """The profile of a run in ``environ``."""
    return environ.get("HYPOTHESIS_PROFILE") or (
        "ci" if environ.get("CI", "").lower() in ("1", "true", "yes") else "default")


def policy_from(data: Mapping[str, Any], file: str = "test-policy.yaml") -> Policy:
    """Compile a policy given as plain data; fail the test with its problems if it is bad."""
    text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)
    policy, problems = load_policy_text(text.encode(), file)
    errors = [str(p) for p in problems if not p.warning]
    assert policy is not None and not errors, errors
    return policy


def single_rule_policy(rule: Mapping[str, Any]) -> Policy:
    return policy_from({"version": 1, "name": "t", "rules": [{"id": "r", **rule}]})


def judge(policy: Policy, *docs: Mapping[str, Any], now: datetime = FIXED_NOW) -> Report:
    inputs = [ModelInput(document=doc, origin="test") for doc in docs]
    return evaluate([policy], inputs, scanned=Scanned(("test",), (), ()), now=now)


def status_of(rule: Mapping[str, Any], doc: Mapping[str, Any]) -> Status:
    """The status one rule yields for one document."""
    report = judge(single_rule_policy(rule), doc)
    return report.models[0].results["t/r"]


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    output: str  # stdout
    stderr: str


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """Run the command line as a user would (errors become exit codes), capturing output."""
    from checker.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    captured = capsys.readouterr()
    code = exit_info.value.code
    return CliResult(code if isinstance(code, int) else 1, captured.out, captured.err)


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command in-process; its exit code, stdout and stderr."""
    from checker.cli import main

    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 2), out, err


def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials and no trace of the developer's own AWS configuration."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_SESSION_TOKEN",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def command_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of the installed command run as a subprocess: none of the developer's
    AWS settings, dummy credentials, no config files, no instance metadata, no colour; then
    ``settings`` (endpoints, BEDROCK_DRIFT_RECORD_CALLS, ...)."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("AWS_") and k != "BEDROCK_DRIFT_DEBUG"}
    return clean | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_COLOR": "1",
    } | _no_real_sts(settings) | settings


# A closed port on this machine: a call sent there is refused at once.
NOWHERE = "http://127.0.0.1:9"


def _no_real_sts(settings: dict[str, str]) -> dict[str, str]:
    """A run that learns its own account id calls STS GetCallerIdentity: unless the test
    serves STS (AWS_ENDPOINT_URL_STS, or every service through AWS_ENDPOINT_URL), that call
    goes to a closed local port, never to AWS's real endpoint."""
    if "AWS_ENDPOINT_URL_STS" in settings or "AWS_ENDPOINT_URL" in settings:
        return {}
    return {"AWS_ENDPOINT_URL_STS": NOWHERE}


# How much faster botocore's retry waits run under the quick_retries fixture.
RETRY_TIME_FACTOR = 20

# How often the tests' HTTP servers (serve_forever in a thread) look for a shutdown request:
# socketserver's default, 0.5 s, made every server's shutdown() wait up to half a second,
# in hundreds of tests.
SERVER_POLL_INTERVAL = 0.01


def reset_moto(server: str) -> str:
    """Empty moto's server (every backend) for the next test; its URL."""
    reset = urllib.request.Request(f"{server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10) as response:
        assert response.status == 200
    return server
