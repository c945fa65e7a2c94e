"""Account settings: one document per account and region read, for ``resource: account``
policies.

The document is ``{accountId, region, invocationLogging, enforcedGuardrails}``:
``invocationLogging`` is ``GetModelInvocationLoggingConfiguration``'s ``loggingConfig``
(``null`` when logging is off) and ``enforcedGuardrails`` is
``ListEnforcedGuardrailsConfiguration``'s ``guardrailsConfig`` list (every page). Each is
read only when a loaded account rule reads it, once per account and region; a failed read
leaves the key out and carries the failure as an enrichment error, so only the rules that
read it become ``error``. The account's id comes from its role ARN or, for the default
credentials, ``sts:GetCallerIdentity``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checker.results import ModelInput, ReportError
from checker.sources.aws.clients import SERVICE, NoClient
from checker.sources.aws.enrich import OnceCache, plain
from checker.sources.aws.errors import failure
from checker.sources.aws.paging import list_pages
from checker.sources.aws.regions import Account, sts_region
from checker.sources.aws.scheduler import Scheduler

LOGGING_API = "GetModelInvocationLoggingConfiguration"
GUARDRAILS_API = "ListEnforcedGuardrailsConfiguration"


def read_logging(client: Any) -> Any:
    """``invocationLogging``: the logging configuration, or None when logging is off."""
    config = client.get_model_invocation_logging_configuration().get("loggingConfig")
    return plain(config) if config else None


def read_guardrails(client: Any) -> list[Any]:
    """``enforcedGuardrails``: every enforced guardrail configuration, across pages (the
    shared bounded pager: a cycling token or a broken page is an error, never fewer)."""
    found: list[Any] = []
    for page in list_pages(client, "list_enforced_guardrails_configuration", size_key=None):
        found.extend(plain(item) for item in page["guardrailsConfig"])
    return found


READERS = {"invocationLogging": (LOGGING_API, read_logging),
           "enforcedGuardrails": (GUARDRAILS_API, read_guardrails)}


class Postures:
    """The account settings of a read: one document per account and region."""

    def __init__(self, scheduler: Scheduler, posture: frozenset[str] | None) -> None:
        self.scheduler = scheduler
        # The settings loaded account rules read; None: no account policy is loaded.
        self.posture = posture
        self.callers: OnceCache[str | tuple[str, str]] = OnceCache()

    def start_posture(self, account: Account) -> None:
        if self.posture is None:
            return
        for pos, region in enumerate(account.regions):
            self.scheduler.submit(self.read_posture, account, pos, region)

    def account_of(self, account: Account, region: str) -> str | tuple[str, str]:
        """The account's id, or the (code, message) of the failure to learn it."""
        if account.account_id is not None:
            return account.account_id

        def ask() -> str | tuple[str, str]:
            try:
                sts = self.scheduler.clients.get(account, "sts",
                                       sts_region(account, account))
                return str(sts.get_caller_identity()["Account"])
            except (ClientError, BotoCoreError, ValueError) as exc:
                return failure(account.where(region), "GetCallerIdentity", exc)
        return self.callers.get(account.index, ask)

    def read_posture(self, account: Account, pos: int, region: str) -> None:
        assert self.posture is not None
        ident = self.account_of(account, region)
        if isinstance(ident, tuple):
            code, message = ident
            self.scheduler.add_error((account.index, pos, -1), ReportError(
                code=code, message=f"{message} (the account's settings were not judged)",
                region=region))
            return
        document: dict[str, Any] = {"accountId": ident, "region": region}
        errors: dict[str, tuple[str, str]] = {}
        for key in sorted(self.posture):
            api, read = READERS[key]
            try:
                client = self.scheduler.client(account, SERVICE, region)
                document[key] = read(client)
            except NoClient as exc:
                errors[key] = (exc.code, f"{account.where(region)}: {exc.code}: {exc.message}")
            except (ClientError, BotoCoreError) as exc:
                if self.scheduler.skip_region(account, region, api, exc):
                    return  # not enabled for the account: skipped with a warning
                errors[key] = failure(account.where(region), api, exc)
        with self.scheduler.out.lock:
            self.scheduler.out.postures[(account.index, pos)] = ModelInput(
                document=document, kind="account",
                origin=f"aws:{ident}:{region}", enrichment_errors=errors)
