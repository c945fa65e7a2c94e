"""One read's listing of the models, composed with the scheduler and the other parts of
the read (``named``, ``context``, ``posture``, ``enrich``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checker.documents import normalize_document, parse_arn
from checker.results import ModelInput, ModelKind, ReportError
from checker.sources.aws.clients import GET_API, LIST_API, SERVICE, Clients, NoClient
from checker.sources.aws.context import ModelContext
from checker.sources.aws.credentials import assumed_credentials
from checker.sources.aws.enrich import Enricher
from checker.sources.aws.errors import error_code, error_message, failure
from checker.sources.aws.named import NamedModels
from checker.sources.aws.paging import list_pages
from checker.sources.aws.pool import RankedPool
from checker.sources.aws.posture import Postures
from checker.sources.aws.regions import Account, sts_region
from checker.sources.aws.request import ReadRequest
from checker.sources.aws.responses import check_identity
from checker.sources.aws.scheduler import FetchProgress, Scheduler

__all__ = ["SUMMARY_KEYS", "FetchProgress", "Fetcher"]

# Keys read from the listing's summary of a model (a --model run lists for them: named.py).
SUMMARY_KEYS = ("ownerAccountId",)


class Fetcher:
    """One read: the listing of each account and region, a Get per model, run on the
    scheduler with the parts that read what the rules need beside the models."""

    def __init__(self, request: ReadRequest, *, accounts: list[Account],
                 base: Account | None, clients: Clients, executor: RankedPool,
                 known_regions: Callable[[], frozenset[str]],
                 progress: Callable[[FetchProgress], None] | None) -> None:
        self.accounts = accounts
        self.base = base
        self.scheduler = Scheduler(accounts=accounts, clients=clients, executor=executor,
                                   known_regions=known_regions,
                                   strict_regions=request.strict_regions, progress=progress)
        self.out = self.scheduler.out
        self.kinds = ("model", "imported") if request.include_imported else ("model",)
        self.role_session_name = request.role_session_name
        self.model_ids = list(dict.fromkeys(request.model_ids))
        self.enricher = Enricher(self.scheduler, request.needs)
        self.context = ModelContext(self.scheduler, request.needs)
        self.postures = Postures(self.scheduler, request.posture, request.needs)
        self.named = NamedModels(self.scheduler, needs=request.needs,
                                 model_ids=self.model_ids, fetch_model=self.fetch_model)

    def wait(self) -> None:
        """Wait for every task, including the ones tasks submitted while running."""
        self.scheduler.wait()

    def join_context(self) -> None:
        """Add the listed surroundings to every model read (after every task is done)."""
        self.context.join_context()
        self.postures.join_models()

    # -- accounts ---------------------------------------------------------------------

    def start(self) -> None:
        """Open every account (concurrently) and start reading its regions."""
        for account in self.accounts:
            if account.opener == "session":
                with self.scheduler.hold(account):
                    self.start_account(account)
            else:
                self.scheduler.submit(self.open_account, account)

    def open_account(self, account: Account) -> None:
        """Assume the account's role (or look up a profile's account id), then read it."""
        spec = account.spec
        if account.opener == "role":
            assert self.base is not None and spec.role_arn is not None
            api = f"AssumeRole {spec.role_arn}"
            try:
                sts = self.scheduler.clients.get(self.base, "sts", sts_region(self.base, account))
                params = {"RoleArn": spec.role_arn, "RoleSessionName": self.role_session_name}
                if spec.external_id is not None:
                    params["ExternalId"] = spec.external_id

                def assume() -> Any:
                    return sts.assume_role(**params)["Credentials"]

                # Renewed by botocore before they expire: a run may outlast them.
                account.signer = assumed_credentials(assume(), assume)
            except (ClientError, BotoCoreError, ValueError) as exc:
                self.account_failed(account, account.account_id or spec.role_arn, api, exc)
                return
        else:
            try:
                sts = self.scheduler.clients.get(account, "sts", sts_region(account, account))
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
        self.scheduler.add_error((account.index, -1), ReportError(
            code=code, message=f"{message} (no model of this account was read)",
            account_id=account.account_id))

    def start_account(self, account: Account) -> None:
        if account.all_regions:
            self.scheduler.drop_disabled_regions(account)
        with self.out.lock:
            for region in account.regions:
                account.listings_left[region] = len(self.kinds)
        self.context.start_context(account)
        self.postures.start_posture(account)
        if self.model_ids:
            self.named.start_named(account)
            return
        for pos, region in enumerate(account.regions):
            for stream, kind in enumerate(self.kinds):
                self.scheduler.submit(self.list_region, account, pos, stream, region, kind)

    # -- listing ----------------------------------------------------------------------

    def list_region(self, account: Account, pos: int, stream: int, region: str,
                    kind: ModelKind) -> None:
        """Page through the listing and start a Get for each model summary."""
        api, method = LIST_API[kind]
        seq = 0
        try:
            client = self.scheduler.client(account, SERVICE, region)
            # Never pass isOwned: models shared from other accounts must be judged too.
            for page in list_pages(client, method):
                # Each page was checked against botocore's shape: a list of summaries,
                # each with its modelArn.
                summaries = page["modelSummaries"]
                with self.out.lock:
                    self.out.listed += len(summaries)
                for summary in summaries:
                    self.scheduler.submit(self.fetch_model, account, region,
                                (account.index, pos, stream, seq), summary, None, kind)
                    seq += 1
        except Exception as exc:  # any failure is the listing's error
            self.listing_failed(account, pos, stream, seq, region, api, exc)
        else:
            with self.out.lock:
                first = not account.regions_read
                account.regions_read.add(region)
            if first and account.account_id is None:
                # The result names the account each listing read (GetCallerIdentity, once):
                # asked now, beside the reads, not after them.
                self.scheduler.submit(self.learn_account, account, region)
        finally:
            with self.out.lock:
                account.listings_left[region] -= 1
            self.scheduler.report_progress()

    def learn_account(self, account: Account, region: str) -> None:
        self.postures.account_of(account, region)

    def listing_failed(self, account: Account, pos: int, stream: int, seq: int, region: str,
                       api: str, exc: Exception) -> None:
        code = error_code(exc)
        where = account.where(region)
        if self.scheduler.skip_region(account, region, api, exc):
            return
        if isinstance(exc, NoClient):
            code, message = exc.code, f"{where}: {exc.code}: {exc.message}"
        else:
            message = (f"{where}: {api}: {code}: {error_message(exc)}"
                       f"{self.scheduler.region_hint(region, exc)}")
        self.scheduler.add_error((account.index, pos, stream, seq), ReportError(
            code=code, message=message, region=region, account_id=account.account_id))

    # -- one model --------------------------------------------------------------------

    def fetch_model(self, account: Account, region: str, key: tuple[int, ...],
                    summary: Mapping[str, Any] | None, identifier: str | None,
                    kind: ModelKind) -> None:
        """Get one listed model (or a --model), then what the rules need of it."""
        ident = identifier or (summary or {}).get("modelArn") or (summary or {}).get("modelName")
        api, method = GET_API[kind]
        try:
            client = self.scheduler.client(account, SERVICE, region)
            raw = getattr(client, method)(modelIdentifier=ident)
            check_identity(raw, summary, identifier)
            document = normalize_document(raw)
            if summary is not None and summary.get("ownerAccountId"):
                document["ownerAccountId"] = str(summary["ownerAccountId"])
            elif kind == "imported" and document.get("accountId"):
                # Imported models are listed only in the account that holds them: the ARN's
                # account is the owner.
                document["ownerAccountId"] = document["accountId"]
            errors = self.enricher.enrich(account, region, kind, document, ident, client)
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
        self.scheduler.report_progress()

    def model_failed(self, account: Account, region: str, key: tuple[int, ...],
                     summary: Mapping[str, Any] | None, identifier: str | None, api: str,
                     exc: Exception) -> None:
        if identifier is not None and self.scheduler.skip_region(account, region,
                                                                 api.split()[0], exc):
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
        self.scheduler.add_error(key, ReportError(
            code=code, message=message + self.scheduler.region_hint(region, exc),
            model_arn=arn, model_name=name, region=region,
            account_id=((parts[3] or None) if parts else None) or account.account_id))

    # -- the result -------------------------------------------------------------------

    def errors(self) -> list[ReportError]:
        """Every error, in a stable order; for --model runs, only the real misses."""
        if self.model_ids:
            ordered = self.named.named_errors()
        else:
            ordered = [error for _, error in sorted(self.out.errors, key=lambda item: item[0])]
        for account in self.accounts:
            if (account.regions_skipped and not account.failed and not account.regions_read
                    and account.regions_skipped >= set(account.regions)):
                who = account.label or "the account"
                ordered.append(ReportError(
                    code="NoRegionRead",
                    message=f"{who}: none of its {len(account.regions_skipped)} regions could be "
                            "read (each was skipped as not enabled): check the credentials "
                            "and the network",
                    account_id=account.account_id))
        return ordered
