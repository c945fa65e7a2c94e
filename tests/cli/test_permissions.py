"""The IAM policy printed by `permissions` asks for exactly what the loaded rules need."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.sources.aws.permissions import required_actions
from tests.support import ROOT, run_cli


@pytest.mark.parametrize(("needs", "options", "actions"), [
    ((), (), ["bedrock:GetCustomModel", "bedrock:ListCustomModels"]),
    (("tags",), (), ["bedrock:GetCustomModel", "bedrock:ListCustomModels",
                     "bedrock:ListTagsForResource"]),
    (("kmsKey", "job"), (), ["bedrock:GetCustomModel", "bedrock:GetModelCustomizationJob",
                             "bedrock:ListCustomModels", "kms:DescribeKey", "kms:ListAliases"]),
    ((), ("include_imported",), ["bedrock:GetCustomModel", "bedrock:GetImportedModel",
                                 "bedrock:ListCustomModels", "bedrock:ListImportedModels"]),
    ((), ("events",), ["bedrock:GetCustomModel", "bedrock:GetModelCustomizationJob",
                       "bedrock:ListCustomModels"]),
    ((), ("all_regions",), ["bedrock:GetCustomModel", "bedrock:ListCustomModels",
                            "ec2:DescribeRegions"]),
], ids=["bare", "tags", "deep checks", "imported", "lambda events", "all regions"])
def test_required_actions(needs: tuple[str, ...], options: tuple[str, ...],
                          actions: list[str]) -> None:
    assert required_actions(needs, options) == actions


def test_permissions_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["permissions", "-p", str(ROOT / "policies" / "baseline.yaml")],
                           capsys)
    statement = json.loads(out)["Statement"][0]
    assert code == 0
    assert statement["Action"] == ["bedrock:GetCustomModel", "bedrock:ListCustomModels",
                                   "bedrock:ListTagsForResource"]
    plain = tmp_path / "p.yaml"
    plain.write_text("version: 1\nname: p\nrules: [{id: a, kms_key: {}}]\n")
    code, out, _ = run_cli(["permissions", "-p", str(plain)], capsys)
    assert json.loads(out)["Statement"][0]["Action"] == ["bedrock:GetCustomModel",
                                                         "bedrock:ListCustomModels"]
    code, out, _ = run_cli(["permissions", "-p", str(plain), "--all-regions"], capsys)
    assert json.loads(out)["Statement"][0]["Action"] == [
        "bedrock:GetCustomModel", "bedrock:ListCustomModels", "ec2:DescribeRegions"]
