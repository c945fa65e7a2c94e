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

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from checker.errors import SourceError
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
from checker.sources.aws.deadlines import (
    DEFAULT_READ_TIMEOUT,
    DEFAULT_RUN_TIMEOUT,
    Deadlines,
)
from checker.sources.aws.errors import one_line
from checker.sources.aws.fetcher import Fetcher, FetchProgress
from checker.sources.aws.regions import Account, available_regions, set_regions

__all__ = ["DEFAULT_MAX_ATTEMPTS", "DEFAULT_ROLE_SESSION_NAME", "DEFAULT_WORKERS",
           "AccountSpec", "FetchProgress", "fetch_models", "one_line"]


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
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    timeout: float | None = DEFAULT_RUN_TIMEOUT,
    accounts: Sequence[AccountSpec] = (),
    all_regions: bool = False,
    strict_regions: bool = False,
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME,
    include_imported: bool = False,
    progress: Callable[[FetchProgress], None] | None = None,
    posture: frozenset[str] | None = None,
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
    ``posture`` (not None when an account policy is loaded) makes one account document per
    account and region read, with the settings it names (see ``posture``).
    Each request must be answered within ``connect_timeout + 2 x read_timeout`` seconds and
    the run within ``timeout`` seconds: what was not read by then is an error.

    Per-account, per-region and per-model failures are returned as errors in the result;
    a failure of the whole run raises :class:`SourceError`.
    """
    if workers < 1:
        raise SourceError(f"--workers must be at least 1, not {workers}")
    if timeout is not None and not timeout > 0:
        raise SourceError(f"--timeout must be more than 0 seconds, not {timeout:g}")
    if max_attempts < 1:
        raise SourceError(f"--max-attempts must be at least 1, not {max_attempts}")
    if all_regions and regions:
        raise SourceError("--all-regions and --region cannot be combined")
    specs = list(accounts) or [AccountSpec(profile=profile)]
    use_base = not accounts or any(spec.role_arn is not None for spec in specs)
    base_session = open_session(session_factory, profile) if use_base else None

    regions = list(dict.fromkeys(regions))
    model_ids = list(dict.fromkeys(model_ids))
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
        set_regions(account, regions, all_regions, model_ids)
        run_accounts.append(account)

    config = client_config(max_attempts, connect_timeout=connect_timeout,
                           read_timeout=read_timeout, pool=max(workers, 10))
    known_session = base_session or run_accounts[0].session
    known = frozenset(available_regions(known_session, "aws"))
    base = (Account(index=-1, spec=AccountSpec(profile=profile), session=base_session,
                     regions=[], all_regions=False, account_id=None, label=None)
            if base_session is not None else None)

    deadlines = Deadlines.start(connect_timeout, read_timeout, timeout)
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bedrock")
    clients = Clients(config, max_attempts, deadlines)
    fetcher = Fetcher(accounts=run_accounts, base=base, clients=clients,
                       executor=executor, needs=needs, known_regions=known,
                       include_imported=include_imported, strict_regions=strict_regions,
                       role_session_name=role_session_name, model_ids=model_ids,
                       progress=progress, posture=posture)
    try:
        fetcher.start()
        fetcher.wait()
        fetcher.join_context()
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
    # What was read, where, as the read learnt it: the account of each listing, never of a
    # model's ARN (a model shared by another account names that account).
    reads = sorted({(ident, region) for account in run_accounts for region in account.regions
                    if region in account.regions_read
                    for ident in [fetcher.account_of(account, region)]
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
