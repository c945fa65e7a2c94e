"""The golden report cases: the shipped examples judged by the shipped baseline, with the
sample waivers file (examples/waivers.yaml), at a fixed clock: what the README's quick start
runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from checker.cli import run_check
from checker.policy.loader import load_policies
from checker.policy.waivers import load_waiver_file
from checker.reports import render
from checker.sources.files import load_documents

ROOT = Path(__file__).resolve().parents[2]
FIXED_NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class GoldenCase:
    file: str
    fmt: str
    policies: tuple[str, ...] = ("policies/baseline.yaml",)
    models: tuple[str, ...] = ("examples/models",)
    waivers: str | None = "examples/waivers.yaml"


GOLDEN_CASES = [
    GoldenCase("baseline.txt", "text"),
    GoldenCase("baseline.json", "json"),
    GoldenCase("baseline.sarif", "sarif"),
    GoldenCase("baseline.xml", "junit"),
    GoldenCase("baseline.md", "markdown"),
    GoldenCase("baseline.github.txt", "github"),
    GoldenCase("baseline.asff.json", "asff"),
    GoldenCase("baseline.csv", "csv"),
    GoldenCase("baseline.ocsf.json", "ocsf"),
    GoldenCase("baseline.html", "html"),
]


def render_case(case: GoldenCase) -> str:
    """Render a case exactly as `bedrock-drift check` would, run from the repository root."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        policies, _ = load_policies(list(case.policies))
        if case.waivers is not None:
            policies = load_waiver_file(case.waivers, policies)
        source = load_documents(list(case.models))
        report = run_check(policies, source, "info", now=FIXED_NOW)
        return render(report, case.fmt)
    finally:
        os.chdir(cwd)
