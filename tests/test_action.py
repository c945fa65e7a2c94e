"""action.yml, the composite GitHub Action: its shell steps run here under a fake
``GITHUB_*`` environment, as the runner would run them (``bash --noprofile --norc -eo
pipefail``), with each step's ``${{ ... }}`` expressions replaced by the inputs given."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

ACTION = ROOT / "action.yml"
POLICY = """\
version: 1
name: action-test
rules:
  - id: learning-rate
    title: Learning rate at most 0.001
    severity: high
    hyperparameter: {name: learningRate, max: 0.001}
  - id: tagged
    title: Tagged with an owner
    severity: low
    require: {field: tags.owner, exists: true}
"""


def action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


def model(name: str, rate: str, owner: str | None = "ml") -> dict[str, Any]:
    return {"modelArn": f"arn:aws:bedrock:us-east-1:123456789012:custom-model/{name}",
            "modelName": name, "hyperParameters": {"learningRate": rate},
            "tags": {"owner": owner} if owner else {}}


@dataclass
class Run:
    code: int
    stdout: str
    outputs: dict[str, str]
    summary: str
    pip: list[str]


def evaluate(value: str, inputs: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if expression == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"an expression the test does not know: {expression}")
    return re.sub(r"\$\{\{(.*?)\}\}", replace, value)


def run_action(tmp_path: Path, **given: str) -> Run:
    spec = action()
    inputs = {name: str(i.get("default", "")) for name, i in spec["inputs"].items()}
    unknown = set(given) - set(inputs)
    assert not unknown, unknown
    inputs.update(given)
    # A python that runs the real interpreter, except that `-m pip` only records its
    # arguments: the install step is checked without a network.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    pip_log = tmp_path / "pip.log"
    fake = bin_dir / "python"
    fake.write_text(f"""#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then shift 2; echo "$@" >> {pip_log}; exit 0; fi
exec {sys.executable} "$@"
""", encoding="utf-8")
    fake.chmod(0o755)
    inputs.setdefault("python", "python")
    if inputs["python"] == "python3":
        inputs["python"] = str(fake)
    workspace = tmp_path / "workspace"
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    output_file, summary_file = tmp_path / "github-output", tmp_path / "step-summary"
    output_file.write_text("")
    summary_file.write_text("")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "AWS_"))}
    base_env.update(GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(workspace),
                    GITHUB_OUTPUT=str(output_file), GITHUB_STEP_SUMMARY=str(summary_file),
                    GITHUB_ACTION_PATH=str(ROOT), GITHUB_REPOSITORY="acme/models",
                    GITHUB_SHA="0" * 40, RUNNER_TEMP=str(runner_temp),
                    AWS_CONFIG_FILE=str(tmp_path / "none"),
                    AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
                    AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(ROOT))
    code, stdout = 0, ""
    for step in spec["runs"]["steps"]:
        if "run" not in step:
            continue  # a `uses:` step (the SARIF upload) is GitHub's, not ours to run
        if code != 0 and "always()" not in str(step.get("if", "")):
            break
        assert step["shell"] == "bash"
        env = {**base_env, **{k: evaluate(str(v), inputs) for k, v in step["env"].items()}}
        assert "${{" not in step["run"], "inputs must reach scripts through env only"
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=workspace, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        code, stdout = done.returncode, stdout + done.stdout + done.stderr
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
    pip = pip_log.read_text().splitlines() if pip_log.exists() else []
    return Run(code, stdout, outputs, summary_file.read_text(), pip)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    (root / "policies").mkdir(parents=True)
    (root / "policies" / "p.yaml").write_text(POLICY, encoding="utf-8")
    (root / "models").mkdir()
    return root


def write_models(workspace: Path, *models: dict[str, Any]) -> None:
    for m in models:
        (workspace / "models" / f"{m['modelName']}.json").write_text(json.dumps(m))


def test_a_clean_run_passes_and_writes_sarif_and_the_summary(tmp_path: Path,
                                                              workspace: Path) -> None:
    write_models(workspace, model("good", "0.0001"))
    run = run_action(tmp_path, **{"from": "models"})
    assert run.code == 0
    assert run.outputs["exit-code"] == "0" and run.outputs["result"] == "pass"
    assert run.pip == [f"install --quiet --disable-pip-version-check {ROOT}"]
    sarif = json.loads((workspace / run.outputs["sarif"]).read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"] == []
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert report["summary"]["result"] == "pass" and report["summary"]["models"] == 1
    assert "bedrock-drift" in run.summary and "good" in run.summary


def test_a_violation_fails_the_step(tmp_path: Path, workspace: Path) -> None:
    write_models(workspace, model("good", "0.0001"), model("hot", "0.5", owner=None))
    run = run_action(tmp_path, **{"from": "models", "sarif": "out/drift.sarif"})
    assert run.code == 1
    assert run.outputs["result"] == "fail" and run.outputs["sarif"] == "out/drift.sarif"
    sarif = json.loads((workspace / "out" / "drift.sarif").read_text())
    assert sorted(r["ruleId"] for r in sarif["runs"][0]["results"]) == [
        "action-test/learning-rate", "action-test/tagged"]
    assert "::error" in run.stdout  # GitHub annotations on the log
    assert "hot" in run.summary


def test_fail_on_and_extra_args_reach_check(tmp_path: Path, workspace: Path) -> None:
    write_models(workspace, model("untagged", "0.0001", owner=None))
    run = run_action(tmp_path, **{"from": "models", "fail-on": "high"})
    assert run.code == 0 and run.outputs["result"] == "pass"  # only a low violation
    run = run_action(tmp_path, **{"from": "models", "fail-on": "high",
                                  "args": "--skip-rule action-test/tagged --min-models 2"})
    assert run.code == 2 and run.outputs["result"] == "error"  # one model, two wanted


def test_a_broken_policy_is_an_error_with_a_summary(tmp_path: Path, workspace: Path) -> None:
    write_models(workspace, model("good", "0.0001"))
    (workspace / "policies" / "p.yaml").write_text(POLICY.replace("max: 0.001", "max: []"))
    run = run_action(tmp_path, **{"from": "models", "sarif": ""})
    assert run.code == 2
    assert run.outputs["result"] == "error" and run.outputs["sarif"] == ""
    assert "could not judge" in run.summary
    assert "::error title=bedrock-drift::" in run.stdout


def test_no_job_summary_when_turned_off(tmp_path: Path, workspace: Path) -> None:
    write_models(workspace, model("good", "0.0001"))
    run = run_action(tmp_path, **{"from": "models", "job-summary": "false"})
    assert run.code == 0 and run.summary == ""


def test_inputs_are_data_not_code(tmp_path: Path, workspace: Path) -> None:
    write_models(workspace, model("good", "0.0001"))
    run = run_action(tmp_path, **{"from": "models $(touch pwned) `touch pwned2`",
                                  "policy": "policies *"})
    assert not (workspace / "pwned").exists() and not (workspace / "pwned2").exists()
    assert run.code == 2  # "$(touch" is read as a path, which does not exist


def test_outputs_and_sarif_upload_are_wired() -> None:
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert set(spec["outputs"]) == {"exit-code", "result", "report", "sarif"}
    [upload] = [s for s in spec["runs"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif }}"
    assert "always()" in upload["if"]
