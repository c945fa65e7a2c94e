"""The shipped CI examples use options and formats that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from checker.cli import cli, main
from checker.reports import RENDERERS
from tests.support import ROOT


def check_options() -> set[str]:
    command = cli.commands["check"]
    return {opt for param in command.params if isinstance(param, click.Option)
            for opt in param.opts}


def workflow_steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load((ROOT / "examples" / "github-actions.yml").read_text("utf-8"))
    steps: list[dict[str, Any]] = workflow["jobs"]["check"]["steps"]
    return steps


def test_workflow_runs_on_schedule_and_pull_requests() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github-actions.yml").read_text("utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the bare key `on` as true
    assert {"schedule", "pull_request"} <= set(triggers)
    assert workflow["permissions"]["security-events"] == "write"


def test_workflow_check_step_uses_the_action_with_real_inputs_and_options() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
    (step,) = [s for s in workflow_steps() if s.get("id") == "drift"]
    assert step["uses"].startswith("bedrock-drift/bedrock-drift@")
    assert set(step["with"]) <= set(action["inputs"])
    assert step["with"]["fail-on"] in ("info", "low", "medium", "high", "critical")
    words = shlex.split(step["with"].get("args", ""))
    options = [w for w in words if w.startswith("-")]
    assert set(options) <= check_options()
    reports = dict(words[i + 1].split(":", 1) for i, w in enumerate(words) if w == "--report")
    assert set(reports) <= set(RENDERERS)
    # The SARIF the action writes lands beside the other reports the artifact keeps.
    assert step["with"]["sarif"].startswith("reports/")
    assert all(path.startswith("reports/") for path in reports.values())


def test_pre_commit_hook_validates_the_shipped_policies(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "bedrock-drift-validate"
    program, *args = shlex.split(hook["entry"])
    assert program == "bedrock-drift"
    assert args[0] in cli.commands
    monkeypatch.chdir(ROOT)
    # The files pre-commit would pass: the hook's own exclude leaves out policy tests.
    policies = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "policies").glob("*.yaml")
                      if not re.search(hook["exclude"], p.name))
    assert policies
    with pytest.raises(SystemExit) as caught:
        main([*args, *policies])
    assert caught.value.code == 0
    assert "valid" in capsys.readouterr().out


def test_ci_guide_yaml_blocks_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every YAML block of examples/ci.md is a waivers file that loads against the policies."""
    from checker.policy.loader import load_policies
    from checker.policy.waivers import load_waiver_file

    text = (ROOT / "examples" / "ci.md").read_text("utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    policies, _ = load_policies(["policies"])
    for number, block in enumerate(blocks):
        path = tmp_path / f"block{number}.yaml"
        path.write_text(block, encoding="utf-8")
        loaded = load_waiver_file(str(path), policies)
        added = sum(len(p.waivers) for p in loaded) - sum(len(p.waivers) for p in policies)
        assert added == len(yaml.safe_load(block)["waivers"])
