"""Every shipped policy has unit tests, and `bedrock-drift test policies/` passes them."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import pytest

from checker.lang.variables import load_var_file
from checker.policy.loader import policy_files
from checker.policytest import Suite, SuiteResult, compile_test_file, run_suite
from tests.conftest import run_main

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
TEST_FILES = sorted(POLICIES.glob("*_test.yaml"))
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@cache
def suite(file: Path) -> Suite:
    return compile_test_file(file.read_text(encoding="utf-8"), str(file))


@cache
def result(file: Path) -> SuiteResult:
    return run_suite(suite(file), clock=lambda: NOW)


def test_every_shipped_policy_has_a_test_file() -> None:
    policies = [Path(p).stem for p in policy_files([str(POLICIES)])]
    assert sorted(f"{p}_test" for p in policies) == sorted(t.stem for t in TEST_FILES)


CASES = [(f, c.name) for f in TEST_FILES for c in suite(f).cases]


@pytest.mark.parametrize(("file", "case"), CASES,
                         ids=[f"{f.stem}:{c}" for f, c in CASES])
def test_shipped_case(file: Path, case: str) -> None:
    checks = [c for c in result(file).checks if c.case == case]
    assert checks
    failed = [f"{c.rule}: expected {c.expected.value}, got {c.got.value} ({c.detail})"
              for c in checks if not c.passed]
    assert failed == []


@pytest.mark.parametrize("file", TEST_FILES, ids=[f.stem for f in TEST_FILES])
def test_every_rule_is_tested_for_a_failure(file: Path) -> None:
    """Each rule of a shipped policy has at least one case where it must fail."""
    tested = {c.rule.split("/")[-1] for c in result(file).checks if c.expected.value == "fail"}
    rules = {r.info.id for p in suite(file).policies for r in p.rules}
    assert rules - tested == set()


def test_cli_runs_the_shipped_tests(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_main(capsys, "test", str(POLICIES))
    assert run.exit_code == 0, run.output
    total = sum(len(result(f).checks) for f in TEST_FILES)
    assert run.output.splitlines()[-1] == f"{total} passed, 0 failed"


def test_baseline_tests_pass_with_the_sample_var_file(capsys: pytest.CaptureFixture[str]) -> None:
    """The tests follow the policy's variables, so a team's var file keeps them green."""
    var_file = ROOT / "examples" / "vars.yaml"
    values, problems = load_var_file(var_file.read_text(encoding="utf-8"), str(var_file))
    assert problems == [] and values["account_id"] == "444455556666"
    run = run_main(capsys, "test", str(POLICIES / "baseline_test.yaml"), "--var-file",
                   str(var_file))
    assert run.exit_code == 0, run.output
    assert run.output.splitlines()[-1].endswith(" passed, 0 failed")
