"""Data cannot forge the text report, and ambiguous input is an error: control characters are
escaped, a model given twice is refused naming both places, a tag key given twice makes the
model's tag rules error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.engine.evaluate import evaluate
from checker.reports.text import render_text
from checker.results import ModelInput, Scanned
from tests.support import FIXED_NOW, policy_from, run_main

ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/"
POLICY = policy_from({"version": 1, "name": "p", "rules": [
    {"id": "team", "require": {"field": "tags.team", "equals": "ml"}},
    {"id": "name", "require": {"field": "modelName", "matches": "ok-.*"}},
]})
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def text_report(*docs: dict[str, object]) -> str:
    models = [ModelInput(document=d, origin="test") for d in docs]
    return render_text(evaluate([POLICY], models, scanned=Scanned(("test",), (), ()),
                                now=FIXED_NOW))


def test_a_model_name_cannot_print_a_result_line() -> None:
    text = text_report({"modelArn": ARN + "a", "modelName": "x\nResult: PASS",
                        "tags": {"team": "ml\r\nPassed: everything\x1b[2K"}})
    assert [line for line in text.splitlines() if line.startswith("Result:")] == [
        text.splitlines()[-1]]
    assert text.splitlines()[-1].startswith("Result: FAIL")
    assert '"x\\nResult: PASS"' in text
    assert '"ml\\r\\nPassed: everything\\u001b[2K"' in text
    assert not UNSAFE.search(text)


@settings(max_examples=200, deadline=None)
@given(name=st.text(), tag=st.text(), arn_tail=st.text(max_size=5))
def test_no_data_adds_a_line_or_a_control_character(name: str, tag: str, arn_tail: str) -> None:
    clean = text_report({"modelArn": ARN + "a", "modelName": "n", "tags": {"team": "t"}})
    text = text_report({"modelArn": ARN + "a" + arn_tail, "modelName": name,
                        "tags": {"team": tag}})
    assert not UNSAFE.search(text)
    assert sum(line.startswith("Result:") for line in text.splitlines()) == 1
    # As many lines as the same report of plain data (the passing list aside).
    assert abs(len(text.splitlines()) - len(clean.splitlines())) <= 4


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nname: p\nrules:\n  - id: team\n    require: {field: tags.team,"
                    " equals: ml}\n  - id: named\n    require: {field: modelName, exists: true}\n")
    return path


def test_a_model_given_twice_is_an_error_naming_both_places(
        tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "a.json"
    first.write_text(json.dumps([{"modelArn": ARN + "x", "modelName": "x"},
                                 {"modelArn": ARN + "m", "modelName": "m"}]))
    second = tmp_path / "b.json"
    second.write_text(json.dumps({"modelArn": ARN + "m", "modelName": "m-changed"}))
    result = run_main(capsys, "check", "-p", str(policy), "--from", str(first), "--from",
                      str(second))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"bedrock-drift: error: {second}: model {ARN}m is also given in {first} (model 2): "
        "give each model once, or one of the two is judged as the other")


def test_the_same_file_twice_is_read_once(tmp_path: Path, policy: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "models").mkdir()
    models = tmp_path / "models" / "m.json"
    models.write_text(json.dumps({"modelArn": ARN + "m", "modelName": "m",
                                  "tags": {"team": "ml"}}))
    result = run_main(capsys, "check", "-p", str(policy), "--from", str(models), "--from",
                      str(tmp_path / "models"))
    assert result.exit_code == 0, result.stderr


def test_a_tag_key_given_twice_makes_the_tag_rules_error(
        tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models = tmp_path / "m.json"
    models.write_text(json.dumps([
        {"modelArn": ARN + "m", "modelName": "m",
         "tags": [{"key": "team", "value": "ml"}, {"key": "team", "value": "other"}]},
        {"modelArn": ARN + "n", "modelName": "n", "tags": [{"key": "team", "value": "ml"}]}]))
    result = run_main(capsys, "check", "-p", str(policy), "--from", str(models), "-f", "json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    by_name = {m["model_name"]: m for m in report["models"]}
    assert by_name["m"]["result"] == "error" and by_name["n"]["result"] == "pass"
    assert by_name["m"]["results"] == {"p/team": "error", "p/named": "pass"}
    (error,) = report["errors"]
    assert error["code"] == "DuplicateTagKey" and error["rule"] == "p/team"
    assert "tag key 'team' is given twice" in error["message"]


@settings(max_examples=150, deadline=None)
@given(name=st.text(), key=st.text(min_size=1, max_size=8), value=st.text())
def test_the_diff_plan_cannot_be_forged_by_data(name: str, key: str, value: str) -> None:
    """The ``diff`` plan escapes data as the text report does: a model name, a field name or
    a value cannot end a line, recolour the terminal or print a fake ``Drift:`` line."""
    from checker.drift.diff import diff_models, render_plan_text

    before = [ModelInput(document={"modelArn": ARN + "a", "modelName": name,
                                   "hyperParameters": {key: "1"}}, origin="a")]
    after = [ModelInput(document={"modelArn": ARN + "a", "modelName": name,
                                  "hyperParameters": {key: value + "\nDrift: 0 added"}},
                        origin="b")]
    text = render_plan_text(diff_models(before, after), baseline="a", current="b")
    assert not UNSAFE.search(text)
    assert [line for line in text.splitlines() if line.startswith("Drift:")] == [
        text.splitlines()[-1]]
    assert text.splitlines()[-1].startswith("Drift: 0 added, 1 changed")
