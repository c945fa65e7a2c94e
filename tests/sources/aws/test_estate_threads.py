"""A thousand accounts read in bounded threads and clients: the run's threads never exceed
its workers and its one watchdog of deadlines, whatever the estate's size; the accounts'
clients are shared, and each account's credentials are let go when its reads are done."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3.session
import pytest

from checker.sources.aws import fetch as fetch_module
from checker.sources.aws.accounts import AccountSpec
from checker.sources.aws.clients import RELEASED, Clients
from checker.sources.aws.fetch import fetch_models
from checker.sources.aws.scheduler import Scheduler
from tests.support import ROOT

ACCOUNTS = 1000
WORKERS = 8
REGIONS = ("us-east-1", "us-west-2")


@pytest.fixture(scope="module")
def organization() -> Iterator[str]:
    """The benchmarks' stand-in for Organizations, STS and Bedrock, in its own process (its
    threads are not the client's), with no added latency."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "bedrock_stub.py"), "--accounts",
         str(ACCOUNTS), "--models", "1", "--latency", "0", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    try:
        yield line.split()[-1]
    finally:
        proc.terminate()
        proc.wait()


class Sampler:
    """The most threads alive at once, sampled while the read runs."""

    def __init__(self) -> None:
        self.most = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            self.most = max(self.most, threading.active_count())
            time.sleep(0.002)


def test_a_thousand_accounts_are_read_in_bounded_threads_and_clients(
        organization: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for service in ("BEDROCK", "STS"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", organization)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "bench")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "bench")
    made: list[Clients] = []
    schedulers: list[Scheduler] = []

    class Counted(Clients):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(fetch_module, "Clients", Counted)
    original = Scheduler.__init__

    def record(self: Scheduler, **kwargs: Any) -> None:
        original(self, **kwargs)
        schedulers.append(self)

    monkeypatch.setattr(Scheduler, "__init__", record)
    members = [f"{200000000000 + i:012d}" for i in range(1, ACCOUNTS)]
    accounts = [AccountSpec(role_arn=f"arn:aws:iam::{member}:role/bench")
                for member in members]
    sampler = Sampler()
    before = threading.active_count()
    sampler.thread.start()
    try:
        result = fetch_models(lambda profile: boto3.session.Session(region_name="us-east-1"),
                              regions=REGIONS, accounts=tuple(accounts), workers=WORKERS,
                              timeout=600)
    finally:
        sampler.stop.set()
        sampler.thread.join()
    assert result.errors == ()
    assert len(result.models) == len(members) * len(REGIONS)
    assert set(result.accounts) == set(members)
    # Each model was read with its own account's credentials (the stub answers with the
    # models of the account that signed the request).
    assert all(str(m.document["modelArn"]).split(":")[4] == m.document["accountId"]
               for m in result.models)
    # The workers, the run's one watchdog of deadlines and the sampler itself: no thread
    # per request, none per account or region.
    assert sampler.most - before <= WORKERS + 1 + 1, sampler.most - before
    # One client per service and region, shared by every account; not one per account.
    (clients,) = made
    assert clients.made <= 1 + len(REGIONS)
    # Every account's reads were done: its credentials let go.
    (scheduler,) = schedulers
    assert scheduler.released == len(members)
    assert all(account.signer is RELEASED for account in scheduler.accounts)
