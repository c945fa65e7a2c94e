"""Input errors have locations: every malformed value in a policy, waiver file, policy test
file or model file is ``FILE:LINE:COL: message`` (or ``FILE: message`` where the parser
knows no position), exit 2, never an internal error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import run_main

ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/m"
POLICY = """\
version: 1
name: p
rules:
  - id: r
    require: {field: modelName, exists: true}
"""
WAIVER = """\
waivers:
  - rules: [r]
    models: ["*"]
    reason: x
    expires: EXPIRES
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "p.yaml").write_text(POLICY)
    (tmp_path / "m.json").write_text(json.dumps({"modelArn": ARN, "modelName": "m"}))
    return tmp_path


def one_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "internal error" not in err and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(("expires", "where", "message"), [
    ("2027-13-45", "10:14", "invalid value '2027-13-45': month must be in 1..12"),
    ("2027-02-30", "10:14", "invalid value '2027-02-30': day is out of range for month"),
    ('"2027-02-30"', "10:14", "'expires' must be a date (YYYY-MM-DD), not '2027-02-30'"),
])
def test_an_impossible_date_in_a_policy_waiver(files: Path, capsys: pytest.CaptureFixture[str],
                                               expires: str, where: str, message: str) -> None:
    policy = files / "w.yaml"
    policy.write_text(POLICY + WAIVER.replace("EXPIRES", expires))
    result = run_main(capsys, "validate", str(policy))
    assert result.exit_code == 2
    assert one_error(result.output + result.stderr) == f"{policy}:{where}: {message}"


@pytest.mark.parametrize("expires", ["2027-13-45", "2027-02-30"])
def test_an_impossible_date_in_a_waiver_file(files: Path, capsys: pytest.CaptureFixture[str],
                                             expires: str) -> None:
    waivers = files / "waivers.yaml"
    waivers.write_text(WAIVER.replace("EXPIRES", expires))
    result = run_main(capsys, "check", "-p", str(files / "p.yaml"), "--from",
                      str(files / "m.json"), "--waivers", str(waivers))
    assert result.exit_code == 2
    assert one_error(result.stderr).startswith(f"{waivers}:5:14: invalid value '{expires}': ")


@pytest.mark.parametrize("now", ["2027-13-45", "2027-02-30"])
def test_an_impossible_date_in_a_policy_test_file(files: Path, capsys: pytest.CaptureFixture[str],
                                                  now: str) -> None:
    suite = files / "p_test.yaml"
    suite.write_text(f"version: 1\nnow: {now}\ncases:\n  - name: c\n    model: {{}}\n"
                     "    expect: {r: pass}\n")
    result = run_main(capsys, "test", str(files / "p.yaml"), str(suite))
    assert result.exit_code == 2
    assert f"{suite}:2:6: invalid value '{now}': " in result.output + result.stderr
    assert "internal error" not in result.output + result.stderr


@pytest.mark.parametrize(("text", "message"), [
    (f"modelArn: {ARN}\nmodelName: m\ncreationTime: 2027-02-30\n",
     "m.yaml:3:15: invalid value '2027-02-30': day is out of range for month"),
    (f"modelArn: {ARN}\nmodelName: m\nx: {'9' * 5000}\n",
     f"m.yaml:3:4: invalid value '{'9' * 37}...': an integer "
     "longer than 4,300 digits, more than can be read"),
    (f'modelArn: {ARN}\nmodelName: "x\\ud800"\n',
     "m.yaml:2:12: a string holds a lone surrogate"),
    (f"modelArn: {ARN}\nmodelName: m\n2027-13-45: x\n", "m.yaml:3:1: invalid key '2027-13-45'"),
])
def test_malformed_values_in_a_yaml_model(files: Path, capsys: pytest.CaptureFixture[str],
                                          text: str, message: str) -> None:
    (files / "m.yaml").write_text(text)
    result = run_main(capsys, "check", "-p", str(files / "p.yaml"), "--from",
                      str(files / "m.yaml"))
    assert result.exit_code == 2
    assert one_error(result.stderr).startswith(f"{files}/{message}")


def model_json(extra: str) -> str:
    return f'{{"modelArn": "{ARN}",\n "modelName": "m", {extra}}}'


@pytest.mark.parametrize(("text", "message"), [
    (model_json('"x": ' + "9" * 5000),
     "m.json:2:25: invalid JSON: an integer longer than 4,300 digits, more than can be read"),
    (model_json('"x": ' + "[" * 100_000 + "]" * 100_000),
     "bedrock-drift: error: FILES/m.json: invalid JSON: nested deeper than can be read"),
    (model_json('"x": "a\\ud800b"'),
     "m.json:2:27: invalid JSON: \\ud800 is a lone surrogate, not a character"),
    (model_json('"x": "\\udc00"'),
     "m.json:2:26: invalid JSON: \\udc00 is a lone surrogate, not a character"),
])
def test_malformed_values_in_a_json_model(files: Path, capsys: pytest.CaptureFixture[str],
                                          text: str, message: str) -> None:
    (files / "m.json").write_text(text)
    result = run_main(capsys, "check", "-p", str(files / "p.yaml"), "--from",
                      str(files / "m.json"))
    assert result.exit_code == 2
    line = one_error(result.stderr)
    assert line == message.replace("FILES", str(files)) or line == f"{files}/{message}", line


def test_a_surrogate_pair_and_an_escaped_backslash_are_text(
        files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (files / "m.json").write_text(model_json('"x": "\\ud83d\\ude00", "y": "\\\\ud800"'))
    result = run_main(capsys, "check", "-p", str(files / "p.yaml"), "--from",
                      str(files / "m.json"))
    assert result.exit_code == 0, result.stderr


def test_a_malformed_baseline_is_located(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = files / "baseline.json"
    baseline.write_text('{"schema_version": 1, "x": ' + "9" * 5000 + "}")
    result = run_main(capsys, "check", "-p", str(files / "p.yaml"), "--from",
                      str(files / "m.json"), "--baseline", str(baseline))
    assert result.exit_code == 2
    assert one_error(result.stderr) == (f"{baseline}:1:28: invalid JSON: an integer longer "
                                        "than 4,300 digits, more than can be read")
