"""The OCSF report: every event is a valid OCSF Compliance Finding (class 2003) by the
py-ocsf-models package's models, with no attribute those models do not know (pydantic would
silently drop one), and says what the ASFF report says."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import replace
from typing import Any

import pytest
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud
from pydantic import BaseModel

from checker.reports import render
from checker.results import Report, Status
from tests import report_fixtures as fx


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation such as Optional[list[X]] holds."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, dict):
        for arg in typing.get_args(annotation):
            found += _models_in(arg)
    return found


def unknown_keys(value: Any, model: type[BaseModel], where: str = "") -> list[str]:
    """Attribute paths in ``value`` that ``model`` does not define."""
    problems: list[str] = []
    if not isinstance(value, dict):
        return problems
    for key, item in value.items():
        field = model.model_fields.get(key)
        if field is None:
            problems.append(f"{where}{key}")
            continue
        if key in ("unmapped", "data"):  # free-form by the schema
            continue
        for inner in _models_in(field.annotation):
            items = item if isinstance(item, list) else [item]
            for element in items:
                problems += unknown_keys(element, inner, f"{where}{key}.")
    return problems


def validate_ocsf(event: dict[str, Any]) -> None:
    core = {k: v for k, v in event.items() if k != "cloud"}  # the cloud profile's attribute
    ComplianceFinding.model_validate(core)
    Cloud.model_validate(event["cloud"])
    assert unknown_keys(core, ComplianceFinding) == []
    assert unknown_keys(event["cloud"], Cloud) == []
    assert "cloud" in event["metadata"]["profiles"]


def ocsf(report: Report) -> list[dict[str, Any]]:
    events = json.loads(render(report, "ocsf"))
    for event in events:
        validate_ocsf(event)
    return events


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(fx.rich_report(), id="rich"),
        pytest.param(fx.rich_report(known=True), id="known"),
        pytest.param(fx.hostile_report(), id="hostile"),
        pytest.param(fx.empty_report(), id="empty"),
    ],
)
def test_every_event_is_a_valid_compliance_finding(report: Report) -> None:
    ocsf(report)


def test_the_validation_catches_a_wrong_or_unknown_attribute() -> None:
    event = ocsf(fx.rich_report())[0]
    with pytest.raises(AssertionError):
        validate_ocsf({**event, "finding_info": {**event["finding_info"], "titel": "x"}})
    with pytest.raises(ValueError):
        validate_ocsf({**event, "severity_id": "very"})


def test_events_match_the_asff_findings_one_for_one() -> None:
    events = ocsf(fx.rich_report())
    asff = json.loads(render(fx.rich_report(), "asff"))
    assert [e["finding_info"]["uid"] for e in events] == [f["Id"] for f in asff]
    assert [e["compliance"]["status_id"] for e in events] == [
        {"PASSED": 1, "FAILED": 3, "NOT_AVAILABLE": 2}[
            f["Compliance"]["Status"]] for f in asff]


@pytest.mark.parametrize(
    ("model", "rule", "status", "check", "severity"),
    [
        pytest.param(fx.PROD, fx.KMS, "New", 3, "Critical", id="violation"),
        pytest.param(fx.PROD, fx.LR, "Resolved", 1, "Informational", id="pass"),
        pytest.param(fx.PROD, fx.TAGS, "New", 2, "Low", id="error"),
        pytest.param(fx.RESEARCH, fx.LR, "Suppressed", 3, "Medium", id="waived"),
    ],
)
def test_status_severity_and_resource(model: fx.ModelRef, rule: fx.RuleInfo, status: str,
                                      check: int, severity: str) -> None:
    events = {(e["resources"][0]["uid"], e["compliance"]["control"]): e
              for e in ocsf(fx.rich_report())}
    event = events[(model.arn, rule.qualified_id)]
    assert event["class_uid"] == 2003 and event["type_uid"] == 200301
    assert event["status"] == status
    assert event["compliance"]["status_id"] == check
    assert event["severity"] == severity
    assert event["cloud"]["account"]["uid"] == fx.ACCOUNT
    assert event["cloud"]["region"] == fx.REGION
    assert event["resources"][0]["name"] == model.name
    assert event["time"] == 1795780800000  # 2026-11-27T12:00:00Z


def test_waiver_remediation_and_compliance() -> None:
    rule = replace(fx.KMS, compliance=(("NIST-800-53-r5", ("SC-28",)),
                                       ("ISO-27001-2022", ("A.8.24",))))
    waived = fx.finding(fx.RESEARCH, rule, waiver=fx.WAIVER)
    report = fx.build_report(rules=(rule,),
                             models={fx.RESEARCH: {rule.qualified_id: Status.WAIVED}},
                             waived=[waived])
    (event,) = ocsf(report)
    assert event["compliance"]["standards"] == ["NIST-800-53-r5", "ISO-27001-2022"]
    assert event["compliance"]["requirements"] == ["NIST-800-53-r5/SC-28",
                                                   "ISO-27001-2022/A.8.24"]
    assert event["status_detail"] == (
        "Waived until 2027-01-31: Research sandbox, approved in SEC-1234")
    assert event["unmapped"]["waiver"]["expires"] == "2027-01-31"
    assert event["remediation"] == {"desc": rule.remediation,
                                    "references": ["https://example.com/kms"]}
