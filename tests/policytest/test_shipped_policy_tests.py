"""Every shipped policy has unit tests, and `bedrock-drift test policies/` passes them."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import pytest
import yaml

from checker.engine.evaluate import evaluate
from checker.lang.variables import load_var_file
from checker.policy.loader import load_policies, policy_files
from checker.policy.waivers import load_waiver_file
from checker.policytest import Suite, SuiteResult, compile_test_file, run_suite
from checker.results import Scanned, Status
from checker.sources.files import model_input
from tests.support import ROOT, run_main

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


SHIPPED = [Path(p) for p in policy_files([str(POLICIES)])]


@pytest.mark.parametrize("file", SHIPPED, ids=[f.stem for f in SHIPPED])
def test_no_shipped_policy_holds_a_waiver(file: Path) -> None:
    """A team adopting a shipped policy would waive its own models by a sample's globs, and
    everyone else would get waiver-stale on every run: samples live in examples/."""
    assert "waivers" not in yaml.safe_load(file.read_text(encoding="utf-8"))
    [policy], _ = load_policies([str(file)])
    assert policy.waivers == ()


def test_strict_waivers_pass_out_of_the_box(capsys: pytest.CaptureFixture[str]) -> None:
    """A compliant model judged by the shipped baseline: no stale waiver, so no exit 2."""
    run = run_main(capsys, "check", "-p", str(POLICIES / "baseline.yaml"), "--from",
                   str(ROOT / "examples" / "models" / "prod-summarizer.json"),
                   "--strict-waivers")
    assert (run.exit_code, run.stderr) == (0, "")
    assert run.output.splitlines()[-1].startswith("Result: PASS: 1 model read, 0 violations")


RESEARCH = json.loads((ROOT / "examples" / "models" / "research-llama.json").read_text("utf-8"))
OTHER_ACCOUNT = RESEARCH["modelArn"].replace(":111122223333:", ":999999999999:")


@pytest.mark.parametrize(("name", "arn", "now", "expected"), [
    ("research-llama-ft", RESEARCH["modelArn"], NOW, Status.WAIVED),
    ("Research-llama-ft", RESEARCH["modelArn"], NOW, Status.FAIL),  # waiver globs keep case
    ("research-llama-ft", RESEARCH["modelArn"], datetime(2027, 6, 30, 23, 59, tzinfo=timezone.utc),
     Status.WAIVED),
    ("research-llama-ft", RESEARCH["modelArn"], datetime(2027, 7, 1, tzinfo=timezone.utc),
     Status.FAIL),
    ("research-llama-ft", OTHER_ACCOUNT, NOW, Status.FAIL),
    ("prod-llama", RESEARCH["modelArn"], NOW, Status.FAIL),
], ids=["research", "other-case", "last-day", "expired", "other-account", "not-research"])
def test_the_sample_waivers_file(name: str, arn: str, now: datetime, expected: Status) -> None:
    """examples/waivers.yaml waives what the baseline's sample waiver did, and no more."""
    policies, _ = load_policies([str(POLICIES / "baseline.yaml")])
    waived = load_waiver_file(str(ROOT / "examples" / "waivers.yaml"), policies)
    model = model_input({**RESEARCH, "modelName": name, "modelArn": arn}, "research.json",
                        json_values=True)
    report = evaluate(waived, [model], scanned=Scanned((), (), ()), now=now)
    assert report.models[0].results["bedrock-baseline/learning-rate-cap"] is expected
    alone = evaluate(policies, [model], scanned=Scanned((), (), ()), now=now)
    assert alone.models[0].results["bedrock-baseline/learning-rate-cap"] is Status.FAIL
