"""The fast paths that keep large runs quick give exactly what the plain code gives.

The JSON report is written by its own indent-2 writer and values are shown by a shortcut
for strings; both must match ``json.dumps`` character for character. Operators are bound
when a condition is compiled; single-value paths skip building a list; numbers parsed from
strings are cached.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from checker.reports.json_report import dumps_indented, render_json, report_dict
from checker.results import Report, Status
from checker.values import Literal, as_number, show
from tests.support import judge, policy_from, single_rule_policy, status_of

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
