"""The test suite's own settings: hypothesis's profile follows CI (tests/conftest.py)."""

from __future__ import annotations

import pytest
from hypothesis import settings

from tests.conftest import hypothesis_profile


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
