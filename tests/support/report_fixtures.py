"""Hand-built reports for the report-format tests, independent of the engine."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from checker.results import (
    SEVERITY_RANK,
    Finding,
    ModelRef,
    ModelResult,
    PolicyInfo,
    Report,
    ReportError,
    ReportWarning,
    RuleInfo,
    Scanned,
    Status,
    Summary,
    WaiverInfo,
)

ACCOUNT = "111122223333"
REGION = "us-east-1"

HOSTILE = 'evil,value:with %25 percent\r\nnew line | pipe <b>bold</b> *star* `tick` & "q" ::x'


def model(name: str | None, *, arn: bool = True, kind: str = "model") -> ModelRef:
    """A model reference; ``arn=False`` gives a planned-style model without an ARN."""
    return ModelRef(
        arn=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/{name}" if arn else None,
        name=name,
        account_id=ACCOUNT if arn else None,
        region=REGION if arn else None,
        kind=kind,
        origin="aws" if arn else "file",
    )


def rule(
    policy: str,
    rule_id: str,
    severity: str = "medium",
    *,
    line: int = 10,
    title: str | None = None,
    labels: tuple[str, ...] = (),
    remediation: str | None = None,
    link: str | None = None,
    description: str | None = None,
) -> RuleInfo:
    return RuleInfo(
        policy=policy,
        id=rule_id,
        severity=severity,
        title=title if title is not None else f"Rule {rule_id}",
        labels=labels,
        kind="require",
        file=f"policies/{policy}.yaml",
        line=line,
        description=description,
        remediation=remediation,
        link=link,
    )


def finding(
    ref: ModelRef,
    info: RuleInfo,
    *,
    field: str | None = "modelKmsKeyArn",
    expected: str | None = "matches arn:aws:kms:*",
    actual: Any = None,
    message: str = "field missing",
    waiver: WaiverInfo | None = None,
    known: bool = False,
) -> Finding:
    return Finding(
        model=ref,
        rule=info,
        field=field,
        expected=expected,
        actual=actual,
        message=message,
        waiver=waiver,
        known=known,
    )


def build_report(
    *,
    rules: Iterable[RuleInfo],
    models: Mapping[ModelRef, Mapping[str, Status]],
    violations: Iterable[Finding] = (),
    waived: Iterable[Finding] = (),
    errors: Iterable[ReportError] = (),
    warnings: Iterable[ReportWarning] = (),
    fail_on: str = "info",
    unread_models: int = 0,
) -> Report:
    """A report whose summary agrees with its contents, the way the engine computes it.

    ``unread_models`` counts models that were listed but could not be read (they have an
    error and no result).
    """
    rules = tuple(rules)
    policy_names = list(dict.fromkeys(r.policy for r in rules))
    policies = tuple(
        PolicyInfo(
            name=name,
            file=f"policies/{name}.yaml",
            sha256="0" * 64,
            rules=tuple(r for r in rules if r.policy == name),
        )
        for name in policy_names
    )
    results = tuple(
        ModelResult(model=ref, result=_model_result(statuses), results=dict(statuses))
        for ref, statuses in models.items()
    )
    violations = tuple(violations)
    errors = tuple(errors)
    floor = SEVERITY_RANK[fail_on]
    gating = [v for v in violations if SEVERITY_RANK[v.rule.severity] >= floor and not v.known]
    result = "error" if errors else "fail" if gating else "pass"
    summary = Summary(
        models=len(results) + unread_models,
        policies=len(policies),
        rules=len(rules),
        violations=len(violations),
        waived=len(tuple(waived)),
        errors=len(errors),
        not_evaluated=sum(1 for r in results if r.result == "not_applicable"),
        result=result,
    )
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-27T12:00:00Z",
        scanned=Scanned(sources=("aws",), accounts=(ACCOUNT,), regions=(REGION,)),
        policies=policies,
        models=results,
        violations=violations,
        waived=tuple(waived),
        warnings=tuple(warnings),
        errors=errors,
        summary=summary,
        fail_on=fail_on,
    )


def _model_result(statuses: Mapping[str, Status]) -> str:
    values = set(statuses.values())
    if Status.ERROR in values:
        return "error"
    if Status.FAIL in values:
        return "fail"
    if values <= {Status.NOT_APPLICABLE}:
        return "not_applicable"
    return "pass"


# --- a rich report: every kind of outcome at once --------------------------------------

KMS = rule(
    "baseline",
    "kms-required",
    "critical",
    line=7,
    title="Encrypted with an approved customer-managed KMS key",
    labels=("CIS-3.1", "SOC2-CC6.1"),
    remediation="Recreate the model with customModelKmsKeyId set to the platform key.",
    link="https://example.com/kms",
    description="Every model is encrypted with a key the platform team controls.",
)
BASE = rule("baseline", "approved-base-models", "high", line=14)
LR = rule("baseline", "learning-rate-cap", "medium", line=18, remediation="Lower it.")
TAGS = rule("tagging", "owner-tag", "low", line=5, title="Has an owner tag")

PROD = model("prod-summarizer")
RESEARCH = model("research-x")
CLEAN = model("clean-model")
PLANNED = model("planned-job", arn=False, kind="planned")
IDLE = model("idle-model")

WAIVER = WaiverInfo(
    reason="Research sandbox, approved in SEC-1234",
    expires=date(2027, 1, 31),
    policy="baseline",
    file="policies/baseline.yaml",
    line=30,
)


def rich_report(*, known: bool = False, fail_on: str = "info") -> Report:
    """Two policies; a failing, a waived, a clean, a planned, an error and an idle model."""
    p, f, n, w, e = Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.WAIVED, Status.ERROR
    models = {
        PROD: {
            KMS.qualified_id: f, BASE.qualified_id: f, LR.qualified_id: p,
            TAGS.qualified_id: e,
        },
        RESEARCH: {KMS.qualified_id: p, BASE.qualified_id: p, LR.qualified_id: w,
                   TAGS.qualified_id: p},
        CLEAN: {KMS.qualified_id: p, BASE.qualified_id: p, LR.qualified_id: p,
                TAGS.qualified_id: p},
        PLANNED: {KMS.qualified_id: f, BASE.qualified_id: p, LR.qualified_id: n,
                  TAGS.qualified_id: n},
        IDLE: {KMS.qualified_id: n, BASE.qualified_id: n, LR.qualified_id: n,
               TAGS.qualified_id: n},
    }
    violations = [
        finding(PROD, KMS, actual=None, message="field missing", known=known),
        finding(
            PROD, BASE, field="baseModelArn", expected="one of amazon.nova-*",
            actual="arn:aws:bedrock:us-east-1::foundation-model/meta.llama3",
            message="not an allowed base model",
        ),
        finding(PLANNED, KMS, field="modelKmsKeyArn", expected="a key ARN",
                actual="alias/ml-platform", message="an alias cannot be matched"),
    ]
    waived = [
        finding(RESEARCH, LR, field="hyperParameters.learningRate", expected="<= 0.0001",
                actual="0.001", message="too high", waiver=WAIVER),
    ]
    errors = [
        ReportError(code="AccessDeniedException", message="not allowed to list tags",
                    model_arn=PROD.arn, model_name=PROD.name, region=REGION,
                    rule=TAGS.qualified_id),
        ReportError(code="ThrottlingException", message="GetCustomModel throttled",
                    model_arn=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/unread",
                    model_name="unread", region=REGION),
    ]
    warnings = [
        ReportWarning(code="waiver-expired",
                      message="policies/baseline.yaml:40: waiver for owner-tag expired on "
                              "2026-01-01"),
        ReportWarning(code="waiver-stale",
                      message="policies/baseline.yaml:50: waiver matched no model"),
    ]
    return build_report(
        rules=(KMS, BASE, LR, TAGS), models=models, violations=violations, waived=waived,
        errors=errors, warnings=warnings, fail_on=fail_on, unread_models=1,
    )


def empty_report() -> Report:
    """Policies loaded, but no models read at all."""
    return build_report(rules=(KMS, BASE), models={})


def clean_report() -> Report:
    """Every model passes."""
    return build_report(
        rules=(KMS,), models={CLEAN: {KMS.qualified_id: Status.PASS}},
    )


def hostile_report() -> Report:
    """Values built to break escaping: newlines, percent signs, pipes, markup, XML junk."""
    info = replace(
        rule("weird,policy", "rule:one", "high", line=3),
        title="Title " + HOSTILE,
        remediation="Fix " + HOSTILE,
        labels=("a,b", "c:d"),
    )
    ref = model("name " + HOSTILE + " \x00\x08 ☃ 模型")
    violation = finding(
        ref, info, field="tags.\"cost.center\"", expected="equals " + HOSTILE,
        actual={"nested": HOSTILE + "\x1b[31m"}, message="msg " + HOSTILE,
    )
    return build_report(
        rules=(info,), models={ref: {info.qualified_id: Status.FAIL}},
        violations=(violation,),
        warnings=(ReportWarning(code="waiver-stale", message="stale " + HOSTILE),),
    )
