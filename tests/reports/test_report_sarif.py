"""SARIF 2.1.0: valid against the official schema and shaped the way code scanning reads it."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import checker
from checker.reports.sarif import FINGERPRINT_KEY, render_sarif
from checker.results import Report, Status
from tests.support import ROOT
from tests.support import report_fixtures as fx

# The official schema, vendored beside the tests (tests/data/sarif/NOTICE.md says where from);
# SARIF_SCHEMA may name another copy, e.g. a newer errata.
SCHEMA_ENV = "SARIF_SCHEMA"
VENDORED_SCHEMA = ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json"
VENDORED_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"


def sarif(report: Report, **kwargs: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render_sarif(report, **kwargs))
    return data


def results_for(log: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [r for r in log["runs"][0]["results"] if r["ruleId"] == rule_id]


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    path = os.environ.get(SCHEMA_ENV) or str(VENDORED_SCHEMA)
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    # The official 2.1.0 schema declares its draft; use the validator for exactly that one.
    assert schema["$schema"] in {
        "http://json-schema.org/draft-04/schema#",
        "http://json-schema.org/draft-07/schema#",
    }
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def test_vendored_schema_is_the_oasis_file() -> None:
    data = VENDORED_SCHEMA.read_bytes()
    assert hashlib.sha256(data).hexdigest() == VENDORED_SHA256
    schema = json.loads(data)
    assert schema["id"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/"
                            "schemas/sarif-schema-2.1.0.json")
    notice = (VENDORED_SCHEMA.parent / "NOTICE.md").read_text(encoding="utf-8")
    assert "Copyright © OASIS Open" in notice and schema["id"] in notice


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(fx.rich_report(), id="rich"),
        pytest.param(fx.rich_report(known=True), id="with-baseline"),
        pytest.param(fx.empty_report(), id="no-models"),
        pytest.param(fx.clean_report(), id="clean"),
        pytest.param(fx.hostile_report(), id="hostile"),
    ],
)
def test_valid_against_official_schema(report: Report, sarif_validator: Any) -> None:
    log = sarif(report)
    errors = sorted(sarif_validator.iter_errors(log), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_one_run_with_driver_metadata() -> None:
    log = sarif(fx.rich_report())
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == checker.TOOL_NAME
    assert driver["version"] == checker.__version__
    assert driver["informationUri"] == checker.INFORMATION_URI


def test_rules_describe_every_loaded_rule() -> None:
    log = sarif(fx.rich_report())
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "baseline/kms-required",
        "baseline/approved-base-models",
        "baseline/learning-rate-cap",
        "tagging/owner-tag",
    ]
    kms = rules[0]
    assert kms["name"] == "kms-required"
    assert kms["shortDescription"]["text"] == fx.KMS.title
    assert kms["fullDescription"]["text"] == fx.KMS.description
    assert fx.KMS.remediation is not None
    assert fx.KMS.remediation in kms["help"]["text"]
    assert kms["helpUri"] == "https://example.com/kms"
    assert kms["properties"]["security-severity"] == "9.5"
    assert kms["properties"]["tags"] == ["security", "CIS-3.1", "SOC2-CC6.1"]
    assert kms["defaultConfiguration"]["level"] == "error"
    # A rule without a link has no helpUri (an empty one would be an invalid URI).
    assert "helpUri" not in rules[1]


@pytest.mark.parametrize(
    ("severity", "level", "score"),
    [
        pytest.param("critical", "error", 9.5, id="critical"),
        pytest.param("high", "error", 8.0, id="high"),
        pytest.param("medium", "warning", 5.5, id="medium"),
        pytest.param("low", "note", 3.0, id="low"),
        pytest.param("info", "note", 1.0, id="info"),
    ],
)
def test_level_and_security_severity_follow_severity(
    severity: str, level: str, score: float
) -> None:
    info = fx.rule("p", "r", severity)
    ref = fx.model("m")
    report = fx.build_report(
        rules=(info,), models={ref: {info.qualified_id: Status.FAIL}},
        violations=(fx.finding(ref, info),),
    )
    log = sarif(report)
    (result,) = log["runs"][0]["results"]
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    assert result["level"] == level
    assert rule["defaultConfiguration"]["level"] == level
    assert float(rule["properties"]["security-severity"]) == score


def test_result_points_at_the_rule_and_names_the_model() -> None:
    log = sarif(fx.rich_report())
    (result,) = [
        r for r in results_for(log, "baseline/approved-base-models")
    ]
    assert result["ruleIndex"] == 1
    assert result["level"] == "error"
    text = result["message"]["text"]
    for part in ("prod-summarizer", "baseModelArn", "one of amazon.nova-*", "meta.llama3"):
        assert part in text
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "policies/baseline.yaml"
    assert location["physicalLocation"]["region"]["startLine"] == 14
    assert location["logicalLocations"][0]["fullyQualifiedName"] == fx.PROD.arn


def test_missing_actual_is_said_as_missing() -> None:
    log = sarif(fx.rich_report())
    (prod_kms,) = [
        r for r in results_for(log, "baseline/kms-required")
        if r["properties"]["modelName"] == "prod-summarizer"
    ]
    assert "actual (missing)" in prod_kms["message"]["text"]


def test_absolute_policy_path_is_made_relative_to_root(tmp_path: Path) -> None:
    report = fx.rich_report()
    absolute = tmp_path / "policies" / "baseline.yaml"
    moved = replace(
        report,
        violations=tuple(
            replace(v, rule=replace(v.rule, file=str(absolute))) for v in report.violations
        ),
    )
    log = sarif(moved, root=str(tmp_path))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
        if r["ruleId"].startswith("baseline/") and "suppressions" not in r
    }
    assert uris == {"policies/baseline.yaml"}


def test_fingerprints_are_stable_and_distinct() -> None:
    first = sarif(fx.rich_report())["runs"][0]["results"]
    second = sarif(fx.rich_report(known=True))["runs"][0]["results"]
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in first]
    assert prints == [r["partialFingerprints"][FINGERPRINT_KEY] for r in second]
    assert len(set(prints)) == len(prints)
    assert all(len(p) == 64 for p in prints)
    assert all(
        r["partialFingerprints"]["primaryLocationLineHash"] == r["partialFingerprints"][
            FINGERPRINT_KEY] for r in first
    )


def test_planned_model_without_arn_is_keyed_by_kind_and_name() -> None:
    log = sarif(fx.rich_report())
    (planned,) = [
        r for r in log["runs"][0]["results"] if r["properties"]["modelName"] == "planned-job"
    ]
    assert planned["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "planned:planned-job"
    )


def test_waived_findings_are_left_out_by_default() -> None:
    # GitHub code scanning ignores suppressions: a waived result would be an open alert.
    log = sarif(fx.rich_report())
    assert results_for(log, "baseline/learning-rate-cap") == []
    assert all("suppressions" not in r for r in log["runs"][0]["results"])
    assert len(log["runs"][0]["results"]) == 3
    assert log["runs"][0]["properties"]["leftOut"] == {
        "waived": 1, "overLimits": 0, "overLimitsBySeverity": {}}


def test_waived_finding_is_a_suppressed_result_when_kept() -> None:
    log = sarif(fx.rich_report(), include_waived=True)
    assert log["runs"][0]["properties"]["leftOut"]["waived"] == 0
    (waived,) = results_for(log, "baseline/learning-rate-cap")
    (suppression,) = waived["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["justification"] == "Research sandbox, approved in SEC-1234"
    assert suppression["properties"]["expires"] == "2027-01-31"
    unsuppressed = [r for r in log["runs"][0]["results"] if "suppressions" not in r]
    assert len(unsuppressed) == 3


def test_errors_are_notifications_and_mark_the_run_unsuccessful() -> None:
    invocation = sarif(fx.rich_report())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    errors = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    assert [n["descriptor"]["id"] for n in errors] == [
        "AccessDeniedException",
        "ThrottlingException",
    ]
    assert errors[0]["associatedRule"] == {"id": "tagging/owner-tag", "index": 3}
    assert "unread" in errors[1]["message"]["text"]


def test_clean_run_is_successful() -> None:
    invocation = sarif(fx.clean_report())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert "toolConfigurationNotifications" not in invocation


def test_zero_models_is_said_plainly() -> None:
    run = sarif(fx.empty_report())["runs"][0]
    assert run["properties"]["modelsRead"] == 0
    messages = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert "No models were read: nothing was judged." in messages
    assert run["results"] == []


def test_models_read_count_is_stated() -> None:
    run = sarif(fx.rich_report())["runs"][0]
    assert run["properties"]["modelsRead"] == 6
    messages = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert "6 models read." in messages


def test_waiver_warnings_are_configuration_notifications() -> None:
    invocation = sarif(fx.rich_report())["runs"][0]["invocations"][0]
    codes = [n["descriptor"]["id"] for n in invocation["toolConfigurationNotifications"]]
    assert codes == ["waiver-expired", "waiver-stale"]


def test_known_violations_are_marked_with_baseline_state() -> None:
    results = sarif(fx.rich_report(known=True))["runs"][0]["results"]
    states = {
        (r["ruleId"], r["properties"]["modelName"]): r["baselineState"] for r in results
    }
    assert states[("baseline/kms-required", "prod-summarizer")] == "unchanged"
    assert states[("baseline/approved-base-models", "prod-summarizer")] == "new"
    known = [r for r in results if r["properties"].get("known")]
    assert len(known) == 1
    assert "known" in known[0]["message"]["text"]


def test_without_a_baseline_there_is_no_baseline_state() -> None:
    results = sarif(fx.rich_report())["runs"][0]["results"]
    assert all("baselineState" not in r for r in results)


def test_hostile_values_survive_as_json() -> None:
    log = sarif(fx.hostile_report())
    (result,) = log["runs"][0]["results"]
    assert fx.HOSTILE in result["message"]["text"]
    assert result["properties"]["actual"] == {"nested": fx.HOSTILE + "\x1b[31m"}


def test_golden_examples_are_valid(sarif_validator: Any) -> None:
    """The SARIF of the shipped examples (as reviewed in tests/golden) is valid too."""
    golden = ROOT / "tests" / "golden" / "baseline.sarif"
    log = json.loads(golden.read_text(encoding="utf-8"))
    assert [e.message for e in sarif_validator.iter_errors(log)] == []
    report = json.loads((golden.parent / "baseline.json").read_text(encoding="utf-8"))
    # Waived findings are left out of SARIF by default (GitHub ignores suppressions) and
    # counted instead.
    assert len(log["runs"][0]["results"]) == len(report["violations"])
    assert log["runs"][0]["properties"]["leftOut"]["waived"] == len(report["waived"])
