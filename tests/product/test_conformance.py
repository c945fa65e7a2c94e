"""Every vector of the product's conformance table (tests/conformance.yaml, copied verbatim)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.support import ROOT, status_of

CASES: list[dict[str, Any]] = yaml.safe_load(
    (ROOT / "tests" / "conformance.yaml").read_text(encoding="utf-8"))["cases"]


def test_the_table_is_complete() -> None:
    assert len(CASES) == 67
    assert len({c["name"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conformance(case: dict[str, Any]) -> None:
    assert status_of(case["rule"], case["doc"]).value == case["expect"]
