"""One run's fetcher: its accounts, clients and thread pool, and what the workers found."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
)

from checker.documents import normalize_document, parse_arn
from checker.results import ModelInput, ReportError, ReportWarning
from checker.sources.aws.clients import (
    GET_API,
    LIST_API,
    REGION_NOT_ENABLED,
    SERVICE,
    Clients,
    NoClient,
)
from checker.sources.aws.context import ModelContext, RegionContext
from checker.sources.aws.credentials import assumed_session
from checker.sources.aws.enrich import Enricher, Fetched, OnceCache
from checker.sources.aws.errors import error_code, error_message, failure, one_line
from checker.sources.aws.named import NamedModels
from checker.sources.aws.paging import list_pages
from checker.sources.aws.posture import Postures
from checker.sources.aws.regions import Account, sts_region
from checker.sources.aws.responses import check_identity


@dataclass(frozen=True)
class FetchProgress:
    """How far a run is: for a progress line."""

    accounts_done: int
    accounts: int
    regions_done: int
    regions: int
    models: int
    listed: int
    errors: int


@dataclass
class Collected:
    """What the worker threads found, guarded by one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # sort key -> model, so the output order is stable whatever finishes first.
    models: dict[tuple[int, ...], ModelInput] = field(default_factory=dict)
    errors: list[tuple[tuple[int, ...], ReportError]] = field(default_factory=list)
    warnings: dict[tuple[int, str], ReportWarning] = field(default_factory=dict)
    futures: list[Future[None]] = field(default_factory=list)
    # --model runs: sort key -> (account index, region, identifier).
    targets: dict[tuple[int, ...], tuple[int, str, str]] = field(default_factory=dict)
    listed: int = 0
    # (account index, region position) -> the account's settings there (resource: account).
    postures: dict[tuple[int, int], ModelInput] = field(default_factory=dict)


class Fetcher(Enricher, ModelContext, NamedModels, Postures):
    """One run: the accounts, the clients and the shared thread pool."""

    def __init__(self, *, accounts: list[Account], base: Account | None, clients: Clients,
                 executor: ThreadPoolExecutor, needs: frozenset[str],
                 known_regions: frozenset[str], include_imported: bool, strict_regions: bool,
                 role_session_name: str, model_ids: Sequence[str],
                 progress: Callable[[FetchProgress], None] | None,
                 posture: frozenset[str] | None = None) -> None:
        self.accounts = accounts
        self.base = base
        self.clients = clients
        self.executor = executor
        self.needs = needs
        self.known_regions = known_regions
        self.kinds = ("model", "imported") if include_imported else ("model",)
        self.strict_regions = strict_regions
        self.role_session_name = role_session_name
        self.model_ids = list(dict.fromkeys(model_ids))
        self.progress = progress
        self.out = Collected()
        self.owners: OnceCache[dict[str, str] | tuple[str, str]] = OnceCache()
        self.jobs: OnceCache[Fetched] = OnceCache()
        self.keys: OnceCache[Fetched] = OnceCache()
        self.import_jobs: OnceCache[Fetched] = OnceCache()
        self.foundation_models: OnceCache[Fetched] = OnceCache()
        self.foundation_models_any: OnceCache[tuple[int, Fetched]] = OnceCache()
        self.contexts: dict[tuple[int, str], RegionContext] = {}
        self.posture = posture
        self.callers: OnceCache[str | tuple[str, str]] = OnceCache()

    # -- scheduling -------------------------------------------------------------------

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        future = self.executor.submit(fn, *args)
        with self.out.lock:
            self.out.futures.append(future)

    def wait(self) -> None:
        """Wait for every task, including the ones tasks submitted while running."""
        done = 0
        while True:
            with self.out.lock:
                pending = self.out.futures[done:]
            if not pending:
                return
            for future in pending:
                future.result()  # re-raises a bug in a worker instead of hiding it
            done += len(pending)

    def add_error(self, key: tuple[int, ...], error: ReportError) -> None:
        with self.out.lock:
            self.out.errors.append((key, error))
        self.report_progress()

    def report_progress(self) -> None:
        if self.progress is None:
            return
        with self.out.lock:
            regions = sum(len(a.regions) for a in self.accounts)
            regions_done = sum(1 for a in self.accounts for r in a.regions
                               if a.failed or a.listings_left.get(r, 1) == 0)
            accounts_done = sum(1 for a in self.accounts
                                if a.failed or all(a.listings_left.get(r, 1) == 0
                                                   for r in a.regions))
            snapshot = FetchProgress(accounts_done=accounts_done, accounts=len(self.accounts),
                                     regions_done=regions_done, regions=regions,
                                     models=len(self.out.models), listed=self.out.listed,
                                     errors=len(self.out.errors))
        self.progress(snapshot)

    def client(self, account: Account, service: str, region: str) -> Any:
        """The account's client for ``service`` in ``region``; :class:`NoClient` if botocore
        cannot make one (a malformed region name, say)."""
        try:
            return self.clients.get(account, service, region)
        except (BotoCoreError, ValueError) as exc:
            raise NoClient(error_code(exc), one_line(exc)) from None

    def region_hint(self, region: str, exc: Exception) -> str:
        if isinstance(exc, EndpointConnectionError) and region not in self.known_regions:
            return " (botocore does not list Bedrock in this region: is it offered there?)"
        return ""

    # -- accounts ---------------------------------------------------------------------

    def start(self) -> None:
        """Open every account (concurrently) and start reading its regions."""
        for account in self.accounts:
            if account.opener == "session":
                self.start_account(account)
            else:
                self.submit(self.open_account, account)

    def open_account(self, account: Account) -> None:
        """Assume the account's role (or look up a profile's account id), then read it."""
        spec = account.spec
        if account.opener == "role":
            assert self.base is not None and spec.role_arn is not None
            api = f"AssumeRole {spec.role_arn}"
            try:
                sts = self.clients.get(self.base, "sts", sts_region(self.base, account))
                params = {"RoleArn": spec.role_arn, "RoleSessionName": self.role_session_name}
                if spec.external_id is not None:
                    params["ExternalId"] = spec.external_id

                def assume() -> Any:
                    return sts.assume_role(**params)["Credentials"]

                # Renewed by botocore before they expire: a run may outlast them.
                account.session = assumed_session(self.base.session, assume(), assume)
            except (ClientError, BotoCoreError, ValueError) as exc:
                self.account_failed(account, account.account_id or spec.role_arn, api, exc)
                return
        else:
            try:
                sts = self.clients.get(account, "sts", sts_region(account, account))
                account.account_id = str(sts.get_caller_identity()["Account"])
            except (ClientError, BotoCoreError, ValueError) as exc:
                who = f"profile {spec.profile}" if spec.profile else "the current credentials"
                self.account_failed(account, who, "GetCallerIdentity", exc)
                return
            account.label = account.account_id
        self.start_account(account)

    def account_failed(self, account: Account, who: str, api: str, exc: Exception) -> None:
        code, message = failure(who, api, exc)
        with self.out.lock:
            account.failed = True
        self.add_error((account.index, -1), ReportError(
            code=code, message=f"{message} (no model of this account was read)",
            account_id=account.account_id))

    def start_account(self, account: Account) -> None:
        with self.out.lock:
            for region in account.regions:
                account.listings_left[region] = len(self.kinds)
        self.start_context(account)
        self.start_posture(account)
        if self.model_ids:
            self.start_named(account)
            return
        for pos, region in enumerate(account.regions):
            for stream, kind in enumerate(self.kinds):
                self.submit(self.list_region, account, pos, stream, region, kind)

    # -- listing ----------------------------------------------------------------------

    def list_region(self, account: Account, pos: int, stream: int, region: str,
                    kind: str) -> None:
        """Page through the listing and start a Get for each model summary."""
        api, method = LIST_API[kind]
        seq = 0
        try:
            client = self.client(account, SERVICE, region)
            # Never pass isOwned: models shared from other accounts must be judged too.
            for page in list_pages(client, method):
                # Each page was checked against botocore's shape: a list of summaries,
                # each with its modelArn.
                summaries = page["modelSummaries"]
                with self.out.lock:
                    self.out.listed += len(summaries)
                for summary in summaries:
                    self.submit(self.fetch_model, account, region,
                                (account.index, pos, stream, seq), summary, None, kind)
                    seq += 1
        except Exception as exc:  # any failure is the listing's error
            self.listing_failed(account, pos, stream, seq, region, api, exc)
        else:
            with self.out.lock:
                account.regions_read.add(region)
        finally:
            with self.out.lock:
                account.listings_left[region] -= 1
            self.report_progress()

    def listing_failed(self, account: Account, pos: int, stream: int, seq: int, region: str,
                       api: str, exc: Exception) -> None:
        code = error_code(exc)
        where = account.where(region)
        if self.skip_region(account, region, api, exc):
            return
        if isinstance(exc, NoClient):
            code, message = exc.code, f"{where}: {exc.code}: {exc.message}"
        else:
            message = (f"{where}: {api}: {code}: {error_message(exc)}"
                       f"{self.region_hint(region, exc)}")
        self.add_error((account.index, pos, stream, seq), ReportError(
            code=code, message=message, region=region, account_id=account.account_id))

    def skip_region(self, account: Account, region: str, api: str, exc: Exception) -> bool:
        """With --all-regions, a region that answers as not enabled is skipped with a
        warning (unless --strict-regions); True if it was."""
        code = error_code(exc)
        if not account.all_regions or self.strict_regions or code not in REGION_NOT_ENABLED:
            return False
        with self.out.lock:
            account.regions_skipped.add(region)
            self.out.warnings.setdefault((account.index, region), ReportWarning(
                "region-skipped",
                f"{account.where(region)}: skipped: {api} answered {code} "
                f"({error_message(exc)}); the region is probably not enabled for the account "
                "(--strict-regions makes this an error)"))
        return True

    # -- one model --------------------------------------------------------------------

    def fetch_model(self, account: Account, region: str, key: tuple[int, ...],
                    summary: Mapping[str, Any] | None, identifier: str | None,
                    kind: str) -> None:
        """Get one listed model (or a --model), then what the rules need of it."""
        ident = identifier or (summary or {}).get("modelArn") or (summary or {}).get("modelName")
        api, method = GET_API[kind]
        try:
            client = self.client(account, SERVICE, region)
            raw = getattr(client, method)(modelIdentifier=ident)
            check_identity(raw, summary, identifier)
            document = normalize_document(raw)
            if summary is not None and summary.get("ownerAccountId"):
                document["ownerAccountId"] = str(summary["ownerAccountId"])
            elif kind == "imported" and document.get("accountId"):
                # Imported models are listed only in the account that holds them: the ARN's
                # account is the owner.
                document["ownerAccountId"] = document["accountId"]
            errors = self.enrich(account, region, kind, document, ident, client)
        except Exception as exc:  # any failure is the model's error
            self.model_failed(account, region, key, summary, identifier, f"{api} {ident}", exc)
            return
        with self.out.lock:
            self.out.models[key] = ModelInput(
                document=document,
                kind=kind,
                origin=f"aws:{region}" if account.label is None
                else f"aws:{account.label}:{region}",
                enrichment_errors=errors,
            )
            account.regions_read.add(region)
        self.report_progress()

    def model_failed(self, account: Account, region: str, key: tuple[int, ...],
                     summary: Mapping[str, Any] | None, identifier: str | None, api: str,
                     exc: Exception) -> None:
        if identifier is not None and self.skip_region(account, region, api.split()[0], exc):
            return  # a --model looked up in every region: not there, as far as we can tell
        arn = (summary or {}).get("modelArn")
        if arn is None and identifier is not None and parse_arn(identifier) is not None:
            arn = identifier
        name = (summary or {}).get("modelName")
        if name is None and identifier is not None and arn is None:
            name = identifier
        parts = parse_arn(arn)
        if isinstance(exc, NoClient):
            code, message = exc.code, f"{account.where(region)}: {exc.code}: {exc.message}"
        else:
            code, message = failure(account.where(region), api, exc)
        self.add_error(key, ReportError(
            code=code, message=message + self.region_hint(region, exc),
            model_arn=arn, model_name=name, region=region,
            account_id=((parts[3] or None) if parts else None) or account.account_id))

    # -- the result -------------------------------------------------------------------

    def errors(self) -> list[ReportError]:
        """Every error, in a stable order; for --model runs, only the real misses."""
        if self.model_ids:
            ordered = self._named_errors()
        else:
            ordered = [error for _, error in sorted(self.out.errors, key=lambda item: item[0])]
        for account in self.accounts:
            if (account.regions and not account.failed and not account.regions_read
                    and account.regions_skipped == set(account.regions)):
                who = account.label or "the account"
                ordered.append(ReportError(
                    code="NoRegionRead",
                    message=f"{who}: none of its {len(account.regions)} regions could be "
                            "read (each was skipped as not enabled): check the credentials "
                            "and the network",
                    account_id=account.account_id))
        return ordered
