"""pytest's fixtures and hooks for the whole suite, and hypothesis's profiles; the
helpers the tests import are in tests/support/."""

from __future__ import annotations

import compileall
import os
import sys
import time
from collections.abc import Generator, Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import settings

from tests.support import FIXED_NOW, RETRY_TIME_FACTOR, ROOT, hypothesis_profile

# Property tests: each test states its own number of examples (150 to 400, in its
# @settings), the same in every profile. The profiles differ in where the examples come from:
# - "default", a developer's run: new random examples each run, and the examples that failed
#   before replayed first (hypothesis's database in .hypothesis/);
# - "ci", chosen when CI is set (CI=true, as CI services set it): the same examples on
#   every run (derandomized), so that a red build is reproducible and a green one does not
#   turn red by chance; no database, since the checkout is thrown away.
# HYPOTHESIS_PROFILE=NAME chooses one explicitly.
# Both start from hypothesis's own profiles of those names (its "default" would give way to
# its "ci" wherever a CI variable is set at all, even CI=false).
settings.register_profile("default", settings.get_profile("default"), deadline=None)
settings.register_profile("ci", settings.get_profile("ci"), deadline=None, derandomize=True,
                          database=None, print_blob=True)

settings.load_profile(hypothesis_profile(os.environ))

# moto's EC2 loads its catalogue of default AMIs into every EC2 backend it makes (one per
# account and region); no test reads an AMI. MOTO_EC2_LOAD_DEFAULT_AMIS is moto's documented
# setting for it, read when a backend is made (4 s of CPU over the AWS tests).
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


def pytest_configure(config: pytest.Config) -> None:
    """With PYTHONDONTWRITEBYTECODE set, no import writes checker's bytecode, so every run
    of the installed command as a subprocess (many in the suite) compiled checker's
    modules again, about 0.1 s of CPU each: compile them once, before any test (by the
    controlling process only, when the tests run in parallel)."""
    if sys.flags.dont_write_bytecode and not hasattr(config, "workerinput"):
        compileall.compile_dir(ROOT / "checker", quiet=1)
    share_botocore_loaders()


@pytest.hookimpl(wrapper=True)
def pytest_collection() -> Generator[None, object, object]:
    """With PYTHONDONTWRITEBYTECODE set, each test process (each worker) also rewrote every
    test module's asserts and compiled every module of tests/ again (half of its 4.5 s of
    collecting): while the tests are collected, their bytecode, with pytest's rewritten
    asserts, is kept in `__pycache__/` and read from there by the next run. pytest and
    Python write each file whole, under a temporary name, so two workers writing the same one
    is harmless."""
    if not sys.dont_write_bytecode:
        return (yield)
    sys.dont_write_bytecode = False
    try:
        return (yield)
    finally:
        sys.dont_write_bytecode = True


def share_botocore_loaders() -> None:
    """One botocore data loader per search path for the whole test process, as one session
    has: every boto3 or botocore session a test, the tool in process or moto's server in a
    thread makes parsed the same service models again from botocore's JSON files (the EC2
    model alone 0.1 s), a third of the CPU of the AWS tests. The loader only reads botocore's
    data files and keeps what it parsed, so sharing it changes nothing a test sees.
    Patches the name botocore's session module creates its loader with (pinned in
    constraints.txt)."""
    import botocore.loaders
    import botocore.session

    create_loader = botocore.loaders.create_loader
    loaders: dict[str | None, botocore.loaders.Loader] = {}

    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = create_loader(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared_loader  # type: ignore[attr-defined]


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> int:
    """botocore's waits between attempts, RETRY_TIME_FACTOR times shorter: the back-off
    before a retried request (botocore's own and the tool's, both slept by botocore's
    endpoint) and the pacing of adaptive retry mode after throttling (its token bucket,
    whose clock runs that much faster). The same attempts, in the same order, decided the
    same way, sooner: for the tests of throttling and retries, which otherwise wait seconds
    for jittered exponential back-off. Patches botocore's retry modules (pinned in
    constraints.txt)."""
    import botocore.endpoint
    from botocore.retries import bucket

    class QuickTime:
        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            time.sleep(seconds / RETRY_TIME_FACTOR)

    class QuickClock(bucket.Clock):
        def current_time(self) -> float:
            return time.time() * RETRY_TIME_FACTOR

    sleep_amount = bucket.TokenBucket.__dict__["_sleep_amount"]  # private: no stub

    def quick_sleep_amount(self: Any, amount: float) -> float:
        return float(sleep_amount(self, amount)) / RETRY_TIME_FACTOR

    monkeypatch.setattr(botocore.endpoint, "time", QuickTime())
    monkeypatch.setattr(bucket, "Clock", QuickClock)
    monkeypatch.setattr(bucket.TokenBucket, "_sleep_amount", quick_sleep_amount)
    return RETRY_TIME_FACTOR


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """moto's server in a thread on a free port, one per test process (each worker); its
    base URL. Not one per test module: every moto server in a process serves the same
    backends (moto's state is the process's), so a module's own server kept nothing apart
    (the tests empty it through ``reset_moto``), and stopping one waits up to half a second
    (its ``serve_forever`` looks for the shutdown request that seldom), once per module
    and worker."""
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        moto.stop()
