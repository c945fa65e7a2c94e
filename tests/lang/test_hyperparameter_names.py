"""Typos cannot switch a rule off (issue 22, item 7): a hyperparameter name AWS documents for
no customization type is a validation error with a suggestion unless the rule opts in with
``undocumented: true``; a rule whose tag or hyperparameter key no judged model sets is named
in the report's warnings."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import botocore.session
import pytest

from checker.lang.hyperparameters import DOCUMENTED_BY_FAMILY, documented_hyperparameters
from checker.policy.loader import load_policy_text
from tests.support import ROOT, command_env, judge, single_rule_policy

BIN = ROOT / ".venv" / "bin" / "bedrock-drift"
MODEL = {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/"
                     "amazon.titan-text-express-v1:0:8k/abc",
         "modelName": "m", "customizationType": "FINE_TUNING",
         "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/"
                         "amazon.titan-text-express-v1:0:8k",
         "hyperParameters": {"learningRate": "0.00001", "epochCount": "2"},
         "tags": {"Owner": "ml"}}


def _problems(rule: str) -> list[str]:
    text = f"version: 1\nname: p\nrules:\n  - id: r\n    severity: high\n    {rule}\n"
    _, problems = load_policy_text(text.encode(), "p.yaml")
    return [("warning: " if p.warning else "") + str(p) for p in problems]


def test_the_table_is_the_documented_one() -> None:
    """Every family table of docs/hyperparameter-limits.md, name for name; the RFT names are
    botocore's RFTHyperParameters members."""
    doc = (ROOT / "docs" / "hyperparameter-limits.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", doc, flags=re.M)[1:]
    tables = {s.splitlines()[0]: tuple(re.findall(r"^\| `([A-Za-z]+)` \|", s, flags=re.M))
              for s in sections}
    rft = tables.pop("Reinforcement fine-tuning (RFT)")
    assert {k: v for k, v in tables.items() if v} == DOCUMENTED_BY_FAMILY
    shape = botocore.session.get_session().get_service_model("bedrock").shape_for(
        "RFTHyperParameters")
    assert set(rft) == set(shape.members)
    assert documented_hyperparameters() == {n for v in tables.values() for n in v} | set(rft)


@pytest.mark.parametrize(("name", "suggestion"), [
    ("learningRat", "learningRate"),
    ("LearningRate", "learningRate"),
    ("epochs", "epochCount"),
    ("learning_rate", "learningRate"),
    ("batchsize", "batchSize"),
])
def test_a_misspelt_name_is_an_error_with_a_suggestion(name: str, suggestion: str) -> None:
    problems = _problems(f"hyperparameter: {{name: {name}, max: 0.001}}")
    assert problems == [f"p.yaml:6:28: '{name}' is not a hyperparameter AWS documents for any "
                        f"customization type (did you mean '{suggestion}'?): a misspelt name "
                        "matches nothing and passes every model (set 'undocumented: true' to "
                        "check a name AWS does not document)"]


def test_every_documented_name_validates() -> None:
    for name in sorted(documented_hyperparameters()):
        assert _problems(f"hyperparameter: {{name: {name}, required: true}}") == []


def test_undocumented_opt_in_validates_and_is_judged() -> None:
    assert _problems("hyperparameter: {name: myScale, max: 2, undocumented: true}") == []
    policy = single_rule_policy({"hyperparameter": {"name": "myScale", "max": 2,
                                                    "undocumented": True}})
    report = judge(policy, {**MODEL, "hyperParameters": {"myScale": "3"}})
    assert report.models[0].results["t/r"].value == "fail"
    assert not [w for w in report.warnings if w.code == "rule-matched-nothing"]


def test_a_condition_on_an_undocumented_hyperparameter_is_a_warning() -> None:
    problems = _problems("require: {field: hyperParameters.learningRat, not_equals: '1'}")
    assert len(problems) == 1 and problems[0].startswith("warning: p.yaml:6:")
    assert "(did you mean 'learningRate'?)" in problems[0]


@pytest.mark.parametrize(("rule", "label"), [
    ({"hyperparameter": {"name": "learningRateMultiplier", "max": 2}},
     "hyperparameter learningRateMultiplier"),
    ({"require": {"field": "tags.Ownr", "not_equals": "nobody"}}, "tag Ownr"),
    ({"require": {"field": "customizationConfig.rftConfig.hyperParameters.epochCount",
                  "not_in": [99]}}, "hyperparameter epochCount"),
    ({"when": {"field": "tags.Enviroment", "not_equals": "dev"},
      "require": {"field": "modelName", "exists": True}}, "tag Enviroment"),
])
def test_a_key_no_judged_model_sets_is_warned(rule: dict[str, object], label: str) -> None:
    report = judge(single_rule_policy(rule), MODEL, {**MODEL, "modelName": "n"})
    warnings = [w.message for w in report.warnings if w.code == "rule-matched-nothing"]
    assert len(warnings) == 1 and f"{label} is set in none of the 2 models it judged" in \
        warnings[0], warnings


@pytest.mark.parametrize("rule", [
    {"hyperparameter": {"name": "learningRate", "max": 1}},
    {"require": {"field": "tags.Owner", "not_equals": "nobody"}},
    # An author who allows the key to be absent says so: nothing to warn about.
    {"require": {"any_of": [{"field": "hyperParameters.batchSize", "exists": False},
                            {"field": "hyperParameters.batchSize", "matches": "[0-9]+"}]}},
    {"require": {"field": "tags.Missing", "exists": False}},
])
def test_a_key_some_model_sets_or_that_may_be_absent_is_not_warned(
        rule: dict[str, object]) -> None:
    report = judge(single_rule_policy(rule), MODEL, {**MODEL, "hyperParameters": {}})
    assert not [w for w in report.warnings if w.code == "rule-matched-nothing"]


def test_no_model_judged_no_warning() -> None:
    rule = {"when": {"field": "modelName", "equals": "other"},
            "hyperparameter": {"name": "batchSize", "max": 8}}
    report = judge(single_rule_policy(rule), MODEL)
    assert not [w for w in report.warnings if w.code == "rule-matched-nothing"]


def test_installed_command(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(textwrap.dedent("""\
        version: 1
        name: p
        rules:
          - id: lr
            severity: high
            hyperparameter: {name: learningRat, max: 0.0001}
        """), encoding="utf-8")
    env = command_env(tmp_path)
    result = subprocess.run([str(BIN), "validate", str(policy)], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{policy}:6:28: 'learningRat' is not a hyperparameter")
    assert "Traceback" not in result.stderr
    model = tmp_path / "m.json"
    model.write_text(json.dumps({**MODEL, "hyperParameters": {"learningRate": "0.5"}}),
                     encoding="utf-8")
    result = subprocess.run([str(BIN), "check", "-p", str(policy), "--from", str(model)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2 and "learningRat" in result.stderr
    policy.write_text(policy.read_text().replace("max: 0.0001}", "max: 0.0001, "
                                                  "undocumented: true}"), encoding="utf-8")
    result = subprocess.run([str(BIN), "check", "-p", str(policy), "--from", str(model),
                             "-f", "json"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    assert [w["code"] for w in warnings] == ["rule-matched-nothing"]
    assert "hyperparameter learningRat is set in none of the 1 model it judged" in \
        warnings[0]["message"]
