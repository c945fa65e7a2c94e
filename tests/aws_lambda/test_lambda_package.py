"""examples/aws/build-lambda-zip.sh: the deployment package holds the entry point, the
bundled policies where the function looks for them, and bytecode for every module that the
runtime uses from its read-only folder. Built with DEPS=0 (no download: the dependencies come
from this environment) and LAMBDA_PYTHON set to this Python's version (the template declares
the runtime's; these tests compile with the Python that runs them), unpacked, made read-only
and imported in a fresh process as Lambda would (the package's root first on sys.path,
LAMBDA_TASK_ROOT set, nothing written: PYTHONDONTWRITEBYTECODE=1)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from tests.support import ROOT

SCRIPT = ROOT / "examples" / "aws" / "build-lambda-zip.sh"
TEMPLATE = ROOT / "examples" / "aws" / "template.yaml"
THIS_PYTHON = "{}.{}".format(*sys.version_info[:2])

# Run in the unpacked package: import every module of checker, and record each module whose
# source CPython had to compile (SourceLoader.source_to_code runs only when no usable .pyc is
# found: with one, the code object is read from it).
PROBE = """
import importlib.machinery, json, os, pkgutil, sys
compiled = []
original = importlib.machinery.SourceFileLoader.source_to_code
def source_to_code(self, data, path, *args, **kwargs):
    compiled.append(os.fspath(path))
    return original(self, data, path, *args, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = source_to_code
import checker, checker.aws_lambda as f
from checker import builtins
from checker.aws_lambda.run import load_configured_policies
from checker.aws_lambda.config import read_config
for module in pkgutil.walk_packages(checker.__path__, "checker."):
    if not module.name.endswith(".__main__"):  # that one runs the command line
        __import__(module.name)
ps = load_configured_policies(read_config(), None)
from checker.lang.facts import facts
from checker.lang.warmup import ask_every_fact
ask_every_fact()
mine = {n: m for n, m in sys.modules.items() if n == "checker" or n.startswith("checker.")}
print(json.dumps({
    "file": checker.__file__, "handler": callable(f.handler),
    "policies": sorted(p.name for p in ps), "dont_write": sys.flags.dont_write_bytecode,
    "compiled": sorted(compiled), "builtins": builtins.names(),
    "facts": [str(facts().path), facts().computed],
    "modules": {n: [m.__file__, m.__cached__] for n, m in mine.items()}}))
"""


def build(tmp_path: Path, *policies: Path, **env: str) -> subprocess.CompletedProcess[str]:
    target = tmp_path / "function.zip"
    settings = {**os.environ, "DEPS": "0", "PYTHON": sys.executable,
                "LAMBDA_PYTHON": THIS_PYTHON, **env}
    return subprocess.run(["bash", str(SCRIPT), str(target), *map(str, policies)],
                          env=settings, capture_output=True, text=True, timeout=300,
                          check=False)


def read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def listing(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def probe(task: Path) -> dict[str, Any]:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_DRIFT_")}
    run_env.update(LAMBDA_TASK_ROOT=str(task), AWS_REGION="us-east-1", PYTHONPATH=str(task),
                   PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=task, env=run_env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_the_package_loads_its_bundled_policies_from_its_own_bytecode(tmp_path: Path) -> None:
    policies = tmp_path / "our-policies"
    policies.mkdir()
    for name in ("baseline.yaml", "baseline_test.yaml", "documented-limits.yaml",
                 "documented-limits_test.yaml"):
        (policies / name).write_bytes((ROOT / "policies" / name).read_bytes())
    done = build(tmp_path, policies)
    assert done.returncode == 0, done.stderr
    task = tmp_path / "task"
    with zipfile.ZipFile(tmp_path / "function.zip") as archive:
        names = archive.namelist()
        archive.extractall(task)
    assert "checker/aws_lambda/__init__.py" in names
    assert sorted(n for n in names if n.startswith("policies/")) == [
        "policies/baseline.yaml", "policies/documented-limits.yaml"]

    # A .pyc for every module, for this Python, in __pycache__ beside it, and no other.
    tag = sys.implementation.cache_tag
    sources = sorted(n for n in names if n.endswith(".py"))
    expected = {n: re.sub(r"([^/]+)\.py$", rf"__pycache__/\1.{tag}.pyc", n) for n in sources}
    # checker's modules, and the shipped policies' package (builtin:NAME) inside it.
    assert "checker/builtin_policies/baseline.yaml" in names
    assert len(sources) == len(list((ROOT / "checker").rglob("*.py"))) + 1
    assert sorted(n for n in names if n.endswith(".pyc")) == sorted(expected.values())
    for source, cached in expected.items():
        data = (task / cached).read_bytes()
        # PEP 552: flags 0b01, a hash-based .pyc whose source is not checked at import (the
        # source's hash is recorded all the same: the bytecode is that of this source).
        assert data[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(data[4:8], "little") == 0b01, cached
        assert data[8:16] == importlib.util.source_hash((task / source).read_bytes()), cached

    read_only(task)
    before = listing(task)
    try:
        found = probe(task)
        assert listing(task) == before  # nothing written, nothing touched
    finally:
        writable(task)
    assert found["file"].startswith(str(task)) and found["handler"] is True
    assert found["policies"] == ["bedrock-baseline", "documented-limits"]
    assert found["dont_write"] == 1
    assert found["builtins"] == sorted(p.stem for p in (ROOT / "policies").glob("*.yaml")
                                       if not p.stem.endswith("_test"))
    assert found["compiled"] == []
    # The facts of botocore's models, carried in the package (worked out when it was built,
    # with the bundled policies' options), so the cold start computes none.
    (carried,) = [n for n in names if n.startswith("bedrock-drift-cache/")]
    assert found["facts"] == [str(task / carried), 0]
    modules = found["modules"]
    assert len(modules) == len([n for n in sources if not n.endswith("/__main__.py")])
    for name, (file, cached) in modules.items():
        assert file.startswith(str(task)), name
        assert Path(cached).is_file(), name

    # The probe does see compiling: the same package without its bytecode compiles every
    # module it imports (and, read-only and told not to, writes nothing either).
    bare = tmp_path / "bare"
    shutil.copytree(task, bare)
    for cache in sorted(bare.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    found = probe(bare)
    assert found["compiled"] == sorted(str(bare / n) for n in sources
                                       if not n.endswith("/__main__.py"))
    assert not list(bare.rglob("__pycache__"))


def test_a_building_python_other_than_the_runtimes_is_refused(tmp_path: Path) -> None:
    """The runtime's version comes from the template the script sits beside; a Python of
    another version would compile bytecode the runtime ignores, so the build stops there."""
    root = tmp_path / "repo"
    (root / "examples" / "aws").mkdir(parents=True)
    script = root / "examples" / "aws" / "build-lambda-zip.sh"
    shutil.copy(SCRIPT, script)
    runtime = "3.9" if THIS_PYTHON != "3.9" else "3.10"
    (root / "examples" / "aws" / "template.yaml").write_text(
        TEMPLATE.read_text(encoding="utf-8").replace("Runtime: python3.12",
                                                     f"Runtime: python{runtime}"),
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "LAMBDA_PYTHON"}
    env.update(DEPS="0", PYTHON=sys.executable)
    done = subprocess.run(["bash", str(script), str(tmp_path / "f.zip")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert f"runs Python {runtime}" in done.stderr
    assert f"is Python {THIS_PYTHON}" in done.stderr and f"python{runtime}" in done.stderr
    assert not (tmp_path / "f.zip").exists()

    # LAMBDA_PYTHON, when set, is the runtime's version instead of the template's.
    done = subprocess.run(["bash", str(script), str(tmp_path / "f.zip")],
                          env={**env, "LAMBDA_PYTHON": "3.99"}, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2 and "runs Python 3.99" in done.stderr

    # A template without a Python runtime is named.
    (root / "examples" / "aws" / "template.yaml").write_text("Resources: {}\n")
    done = subprocess.run(["bash", str(script), str(tmp_path / "f.zip")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr == (f"build-lambda-zip.sh: {root}/examples/aws/template.yaml: no "
                           "Runtime: pythonX.Y; set LAMBDA_PYTHON\n")


def test_the_script_reads_the_runtime_the_template_declares() -> None:
    runtimes = re.findall(r"^\s*Runtime:\s*python(\S+)\s*$", TEMPLATE.read_text(encoding="utf-8"),
                          re.MULTILINE)
    assert runtimes == ["3.12"]
    done = subprocess.run(["bash", str(SCRIPT), "/nonexistent/f.zip"], capture_output=True,
                          text=True, timeout=60, check=False,
                          env={**{k: v for k, v in os.environ.items() if k != "LAMBDA_PYTHON"},
                               "DEPS": "0", "PYTHON": "/no/such/python"})
    assert done.returncode == 2
    assert done.stderr == "build-lambda-zip.sh: /no/such/python: not a Python that runs " \
                          "(set PYTHON)\n"


def test_a_bundled_policy_that_is_not_valid_stops_the_build(tmp_path: Path) -> None:
    """The build validates the bundled policies as it works out the facts they read: a
    package whose policies would fail every event is not made."""
    policies = tmp_path / "our-policies"
    policies.mkdir()
    (policies / "broken.yaml").write_text(
        "version: 1\nname: broken\nrules:\n  - id: r\n    kms_key: {allowed: 5}\n",
        encoding="utf-8")
    done = build(tmp_path, policies)
    assert done.returncode == 2
    assert "build-lambda-zip.sh: the bundled policies are not valid:" in done.stderr
    assert "broken.yaml:5:" in done.stderr and "allowed: must be array" in done.stderr
    assert not (tmp_path / "function.zip").exists()
