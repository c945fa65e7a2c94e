"""merge refuses shards that cannot be combined honestly: other rules, other filters, other
variable values. The JSON report records the variable values and the rule filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import run_main

ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/"
POLICY = """\
version: 1
name: p
vars:
  bucket: ok-bucket
rules:
  - id: data
    require: {field: trainingDataConfig.s3Uri, glob: "s3://${var.bucket}/*"}
  - id: named
    require: {field: modelName, exists: true}
"""


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    (tmp_path / "p.yaml").write_text(POLICY)
    for shard in ("a", "b"):
        (tmp_path / f"{shard}.json").write_text(json.dumps({
            "modelArn": ARN + shard, "modelName": shard,
            "trainingDataConfig": {"s3Uri": "s3://ok-bucket/x"}}))
    return tmp_path


def shard(capsys: pytest.CaptureFixture[str], tmp: Path, name: str, *extra: str) -> Path:
    out = tmp / f"report-{name}.json"
    result = run_main(capsys, "check", "-p", str(tmp / "p.yaml"), "--from",
                      str(tmp / f"{name}.json"), "-f", "json", "-o", str(out), *extra)
    assert result.exit_code in (0, 1), result.stderr
    return out


def test_the_report_records_variable_values_and_rule_filters(
        setup: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = json.loads(shard(capsys, setup, "a", "--var", "bucket=ok-bucket", "--rule",
                              "p/*", "--skip-rule", "p/named").read_text())
    assert report["rule_filters"] == {"rule": ["p/*"], "skip_rule": ["p/named"]}
    assert report["policies"][0]["variables"] == {"bucket": "ok-bucket"}
    assert [r["id"] for r in report["policies"][0]["rules"]] == ["data"]


def test_shards_alike_merge(setup: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = shard(capsys, setup, "a"), shard(capsys, setup, "b")
    result = run_main(capsys, "merge", str(a), str(b), "-f", "json")
    assert result.exit_code == 0, result.stderr
    merged = json.loads(result.output)
    assert merged["summary"]["models"] == 2
    assert merged["policies"][0]["variables"] == {"bucket": "ok-bucket"}


@pytest.mark.parametrize(("a_args", "b_args", "message"), [
    ((), ("--skip-rule", "p/data"),
     "report 2 ran other rules than report 1 (only in report 1: p/data; only in report 2: "
     "none)"),
    (("--rule", "p/*"), (), "report 2 was filtered with other --rule/--skip-rule than "
                            "report 1 (none and --rule p/*)"),
    ((), ("--var", "bucket=other-bucket"),
     "policy 'p' ran with other variable values in report 2 than in report 1 (bucket)"),
])
def test_shards_that_differ_are_a_usage_error(setup: Path, capsys: pytest.CaptureFixture[str],
                                               a_args: tuple[str, ...], b_args: tuple[str, ...],
                                               message: str) -> None:
    a, b = shard(capsys, setup, "a", *a_args), shard(capsys, setup, "b", *b_args)
    result = run_main(capsys, "merge", str(a), str(b))
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr
    assert "PASS" not in result.output
