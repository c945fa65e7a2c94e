"""The shipped examples, rendered in every format, match the reviewed golden files."""

from __future__ import annotations

import pytest

from checker.reports import RENDERERS
from tests.golden.regen import EXTENSIONS, GOLDEN, golden_outputs

OUTPUTS = golden_outputs()


def test_every_format_has_a_golden_file() -> None:
    assert set(EXTENSIONS) == set(RENDERERS)
    expected = {f"examples.{EXTENSIONS[fmt]}" for fmt in RENDERERS}
    assert expected <= set(OUTPUTS)


@pytest.mark.parametrize("file_name", sorted(OUTPUTS))
def test_matches_golden(file_name: str) -> None:
    path = GOLDEN / file_name
    assert path.exists(), f"missing {path}: run python tests/golden/regen.py"
    assert OUTPUTS[file_name] == path.read_bytes().decode("utf-8"), (
        f"{file_name} changed: run python tests/golden/regen.py and review the diff"
    )
