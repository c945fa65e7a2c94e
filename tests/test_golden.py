"""Golden reports for the shipped examples (regenerate with python tests/golden/regen.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.cases import GOLDEN_CASES, GoldenCase, render_case

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("case", GOLDEN_CASES, ids=[c.file for c in GOLDEN_CASES])
def test_golden(case: GoldenCase) -> None:
    expected = (GOLDEN / case.file).read_text(encoding="utf-8")
    assert render_case(case) == expected, (
        f"{case.file} changed; if that is intended, run python tests/golden/regen.py and "
        "review the diff")
