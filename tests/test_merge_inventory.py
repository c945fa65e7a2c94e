"""merge judges inventory ``required`` over the models of every shard: each shard alone
sees only its own models, so a required model read by another shard is not missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli

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
