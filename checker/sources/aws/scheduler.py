"""The scheduler of one live read: the shared thread pool, the clients, the deadlines (through
the clients) and what the workers found, guarded by one lock.

The parts of a read (the listing in ``fetcher``, ``named``, ``context``, ``posture`` and the
enrichment readers in ``enrich``) each hold the scheduler and ask it to run their tasks, make
their clients and record their errors; none of them knows the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, EndpointConnectionError

from checker.results import ModelInput, ReportError, ReportWarning
from checker.sources.aws.clients import REGION_NOT_ENABLED, RELEASED, Clients, NoClient
from checker.sources.aws.errors import error_code, error_message, one_line
from checker.sources.aws.pool import RankedPool, current_rank
from checker.sources.aws.regions import Account, sts_region

# The progress line is redrawn at most this often.
PROGRESS_SECONDS = 0.1


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
    # (account index, region) -> every setting read there (for models' ``account``), the
    # failures as enrichment errors.
    settings: dict[tuple[int, str], ModelInput] = field(default_factory=dict)


class Scheduler:
    """Runs the tasks of one read on the shared pool and keeps what they found."""

    def __init__(self, *, accounts: Sequence[Account], clients: Clients,
                 executor: RankedPool, known_regions: Callable[[], frozenset[str]],
                 strict_regions: bool,
                 progress: Callable[[FetchProgress], None] | None) -> None:
        self.accounts = accounts
        self.by_index = {account.index: account for account in accounts}
        self.clients = clients
        self.executor = executor
        self.known_regions = known_regions
        self.strict_regions = strict_regions
        self.progress = progress
        self.out = Collected()
        # account index -> its tasks queued or running (and holds): at 0 its reads are done.
        self.pending: dict[int, int] = {}
        self.released = 0
        self.progress_at = -PROGRESS_SECONDS

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        """Queue a task of an account: the account is the first argument, else the task
        that queues it is of that account. The workers take the tasks of the account that
        comes first in the run before any of the next's (:mod:`pool`)."""
        first = args[0] if args else None
        rank = first.index if isinstance(first, Account) else current_rank()
        with self.out.lock:
            self.pending[rank] = self.pending.get(rank, 0) + 1
        future = self.executor.submit(rank, self._run, rank, fn, args)
        with self.out.lock:
            self.out.futures.append(future)

    def _run(self, rank: int, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        finally:
            self._done(rank)

    @contextmanager
    def hold(self, account: Account) -> Iterator[None]:
        """Keep the account's clients while the caller queues its first tasks."""
        with self.out.lock:
            self.pending[account.index] = self.pending.get(account.index, 0) + 1
        try:
            yield
        finally:
            self._done(account.index)

    def _done(self, rank: int) -> None:
        with self.out.lock:
            left = self.pending[rank] = self.pending[rank] - 1
            if left:
                return
            del self.pending[rank]
            account = self.by_index.get(rank)
            self.released += 1
        if account is not None:
            # Nothing more will be read for it: its own clients and its credentials go.
            self.clients.release(account)
            if account.signer is not None:
                account.signer = RELEASED

    def wait(self) -> None:
        """Wait for every task, including the ones tasks submitted while running."""
        while True:
            with self.out.lock:
                pending, self.out.futures = self.out.futures, []
            if not pending:
                return
            for future in pending:
                future.result()  # re-raises a bug in a worker instead of hiding it

    def add_error(self, key: tuple[int, ...], error: ReportError) -> None:
        with self.out.lock:
            self.out.errors.append((key, error))
        self.report_progress()

    def report_progress(self, *, last: bool = False) -> None:
        """Tell the progress line how far the run is: at most every
        :data:`PROGRESS_SECONDS` (counting costs a pass over every account and region), and
        once more at the end (``last``)."""
        if self.progress is None:
            return
        now = time.monotonic()
        if not last and now - self.progress_at < PROGRESS_SECONDS:
            return
        self.progress_at = now
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
        if isinstance(exc, EndpointConnectionError) and region not in self.known_regions():
            return " (botocore does not list Bedrock in this region: is it offered there?)"
        return ""

    def drop_disabled_regions(self, account: Account) -> None:
        """--all-regions: ask EC2 ``DescribeRegions`` which regions are enabled for the
        account; one it reports ``not-opted-in`` is skipped with a warning, unread (unless
        --strict-regions). Every other region is then read, and any failure there is an
        error. If EC2 cannot say (no ``ec2:DescribeRegions`` permission, say), a region is
        skipped only when it answers as AWS does where the account is not enabled."""
        try:
            ec2 = self.client(account, "ec2", sts_region(account, account))
            answer = ec2.describe_regions(AllRegions=True)
            statuses = {str(r["RegionName"]): str(r["OptInStatus"])
                        for r in answer["Regions"]}
        except Exception:  # EC2 could not say: fall back on the answers
            return
        with self.out.lock:
            account.opt_in = statuses
        if self.strict_regions:
            return
        off = [r for r in account.regions if statuses.get(r) == "not-opted-in"]
        with self.out.lock:
            for region in off:
                account.regions_skipped.add(region)
                self.out.warnings.setdefault((account.index, region), ReportWarning(
                    "region-skipped",
                    f"{account.where(region)}: skipped: not enabled for the account (EC2 "
                    "DescribeRegions: not-opted-in; --strict-regions makes this an error)"))
            account.regions = [r for r in account.regions if r not in off]
            account.name_regions = [r for r in account.name_regions if r not in off]

    def skip_region(self, account: Account, region: str, api: str, exc: Exception) -> bool:
        """With --all-regions, a region that answers as not enabled is skipped with a
        warning (unless --strict-regions, or EC2 already said which regions are enabled:
        then every failure is an error); True if it was."""
        code = error_code(exc)
        if not account.all_regions or self.strict_regions or code not in REGION_NOT_ENABLED \
                or account.opt_in is not None:
            return False
        with self.out.lock:
            account.regions_skipped.add(region)
            self.out.warnings.setdefault((account.index, region), ReportWarning(
                "region-skipped",
                f"{account.where(region)}: skipped: {api} answered {code} "
                f"({error_message(exc)}); the region is probably not enabled for the account "
                "(--strict-regions makes this an error)"))
        return True
