"""Snapshots: deterministic state files, written atomically, read back by check and diff."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import checker.cli.drift
from checker.drift.snapshot import build_snapshot, render_snapshot
from checker.results import ModelInput, ReportError
from checker.sources import SourceResult
from checker.sources.files import load_documents
from tests.support import ROOT, run_cli

EXAMPLES = ROOT / "examples" / "models"
T1 = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)
T2 = datetime(2026, 11, 28, 8, 30, 15, 250000, tzinfo=timezone.utc)


def _without_time(text: str) -> list[str]:
    return [line for line in text.splitlines() if '"captured_at"' not in line]


def test_two_snapshots_differ_only_in_captured_at() -> None:
    source = load_documents([str(EXAMPLES)])
    shuffled = SourceResult(
        models=tuple(reversed([ModelInput(document=dict(reversed(list(m.document.items()))),
                                          kind=m.kind, origin=m.origin)
                               for m in source.models])),
        sources=source.sources, accounts=tuple(reversed(source.accounts)),
        regions=tuple(reversed(source.regions)))
    first = render_snapshot(build_snapshot(source, captured_at=T1))
    second = render_snapshot(build_snapshot(shuffled, captured_at=T2))
    assert first != second
    assert _without_time(first) == _without_time(second)
    assert '"captured_at": "2026-11-27T12:00:00Z"' in first
    assert '"captured_at": "2026-11-28T08:30:15Z"' in second


def test_snapshot_layout() -> None:
    source = SourceResult(
        models=(
            ModelInput({"modelName": "planned-b"}, kind="planned"),
            ModelInput({"modelArn": "arn:aws:bedrock:us-west-2:1:custom-model/z", "modelName": "z",
                        "tags": {"b": "2", "a": "1"}}),
            ModelInput({"modelName": "planned-a"}, kind="planned"),
            ModelInput({"modelArn": "arn:aws:bedrock:eu-west-1:1:custom-model/a",
                        "modelName": "ä-unicode"}),
        ),
        sources=("aws",), accounts=("1",), regions=("us-west-2", "eu-west-1"))
    text = render_snapshot(build_snapshot(source, captured_at=T1, tool_version="9.9.9"))
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["schema_version"] == 1
    assert data["tool"] == {"name": "bedrock-drift", "version": "9.9.9"}
    assert data["regions"] == ["eu-west-1", "us-west-2"]
    assert [(m.get("modelArn", "-")[-1], m["modelName"], m["kind"]) for m in data["models"]] == [
        ("a", "ä-unicode", "model"), ("z", "z", "model"),
        ("-", "planned-a", "planned"), ("-", "planned-b", "planned")]
    assert list(data["models"][1]["tags"]) == ["a", "b"]
    assert "ä-unicode" in text  # UTF-8 as is, not \u escapes
    assert text.endswith("}\n")


def test_snapshot_command_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "state" / "state.json"
    code, stdout, err = run_cli(["snapshot", "--from", str(EXAMPLES), "-o", str(out)], capsys)
    assert (code, stdout) == (0, "")
    assert "8 models" in err and str(out) in err
    assert [p.name for p in out.parent.iterdir()] == ["state.json"]  # no temporary file left
    snapshot = json.loads(out.read_text(encoding="utf-8"))
    assert len(snapshot["models"]) == 8
    # check --from accepts it and judges the same models as the documents themselves.
    baseline = str(ROOT / "policies" / "baseline.yaml")
    direct = run_cli(["check", "-p", baseline, "--from", str(EXAMPLES), "-f", "json"], capsys)
    via = run_cli(["check", "-p", baseline, "--from", str(out), "-f", "json"], capsys)
    assert direct[0] == via[0] == 1
    by_name = {m["model_name"]: m["results"] for m in json.loads(direct[1])["models"]}
    assert {m["model_name"]: m["results"] for m in json.loads(via[1])["models"]} == by_name


def test_snapshot_keeps_kind_out_of_the_document(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    source = SourceResult(models=(ModelInput({"modelName": "p"}, kind="planned"),))
    state.write_text(render_snapshot(build_snapshot(source, captured_at=T1)), encoding="utf-8")
    (read,) = load_documents([str(state)]).models
    assert (read.kind, dict(read.document)) == ("planned", {"modelName": "p"})


def test_snapshot_of_another_schema_version_is_refused(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "s.json"
    state.write_text(json.dumps({"schema_version": 2, "models": []}), encoding="utf-8")
    code, _, err = run_cli(["check", "-p", str(ROOT / "policies"), "--from", str(state)], capsys)
    assert code == 2
    assert "schema_version 2 is not supported" in err


def test_snapshot_is_not_written_when_something_was_not_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    partial = SourceResult(
        models=(ModelInput({"modelName": "a"}, enrichment_errors={
            "tags": ("AccessDeniedException", "no tags for you")}),),
        errors=(ReportError("ThrottlingException", "Rate exceeded", region="eu-west-1"),),
        sources=("aws",))
    monkeypatch.setattr(checker.cli.drift, "read_source", lambda *args, **kwargs: partial)
    out = tmp_path / "state.json"
    code, _, err = run_cli(["snapshot", "-o", str(out)], capsys)
    assert code == 2
    assert not out.exists()
    assert "ThrottlingException: Rate exceeded [eu-west-1]" in err
    assert "AccessDeniedException: tags of a: no tags for you" in err
    assert "snapshot not written" in err


def test_snapshot_requires_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["snapshot", "--from", str(EXAMPLES)], capsys)
    assert code == 2
    assert "-o" in err


def test_diff_with_an_unreadable_current_state_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "s.json"
    assert run_cli(["snapshot", "--from", str(EXAMPLES), "-o", str(state)], capsys)[0] == 0
    partial = SourceResult(models=(), errors=(
        ReportError("AccessDeniedException", "not allowed", region="us-east-1"),),
        sources=("aws",))
    monkeypatch.setattr(checker.cli.drift, "read_source", lambda *args, **kwargs: partial)
    code, out, err = run_cli(["diff", str(state)], capsys)
    # Every model would look removed, but the state was not read: no plan at all.
    assert code == 2
    assert out == ""
    assert "bedrock-drift: error: AccessDeniedException: not allowed [us-east-1]" in err
    assert "no plan is shown, since the models not read would look removed" in err
