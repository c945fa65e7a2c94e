"""The live AWS source: the Bedrock custom models of accounts and regions, read concurrently.

Reads only: ``ListCustomModels``, ``GetCustomModel``; with ``include_imported``,
``ListImportedModels`` and ``GetImportedModel``; and, only when a loaded rule needs them,
``ListTagsForResource`` (``tags``), ``GetModelCustomizationJob`` (``job``), KMS
``DescribeKey`` and ``ListAliases`` (``kmsKey``). Reading other accounts adds
``sts:AssumeRole`` (a role per account) or ``sts:GetCallerIdentity`` (a profile's account
id): both read-only. Every region of every account is read at once, under one bound on the
requests in flight (``workers``), all clients sharing one retry and timeout
configuration.

Everything that could not be read is returned as a :class:`~checker.results.ReportError`
(an account, a region, a model) or as an enrichment error on the model (its tags, job or
key), so a model that was not really judged can never look like one that passed. Only
failures that make the whole run meaningless (no credentials, an unknown profile, no
region at all) raise :class:`SourceError`.
"""

from __future__ import annotations

import copy
import os
import random
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    ProfileNotFound,
)

from checker.documents import normalize_document, parse_arn
from checker.errors import SourceError
from checker.results import ModelInput, ReportError, ReportWarning
from checker.sources import SourceResult
from checker.sources.aws_accounts import DEFAULT_ROLE_SESSION_NAME, AccountSpec
from checker.sources.aws_enrich import Fetched, OnceCache, fetch_job, fetch_kms_key
from checker.sources.aws_errors import error_code, error_message, failure, one_line, record_calls

if TYPE_CHECKING:
    import boto3.session

__all__ = ["DEFAULT_MAX_ATTEMPTS", "DEFAULT_ROLE_SESSION_NAME", "DEFAULT_WORKERS",
           "AccountSpec", "FetchProgress", "default_session_factory", "fetch_models",
           "one_line"]

SessionFactory = Callable[[str | None], "boto3.session.Session"]

# Enough concurrency to hide a real AWS round trip (tens of ms from inside a region,
# ~100 ms from a laptop) for hundreds of models, yet small enough that adaptive retry
# mode can settle under Bedrock's control-plane request quotas. The README's Speed section
# has the measurements behind the choice.
DEFAULT_WORKERS = 32
DEFAULT_MAX_ATTEMPTS = 10
# The largest page ListCustomModels accepts: fewer sequential list round trips.
LIST_PAGE_SIZE = 1000

SERVICE = "bedrock"
# What an opt-in region that is not enabled for the account answers (the credentials are
# unknown there), or a region whose endpoint cannot be reached. With --all-regions such a
# region is skipped with a warning, unless --strict-regions.
REGION_NOT_ENABLED = frozenset({
    "UnrecognizedClientException", "InvalidClientTokenId", "OptInRequired",
    "EndpointConnectionError", "ConnectTimeoutError",
})

# Error codes that mean "slow down" (a subset of botocore's list of throttling codes).
THROTTLING_CODES = frozenset({"ThrottlingException", "TooManyRequestsException", "Throttling"})


def resend_throttled(max_attempts: int) -> Callable[..., float | None]:
    """A ``needs-retry`` handler: retry a throttled request that botocore gave up on only
    because the client's retry quota was spent.

    That quota (500 tokens per client, shared by all its threads, 5 per throttled retry) is
    emptied at once by a burst of about 100 throttled requests in flight (``--workers``
    above ~100 against one account and region), and botocore then fails the next throttled
    requests without a single retry, whatever ``--max-attempts`` says. The adaptive rate
    limiter still paces the resent request, and ``max_attempts`` still bounds the calls.
    """
    def handler(response: Any = None, attempts: int = 0, **_: Any) -> float | None:
        if response is None or attempts >= max_attempts:
            return None
        parsed = response[1]
        if not parsed.get("ResponseMetadata", {}).get("RetryQuotaReached"):
            return None
        if parsed.get("Error", {}).get("Code") not in THROTTLING_CODES:
            return None
        # Full jitter on an exponential back-off, as botocore's own for throttling.
        return random.random() * min(2.0 ** (attempts - 1), 20.0)
    return handler


# What a listed model is read with, by kind.
_GET = {"model": ("GetCustomModel", "get_custom_model"),
        "imported": ("GetImportedModel", "get_imported_model")}
_LIST = {"model": ("ListCustomModels", "list_custom_models"),
         "imported": ("ListImportedModels", "list_imported_models")}


def default_session_factory(profile: str | None) -> boto3.session.Session:
    """A boto3 session on the standard credential chain, for ``profile`` if given."""
    import boto3.session

    return boto3.session.Session(profile_name=profile)


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
class _Account:
    """One account being read: its credentials, regions and how far it got."""

    index: int
    spec: AccountSpec
    session: Any
    regions: list[str]
    all_regions: bool
    account_id: str | None
    # Shown before the region in messages; None for the default credentials' account,
    # whose id is not looked up (its messages start with the region, as in one-account runs).
    label: str | None
    # How the account is opened: "role" (AssumeRole), "profile" (its id looked up with
    # GetCallerIdentity) or "session" (the default credentials, nothing to do).
    opener: str = "session"
    # --model runs: the regions a model name is looked up in.
    name_regions: list[str] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)
    regions_read: set[str] = field(default_factory=set)
    regions_skipped: set[str] = field(default_factory=set)
    listings_left: dict[str, int] = field(default_factory=dict)
    failed: bool = False

    def where(self, region: str) -> str:
        return region if self.label is None else f"{self.label}/{region}"


@dataclass
class _Collected:
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


class _Clients:
    """Every client of the run, made once per (account, service, region) with one Config."""

    def __init__(self, config: Config, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> None:
        self.config = config
        self.max_attempts = max_attempts
        self.lock = threading.Lock()
        self.cache: dict[tuple[int, str, str], Any] = {}

    def get(self, account: _Account, service: str, region: str) -> Any:
        key = (account.index, service, region)
        client = self.cache.get(key)  # the common case, without waiting on a creation
        if client is not None:
            return client
        # boto3 sessions are not thread-safe (the clients they make are): make clients one
        # at a time.
        with self.lock:
            client = self.cache.get(key)
            if client is None:
                client = account.session.client(service, region_name=region,
                                                config=self.config, **account.credentials)
                # After botocore's own retry handlers, which answer None when out of quota.
                client.meta.events.register("needs-retry",
                                            resend_throttled(self.max_attempts))
                self.cache[key] = client
            return client


class _NoClient(Exception):
    """botocore could not make a client (no request was sent)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Fetcher:
    """One run: the accounts, the clients and the shared thread pool."""

    def __init__(self, *, accounts: list[_Account], base: _Account | None, clients: _Clients,
                 executor: ThreadPoolExecutor, needs: frozenset[str],
                 known_regions: frozenset[str], include_imported: bool, strict_regions: bool,
                 role_session_name: str, model_ids: Sequence[str],
                 progress: Callable[[FetchProgress], None] | None) -> None:
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
        self.out = _Collected()
        self.owners: OnceCache[dict[str, str] | tuple[str, str]] = OnceCache()
        self.jobs: OnceCache[Fetched] = OnceCache()
        self.keys: OnceCache[Fetched] = OnceCache()

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

    def client(self, account: _Account, service: str, region: str) -> Any:
        """The account's client for ``service`` in ``region``; :class:`_NoClient` if botocore
        cannot make one (a malformed region name, say)."""
        try:
            return self.clients.get(account, service, region)
        except (BotoCoreError, ValueError) as exc:
            raise _NoClient(error_code(exc), one_line(exc)) from None

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

    def open_account(self, account: _Account) -> None:
        """Assume the account's role (or look up a profile's account id), then read it."""
        spec = account.spec
        if account.opener == "role":
            assert self.base is not None and spec.role_arn is not None
            api = f"AssumeRole {spec.role_arn}"
            try:
                sts = self.clients.get(self.base, "sts", _sts_region(self.base, account))
                params = {"RoleArn": spec.role_arn, "RoleSessionName": self.role_session_name}
                if spec.external_id is not None:
                    params["ExternalId"] = spec.external_id
                credentials = sts.assume_role(**params)["Credentials"]
            except (ClientError, BotoCoreError, ValueError) as exc:
                self.account_failed(account, account.account_id or spec.role_arn, api, exc)
                return
            account.credentials = {
                "aws_access_key_id": credentials["AccessKeyId"],
                "aws_secret_access_key": credentials["SecretAccessKey"],
                "aws_session_token": credentials["SessionToken"],
            }
        else:
            try:
                sts = self.clients.get(account, "sts", _sts_region(account, account))
                account.account_id = str(sts.get_caller_identity()["Account"])
            except (ClientError, BotoCoreError, ValueError) as exc:
                self.account_failed(account, f"profile {spec.profile}", "GetCallerIdentity",
                                    exc)
                return
            account.label = account.account_id
        self.start_account(account)

    def account_failed(self, account: _Account, who: str, api: str, exc: Exception) -> None:
        code, message = failure(who, api, exc)
        with self.out.lock:
            account.failed = True
        self.add_error((account.index, -1), ReportError(
            code=code, message=f"{message} (no model of this account was read)",
            account_id=account.account_id))

    def start_account(self, account: _Account) -> None:
        with self.out.lock:
            for region in account.regions:
                account.listings_left[region] = len(self.kinds)
        if self.model_ids:
            self.start_named(account)
            return
        for pos, region in enumerate(account.regions):
            for stream, kind in enumerate(self.kinds):
                self.submit(self.list_region, account, pos, stream, region, kind)

    # -- listing ----------------------------------------------------------------------

    def list_region(self, account: _Account, pos: int, stream: int, region: str,
                    kind: str) -> None:
        """Page through the listing and start a Get for each model summary."""
        api, method = _LIST[kind]
        seq = 0
        try:
            client = self.client(account, SERVICE, region)
            # Never pass isOwned: models shared from other accounts must be judged too.
            paginator = client.get_paginator(method)
            for page in paginator.paginate(PaginationConfig={"PageSize": LIST_PAGE_SIZE}):
                summaries = page.get("modelSummaries", [])
                with self.out.lock:
                    self.out.listed += len(summaries)
                for summary in summaries:
                    self.submit(self.fetch_model, account, region,
                                (account.index, pos, stream, seq), summary, None, kind)
                    seq += 1
        except (ClientError, BotoCoreError, _NoClient) as exc:
            self.listing_failed(account, pos, stream, seq, region, api, exc)
        else:
            with self.out.lock:
                account.regions_read.add(region)
        finally:
            with self.out.lock:
                account.listings_left[region] -= 1
            self.report_progress()

    def listing_failed(self, account: _Account, pos: int, stream: int, seq: int, region: str,
                       api: str, exc: Exception) -> None:
        code = error_code(exc)
        where = account.where(region)
        if self.skip_region(account, region, api, exc):
            return
        if isinstance(exc, _NoClient):
            code, message = exc.code, f"{where}: {exc.code}: {exc.message}"
        else:
            message = (f"{where}: {api}: {code}: {error_message(exc)}"
                       f"{self.region_hint(region, exc)}")
        self.add_error((account.index, pos, stream, seq), ReportError(
            code=code, message=message, region=region, account_id=account.account_id))

    def skip_region(self, account: _Account, region: str, api: str, exc: Exception) -> bool:
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

    def fetch_model(self, account: _Account, region: str, key: tuple[int, ...],
                    summary: Mapping[str, Any] | None, identifier: str | None,
                    kind: str) -> None:
        """Get one listed model (or a --model), then what the rules need of it."""
        ident = identifier or (summary or {}).get("modelArn") or (summary or {}).get("modelName")
        api, method = _GET[kind]
        try:
            client = self.client(account, SERVICE, region)
            raw = getattr(client, method)(modelIdentifier=ident)
        except (ClientError, BotoCoreError, _NoClient) as exc:
            self.model_failed(account, region, key, summary, identifier, f"{api} {ident}", exc)
            return

        document = normalize_document(raw)
        if summary is not None and summary.get("ownerAccountId"):
            document["ownerAccountId"] = str(summary["ownerAccountId"])
        elif kind == "imported" and document.get("accountId"):
            # Imported models are listed only in the account that holds them: the ARN's
            # account is the owner.
            document["ownerAccountId"] = document["accountId"]
        errors = self.enrich(account, region, kind, document, ident, client)
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

    def model_failed(self, account: _Account, region: str, key: tuple[int, ...],
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
        if isinstance(exc, _NoClient):
            code, message = exc.code, f"{account.where(region)}: {exc.code}: {exc.message}"
        else:
            code, message = failure(account.where(region), api, exc)
        self.add_error(key, ReportError(
            code=code, message=message + self.region_hint(region, exc),
            model_arn=arn, model_name=name, region=region,
            account_id=((parts[3] or None) if parts else None) or account.account_id))

    def enrich(self, account: _Account, region: str, kind: str, document: dict[str, Any],
               ident: str | None, client: Any) -> dict[str, tuple[str, str]]:
        """Add the keys the rules need to ``document``; the failures, by key."""
        errors: dict[str, tuple[str, str]] = {}
        where = account.where(region)
        model_arn = document.get("modelArn")
        if "tags" in self.needs:
            try:
                if not isinstance(model_arn, str):
                    raise ValueError(f"{_GET[kind][0]} returned no modelArn")
                response = client.list_tags_for_resource(resourceARN=model_arn)
                document["tags"] = {
                    str(tag.get("key")): tag.get("value") for tag in response.get("tags", [])
                }
            except (ClientError, BotoCoreError, ValueError) as exc:
                code = error_code(exc) if not isinstance(exc, ValueError) else "MissingModelArn"
                errors["tags"] = (code, f"{where}: ListTagsForResource {model_arn or ident}: "
                                        f"{code}: {error_message(exc)}")
        if "job" in self.needs:
            job_arn = document.get("jobArn")
            # An imported model's jobArn is its import job, not a customization job.
            if kind == "imported" or not isinstance(job_arn, str) or not job_arn:
                document["job"] = None
            else:
                self.add_shared(document, errors, "job", self.jobs, account, job_arn, region,
                                "bedrock", fetch_job)
        if "kmsKey" in self.needs:
            key_id = document.get("modelKmsKeyArn")
            if not isinstance(key_id, str) or not key_id:
                document["kmsKey"] = None  # an AWS-owned key
            else:
                self.add_shared(document, errors, "kmsKey", self.keys, account, key_id, region,
                                "kms", fetch_kms_key)
        return errors

    def add_shared(self, document: dict[str, Any], errors: dict[str, tuple[str, str]],
                   name: str, cache: OnceCache[Fetched], account: _Account, resource: str,
                   model_region: str, service: str,
                   fetch: Callable[[Any, str, str], Fetched]) -> None:
        """Add ``name`` from a resource many models may share, read once per account."""
        parts = parse_arn(resource)
        region = parts[2] if parts is not None and parts[2] else model_region
        where = account.where(region)

        def compute() -> Fetched:
            try:
                client = self.client(account, service, region)
            except _NoClient as exc:
                return None, (exc.code, f"{where}: {exc.code}: {exc.message}")
            return fetch(client, resource, where)

        value, error = cache.get((account.index, resource), compute)
        if error is not None:
            errors[name] = error
        else:
            # Each model gets its own copy: documents are handed out separately.
            document[name] = copy.deepcopy(value)

    # -- --model ----------------------------------------------------------------------

    def start_named(self, account: _Account) -> None:
        """Start a Get for each --model this account may hold: a name in each of its
        regions, an ARN in its own region if it is this account's (or the account's id is
        unknown)."""
        for seq, ident in enumerate(self.model_ids):
            parts = parse_arn(ident)
            if parts is not None and parts[2]:
                if account.account_id and parts[3] and parts[3] != account.account_id:
                    continue
                regions = [parts[2]]
                kind = "imported" if parts[4].startswith("imported-model/") else "model"
            else:
                regions, kind = account.name_regions, "model"
            with self.out.lock:
                self.out.listed += 1  # for the progress line: one model asked for
            for region in regions:
                with self.out.lock:
                    key = (account.index, seq, len(self.out.targets))
                    self.out.targets[key] = (account.index, region, ident)
                self.submit(self.fetch_named, account, region, key, ident, kind)
        with self.out.lock:
            for region in account.regions:
                account.listings_left[region] = 0

    def fetch_named(self, account: _Account, region: str, key: tuple[int, ...], ident: str,
                    kind: str) -> None:
        """A --model: the Get, then ownerAccountId from the listing if a rule needs it."""
        self.fetch_model(account, region, key, None, ident, kind)
        if "ownerAccountId" not in self.needs or kind == "imported":
            return
        with self.out.lock:
            model = self.out.models.get(key)
        if model is None:
            return
        owners = self.owners.get((account.index, region),
                                 lambda: self._list_owners(account, region))
        document = dict(model.document)
        errors = dict(model.enrichment_errors)
        if isinstance(owners, tuple):
            errors["ownerAccountId"] = owners
        elif document.get("modelArn") in owners:
            document["ownerAccountId"] = owners[document["modelArn"]]
        else:
            errors["ownerAccountId"] = (
                "NotListed",
                f"{account.where(region)}: ListCustomModels: NotListed: "
                f"{document.get('modelArn')} is not in the listing, so its owner account is "
                "unknown",
            )
        with self.out.lock:
            self.out.models[key] = ModelInput(
                document=document, kind=model.kind, origin=model.origin, enrichment_errors=errors
            )

    def _list_owners(self, account: _Account, region: str) -> dict[str, str] | tuple[str, str]:
        """modelArn -> ownerAccountId for a region, or (code, message) if listing failed.
        Listed once per account and region, however many --model names it serves."""
        owners: dict[str, str] = {}
        try:
            client = self.client(account, SERVICE, region)
            paginator = client.get_paginator("list_custom_models")
            for page in paginator.paginate(PaginationConfig={"PageSize": LIST_PAGE_SIZE}):
                for summary in page.get("modelSummaries", []):
                    if summary.get("modelArn") and summary.get("ownerAccountId"):
                        owners[summary["modelArn"]] = summary["ownerAccountId"]
        except _NoClient as exc:
            return exc.code, f"{account.where(region)}: {exc.code}: {exc.message}"
        except (ClientError, BotoCoreError) as exc:
            return failure(account.where(region), "ListCustomModels", exc)
        return owners

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

    def _named_errors(self) -> list[ReportError]:
        """A name looked up in several places is an error only when no place has it or a
        place could not answer; an ARN no given account holds is an error."""
        out = self.out
        by_key = dict(out.errors)
        found = {out.targets[key][2] for key in out.models if key in out.targets}
        targeted = {ident for _, _, ident in out.targets.values()}
        result = [e for key, e in sorted(out.errors, key=lambda item: item[0])
                  if key not in out.targets]
        for key in sorted(out.targets):
            error = by_key.get(key)
            if error is None:
                continue
            if error.code == "ResourceNotFoundException" and out.targets[key][2] in found:
                continue  # a name that exists in another of the given regions or accounts
            result.append(error)
        live = [a for a in self.accounts if not a.failed]
        for ident in self.model_ids:
            if ident not in targeted and live:
                parts = parse_arn(ident)
                result.append(ReportError(
                    code="AccountNotGiven",
                    message=f"{ident}: the model's account is none of the accounts read",
                    model_arn=ident, region=parts[2] if parts else None,
                    account_id=parts[3] if parts else None))
        return result


def _sts_region(base: _Account, account: _Account) -> str:
    """Where to call STS: the session's region, else one of the account's regions."""
    return base.session.region_name or (account.regions[0] if account.regions else "us-east-1")


def _open_session(session_factory: SessionFactory, profile: str | None) -> Any:
    try:
        session = session_factory(profile)
    except ProfileNotFound as exc:
        # Without --profile the name comes from AWS_PROFILE: say which one it was.
        name = profile or getattr(exc, "kwargs", {}).get("profile") or os.environ.get(
            "AWS_PROFILE")
        raise SourceError(
            f"AWS profile {name!r} not found in the AWS config or credentials file"
        ) from None
    except BotoCoreError as exc:
        raise SourceError(f"cannot open an AWS session: {one_line(exc)}") from None
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise SourceError(f"cannot load AWS credentials: {one_line(exc)}") from None
    if credentials is None:
        which = f" for profile {profile!r}" if profile else ""
        raise SourceError(
            f"no AWS credentials found{which}: set them up for the standard credential chain "
            "(environment, ~/.aws, SSO, instance role) or pass --profile"
        )
    record_calls(session)
    return session


def _available_regions(session: Any, partition: str) -> list[str]:
    """The regions where botocore's endpoint data offers Bedrock, in that partition."""
    try:
        return list(session.get_available_regions(SERVICE, partition_name=partition))
    except (BotoCoreError, ValueError):
        return []


def _partition_of(session: Any) -> str:
    """The partition of the session's region (aws-us-gov for us-gov-west-1, say), else aws."""
    region = session.region_name
    try:
        return str(session.get_partition_for_region(region)) if region else "aws"
    except (BotoCoreError, ValueError):
        return "aws"


def _name_regions(model_ids: Sequence[str], name_regions: list[str]) -> list[str]:
    """The regions --model names are looked up in; raise if a name has none."""
    for ident in model_ids:
        parts = parse_arn(ident)
        if (parts is None or not parts[2]) and not name_regions:
            raise SourceError(
                f"no AWS region for model {ident!r}: pass --region, set AWS_REGION, or give "
                "the model's ARN"
            )
    return name_regions


def fetch_models(
    session_factory: SessionFactory,
    *,
    profile: str | None,
    regions: Sequence[str],
    model_ids: Sequence[str],
    needs: frozenset[str],
    workers: int = DEFAULT_WORKERS,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    connect_timeout: float = 5,
    read_timeout: float = 30,
    accounts: Sequence[AccountSpec] = (),
    all_regions: bool = False,
    strict_regions: bool = False,
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME,
    include_imported: bool = False,
    progress: Callable[[FetchProgress], None] | None = None,
) -> SourceResult:
    """Read the custom models of ``regions`` (or just ``model_ids``) from live AWS.

    ``session_factory(profile)`` makes the boto3 session; ``needs`` names the enrichments
    a loaded rule or scope refers to (``tags``, ``job``, ``kmsKey``; ``ownerAccountId``
    comes with the listing). ``accounts`` are read instead of the session's own account:
    each through its role (assumed with the session's credentials) or its profile, in its
    own regions or the run's. ``all_regions`` reads every region where botocore lists
    Bedrock, skipping with a warning those that answer as not enabled (an error with
    ``strict_regions``). ``include_imported`` adds Custom Model Import models
    (``kind="imported"``). ``progress`` is called, from worker threads, as the run goes.

    Per-account, per-region and per-model failures are returned as errors in the result;
    a failure of the whole run raises :class:`SourceError`.
    """
    if workers < 1:
        raise SourceError(f"--workers must be at least 1, not {workers}")
    if max_attempts < 1:
        raise SourceError(f"--max-attempts must be at least 1, not {max_attempts}")
    if all_regions and regions:
        raise SourceError("--all-regions and --region cannot be combined")
    specs = list(accounts) or [AccountSpec(profile=profile)]
    use_base = not accounts or any(spec.role_arn is not None for spec in specs)
    base_session = _open_session(session_factory, profile) if use_base else None

    regions = list(dict.fromkeys(regions))
    model_ids = list(dict.fromkeys(model_ids))
    run_accounts: list[_Account] = []
    for index, spec in enumerate(specs):
        if not accounts:
            session, opener, label = base_session, "session", None
        elif spec.role_arn is not None:
            session, opener, label = base_session, "role", spec.account_id
        else:
            session = _open_session(session_factory, spec.profile)
            opener, label = "profile", spec.profile
        assert session is not None
        account = _Account(index=index, spec=spec, session=session, regions=[],
                           all_regions=False, account_id=spec.account_id, label=label,
                           opener=opener)
        _set_regions(account, regions, all_regions, model_ids)
        run_accounts.append(account)

    config = Config(
        # total_max_attempts counts the first call too (botocore's max_attempts counts only
        # the retries), so --max-attempts 10 means ten calls at most, as AWS_MAX_ATTEMPTS does.
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=max(workers, 10),
    )
    known_session = base_session or run_accounts[0].session
    known = frozenset(_available_regions(known_session, "aws"))
    base = (_Account(index=-1, spec=AccountSpec(profile=profile), session=base_session,
                     regions=[], all_regions=False, account_id=None, label=None)
            if base_session is not None else None)

    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bedrock")
    fetcher = _Fetcher(accounts=run_accounts, base=base, clients=_Clients(config, max_attempts),
                       executor=executor, needs=needs, known_regions=known,
                       include_imported=include_imported, strict_regions=strict_regions,
                       role_session_name=role_session_name, model_ids=model_ids,
                       progress=progress)
    try:
        fetcher.start()
        fetcher.wait()
    except BaseException:
        # Ctrl-C (or a bug in a worker): drop the queued requests instead of sending them.
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)

    out = fetcher.out
    models = _unique(model for _, model in sorted(out.models.items()))
    account_ids = {str(m.document["accountId"]) for m in models if m.document.get("accountId")}
    account_ids.update(a.account_id for a in run_accounts if a.account_id and a.regions_read)
    read_regions = list(dict.fromkeys(
        region for account in run_accounts for region in account.regions
        if region in account.regions_read))
    warnings = [w for _, w in sorted(out.warnings.items())]
    return SourceResult(
        models=models,
        errors=tuple(fetcher.errors()),
        sources=("aws",),
        accounts=tuple(sorted(account_ids)),
        regions=tuple(read_regions),
        warnings=tuple(warnings),
    )


def _set_regions(account: _Account, regions: Sequence[str], all_regions: bool,
                 model_ids: Sequence[str]) -> None:
    """Decide the regions one account is read in (and, for --model, where names are
    looked up); raise :class:`SourceError` when there is none."""
    spec = account.spec
    default_region: str | None = account.session.region_name
    if spec.regions:
        chosen = list(spec.regions)
    elif all_regions:
        partition = spec.partition if spec.role_arn else _partition_of(account.session)
        chosen = _available_regions(account.session, partition)
        if not chosen:
            raise SourceError(f"botocore lists no region offering Bedrock in partition "
                              f"{partition!r}")
        account.all_regions = True
    elif model_ids:
        chosen = list(regions) or ([default_region] if default_region else [])
    elif regions:
        chosen = list(regions)
    elif default_region:
        chosen = [default_region]
    else:
        raise SourceError("no AWS region: pass --region, set AWS_REGION, or set a region in "
                          "the profile")
    if not model_ids:
        account.regions = chosen
        return
    account.name_regions = _name_regions(model_ids, chosen)
    # The regions of a --model run, in the order the models name them.
    wanted: list[str] = []
    for ident in model_ids:
        parts = parse_arn(ident)
        wanted.extend([parts[2]] if parts is not None and parts[2] else chosen)
    account.regions = list(dict.fromkeys(wanted))


def _unique(models: Iterable[ModelInput]) -> tuple[ModelInput, ...]:
    """Each model once, though --model named it twice (by name and by ARN, say)."""
    seen: set[str] = set()
    result: list[ModelInput] = []
    for model in models:
        arn = model.document.get("modelArn")
        if isinstance(arn, str):
            if arn in seen:
                continue
            seen.add(arn)
        result.append(model)
    return tuple(result)
