"""The wheel is a complete product: built, installed into a fresh venv, run where there is no
checkout, with the shipped policies as ``builtin:NAME`` and the licence inside.

The slow test of the suite (marked ``slow``; it runs with the rest, or deselect it with
``-m "not slow"``). It stays offline: the wheel is built without build isolation by the
setuptools of the test set, and installed with ``--no-deps --no-index`` into a venv of its
own; the dependencies come from the test venv through a ``.pth`` file, which adds that
site-packages to the path without running its own ``.pth`` files, so the editable install of
this checkout is not importable there. The wheel itself is installed fresh: a file missing
from it is missing in the venv.
"""

from __future__ import annotations

import email.parser
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import checker
from tests.support import ROOT

pytestmark = pytest.mark.slow

# What the wheel is built from: the files the Dockerfile's build stage copies.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "checker", "policies")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    work: Path  # a directory with no checkout around it

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / "bedrock-drift"), *args],
                              cwd=self.work, env=clean_env(), capture_output=True, text=True,
                              timeout=120)


def clean_env() -> dict[str, str]:
    """The environment without anything that would reach this checkout, the developer's pip
    configuration or an index."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "BEDROCK_DRIFT_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["NO_COLOR"] = "1"
    return env


def pip(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = base / "dist"
    pip("wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(dist),
        str(source), cwd=base)
    [wheel] = dist.glob("*.whl")

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   env=clean_env(), timeout=120)
    pip("--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-deps",
        "--no-index", str(wheel), cwd=base)
    # The dependencies: the test venv's site-packages, after the venv's own.
    [site] = (venv / "lib").glob("python3*/site-packages")
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz-test-dependencies.pth").write_text("\n".join(sorted(deps)) + "\n", "utf-8")

    work = base / "work"
    shutil.copytree(ROOT / "examples" / "models", work / "models")
    shutil.copy2(ROOT / "examples" / "waivers.yaml", work / "waivers.yaml")
    return Installed(wheel=wheel, venv=venv, work=work)


def test_the_package_runs_from_the_venv_not_the_checkout(installed: Installed) -> None:
    done = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c",
         "import checker, checker.builtin_policies as b, importlib.metadata as m; "
         "print(checker.__file__); print(b.__file__); print(m.version('bedrock-drift'))"],
        cwd=installed.work, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    package, policies, version = done.stdout.splitlines()
    assert Path(package).is_relative_to(installed.venv)
    assert Path(policies).is_relative_to(installed.venv)
    # One source for the version: the metadata's is the code's.
    assert version == checker.__version__
    run = installed.run("--version")
    assert (run.returncode, run.stdout) == (0, f"bedrock-drift, version {checker.__version__}\n")


def readme_run() -> tuple[list[str], str, str]:
    """The README's sample run: its command's arguments, as a user of the wheel gives them
    (the shipped baseline as builtin:baseline, the examples copied here), and the first and
    last lines of the report it shows."""
    readme = (ROOT / "README.md").read_text("utf-8").splitlines()
    [command] = [line for line in readme if line.startswith("$ bedrock-drift check ")]
    [result] = [line for line in readme if line.startswith("Result: ")]
    [header] = [line for line in readme if line.startswith("bedrock-drift ") and ": " in line
                and "models read" in line]
    here = {"policies/baseline.yaml": "builtin:baseline", "examples/models": "models",
            "examples/waivers.yaml": "waivers.yaml"}
    args = [here.get(arg, arg) for arg in shlex.split(command)[2:]]
    return args, header.replace("examples/models", "models"), result


def test_check_with_the_builtin_baseline_as_the_readme_says(installed: Installed) -> None:
    args, header, result = readme_run()
    assert args == ["check", "--from", "models", "-p", "builtin:baseline", "--waivers",
                    "waivers.yaml"]
    run = installed.run(*args)
    assert run.returncode == 1, run.stderr  # as the README says: the examples violate
    lines = run.stdout.splitlines()
    assert (lines[0], lines[-1]) == (header, result)
    assert "8 violations" in result and "1 waived" in result
    assert str(installed.venv) not in run.stdout
    # Without the sample waivers, the shipped baseline waives nothing.
    run = installed.run("check", "--from", "models", "-p", "builtin:baseline", "-f", "json")
    assert run.returncode == 1
    assert '"waived": 0' in run.stdout and '"file": "builtin:baseline"' in run.stdout


def test_the_shipped_tests_pass_from_the_wheel(installed: Installed) -> None:
    run = installed.run("test", "builtin:baseline")
    cases = len(re.findall(r"^    PASS ", run.stdout, flags=re.MULTILINE))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[0] == "builtin:baseline_test"
    assert run.stdout.splitlines()[-1] == f"{cases} passed, 0 failed"
    assert cases > 50
    run = installed.run("test", "builtin:all", "-q")
    assert run.returncode == 0, run.stdout + run.stderr


def test_an_unknown_builtin_lists_those_the_wheel_has(installed: Installed) -> None:
    run = installed.run("validate", "builtin:nope")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == ("bedrock-drift: error: builtin:nope: no such shipped policy; the "
                          "shipped policies are builtin:account-baseline, "
                          "builtin:account-posture, builtin:baseline, "
                          "builtin:conservative-training, builtin:documented-limits, "
                          "builtin:model-context, builtin:model-posture (builtin:all names "
                          "every one)\n")


def test_what_the_wheel_holds(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
        [info] = {n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA")}
        assert wheel.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        metadata = email.parser.Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
    assert metadata["Version"] == checker.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["License-File"] == "LICENSE"
    assert "Source, https://github.com/bedrock-drift/bedrock-drift" in \
        metadata.get_all("Project-URL")
    assert "Typing :: Typed" in metadata.get_all("Classifier")
    shipped = {f"checker/builtin_policies/{p.name}" for p in (ROOT / "policies").iterdir()
               if p.suffix == ".yaml"}
    assert len(shipped) == 14
    code = {p.relative_to(ROOT).as_posix() for p in (ROOT / "checker").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    assert shipped | code <= names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "policies/"))]


def test_a_builtin_and_a_copy_of_it_are_two_policies_of_one_name(installed: Installed) -> None:
    copy = installed.work / "baseline.yaml"
    shutil.copy2(ROOT / "policies" / "baseline.yaml", copy)
    try:
        run = installed.run("check", "--from", "models", "-p", "builtin:baseline", "-p",
                            "baseline.yaml")
    finally:
        copy.unlink()
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == ("baseline.yaml:1:1: policy name 'bedrock-baseline' is already used "
                          "by builtin:baseline\n")
