"""Combining JSON reports of sharded runs (one per account, say) into one report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from checker import __version__
from checker.checks.inventory import EXISTING_KINDS, REQUIRED_ID
from checker.engine.evaluate import summarize
from checker.errors import InputError, UsageError
from checker.results import (
    EXPOSURES,
    SCHEMA_VERSION,
    SEVERITIES,
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
    Severity,
    Status,
    WaiverInfo,
    as_severity,
)
from checker.values import compile_globs, parse_day


def _severity(value: Any) -> Severity:
    """A severity read back; ValueError (a malformed report) for anything else."""
    return as_severity(value)


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"scanned.models {value!r} is not a list of names")
    return tuple(value)


def _rule_infos(policies: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], RuleInfo]:
    infos: dict[tuple[str, str], RuleInfo] = {}
    for policy in policies:
        for rule in policy.get("rules", []):
            infos[(policy["name"], rule["id"])] = RuleInfo(
                policy=policy["name"], id=rule["id"], severity=_severity(rule["severity"]),
                title=rule.get("title") or rule["id"], labels=tuple(rule.get("labels", [])),
                kind=rule.get("kind", "require"), file=policy.get("file", ""),
                line=int(rule.get("line", 1)), remediation=rule.get("remediation"),
                link=rule.get("link"),
                compliance=tuple((str(key), tuple(map(str, controls)))
                                 for key, controls in rule.get("compliance", {}).items()),
                served_severity=_severity(rule["served_severity"])
                if rule.get("served_severity") in SEVERITIES else None)
    return infos


def _finding(data: Mapping[str, Any], rules: Mapping[tuple[str, str], RuleInfo]) -> Finding:
    key = (data["policy"], data["rule"])
    rule = rules.get(key) or RuleInfo(
        policy=data["policy"], id=data["rule"], severity=_severity(data["severity"]),
        title=data["title"],
        labels=tuple(data.get("labels", [])), kind="require", file="", line=1)
    if data.get("remediation") and not rule.remediation:
        rule = RuleInfo(**{**rule.__dict__, "remediation": data["remediation"]})
    waiver = None
    if data.get("waiver"):
        waiver = WaiverInfo(reason=data["waiver"]["reason"],
                            expires=_expiry(data["waiver"]["expires"]),
                            policy=rule.policy, file=rule.file, line=rule.line)
    return Finding(model=_ref(data), rule=rule, field=data.get("field"),
                   expected=data.get("expected"), actual=data.get("actual"),
                   message=data.get("message", ""), waiver=waiver,
                   known=bool(data.get("known", False)),
                   severity=_severity(data.get("severity") or rule.severity),
                   exposure=data.get("exposure") if data.get("exposure") in EXPOSURES else None)


def _expiry(value: Any) -> date:
    day = parse_day(value) if isinstance(value, str) else None
    if day is None:
        raise ValueError(f"waiver expiry {value!r} is not YYYY-MM-DD")
    return day


def _ref(data: Mapping[str, Any]) -> ModelRef:
    return ModelRef(arn=data.get("model_arn"), name=data.get("model_name"),
                    account_id=data.get("account_id"), region=data.get("region"),
                    kind=data.get("kind", "model"))


def report_from_dict(data: Any, name: str) -> Report:
    """A JSON report read back; InputError naming ``name`` if it is not one."""
    if not isinstance(data, Mapping) or data.get("schema_version") != SCHEMA_VERSION:
        raise InputError(f"{name}: not a bedrock-drift JSON report (schema_version "
                         f"{SCHEMA_VERSION})")
    try:
        rules = _rule_infos(data["policies"])
        models = tuple(ModelResult(model=_ref(m), result=m["result"],
                                   results={k: Status(v) for k, v in m["results"].items()})
                       for m in data["models"])
        report = Report(
            tool_version=data["tool"]["version"],
            generated_at=data["generated_at"],
            scanned=Scanned(tuple(data["scanned"]["sources"]),
                            tuple(data["scanned"]["accounts"]),
                            tuple(data["scanned"]["regions"]),
                            _organization(data["scanned"].get("organization")),
                            _names(data["scanned"].get("models", []))),
            policies=tuple(PolicyInfo(p["name"], p["file"], p["sha256"],
                                      tuple(r for (pol, _), r in rules.items()
                                            if pol == p["name"]),
                                      dict(p.get("variables") or {}))
                           for p in data["policies"]),
            models=models,
            violations=tuple(_finding(v, rules) for v in data["violations"]),
            waived=tuple(_finding(w, rules) for w in data["waived"]),
            warnings=tuple(ReportWarning(w["code"], w["message"]) for w in data["warnings"]),
            errors=tuple(ReportError(code=e["code"], message=e["message"],
                                     model_arn=e.get("model_arn"),
                                     model_name=e.get("model_name"), region=e.get("region"),
                                     rule=e.get("rule"), account_id=e.get("account_id"))
                         for e in data["errors"]),
            summary=summarize(models, (), (), (), 0, 0, "info"),
            fail_on=_severity(data.get("fail_on", "info")),
            rule_filters=RuleFilters(
                tuple((data.get("rule_filters") or {}).get("rule", ())),
                tuple((data.get("rule_filters") or {}).get("skip_rule", ()))),
            framework=data.get("framework"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{name}: malformed bedrock-drift JSON report ({type(exc).__name__}: "
                         f"{exc})") from None
    return report


def _same_rules_and_values(reports: Sequence[Report]) -> None:
    """UsageError unless every report ran the same rules with the same variable values: a
    merged PASS must mean every model was judged against every rule it claims."""
    first = reports[0]
    want_rules = {r.qualified_id for r in first.rules}
    want_values = {p.name: dict(p.variables) for p in first.policies}
    for index, report in enumerate(reports[1:], start=2):
        rules = {r.qualified_id for r in report.rules}
        if rules != want_rules:
            only_first = ", ".join(sorted(want_rules - rules)) or "none"
            only_this = ", ".join(sorted(rules - want_rules)) or "none"
            raise UsageError(f"report {index} ran other rules than report 1 (only in report 1: "
                             f"{only_first}; only in report {index}: {only_this}): run every "
                             "shard with the same policies and --rule/--skip-rule")
        if report.rule_filters != first.rule_filters:
            raise UsageError(f"report {index} was filtered with other --rule/--skip-rule "
                             f"than report 1 ({_filters(report.rule_filters)} and "
                             f"{_filters(first.rule_filters)})")
        if report.framework != first.framework:
            raise UsageError(f"report {index} was limited to another --framework than report 1 "
                             f"({report.framework or 'none'} and {first.framework or 'none'})")
        for policy in report.policies:
            values = dict(policy.variables)
            if values != want_values.get(policy.name, values):
                names = sorted(k for k in {*values, *want_values[policy.name]}
                               if values.get(k) != want_values[policy.name].get(k))
                raise UsageError(f"policy '{policy.name}' ran with other variable values in "
                                 f"report {index} than in report 1 ({', '.join(names)}): run "
                                 "every shard with the same --var and --var-file")


def _filters(filters: RuleFilters) -> str:
    parts = [f"--rule {r}" for r in filters.rule] + [f"--skip-rule {r}"
                                                    for r in filters.skip_rule]
    return " ".join(parts) or "none"


def _organization(data: Any) -> OrganizationScan | None:
    """``scanned.organization`` of a JSON report (``--organization`` runs only)."""
    if data is None:
        return None
    accounts = data["accounts"]
    return OrganizationScan(id=data.get("id"), ous=tuple(data.get("ous", ())),
                            read=tuple(accounts["read"]), skipped=tuple(accounts["skipped"]),
                            failed=tuple(accounts["failed"]))


def _merged_organization(reports: Sequence[Report]) -> OrganizationScan | None:
    """The accounts of the organization shards read (by OU, say): an account read by one
    shard is read, whatever another said."""
    scans = [r.scanned.organization for r in reports if r.scanned.organization is not None]
    if not scans:
        return None
    read = {a for s in scans for a in s.read}
    failed = {a for s in scans for a in s.failed} - read
    skipped = {a for s in scans for a in s.skipped} - read - failed
    ids = {s.id for s in scans}
    return OrganizationScan(id=ids.pop() if len(ids) == 1 else None,
                            ous=tuple(dict.fromkeys(o for s in scans for o in s.ous)),
                            read=tuple(sorted(read)), skipped=tuple(sorted(skipped)),
                            failed=tuple(sorted(failed)))


def _is_missing(finding: Finding) -> bool:
    """An inventory ``required`` finding about a name no model of its shard matched."""
    return (finding.rule.id == REQUIRED_ID and finding.model.arn is None
            and finding.field == "modelName" and finding.expected == "present")


def missing_over_all(models: Sequence[ModelResult],
                     findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """The findings, with inventory ``required`` judged over the models of every shard: a
    name one shard missed but another read is not missing; one missed by all is reported
    once, counted against every model read."""
    existing = [m for m in models if m.model.kind in EXISTING_KINDS]
    kept: list[Finding] = []
    seen: set[tuple[str, str | None]] = set()
    for finding in findings:
        if not _is_missing(finding):
            kept.append(finding)
            continue
        key = (finding.rule.qualified_id, finding.model.name)
        if key in seen:
            continue
        seen.add(key)
        match = compile_globs([finding.model.name or ""])
        if any(m.model.name is not None and match(m.model.name)
               and m.results.get(finding.rule.qualified_id, Status.NOT_APPLICABLE)
               is not Status.NOT_APPLICABLE for m in existing):
            continue  # another shard read it (and judged it: Active or not)
        kept.append(replace(finding, message=f"required model {finding.model.name!r} was not "
                                             f"found among the {len(existing):,} models read"))
    return tuple(kept)


def merge_reports(reports: Sequence[Report], *, fail_on: Severity | None,
                  now: datetime) -> Report:
    """One report from several: every model, finding, warning and error of each.

    Reports made with different versions of the same policy (another sha256) cannot be
    combined into one verdict: that is an error.
    """
    if not reports:
        raise InputError("merge needs at least one report")
    policies: dict[str, PolicyInfo] = {}
    for report in reports:
        for policy in report.policies:
            first = policies.setdefault(policy.name, policy)
            if first.sha256 != policy.sha256:
                raise InputError(f"policy '{policy.name}' differs between the reports "
                                 f"(sha256 {first.sha256[:12]} and {policy.sha256[:12]}): run "
                                 "every shard with the same policies")
    _same_rules_and_values(reports)
    gates = {r.fail_on for r in reports}
    if fail_on is None:
        if len(gates) > 1:
            raise InputError("the reports were made with different --fail-on levels "
                             f"({', '.join(sorted(gates))}); give --fail-on")
        fail_on = gates.pop()
    assert fail_on in SEVERITIES
    models = tuple(m for r in reports for m in r.models)
    # A model in two reports is an error; within one report, two planned models may share a
    # name (a job request and a Terraform plan of one model, say): that run judged both.
    owner: dict[str, int] = {}
    for index, report in enumerate(reports):
        for model in report.models:
            key = model.model.fingerprint_key
            if owner.setdefault(key, index) != index:
                raise InputError(f"model {model.model.display_name!r} is in more than one "
                                 "report: merge combines shards that each read different "
                                 "models (the same report given twice?)")
    violations = missing_over_all(models, [v for r in reports for v in r.violations])
    waived = missing_over_all(models, [w for r in reports for w in r.waived])
    errors = tuple(e for r in reports for e in r.errors)
    # A waiver is stale only if no shard used it: keep that warning when every shard has it.
    warnings = tuple(w for w in dict.fromkeys(w for r in reports for w in r.warnings)
                     if w.code != "waiver-stale" or all(w in r.warnings for r in reports))
    rules = sum(len(p.rules) for p in policies.values())
    return Report(
        tool_version=__version__,
        generated_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        scanned=Scanned(
            sources=tuple(dict.fromkeys(s for r in reports for s in r.scanned.sources)),
            accounts=tuple(sorted({a for r in reports for a in r.scanned.accounts})),
            regions=tuple(sorted({g for r in reports for g in r.scanned.regions})),
            organization=_merged_organization(reports),
            models=tuple(sorted({m for r in reports for m in r.scanned.models}))),
        policies=tuple(policies.values()),
        models=models,
        violations=violations,
        waived=waived,
        warnings=warnings,
        errors=errors,
        summary=summarize(models, violations, waived, errors, len(policies), rules, fail_on),
        fail_on=fail_on,
        rule_filters=reports[0].rule_filters,
        framework=reports[0].framework,
    )
