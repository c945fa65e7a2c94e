"""Import a report's findings into AWS Security Hub, so the hub shows the current state.

A finding in the hub is changed only by a report that proves it judged that finding again:

1. **What the report read.** A report records, at read time, the (account, region) pairs
   whose models it listed (``scanned.reads``). A pass archives the hub's active finding
   only in such a pair; the hub's findings that the report no longer holds (a model
   deleted, a rule removed) are archived only in a pair it read *completely* (no error
   there), and only what the report could have judged (see ``_Scope``): a policy of the same
   name **and** SHA-256, a rule that ran, a model of the same scope (``--model``,
   ``--include-imported``, live AWS rather than ``--from`` files). The accounts are never
   taken from model ARNs: a model another account shares names that account.
2. **Never back in time.** A finding whose ``UpdatedAt`` in the hub is later than the
   report's ``generated_at`` (a newer report was published) is neither updated, archived
   nor reopened; each is an error naming the finding (exit 2). One the older report agrees
   with is simply unchanged. ``BatchUpdateFindings`` leaves ``UpdatedAt`` alone, so the
   time is that of the last report that changed the finding.
3. **What Security Hub does, not what a mock does.** "Unchanged" compares only the fields
   this tool writes; what the hub adds (``Severity.Normalized``, ``aws/`` product fields,
   ``ProcessedAt``, its product and company names) or keeps from the first import
   (``Workflow``, ``Note``, ``CreatedAt``) never makes a finding look changed, so publishing
   the same report twice imports nothing. Archiving from the hub's copy sends only the
   fields this tool owns, never a reserved ``aws/`` key. ``BatchImportFindings`` ignores
   ``Workflow`` on a finding that exists, so waivers move the workflow with
   ``BatchUpdateFindings``: ``SUPPRESSED`` when a waiver now covers an active finding,
   ``NEW`` when the waiver that suppressed it expired or was removed.
4. **Limits.** Batches of at most 100 findings and 6 MB; a finding over 240 KB is an error,
   never sent. ``GetFindings`` pages until the hub has no more (a token seen twice, or a
   page that adds nothing, is an error of the pair): the bound follows the hub's size.
5. **Memory.** The report's findings are made twice (once to plan, once to send) instead of
   held; per finding the plan keeps an id and a 16-byte digest.

``dry_run`` reads (``GetFindings`` only) and returns the plan of each pair without writing.
Without ``resolve_missing`` passes are imported as active ``PASSED`` findings, as the ASFF
report has them, and nothing is archived.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checker import TOOL_NAME
from checker.reports.asff import (
    GENERATOR_FIELD,
    KIND_FIELD,
    MAX_FIELD_VALUE,
    POLICY_FIELD,
    SHA_FIELD,
    STATUS_FIELD,
    UNKNOWN,
    FindingParts,
    asff_findings,
    cut,
    generator_id,
    product_arn,
)
from checker.reports.json_reader import read_report
from checker.results import Report
from checker.sources.aws.accounts import DEFAULT_ROLE_SESSION_NAME, AccountSpec
from checker.sources.aws.clients import (
    DEFAULT_MAX_ATTEMPTS,
    SessionFactory,
    client_config,
    open_session,
    resend_throttled,
)
from checker.sources.aws.errors import error_code, one_line
from checker.sources.aws.responses import check_response

MAX_BATCH = 100
MAX_BATCH_BYTES = 6 * 1024 * 1024
MAX_FINDING_BYTES = 240 * 1024
MAX_UPDATE = 100  # FindingIdentifiers of one BatchUpdateFindings
PAGE_SIZE = 100  # GetFindings' MaxResults at most
# An unchanged active finding is imported again once the hub's copy is this old: Security Hub
# deletes a finding 90 days after its last update, so a daily or weekly publish keeps every
# open violation in the hub with two months to spare.
REFRESH_AFTER = timedelta(days=30)

# The top-level fields this tool writes and compares. Left out: times that move with every
# run, what Security Hub keeps from the first import or changes through BatchUpdateFindings
# (Workflow, Note, CreatedAt, FirstObservedAt) and what it fills in itself (ProductName and
# CompanyName of a custom integration, ProcessedAt, ...).
_COMPARED = ("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Region",
             "Types", "Severity", "Title", "Description", "ProductFields", "Resources",
             "Compliance", "RecordState", "FindingProviderFields", "Remediation", "SourceUrl")
# What archiving a finding from the hub's copy sends: the fields this tool owns.
_OWNED = (*_COMPARED, "ProductName", "CompanyName", "CreatedAt", "UpdatedAt",
          "FirstObservedAt", "LastObservedAt")
_RESERVED_PREFIX = "aws/"

Pair = tuple[str, str]  # (account, region)


@dataclass(frozen=True)
class PublishError:
    code: str
    message: str
    account: str | None = None
    region: str | None = None
    finding_id: str | None = None

    def __str__(self) -> str:
        where = "/".join(x for x in (self.account, self.region) if x)
        about = f" finding {self.finding_id}" if self.finding_id else ""
        return f"{where}{about}: {self.code}: {self.message}".lstrip()


@dataclass
class PairPlan:
    """What publishing does (or, dry, would do) in one account and region."""

    account: str
    region: str
    new: int = 0
    updated: int = 0
    reopened: int = 0
    archived: int = 0
    unchanged: int = 0
    suppressed: int = 0  # Workflow SUPPRESSED: a waiver now covers it
    unsuppressed: int = 0  # Workflow NEW: its waiver expired or was removed
    left_alone: int = 0  # another policy version, or a pair not read completely
    refused: int = 0  # the hub holds a newer state
    refreshed: int = 0  # unchanged, sent again before the hub's retention deletes it

    def line(self, dry_run: bool) -> str:
        verb = "would import" if dry_run else "imported"
        return (f"{self.account}/{self.region}: {verb} {self.new} new, {self.updated} "
                f"updated, {self.reopened} reopened, {self.refreshed} refreshed; "
                f"{self.archived} archived; "
                f"{self.suppressed} suppressed and {self.unsuppressed} unsuppressed "
                f"(waivers); {self.unchanged} unchanged; {self.left_alone} left alone; "
                f"{self.refused} refused (newer in the hub)")


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: findings sent (new, changed or reopened), left alone, archived,
    errors; per pair the plan."""

    imported: int
    unchanged: int
    archived: int
    errors: tuple[PublishError, ...]
    calls: Mapping[str, int] = field(default_factory=dict)  # API calls by operation
    pairs: tuple[Pair, ...] = ()
    plans: tuple[PairPlan, ...] = ()
    workflow_updates: int = 0
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return 2 if self.errors else 0


# --- the hub's copy ------------------------------------------------------------------------

def _digest(projection: Mapping[str, Any]) -> bytes:
    text = json.dumps(projection, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _severity(value: Any) -> Any:
    # Security Hub fills in Normalized (and may add Product): only Label and Original are
    # this tool's.
    if isinstance(value, Mapping):
        return {k: value[k] for k in ("Label", "Original") if k in value}
    return value


def _owned_fields(value: Any) -> Any:
    """ProductFields without the keys Security Hub adds (``aws/...``, reserved)."""
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items()
                if not (isinstance(k, str) and k.startswith(_RESERVED_PREFIX))}
    return value


def _compared(finding: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a finding that decides whether it changed."""
    out: dict[str, Any] = {}
    for key in _COMPARED:
        if key not in finding:
            continue
        value = finding[key]
        if key == "Severity":
            value = _severity(value)
        elif key == "ProductFields":
            value = _owned_fields(value)
        elif key == "FindingProviderFields" and isinstance(value, Mapping):
            value = {k: (_severity(v) if k == "Severity" else v) for k, v in value.items()
                     if k in ("Severity", "Types")}
        out[key] = value
    return out


def _owned(finding: Mapping[str, Any]) -> dict[str, Any]:
    """The hub's copy cut down to what this tool sends (to archive it)."""
    out = {key: finding[key] for key in _OWNED if key in finding}
    for key, fix in (("Severity", _severity), ("ProductFields", _owned_fields)):
        if key in out:
            out[key] = fix(out[key])
    fields = out.get("FindingProviderFields")
    if isinstance(fields, Mapping):
        out["FindingProviderFields"] = {k: (_severity(v) if k == "Severity" else v)
                                        for k, v in fields.items()}
    return out


def parse_time(value: Any) -> datetime | None:
    """An ASFF timestamp (``Z`` or an offset, fractions of a second), or None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "." in text:
        # Nanoseconds: Python takes at most microseconds.
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits):]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(timezone.utc)


@dataclass(slots=True)
class _Held:
    """What the plan keeps of one of the hub's findings."""

    digest: bytes
    active: bool
    workflow: str | None
    status: str | None
    policy: str | None
    sha: str | None
    kind: str | None
    generator: str | None
    resource: str | None
    updated: datetime | None
    created: str | None
    first_observed: str | None
    product_arn: str
    owned: dict[str, Any] | None = None  # only for findings that may be archived


def _text(value: Any) -> str | None:
    """A field of the hub's copy that must be a string, or None: a hub's answer of another
    type never reaches a comparison."""
    return value if isinstance(value, str) else None


def _held(finding: Mapping[str, Any]) -> _Held:
    fields = finding.get("ProductFields")
    fields = fields if isinstance(fields, Mapping) else {}
    workflow = finding.get("Workflow")
    resources = finding.get("Resources")
    resource = (resources[0].get("Id") if isinstance(resources, list) and resources
                and isinstance(resources[0], Mapping) else None)
    return _Held(digest=_digest(_compared(finding)),
                 active=finding.get("RecordState", "ACTIVE") == "ACTIVE",
                 workflow=_text(workflow.get("Status")) if isinstance(workflow, Mapping)
                 else None,
                 status=_text(fields.get(STATUS_FIELD)), policy=_text(fields.get(POLICY_FIELD)),
                 sha=_text(fields.get(SHA_FIELD)), kind=_text(fields.get(KIND_FIELD)),
                 generator=_text(finding.get("GeneratorId")), resource=_text(resource),
                 updated=parse_time(finding.get("UpdatedAt")),
                 created=_text(finding.get("CreatedAt")),
                 first_observed=_text(finding.get("FirstObservedAt")),
                 product_arn=str(finding.get("ProductArn")))


# --- what the report proves ---------------------------------------------------------------

def _read_pairs(report: Report) -> tuple[set[Pair], set[Pair]]:
    """The (account, region) pairs the report listed, and those of them it read completely:
    an error that names no rule (a region or model not read) leaves its pair incomplete, in
    every account read when it names no account, everywhere when it names no region."""
    listed = set(report.scanned.reads)
    incomplete: set[Pair] = set()
    for error in report.errors:
        if error.rule is not None:
            continue  # one rule of one judged model: its finding says NOT_AVAILABLE
        if error.region is None:
            return listed, set()
        accounts = ([error.account_id] if error.account_id is not None
                    else sorted({a for a, _ in listed}))
        incomplete.update((account, error.region) for account in accounts)
    return listed, listed - incomplete


def reads_every_model(report: Report) -> bool:
    """Whether the report read every model of the pairs it read: live AWS only, not limited
    to some models (``--model``). Model documents from files say nothing of the account's
    other models."""
    return set(report.scanned.sources) == {"aws"} and not report.scanned.models


class _Scope:
    """Which of the hub's findings the report may change: of a policy it loaded, the same
    version (name and SHA-256); of a rule it ran (any rule of those policies when no
    --rule, --skip-rule or --framework limited it); of a model it could have judged (any
    model when it read every one, imported models only with --include-imported)."""

    def __init__(self, report: Report) -> None:
        # As the findings carry them (ProductFields values and GeneratorId within limits).
        self.policies = {cut(p.name, MAX_FIELD_VALUE): p.sha256 for p in report.policies}
        filters = report.rule_filters
        self.rules = (None if not (filters.rule or filters.skip_rule or report.framework)
                      else {generator_id(r.qualified_id) for p in report.policies
                            for r in p.rules})
        parts = FindingParts()
        self.every_model = reads_every_model(report)
        self.models = {parts.model(m.model)[4]["Id"] for m in report.models}
        self.imported = report.scanned.include_imported

    def same_policy(self, held: _Held) -> bool:
        return held.policy in self.policies and held.sha == self.policies[held.policy]

    def may_archive(self, held: _Held) -> bool:
        if not self.same_policy(held):
            return False
        if self.rules is not None and held.generator not in self.rules:
            return False
        if held.kind == "imported" and not self.imported:
            return False
        return self.every_model or held.resource in self.models


# --- calls --------------------------------------------------------------------------------

class _Publisher:
    def __init__(self, session_factory: SessionFactory, *, profile: str | None,
                 accounts: Sequence[AccountSpec], role_session_name: str,
                 max_attempts: int) -> None:
        self.factory = session_factory
        self.profile = profile
        self.specs = list(accounts)
        self.role_session_name = role_session_name
        self.max_attempts = max_attempts
        self.config = client_config(max_attempts)
        self.calls: Counter[str] = Counter()
        self.errors: list[PublishError] = []
        self.base: Any = None
        self.sessions: dict[str, tuple[Any, dict[str, str]]] = {}

    def client(self, session: Any, credentials: Mapping[str, str], service: str,
               region: str) -> Any:
        client = session.client(service, region_name=region, config=self.config,
                                **credentials)
        client.meta.events.register("needs-retry", resend_throttled(self.max_attempts))
        # Answers checked against botocore's shape, as every client of a read: a body that
        # is not one is the request's error, never a traceback.
        client.meta.events.register("before-parse", check_response)
        calls = self.calls

        def count(model: Any, **_: Any) -> None:
            calls[model.name] += 1
        client.meta.events.register("before-call", count)
        return client

    def _caller(self, session: Any, region: str) -> str:
        sts = self.client(session, {}, "sts", session.region_name or region)
        return str(sts.get_caller_identity()["Account"])

    def open_accounts(self, wanted: Iterable[Pair]) -> None:
        """Credentials for each account the findings are in, or an error per account."""
        wanted = sorted(set(wanted))
        region = wanted[0][1] if wanted else "us-east-1"
        roles = {spec.account_id: spec for spec in self.specs if spec.role_arn}
        try:
            if not self.specs or roles:
                self.base = open_session(self.factory, self.profile)
            if not self.specs:
                self.sessions[self._caller(self.base, region)] = (self.base, {})
            for spec in self.specs:
                if spec.role_arn is None:
                    # A profile's account, or (--organization) the calling account with the
                    # current credentials.
                    session = (self.base if self.base is not None and spec.profile == self.profile
                               else open_session(self.factory, spec.profile))
                    self.sessions[self._caller(session, region)] = (session, {})
        except (ClientError, BotoCoreError, KeyError, TypeError) as exc:
            self.errors.append(PublishError(_code(exc), f"GetCallerIdentity: "
                                            f"{_line(exc)}"))
            return
        for account in sorted({a for a, _ in wanted}):
            if account in self.sessions:
                continue
            role = roles.get(account)
            if role is None or role.role_arn is None:
                self.errors.append(PublishError(
                    "NoCredentials", "the report has findings of this account but no role "
                    "or profile for it was given (--assume-role, --accounts)", account))
                continue
            params = {"RoleArn": role.role_arn, "RoleSessionName": self.role_session_name}
            if role.external_id is not None:
                params["ExternalId"] = role.external_id
            try:
                sts = self.client(self.base, {}, "sts", self.base.region_name or region)
                creds = sts.assume_role(**params)["Credentials"]
                credentials = {"aws_access_key_id": creds["AccessKeyId"],
                               "aws_secret_access_key": creds["SecretAccessKey"],
                               "aws_session_token": creds["SessionToken"]}
            except (ClientError, BotoCoreError, KeyError, TypeError) as exc:
                self.errors.append(PublishError(_code(exc), f"AssumeRole {role.role_arn}: "
                                                f"{_line(exc)}", account))
                continue
            self.sessions[account] = (self.base, credentials)

    def hub_findings(self, hub: Any, pair: Pair, arn: str) -> Iterator[dict[str, Any]]:
        """The hub's findings of this tool in the pair, whatever their record state (an
        archived one may be reopened). The same test is applied to the answer as the filter
        asks, so a hub that ignores a filter cannot widen what is touched."""
        filters = {
            "ProductArn": [{"Value": arn, "Comparison": "EQUALS"}],
            "AwsAccountId": [{"Value": pair[0], "Comparison": "EQUALS"}],
            "ProductFields": [{"Key": GENERATOR_FIELD, "Value": TOOL_NAME,
                               "Comparison": "EQUALS"}],
        }
        tokens: set[str] = set()
        token: str | None = None
        pages = 0
        while True:
            request: dict[str, Any] = {"Filters": filters, "MaxResults": PAGE_SIZE}
            if token is not None:
                request["NextToken"] = token
            page = hub.get_findings(**request)
            pages += 1
            findings = page.get("Findings") or []
            for finding in findings:
                if (isinstance(finding, dict) and finding.get("ProductArn") == arn
                        and finding.get("AwsAccountId") == pair[0]
                        and isinstance(finding.get("Id"), str)
                        and isinstance(finding.get("ProductFields"), dict)
                        and finding["ProductFields"].get(GENERATOR_FIELD) == TOOL_NAME):
                    yield finding
            token = page.get("NextToken") or None
            if token is None:
                return
            if token in tokens or not findings:
                # Bounded by the hub's size: each page must bring findings and a new token.
                raise _EndlessPaging(f"GetFindings: NextToken came back or a page was empty "
                                     f"after {pages} pages: the listing would never end")
            tokens.add(token)

    def send(self, hub: Any, pair: Pair, batch: list[dict[str, Any]]) -> set[str]:
        """Import one batch; the Ids of the findings that did not take."""
        try:
            answer = hub.batch_import_findings(Findings=batch)
        except (ClientError, BotoCoreError) as exc:
            for finding in batch:
                self.errors.append(PublishError(_code(exc), _line(exc), *pair, finding["Id"]))
            return {finding["Id"] for finding in batch}
        failed: set[str] = set()
        for entry in answer.get("FailedFindings") or []:
            entry = entry if isinstance(entry, Mapping) else {}
            ident = str(entry.get("Id") or "")
            failed.add(ident)
            self.errors.append(PublishError(
                str(entry.get("ErrorCode") or "FailedFinding"),
                one_line(str(entry.get("ErrorMessage") or "BatchImportFindings refused it")),
                *pair, ident))
        return failed

    def update_workflow(self, hub: Any, pair: Pair, status: str,
                        findings: list[tuple[str, str]], note: str) -> int:
        """``BatchUpdateFindings`` of the workflow of ``findings`` (Id, ProductArn)."""
        done = 0
        for start in range(0, len(findings), MAX_UPDATE):
            chunk = findings[start:start + MAX_UPDATE]
            try:
                answer = hub.batch_update_findings(
                    FindingIdentifiers=[{"Id": i, "ProductArn": a} for i, a in chunk],
                    Workflow={"Status": status},
                    Note={"Text": note, "UpdatedBy": TOOL_NAME})
            except (ClientError, BotoCoreError) as exc:
                for finding_id, _ in chunk:
                    self.errors.append(PublishError(_code(exc), f"BatchUpdateFindings: "
                                                    f"{_line(exc)}", *pair, finding_id))
                continue
            unprocessed = answer.get("UnprocessedFindings") or []
            for entry in unprocessed:
                entry = entry if isinstance(entry, Mapping) else {}
                ident = entry.get("FindingIdentifier")
                self.errors.append(PublishError(
                    str(entry.get("ErrorCode") or "UnprocessedFinding"),
                    "BatchUpdateFindings: " + one_line(str(entry.get("ErrorMessage") or
                                                           "not processed")),
                    *pair, str(ident.get("Id") if isinstance(ident, Mapping) else "")))
            done += len(chunk) - len(unprocessed)
        return done


class _EndlessPaging(BotoCoreError):  # type: ignore[misc,unused-ignore]
    fmt = "{reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


def _code(exc: Exception) -> str:
    if isinstance(exc, (ClientError, BotoCoreError)):
        return error_code(exc)
    return "MalformedAnswer"


def _line(exc: Exception) -> str:
    if isinstance(exc, (ClientError, BotoCoreError)):
        return one_line(exc)
    return f"the answer lacks what it must hold ({type(exc).__name__}: {exc})"


def _size(finding: Mapping[str, Any]) -> int:
    return len(json.dumps(finding, ensure_ascii=False).encode("utf-8"))


# --- planning and publishing one pair -----------------------------------------------------

@dataclass(slots=True)
class _Mine:
    digest: bytes
    status: str
    archive: bool = False  # a pass that resolves the hub's active finding


_PASS = _Mine(b"", "pass")


class _Pair:
    """One account and region: the report's findings there and the hub's copy."""

    def __init__(self, pair: Pair, report: Report, scope: _Scope, listed: bool,
                 complete: bool, resolve_missing: bool) -> None:
        self.pair = pair
        self.report = report
        self.scope = scope
        self.listed = listed
        self.complete = complete
        self.resolve_missing = resolve_missing
        self.time = parse_time(report.generated_at)
        self.mine: dict[str, _Mine] = {}
        self.partition = "aws"
        self.plan = PairPlan(*pair)
        self.send: set[str] = set()
        self.archive_ids: set[str] = set()
        self.held: dict[str, _Held] = {}
        self.leftovers: list[dict[str, Any]] = []
        self.workflow: dict[str, list[tuple[str, str]]] = {"SUPPRESSED": [], "NEW": []}
        self.errors: list[PublishError] = []

    def add(self, finding: Mapping[str, Any]) -> None:
        self.partition = finding["ProductArn"].split(":")[1]
        status = finding["ProductFields"][STATUS_FIELD]
        if status == "pass" and self.resolve_missing:
            # A pass is only ever archived or left out: no digest, one shared record.
            self.mine[finding["Id"]] = _PASS
            return
        self.mine[finding["Id"]] = _Mine(_digest(_compared(finding)), status)

    def read_hub(self, findings: Iterable[dict[str, Any]]) -> None:
        for finding in findings:
            try:
                held = _held(finding)
            except (TypeError, ValueError, AttributeError) as exc:
                self.errors.append(PublishError("MalformedFinding", f"GetFindings: the hub's "
                                                f"copy cannot be read ({exc})", *self.pair,
                                                str(finding.get("Id"))))
                continue
            ident = finding["Id"]
            if ident in self.mine:
                self.held[ident] = held
            elif (self.complete and self.resolve_missing and held.active
                  and self.scope.may_archive(held)):
                held.owned = _owned(finding)
                self.held[ident] = held
                self.leftovers.append(held.owned)
            elif held.active:
                self.plan.left_alone += 1

    def _stale(self, held: _Held) -> bool:
        """An active finding the hub last updated REFRESH_AFTER or more before this report:
        re-imported even though nothing changed. Security Hub "retains an existing finding
        for 90 days after the most recent value of the UpdatedAt ASFF field" and then
        deletes it (https://docs.aws.amazon.com/securityhub/latest/userguide/
        securityhub-findings-update-types.html)."""
        return (held.active and held.updated is not None and self.time is not None
                and self.time - held.updated >= REFRESH_AFTER)

    def _newer(self, ident: str, held: _Held) -> bool:
        if held.updated is not None and self.time is not None and held.updated <= self.time:
            return False
        self.plan.refused += 1
        when = (held.updated.strftime("%Y-%m-%dT%H:%M:%SZ") if held.updated is not None
                else "an unreadable time")
        self.errors.append(PublishError(
            "NewerInHub", f"the hub's copy was updated at {when}, after this report "
            f"({self.report.generated_at}): an older report neither archives nor reopens it",
            *self.pair, ident))
        return True

    def decide(self) -> None:
        """Which findings to send, archive and move in the workflow."""
        for ident, mine in self.mine.items():
            held = self.held.get(ident)
            if mine.status == "pass" and self.resolve_missing:
                self._decide_pass(ident, held)
            elif held is None:
                self.send.add(ident)  # created with its workflow
                self.plan.new += 1
            else:
                self._decide_held(ident, mine, held)
        kept: list[dict[str, Any]] = []
        for owned in self.leftovers:
            ident = owned["Id"]
            if self._newer(ident, self.held[ident]):
                continue
            kept.append(owned)
            self.plan.archived += 1
        self.leftovers = kept

    def _decide_pass(self, ident: str, held: _Held | None) -> None:
        """A rule that passes now: archive the hub's active finding of it."""
        if held is None or not held.active:
            return  # a pass the hub never saw, or already archived
        if not self.listed or not self.scope.same_policy(held):
            self.plan.left_alone += 1
            return
        if self._newer(ident, held):
            return
        self.mine[ident] = _Mine(b"", "pass", archive=True)
        self.send.add(ident)
        self.plan.archived += 1

    def _decide_held(self, ident: str, mine: _Mine, held: _Held) -> None:
        """A finding the hub holds already: send it when it changed, move its workflow when
        a waiver came or went."""
        plan = self.plan
        same = held.active and held.digest == mine.digest
        workflow = None
        if mine.status == "waived" and held.workflow != "SUPPRESSED":
            workflow = "SUPPRESSED"
        elif (mine.status in ("fail", "error") and held.workflow == "SUPPRESSED"
              and held.status == "waived"):
            workflow = "NEW"
        if same and workflow is None and not self._stale(held):
            plan.unchanged += 1  # nothing to write, whatever the times
            return
        if self._newer(ident, held):
            return
        if same and self._stale(held):
            # Security Hub deletes a finding 90 days after its last UpdatedAt: an open
            # violation that never changes is sent again well before, or it would vanish.
            self.send.add(ident)
            plan.refreshed += 1
        elif same:
            plan.unchanged += 1
        else:
            self.send.add(ident)
            if held.active:
                plan.updated += 1
            else:
                plan.reopened += 1
        if workflow is not None:
            self.workflow[workflow].append((ident, held.product_arn))
            if workflow == "SUPPRESSED":
                plan.suppressed += 1
            else:
                plan.unsuppressed += 1

    def outgoing(self, finding: dict[str, Any]) -> dict[str, Any] | None:
        """The finding as sent, or None when it is not sent."""
        ident = finding["Id"]
        if ident not in self.send:
            return None
        mine = self.mine[ident]
        if mine.archive:
            finding = {**finding, "RecordState": "ARCHIVED"}
        held = self.held.get(ident)
        if held is not None:
            # Security Hub keeps the first import's creation times.
            for key, value in (("CreatedAt", held.created),
                               ("FirstObservedAt", held.first_observed)):
                if isinstance(value, str):
                    finding[key] = value
        return finding

    def archived_leftovers(self) -> Iterator[dict[str, Any]]:
        for owned in self.leftovers:
            yield {**owned, "RecordState": "ARCHIVED", "UpdatedAt": self.report.generated_at}


class _Batcher:
    """Findings of one pair gathered into batches within Security Hub's limits."""

    def __init__(self, publisher: _Publisher, hub: Any, pair: Pair,
                 dry_run: bool = False) -> None:
        self.publisher, self.hub, self.pair, self.dry_run = publisher, hub, pair, dry_run
        self.batch: list[dict[str, Any]] = []
        self.size = 0
        self.imported = 0
        self.archived = 0

    def add(self, finding: dict[str, Any]) -> None:
        length = _size(finding)
        if length > MAX_FINDING_BYTES:
            self.publisher.errors.append(PublishError(
                "FindingTooLarge", f"{length} bytes, more than Security Hub's "
                f"{MAX_FINDING_BYTES}: not sent", *self.pair, finding["Id"]))
            return
        if self.dry_run:
            return  # checked, never sent
        if self.batch and (len(self.batch) == MAX_BATCH or self.size + length > MAX_BATCH_BYTES):
            self.flush()
        self.batch.append(finding)
        self.size += length

    def flush(self) -> None:
        if self.batch:
            failed = self.publisher.send(self.hub, self.pair, self.batch)
            for finding in self.batch:
                if finding["Id"] in failed:
                    continue
                if finding.get("RecordState") == "ARCHIVED":
                    self.archived += 1
                else:
                    self.imported += 1
            self.batch, self.size = [], 0


def _findings(report: Report, scope: _Scope) -> Iterator[dict[str, Any]]:
    """The report's findings as publish sends them: with the policy version they were
    judged by (``bedrock-drift/PolicySha256``)."""
    for finding in asff_findings(report):
        fields = finding["ProductFields"]
        fields[SHA_FIELD] = scope.policies[fields[POLICY_FIELD]]
        yield finding


def publish_report(
    report: Report | Mapping[str, Any],
    session_factory: SessionFactory,
    *,
    profile: str | None = None,
    accounts: Sequence[AccountSpec] = (),
    resolve_missing: bool = True,
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    dry_run: bool = False,
) -> PublishResult:
    """Import ``report``'s findings into Security Hub (see the module docstring).

    ``report`` is a :class:`Report` or a JSON report as read from a file (validated by
    :func:`checker.reports.json_reader.read_report`: InputError before any call).
    ``session_factory(profile)`` makes the boto3 sessions. Without ``accounts`` only the
    credentials' own account is written to; ``accounts`` (roles to assume, or profiles)
    reach the others. ``dry_run`` makes only ``GetFindings`` calls (and STS). Errors are
    returned in the result, never raised for one finding, account or region.
    """
    if not isinstance(report, Report):
        report = read_report(report, "the report")
    scope = _Scope(report)
    errors: list[PublishError] = []
    pairs = _plan_pairs(report, scope, resolve_missing, errors)
    publisher = _Publisher(session_factory, profile=profile, accounts=accounts,
                           role_session_name=role_session_name, max_attempts=max_attempts)
    publisher.errors = errors
    if pairs:
        publisher.open_accounts(pairs)
    hubs = _read_hubs(publisher, pairs)
    imported, archived, updates = _write(publisher, report, scope, pairs, hubs, dry_run)
    plans = tuple(pairs[p].plan for p in sorted(hubs))
    if dry_run:
        imported = sum(p.new + p.updated + p.reopened + p.refreshed for p in plans)
        archived = sum(p.archived for p in plans)
        updates = sum(p.suppressed + p.unsuppressed for p in plans)
    return PublishResult(imported=imported,
                         unchanged=sum(p.unchanged for p in plans), archived=archived,
                         errors=tuple(publisher.errors), calls=dict(publisher.calls),
                         pairs=tuple(sorted(pairs)), plans=plans, workflow_updates=updates,
                         dry_run=dry_run)


def _plan_pairs(report: Report, scope: _Scope, resolve_missing: bool,
                errors: list[PublishError]) -> dict[Pair, _Pair]:
    """The report's findings by account and region, with the pairs it read completely."""
    listed, complete = _read_pairs(report)
    pairs: dict[Pair, _Pair] = {}

    def pair_of(pair: Pair) -> _Pair:
        if pair not in pairs:
            pairs[pair] = _Pair(pair, report, scope, pair in listed,
                                resolve_missing and pair in complete, resolve_missing)
        return pairs[pair]

    for finding in _findings(report, scope):
        pair = (finding["AwsAccountId"], finding["Region"])
        if UNKNOWN in pair:
            errors.append(PublishError(
                "NoAccount", "a planned model has no account or region yet: its findings "
                "cannot be imported", None, None, finding["Id"]))
            continue
        pair_of(pair).add(finding)
    if resolve_missing:
        for pair in sorted(complete):
            pair_of(pair)
    return pairs


def _read_hubs(publisher: _Publisher, pairs: Mapping[Pair, _Pair]) -> dict[Pair, Any]:
    """Read each pair's findings from its hub and decide what to write; the hub clients of
    the pairs that could be read."""
    hubs: dict[Pair, Any] = {}
    for pair, state in sorted(pairs.items()):
        if pair[0] not in publisher.sessions:
            continue
        session, credentials = publisher.sessions[pair[0]]
        arn = product_arn(state.partition, pair[1], pair[0])
        try:
            hub = publisher.client(session, credentials, "securityhub", pair[1])
            state.read_hub(publisher.hub_findings(hub, pair, arn))
        except (ClientError, BotoCoreError) as exc:
            publisher.errors.append(PublishError(_code(exc), f"GetFindings: {_line(exc)}",
                                                 *pair))
            continue
        state.decide()
        publisher.errors.extend(state.errors)
        hubs[pair] = hub
    return hubs


def _write(publisher: _Publisher, report: Report, scope: _Scope,
           pairs: Mapping[Pair, _Pair], hubs: Mapping[Pair, Any],
           dry_run: bool) -> tuple[int, int, int]:
    """Send what was decided (a dry run only batches it, to find what is over the limits);
    the findings imported, archived and moved in the workflow."""
    imported = archived = updates = 0
    if not hubs:
        return imported, archived, updates
    batchers = {pair: _Batcher(publisher, hub, pair, dry_run) for pair, hub in hubs.items()}
    # The report's findings are made again only when one of them is to be sent.
    sending = any(pairs[pair].send for pair in hubs)
    for finding in (_findings(report, scope) if sending else ()):
        pair = (finding["AwsAccountId"], finding["Region"])
        batcher = batchers.get(pair)
        outgoing = pairs[pair].outgoing(finding) if batcher is not None else None
        if batcher is not None and outgoing is not None:
            batcher.add(outgoing)
    for pair, batcher in sorted(batchers.items()):
        state = pairs[pair]
        for owned in state.archived_leftovers():
            batcher.add(owned)
        if dry_run:
            continue
        batcher.flush()
        archived += batcher.archived
        imported += batcher.imported
        for status, found in state.workflow.items():
            if found:
                note = (f"{TOOL_NAME}: a waiver covers this finding" if status == "SUPPRESSED"
                        else f"{TOOL_NAME}: the waiver that suppressed this finding "
                             "expired or was removed")
                updates += publisher.update_workflow(batcher.hub, pair, status, found, note)
    return imported, archived, updates


def publish_permissions() -> dict[str, Any]:
    """The IAM policy statement ``publish`` needs, in each account it writes to."""
    return {"Sid": "BedrockDriftPublish", "Effect": "Allow",
            "Action": ["securityhub:BatchImportFindings", "securityhub:BatchUpdateFindings",
                       "securityhub:GetFindings"],
            "Resource": "*"}
