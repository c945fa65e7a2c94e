"""The test suite's own settings (tests/conftest.py): hypothesis's profile follows CI, and the
quick_retries fixture shortens botocore's retry waits."""

from __future__ import annotations

import time

import pytest
from hypothesis import settings

from tests.support import hypothesis_profile


@pytest.mark.parametrize(("environ", "profile"), [
    ({}, "default"), ({"CI": "true"}, "ci"), ({"CI": "1"}, "ci"), ({"CI": "TRUE"}, "ci"),
    ({"CI": "false"}, "default"), ({"CI": ""}, "default"),
    ({"CI": "true", "HYPOTHESIS_PROFILE": "default"}, "default"),
    ({"HYPOTHESIS_PROFILE": "ci"}, "ci"),
])
def test_the_profile_follows_ci(environ: dict[str, str], profile: str) -> None:
    assert hypothesis_profile(environ) == profile


def test_ci_runs_the_same_examples_every_time_and_keeps_none() -> None:
    ci, default = settings.get_profile("ci"), settings.get_profile("default")
    assert ci.derandomize is True and ci.database is None
    assert default.derandomize is False and default.database is not None
    # Neither sets a number of examples: each property test states its own.
    assert ci.max_examples == default.max_examples == 100
    assert ci.deadline is None and default.deadline is None


def test_quick_retries_shortens_botocore_waits_and_no_other(quick_retries: int) -> None:
    """The quick_retries fixture (tests/conftest.py): what botocore's endpoint sleeps before
    a retry, and what adaptive mode's token bucket makes a request wait, are both
    ``quick_retries`` times shorter; time.sleep itself is left alone."""
    import botocore.endpoint
    from botocore.retries import bucket

    assert quick_retries == 20
    start = time.monotonic()
    botocore.endpoint.time.sleep(2.0)
    assert time.monotonic() - start < 1.0
    # At one token a second, five tokens take five seconds of the bucket's clock.
    token_bucket = bucket.TokenBucket(max_rate=1, clock=bucket.Clock())
    start = time.monotonic()
    for _ in range(5):
        token_bucket.acquire()
    assert time.monotonic() - start < 2.0
    start = time.monotonic()
    time.sleep(0.2)
    assert time.monotonic() - start >= 0.2
