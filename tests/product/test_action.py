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

from tests.support import ROOT
from tests.support.large_estate import write_estate

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
    venv: list[str]


def evaluate(value: str, inputs: dict[str, str], steps: dict[str, str] | None = None) -> str:
    def term(expression: str) -> str:
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if expression == "github.action_path":
            return str(ROOT)
        if steps is not None and expression in steps:
            return steps[expression]
        raise AssertionError(f"an expression the test does not know: {expression}")

    def replace(match: re.Match[str]) -> str:
        # `a || b`: the first that is not empty, as GitHub evaluates it.
        values = [term(part.strip()) for part in match.group(1).split("||")]
        return next((v for v in values if v), "")
    return re.sub(r"\$\{\{(.*?)\}\}", replace, value)


def fake_python(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A python that runs the real interpreter, except that `-m pip` only records its
    arguments and `-m venv DIR` makes DIR/bin/python another such python: the install step
    is checked without a network. Returns it and the two logs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    pip_log, venv_log = tmp_path / "pip.log", tmp_path / "venv.log"
    fake = bin_dir / "python"
    fake.write_text(f"""#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then shift 2; echo "$@" >> {pip_log}; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  echo "$0 $3" >> {venv_log}; mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; exit 0
fi
exec {sys.executable} "$@"
""", encoding="utf-8")
    fake.chmod(0o755)
    return fake, pip_log, venv_log


def run_action(tmp_path: Path, **given: str) -> Run:
    spec = action()
    inputs = {name: str(i.get("default", "")) for name, i in spec["inputs"].items()}
    unknown = set(given) - set(inputs)
    assert not unknown, unknown
    inputs.update(given)
    fake, pip_log, venv_log = fake_python(tmp_path)
    # What actions/setup-python gives when the action sets its own Python up.
    steps = {"steps.python.outputs.python-path": str(fake)}
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
            continue  # a `uses:` step (setup-python, uploads) is GitHub's, not ours to run
        if code != 0 and "always()" not in str(step.get("if", "")):
            break
        assert step["shell"] == "bash"
        env = {**base_env,
               **{k: evaluate(str(v), inputs, steps) for k, v in step["env"].items()}}
        assert "${{" not in step["run"], "inputs must reach scripts through env only"
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=workspace, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        code, stdout = done.returncode, stdout + done.stdout + done.stderr
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
    pip = pip_log.read_text().splitlines() if pip_log.exists() else []
    venv = venv_log.read_text().splitlines() if venv_log.exists() else []
    return Run(code, stdout, outputs, summary_file.read_text(), pip, venv)


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
    # Installed into a virtual environment of the Python that setup-python gave, never
    # into that Python itself.
    venv = tmp_path / "runner-temp" / "bedrock-drift-venv"
    assert run.venv == [f"{tmp_path / 'bin' / 'python'} {venv}"]
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
    assert upload["with"]["category"] == "${{ inputs.category }}"
    assert "always()" in upload["if"]
    [artifact] = [s for s in spec["runs"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert artifact["with"]["name"] == "${{ inputs.artifact }}"
    assert artifact["with"]["path"] == "${{ steps.check.outputs.dir }}"
    assert "always()" in artifact["if"]


# The current major of each action the composite calls (their releases: setup-python v6
# runs on Node 24; upload-artifact v7; CodeQL Action v4, v3 being deprecated in December
# 2026). A stock ubuntu-24.04 runner refuses `pip install` into its system Python, so the
# action sets its own up.
CURRENT_MAJORS = {"actions/setup-python": "v6", "actions/upload-artifact": "v7",
                  "github/codeql-action/upload-sarif": "v4"}


def test_the_action_uses_the_current_majors_and_its_own_python() -> None:
    steps = action()["runs"]["steps"]
    used = dict(s["uses"].split("@") for s in steps if "uses" in s)
    assert used == CURRENT_MAJORS
    [setup] = [s for s in steps if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup["with"]["python-version"] == "${{ inputs.python-version }}"
    assert setup["if"] == "inputs.python == ''"
    install = next(s for s in steps if s.get("name") == "Install bedrock-drift")
    assert install["env"]["PYTHON"] == "${{ inputs.python || steps.python.outputs.python-path }}"


def test_a_given_python_is_used_instead(tmp_path: Path, workspace: Path) -> None:
    write_models(workspace, model("good", "0.0001"))
    # An interpreter already on the runner (a self-hosted one, say): setup-python is skipped.
    other = tmp_path / "other" / "python3"
    other.parent.mkdir()
    other.write_bytes(fake_python(tmp_path)[0].read_bytes())
    other.chmod(0o755)
    run = run_action(tmp_path, **{"from": "models", "python": str(other)})
    assert run.code == 0
    assert run.venv[-1].startswith(f"{other} ")


def test_a_large_estate_summary_fits_and_points_to_the_artifact(tmp_path: Path,
                                                                  workspace: Path) -> None:
    # 10,000 models x the shipped baseline: the full Markdown is over 11 MB.
    write_estate(workspace / "models")
    (workspace / "policies" / "p.yaml").write_text(
        (ROOT / "policies" / "baseline.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    run = run_action(tmp_path, **{"from": "models/models.json",
                                  "args": "--waivers models/waivers.yaml"})
    assert run.code == 1
    # The runner refuses a step summary over 1 MiB ("supports content up to a size of 1024k").
    assert len(run.summary.encode("utf-8")) <= 1024 * 1024
    assert "The full report: the bedrock-drift-report artifact of this run" in run.summary
    out = tmp_path / "runner-temp" / "bedrock-drift"
    assert {p.name for p in out.iterdir()} >= {"report.json", "report.html", "report.md"}
    assert run.outputs["dir"] == str(out)
    # At most 10 annotations of each level, the result first.
    commands = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert commands[0].startswith("::error title=bedrock-drift::FAIL: 10000 models read")
    for level in ("error", "warning", "notice"):
        assert sum(1 for c in commands if c.startswith(f"::{level} ")) <= 10
    sarif = json.loads((workspace / run.outputs["sarif"]).read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 25_000
    assert sarif["runs"][0]["automationDetails"] == {"id": "bedrock-drift/"}
