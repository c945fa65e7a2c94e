"""Every YAML example in the README and the reference pages that came out of it loads: full
policies as they are, rule lists in a policy, the accounts file as an accounts file.

docs/authoring.md and docs/drift.md have their own tests (test_authoring_docs.py,
test_docs_drift.py): their YAML blocks include test files and var files.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.policy.loader import load_policy_text
from checker.sources.aws.accounts import load_accounts_file
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = ["README.md", "docs/policies.md", "docs/aws.md", "docs/ci.md", "docs/json-report.md",
         "docs/speed.md", "docs/development.md"]
BLOCKS = [(page, block) for page in PAGES
          for block in re.findall(r"```yaml\n(.*?)```",
                                  (ROOT / page).read_text(encoding="utf-8"), flags=re.DOTALL)]


def test_readme_and_reference_have_yaml_examples() -> None:
    pages = {page for page, _ in BLOCKS}
    assert {"README.md", "docs/policies.md", "docs/aws.md"} <= pages
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize(("page", "block"), BLOCKS,
                         ids=[f"{page}-block-{i}" for i, (page, _) in enumerate(BLOCKS)])
def test_yaml_example_loads(page: str, block: str, tmp_path: Path) -> None:
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
    policy, problems = load_policy_text(text.encode(), page)
    assert policy is not None, [str(p) for p in problems]
    assert policy.rules


def test_readme_quick_start_commands_are_the_ci_ones() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".venv/bin/pip install -e '.[test]' -c constraints.txt && .venv/bin/pytest" in README
    assert ("python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/bedrock-drift "
            "check --from examples/models -p policies/baseline.yaml --waivers "
            "examples/waivers.yaml") in README
    assert "pip install --quiet -e '.[test]' -c constraints.txt" in ci and ".venv/bin/pytest" in ci
