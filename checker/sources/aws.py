"""The live AWS source: every Bedrock custom model of the given regions, read concurrently.

Reads only: ``ListCustomModels``, ``GetCustomModel`` and, when a loaded rule or scope
refers to ``tags``, ``ListTagsForResource``. Everything that could not be read is
returned as a :class:`~checker.results.ReportError` (a region, a model) or as an
enrichment error on the model (its tags), so a model that was not really judged can
never look like one that passed. Only failures that make the whole run meaningless
(no credentials, an unknown profile, no region at all) raise :class:`SourceError`.
"""

from __future__ import annotations

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
    NoRegionError,
    ProfileNotFound,
)

from checker.documents import normalize_document, parse_arn
from checker.errors import SourceError
from checker.results import ModelInput, ReportError
from checker.sources import SourceResult

if TYPE_CHECKING:
    import boto3.session

SessionFactory = Callable[[str | None], "boto3.session.Session"]

# Enough concurrency to hide a real AWS round trip (tens of ms from inside a region,
# ~100 ms from a laptop) for hundreds of models, yet small enough that adaptive retry
# mode can settle under Bedrock's control-plane request quotas. docs/aws.md has the
# measurements behind the choice.
DEFAULT_WORKERS = 32
DEFAULT_MAX_ATTEMPTS = 10
# The largest page ListCustomModels accepts: fewer sequential list round trips.
LIST_PAGE_SIZE = 1000

SERVICE = "bedrock"


def default_session_factory(profile: str | None) -> boto3.session.Session:
    """A boto3 session on the standard credential chain, for ``profile`` if given."""
    import boto3.session

    return boto3.session.Session(profile_name=profile)


def one_line(text: object) -> str:
    """Collapse whitespace so an AWS message fits on one report line."""
    return " ".join(str(text).split())


def _error_code(exc: Exception) -> str:
    """The AWS error code of a client error, or the botocore exception's class name."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else "ClientError"
    return type(exc).__name__


def _error_message(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        message = exc.response.get("Error", {}).get("Message")
        if message:
            return one_line(message)
    return one_line(exc)


@dataclass
class _Collected:
    """What the worker threads found, guarded by one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    # (region position, position within the region) -> model, so output order is stable.
    models: dict[tuple[int, int], ModelInput] = field(default_factory=dict)
    errors: list[tuple[tuple[int, int], ReportError]] = field(default_factory=list)
    regions_read: set[str] = field(default_factory=set)
    futures: list[Future[None]] = field(default_factory=list)


class _Fetcher:
    """One run: the clients (created before fanning out) and the shared thread pool."""

    def __init__(
        self,
        clients: Mapping[str, Any],
        executor: ThreadPoolExecutor,
        needs: frozenset[str],
        known_regions: frozenset[str],
    ) -> None:
        self.clients = clients
        self.executor = executor
        self.needs = needs
        self.known_regions = known_regions
        self.out = _Collected()
        self.region_pos = {region: i for i, region in enumerate(clients)}
        self.owners: dict[str, dict[str, str] | tuple[str, str]] = {}
        self.owner_locks: dict[str, threading.Lock] = {}

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

    def add_error(self, key: tuple[int, int], error: ReportError) -> None:
        with self.out.lock:
            self.out.errors.append((key, error))

    def region_hint(self, region: str, exc: Exception) -> str:
        if isinstance(exc, EndpointConnectionError) and region not in self.known_regions:
            return " (botocore does not list Bedrock in this region: is it offered there?)"
        return ""

    # -- listing ----------------------------------------------------------------------

    def list_region(self, region: str) -> None:
        """Page through ListCustomModels and start a GetCustomModel for each summary."""
        pos = self.region_pos[region]
        client = self.clients[region]
        seq = 0
        try:
            # Never pass isOwned: models shared from other accounts must be judged too.
            paginator = client.get_paginator("list_custom_models")
            for page in paginator.paginate(PaginationConfig={"PageSize": LIST_PAGE_SIZE}):
                for summary in page.get("modelSummaries", []):
                    self.submit(self.fetch_model, region, (pos, seq), summary, None)
                    seq += 1
        except (ClientError, BotoCoreError) as exc:
            code = _error_code(exc)
            self.add_error(
                (pos, seq),
                ReportError(
                    code=code,
                    message=f"{region}: ListCustomModels: {code}: {_error_message(exc)}"
                    f"{self.region_hint(region, exc)}",
                    region=region,
                ),
            )
            return
        with self.out.lock:
            self.out.regions_read.add(region)

    def owner_accounts(self, region: str) -> dict[str, str] | tuple[str, str]:
        """modelArn -> ownerAccountId for a region, or (code, message) if listing failed.

        Listed once per region, however many --model names it serves.
        """
        with self.out.lock:
            region_lock = self.owner_locks.setdefault(region, threading.Lock())
        with region_lock:
            if region not in self.owners:
                self.owners[region] = self._list_owners(region)
            return self.owners[region]

    def _list_owners(self, region: str) -> dict[str, str] | tuple[str, str]:
        owners: dict[str, str] = {}
        try:
            paginator = self.clients[region].get_paginator("list_custom_models")
            for page in paginator.paginate(PaginationConfig={"PageSize": LIST_PAGE_SIZE}):
                for summary in page.get("modelSummaries", []):
                    if summary.get("modelArn") and summary.get("ownerAccountId"):
                        owners[summary["modelArn"]] = summary["ownerAccountId"]
        except (ClientError, BotoCoreError) as exc:
            code = _error_code(exc)
            return code, f"{region}: ListCustomModels: {code}: {_error_message(exc)}"
        return owners

    # -- one model --------------------------------------------------------------------

    def fetch_model(
        self,
        region: str,
        key: tuple[int, int],
        summary: Mapping[str, Any] | None,
        identifier: str | None,
    ) -> None:
        """GetCustomModel (and its tags when needed) for a listed summary or a --model."""
        client = self.clients[region]
        ident = identifier or (summary or {}).get("modelArn") or (summary or {}).get("modelName")
        try:
            raw = client.get_custom_model(modelIdentifier=ident)
        except (ClientError, BotoCoreError) as exc:
            code = _error_code(exc)
            arn = (summary or {}).get("modelArn")
            if arn is None and identifier is not None and parse_arn(identifier) is not None:
                arn = identifier
            name = (summary or {}).get("modelName")
            if name is None and identifier is not None and arn is None:
                name = identifier
            parts = parse_arn(arn)
            self.add_error(
                key,
                ReportError(
                    code=code,
                    message=f"{region}: GetCustomModel {ident}: {code}: {_error_message(exc)}"
                    f"{self.region_hint(region, exc)}",
                    model_arn=arn,
                    model_name=name,
                    region=region,
                    account_id=(parts[3] or None) if parts else None,
                ),
            )
            return

        document = normalize_document(raw)
        if summary is not None and summary.get("ownerAccountId"):
            document["ownerAccountId"] = str(summary["ownerAccountId"])
        enrichment_errors: dict[str, tuple[str, str]] = {}
        model_arn = document.get("modelArn")
        if "tags" in self.needs:
            try:
                if not isinstance(model_arn, str):
                    raise ValueError("GetCustomModel returned no modelArn")
                response = client.list_tags_for_resource(resourceARN=model_arn)
                document["tags"] = {
                    str(tag.get("key")): tag.get("value") for tag in response.get("tags", [])
                }
            except (ClientError, BotoCoreError, ValueError) as exc:
                code = _error_code(exc) if not isinstance(exc, ValueError) else "MissingModelArn"
                enrichment_errors["tags"] = (
                    code,
                    f"{region}: ListTagsForResource {model_arn or ident}: {code}: "
                    f"{_error_message(exc)}",
                )
        with self.out.lock:
            self.out.models[key] = ModelInput(
                document=document,
                kind="model",
                origin=f"aws:{region}",
                enrichment_errors=enrichment_errors,
            )
            self.out.regions_read.add(region)

    def fetch_named(self, region: str, key: tuple[int, int], identifier: str) -> None:
        """A --model: GetCustomModel, then ownerAccountId from the listing if a rule needs it."""
        self.fetch_model(region, key, None, identifier)
        if "ownerAccountId" not in self.needs:
            return
        with self.out.lock:
            model = self.out.models.get(key)
        if model is None:
            return
        owners = self.owner_accounts(region)
        document = dict(model.document)
        errors = dict(model.enrichment_errors)
        if isinstance(owners, tuple):
            errors["ownerAccountId"] = owners
        elif document.get("modelArn") in owners:
            document["ownerAccountId"] = owners[document["modelArn"]]
        else:
            errors["ownerAccountId"] = (
                "NotListed",
                f"{region}: ListCustomModels: NotListed: {document.get('modelArn')} is not in "
                "the listing, so its owner account is unknown",
            )
        with self.out.lock:
            self.out.models[key] = ModelInput(
                document=document, kind=model.kind, origin=model.origin, enrichment_errors=errors
            )


def _open_session(session_factory: SessionFactory, profile: str | None) -> Any:
    try:
        session = session_factory(profile)
    except ProfileNotFound:
        raise SourceError(
            f"AWS profile {profile!r} not found in the AWS config or credentials file"
        ) from None
    except BotoCoreError as exc:
        raise SourceError(f"cannot open an AWS session: {one_line(exc)}") from None
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise SourceError(f"cannot load AWS credentials: {one_line(exc)}") from None
    if credentials is None:
        raise SourceError(
            "no AWS credentials found: set them up for the standard credential chain "
            "(environment, ~/.aws, SSO, instance role) or pass --profile"
        )
    return session


def _targets(
    model_ids: Sequence[str], regions: Sequence[str], default_region: str | None
) -> list[tuple[str, str]]:
    """(region, identifier) pairs for --model: an ARN names its region; a name is looked
    up in every region given (or the session's region)."""
    targets: list[tuple[str, str]] = []
    name_regions = list(regions) or ([default_region] if default_region else [])
    for ident in dict.fromkeys(model_ids):
        parts = parse_arn(ident)
        if parts is not None and parts[2]:
            targets.append((parts[2], ident))
            continue
        if not name_regions:
            raise SourceError(
                f"no AWS region for model {ident!r}: pass --region, set AWS_REGION, or give "
                "the model's ARN"
            )
        targets.extend((region, ident) for region in name_regions)
    return targets


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
) -> SourceResult:
    """Read the custom models of ``regions`` (or just ``model_ids``) from live AWS.

    ``session_factory(profile)`` makes the boto3 session; ``needs`` names the enrichments
    a loaded rule or scope refers to (only ``tags`` is fetched here; ``ownerAccountId``
    comes with the listing). Per-region and per-model failures are returned as errors in
    the result; a failure of the whole run raises :class:`SourceError`.
    """
    if workers < 1:
        raise SourceError(f"--workers must be at least 1, not {workers}")
    if max_attempts < 1:
        raise SourceError(f"--max-attempts must be at least 1, not {max_attempts}")
    session = _open_session(session_factory, profile)
    default_region: str | None = session.region_name

    regions = list(dict.fromkeys(regions))
    if model_ids:
        targets = _targets(model_ids, regions, default_region)
        wanted_regions = list(dict.fromkeys(region for region, _ in targets))
    else:
        targets = []
        if not regions:
            if not default_region:
                raise SourceError(
                    "no AWS region: pass --region, set AWS_REGION, or set a region in "
                    "the profile"
                )
            regions = [default_region]
        wanted_regions = regions

    config = Config(
        # total_max_attempts counts the first call too (botocore's max_attempts counts only
        # the retries), so --max-attempts 10 means ten calls at most, as AWS_MAX_ATTEMPTS does.
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=max(workers, 10),
    )
    errors: list[ReportError] = []
    # Clients are created here, on one thread: boto3 sessions are not thread-safe, the
    # clients they make are.
    clients: dict[str, Any] = {}
    for region in wanted_regions:
        try:
            clients[region] = session.client(SERVICE, region_name=region, config=config)
        except (BotoCoreError, ValueError) as exc:
            if isinstance(exc, NoRegionError):
                raise SourceError(f"no AWS region: {one_line(exc)}") from None
            code = _error_code(exc)
            errors.append(
                ReportError(code=code, message=f"{region}: {code}: {one_line(exc)}", region=region)
            )
    try:
        known = frozenset(session.get_available_regions(SERVICE))
    except (BotoCoreError, ValueError):
        known = frozenset()

    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bedrock")
    fetcher = _Fetcher(clients, executor, needs, known)
    try:
        if targets:
            for seq, (region, ident) in enumerate(targets):
                if region in clients:
                    fetcher.submit(fetcher.fetch_named, region, (0, seq), ident)
        else:
            for region in clients:
                fetcher.submit(fetcher.list_region, region)
        fetcher.wait()
    except BaseException:
        # Ctrl-C (or a bug in a worker): drop the queued requests instead of sending them.
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)

    out = fetcher.out
    if targets:
        errors.extend(_missing_names(targets, out))
    else:
        errors.extend(error for _, error in sorted(out.errors, key=lambda item: item[0]))
    models = _unique(model for _, model in sorted(out.models.items()))
    accounts = sorted(
        {str(m.document["accountId"]) for m in models if m.document.get("accountId")}
    )
    return SourceResult(
        models=models,
        errors=tuple(errors),
        sources=("aws",),
        accounts=tuple(accounts),
        regions=tuple(region for region in wanted_regions if region in out.regions_read),
    )


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


def _missing_names(
    targets: Sequence[tuple[str, str]], out: _Collected
) -> list[ReportError]:
    """The errors of a --model run. A name looked up in several regions is an error only
    when no region has it (ResourceNotFound everywhere) or a region could not answer."""
    by_key = dict(out.errors)
    found_idents = {targets[seq][1] for (_, seq) in out.models}
    result: list[ReportError] = []
    for seq, (_region, ident) in enumerate(targets):
        error = by_key.get((0, seq))
        if error is None:
            continue
        if error.code == "ResourceNotFoundException" and ident in found_idents:
            continue  # a name that exists in another of the given regions
        result.append(error)
    return result
