"""The JSON report (schema_version 1): a stable interface and an audit record."""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any

from checker import TOOL_NAME
from checker.results import Finding, Report, ReportError, Status

SCHEMA_VERSION = 1
# Status.value through the enum machinery, once per model and rule, is measurably slow.
_STATUS_TEXT = {status: status.value for status in Status}


def finding_dict(finding: Finding) -> dict[str, Any]:
    model, rule = finding.model, finding.rule
    data: dict[str, Any] = {
        "model_arn": model.arn,
        "model_name": model.name,
        "account_id": model.account_id,
        "region": model.region,
        "kind": model.kind,
        "policy": rule.policy,
        "rule": rule.id,
        "severity": rule.severity,
        "title": rule.title,
        "labels": list(rule.labels),
        "field": finding.field,
        "expected": finding.expected,
        "actual": finding.actual,
        "message": finding.message,
    }
    if rule.remediation:
        data["remediation"] = rule.remediation
    if finding.known:
        data["known"] = True
    if finding.waiver is not None:
        data["waiver"] = {"reason": finding.waiver.reason,
                          "expires": finding.waiver.expires.isoformat()}
    return data


def error_dict(error: ReportError) -> dict[str, Any]:
    return {
        "model_arn": error.model_arn,
        "model_name": error.model_name,
        "account_id": error.account_id,
        "region": error.region,
        "rule": error.rule,
        "code": error.code,
        "message": error.message,
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The report as JSON data, keys in the documented order."""
    summary = report.summary
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "generated_at": report.generated_at,
        "scanned": {"sources": list(report.scanned.sources),
                    "accounts": list(report.scanned.accounts),
                    "regions": list(report.scanned.regions)},
        "fail_on": report.fail_on,
        "policies": [
            {"name": p.name, "file": p.file, "sha256": p.sha256,
             "rules": [{"id": r.id, "severity": r.severity, "title": r.title,
                        "labels": list(r.labels), "kind": r.kind, "line": r.line}
                       for r in p.rules]}
            for p in report.policies
        ],
        "summary": {
            "models": summary.models,
            "policies": summary.policies,
            "rules": summary.rules,
            "violations": summary.violations,
            "waived": summary.waived,
            "errors": summary.errors,
            "not_evaluated": summary.not_evaluated,
            "result": summary.result,
        },
        "models": [
            {"model_arn": m.model.arn, "model_name": m.model.name,
             "account_id": m.model.account_id, "region": m.model.region,
             "kind": m.model.kind, "result": m.result,
             "results": {rule: _STATUS_TEXT[status] for rule, status in m.results.items()}}
            for m in report.models
        ],
        "violations": [finding_dict(v) for v in report.violations],
        "waived": [finding_dict(w) for w in report.waived],
        "warnings": [{"code": w.code, "message": w.message} for w in report.warnings],
        "errors": [error_dict(e) for e in report.errors],
    }


def render_json(report: Report, *, color: bool = False) -> str:
    return dumps_indented(report_dict(report)) + "\n"


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, character for character.

    With ``indent`` the standard library leaves its C encoder for a pure-Python one, which
    made writing a large report (10,000 models) cost more than judging them. This writer
    produces the same text with the C string escaper and no generators.
    """
    parts: list[str] = []
    _write(value, parts.append, "")
    return "".join(parts)


_INFINITY = float("inf")
_ONLY_STRINGS = {str}


def _float(value: float) -> str:
    # As json.dumps writes floats (allow_nan=True).
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    # As json.dumps turns the keys it accepts into strings.
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _write(value: Any, out: Callable[[str], None], indent: str) -> None:
    # The same type tests, in the same order, as json.encoder's _iterencode.
    if isinstance(value, str):
        out(encode_basestring(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(int.__repr__(value))
    elif isinstance(value, float):
        out(_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out("[]")
            return
        inner = indent + "  "
        separator = "[\n" + inner
        for item in value:
            if type(item) is str:  # labels, say
                out(separator + encode_basestring(item))
            else:
                out(separator)
                _write(item, out, inner)
            separator = ",\n" + inner
        out("\n" + indent + "]")
    elif isinstance(value, dict):
        if not value:
            out("{}")
            return
        inner = indent + "  "
        if set(map(type, value.values())) == _ONLY_STRINGS:  # a model's results, say
            lines = (",\n" + inner).join([
                f"{encode_basestring(key if type(key) is str else _key(key))}: "
                f"{encode_basestring(item)}" for key, item in value.items()])
            out(f"{{\n{inner}{lines}\n{indent}}}")
            return
        separator = "{\n" + inner
        for key, item in value.items():
            name = encode_basestring(key if type(key) is str else _key(key))
            # Most values are strings or null: one piece instead of a recursive call.
            if type(item) is str:
                out(f"{separator}{name}: {encode_basestring(item)}")
            elif item is None:
                out(f"{separator}{name}: null")
            else:
                out(f"{separator}{name}: ")
                _write(item, out, inner)
            separator = ",\n" + inner
        out("\n" + indent + "}")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
