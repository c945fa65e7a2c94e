"""AWS Security Finding Format: the findings as Security Hub's ``BatchImportFindings`` takes
them.

One finding per (model, rule) that ran and applied: ``FAILED`` for a violation (waived ones
with ``Workflow.Status: SUPPRESSED`` and the waiver in ``Note``), ``PASSED`` for a pass,
``NOT_AVAILABLE`` for an error. A finding's ``Id`` depends only on the account, region, model
and rule, so a later run updates the same finding in Security Hub instead of adding one.
The output is a JSON array with one finding per line: a report of 10,000 models and 50
rules holds half a million findings, which an indented array would make four times longer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any

from checker import TOOL_NAME
from checker.policy.frameworks import requirement_ids
from checker.reports.outcomes import RuleOutcome, partition_of, rule_outcomes
from checker.reports.streamed import Records, hole
from checker.reports.wording import format_value
from checker.results import ModelRef, Report, RuleInfo, Status

SCHEMA_VERSION = "2018-10-08"
SEVERITY_LABELS = {"info": "INFORMATIONAL", "low": "LOW", "medium": "MEDIUM", "high": "HIGH",
                   "critical": "CRITICAL"}
COMPLIANCE_STATUS = {Status.PASS: "PASSED", Status.FAIL: "FAILED", Status.WAIVED: "FAILED",
                     Status.ERROR: "NOT_AVAILABLE"}
# Security Hub's own controls mark passed findings resolved; a waived one is suppressed.
WORKFLOW_STATUS = {Status.PASS: "RESOLVED", Status.FAIL: "NEW", Status.WAIVED: "SUPPRESSED",
                   Status.ERROR: "NEW"}
# Findings this tool imports are told apart from every other product's by this field.
GENERATOR_FIELD = f"{TOOL_NAME}/Generator"
# ProductFields publish reads back from the hub's copy.
POLICY_FIELD = f"{TOOL_NAME}/Policy"
STATUS_FIELD = f"{TOOL_NAME}/Status"
KIND_FIELD = f"{TOOL_NAME}/ModelKind"
# Added by publish: the policy version (its file's SHA-256) a finding was judged by.
SHA_FIELD = f"{TOOL_NAME}/PolicySha256"
UNKNOWN = "unknown"

# Security Hub's documented limits on a finding's fields.
MAX_ID = 512
MAX_TITLE = 256
MAX_DESCRIPTION = 1024
MAX_TEXT = 512  # Remediation.Recommendation.Text, Note.Text
MAX_FIELD_VALUE = 2048  # ProductFields values
MAX_OTHER_VALUE = 1024  # Resources[].Details.Other values
MAX_TYPE = 128  # one Types entry (namespace/category/classifier), a conservative bound
MAX_REQUIREMENTS = 32


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, its end replaced by an ellipsis if cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def is_web_link(link: str | None) -> bool:
    """Whether ``link`` may be sent as a URL (``SourceUrl``, a recommendation's ``Url``):
    ``http`` and ``https`` only."""
    return isinstance(link, str) and link.lower().startswith(("https://", "http://"))


def generator_id(rule_id: str) -> str:
    """A rule's ``GeneratorId``: its policy/rule id, or a digest of it past 512 characters."""
    if len(rule_id) <= MAX_ID:
        return rule_id
    return f"{TOOL_NAME}/sha256-{hashlib.sha256(rule_id.encode('utf-8')).hexdigest()}"


def finding_id(account: str, region: str, model_key: str, rule_id: str) -> str:
    """Stable for (account, region, model, policy/rule) across runs."""
    plain = f"{TOOL_NAME}/{account}/{region}/{model_key}/{rule_id}"
    if len(plain) <= MAX_ID:
        return plain
    digest = hashlib.sha256(plain.encode("utf-8")).hexdigest()
    return f"{TOOL_NAME}/{account}/{region}/sha256-{digest}"


def product_arn(partition: str, region: str, account: str) -> str:
    """The account's default product: what findings of a custom integration are filed under."""
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def _description(outcome: RuleOutcome) -> str:
    rule, finding = outcome.rule, outcome.finding
    if outcome.status is Status.PASS:
        return f"The model holds to {rule.qualified_id}: {rule.title}."
    if outcome.status is Status.ERROR:
        if outcome.error is not None:
            return (f"Could not be judged ({outcome.error.code}): {outcome.error.message}")
        return "Could not be judged."
    assert finding is not None
    parts = [finding.message]
    if finding.field:
        parts.append(f"{finding.field}: expected {finding.expected}, actual "
                     f"{format_value(finding.actual)}")
    return ". ".join(p.rstrip(".") for p in parts if p) + "."


class FindingParts:
    """What every finding of one model, or of one rule, shares: made once per model (the
    findings of a model come one after the other; only the last model's are kept, so the
    parts of 100,000 models are never all in memory) and once per rule."""

    def __init__(self) -> None:
        self.last: tuple[tuple[str | None, str | None, str, str | None], tuple[Any, ...]] \
            | None = None
        self.rules: dict[int, tuple[Any, ...]] = {}

    def model(self, model: ModelRef) -> tuple[Any, ...]:
        key = (model.arn, model.name, model.kind, model.address)
        parts = self.last[1] if self.last is not None and self.last[0] == key else None
        if parts is None:
            partition = partition_of(model.arn)
            model_key = model.fingerprint_key
            resource: dict[str, Any] = {"Type": "Other",
                                        "Id": model.arn or model.address or model.name
                                        or model_key,
                                        "Partition": partition}
            if model.is_account and model.account_id:
                # An account's settings in a region (resource: account policies).
                resource.update(Type="AwsAccount", Id=f"AWS::::Account:{model.account_id}")
            if model.region:
                resource["Region"] = model.region
            details = {"ModelName": model.name, "Kind": model.kind,
                       "TerraformAddress": model.address}
            resource["Details"] = {"Other": {k: cut(v, MAX_OTHER_VALUE)
                                             for k, v in details.items() if v}}
            parts = (model.account_id or UNKNOWN, model.region or UNKNOWN, partition,
                     model_key, resource)
            self.last = (key, parts)
        return parts

    def rule(self, rule: RuleInfo) -> tuple[Any, ...]:
        parts = self.rules.get(id(rule))
        if parts is None:
            remediation = None
            link = rule.link if is_web_link(rule.link) else None
            if rule.remediation or link:
                recommendation: dict[str, str] = {
                    "Text": cut(rule.remediation or f"See {link}", MAX_TEXT)}
                if link:
                    recommendation["Url"] = link
                remediation = {"Recommendation": recommendation}
            parts = self.rules[id(rule)] = (
                generator_id(rule.qualified_id),
                requirement_ids(rule.compliance)[:MAX_REQUIREMENTS],
                [cut(f"Software and Configuration Checks/{TOOL_NAME}/{rule.policy}",
                      MAX_TYPE)], remediation)
        return parts


def asff_finding(outcome: RuleOutcome, generated_at: str, tool_version: str,
                 parts: FindingParts | None = None) -> dict[str, Any]:
    """One ASFF finding for one (model, rule) outcome."""
    parts = parts or FindingParts()
    model, rule, status = outcome.model, outcome.rule, outcome.status
    account, region, partition, model_key, resource = parts.model(model)
    rule_id, requirements, types, remediation = parts.rule(rule)
    passed = status is Status.PASS
    severity = outcome.severity
    label = {"Label": "INFORMATIONAL" if passed else SEVERITY_LABELS[severity],
             "Original": severity}
    fields: dict[str, str] = {
        GENERATOR_FIELD: TOOL_NAME,
        f"{TOOL_NAME}/ToolVersion": tool_version,
        POLICY_FIELD: cut(rule.policy, MAX_FIELD_VALUE),
        f"{TOOL_NAME}/Rule": cut(rule.id, MAX_FIELD_VALUE),
        STATUS_FIELD: status.value,
        f"{TOOL_NAME}/Severity": severity,
        KIND_FIELD: model.kind,
    }
    if model.name:
        fields[f"{TOOL_NAME}/ModelName"] = cut(model.name, MAX_FIELD_VALUE)
    if model.address:
        fields[f"{TOOL_NAME}/TerraformAddress"] = cut(model.address, MAX_FIELD_VALUE)
    if rule.labels:
        fields[f"{TOOL_NAME}/Labels"] = cut(", ".join(rule.labels), MAX_FIELD_VALUE)
    finding = outcome.finding
    if finding is not None:
        if finding.field:
            fields[f"{TOOL_NAME}/Field"] = cut(finding.field, MAX_FIELD_VALUE)
        if finding.expected is not None:
            fields[f"{TOOL_NAME}/Expected"] = cut(finding.expected, MAX_FIELD_VALUE)
        fields[f"{TOOL_NAME}/Actual"] = cut(
            json.dumps(finding.actual, ensure_ascii=False, default=str), MAX_FIELD_VALUE)
        if finding.known:
            fields[f"{TOOL_NAME}/Known"] = "true"
        if finding.exposure is not None:
            # The severity is the rule's served_severity: the model is served, or that is
            # not known.
            fields[f"{TOOL_NAME}/Exposure"] = finding.exposure
    if outcome.error is not None:
        fields[f"{TOOL_NAME}/ErrorCode"] = cut(outcome.error.code, MAX_FIELD_VALUE)
    compliance: dict[str, Any] = {"Status": COMPLIANCE_STATUS[status]}
    if requirements:
        compliance["RelatedRequirements"] = requirements
    data: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(account, region, model_key, rule_id),
        "ProductArn": product_arn(partition, region, account),
        "ProductName": TOOL_NAME,
        "CompanyName": TOOL_NAME,
        "Region": region,
        "GeneratorId": rule_id,
        "AwsAccountId": account,
        "Types": types,
        "CreatedAt": generated_at,
        "UpdatedAt": generated_at,
        "LastObservedAt": generated_at,
        "Severity": label,
        "Title": cut(f"{rule.title or rule_id} ({model.name or model_key})", MAX_TITLE),
        "Description": cut(_description(outcome), MAX_DESCRIPTION),
        "ProductFields": fields,
        "Resources": [resource],
        "Compliance": compliance,
        "Workflow": {"Status": WORKFLOW_STATUS[status]},
        "RecordState": "ACTIVE",
        # Security Hub takes later changes of severity and types from here only.
        "FindingProviderFields": {"Severity": label, "Types": types},
    }
    if remediation is not None:
        data["Remediation"] = remediation
    if is_web_link(rule.link):
        data["SourceUrl"] = rule.link
    if status is Status.WAIVED and finding is not None and finding.waiver is not None:
        waiver = finding.waiver
        data["Note"] = {
            "Text": cut(f"Waived until {waiver.expires.isoformat()}: {waiver.reason}",
                         MAX_TEXT),
            "UpdatedBy": TOOL_NAME,
            "UpdatedAt": generated_at,
        }
    return data


def asff_findings(report: Report) -> Iterator[dict[str, Any]]:
    """Every finding of the report, one at a time."""
    parts = FindingParts()
    for outcome in rule_outcomes(report):
        yield asff_finding(outcome, report.generated_at, report.tool_version, parts)


# json.dumps(item, ensure_ascii=False, default=str), without a new encoder per item.
_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode
# Items per chunk a streamed array is written in.
BATCH = 500
# The fields of a passed finding that differ from model to model, by the name of the text
# that fills them in its rule's template (all else is the rule's): top-level keys, then
# ProductFields' keys.
_MODEL_KEYS = ("Id", "ProductArn", "Region", "AwsAccountId", "Title", "Resources")
_MODEL_FIELDS = {KIND_FIELD: "Kind", f"{TOOL_NAME}/ModelName": "ModelName",
                 f"{TOOL_NAME}/TerraformAddress": "TerraformAddress"}


class _Texts(Records):
    """The text of each finding, as _ENCODE writes asff_finding's dict: a passed finding's
    from its rule's template (streamed.Records)."""

    def __init__(self, report: Report) -> None:
        self.parts = FindingParts()
        super().__init__(lambda outcome: asff_finding(outcome, report.generated_at,
                                                      report.tool_version, self.parts),
                         _ENCODE)
        self.keys = ("", "", "")  # the model's account, region and key
        self.rule_ids: dict[int, str] = {}

    def shape(self, model: ModelRef) -> Any:
        # ProductFields has a model's name and Terraform address only when it has them.
        return (bool(model.name), bool(model.address))

    def holed(self, record: dict[str, Any]) -> dict[str, Any]:
        record.update({key: hole(key) for key in _MODEL_KEYS})
        fields = record["ProductFields"]
        for key, name in _MODEL_FIELDS.items():
            if key in fields:
                fields[key] = hole(name)
        return record

    def model_texts(self, model: ModelRef) -> dict[str, str]:
        account, region, partition, model_key, resource = self.parts.model(model)
        self.keys = (account, region, model_key)
        text = encode_basestring
        texts = {"ProductArn": text(product_arn(partition, region, account)),
                 "Region": text(region), "AwsAccountId": text(account),
                 "Resources": _ENCODE([resource]), "Kind": text(model.kind)}
        if model.name:
            texts["ModelName"] = text(cut(model.name, MAX_FIELD_VALUE))
        if model.address:
            texts["TerraformAddress"] = text(cut(model.address, MAX_FIELD_VALUE))
        return texts

    def record_texts(self, outcome: RuleOutcome, texts: dict[str, str]) -> None:
        rule = outcome.rule
        rule_id = self.rule_ids.get(id(rule))
        if rule_id is None:
            rule_id = self.rule_ids[id(rule)] = self.parts.rule(rule)[0]
        texts["Id"] = encode_basestring(finding_id(*self.keys, rule_id))
        texts["Title"] = encode_basestring(
            cut(f"{rule.title or rule_id} ({outcome.model.name or self.keys[2]})", MAX_TITLE))


def array_chunks(items: Iterable[Any]) -> Iterator[str]:
    """A JSON array with one compact item per line (``[]`` for none), in chunks made as
    ``items`` are: the whole array never exists as one string."""
    return lines_chunks(map(_ENCODE, items))


def lines_chunks(lines: Iterable[str]) -> Iterator[str]:
    """array_chunks of items already written, one text each."""
    batch: list[str] = []
    opening = "[\n"
    for line in lines:
        batch.append(line)
        if len(batch) == BATCH:
            yield opening + ",\n".join(batch)
            opening, batch = ",\n", []
    if batch:
        yield opening + ",\n".join(batch)
        opening = ",\n"
    yield "[]\n" if opening == "[\n" else "\n]\n"


def dumps_array(items: Iterable[Any]) -> str:
    """A JSON array with one compact item per line (``[]`` for none)."""
    return "".join(array_chunks(items))


def asff_chunks(report: Report, *, color: bool = False) -> Iterator[str]:
    """The ASFF array as it is made (see render_asff)."""
    return _Texts(report).chunks(rule_outcomes(report))


def render_asff(report: Report, *, color: bool = False) -> str:
    """The report as a JSON array of ASFF findings. ``color`` is ignored."""
    return "".join(asff_chunks(report))
