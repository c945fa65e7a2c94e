"""The OCSF report: every event is a valid OCSF Compliance Finding (class 2003), strictly by
the official OCSF 1.5.0 schema (tests/data/ocsf: the class and the objects it refers to, with
the profiles the events declare, no attribute beyond them) and by the py-ocsf-models
package's models, with no attribute those models do not know (pydantic would silently drop
one), and says what the ASFF report says."""

from __future__ import annotations

import hashlib
import json
import types
import typing
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud
from pydantic import BaseModel
from referencing import Registry, Resource

from checker.reports import render
from checker.results import Report, Status
from tests.support import ROOT
from tests.support import report_fixtures as fx

# Generated from the OCSF 1.5.0 schema: tests/data/ocsf/README.md says how and from where.
OCSF_SCHEMA = ROOT / "tests" / "data" / "ocsf" / "compliance_finding.schema.json"
# The profiles the vendored schema was generated with; an event must declare exactly these.
SCHEMA_PROFILES = ["cloud", "datetime"]


def _strict_validator() -> Any:
    bundle = json.loads(OCSF_SCHEMA.read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resources(
        (uri, Resource.from_contents(schema)) for uri, schema in bundle["objects"].items())
    validator_class = jsonschema.validators.validator_for(bundle["class"])
    validator_class.check_schema(bundle["class"])
    return validator_class(bundle["class"], registry=registry)


STRICT = _strict_validator()


def schema_errors(event: dict[str, Any]) -> list[str]:
    """Where ``event`` breaks the official schema (strict: no attribute it does not define,
    none of a profile the event does not declare)."""
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in STRICT.iter_errors(event)]
    if sorted(event.get("metadata", {}).get("profiles", [])) != SCHEMA_PROFILES:
        errors.append(f"metadata.profiles: {event.get('metadata', {}).get('profiles')}, "
                      f"not the profiles of the attributes: {SCHEMA_PROFILES}")
    return errors


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
    assert schema_errors(event) == []
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


def test_the_vendored_schema_is_the_generated_file() -> None:
    # tests/data/ocsf/README.md names this hash; regenerating the file changes both.
    digest = hashlib.sha256(OCSF_SCHEMA.read_bytes()).hexdigest()
    readme = (OCSF_SCHEMA.parent / "README.md").read_text(encoding="utf-8")
    assert digest in readme
    bundle = json.loads(OCSF_SCHEMA.read_text(encoding="utf-8"))
    assert bundle["class"]["$id"] == ("https://schema.ocsf.io/schema/1.5.0/classes/"
                                      "compliance_finding?profiles=cloud,datetime")
    assert bundle["class"]["additionalProperties"] is False


def test_the_schema_is_strict() -> None:
    event = json.loads(render(fx.rich_report(), "ocsf"))[0]
    assert schema_errors(event) == []
    # An attribute the schema does not define, at the top or inside an object.
    assert schema_errors({**event, "colour": "red"})
    assert schema_errors({**event, "finding_info": {**event["finding_info"], "titel": "x"}})
    # A required attribute missing, a value of the wrong type or outside its enum.
    assert schema_errors({k: v for k, v in event.items() if k != "compliance"})
    assert schema_errors({**event, "severity_id": "5"})
    assert schema_errors({**event, "cloud": {**event["cloud"], "provider": 7}})
    # A profile's attribute with the profile undeclared.
    undeclared = {**event, "metadata": {**event["metadata"], "profiles": ["cloud"]}}
    assert any("metadata.profiles" in e for e in schema_errors(undeclared))


def test_the_events_of_a_large_estate_validate() -> None:
    from checker.reports.ocsf import ocsf_events
    from tests.support.large_estate import large_report
    report = large_report()
    # The events as render_ocsf writes them, one by one (the whole array is 170 MB).
    events = list(ocsf_events(report))
    # One per (model, rule) that applied: 10,000 models x the baseline's rules.
    applied = sum(1 for m in report.models for status in m.results.values()
                  if status is not Status.NOT_APPLICABLE)
    assert len(events) == applied > 50_000
    # Strictly, the events of every 37th model: all of them would take a unit test many
    # seconds, and the estate's models vary with their number modulo 2 to 11 and 40, which
    # a prime stride walks through.
    models = {m.model.arn for i, m in enumerate(report.models) if i % 37 == 0}
    checked = 0
    for event in events:
        if event["resources"][0]["uid"] in models:
            errors = schema_errors(json.loads(json.dumps(event)))
            assert errors == [], errors
            checked += 1
    assert checked > 2_000


def test_the_validation_catches_a_wrong_or_unknown_attribute() -> None:
    event = ocsf(fx.rich_report())[0]
    with pytest.raises(AssertionError):
        validate_ocsf({**event, "finding_info": {**event["finding_info"], "titel": "x"}})
    # The official schema now catches it first (AssertionError); the models still would.
    with pytest.raises((AssertionError, ValueError)):
        validate_ocsf({**event, "severity_id": "very"})
    core = {k: v for k, v in event.items() if k != "cloud"}
    with pytest.raises(ValueError):
        ComplianceFinding.model_validate({**core, "severity_id": "very"})


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
