"""The live AWS source: the Bedrock custom models of accounts and regions, read concurrently.

Reads only: ``ListCustomModels``, ``GetCustomModel``; with ``include_imported``,
``ListImportedModels`` and ``GetImportedModel``; and, only when a loaded rule needs them,
``ListTagsForResource`` (``tags``), ``GetModelCustomizationJob`` (``job``), KMS
``DescribeKey`` and ``ListAliases`` (``kmsKey``), ``GetModelImportJob`` (``importJob``),
``GetFoundationModel`` (``baseModel``), and a model's context, listed once per account and
region (``context.py``: ``deployments``, ``throughputs``, ``served``, ``copyJob``). Reading
other accounts adds
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

import functools
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from checker.results import ModelInput, SourceResult
from checker.sources.aws.accounts import DEFAULT_ROLE_SESSION_NAME, AccountSpec
from checker.sources.aws.clients import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_WORKERS,
    Clients,
    SessionFactory,
    client_config,
    open_session,
)
from checker.sources.aws.deadlines import Deadlines
from checker.sources.aws.errors import one_line
from checker.sources.aws.fetcher import Fetcher, FetchProgress
from checker.sources.aws.pool import RankedPool
from checker.sources.aws.regions import Account, available_regions, set_regions
from checker.sources.aws.request import ReadRequest

__all__ = ["DEFAULT_MAX_ATTEMPTS", "DEFAULT_ROLE_SESSION_NAME", "DEFAULT_WORKERS",
           "AccountSpec", "FetchProgress", "ReadRequest", "fetch", "fetch_models", "one_line"]


def fetch_models(session_factory: SessionFactory, **options: Any) -> SourceResult:
    """Read the custom models of ``regions`` (or just ``model_ids``) from live AWS.

    ``options`` are the fields of a :class:`~checker.sources.aws.request.ReadRequest`
    (validated once, when it is made), plus ``progress``: see :func:`fetch`. Given the
    ``request`` they were taken from (as :func:`checker.sources.read.read` does), that one
    is read, with the ``accounts`` given beside it, and nothing is validated again.
    """
    progress = options.pop("progress", None)
    request = options.pop("request", None)
    if not isinstance(request, ReadRequest):
        request = ReadRequest(**options)
    accounts = options.get("accounts", request.accounts)
    return fetch(session_factory, request, accounts, progress)


def fetch(session_factory: SessionFactory, request: ReadRequest,
          accounts: Sequence[AccountSpec] = (),
          progress: Callable[[FetchProgress], None] | None = None) -> SourceResult:
    """Read the live AWS part of ``request``.

    ``session_factory(profile)`` makes the boto3 session; ``request.needs`` names the
    enrichments a loaded rule or scope refers to (``tags``, ``job``, ``kmsKey``;
    ``ownerAccountId`` comes with the listing). ``accounts`` (those the request names, its
    organization's or its accounts file's) are read instead of the session's own account:
    each through its role (assumed with the session's credentials) or its profile, in its
    own regions or the run's. ``all_regions`` reads every region
    where botocore lists Bedrock, skipping with a warning those that answer as not enabled
    (an error with ``strict_regions``). ``include_imported`` adds Custom Model Import models
    (``kind="imported"``). ``progress`` is called, from worker threads, as the run goes.
    ``posture`` (not None when an account policy is loaded) makes one account document per
    account and region read, with the settings it names (see ``posture``).
    Each request must be answered within ``connect_timeout + 2 x read_timeout`` seconds and
    the run within ``timeout`` seconds: what was not read by then is an error.

    Per-account, per-region and per-model failures are returned as errors in the result;
    a failure of the whole run raises :class:`SourceError`.
    """
    run_accounts, base = _open_accounts(session_factory, request, accounts)
    known_session = base.session if base is not None else run_accounts[0].session

    @functools.cache
    def known() -> frozenset[str]:
        # Only for the hint on a region that cannot be reached: botocore's endpoint data
        # is loaded then, not before every read.
        return frozenset(available_regions(known_session, "aws"))
    config = client_config(request.max_attempts, connect_timeout=request.connect_timeout,
                           read_timeout=request.read_timeout, pool=max(request.workers, 10))
    deadlines = Deadlines.start(request.connect_timeout, request.read_timeout,
                                request.timeout, workers=request.workers)
    executor = RankedPool(request.workers)
    clients = Clients(config, request.max_attempts, deadlines)
    fetcher = Fetcher(request, accounts=run_accounts, base=base, clients=clients,
                      executor=executor, known_regions=known, progress=progress)
    with fewer_collections():
        try:
            fetcher.start()
            fetcher.wait()
            fetcher.scheduler.report_progress(last=True)
            fetcher.join_context()
        except BaseException:
            # Ctrl-C (or a bug in a worker): drop the queued requests instead of sending
            # them.
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown(wait=True)
    return _result(fetcher, run_accounts)


# The young generation's threshold during a read (CPython's default is 700): botocore
# allocates thousands of short-lived objects per request, and at the default the cyclic
# collector ran over the growing heap some 16,000 times in a 4,000-region read.
READ_GC_THRESHOLD = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often during a read: what start-up made (modules,
    service models, the policies) is frozen out of the collector's scans, and the young
    generation collected every :data:`READ_GC_THRESHOLD` allocations. Both are undone after
    the read."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], READ_GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _open_accounts(session_factory: SessionFactory, request: ReadRequest,
                   accounts: Sequence[AccountSpec]) -> tuple[list[Account], Account | None]:
    """The accounts of the run, each with its session and regions, and the base account
    (the session's own credentials) when one is used to assume roles or read."""
    profile = request.profile
    specs = list(accounts) or [AccountSpec(profile=profile)]
    use_base = not accounts or any(spec.role_arn is not None for spec in specs)
    base_session = open_session(session_factory, profile) if use_base else None

    regions = list(dict.fromkeys(request.regions))
    model_ids = list(dict.fromkeys(request.model_ids))
    run_accounts: list[Account] = []
    for index, spec in enumerate(specs):
        if not accounts:
            session, opener, label = base_session, "session", None
        elif spec.role_arn is not None:
            session, opener, label = base_session, "role", spec.account_id
        else:
            session = open_session(session_factory, spec.profile)
            opener, label = "profile", spec.profile
        assert session is not None
        account = Account(index=index, spec=spec, session=session, regions=[],
                           all_regions=False, account_id=spec.account_id, label=label,
                           opener=opener)
        set_regions(account, regions, request.all_regions, model_ids)
        run_accounts.append(account)
    base = (Account(index=-1, spec=AccountSpec(profile=profile), session=base_session,
                     regions=[], all_regions=False, account_id=None, label=None)
            if base_session is not None else None)
    return run_accounts, base


def _result(fetcher: Fetcher, run_accounts: list[Account]) -> SourceResult:
    """What the read found, in a stable order."""
    out = fetcher.out
    models = _unique(model for _, model in sorted(out.models.items()))
    account_ids = {str(m.document["accountId"]) for m in models if m.document.get("accountId")}
    account_ids.update(a.account_id for a in run_accounts if a.account_id and a.regions_read)
    read_regions = list(dict.fromkeys(
        region for account in run_accounts for region in account.regions
        if region in account.regions_read))
    warnings = [w for _, w in sorted(out.warnings.items())]
    # What was read, where, as the read learnt it: the account of each listing, never of a
    # model's ARN (a model shared by another account names that account).
    reads = sorted({(ident, region) for account in run_accounts for region in account.regions
                    if region in account.regions_read
                    for ident in [fetcher.postures.account_of(account, region)]
                    if isinstance(ident, str)})
    return SourceResult(
        models=models,
        errors=tuple(fetcher.errors()),
        sources=("aws",),
        accounts=tuple(sorted(account_ids)),
        regions=tuple(read_regions),
        warnings=tuple(warnings),
        postures=tuple(p for _, p in sorted(out.postures.items())),
        reads=tuple(reads),
        settings=tuple(p for _, p in sorted(out.settings.items())),
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
