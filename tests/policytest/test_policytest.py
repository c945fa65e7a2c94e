"""The policy unit-test runner: passing, failing and malformed test files, and its outputs."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from checker.errors import PolicyError
from checker.policytest import (
    DEFAULT_MODEL,
    compile_test_file,
    deep_merge,
    default_policy_file,
    render_junit,
    render_text,
    run_suite,
)
from checker.results import Status
from tests.support import run_main

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)

POLICY = """\
version: 1
name: team
vars:
  account_id: "111122223333"
rules:
  - id: kms-required
    kms_key:
      allowed: ["arn:aws:kms:*:${var.account_id}:key/*"]
  - id: learning-rate-cap
    hyperparameter: {name: learningRate, max: 0.0001}
  - id: owner-tag
    require: {field: tags.owner, exists: true}
waivers:
  - rules: [learning-rate-cap]
    models: ["research-*"]
    reason: sandbox
    expires: 2027-01-31
"""


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def compile_file(tmp_path: Path, test_text: str, policy: str = POLICY,
                 variables: dict[str, Any] | None = None) -> Any:
    write(tmp_path, {"team.yaml": policy, "team_test.yaml": test_text})
    file = str(tmp_path / "team_test.yaml")
    return compile_test_file(textwrap.dedent(test_text), file, variables)


def problems_of(tmp_path: Path, test_text: str, policy: str = POLICY) -> list[str]:
    with pytest.raises(PolicyError) as info:
        compile_file(tmp_path, test_text, policy)
    return [f"{p.line}:{p.col}: {p.message}" for p in info.value.problems]


# --- deep merge ----------------------------------------------------------------------------

MERGE_CASES = [
    ("nested keys merge", {"a": {"b": 1, "c": 2}}, {"a": {"c": 3}}, {"a": {"b": 1, "c": 3}}),
    ("null deletes a key", {"a": 1, "b": 2}, {"a": None}, {"b": 2}),
    ("null deletes a nested key", {"a": {"b": 1, "c": 2}}, {"a": {"b": None}}, {"a": {"c": 2}}),
    ("null on a missing key is harmless", {"a": 1}, {"z": None}, {"a": 1}),
    ("lists replace", {"a": [1, 2]}, {"a": [3]}, {"a": [3]}),
    ("empty list replaces", {"a": [1, 2]}, {"a": []}, {"a": []}),
    ("mapping replaces a scalar", {"a": 1}, {"a": {"b": 2}}, {"a": {"b": 2}}),
    ("scalar replaces a mapping", {"a": {"b": 2}}, {"a": "x"}, {"a": "x"}),
    ("unicode keys", {"ключ": 1}, {"ключ": 2}, {"ключ": 2}),
]


@pytest.mark.parametrize(("name", "base", "patch", "expected"), MERGE_CASES,
                         ids=[c[0] for c in MERGE_CASES])
def test_deep_merge(name: str, base: dict[str, Any], patch: dict[str, Any],
                    expected: dict[str, Any]) -> None:
    before = repr(base)
    assert deep_merge(base, patch) == expected
    assert repr(base) == before  # the base is never modified


def test_default_model_is_compliant_with_the_documented_shape() -> None:
    assert DEFAULT_MODEL["customizationType"] == "FINE_TUNING"
    assert DEFAULT_MODEL["modelStatus"] == "Active"
    assert set(DEFAULT_MODEL["tags"]) == {"owner", "data-classification"}


@pytest.mark.parametrize(("name", "policy"), [
    ("x_test.yaml", "x.yaml"), ("x_test.yml", "x.yaml"), ("a.b_test.yaml", "a.b.yaml"),
], ids=["yaml", "yml-test-file", "dotted-name"])
def test_default_policy_file(name: str, policy: str) -> None:
    assert default_policy_file(f"/p/{name}") == Path(f"/p/{policy}")


# --- running -------------------------------------------------------------------------------

PASSING = """\
now: 2026-11-27
cases:
  - name: compliant
    model: {}
    expect: {kms-required: pass, learning-rate-cap: pass, owner-tag: pass}
  - name: no key
    model: {modelKmsKeyArn: null}
    expect: {kms-required: fail}
  - name: research waiver
    model: {modelName: research-1, hyperParameters: {learningRate: "0.01"}}
    expect: {learning-rate-cap: waived}
  - name: waiver expired
    now: 2027-02-01
    model: {modelName: research-1, hyperParameters: {learningRate: "0.01"}}
    expect: {learning-rate-cap: fail}
  - name: tags not fetched
    model: {tags: null}
    expect: {owner-tag: error}
  - name: full document, not merged
    merge: false
    model: {modelName: bare}
    expect: {kms-required: fail, learning-rate-cap: pass, team/owner-tag: error}
"""


def test_passing_file(tmp_path: Path) -> None:
    suite = compile_file(tmp_path, PASSING)
    result = run_suite(suite, clock=lambda: NOW)
    assert [(c.case, c.rule, c.got) for c in result.checks] == [
        ("compliant", "kms-required", Status.PASS),
        ("compliant", "learning-rate-cap", Status.PASS),
        ("compliant", "owner-tag", Status.PASS),
        ("no key", "kms-required", Status.FAIL),
        ("research waiver", "learning-rate-cap", Status.WAIVED),
        ("waiver expired", "learning-rate-cap", Status.FAIL),
        ("tags not fetched", "owner-tag", Status.ERROR),
        ("full document, not merged", "kms-required", Status.FAIL),
        ("full document, not merged", "learning-rate-cap", Status.PASS),
        ("full document, not merged", "team/owner-tag", Status.ERROR),
    ]
    assert result.failed == 0
    text = render_text([result])
    assert "    PASS kms-required: expected fail, got fail\n" in text
    assert text.endswith("\n10 passed, 0 failed\n")


def test_now_defaults_to_the_clock(tmp_path: Path) -> None:
    suite = compile_file(tmp_path, """\
        cases:
          - name: research waiver
            model: {modelName: research-1, hyperParameters: {learningRate: "0.01"}}
            expect: {learning-rate-cap: waived}
        """)
    assert run_suite(suite, clock=lambda: NOW).failed == 0
    later = datetime(2027, 2, 1, tzinfo=timezone.utc)
    assert run_suite(suite, clock=lambda: later).checks[0].got is Status.FAIL


def test_failing_file_says_what_happened(tmp_path: Path) -> None:
    suite = compile_file(tmp_path, """\
        cases:
          - name: wrong expectations
            model: {hyperParameters: {learningRate: "0.001"}}
            expect: {learning-rate-cap: pass, kms-required: fail, owner-tag: pass}
        """)
    result = run_suite(suite, clock=lambda: NOW)
    assert [c.passed for c in result.checks] == [False, False, True]
    text = render_text([result])
    assert "    FAIL learning-rate-cap: expected pass, got fail\n" in text
    assert "hyperParameters.learningRate is \"0.001\"; expected <= 0.0001" in text
    assert "    FAIL kms-required: expected fail, got pass\n" in text
    assert text.endswith("\n1 passed, 2 failed\n")
    quiet = render_text([result], verbose=False)
    assert "PASS" not in quiet and quiet.count("FAIL") == 2


def test_models_are_judged_as_a_set(tmp_path: Path) -> None:
    suite = compile_file(tmp_path, """\
        cases:
          - name: one bad model fails the set
            models:
              - {modelName: a}
              - {modelName: b, modelKmsKeyArn: null}
            expect: {kms-required: fail, owner-tag: pass}
          - name: an error wins over a failure
            models:
              - {modelName: a, tags: {}}
              - {modelName: b, tags: null}
            expect: {owner-tag: error}
        """)
    result = run_suite(suite, clock=lambda: NOW)
    assert [(c.rule, c.got) for c in result.checks] == [
        ("kms-required", Status.FAIL), ("owner-tag", Status.PASS), ("owner-tag", Status.ERROR)]


def test_test_file_variables_and_overrides(tmp_path: Path) -> None:
    text = """\
        vars: {account_id: "444455556666"}
        cases:
          - name: key of the team account
            model: {modelKmsKeyArn: "arn:aws:kms:us-east-1:${var.account_id}:key/k"}
            expect: {kms-required: pass}
          - name: key of the default account
            model: {modelKmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k"}
            expect: {kms-required: fail}
        """
    suite = compile_file(tmp_path, text)
    assert suite.policies[0].variables == {"account_id": "444455556666"}
    assert run_suite(suite, clock=lambda: NOW).failed == 0
    # The command line wins over the test file, and ${var.x} in the cases follows it.
    overridden = compile_file(tmp_path, text, variables={"account_id": "999988887777"})
    checks = run_suite(overridden, clock=lambda: NOW).checks
    assert [c.got for c in checks] == [Status.PASS, Status.FAIL]
    assert overridden.cases[0].models[0].document["modelKmsKeyArn"] == \
        "arn:aws:kms:us-east-1:999988887777:key/k"


def test_junit_output(tmp_path: Path) -> None:
    suite = compile_file(tmp_path, """\
        cases:
          - name: case <one> & "quotes"
            model: {}
            expect: {kms-required: pass, owner-tag: fail}
        """)
    xml = render_junit([run_suite(suite, clock=lambda: NOW)])
    root = ElementTree.fromstring(xml)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    [testsuite] = root
    assert testsuite.get("name", "").endswith("team_test.yaml")
    cases = list(testsuite)
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ('case <one> & "quotes"', "kms-required"), ('case <one> & "quotes"', "owner-tag")]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == "expected fail, got pass"


# --- malformed test files ------------------------------------------------------------------

MALFORMED = [
    ("unknown rule, with did-you-mean",
     """\
     cases:
       - name: c
         model: {}
         expect: {kms-requird: pass}
     """,
     "4:14: unknown rule 'kms-requird' (did you mean 'kms-required'?)"),
    ("unknown status",
     """\
     cases:
       - name: c
         model: {}
         expect: {kms-required: failed}
     """,
     "4:28: unknown status 'failed' (did you mean 'fail'?)"),
    ("both model and models",
     """\
     cases:
       - name: c
         model: {}
         models: [{}]
         expect: {kms-required: pass}
     """,
     "2:5: a test case needs exactly one of 'model'"),
    ("no cases", "now: 2026-01-01\n", "1:1: missing required key 'cases'"),
    ("empty cases", "cases: []\n", "1:8: 'cases' must be a non-empty list"),
    ("not a mapping", "- a\n", "1:1: a policy test file must be a mapping"),
    ("unknown top-level key",
     "case: []\n", "1:1: unknown key 'case' in the test file (did you mean 'cases'?)"),
    ("unknown case key",
     """\
     cases:
       - name: c
         modle: {}
         expect: {kms-required: pass}
     """,
     "3:5: unknown key 'modle' in test case (did you mean 'model'?)"),
    ("missing name",
     """\
     cases:
       - model: {}
         expect: {kms-required: pass}
     """,
     "2:5: a test case needs a 'name'"),
    ("duplicate case name",
     """\
     cases:
       - name: c
         model: {}
         expect: {kms-required: pass}
       - name: c
         model: {}
         expect: {kms-required: pass}
     """,
     "5:11: duplicate case name 'c' (first at line 2)"),
    ("empty expect",
     """\
     cases:
       - name: c
         model: {}
         expect: {}
     """,
     "4:13: 'expect' must be a non-empty mapping"),
    ("model is a list",
     """\
     cases:
       - name: c
         model: [1]
         expect: {kms-required: pass}
     """,
     "3:12: 'model' must be a mapping"),
    ("bad tags in the model",
     """\
     cases:
       - name: c
         model: {tags: [1]}
         expect: {kms-required: pass}
     """,
     "3:12: model 'test-model': 'tags' must be an object or a list of {key, value}"),
    ("bad now",
     """\
     now: tomorrow
     cases:
       - name: c
         model: {}
         expect: {kms-required: pass}
     """,
     "1:6: 'now' must be a date"),
    ("undefined variable in a case",
     """\
     cases:
       - name: c
         model: {modelKmsKeyArn: "${var.acount_id}"}
         expect: {kms-required: pass}
     """,
     "3:29: undefined variable 'acount_id' (did you mean 'account_id'?)"),
    ("test file variable the policy does not declare",
     """\
     vars: {acount: "1"}
     cases:
       - name: c
         model: {}
         expect: {kms-required: pass}
     """,
     "1:8: variable 'acount' is not declared by the policies under test"),
    ("missing policy file",
     """\
     policies: [nope.yaml]
     cases:
       - name: c
         model: {}
         expect: {kms-required: pass}
     """,
     "1:12: no such policy file or directory"),
    ("invalid YAML",
     "cases: [\n", "2:1: invalid YAML"),
    ("duplicate key",
     """\
     cases:
       - name: c
         name: d
         model: {}
         expect: {kms-required: pass}
     """,
     "3:5: duplicate key 'name'"),
]


@pytest.mark.parametrize(("name", "text", "expected"), MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_test_files(tmp_path: Path, name: str, text: str, expected: str) -> None:
    found = problems_of(tmp_path, text)
    assert any(p.startswith(expected) for p in found), found


def test_ambiguous_bare_rule_id(tmp_path: Path) -> None:
    other = POLICY.replace("name: team", "name: other")
    write(tmp_path, {"team.yaml": POLICY, "other.yaml": other})
    text = """\
        policies: [team.yaml, other.yaml]
        cases:
          - name: c
            model: {}
            expect: {kms-required: pass, other/kms-required: pass}
        """
    found = problems_of(tmp_path, text)
    assert found == ["5:14: rule id 'kms-required' is in several policies under test; write "
                     "one of team/kms-required, other/kms-required"]


def test_missing_sibling_policy(tmp_path: Path) -> None:
    (tmp_path / "lonely_test.yaml").write_text("cases: []\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        compile_test_file("cases: []\n", str(tmp_path / "lonely_test.yaml"))
    assert "no policy to test" in str(info.value) and "lonely.yaml" in str(info.value)


def test_a_broken_policy_under_test_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        compile_file(tmp_path, PASSING, policy=POLICY.replace("kms_key:", "kms_keys:"))
    assert "unknown key 'kms_keys' in rule" in str(info.value)


# --- the command ---------------------------------------------------------------------------

def test_cli_exit_codes_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"team.yaml": POLICY, "team_test.yaml": PASSING})
    passed = run_main(capsys, "test", str(tmp_path))
    assert passed.exit_code == 0, passed.output
    assert passed.output.splitlines()[-1] == "10 passed, 0 failed"

    write(tmp_path, {"team_test.yaml": PASSING.replace("{kms-required: fail}",
                                                       "{kms-required: pass}")})
    failed = run_main(capsys, "test", str(tmp_path / "team_test.yaml"))
    assert failed.exit_code == 1
    assert "    FAIL kms-required: expected pass, got fail" in failed.output
    assert failed.output.splitlines()[-1] == "9 passed, 1 failed"

    write(tmp_path, {"team_test.yaml": "cases: [\n"})
    broken = run_main(capsys, "test", str(tmp_path))
    assert broken.exit_code == 2
    assert f"{tmp_path / 'team_test.yaml'}:2:1: invalid YAML" in broken.stderr


def test_cli_prints_located_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"team.yaml": POLICY, "team_test.yaml": MALFORMED[0][1]})
    result = run_main(capsys, "test", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / 'team_test.yaml'}:4:14: unknown rule 'kms-requird'" in result.stderr


def test_cli_junit_and_var(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"team.yaml": POLICY, "team_test.yaml": """\
        cases:
          - name: team key
            model: {modelKmsKeyArn: "arn:aws:kms:us-east-1:444455556666:key/k"}
            expect: {kms-required: pass}
        """})
    default = run_main(capsys, "test", str(tmp_path))
    assert default.exit_code == 1
    out = tmp_path / "out" / "results.xml"
    result = run_main(capsys, "test", str(tmp_path), "--var", "account_id=444455556666",
                      "-f", "junit", "-o", str(out))
    assert result.exit_code == 0
    root = ElementTree.parse(out).getroot()
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


def test_cli_no_test_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, {"team.yaml": POLICY})
    result = run_main(capsys, "test", str(tmp_path))
    assert result.exit_code == 2
    assert "no policy test files (*_test.yaml) in this directory" in result.stderr


def test_rule_status_of_a_rule_on_the_whole_inventory(tmp_path: Path) -> None:
    """A rule that judges the set rather than one model appears only in violations (naming a
    model that may not be in the input) or nowhere: it failed, or it passed."""
    from dataclasses import replace

    from checker.engine.evaluate import evaluate
    from checker.policytest import rule_status
    from checker.results import Finding, ModelRef, Scanned

    suite = compile_file(tmp_path, PASSING)
    report = evaluate(suite.policies, [], scanned=Scanned(("test",), (), ()), now=NOW)
    info = report.rules[0]
    assert rule_status(report, info.qualified_id) == (Status.PASS, "")
    shadow = Finding(model=ModelRef(None, "shadow-model", None, None), rule=info, field=None,
                     expected="an approved name", actual="shadow-model",
                     message="shadow-model is not an approved model")
    failed = replace(report, violations=(shadow,))
    assert rule_status(failed, info.qualified_id) == (
        Status.FAIL, "shadow-model is not an approved model")


def test_fetched_keys_are_null_where_a_case_leaves_them_out(tmp_path: Path) -> None:
    policy = POLICY.replace("waivers:", """\
  - id: copy-source
    when: {field: copyJob, exists: true}
    require: {field: copyJob.sourceAccountId, equals: "111122223333"}
  - id: recent
    require: {field: creationTime, max_days_ago: 30}
waivers:""")
    suite = compile_file(tmp_path, """\
        fetched: [copyJob]
        cases:
          - name: not copied
            model: {creationTime: "2026-11-01T00:00:00Z"}
            expect: {copy-source: not_applicable, recent: pass}
          - name: copied from elsewhere, null in the case means none
            model: {copyJob: {sourceAccountId: "999999999999"}, creationTime: "2026-10-27"}
            expect: {copy-source: fail, recent: fail}
          - name: a copy job given as null is none
            model: {copyJob: null}
            expect: {copy-source: not_applicable}
        """, policy)
    result = run_suite(suite, clock=lambda: NOW)
    assert [(c.case, c.rule, c.got.value) for c in result.checks] == [
        ("not copied", "copy-source", "not_applicable"), ("not copied", "recent", "pass"),
        ("copied from elsewhere, null in the case means none", "copy-source", "fail"),
        ("copied from elsewhere, null in the case means none", "recent", "fail"),
        ("a copy job given as null is none", "copy-source", "not_applicable")]
    # Without 'fetched', a key left out was not read: the rule is an error, never a pass.
    unread = compile_file(tmp_path, """\
        cases:
          - name: not read
            model: {}
            expect: {copy-source: error}
        """, policy)
    assert run_suite(unread, clock=lambda: NOW).failed == 0
    assert any("'fetched' must be a list of added keys" in p for p in problems_of(
        tmp_path, "fetched: [copyjob]\ncases: [{name: a, model: {}, expect: {}}]\n", policy))
