"""Diffs: hand-made pairs against golden text, field paths, ignore globs, JSON, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.drift.diff import (
    ADD,
    CHANGE,
    REMOVE,
    compile_ignore,
    diff_models,
    join_path,
    plan_dict,
    render_plan_text,
)
from checker.errors import InputError
from checker.results import ModelInput
from tests.golden.diff.cases import CASES, SUMMARIZER, DiffCase, changed
from tests.support import ROOT, run_cli

EXAMPLES = ROOT / "examples" / "models"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_text(case: DiffCase) -> None:
    assert case.render() == case.golden.read_text(encoding="utf-8"), \
        "run: python tests/golden/diff/regen.py, then review the diff"


def model(doc: dict[str, Any], kind: str = "model") -> ModelInput:
    return ModelInput(document=doc, kind=kind, origin="test")


def changes_of(before: dict[str, Any], after: dict[str, Any],
               ignore: tuple[str, ...] = ()) -> list[tuple[str, str, Any, Any]]:
    plan = diff_models([model(before)], [model(after)], ignore)
    if not plan.models:
        return []
    (only,) = plan.models
    return [(c.action, c.path, c.before, c.after) for c in only.changes]


ARN = SUMMARIZER["modelArn"]


@pytest.mark.parametrize(("before", "after", "expected"), [
    pytest.param({"a": "1"}, {"a": "1"}, [], id="equal"),
    pytest.param({"a": "1"}, {"a": "2"}, [(CHANGE, "a", "1", "2")], id="scalar"),
    pytest.param({"a": 1}, {"a": 1.0}, [], id="int-equals-float"),
    pytest.param({"a": True}, {"a": 1}, [(CHANGE, "a", True, 1)], id="bool-is-not-one"),
    pytest.param({"a": "1"}, {"a": 1}, [(CHANGE, "a", "1", 1)], id="numeric-string-vs-number"),
    pytest.param({"a": None}, {}, [(REMOVE, "a", None, None)], id="null-removed"),
    pytest.param({}, {"a": None}, [(ADD, "a", None, None)], id="null-added"),
    pytest.param({"m": {"x": {"y": 1}}}, {"m": {"x": {"y": 2}}},
                 [(CHANGE, "m.x.y", 1, 2)], id="nested-map"),
    pytest.param({}, {"m": {"x": 1, "y": [2]}}, [(ADD, "m.x", None, 1), (ADD, "m.y[0]", None, 2)],
                 id="added-object-by-leaf"),
    pytest.param({"m": {}}, {}, [(REMOVE, "m", {}, None)], id="empty-object-is-a-leaf"),
    pytest.param({"l": [{"s": "a"}]}, {"l": [{"s": "a"}, {"s": "b"}]},
                 [(ADD, "l[1].s", None, "b")], id="list-append"),
    pytest.param({"l": ["a", "b"]}, {"l": ["b", "a"]},
                 [(CHANGE, "l[0]", "a", "b"), (CHANGE, "l[1]", "b", "a")], id="list-reorder"),
    pytest.param({"l": []}, {"l": []}, [], id="empty-lists"),
    pytest.param({"l": ["a"]}, {"l": "a"}, [(CHANGE, "l", ["a"], "a")], id="list-to-string"),
    pytest.param({"tags": {"cost.center": "a"}}, {"tags": {"cost.center": "b"}},
                 [(CHANGE, 'tags."cost.center"', "a", "b")], id="quoted-key"),
    pytest.param({"tags": {"größe": "a"}}, {"tags": {"größe": "ä"}},
                 [(CHANGE, 'tags."größe"', "a", "ä")], id="unicode-key"),
])
def test_field_changes(before: dict[str, Any], after: dict[str, Any],
                       expected: list[tuple[str, str, Any, Any]]) -> None:
    assert changes_of({"modelArn": ARN, **before}, {"modelArn": ARN, **after}) == expected


@pytest.mark.parametrize(("patterns", "path", "ignored"), [
    pytest.param(["trainingMetrics.*"], "trainingMetrics.trainingLoss", True, id="child"),
    pytest.param(["trainingMetrics.*"], "trainingMetrics", True, id="whole-object"),
    pytest.param(["trainingMetrics.*"], "trainingMetricsX", False, id="prefix-is-not-parent"),
    pytest.param(["tags"], 'tags."cost.center"', True, id="ancestor"),
    pytest.param(["tags.owner"], "tags.owners", False, id="whole-path"),
    pytest.param(["validationDataConfig.validators[*].s3Uri"],
                 "validationDataConfig.validators[12].s3Uri", True, id="any-index"),
    pytest.param(["validationDataConfig.validators[0].s3Uri"],
                 "validationDataConfig.validators[1].s3Uri", False, id="literal-index"),
    pytest.param(["*Time"], "creationTime", True, id="star"),
    pytest.param(["hyperParameters.learningRat?"], "hyperParameters.learningRate", True,
                 id="question-mark"),
    pytest.param(["Tags.*"], "tags.owner", False, id="case-sensitive"),
    pytest.param([], "anything", False, id="no-patterns"),
])
def test_ignore_globs(patterns: list[str], path: str, ignored: bool) -> None:
    assert compile_ignore(patterns)(path) is ignored


def test_join_path() -> None:
    assert join_path("", "a") == "a"
    assert join_path("a", 0) == "a[0]"
    assert join_path("a[0]", "b-c") == "a[0].b-c"
    assert join_path("tags", "with space") == 'tags."with space"'


def test_ignored_fields_are_not_counted_as_unchanged() -> None:
    plan = diff_models([model(SUMMARIZER)], [model(changed(SUMMARIZER, modelStatus="Failed"))],
                       ("tags.*", "hyperParameters.*"))
    full = diff_models([model(SUMMARIZER)], [model(changed(SUMMARIZER, modelStatus="Failed"))])
    assert plan.models[0].unchanged == full.models[0].unchanged - 5


def test_kind_is_part_of_identity_without_arn() -> None:
    plan = diff_models([model({"modelName": "x"}, "planned")],
                       [model({"modelName": "x"}, "job")])
    # Different kinds are different identities: one leaves, one arrives.
    assert [(m.action, m.kind) for m in plan.models] == [(ADD, "job"), (REMOVE, "planned")]


def test_duplicate_model_is_an_error() -> None:
    with pytest.raises(InputError, match="appears twice"):
        diff_models([model(SUMMARIZER), model(SUMMARIZER)], [])


def test_json_form_keeps_null_apart_from_absent() -> None:
    plan = diff_models([model({"modelArn": ARN, "a": None, "b": 1})],
                       [model({"modelArn": ARN, "b": None, "c": 2})])
    data = plan_dict(plan, baseline={"source": "x"}, current={"sources": ["y"]})
    assert data["summary"] == {"added": 0, "changed": 1, "removed": 0, "unchanged": 0,
                               "drift": True}
    assert data["models"][0]["changes"] == [
        {"path": "a", "action": "remove", "before": None},
        {"path": "b", "action": "change", "before": 1, "after": None},
        {"path": "c", "action": "add", "after": 2},
    ]


def test_color_only_when_asked() -> None:
    plan = diff_models([model(SUMMARIZER)], [model(changed(SUMMARIZER, modelStatus="x"))])
    assert "\033[" not in render_plan_text(plan, baseline="a", current="b")
    assert "\033[33m~\033[0m" in render_plan_text(plan, baseline="a", current="b", color=True)


# --- the command -----------------------------------------------------------------------------

def write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_diff_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.json"
    assert run_cli(["snapshot", "--from", str(EXAMPLES), "-o", str(base)], capsys)[0] == 0
    code, out, _ = run_cli(["diff", str(base), "--against", str(EXAMPLES)], capsys)
    assert (code, out.splitlines()[-1]) == (0, "Drift: 0 added, 0 changed, 0 removed.")

    drifted = json.loads(base.read_text())
    drifted["models"][0]["modelStatus"] = "Failed"
    drifted["models"].pop()
    current = write(tmp_path / "current.json", drifted)
    code, out, _ = run_cli(["diff", str(base), "--against", current], capsys)
    assert (code, out.splitlines()[-1]) == (1, "Drift: 0 added, 1 changed, 1 removed.")

    code, out, _ = run_cli(["diff", str(base), "--from", current, "-f", "json"], capsys)
    data = json.loads(out)
    assert code == 1
    assert data["summary"]["changed"] == data["summary"]["removed"] == 1
    assert data["baseline"]["captured_at"] == json.loads(base.read_text())["captured_at"]


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["diff", "missing.json", "--against", str(EXAMPLES)], "cannot read",
                 id="missing-baseline"),
    pytest.param(["diff", str(EXAMPLES / "prod-summarizer.json"), "--against", "nope"],
                 "no such file", id="missing-against"),
    pytest.param(["diff", str(EXAMPLES / "prod-summarizer.json"), "-f", "sarif",
                  "--against", str(EXAMPLES)], "Invalid value", id="bad-format"),
])
def test_diff_errors_exit_2(args: list[str], message: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(args, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_diff_of_a_bad_baseline_says_which_shapes_are_accepted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path / "bad.json", {"hello": "world"})
    code, _, err = run_cli(["diff", bad, "--against", str(EXAMPLES)], capsys)
    assert code == 2
    assert "a Terraform plan" in err and "a snapshot" in err


def test_diff_ignore_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = write(tmp_path / "a.json", SUMMARIZER)
    after = write(tmp_path / "b.json", changed(SUMMARIZER, trainingMetrics={"trainingLoss": 1}))
    assert run_cli(["diff", before, "--against", after], capsys)[0] == 1
    code, out, _ = run_cli(["diff", before, "--against", after, "--ignore",
                            "trainingMetrics.*"], capsys)
    assert code == 0
    assert "Ignoring fields: trainingMetrics.*" in out


def test_baseline_may_be_a_directory(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["diff", str(EXAMPLES), "--against", str(EXAMPLES)], capsys)
    assert code == 0
    assert "No drift: 8 models unchanged." in out
