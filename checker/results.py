"""Plain, frozen result types shared by the engine, the sources and the report writers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Literal, get_args

from checker.values import redact_userinfo

# A rule's severity, lowest first.
Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}


def as_severity(value: object) -> Severity:
    """``value`` as a Severity; ValueError when it is none (callers validate their input
    first and say where it came from)."""
    for severity in SEVERITIES:
        if value == severity:
            return severity
    raise ValueError(f"severity {value!r} is not one of {', '.join(SEVERITIES)}")

# The check kinds' names, as a rule spells them, in the order the docs list them: each is a
# module of checker/checks declaring its KIND (checker/checks/__init__.py registers them
# from this list, and a test proves every such module is on it).
CheckKindName = Literal["kms_key", "base_model", "teacher_model", "hyperparameter",
                        "lambda_grader", "require"]
# What made a rule: a check kind, or an inventory entry (a required or forbidden model).
RuleKind = Literal[CheckKindName, "inventory"]

EXPOSURES = ("served", "unknown")
EXPOSURE_NOTES = {"served": " (served)", "unknown": " (exposure unknown)"}

# What a judged thing is: read from AWS or a document, an in-flight customization job,
# a planned job request or Terraform plan (no ARN yet), a Custom Model Import model, or the
# Bedrock settings of one account in one region (``resource: account`` policies).
ModelKind = Literal["model", "job", "planned", "imported", "account"]
KINDS: tuple[ModelKind, ...] = get_args(ModelKind)
# What a policy judges: model documents, or the settings of an account in a region.
Resource = Literal["model", "account"]
RESOURCES: tuple[Resource, ...] = get_args(Resource)
# A run's result, and a model's (which may also be that no rule applied to it).
Result = Literal["pass", "fail", "error"]
ModelResultValue = Literal["pass", "fail", "error", "not_applicable"]

# The versions of the files this tool writes and reads back: JSON reports (merge, baselines)
# and snapshots (diff, --from).
SCHEMA_VERSION = 1
SNAPSHOT_SCHEMA_VERSION = 1
# The key of a snapshot entry that holds what is known about a planned model beside its
# values (Terraform address, unknown and sensitive fields).
PLAN_KEY = "plan"


# What reports, snapshots, diffs and messages show in place of a value Terraform marks
# sensitive.
SENSITIVE = "(sensitive)"


class Status(str, Enum):
    """What one rule yields for one model."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    WAIVED = "waived"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ModelInput:
    """One model document as a source produced it, before it is judged.

    ``enrichment_errors`` maps an added key (``tags``, ``job``, ``kmsKey``) whose fetch
    failed to (error code, message); rules that need that key become ``error`` with it.
    ``unknown_fields`` lists the field paths (as key tuples) of a planned model whose values
    are known only after apply; they are absent from the document, and rules that read them
    become ``error``. ``unknown_choices`` narrows some of them down: each entry is a group of
    unknown paths that will all hold one value, and the values it can be; a rule that reads
    only such fields and comes out the same for every value is judged.
    ``sensitive_fields`` are present and judged, but their values are never shown (reports,
    snapshots, diffs and messages say ``(sensitive)``); ``withheld_fields`` were sensitive and
    not recorded (in a snapshot), so rules that read them are ``error``.
    ``address`` is a Terraform resource instance address, for models read from a plan.
    ``refused`` is the (code, message) of a document a source could not take as it is (an
    ARN-typed field that is not a well-formed ARN): such a model is never judged; the source
    reports it as that model's error and judges the others.
    """

    document: Mapping[str, Any]
    kind: ModelKind = "model"
    origin: str = "aws"
    enrichment_errors: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    unknown_fields: tuple[tuple[str, ...], ...] = ()
    unknown_choices: tuple[tuple[tuple[tuple[str, ...], ...], tuple[Any, ...]], ...] = ()
    sensitive_fields: tuple[tuple[str, ...], ...] = ()
    withheld_fields: tuple[tuple[str, ...], ...] = ()
    address: str | None = None
    refused: tuple[str, str] | None = None


@dataclass(frozen=True)
class ModelRef:
    """Who a result is about."""

    arn: str | None
    name: str | None
    account_id: str | None
    region: str | None
    kind: ModelKind = "model"
    origin: str = "aws"
    # The Terraform address of a planned model: for_each instances may share a name.
    address: str | None = None

    @property
    def display_name(self) -> str:
        name = self.name or self.arn or "(unnamed model)"
        return f"{name} ({self.address})" if self.address else name

    @property
    def is_account(self) -> bool:
        return self.kind == "account"

    @property
    def fingerprint_key(self) -> str:
        """A stable identity: the ARN, else the Terraform address, else kind and name."""
        if self.arn:
            return self.arn
        return f"{self.kind}:{self.address}" if self.address else f"{self.kind}:{self.name or ''}"


@dataclass(frozen=True)
class RuleInfo:
    """A loaded rule's description, as reports show it."""

    policy: str
    id: str
    severity: Severity
    title: str
    labels: tuple[str, ...]
    kind: RuleKind
    file: str
    line: int
    description: str | None = None
    remediation: str | None = None
    link: str | None = None
    # The rule's `compliance:` mapping: (framework key, (control id, ...)), in policy order.
    compliance: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The severity of violations on a served model (and where exposure is unknown).
    served_severity: Severity | None = None

    @property
    def qualified_id(self) -> str:
        return f"{self.policy}/{self.id}"


@dataclass(frozen=True)
class WaiverInfo:
    reason: str
    expires: date
    policy: str
    file: str
    line: int


@dataclass(frozen=True)
class Finding:
    """A rule that failed (a violation) or a failure a waiver covers."""

    model: ModelRef
    rule: RuleInfo
    field: str | None
    expected: str | None
    actual: Any
    message: str
    waiver: WaiverInfo | None = None
    # True when a --baseline report already held this violation: still reported, but it
    # does not decide the exit code.
    known: bool = False
    # The effective severity: the rule's served_severity when ``exposure`` says so, else the
    # rule's severity (filled in from the rule when not given). Every format shows this one.
    # "" only until __post_init__ fills it in: a finding's severity is always a Severity.
    severity: Severity = ""  # type: ignore[assignment]
    # Why the severity is the rule's served_severity: "served" (an Active deployment or
    # provisioned throughput) or "unknown" (exposure could not be read; the worst case is
    # assumed); None when the rule's own severity applies.
    exposure: str | None = None

    def __post_init__(self) -> None:
        if not self.severity:
            object.__setattr__(self, "severity", self.rule.severity)

    @property
    def exposure_note(self) -> str:
        """" (served)" or " (exposure unknown)" beside the severity, or ""."""
        return EXPOSURE_NOTES.get(self.exposure or "", "")


@dataclass(frozen=True)
class ModelResult:
    model: ModelRef
    result: ModelResultValue
    results: Mapping[str, Status]  # qualified rule id -> status, in rule order


@dataclass(frozen=True)
class ReportError:
    """Something that could not be read or judged: a region, a model, a rule, an enrichment."""

    code: str
    message: str
    model_arn: str | None = None
    model_name: str | None = None
    region: str | None = None
    rule: str | None = None  # qualified policy/rule id
    account_id: str | None = None
    address: str | None = None  # Terraform address of a planned model

    def __post_init__(self) -> None:
        # No credentials of an endpoint URL in any report (botocore names the URL).
        object.__setattr__(self, "message", redact_userinfo(self.message))


@dataclass(frozen=True)
class ReportWarning:
    code: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", redact_userinfo(self.message))


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    file: str
    sha256: str
    rules: tuple[RuleInfo, ...]
    # The values its variables had in the run: they decide verdicts as the file does.
    variables: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class RuleFilters:
    """The --rule and --skip-rule globs of a run."""

    rule: tuple[str, ...] = ()
    skip_rule: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrganizationScan:
    """The accounts of an AWS Organization a run covered (``--organization``).

    ``read`` are the accounts at least one region of which was read, ``failed`` the ACTIVE
    accounts in scope that were not (their errors say why), ``skipped`` those left out on
    purpose (``--exclude-account``, or not ACTIVE), each named in the warnings.
    """

    id: str | None
    ous: tuple[str, ...]
    read: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[str, ...]

    def counts(self) -> str:
        """``organization o-abc: 12 accounts read, 1 skipped, 0 failed``, for every format."""
        name = f"organization {self.id}" if self.id else "the organization"
        under = f" (under {', '.join(self.ous)})" if self.ous else ""
        return (f"{name}{under}: {len(self.read)} accounts read, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed")


@dataclass(frozen=True)
class Scanned:
    sources: tuple[str, ...]
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    organization: OrganizationScan | None = None
    # The names or ARNs a live read was limited to (--model): the regions' other models
    # were not read.
    models: tuple[str, ...] = ()
    # The (account id, region) pairs whose models a live read listed, as the read learnt
    # them (never from the models' ARNs: a model shared by another account names that one).
    reads: tuple[tuple[str, str], ...] = ()
    # Whether the live read listed Custom Model Import models too (--include-imported).
    include_imported: bool = False


@dataclass(frozen=True)
class Summary:
    models: int
    policies: int
    rules: int
    violations: int
    waived: int
    errors: int
    not_evaluated: int
    result: Result


@dataclass(frozen=True)
class Report:
    tool_version: str
    generated_at: str  # ISO-8601, UTC, "Z"
    scanned: Scanned
    policies: tuple[PolicyInfo, ...]
    models: tuple[ModelResult, ...]
    violations: tuple[Finding, ...]
    waived: tuple[Finding, ...]
    warnings: tuple[ReportWarning, ...]
    errors: tuple[ReportError, ...]
    summary: Summary
    fail_on: Severity = "info"
    # --rule and --skip-rule of the run: which of the policies' rules were run.
    rule_filters: RuleFilters = field(default_factory=lambda: RuleFilters())
    # The compliance framework the run was limited to (--framework), if any.
    framework: str | None = None

    @property
    def rules(self) -> tuple[RuleInfo, ...]:
        return tuple(rule for policy in self.policies for rule in policy.rules)

    @property
    def exit_code(self) -> int:
        return {"pass": 0, "fail": 1}.get(self.summary.result, 2)


@dataclass(frozen=True)
class SourceResult:
    """What a source read: the models, what could not be read, and what was scanned."""

    # A tuple, or a sequence that makes each model as it is taken (files.StoredModels).
    models: Sequence[ModelInput]
    errors: tuple[ReportError, ...] = ()
    sources: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    # Worth knowing, not errors: a region skipped as not enabled for the account, say.
    warnings: tuple[ReportWarning, ...] = ()
    # The Bedrock settings of each account and region read, one document each
    # (``kind="account"``), when a loaded ``resource: account`` policy judges them.
    postures: tuple[ModelInput, ...] = ()
    organization: OrganizationScan | None = None
    # The (account id, region) pairs whose models were listed (see Scanned.reads).
    reads: tuple[tuple[str, str], ...] = ()
    # Every account and region's settings read for model rules (``account.KEY``), whether or
    # not an account policy judges them: in-flight jobs read after the models join them too.
    settings: tuple[ModelInput, ...] = ()
