"""The ASFF report: every finding is accepted by botocore's own BatchImportFindings input
shape, and says what the rule found, in the finding's own account and region."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from checker.reports import render
from checker.results import Report, Status
from tests.support import report_fixtures as fx

_MODEL = botocore.session.get_session().get_service_model("securityhub")
_INPUT = _MODEL.operation_model("BatchImportFindings").input_shape


def validate_asff(findings: list[dict[str, Any]]) -> None:
    """Raise if botocore would refuse ``findings`` as BatchImportFindings' Findings."""
    for start in range(0, len(findings), 100):
        report = ParamValidator().validate({"Findings": findings[start:start + 100]}, _INPUT)
        assert not report.has_errors(), report.generate_report()


def asff(report: Report) -> list[dict[str, Any]]:
    findings = json.loads(render(report, "asff"))
    assert isinstance(findings, list)
    validate_asff(findings)
    return findings


def by_model_rule(findings: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["Resources"][0]["Id"], f["GeneratorId"]): f for f in findings}


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(fx.rich_report(), id="rich"),
        pytest.param(fx.rich_report(known=True), id="known"),
        pytest.param(fx.hostile_report(), id="hostile"),
        pytest.param(fx.empty_report(), id="empty"),
        pytest.param(fx.clean_report(), id="clean"),
    ],
)
def test_every_finding_is_valid_for_batch_import_findings(report: Report) -> None:
    asff(report)


def test_the_validator_refuses_a_broken_finding() -> None:
    finding = asff(fx.rich_report())[0]
    del finding["AwsAccountId"]
    with pytest.raises(AssertionError, match="AwsAccountId"):
        validate_asff([finding])


def test_one_finding_per_model_and_rule_that_ran() -> None:
    findings = asff(fx.rich_report())
    keys = by_model_rule(findings)
    assert len(keys) == len(findings)
    # prod 4 + research 4 + clean 4 + planned 2 (2 not applicable) + idle 0 + unread 4
    assert len(findings) == 18
    assert len({f["Id"] for f in findings}) == 18


@pytest.mark.parametrize(
    ("model", "rule", "compliance", "workflow", "label"),
    [
        pytest.param(fx.PROD, fx.KMS, "FAILED", "NEW", "CRITICAL", id="violation"),
        pytest.param(fx.PROD, fx.LR, "PASSED", "RESOLVED", "INFORMATIONAL", id="pass"),
        pytest.param(fx.PROD, fx.TAGS, "NOT_AVAILABLE", "NEW", "LOW", id="error"),
        pytest.param(fx.RESEARCH, fx.LR, "FAILED", "SUPPRESSED", "MEDIUM", id="waived"),
    ],
)
def test_status_maps_to_compliance_and_workflow(model: fx.ModelRef, rule: fx.RuleInfo,
                                                compliance: str, workflow: str,
                                                label: str) -> None:
    finding = by_model_rule(asff(fx.rich_report()))[(model.arn, rule.qualified_id)]
    assert finding["Compliance"]["Status"] == compliance
    assert finding["Workflow"]["Status"] == workflow
    assert finding["Severity"] == {"Label": label, "Original": rule.severity}
    assert finding["GeneratorId"] == rule.qualified_id
    assert finding["AwsAccountId"] == fx.ACCOUNT
    assert finding["Region"] == fx.REGION
    assert finding["ProductArn"] == (
        f"arn:aws:securityhub:{fx.REGION}:{fx.ACCOUNT}:product/{fx.ACCOUNT}/default")
    assert finding["Resources"][0]["Type"] == "Other"
    assert finding["Types"][0].startswith("Software and Configuration Checks/")


def test_waived_finding_carries_the_reason_in_a_note() -> None:
    finding = by_model_rule(asff(fx.rich_report()))[(fx.RESEARCH.arn, fx.LR.qualified_id)]
    assert finding["Note"]["Text"] == (
        "Waived until 2027-01-31: Research sandbox, approved in SEC-1234")
    assert finding["Note"]["UpdatedBy"] == "bedrock-drift"


def test_violation_carries_remediation_and_details() -> None:
    finding = by_model_rule(asff(fx.rich_report()))[(fx.PROD.arn, fx.BASE.qualified_id)]
    assert "not an allowed base model" in finding["Description"]
    assert finding["ProductFields"]["bedrock-drift/Field"] == "baseModelArn"
    assert json.loads(finding["ProductFields"]["bedrock-drift/Actual"]).endswith("llama3")
    kms = by_model_rule(asff(fx.rich_report()))[(fx.PROD.arn, fx.KMS.qualified_id)]
    assert kms["Remediation"]["Recommendation"] == {
        "Text": fx.KMS.remediation, "Url": "https://example.com/kms"}


def test_ids_are_stable_across_runs_and_differ_by_model_and_rule() -> None:
    first = [f["Id"] for f in asff(fx.rich_report())]
    later = fx.rich_report()
    later = replace(later, generated_at="2027-03-01T08:00:00Z")
    again = asff(later)
    assert [f["Id"] for f in again] == first
    assert {f["UpdatedAt"] for f in again} == {"2027-03-01T08:00:00Z"}


def test_planned_model_is_named_by_its_name() -> None:
    findings = by_model_rule(asff(fx.rich_report()))
    planned = findings[("planned-job", fx.KMS.qualified_id)]
    assert planned["AwsAccountId"] == "unknown"
    assert planned["Resources"][0]["Details"]["Other"]["Kind"] == "planned"


def test_a_model_that_could_not_be_read_is_not_available_for_every_rule() -> None:
    arn = f"arn:aws:bedrock:{fx.REGION}:{fx.ACCOUNT}:custom-model/unread"
    findings = [f for f in asff(fx.rich_report()) if f["Resources"][0]["Id"] == arn]
    assert {f["GeneratorId"] for f in findings} == {r.qualified_id for r in fx.rich_report().rules}
    assert {f["Compliance"]["Status"] for f in findings} == {"NOT_AVAILABLE"}
    assert "ThrottlingException" in findings[0]["Description"]


def test_partition_comes_from_the_model_arn() -> None:
    ref = replace(fx.CLEAN, arn="arn:aws-cn:bedrock:cn-north-1:111122223333:custom-model/x",
                  region="cn-north-1")
    report = fx.build_report(rules=(fx.KMS,), models={ref: {fx.KMS.qualified_id: Status.PASS}})
    (finding,) = asff(report)
    assert finding["ProductArn"].startswith("arn:aws-cn:securityhub:cn-north-1:")
    assert finding["Resources"][0]["Partition"] == "aws-cn"


def test_compliance_mapping_becomes_related_requirements() -> None:
    rule = replace(fx.KMS, compliance=(("NIST-800-53-r5", ("SC-28", "SC-12")),
                                       ("ISO-27001-2022", ("A.8.24",))))
    report = fx.build_report(rules=(rule,), models={fx.CLEAN: {rule.qualified_id: Status.PASS}})
    (finding,) = asff(report)
    assert finding["Compliance"]["RelatedRequirements"] == [
        "NIST-800-53-r5/SC-28", "NIST-800-53-r5/SC-12", "ISO-27001-2022/A.8.24"]


def test_long_texts_are_cut_to_security_hub_limits() -> None:
    rule = replace(fx.KMS, title="t" * 400, remediation="r" * 900)
    long = fx.finding(fx.PROD, rule, message="m" * 2000)
    report = fx.build_report(rules=(rule,), models={fx.PROD: {rule.qualified_id: Status.FAIL}},
                             violations=[long])
    (finding,) = asff(report)
    assert len(finding["Title"]) == 256
    assert len(finding["Description"]) == 1024
    assert len(finding["Remediation"]["Recommendation"]["Text"]) == 512
