"""served_severity: the effective severity of a violation, in every format and for --fail-on.

Documents are judged offline here: a document with ``served: true`` is served, one with
``served: false`` is not, and one without the key (offline input that did not record it)
has unknown exposure, which takes the served severity as the worst case.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
import yaml

from checker.engine.evaluate import evaluate
from checker.engine.merge import merge_reports
from checker.policy.loader import load_policy_text, needed_enrichments
from checker.reports import RENDERERS, render
from checker.reports.json_reader import read_report
from checker.reports.json_report import report_dict
from checker.results import ModelInput, Report, Scanned
from tests.support import FIXED_NOW, policy_from

RULES = {"version": 1, "name": "p", "rules": [
    {"id": "kms", "severity": "low", "served_severity": "critical", "kms_key": {}},
    {"id": "plain", "severity": "medium", "require": {"field": "modelStatus",
                                                      "equals": "Active"}},
]}


def report_of(*docs: dict[str, Any], fail_on: str = "info",
              errors: dict[str, tuple[str, str]] | None = None) -> Report:
    inputs = [ModelInput(document=doc, origin="test", enrichment_errors=errors or {})
              for doc in docs]
    return evaluate([policy_from(RULES)], inputs, scanned=Scanned(("test",), (), ()),
                    fail_on=fail_on, now=FIXED_NOW)


def by_model(report: Report) -> dict[tuple[str | None, str], tuple[str, str | None]]:
    return {(v.model.name, v.rule.id): (v.severity, v.exposure) for v in report.violations}


def test_the_effective_severity_follows_exposure() -> None:
    report = report_of({"modelName": "served", "served": True},
                       {"modelName": "idle", "served": False},
                       {"modelName": "offline"})
    assert by_model(report) == {
        ("served", "kms"): ("critical", "served"),
        ("served", "plain"): ("medium", None),
        ("idle", "kms"): ("low", None),
        ("idle", "plain"): ("medium", None),
        ("offline", "kms"): ("critical", "unknown"),
        ("offline", "plain"): ("medium", None),
    }
    # A modifier, never a reason for error: offline input without 'served' is judged.
    assert report.errors == () and report.summary.result == "fail"


@pytest.mark.parametrize(("served", "code"), [(True, 1), (False, 0), (None, 1)])
def test_fail_on_compares_the_effective_severity(served: bool | None, code: int) -> None:
    doc: dict[str, Any] = {"modelName": "m", "modelStatus": "Active"}
    if served is not None:
        doc["served"] = served
    assert report_of(doc, fail_on="high").exit_code == code


def test_a_failed_listing_is_reported_once_and_the_worst_case_taken() -> None:
    failure = ("AccessDeniedException", "us-east-1: ListCustomModelDeployments: "
                                        "AccessDeniedException: no")
    report = report_of({"modelName": "a"}, {"modelName": "b"}, errors={"served": failure})
    assert {v.exposure for v in report.violations if v.rule.id == "kms"} == {"unknown"}
    assert len(report.errors) == 1 and report.exit_code == 2
    assert "ListCustomModelDeployments" in report.errors[0].message
    assert "p/kms" in report.errors[0].message


def test_loading_served_severity_needs_served_but_no_rule_errors_without_it() -> None:
    policy = policy_from(RULES)
    assert needed_enrichments([policy]) == {"served"}
    assert all("served" not in rule.needs for rule in policy.rules)
    text = yaml.safe_dump({"version": 1, "name": "p", "rules": [
        {"id": "r", "served_severity": "urgent", "kms_key": {}}]})
    loaded, problems = load_policy_text(text.encode(), "p.yaml")
    assert loaded is None
    assert any("unknown severity 'urgent'" in str(p) and "p.yaml:" in str(p)
               for p in problems)


def test_every_format_shows_the_effective_severity() -> None:
    report = report_of({"modelName": "served", "served": True, "modelStatus": "Active"})
    assert set(RENDERERS) >= {"text", "json", "sarif", "markdown", "github", "junit"}
    text = render(report, "text")
    assert "[critical] (served) p/kms" in text
    data = json.loads(render(report, "json"))
    violation = data["violations"][0]
    assert (violation["severity"], violation["exposure"], violation["rule_severity"]) == (
        "critical", "served", "low")
    assert data["policies"][0]["rules"][0]["served_severity"] == "critical"
    sarif = json.loads(render(report, "sarif"))
    result = sarif["runs"][0]["results"][0]
    assert result["level"] == "error" and result["properties"]["severity"] == "critical"
    assert result["properties"]["exposure"] == "served"
    assert "| **critical** (served) |" in render(report, "markdown")
    github = render(report, "github")
    assert "::error " in github and "p/kms (critical (served))" in github
    assert 'type="critical"' in render(report, "junit")


def test_merge_keeps_the_effective_severity() -> None:
    report = report_of({"modelName": "served", "served": True, "modelStatus": "Active"},
                       {"modelName": "idle", "served": False, "modelStatus": "Active"})
    back = read_report(report_dict(report), "shard.json")
    merged = merge_reports([back], fail_on="high",
                           now=datetime(2026, 11, 28, tzinfo=timezone.utc))
    assert by_model(merged) == by_model(report)
    assert merged.exit_code == 1  # only the served one is at or above high


def test_rules_documents_each_added_key_and_served_severity() -> None:
    from checker.policy.ruledocs import describe, overview, topics

    for key, call in (("deployments", "ListCustomModelDeployments"),
                      ("throughputs", "ListProvisionedModelThroughputs"),
                      ("served", "the two listings above"), ("copyJob", "ListModelCopyJobs"),
                      ("importJob", "GetModelImportJob"), ("baseModel", "GetFoundationModel")):
        assert key in topics()
        text = describe(key)
        assert call in text
        assert text.count("\n  " + key) >= 1  # its field paths, one a line
    assert "deployments[].updateDetails.updateStatus" in describe("deployments")
    assert "baseModel.modelLifecycle.endOfLifeTime" in describe("baseModel")
    assert "(served)" in describe("served_severity")
    assert "deployments, throughputs, served, copyJob, importJob, baseModel" in overview()
    for operator in ("min_days_ahead", "max_days_ago"):
        assert "boundary day holds" in " ".join(describe(operator).split())


def test_the_security_formats_carry_the_effective_severity_and_the_exposure() -> None:
    import csv
    import io

    report = report_of({"modelName": "served", "served": True, "modelStatus": "Active",
                        "modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/x/s",
                        "accountId": "111122223333", "region": "us-east-1"})
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert [(r["rule"], r["severity"], r["exposure"]) for r in rows] == [
        ("kms", "critical", "served")]
    asff = json.loads(render(report, "asff"))
    failed = [f for f in asff if f["Compliance"]["Status"] == "FAILED"]
    assert [(f["Severity"]["Label"], f["ProductFields"]["bedrock-drift/Exposure"])
            for f in failed] == [("CRITICAL", "served")]
    ocsf = json.loads(render(report, "ocsf"))
    failed_events = [e for e in ocsf if e["unmapped"]["result"] == "fail"]
    assert [(e["severity"], e["unmapped"]["exposure"]) for e in failed_events] == [
        ("Critical", "served")]
    assert '<span class="muted">(served)</span>' in render(report, "html")
