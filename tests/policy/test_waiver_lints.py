"""A waiver that switches a policy off, or lasts longer than the waiver horizon, is a lint
warning of ``validate`` (issue 22, item 9)."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from checker.policy.loader import load_policy_text
from tests.support import ROOT, command_env

BIN = ROOT / ".venv" / "bin" / "bedrock-drift"


def _policy(waiver: str) -> str:
    return ("version: 1\nname: p\nrules:\n  - id: r\n    severity: high\n"
            "    require: {field: modelName, exists: true}\n"
            f"waivers:\n  - {waiver}\n")


def _simple(rule: str, models: str, days: int) -> str:
    return _policy(f'{{rules: [{rule}], models: {models}, reason: SEC-1, '
                   f'expires: "{_in_days(days)}"}}')


def _in_days(days: int) -> str:
    return (datetime.now(timezone.utc).date() + timedelta(days=days)).isoformat()


def _warnings(text: str, **kwargs: int) -> list[str]:
    policy, problems = load_policy_text(text.encode(), "p.yaml", lint=True, **kwargs)
    assert policy is not None, problems
    return [p.message for p in problems if p.warning]


@pytest.mark.parametrize("models", ['["*"]', '["prod-*", "**"]'])
def test_every_rule_for_every_model_is_warned(models: str) -> None:
    waiver = f'{{rules: ["*"], models: {models}, reason: SEC-1, expires: "{_in_days(10)}"}}'
    assert _warnings(_policy(waiver)) == [
        "this waiver waives every rule for every model: the policy judges nothing while it "
        "lasts; name the rules and the models"]


@pytest.mark.parametrize("waiver", [
    '{rules: [r], models: ["*"], reason: SEC-1, expires: "DAY"}',
    '{rules: ["*"], models: ["prod-*"], reason: SEC-1, expires: "DAY"}',
    '{rules: ["*"], models: ["*"], accounts: ["111122223333"], reason: SEC-1, expires: "DAY"}',
])
def test_a_narrower_waiver_is_not_warned(waiver: str) -> None:
    assert _warnings(_policy(waiver.replace("DAY", _in_days(10)))) == []


def test_a_waiver_beyond_the_horizon_is_warned() -> None:
    text = _simple("r", '["prod-*"]', 400)
    [warning] = _warnings(text)
    assert f"lasts until {_in_days(400)}, 400 days from today, beyond the 365-day waiver " \
           "horizon" in warning
    assert _warnings(text, waiver_horizon=400) == []
    assert len(_warnings(_simple("r", '["a"]', 31), waiver_horizon=30)) == 1


def test_validate_takes_the_horizon(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(_simple("r", '["a"]', 60), encoding="utf-8")
    env = command_env(tmp_path)
    quiet = subprocess.run([str(BIN), "validate", str(policy)], capture_output=True, text=True,
                           env=env, timeout=120)
    assert quiet.returncode == 0 and "warning" not in quiet.stdout + quiet.stderr
    strict = subprocess.run([str(BIN), "validate", "--waiver-horizon", "30", str(policy)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert strict.returncode == 0
    assert f"{policy}:8:57: warning: this waiver lasts until" in strict.stdout
    assert "beyond the 30-day waiver horizon" in strict.stdout
