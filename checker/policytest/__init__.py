"""Policy unit tests: ``*_test.yaml`` suites of cases, each a model and the expected results.

Owns loading test files (``suite``) and their cases (``cases``), running them against the
engine (``run``) and rendering the results (``render``). Sits above ``engine`` and
``sources.files`` (a case's model is read as ``--from`` reads a document); never imports
boto3 or click.
"""

from __future__ import annotations

from checker.policytest.cases import DEFAULT_MODEL, Case, Expectation, deep_merge
from checker.policytest.render import RENDERERS, exit_code, render_junit, render_text, summary_line
from checker.policytest.run import rule_status, run_case, run_suite
from checker.policytest.suite import (
    CheckResult,
    Suite,
    SuiteResult,
    compile_test_file,
    default_policy_file,
    find_test_files,
)

__all__ = [
    "DEFAULT_MODEL", "RENDERERS", "Case", "CheckResult", "Expectation", "Suite", "SuiteResult",
    "compile_test_file", "deep_merge", "default_policy_file", "exit_code", "find_test_files",
    "render_junit", "render_text", "rule_status", "run_case", "run_suite", "summary_line",
]
