"""A fast start: each command imports what it uses. ``--version`` imports click and nothing
heavier, ``check --from`` and ``validate`` never import boto3 (nor, once botocore's facts
are kept, botocore or jsonschema), and a run imports only the report writers of the formats
it writes. benchmarks/startup_benchmark.py measures the time; these tests keep the imports
from coming back."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

from checker.cli import app
from tests.support import ROOT

EXAMPLES = str(ROOT / "examples" / "models")
BASELINE = str(ROOT / "policies" / "baseline.yaml")
HEAVY = {"boto3", "botocore", "jsonschema", "yaml", "re2", "urllib3"}

# Runs the command in this interpreter, then prints every module it imported.
IMPORTED = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
from checker.cli import main
main(sys.argv[1:])
"""


def imported_by(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "BEDROCK_DRIFT_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", IMPORTED, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    *_, last = done.stderr.strip().splitlines()
    return done.returncode, set(json.loads(last))


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_version_imports_click_and_nothing_heavier(tmp_path: Path) -> None:
    code, modules = imported_by(tmp_path, "--version")
    assert code == 0
    assert not HEAVY & packages(modules), HEAVY & packages(modules)
    assert {m for m in modules if m.startswith("checker")} == {
        "checker", "checker.cli", "checker.cli.app", "checker.cli.basics", "checker.errors"}


def test_check_from_files_imports_no_boto3_and_only_its_writer(tmp_path: Path) -> None:
    args = ("check", "-p", BASELINE, "--from", EXAMPLES, "-f", "json", "-o",
            str(tmp_path / "report.json"))
    for _ in range(2):  # the first run computes botocore's facts, the second reads them
        code, modules = imported_by(tmp_path, *args)
        assert code == 1
        assert "boto3" not in packages(modules)
        assert not {m for m in modules if m.startswith("checker.sources.aws.")} - {
            "checker.sources.aws.accounts", "checker.sources.aws.defaults",
            "checker.sources.aws.request"}
        writers = {m for m in modules if m.startswith("checker.reports.")}
        assert "checker.reports.json_report" in writers
        assert not writers & {"checker.reports.html", "checker.reports.sarif",
                              "checker.reports.asff", "checker.reports.ocsf",
                              "checker.reports.junit"}
    assert not {"botocore", "jsonschema"} & packages(modules)


def test_validate_imports_no_boto3(tmp_path: Path) -> None:
    for _ in range(2):
        code, modules = imported_by(tmp_path, "validate", BASELINE)
        assert code == 0
        assert "boto3" not in packages(modules)
    assert not {"botocore", "jsonschema"} & packages(modules)


def test_the_command_table_names_every_command_where_it_is() -> None:
    registered: dict[str, str] = {}
    for module in sorted(set(app.COMMAND_MODULES.values())):
        importlib.import_module(f"checker.cli.{module}")
    for name, command in dict.items(app.cli.commands):
        assert command.callback is not None
        registered[name] = command.callback.__module__.removeprefix("checker.cli.")
    assert registered == app.COMMAND_MODULES
    assert sorted(app.cli.commands) == sorted(app.COMMAND_MODULES)
    assert "validate" in app.cli.commands and app.cli.commands["check"].name == "check"
