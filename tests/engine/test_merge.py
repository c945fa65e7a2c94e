"""merge: sharded JSON reports combine into one report with the combined exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import ROOT, run_cli

BASELINE = str(ROOT / "policies" / "baseline.yaml")
MODELS = ROOT / "examples" / "models"
# The sample waivers file: research-llama-ft's learning rate is waived.
WAIVERS = str(ROOT / "examples" / "waivers.yaml")


def shard(tmp_path: Path, name: str, files: list[str], capsys: pytest.CaptureFixture[str],
          *extra: str) -> str:
    out = tmp_path / f"{name}.json"
    args = ["check", "-p", BASELINE, "--waivers", WAIVERS, "-f", "json", "-o", str(out),
            *extra]
    for file in files:
        args += ["--from", str(MODELS / file)]
    run_cli(args, capsys)
    return str(out)


def test_merge_two_shards_equals_one_run(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    a = shard(tmp_path, "a", ["prod-summarizer.json", "chat-nova-cpt.json"], capsys)
    b = shard(tmp_path, "b", ["research-llama.json", "fraud-rft-pinned.json"], capsys)
    code, out, _ = run_cli(["merge", a, b, "-f", "json"], capsys)
    merged = json.loads(out)
    assert code == 1
    assert merged["summary"]["models"] == 4
    assert merged["summary"]["violations"] == 3
    assert merged["summary"]["waived"] == 1
    assert [m["model_name"] for m in merged["models"]] == [
        "prod-summarizer", "chat-nova-cpt", "research-llama-ft", "fraud-rft-pinned"]


def test_merge_passing_shards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = shard(tmp_path, "a", ["prod-summarizer.json"], capsys)
    b = shard(tmp_path, "b", ["fraud-rft-pinned.json"], capsys)
    code, out, _ = run_cli(["merge", a, b], capsys)
    assert code == 0
    assert "Result: PASS: 2 models read" in out


def test_merge_keeps_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "untagged.json"
    doc.write_text(json.dumps({"modelName": "untagged"}))
    a = shard(tmp_path, "a", ["prod-summarizer.json"], capsys)
    out = tmp_path / "b.json"
    run_cli(["check", "-p", BASELINE, "-f", "json", "-o", str(out), "--from", str(doc)], capsys)
    code, _, _ = run_cli(["merge", a, str(out)], capsys)
    assert code == 2


def test_merge_refuses_different_policy_versions(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    a = shard(tmp_path, "a", ["prod-summarizer.json"], capsys)
    data = json.loads(Path(a).read_text())
    data["policies"][0]["sha256"] = "0" * 64
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data))
    code, _, err = run_cli(["merge", a, str(other)], capsys)
    assert code == 2
    assert "policy 'bedrock-baseline' differs between the reports" in err


@pytest.mark.parametrize("content", ['{"schema_version": 2}', "[1, 2]", '{"schema_version": 1}'],
                         ids=["other version", "not a report", "truncated"])
def test_merge_bad_input(tmp_path: Path, content: str,
                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, _, err = run_cli(["merge", str(bad)], capsys)
    assert code == 2
    assert "bad.json:" in err and "Traceback" not in err


def test_merge_refuses_the_same_model_twice(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    a = shard(tmp_path, "a", ["prod-summarizer.json"], capsys)
    code, out, err = run_cli(["merge", a, a], capsys)
    assert (code, out) == (2, "")
    assert "model 'prod-summarizer' is in more than one report" in err


def test_one_report_may_hold_two_planned_models_of_one_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """examples/planned holds a job request and a Terraform plan that both name
    'support-summarizer': one run judged both, so its report merges; twice, it does not."""
    report = tmp_path / "planned.json"
    code, _, err = run_cli(["check", "--from", str(ROOT / "examples" / "planned"), "-p",
                            BASELINE, "-f", "json", "-o", str(report)], capsys)
    assert code == 2, err  # the plan's values unknown until apply are errors
    names = [m["model_name"] for m in json.loads(report.read_text())["models"]]
    assert names.count("support-summarizer") == 2
    code, out, err = run_cli(["merge", str(report), "-f", "json"], capsys)
    assert code == 2, err
    merged = json.loads(out)
    assert [m["model_name"] for m in merged["models"]] == names
    assert merged["summary"] == json.loads(report.read_text())["summary"]
    code, _, err = run_cli(["merge", str(report), str(report)], capsys)
    assert code == 2 and "is in more than one report" in err


def test_merge_keeps_a_stale_waiver_only_when_every_shard_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # research-llama-ft uses the learning-rate waiver; prod-summarizer's shard does not.
    a = shard(tmp_path, "a", ["prod-summarizer.json"], capsys)
    b = shard(tmp_path, "b", ["research-llama.json"], capsys)
    assert [w["code"] for w in json.loads(Path(a).read_text())["warnings"]] == ["waiver-stale"]
    code, out, _ = run_cli(["merge", a, b, "-f", "json"], capsys)
    assert (code, json.loads(out)["warnings"]) == (1, [])
