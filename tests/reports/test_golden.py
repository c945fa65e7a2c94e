"""Golden reports for the shipped examples (regenerate with python tests/golden/regen.py)."""

from __future__ import annotations

import pytest

from checker.reports import RENDERERS
from tests.golden.cases import GOLDEN_CASES, GoldenCase, render_case
from tests.support import ROOT

GOLDEN = ROOT / "tests" / "golden"


def test_every_format_has_a_golden_case() -> None:
    assert {case.fmt for case in GOLDEN_CASES} == set(RENDERERS)


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[c.file for c in GOLDEN_CASES])
def test_golden(case: GoldenCase) -> None:
    expected = (GOLDEN / case.file).read_bytes().decode("utf-8")
    assert render_case(case) == expected, (
        f"{case.file} changed; if that is intended, run python tests/golden/regen.py and "
        "review the diff")
