"""docs/authoring.md says what the code does: its examples load, run and print as shown."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import yaml

from checker.policy.loader import load_policy_text
from checker.policytest import DEFAULT_MODEL, compile_test_file, render_text, run_suite
from tests.support import ROOT

DOC = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, flags=re.S)


def test_documented_default_model_is_the_real_one() -> None:
    [block] = blocks("json")
    assert json.loads(block) == DEFAULT_MODEL


def test_test_file_example_runs_green_against_the_baseline() -> None:
    text = blocks("yaml")[0]
    suite = compile_test_file(text, str(ROOT / "policies" / "doc-example_test.yaml"))
    result = run_suite(suite, clock=lambda: NOW)
    assert len(result.checks) == 5
    assert result.failed == 0


def test_models_snippet_runs_green() -> None:
    snippet = blocks("yaml")[1]
    text = "policies: baseline.yaml\ncases:\n" + snippet
    suite = compile_test_file(text, str(ROOT / "policies" / "doc-snippet_test.yaml"))
    assert run_suite(suite, clock=lambda: NOW).failed == 0


def test_output_example_is_what_the_runner_prints() -> None:
    text = """\
cases:
  - name: a compliant model passes every rule
    model: {}
    expect: {kms-required: pass, rft-grader: not_applicable}
  - name: an AWS-owned key fails
    model: {modelKmsKeyArn: null}
    expect: {kms-required: pass}
"""
    suite = compile_test_file(text, "policies/baseline_test.yaml")
    printed = render_text([run_suite(suite, clock=lambda: NOW)])
    shown = next(b for b in blocks("text") if "passed, " in b)
    assert printed == shown


def test_variables_example_loads() -> None:
    policy_text = next(b for b in blocks("yaml") if "name: team-baseline" in b)
    policy, problems = load_policy_text(policy_text.encode(), "doc.yaml", lint=True)
    assert policy is not None and problems == []
    assert policy.variables["classifications"] == ["internal", "confidential"]


def test_var_file_example_is_the_shipped_one() -> None:
    shown = next(b for b in blocks("yaml") if b.startswith("# examples/vars.yaml"))
    shipped = (ROOT / "examples" / "vars.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(shown) == yaml.safe_load(shipped)
