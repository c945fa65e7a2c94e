"""examples/aws/build-lambda-zip.sh: the deployment package holds the entry point and the
bundled policies where the function looks for them. Built with DEPS=0 (no download: the
dependencies come from this environment), unpacked, and imported in a fresh process as
Lambda would (the package's root first on sys.path, LAMBDA_TASK_ROOT set)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "examples" / "aws" / "build-lambda-zip.sh"


def test_the_package_loads_its_bundled_policies(tmp_path: Path) -> None:
    policies = tmp_path / "our-policies"
    policies.mkdir()
    for name in ("baseline.yaml", "baseline_test.yaml", "documented-limits.yaml",
                 "documented-limits_test.yaml"):
        (policies / name).write_bytes((ROOT / "policies" / name).read_bytes())
    target = tmp_path / "function.zip"
    env = {**os.environ, "DEPS": "0", "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(SCRIPT), str(target), str(policies)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "task")
    assert "checker/aws_lambda/__init__.py" in names
    assert sorted(n for n in names if n.startswith("policies/")) == [
        "policies/baseline.yaml", "policies/documented-limits.yaml"]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    task = tmp_path / "task"
    probe = (
        "import json, checker, checker.aws_lambda as f\n"
        "from checker.aws_lambda.run import load_configured_policies\n"
        "from checker.aws_lambda.config import read_config\n"
        "ps = load_configured_policies(read_config(), None)\n"
        "print(json.dumps({'file': checker.__file__, 'handler': callable(f.handler),\n"
        "                  'policies': sorted(p.name for p in ps)}))\n")
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_DRIFT_")}
    run_env.update(LAMBDA_TASK_ROOT=str(task), AWS_REGION="us-east-1", PYTHONPATH=str(task))
    done = subprocess.run([sys.executable, "-c", probe], cwd=task, env=run_env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["file"].startswith(str(task)) and found["handler"] is True
    assert found["policies"] == ["bedrock-baseline", "documented-limits"]
