"""Every YAML policy in docs/drift.md loads, and its inventory example behaves as written."""

from __future__ import annotations

import re

import pytest

from checker.policy.loader import load_policy_text
from tests.support import ROOT

DOC = (ROOT / "docs" / "drift.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.DOTALL)


def test_the_page_has_yaml_examples() -> None:
    assert BLOCKS


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_yaml_blocks_load(block: str) -> None:
    policy, problems = load_policy_text(block.encode(), "docs/drift.md")
    assert policy is not None, [str(p) for p in problems]
    assert [p for p in problems if not p.warning] == []


def test_the_ignore_table_matches_the_implementation() -> None:
    from checker.drift.diff import compile_ignore

    assert compile_ignore(["trainingMetrics.*"])("trainingMetrics")
    assert compile_ignore(["tags"])("tags.owner")
    assert not compile_ignore(["tags.owner"])("tags.owners")
    assert compile_ignore(["validationDataConfig.validators[*].s3Uri"])(
        "validationDataConfig.validators[3].s3Uri")
    assert not compile_ignore(["validationDataConfig.validators[0].s3Uri"])(
        "validationDataConfig.validators[3].s3Uri")
    assert compile_ignore(["*Time"])("job.endTime")
