"""The one reader of the JSON report: what ``merge``, ``publish`` and ``--baseline`` read.

A report file is untrusted input (an edited copy, another tool's output, a truncated
upload). :func:`read_report` accepts it only when

1. it is valid against the shipped schema, ``checker/data/report.schema.json``;
2. it is consistent: the summary counts what the lists hold, every finding's model is in
   ``models`` with that rule's status (``fail`` for a violation, ``waived`` for a waived
   one), every rule named is one of ``policies``, every model and every read is inside
   ``scanned``;
3. it round-trips: written again with :func:`checker.reports.json_report.report_dict` it
   gives the same JSON (``compliance``, which the writer derives from the rest, aside).

Anything else is an :class:`~checker.errors.InputError` naming the file and the first
problem (exit 2), before anything is done with the report.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from checker.checks.inventory import REQUIRED_ID
from checker.errors import InputError
from checker.reports.json_report import report_dict
from checker.results import (
    SEVERITY_RANK,
    Finding,
    ModelRef,
    ModelResult,
    OrganizationScan,
    PolicyInfo,
    Report,
    ReportError,
    ReportWarning,
    RuleFilters,
    RuleInfo,
    Scanned,
    Status,
    Summary,
    WaiverInfo,
)
from checker.values import parse_day

SCHEMA_FILE = Path(__file__).parents[1] / "data" / "report.schema.json"


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON report (a copy)."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


class _Bad(Exception):
    """A report that is not consistent: the message says where."""


def read_report(data: Any, name: str) -> Report:
    """The :class:`Report` a JSON report holds; InputError naming ``name`` if the data is
    not a valid, consistent JSON report (see the module docstring)."""
    if not isinstance(data, Mapping) or data.get("schema_version") != 1:
        raise InputError(f"{name}: not a bedrock-drift JSON report (schema_version 1)")
    error = next(iter(sorted(_validator().iter_errors(data), key=_error_order)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise InputError(f"{name}: not a valid bedrock-drift JSON report: at {where}: "
                         f"{_short(error.message)}")
    try:
        report = _report(data)
        _check_consistent(report, data)
        _check_round_trip(report, data)
    except _Bad as exc:
        raise InputError(f"{name}: inconsistent bedrock-drift JSON report: {exc}") from None
    return report


def _error_order(error: Any) -> tuple[int, str]:
    return (len(error.absolute_path), "/".join(map(str, error.absolute_path)))


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- building the report -------------------------------------------------------------------

def _ref(data: Mapping[str, Any]) -> ModelRef:
    return ModelRef(arn=data["model_arn"], name=data["model_name"],
                    account_id=data["account_id"], region=data["region"],
                    kind=data.get("kind", "model"), address=data.get("address"))


def _rules(policy: Mapping[str, Any]) -> tuple[RuleInfo, ...]:
    return tuple(RuleInfo(
        policy=policy["name"], id=rule["id"], severity=rule["severity"], title=rule["title"],
        labels=tuple(rule["labels"]), kind=rule["kind"], file=policy["file"], line=rule["line"],
        remediation=rule.get("remediation"), link=rule.get("link"),
        compliance=tuple((key, tuple(controls))
                         for key, controls in rule.get("compliance", {}).items()),
        served_severity=rule.get("served_severity")) for rule in policy["rules"])


def _finding(data: Mapping[str, Any], rules: Mapping[str, RuleInfo], where: str) -> Finding:
    rule = rules.get(f"{data['policy']}/{data['rule']}")
    if rule is None:
        raise _Bad(f"{where}: rule {data['policy']}/{data['rule']} is not one of the "
                   "report's policies")
    waiver = None
    if "waiver" in data:
        expires = parse_day(data["waiver"]["expires"])
        if expires is None:
            raise _Bad(f"{where}: waiver expiry {data['waiver']['expires']!r} is not a date")
        waiver = WaiverInfo(reason=data["waiver"]["reason"], expires=expires,
                            policy=rule.policy, file=rule.file, line=rule.line)
    return Finding(model=_ref(data), rule=rule, field=data["field"], expected=data["expected"],
                   actual=data["actual"], message=data["message"], waiver=waiver,
                   known=bool(data.get("known", False)), severity=data["severity"],
                   exposure=data.get("exposure"))


def _organization(data: Mapping[str, Any] | None) -> OrganizationScan | None:
    if data is None:
        return None
    accounts = data["accounts"]
    return OrganizationScan(id=data["id"], ous=tuple(data["ous"]), read=tuple(accounts["read"]),
                            skipped=tuple(accounts["skipped"]),
                            failed=tuple(accounts["failed"]))


def _report(data: Mapping[str, Any]) -> Report:
    scanned = data["scanned"]
    policies = tuple(PolicyInfo(p["name"], p["file"], p["sha256"], _rules(p),
                                dict(p["variables"])) for p in data["policies"])
    names = [p.name for p in policies]
    if len(set(names)) != len(names):
        raise _Bad("policies: a policy name is given twice")
    rules = {r.qualified_id: r for p in policies for r in p.rules}
    if len(rules) != sum(len(p.rules) for p in policies):
        raise _Bad("policies: a rule id is given twice in one policy")
    summary = data["summary"]
    return Report(
        tool_version=data["tool"]["version"],
        generated_at=data["generated_at"],
        scanned=Scanned(
            sources=tuple(scanned["sources"]), accounts=tuple(scanned["accounts"]),
            regions=tuple(scanned["regions"]),
            organization=_organization(scanned.get("organization")),
            models=tuple(scanned.get("models", ())),
            reads=tuple((r["account_id"], r["region"]) for r in scanned.get("reads", ())),
            include_imported=bool(scanned.get("include_imported", False))),
        policies=policies,
        models=tuple(ModelResult(model=_ref(m), result=m["result"],
                                 results={k: Status(v) for k, v in m["results"].items()})
                     for m in data["models"]),
        violations=tuple(_finding(v, rules, f"violations[{n}]")
                         for n, v in enumerate(data["violations"])),
        waived=tuple(_finding(w, rules, f"waived[{n}]") for n, w in enumerate(data["waived"])),
        warnings=tuple(ReportWarning(w["code"], w["message"]) for w in data["warnings"]),
        errors=tuple(ReportError(code=e["code"], message=e["message"],
                                 model_arn=e["model_arn"], model_name=e["model_name"],
                                 region=e["region"], rule=e["rule"],
                                 account_id=e["account_id"], address=e.get("address"))
                     for e in data["errors"]),
        summary=Summary(**{key: summary[key] for key in (
            "models", "policies", "rules", "violations", "waived", "errors", "not_evaluated",
            "result")}),
        fail_on=data["fail_on"],
        rule_filters=RuleFilters(tuple(data["rule_filters"]["rule"]),
                                 tuple(data["rule_filters"]["skip_rule"])),
        framework=data.get("framework"),
    )


# --- consistency ---------------------------------------------------------------------------

def _is_missing(finding: Finding) -> bool:
    """An inventory ``required`` finding about a name no model matched: it has no model."""
    return (finding.rule.id == REQUIRED_ID and finding.model.arn is None
            and finding.field == "modelName" and finding.expected == "present")


def _model_key(ref: ModelRef) -> tuple[str | None, ...]:
    return (ref.arn, ref.name, ref.account_id, ref.region, ref.kind, ref.address)


def _check_consistent(report: Report, data: Mapping[str, Any]) -> None:
    _check_summary(report)
    _check_reads(report)
    models = _check_models(report)
    _check_findings(report, models)
    del data


def _check_summary(report: Report) -> None:
    """The summary counts what the report holds, and its result follows from it."""
    summary, rules = report.summary, {r.qualified_id for r in report.rules}
    counts = {"models": len(report.models), "policies": len(report.policies),
              "rules": len(rules), "violations": len(report.violations),
              "waived": len(report.waived), "errors": len(report.errors),
              "not_evaluated": sum(1 for m in report.models if m.result == "not_applicable")}
    for key, count in counts.items():
        if getattr(summary, key) != count:
            raise _Bad(f"summary.{key} is {getattr(summary, key)} but the report holds {count}")
    gating = any(SEVERITY_RANK[v.severity] >= SEVERITY_RANK[report.fail_on] and not v.known
                 for v in report.violations)
    if report.errors and summary.result != "error":
        raise _Bad(f"summary.result is {summary.result!r} but the report has errors")
    if summary.result == "pass" and gating:
        raise _Bad("summary.result is 'pass' but a violation at or above fail_on is not known")
    if summary.result == "fail" and not gating:
        raise _Bad("summary.result is 'fail' but no violation at or above fail_on is new")


def _check_reads(report: Report) -> None:
    scanned = report.scanned
    accounts, regions = set(scanned.accounts), set(scanned.regions)
    for account, region in scanned.reads:
        if account not in accounts or region not in regions:
            raise _Bad(f"scanned.reads names {account}/{region}, which scanned.accounts and "
                       "scanned.regions do not hold")


def _check_models(report: Report) -> dict[tuple[str | None, ...], ModelResult]:
    """Each model listed once, judged by the report's own rules, inside what was scanned;
    the models by key."""
    scanned, rules = report.scanned, {r.qualified_id for r in report.rules}
    accounts, regions = set(scanned.accounts), set(scanned.regions)
    live = "aws" in scanned.sources
    models: dict[tuple[str | None, ...], ModelResult] = {}
    for number, model in enumerate(report.models):
        ref = model.model
        where = f"models[{number}]"
        if _model_key(ref) in models:
            raise _Bad(f"{where}: the model {ref.display_name!r} is listed twice")
        models[_model_key(ref)] = model
        for rule in model.results:
            if rule not in rules:
                raise _Bad(f"{where}: rule {rule} is not one of the report's policies")
        if live and ref.region is not None and ref.region not in regions:
            raise _Bad(f"{where}: region {ref.region} is not in scanned.regions")
        if live and ref.account_id is not None and ref.account_id not in accounts:
            raise _Bad(f"{where}: account {ref.account_id} is not in scanned.accounts")
    return models


def _check_findings(report: Report,
                    models: Mapping[tuple[str | None, ...], ModelResult]) -> None:
    """Each finding with its model, whose result for the rule says the same."""
    for kind, findings, status in (("violations", report.violations, Status.FAIL),
                                   ("waived", report.waived, Status.WAIVED)):
        for number, finding in enumerate(findings):
            if status is Status.WAIVED and finding.waiver is None:
                raise _Bad(f"{kind}[{number}]: a waived finding without its waiver")
            found = models.get(_model_key(finding.model))
            if found is None:
                if _is_missing(finding):
                    continue
                raise _Bad(f"{kind}[{number}]: its model {finding.model.display_name!r} is "
                           "not in models")
            got = found.results.get(finding.rule.qualified_id)
            if got is not status:
                raise _Bad(f"{kind}[{number}]: its model's result for "
                           f"{finding.rule.qualified_id} is {got or 'missing'}, not {status}")


def _check_round_trip(report: Report, data: Mapping[str, Any]) -> None:
    again = report_dict(report, with_compliance=False)
    for key, value in data.items():
        if key == "compliance":
            continue  # derived from the rest by the writer
        if again.get(key) != value:
            raise _Bad(_first_difference(key, value, again.get(key)))
    for key in again:
        if key not in data:
            raise _Bad(f"{key} is missing")


def _first_difference(path: str, read: Any, written: Any) -> str:
    if isinstance(read, Mapping) and isinstance(written, Mapping):
        for key in [*read, *(k for k in written if k not in read)]:
            if read.get(key) != written.get(key):
                return _first_difference(f"{path}.{key}", read.get(key), written.get(key))
    if isinstance(read, Sequence) and isinstance(written, Sequence) \
            and not isinstance(read, str) and len(read) == len(written):
        for index, (a, b) in enumerate(zip(read, written, strict=True)):
            if a != b:
                return _first_difference(f"{path}[{index}]", a, b)
    return f"{path} does not agree with the rest of the report"
