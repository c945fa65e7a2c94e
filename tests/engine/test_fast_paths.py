"""The fast paths that keep large runs quick give exactly what the plain code gives.

The JSON report is written by orjson (or, for what orjson would write differently, by the
project's own indent-2 writer) and values are shown by a shortcut for strings; both must
match ``json.dumps`` character for character. Conditions are compiled into plain functions
(a plain path's keys walked inline, common operators on strings compared inline); plain
documents are judged the quick way, the same as the careful way; numbers parsed from
strings are cached, and so are a hyperparameter check's outcomes per value.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.policy.loader import load_policies
from checker.reports.json_report import dumps_indented, render_json, report_dict
from checker.results import Report, Status
from checker.values import Literal, as_number, show
from tests.support import FIXED_NOW, ROOT, judge, policy_from, single_rule_policy, status_of

SHIPPED, _ = load_policies([str(ROOT / "policies")])

TRICKY_VALUES: list[tuple[str, Any]] = [
    ("empty-dict", {}),
    ("empty-list", []),
    ("empty-string", ""),
    ("quotes-and-backslashes", 'a "quoted" \\ path'),
    ("control-characters", "tab\there\nnewline\x00nul\x1f"),
    ("unicode", "摘要-模型 résumé модель 🚀 \u2028\u2029"),
    ("numbers", [0, -1, 10**20, 0.1, 1e-05, 1e300, -0.0, float("nan"), float("inf"),
                 float("-inf")]),
    ("booleans-and-null", [True, False, None]),
    ("non-string-keys", {2: "int", 2.5: "float", True: "bool", False: "no", None: "null"}),
    ("tuple", ("a", ("b", "c"))),
    ("str-enum", {"status": Status.PASS, "list": [Status.FAIL]}),
    ("flat-strings", {"t/a": "pass", "t/b": "fail", "t/c": "not_applicable"}),
    ("flat-but-one-null", {"a": "x", "b": None, "c": "y"}),
    ("ordered-dict", OrderedDict([("b", 1), ("a", 2)])),
    ("nested", {"models": [{"results": {"p/r": "pass"}, "labels": [], "waiver": None,
                            "actual": {"deep": [[], {}, [{"x": [1, "2"]}]]}}]}),
]


@pytest.mark.parametrize("value", [v for _, v in TRICKY_VALUES],
                         ids=[name for name, _ in TRICKY_VALUES])
def test_json_writer_matches_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [object(), {"a": {1, 2}}, {("tuple", "key"): 1}],
                         ids=["object", "set-inside", "tuple-key"])
def test_json_writer_refuses_what_json_refuses(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, indent=2)
    with pytest.raises(TypeError):
        dumps_indented(value)


def _mixed_report() -> Report:
    """Violations, a waived finding, an error, warnings, unicode, and a model in no list."""
    policy = policy_from({
        "version": 1, "name": "t",
        "rules": [
            {"id": "prod-name", "labels": ["a", "b"], "remediation": "Rename it.",
             "require": {"field": "modelName", "glob": "prod-*"}},
            {"id": "owner", "require": {"field": "tags.owner", "exists": True}},
            {"id": "lr", "hyperparameter": {"name": "learningRate", "max": 0.0001}},
        ],
        "waivers": [
            {"rules": ["lr"], "models": ["research-*"], "reason": "Sandbox.",
             "expires": "2099-01-31"},
            {"rules": ["owner"], "models": ["gone-*"], "reason": "Old.",
             "expires": "2020-01-31"},
        ],
    })
    return judge(policy,
                 {"modelName": "prod-ok", "tags": {"owner": "me"}},
                 {"modelName": "dev-摘要", "tags": {},
                  "hyperParameters": {"learningRate": "fast"}},
                 {"modelName": "research-x", "tags": {"owner": "lab"},
                  "hyperParameters": {"learningRate": "0.01"}},
                 {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/x"})


@pytest.mark.parametrize("make", [_mixed_report, lambda: judge(single_rule_policy(
    {"require": {"field": "modelName", "exists": True}}), {"modelName": "only"})],
                         ids=["mixed", "all-pass-empty-lists"])
def test_json_report_text_matches_json_dumps(make: Callable[[], Report]) -> None:
    report = make()
    assert render_json(report) == json.dumps(report_dict(report), indent=2,
                                             ensure_ascii=False) + "\n"


def test_mixed_report_has_every_list() -> None:
    data = report_dict(_mixed_report())
    assert (len(data["violations"]), len(data["waived"]), len(data["errors"])) == (5, 1, 1)
    # The one error is a rule whose enrichment was not fetched: summed up in a warning too.
    assert [w["code"] for w in data["warnings"]] == ["keys-not-fetched", "waiver-expired"]


@pytest.mark.parametrize("value", ["plain", 'say "hi"\n', "ünïcode", "", None, True, 3, 0.5,
                                   ["a", 1], {"k": None}, Decimal("1.5")],
                         ids=["plain", "escapes", "unicode", "empty", "null", "bool", "int",
                              "float", "list", "dict", "decimal"])
def test_show_matches_json_dumps(value: Any) -> None:
    assert show(value) == json.dumps(value, ensure_ascii=False, default=str)


@pytest.mark.parametrize(("value", "expected"), [
    ("0.0001", Decimal("0.0001")),
    ("1e-4", Decimal("0.0001")),
    ("fast", None),
    ("NaN", None),
    ("١٢", None),  # non-ASCII digits
    ("1" * 64, Decimal("1" * 64)),  # long, and still a number (not cached)
    ("0.0001", Decimal("0.0001")),  # again: now from the cache
], ids=["decimal", "exponent", "word", "nan", "arabic-digits", "long", "cached"])
def test_numbers_from_strings(value: str, expected: Decimal | None) -> None:
    assert as_number(value) == expected


@pytest.mark.parametrize(("literal", "actual", "expected"), [
    ("Active", "Active", True),
    ("Active", "active", False),
    ("5", 5, True),  # both numbers: compared numerically
    (5, "5.0", True),
    ("fast", "fast", True),  # not numbers: exact strings
    (True, "true", True),
    ("x", ["x"], None),  # a list is not comparable
], ids=["same-string", "case-differs", "string-vs-int", "int-vs-string", "same-word",
        "bool-text", "list"])
def test_literal_equals(literal: Any, actual: Any, expected: bool | None) -> None:
    assert Literal(literal).equals(actual) is expected


# Each operator on a plain path (one value) and on a [] path (every element) must agree.
OPERATOR_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("equals", {"equals": "s3://a/x"}, "s3://a/x", "pass"),
    ("not_equals", {"not_equals": "s3://a/x"}, "s3://a/x", "fail"),
    ("in", {"in": ["s3://b/x", "s3://a/x"]}, "s3://a/x", "pass"),
    ("not_in", {"not_in": ["s3://a/x"]}, "s3://a/x", "fail"),
    ("matches", {"matches": "s3://a/.*"}, "s3://a/x", "pass"),
    ("not_matches", {"not_matches": "s3://a/.*"}, "s3://a/x", "fail"),
    ("glob", {"glob": "s3://a/*"}, "s3://b/x", "fail"),
    ("min-not-a-number", {"min": 1}, "s3://a/x", "fail"),
    ("exists", {"exists": True}, "s3://a/x", "pass"),
    ("contains", {"contains": "/a/"}, "s3://a/x", "pass"),
]


@pytest.mark.parametrize(("op", "value", "expected"),
                         [(op, value, exp) for _, op, value, exp in OPERATOR_CASES],
                         ids=[name for name, *_ in OPERATOR_CASES])
def test_plain_and_each_paths_agree(op: dict[str, Any], value: str, expected: str) -> None:
    plain = status_of({"require": {"field": "outputDataConfig.s3Uri", **op}},
                      {"outputDataConfig": {"s3Uri": value}})
    each = status_of({"require": {"field": "validationDataConfig.validators[].s3Uri", **op}},
                     {"validationDataConfig": {"validators": [{"s3Uri": value}]}})
    assert plain.value == each.value == expected


# --- the C-speed writer and the compiled rules, against the plain code, on any input -------

_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
_json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e-05, 1.5e-07, 1e16, 1e22, 5e-324, -0.0, 0.1, 100.0]), _any_text)
_json_trees = st.recursive(_json_scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.tuples(children, children),
    st.dictionaries(_any_text, children, max_size=5)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(_json_trees)
def test_json_writer_matches_json_dumps_on_any_value(value: Any) -> None:
    # Floats keep Python's spelling ("1e-05", not "0.00001"), integers past 64 bits and
    # lone surrogates are written too: character for character what json writes.
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_a_report_with_exact_numbers_in_findings_matches_json_dumps() -> None:
    policy = policy_from({"version": 1, "name": "t", "rules": [
        {"id": "lr", "require": {"field": "customizationConfig.rftConfig.hyperParameters."
                                          "learningRate", "max": "1e-6"}},
        {"id": "meta", "require": {"field": "trainingMetrics", "exists": False}}]})
    report = judge(policy, {"modelName": "m", "trainingMetrics": {"trainingLoss": 1e-05},
                            "customizationConfig": {"rftConfig": {"hyperParameters": {
                                "learningRate": 1.5e-05}}}})
    text = render_json(report)
    assert text == json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
    assert '"actual": 1.5e-05' in text and '"trainingLoss": 1e-05' in text


_paths = st.sampled_from(["modelName", "tags.env", 'tags."cost.center"',
                          "trainingMetrics.trainingLoss",
                          "hyperParameters.learningRate", "outputDataConfig.s3Uri",
                          "validationDataConfig.validators[].s3Uri"])
_docs_values = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-1, 1),
                         st.sampled_from(["prod", "dev", "5", "0.0001", "1e-4", "fast",
                                          "s3://a/x", "s3://b/y", "1234"]),
                         st.lists(st.sampled_from(["prod", 5, None]), max_size=2),
                         st.dictionaries(st.sampled_from(["s3Uri", "env"]),
                                         st.sampled_from(["prod", "s3://a/x", 1]), max_size=2))
_ops = st.sampled_from([
    {"equals": "prod"}, {"equals": "5"}, {"equals": 5}, {"equals": True},
    {"not_equals": "prod"}, {"in": ["prod", "dev"]}, {"in": ["prod", 5]},
    {"not_in": ["prod", "dev"]}, {"matches": "[a-z]+"}, {"not_matches": "s3://a/.*"},
    {"glob": "s3://a/*"}, {"min": 0}, {"max": "1e-4"}, {"exists": True}, {"exists": False},
    {"contains": "a"}])


def _uncompiled(condition: Any, doc: Mapping[str, Any]) -> Any:
    """The field condition as the plain code reads it: every selected value, one by one."""
    from checker.lang.conditions import all_hold

    values = condition.resolve(doc)
    return all_hold(condition._one(value) for value in values)


@settings(max_examples=300, deadline=None)
@given(_paths, _ops, st.dictionaries(
    st.sampled_from(["modelName", "tags", "trainingMetrics", "hyperParameters",
                     "outputDataConfig", "validationDataConfig"]),
    st.one_of(_docs_values, st.dictionaries(
        st.sampled_from(["env", "cost.center", "learningRate", "s3Uri", "validators",
                         "trainingLoss"]),
        st.one_of(_docs_values, st.lists(st.dictionaries(st.just("s3Uri"), _docs_values),
                                         max_size=2)), max_size=3)), max_size=4))
def test_compiled_field_conditions_agree_with_the_plain_code(
        path: str, op: dict[str, Any], doc: dict[str, Any]) -> None:
    from checker.lang.conditions import FieldCondition

    policy = single_rule_policy({"require": {"field": path, **op}})
    condition = policy.rules[0].check.condition  # type: ignore[attr-defined]
    assert isinstance(condition, FieldCondition)
    assert condition.tri(doc) == _uncompiled(condition, doc)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(
    st.sampled_from(["modelName", "customizationType", "tags", "hyperParameters",
                     "modelKmsKeyArn", "baseModelArn", "trainingDataConfig", "modelStatus"]),
    st.one_of(_docs_values, st.dictionaries(
        st.sampled_from(["env", "owner", "learningRate", "s3Uri", "epochCount"]),
        _docs_values, max_size=3))), min_size=1, max_size=4))
def test_the_quick_way_and_the_careful_way_judge_alike(docs: list[dict[str, Any]]) -> None:
    from checker.engine.evaluate import _Judge, model_ref
    from checker.results import ModelInput

    policies = list(SHIPPED)
    quick, careful = _Judge(policies, FIXED_NOW.date()), _Judge(policies, FIXED_NOW.date())
    for doc in docs:
        item = ModelInput(document=doc, origin="t")
        ref = model_ref(item)
        careful.shown = quick.shown = ref
        for policy, rules, scope_needs in quick.plans["model"]:
            fast: dict[str, Status] = {}
            slow: dict[str, Status] = {}
            unmet = frozenset(k for k in quick.all_needs if k not in doc)
            if quick._judge_quickly(policy, rules, scope_needs, item, ref, unmet, fast):
                careful._judge_carefully(policy, rules, scope_needs, item, ref, slow)
                assert fast == slow
    assert quick.violations == careful.violations
    assert quick.waived == careful.waived
    assert quick.errors == careful.errors
    assert quick.named_judged == careful.named_judged
    assert quick.named_seen == careful.named_seen


@pytest.mark.parametrize("arn", [
    "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0:300k",
    "arn:aws:bedrock:us-east-1::foundation-model/meta.llama2-13b-v1:0:4k",
    "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/abc",
])
def test_a_remembered_model_list_outcome_is_the_one_worked_out(arn: str) -> None:
    from checker.checks.base_model import FIELD, base_model_names
    from checker.checks.model_lists import ModelList

    models = ModelList(["amazon.nova-*"], ["meta.llama2*"])
    first = models.judge_value(FIELD, arn, base_model_names)
    assert first == models.judge(FIELD, arn, base_model_names(arn))
    assert models.judge_value(FIELD, arn, base_model_names) is first  # remembered


@pytest.mark.parametrize("pattern", ["[a-z][a-z0-9-]{2,62}", "(?i).*(test|tmp).*", "",
                                     r"arn:aws:kms:[a-z0-9-]+:\d{12}:key/.*", "a|b"])
@pytest.mark.parametrize("value", ["prod-x", "Test-1", "", "a", "b", "ab", "摘要-模型", "x\ny",
                                   "arn:aws:kms:us-east-1:111122223333:key/k"])
def test_re2_asked_directly_answers_as_its_wrapper(pattern: str, value: str) -> None:
    import re2

    from checker.values import _whole_match

    compiled = re2.compile(pattern)
    assert (_whole_match(compiled)(value) is None) == (compiled.fullmatch(value) is None)


def test_re2_without_a_program_to_ask_is_asked_through_its_wrapper() -> None:
    from checker.values import _whole_match

    class Wrapper:
        def fullmatch(self, value: str) -> object:
            return None

    wrapper = Wrapper()
    assert _whole_match(wrapper) == wrapper.fullmatch


# --- what each check remembers, against working it out each time ---------------------------

_hyperparameter_values = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 20), st.floats(allow_nan=True),
    st.sampled_from([-0.0, 0.0, 1.0, 1e-05, 5e-05]),
    st.sampled_from(["0.00001", "1e-5", "5e-6", "0.0001", "1", "1.0", "8", "16", "auto",
                     "fast", "NaN", "true", "", " 8", "١٢"]))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([{"min": 1, "max": 5}, {"max": "1e-4"}, {"min": "1e-7"},
                        {"allowed": [1, 2, "8", "auto", True]},
                        {"required": True, "max": 10}]),
       st.lists(st.tuples(st.sampled_from(["hyperParameters", "rft", "both"]),
                          _hyperparameter_values, _hyperparameter_values),
                min_size=1, max_size=12))
def test_a_remembered_hyperparameter_outcome_is_the_one_worked_out(
        options: dict[str, Any], models: list[tuple[str, Any, Any]]) -> None:
    # The check remembers each string's and integer's outcome; a fresh check per model
    # remembers nothing: both judge every model alike (True is not 1, "1.0" is not "1").
    def check() -> Any:
        return single_rule_policy({"hyperparameter": {"name": "epochCount", **options}}) \
            .rules[0].check

    remembering = check()
    for where, plain, numeric in models:
        doc: dict[str, Any] = {}
        if where in ("hyperParameters", "both"):
            doc["hyperParameters"] = {"epochCount": plain}
        if where in ("rft", "both"):
            doc["customizationConfig"] = {"rftConfig": {"hyperParameters": {
                "epochCount": numeric}}}
        assert remembering.evaluate(doc) == check().evaluate(doc)


def test_a_rule_stops_looking_at_models_once_every_key_is_seen() -> None:
    # Once a model sets the tag, no warning can come: later models are not looked at.
    policy = single_rule_policy({"require": {"field": "tags.owner", "exists": True}})
    seen = judge(policy, {"modelName": "a", "tags": {"owner": "x"}},
                 *({"modelName": f"m{i}", "tags": {}} for i in range(5)))
    assert not [w for w in seen.warnings if w.code == "rule-matched-nothing"]
    misspelt = single_rule_policy({"require": {"field": "tags.ownr", "matches": ".+"}})
    unseen = judge(misspelt, *({"modelName": f"m{i}", "tags": {"owner": "x"}}
                               for i in range(6)))
    assert [w.message.split(": ", 1)[1] for w in unseen.warnings
            if w.code == "rule-matched-nothing"] == [
        "tag ownr is set in none of the 6 models it judged; check the name"]


def test_a_require_failure_is_explained_as_evaluate_explains_it() -> None:
    policy = single_rule_policy({"require": {"any_of": [
        {"field": "modelName", "matches": "prod-.*"},
        {"field": "validationDataConfig.validators[].s3Uri", "glob": "s3://a/*"}]}})
    check = policy.rules[0].check
    doc = {"modelName": "dev-x", "validationDataConfig": {"validators": [
        {"s3Uri": "s3://a/1"}, {"s3Uri": "s3://b/2"}]}}
    assert check.evaluate(doc) == check.explain(doc)  # type: ignore[attr-defined]
    assert check.evaluate(doc).status is Status.FAIL


def test_the_written_out_outcome_constructor_takes_the_fields_as_a_dataclass_would() -> None:
    # Outcome's __init__ is written out for speed: the same parameters, in the same order,
    # with the same defaults as the fields, and every field set.
    import dataclasses
    import inspect

    from checker.checks.base import Outcome

    parameters = list(inspect.signature(Outcome.__init__).parameters.values())[1:]
    fields = dataclasses.fields(Outcome)
    assert [p.name for p in parameters] == [f.name for f in fields]
    assert [p.default for p in parameters] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
        for f in fields]
    made = Outcome(Status.FAIL, "f", "e", 1, "msg")
    assert vars(made) == {"status": Status.FAIL, "field": "f", "expected": "e", "actual": 1,
                          "message": "msg"}
    assert Outcome(Status.PASS) == Outcome(Status.PASS, None, None, None, "")
    assert dataclasses.replace(made) == made and hash(dataclasses.replace(made)) == hash(made)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.field = "other"  # type: ignore[misc]


@pytest.mark.parametrize("served", [None, "critical"], ids=["severity", "served-severity"])
@pytest.mark.parametrize("doc", [{}, {"served": True}, {"served": False}],
                         ids=["exposure-unknown", "served", "not-served"])
@pytest.mark.parametrize("secrets", [(), ("s3://secret",)], ids=["plain", "sensitive"])
@pytest.mark.parametrize("waived", [False, True], ids=["violation", "waived"])
def test_the_engine_makes_a_finding_as_its_constructor_does(
        served: str | None, doc: dict[str, Any], secrets: tuple[str, ...],
        waived: bool) -> None:
    # The engine makes each finding with its fields set at once (a frozen dataclass's
    # __init__ sets them one by one): the same finding, every field set, none added.
    import dataclasses

    from checker.checks.base import failed
    from checker.engine.evaluate import _finding, exposure_of
    from checker.lang.unknowns import hide, hide_value
    from checker.results import SENSITIVE, Finding, ModelRef

    policy = policy_from({"version": 1, "name": "t", "rules": [
        {"id": "r", "severity": "low", "labels": ["a"],
         **({"served_severity": served} if served else {}),
         "require": {"field": "outputDataConfig.s3Uri", "glob": "s3://ok/*"}}],
        "waivers": [{"rules": ["r"], "models": ["*"], "reason": "Why.",
                     "expires": "2099-01-31"}]})
    rule = policy.rules[0]
    waiver = policy.waivers[0] if waived else None
    ref = ModelRef("arn:aws:bedrock:us-east-1:111122223333:custom-model/m", "m",
                   "111122223333", "us-east-1")
    outcome = failed("outputDataConfig.s3Uri", "like \"s3://ok/*\"", "s3://secret",
                     'outputDataConfig.s3Uri is "s3://secret"; expected like "s3://ok/*"')
    made = _finding(ref, rule, outcome, waiver, doc, secrets)
    exposure = exposure_of(doc) if served else None
    expected = Finding(
        model=ref, rule=rule.info, field=outcome.field,
        expected=hide_value(outcome.expected, secrets, SENSITIVE),
        actual=hide_value(outcome.actual, secrets, SENSITIVE),
        message=hide(outcome.message, secrets, SENSITIVE),
        waiver=waiver.info if waiver is not None else None,
        severity=served if served and exposure is not None else "low", exposure=exposure)
    assert vars(made) == vars(expected)
    assert made == expected and hash(made) == hash(expected)
    assert [f.name for f in dataclasses.fields(Finding)] == list(vars(made))
    if secrets:
        assert "s3://secret" not in made.message and made.actual != "s3://secret"
