"""Wrong settings fail fast (issue 22, item 8): a region botocore's partition data does not
list is a usage error at once (exit 2, a suggestion, no AWS call), unless --allow-region
names it; the Lambda function's BEDROCK_DRIFT_REGIONS the same."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import botocore.session
import pytest

from checker.aws_lambda.config import ConfigError, read_config
from checker.cli.options import LiveOptions
from checker.errors import UsageError
from checker.lang.regions import known_regions, region_problem
from tests.support import ROOT, command_env

BIN = ROOT / ".venv" / "bin" / "bedrock-drift"


def test_known_regions_are_botocores() -> None:
    session = botocore.session.get_session()
    for partition in session.get_available_partitions():
        assert set(session.get_available_regions("bedrock", partition)) <= known_regions()
    assert {"us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1"} <= known_regions()
    assert "aws-global" not in known_regions()


@pytest.mark.parametrize(("name", "suggestion"), [
    ("us-east1", "us-east-1"), ("useast-1", "us-east-1"), ("US-EAST-1", "us-east-1"),
    ("eu-west-10", "eu-west-1"), ("us-east-1 ", "us-east-1"), ("ap-southeast2", None),
])
def test_an_unknown_region_has_a_suggestion(name: str, suggestion: str | None) -> None:
    problem = region_problem(name)
    assert problem is not None
    if suggestion:
        assert f"(did you mean '{suggestion}'?)" in problem


def test_allow_region_lets_a_new_well_formed_region_through() -> None:
    assert region_problem("us-east-9", ["us-east-9"]) is None
    assert "--allow-region us-east-9" in str(region_problem("us-east-9"))
    # Only a name with a region's syntax can be allowed.
    assert region_problem("us-east9", ["us-east9"]) is not None
    LiveOptions(regions=("us-east-9",), allow_regions=("us-east-9",)).accounts()
    with pytest.raises(UsageError, match="--allow-region: 'bogus' is not a region name"):
        LiveOptions(regions=("us-east-1",), allow_regions=("bogus",)).accounts()


def _run(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str],
                                                           float, Path]:
    calls = tmp_path / "calls.log"
    policy = ROOT / "policies" / "baseline.yaml"
    start = time.monotonic()
    result = subprocess.run([str(BIN), "check", "-p", str(policy), *args], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path,
                            env=command_env(tmp_path, BEDROCK_DRIFT_RECORD_CALLS=str(calls),
                                            **{"AWS_DEFAULT_REGION": "us-east-1", **env}))
    return result, time.monotonic() - start, calls


@pytest.mark.parametrize(("args", "env", "line"), [
    (["--region", "us-east1"], {},
     "bedrock-drift: error: --region: 'us-east1' is not a region name (did you mean "
     "'us-east-1'?)"),
    (["--region", "eu-west-1", "--region", "eu-west-10"], {},
     "bedrock-drift: error: --region: unknown region 'eu-west-10' (did you mean 'eu-west-1'?):"
     " botocore does not list it (if it is a new region, allow it with --allow-region "
     "eu-west-10)"),
    ([], {"AWS_DEFAULT_REGION": "us-east1"},
     "bedrock-drift: error: AWS_DEFAULT_REGION: 'us-east1' is not a region name (did you mean "
     "'us-east-1'?)"),
])
def test_installed_command_refuses_at_once(tmp_path: Path, args: list[str],
                                           env: dict[str, str], line: str) -> None:
    result, _elapsed, calls = _run(tmp_path, *args, **env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [line]
    # Nothing was asked of AWS (no endpoint was tried, no retries waited for).
    assert not calls.exists() or calls.read_text() == ""


def test_a_region_in_the_accounts_file_is_checked(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("- role_arn: arn:aws:iam::111122223333:role/Reader\n"
                        "  regions: [us-west-9]\n", encoding="utf-8")
    result, _, calls = _run(tmp_path, "--accounts", str(accounts))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"bedrock-drift: error: --accounts {accounts}: unknown region 'us-west-9' (did you "
        "mean 'us-west-2'?): botocore does not list it (if it is a new region, allow it with "
        "--allow-region us-west-9)"]
    assert not calls.exists() or calls.read_text() == ""


def test_lambda_regions_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"BEDROCK_DRIFT_REGIONS: 'us-east1' is not a region "
                                          r"name \(did you mean 'us-east-1'\?\)"):
        read_config({"BEDROCK_DRIFT_REGIONS": "us-east1"})
    with pytest.raises(ConfigError, match="BEDROCK_DRIFT_ALLOW_REGIONS=us-east-9"):
        read_config({"BEDROCK_DRIFT_REGIONS": "us-east-9"})
    config = read_config({"BEDROCK_DRIFT_REGIONS": "us-east-9,us-east-1",
                          "BEDROCK_DRIFT_ALLOW_REGIONS": "us-east-9"})
    assert config.regions == ("us-east-9", "us-east-1")
