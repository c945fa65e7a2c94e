"""OCSF: the findings as Compliance Finding events (class 2003) of OCSF 1.5.0, with the cloud
and datetime profiles (``cloud``; ``time_dt`` and ``created_time_dt``), which the events
declare in ``metadata.profiles``, as OCSF data lakes read them (for Amazon Security Lake, see
docs/findings.md: it takes Parquet).

One event per (model, rule) that ran and applied, as in the ASFF report and with the same
``finding_info.uid``. ``compliance.status_id`` says Pass, Fail or, for a rule that could not
be judged, Warning ("did not yield a result due to missing information"); the finding's own
``status_id`` is Resolved for a pass, Suppressed for a waived violation and New otherwise.
Passed findings take severity Informational (the rule's severity stays in ``unmapped``),
as Security Hub does. The output is a JSON array with one event per line.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from checker import INFORMATION_URI, TOOL_NAME
from checker.policy.frameworks import requirement_ids
from checker.reports.asff import _ENCODE, finding_id
from checker.reports.outcomes import RuleOutcome, partition_of, rule_outcomes
from checker.reports.streamed import Records, hole
from checker.reports.wording import format_value
from checker.results import ModelRef, Report, Status

OCSF_VERSION = "1.5.0"
CLASS_UID = 2003  # Compliance Finding
CATEGORY_UID = 2  # Findings
ACTIVITY_CREATE = 1
SEVERITY_IDS = {"info": (1, "Informational"), "low": (2, "Low"), "medium": (3, "Medium"),
                "high": (4, "High"), "critical": (5, "Critical")}
# The finding's status (OCSF's Finding status_id).
FINDING_STATUS = {Status.PASS: (4, "Resolved"), Status.FAIL: (1, "New"),
                  Status.WAIVED: (3, "Suppressed"), Status.ERROR: (1, "New")}
# The compliance check's status (OCSF's compliance status_id): Pass, Fail, Warning.
COMPLIANCE_STATUS = {Status.PASS: 1, Status.FAIL: 3, Status.WAIVED: 3, Status.ERROR: 2}
AWS_ACCOUNT_TYPE = 10


def epoch_ms(timestamp: str) -> int:
    """Milliseconds since the epoch of an ISO-8601 UTC timestamp ('...Z')."""
    return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)


def _message(outcome: RuleOutcome) -> str:
    rule, finding = outcome.rule, outcome.finding
    if outcome.status is Status.PASS:
        return f"The model holds to {rule.qualified_id}."
    if outcome.status is Status.ERROR:
        if outcome.error is not None:
            return f"Could not be judged ({outcome.error.code}): {outcome.error.message}"
        return "Could not be judged."
    assert finding is not None
    if finding.field:
        return (f"{finding.message}: {finding.field}: expected {finding.expected}, actual "
                f"{format_value(finding.actual)}")
    return finding.message


def _unmapped(outcome: RuleOutcome) -> dict[str, Any]:
    """What OCSF has no attribute for: the rule, the result, the finding's values."""
    model, rule, status = outcome.model, outcome.rule, outcome.status
    unmapped: dict[str, Any] = {"policy": rule.policy, "rule": rule.id,
                                "result": status.value, "rule_severity": rule.severity,
                                "kind": model.kind}
    if rule.labels:
        unmapped["labels"] = list(rule.labels)
    finding = outcome.finding
    if finding is not None:
        unmapped |= {"field": finding.field, "expected": finding.expected,
                     "actual": finding.actual}
        if finding.known:
            unmapped["known"] = True
        if finding.exposure is not None:
            unmapped["exposure"] = finding.exposure
        if finding.waiver is not None:
            unmapped["waiver"] = {"reason": finding.waiver.reason,
                                  "expires": finding.waiver.expires.isoformat()}
    if outcome.error is not None:
        unmapped["error"] = {"code": outcome.error.code, "message": outcome.error.message}
    return unmapped


def _resource(model: ModelRef, model_key: str) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": model.kind}
    if model.address:
        data["terraform_address"] = model.address
    resource: dict[str, Any] = {"uid": model.arn or model.address or model.name or model_key,
                                "type": "AWS::::Account" if model.is_account
                                else "AWS::Bedrock::CustomModel",
                                "cloud_partition": partition_of(model.arn),
                                "data": data}
    if model.name:
        resource["name"] = model.name
    if model.region:
        resource["region"] = model.region
    return resource


def _cloud(account: str, region: str) -> dict[str, Any]:
    return {"provider": "AWS", "region": region,
            "account": {"uid": account, "name": account, "type_id": AWS_ACCOUNT_TYPE,
                        "type": "AWS Account"}}


def ocsf_event(outcome: RuleOutcome, generated_at: str, time: int,
               tool_version: str) -> dict[str, Any]:
    """One Compliance Finding event for one (model, rule) outcome."""
    model, rule, status = outcome.model, outcome.rule, outcome.status
    account = model.account_id or "unknown"
    region = model.region or "unknown"
    model_key = model.fingerprint_key
    severity = outcome.severity
    severity_id, severity_name = SEVERITY_IDS["info" if status is Status.PASS else severity]
    status_id, status_name = FINDING_STATUS[status]
    check_id = COMPLIANCE_STATUS[status]
    compliance: dict[str, Any] = {
        "control": rule.qualified_id,
        "standards": [key for key, _ in rule.compliance] or [f"{TOOL_NAME}:{rule.policy}"],
        "status_id": check_id,
    }
    requirements = requirement_ids(rule.compliance)
    if requirements:
        compliance["requirements"] = requirements
    if rule.description:
        compliance["desc"] = rule.description
    unmapped = _unmapped(outcome)
    finding = outcome.finding
    event: dict[str, Any] = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Compliance Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time,
        "time_dt": generated_at,
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": status_id,
        "status": status_name,
        "message": _message(outcome),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": TOOL_NAME, "vendor_name": TOOL_NAME, "version": tool_version,
                        "url_string": INFORMATION_URI},
            "profiles": ["cloud", "datetime"],
        },
        "finding_info": {
            "uid": finding_id(account, region, model_key, rule.qualified_id),
            "title": rule.title or rule.qualified_id,
            "desc": _message(outcome),
            "types": [f"{TOOL_NAME}/{rule.policy}"],
            "created_time": time,
            "created_time_dt": generated_at,
        },
        "compliance": compliance,
        "resources": [_resource(model, model_key)],
        "cloud": _cloud(account, region),
        "unmapped": unmapped,
    }
    if status is Status.WAIVED and finding is not None and finding.waiver is not None:
        event["status_detail"] = (f"Waived until {finding.waiver.expires.isoformat()}: "
                                  f"{finding.waiver.reason}")
    elif outcome.error is not None:
        event["status_detail"] = outcome.error.code
    if rule.remediation or rule.link:
        remediation: dict[str, Any] = {"desc": rule.remediation or f"See {rule.link}"}
        if rule.link:
            remediation["references"] = [rule.link]
        event["remediation"] = remediation
    return event


def ocsf_events(report: Report) -> Iterator[dict[str, Any]]:
    time = epoch_ms(report.generated_at)
    for outcome in rule_outcomes(report):
        yield ocsf_event(outcome, report.generated_at, time, report.tool_version)


class _Texts(Records):
    """The text of each event, as asff's _ENCODE writes ocsf_event's dict: a passed
    outcome's from its rule's template (streamed.Records)."""

    def __init__(self, report: Report) -> None:
        time = epoch_ms(report.generated_at)
        super().__init__(lambda outcome: ocsf_event(outcome, report.generated_at, time,
                                                    report.tool_version), _ENCODE)
        self.keys = ("", "", "")  # the model's account, region and key

    def holed(self, record: dict[str, Any]) -> dict[str, Any]:
        record["finding_info"]["uid"] = hole("uid")
        record["unmapped"]["kind"] = hole("kind")
        record.update(resources=hole("resources"), cloud=hole("cloud"))
        return record

    def model_texts(self, model: ModelRef) -> dict[str, str]:
        account = model.account_id or "unknown"
        region = model.region or "unknown"
        self.keys = (account, region, model.fingerprint_key)
        return {"resources": _ENCODE([_resource(model, self.keys[2])]),
                "cloud": _ENCODE(_cloud(account, region)),
                "kind": encode_basestring(model.kind)}

    def record_texts(self, outcome: RuleOutcome, texts: dict[str, str]) -> None:
        texts["uid"] = encode_basestring(finding_id(*self.keys, outcome.rule.qualified_id))


def ocsf_chunks(report: Report, *, color: bool = False) -> Iterator[str]:
    """The OCSF array as it is made (see render_ocsf)."""
    return _Texts(report).chunks(rule_outcomes(report))


def render_ocsf(report: Report, *, color: bool = False) -> str:
    """The report as a JSON array of OCSF Compliance Finding events. ``color`` is ignored."""
    return "".join(ocsf_chunks(report))

