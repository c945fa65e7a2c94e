"""Combining JSON reports of sharded runs (one per account, say) into one report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from checker import __version__
from checker.checks.inventory import EXISTING_KINDS, REQUIRED_ID
from checker.engine.evaluate import summarize
from checker.errors import InputError, UsageError
from checker.results import (
    SEVERITIES,
    Finding,
    ModelResult,
    OrganizationScan,
    PolicyInfo,
    Report,
    RuleFilters,
    Scanned,
    Severity,
    Status,
)
from checker.values import compile_globs


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


def _oldest(reports: Sequence[Report], now: datetime) -> str:
    """The oldest ``generated_at`` of the reports, as written."""
    times = []
    for report in reports:
        head, _, fraction = report.generated_at.rstrip("Z").partition(".")
        # Python 3.10's fromisoformat takes 3 or 6 digits of a second only.
        text = f"{head}.{fraction[:6].ljust(6, '0')}+00:00"
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            continue
        if when.tzinfo is not None:
            times.append((when, report.generated_at))
    return min(times)[1] if times else now.strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_reports(reports: Sequence[Report], *, fail_on: Severity | None,
                  now: datetime) -> Report:
    """One report from several: every model, finding, warning and error of each.

    Reports made with different versions of the same policy (another sha256) cannot be
    combined into one verdict: that is an error. The merged report's ``generated_at`` is
    its oldest shard's (``now`` if none can be read): its verdicts are no newer than that,
    and ``publish`` compares that time with the hub's.
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
        generated_at=_oldest(reports, now),
        scanned=Scanned(
            sources=tuple(dict.fromkeys(s for r in reports for s in r.scanned.sources)),
            accounts=tuple(sorted({a for r in reports for a in r.scanned.accounts})),
            regions=tuple(sorted({g for r in reports for g in r.scanned.regions})),
            organization=_merged_organization(reports),
            models=tuple(sorted({m for r in reports for m in r.scanned.models})),
            reads=tuple(sorted({p for r in reports for p in r.scanned.reads})),
            include_imported=all(r.scanned.include_imported for r in reports)),
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
