"""Every YAML example in the README loads: full policies as they are, rule lists in a policy."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.policy.loader import load_policy_text
from checker.sources.aws.accounts import load_accounts_file
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", README, flags=re.DOTALL)


def test_readme_has_yaml_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_yaml_example_loads(block: str, tmp_path: Path) -> None:
    block = textwrap.dedent(block)
    if block.startswith("# accounts.yaml"):
        accounts = tmp_path / "accounts.yaml"
        accounts.write_text(block, encoding="utf-8")
        assert load_accounts_file(str(accounts))
        return
    data: Any = yaml.safe_load(block)
    if isinstance(data, list):
        text = "version: 1\nname: readme\nrules:\n" + "".join(
            f"  {line}\n" for line in block.splitlines())
    else:
        assert isinstance(data, dict) and "version" in data, "a policy or a list of rules"
        text = block
    policy, problems = load_policy_text(text.encode(), "README.md")
    assert policy is not None, [str(p) for p in problems]
    assert policy.rules


def test_readme_quick_start_commands_are_the_ci_ones() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/pip install -e '.[test]' && .venv/bin/pytest" in README
    assert "pip install --quiet -e '.[test]'" in ci and ".venv/bin/pytest" in ci
