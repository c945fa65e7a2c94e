"""merge judges inventory ``required`` over the models of every shard: each shard alone
sees only its own models, so a required model read by another shard is not missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT, run_cli

MODELS = ROOT / "examples" / "models"
POLICY = """\
version: 1
name: inv
inventory:
  required: [prod-summarizer, "research-*", ghost-model]
  severity: high
"""


def shard(tmp_path: Path, name: str, model: str, capsys: pytest.CaptureFixture[str],
          text: str = POLICY) -> str:
    policy = tmp_path / "inv.yaml"
    policy.write_text(text)
    out = tmp_path / f"{name}.json"
    run_cli(["check", "-p", str(policy), "-f", "json", "-o", str(out), "--from",
             str(MODELS / model)], capsys)
    return str(out)


def missing(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["model_name"], v["message"]) for v in report["violations"]
            if v["rule"] == "inventory-required"]


def test_a_name_read_by_any_shard_is_not_missing(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a = shard(tmp_path, "a", "prod-summarizer.json", capsys)
    b = shard(tmp_path, "b", "research-llama.json", capsys)
    alone = json.loads(Path(a).read_text())
    assert [name for name, _ in missing(alone)] == ["research-*", "ghost-model"]
    code, out, _ = run_cli(["merge", a, b, "-f", "json"], capsys)
    merged = json.loads(out)
    assert missing(merged) == [
        ("ghost-model", "required model 'ghost-model' was not found among the 2 models read")]
    assert merged["summary"]["violations"] == 1
    assert code == 1


def test_every_shard_reading_its_required_model_passes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = POLICY.replace(', ghost-model', '')
    a = shard(tmp_path, "a", "prod-summarizer.json", capsys, policy)
    b = shard(tmp_path, "b", "research-llama.json", capsys, policy)
    assert json.loads(Path(a).read_text())["summary"]["result"] == "fail"
    code, out, _ = run_cli(["merge", a, b, "-f", "json"], capsys)
    assert missing(json.loads(out)) == []
    assert code == 0, out


def test_organization_shards_merge_their_account_counts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from checker.engine.evaluate import evaluate
    from checker.reports import render
    from checker.results import ModelInput, OrganizationScan, Scanned
    from tests.support import FIXED_NOW, policy_from

    policy = policy_from({"version": 1, "name": "p", "rules": [
        {"id": "r", "require": {"field": "modelName", "exists": True}}]})
    files = []
    for ou, read, failed in (("ou-ab12-aaaaaaaa", "111111111111", "222222222222"),
                             ("ou-ab12-bbbbbbbb", "222222222222", "333333333333")):
        arn = f"arn:aws:bedrock:us-east-1:{read}:custom-model/m"
        report = evaluate([policy], [ModelInput({"modelArn": arn, "modelName": "m"})],
                          scanned=Scanned(("aws",), (read,), ("us-east-1",), OrganizationScan(
                              "o-abc123def4", (ou,), (read,), ("999999999999",), (failed,))),
                          now=FIXED_NOW)
        path = tmp_path / f"{ou}.json"
        path.write_text(render(report, "json"))
        files.append(str(path))
    code, out, err = run_cli(["merge", *files, "-f", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["scanned"]["organization"] == {
        "id": "o-abc123def4", "ous": ["ou-ab12-aaaaaaaa", "ou-ab12-bbbbbbbb"],
        # 222222222222 failed in one shard but was read by the other.
        "accounts": {"read": ["111111111111", "222222222222"], "skipped": ["999999999999"],
                     "failed": ["333333333333"]}}
