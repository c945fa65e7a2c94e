"""Import a report's findings into AWS Security Hub, so the hub shows the current state.

For each account and region the report's findings are in:

1. ``GetFindings`` reads the findings this tool imported earlier (product the account's
   default one, ``ProductFields`` naming the tool, ``RecordState`` ACTIVE). The same test is
   applied to the answer, so a hub that ignores a filter cannot widen what is touched.
2. Each finding of the report is compared with the hub's copy: an identical one (whatever
   its ``UpdatedAt`` and ``LastObservedAt``) is not sent again, so publishing the same
   report twice changes nothing; a changed one keeps the hub's ``CreatedAt`` and
   ``FirstObservedAt``.
3. With ``resolve_missing`` (the default), a (model, rule) that now passes is sent as
   ``PASSED`` and ``RecordState: ARCHIVED`` when the hub holds an active finding for it (a
   pass the hub never saw is not sent at all), and the hub's active findings that the
   report no longer holds (a model deleted, a rule removed) are archived, but only in an
   account and region the report read completely: a region that could not be listed, or a
   model that could not be read, archives nothing there; and only what the report could
   have judged (see ``_Leftovers``): a policy it loaded, a rule it ran, a model of a read
   that read them all. Without it, passes are imported
   as active ``PASSED`` findings, as the ASFF report has them, and nothing is archived.
4. ``BatchImportFindings`` takes batches of at most 100 findings and 6 MB (a finding over
   240 KB is an error, not sent). Throttling is retried (adaptive mode, then past the retry
   quota); every ``FailedFindings`` entry becomes an error naming the finding.

Security Hub does not let ``BatchImportFindings`` change ``Workflow`` or ``Note`` of a
finding that exists: a waiver added later shows in the finding's ``ProductFields``
(``bedrock-drift/Status: waived``), not as a suppressed workflow.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checker import TOOL_NAME
from checker.reports.asff import GENERATOR_FIELD, UNKNOWN, FindingParts, asff_findings, product_arn
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
from checker.sources.aws.paging import list_pages
from checker.sources.aws.responses import check_response

MAX_BATCH = 100
MAX_BATCH_BYTES = 6 * 1024 * 1024
MAX_FINDING_BYTES = 240 * 1024
# Fields a comparison ignores: times that move with every run, and the ones Security Hub
# keeps from the first import (Workflow, Note) or that the hub adds itself.
_IGNORED = frozenset({"UpdatedAt", "LastObservedAt", "CreatedAt", "FirstObservedAt",
                      "Workflow", "Note"})

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


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: findings sent (new or changed), left alone, archived, errors."""

    imported: int
    unchanged: int
    archived: int
    errors: tuple[PublishError, ...]
    calls: Mapping[str, int] = field(default_factory=dict)  # API calls by operation
    pairs: tuple[Pair, ...] = ()

    @property
    def exit_code(self) -> int:
        return 2 if self.errors else 0


def _same(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    return all(old.get(key) == value for key, value in new.items() if key not in _IGNORED)


def _complete_pairs(report: Report, found: Iterable[Pair]) -> set[Pair]:
    """The (account, region) pairs the report read completely. A pair is incomplete when an
    error names no rule (a region or model not read) and names the pair; such an error
    that names no region or account leaves every pair incomplete. ``found`` are the pairs
    the report's findings are in."""
    accounts = report.scanned.accounts or tuple(sorted(
        {m.model.account_id for m in report.models if m.model.account_id}))
    only = accounts[0] if len(accounts) == 1 else None
    incomplete: set[Pair] = set()
    for error in report.errors:
        if error.rule is not None:
            continue
        account = error.account_id or only
        if error.region is None or account is None:
            return set()  # cannot tell where: archive nothing anywhere
        incomplete.add((account, error.region))
    pairs = set(found)
    if reads_every_model(report) and only is not None:
        # One account read live: every region it read, including one whose models are gone.
        pairs |= {(only, region) for region in report.scanned.regions}
    return pairs - incomplete


def reads_every_model(report: Report) -> bool:
    """Whether the report read every model of its accounts and regions: live AWS only, not
    limited to some models (``--model``). Model documents from files say nothing of the
    account's other models."""
    return set(report.scanned.sources) == {"aws"} and not report.scanned.models


class _Leftovers:
    """Which of the hub's active findings that the report does not hold may be archived: of
    a policy the report loaded (another run, with other policies, may own the rest), a rule
    it ran (any rule of those policies when no --rule, --skip-rule or --framework limited
    it), a model it judged (any model when it read every one)."""

    def __init__(self, report: Report) -> None:
        self.policies = {p.name for p in report.policies}
        filters = report.rule_filters
        self.rules = (None if not (filters.rule or filters.skip_rule or report.framework)
                      else {r.qualified_id for p in report.policies for r in p.rules})
        parts = FindingParts()
        self.models = (None if reads_every_model(report)
                       else {parts.model(m.model)[4]["Id"] for m in report.models})

    def may_archive(self, old: Mapping[str, Any]) -> bool:
        fields = old.get("ProductFields")
        policy = fields.get(f"{TOOL_NAME}/Policy") if isinstance(fields, dict) else None
        if policy not in self.policies:
            return False
        if self.rules is not None and old.get("GeneratorId") not in self.rules:
            return False
        if self.models is None:
            return True
        resources = old.get("Resources") or [{}]
        return isinstance(resources[0], dict) and resources[0].get("Id") in self.models


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

    # --- accounts ----------------------------------------------------------------------

    def _client(self, session: Any, credentials: Mapping[str, str], service: str,
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
        sts = self._client(session, {}, "sts", session.region_name or region)
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
        except (ClientError, BotoCoreError) as exc:
            self.errors.append(PublishError(error_code(exc), f"GetCallerIdentity: "
                                            f"{one_line(exc)}"))
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
                sts = self._client(self.base, {}, "sts", self.base.region_name or region)
                creds = sts.assume_role(**params)["Credentials"]
            except (ClientError, BotoCoreError) as exc:
                self.errors.append(PublishError(error_code(exc), f"AssumeRole {role.role_arn}: "
                                                f"{one_line(exc)}", account))
                continue
            self.sessions[account] = (self.base, {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"]})

    # --- one account and region --------------------------------------------------------

    def existing(self, hub: Any, pair: Pair, partition: str) -> dict[str, dict[str, Any]]:
        """The hub's active findings of this tool in the pair, by Id."""
        arn = product_arn(partition, pair[1], pair[0])
        filters = {
            "ProductArn": [{"Value": arn, "Comparison": "EQUALS"}],
            "ProductFields": [{"Key": GENERATOR_FIELD, "Value": TOOL_NAME,
                               "Comparison": "EQUALS"}],
            "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        }
        found: dict[str, dict[str, Any]] = {}
        # Each token once and a bound on pages: a hub whose tokens cycle is an error of
        # the pair, never a publish that pages forever.
        for page in list_pages(hub, "get_findings", token_key="NextToken",
                               size_key="MaxResults", page_size=100, Filters=filters):
            for finding in page.get("Findings", []):
                if (finding.get("ProductArn") == arn
                        and finding.get("AwsAccountId") == pair[0]
                        and (finding.get("ProductFields") or {}).get(GENERATOR_FIELD)
                        == TOOL_NAME
                        and finding.get("RecordState", "ACTIVE") == "ACTIVE"):
                    found[finding["Id"]] = finding
        return found

    def send(self, hub: Any, pair: Pair, findings: list[dict[str, Any]]) -> int:
        """Import ``findings`` in batches within Security Hub's limits; how many took."""
        done = 0
        for batch in _batches(findings, self.errors, pair):
            try:
                answer = hub.batch_import_findings(Findings=batch)
            except (ClientError, BotoCoreError) as exc:
                for finding in batch:
                    self.errors.append(PublishError(error_code(exc), one_line(exc), *pair,
                                                    finding["Id"]))
                continue
            failed = answer.get("FailedFindings") or []
            for entry in failed:
                self.errors.append(PublishError(
                    str(entry.get("ErrorCode") or "FailedFinding"),
                    one_line(entry.get("ErrorMessage") or "BatchImportFindings refused it"),
                    *pair, str(entry.get("Id") or "")))
            done += len(batch) - len(failed)
        return done


def _batches(findings: list[dict[str, Any]], errors: list[PublishError],
             pair: Pair) -> Iterable[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for finding in findings:
        length = len(json.dumps(finding, ensure_ascii=False).encode("utf-8"))
        if length > MAX_FINDING_BYTES:
            errors.append(PublishError("FindingTooLarge", f"{length} bytes, more than "
                                       f"Security Hub's {MAX_FINDING_BYTES}", *pair,
                                       finding["Id"]))
            continue
        if batch and (len(batch) == MAX_BATCH or size + length > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(finding)
        size += length
    if batch:
        yield batch


def publish_report(
    report: Report | Mapping[str, Any],
    session_factory: SessionFactory,
    *,
    profile: str | None = None,
    accounts: Sequence[AccountSpec] = (),
    resolve_missing: bool = True,
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> PublishResult:
    """Import ``report``'s findings into Security Hub (see the module docstring).

    ``report`` is a :class:`Report` or a JSON report as read from a file.
    ``session_factory(profile)`` makes the boto3 sessions. Without ``accounts`` only the
    credentials' own account is written to; ``accounts`` (roles to assume, or profiles)
    reach the others. Errors are returned in the result, never raised for one finding,
    account or region; a report that is not one raises :class:`checker.errors.InputError`.
    """
    if not isinstance(report, Report):
        report = read_report(report, "the report")
    by_pair: dict[Pair, list[dict[str, Any]]] = {}
    errors: list[PublishError] = []
    for finding in asff_findings(report):
        pair = (finding["AwsAccountId"], finding["Region"])
        if UNKNOWN in pair:
            errors.append(PublishError(
                "NoAccount", "a planned model has no account or region yet: its findings "
                "cannot be imported", None, None, finding["Id"]))
            continue
        by_pair.setdefault(pair, []).append(finding)
    complete = _complete_pairs(report, by_pair) if resolve_missing else set()
    leftovers = _Leftovers(report)
    pairs = sorted(set(by_pair) | complete)
    publisher = _Publisher(session_factory, profile=profile, accounts=accounts,
                           role_session_name=role_session_name, max_attempts=max_attempts)
    publisher.errors = errors
    if pairs:
        publisher.open_accounts(pairs)
    imported = unchanged = archived = 0
    for pair in pairs:
        if pair[0] not in publisher.sessions:
            continue
        session, credentials = publisher.sessions[pair[0]]
        findings = by_pair.get(pair, [])
        partition = findings[0]["ProductArn"].split(":")[1] if findings else "aws"
        try:
            hub = publisher._client(session, credentials, "securityhub", pair[1])
            existing = publisher.existing(hub, pair, partition)
        except (ClientError, BotoCoreError) as exc:
            publisher.errors.append(PublishError(error_code(exc), f"GetFindings: "
                                                 f"{one_line(exc)}", *pair))
            continue
        to_send: list[dict[str, Any]] = []
        to_archive: list[dict[str, Any]] = []
        for finding in findings:
            old = existing.pop(finding["Id"], None)
            passed = finding["Compliance"]["Status"] == "PASSED"
            if resolve_missing and passed:
                if old is None:
                    continue  # a pass the hub never saw: nothing to resolve
                finding = {**finding, "RecordState": "ARCHIVED"}
            if old is not None:
                if _same(finding, old):
                    unchanged += 1
                    continue
                for key in ("CreatedAt", "FirstObservedAt"):
                    if key in old:
                        finding = {**finding, key: old[key]}
            (to_archive if finding["RecordState"] == "ARCHIVED" else to_send).append(finding)
        if pair in complete:
            for old in existing.values():
                if not leftovers.may_archive(old):
                    continue  # a model or rule this report did not judge
                to_archive.append({**old, "RecordState": "ARCHIVED",
                                   "UpdatedAt": report.generated_at})
        imported += publisher.send(hub, pair, to_send)
        archived += publisher.send(hub, pair, to_archive)
    return PublishResult(imported=imported, unchanged=unchanged, archived=archived,
                         errors=tuple(publisher.errors), calls=dict(publisher.calls),
                         pairs=tuple(pairs))


def publish_permissions() -> dict[str, Any]:
    """The IAM policy statement ``publish`` needs, in each account it writes to."""
    return {"Sid": "BedrockDriftPublish", "Effect": "Allow",
            "Action": ["securityhub:BatchImportFindings", "securityhub:GetFindings"],
            "Resource": "*"}

