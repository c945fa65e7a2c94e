"""Policy loading: every error names FILE:LINE:COL, with a "did you mean" where one is close."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from checker.errors import CheckerError, PolicyError
from checker.policy.loader import load_policies, load_policy_text

GOOD_HEAD = "version: 1\nname: p\nrules:\n"


def problems_of(text: str) -> list[str]:
    policy, problems = load_policy_text(text.encode(), "p.yaml")
    errors = [str(p) for p in sorted(problems, key=lambda p: (p.line, p.col, p.message))
              if not p.warning]
    assert (policy is None) == bool(errors)
    return errors


ERROR_CASES = [
    ("misspelled top-level key",
     "version: 1\nname: p\nrulez: []\n",
     ["p.yaml:1:1: missing required key 'rules' (a list of rules)",
      "p.yaml:3:1: unknown key 'rulez' in the policy (did you mean 'rules'?)"]),
    ("missing rules", "version: 1\nname: p\n",
     ["p.yaml:1:1: missing required key 'rules' (a list of rules)"]),
    ("wrong version", "version: 2\nname: p\nrules: [{id: a, kms_key: {}}]\n",
     ["p.yaml:1:10: unsupported policy version 2; this tool reads version 1"]),
    ("misspelled check kind",
     GOOD_HEAD + "  - id: a\n    kms_keys: {}\n",
     ["p.yaml:5:5: unknown key 'kms_keys' in rule (did you mean 'kms_key'?); checks: "
      "kms_key, base_model, teacher_model, hyperparameter, lambda_grader, require"]),
    ("two checks in one rule",
     GOOD_HEAD + "  - id: a\n    kms_key: {}\n    base_model: {allowed: [x]}\n",
     ["p.yaml:6:5: a rule has exactly one check, but this one has kms_key and base_model: "
      "split it into rules"]),
    ("no check", GOOD_HEAD + "  - id: a\n    title: t\n",
     ["p.yaml:4:5: rule has no check: add exactly one of kms_key, base_model, teacher_model, "
      "hyperparameter, lambda_grader, require"]),
    ("misspelled option",
     GOOD_HEAD + "  - id: a\n    kms_key: {alowed: [x]}\n",
     ["p.yaml:5:15: unknown option 'alowed' for kms_key (did you mean 'allowed'?); "
      "options: required, allowed, aliases, customer_managed"]),
    ("misspelled severity",
     GOOD_HEAD + "  - id: a\n    severity: critcal\n    kms_key: {}\n",
     ["p.yaml:5:15: unknown severity 'critcal' (did you mean 'critical'?); one of info, low, "
      "medium, high, critical"]),
    ("misspelled operator",
     GOOD_HEAD + "  - id: a\n    require: {field: modelName, equal: x}\n",
     ["p.yaml:5:33: unknown operator 'equal' (did you mean 'equals'?); operators: equals, "
      "not_equals, in, not_in, matches, not_matches, glob, min, max, exists, contains, "
      "min_days_ahead, max_days_ago"]),
    ("misspelled field path",
     GOOD_HEAD + "  - id: a\n    require: {field: hyperParamters.learningRate, max: 1}\n",
     ["p.yaml:5:22: unknown field 'hyperParamters.learningRate' (did you mean "
      "'hyperParameters.learningRate'?)"]),
    ("list field without []",
     GOOD_HEAD + "  - id: a\n    require: {field: validationDataConfig.validators.s3Uri,"
     " exists: true}\n",
     ["p.yaml:5:22: 'validationDataConfig.validators' is a list: write "
      "'validationDataConfig.validators[]' to look at every element"]),
    ("bad regex",
     GOOD_HEAD + "  - id: a\n    require: {field: modelName, matches: '(unclosed'}\n",
     ["p.yaml:5:42: invalid regular expression for 'matches': missing ), unterminated "
      "subpattern at position 0"]),
    ("max that is not a number",
     GOOD_HEAD + "  - id: a\n    hyperparameter: {name: learningRate, max: fast}\n",
     ["p.yaml:5:47: max: must be a number (e.g. 0.0001 or \"1e-4\"), not \"fast\""]),
    ("min above max",
     GOOD_HEAD + "  - id: a\n    hyperparameter: {name: epochCount, min: 5, max: 1}\n",
     ["p.yaml:5:45: min 5 is greater than max 1: no value can pass"]),
    ("duplicate rule id",
     GOOD_HEAD + "  - id: a\n    kms_key: {}\n  - id: a\n    kms_key: {}\n",
     ["p.yaml:6:9: duplicate rule id 'a' (first at line 4)"]),
    ("duplicate key hides a rule",
     GOOD_HEAD + "  - id: a\n    kms_key: {}\n    kms_key: {required: false}\n",
     ["p.yaml:6:5: duplicate key 'kms_key' (first at line 5); YAML would silently keep only "
      "the last one"]),
    ("python tag",
     "version: 1\nname: !!python/object/apply:os.system [echo]\nrules: []\n",
     ["p.yaml:2:7: unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system': "
      "only plain data (strings, numbers, booleans, null, dates) is allowed"]),
    ("misspelled job field",
     GOOD_HEAD + "  - id: a\n    require: {field: job.rolArn, exists: true}\n",
     ["p.yaml:5:22: unknown field 'job.rolArn' (did you mean 'job.roleArn'?)"]),
    ("misspelled kms metadata field",
     GOOD_HEAD + "  - id: a\n    require: {field: kmsKey.KeyManger, equals: CUSTOMER}\n",
     ["p.yaml:5:22: unknown field 'kmsKey.KeyManger' (did you mean 'kmsKey.KeyManager'?)"]),
    ("waiver without reason and expiry",
     GOOD_HEAD + "  - id: a\n    kms_key: {}\nwaivers:\n  - rules: [a]\n    models: ['*']\n",
     ["p.yaml:7:5: missing required key 'expires' (a date, YYYY-MM-DD): every waiver must end",
      "p.yaml:7:5: missing required key 'reason'"]),
    ("waiver naming a missing rule",
     GOOD_HEAD + "  - id: kms\n    kms_key: {}\nwaivers:\n  - rules: [kmss]\n    models: ['*']\n"
     "    reason: r\n    expires: 2027-01-01\n",
     ["p.yaml:7:13: waiver names rule 'kmss', which policy 'p' does not have (did you mean "
      "'kms'?)"]),
    ("unquoted account id",
     GOOD_HEAD + "  - id: a\n    kms_key: {}\nwaivers:\n  - rules: [a]\n    models: ['*']\n"
     "    accounts: [111122223333]\n    reason: r\n    expires: 2027-01-01\n",
     ["p.yaml:9:16: 'accounts' items must be strings, not a number (quote account ids and "
      "numbers)"]),
    ("bad expiry date",
     GOOD_HEAD + "  - id: a\n    kms_key: {}\nwaivers:\n  - rules: [a]\n    models: ['*']\n"
     "    reason: r\n    expires: next year\n",
     ["p.yaml:10:14: 'expires' must be a date (YYYY-MM-DD), not 'next year'"]),
    ("condition with all_of and a field",
     GOOD_HEAD + "  - id: a\n    require: {all_of: [{field: modelName, exists: true}], "
     "field: modelName}\n",
     ["p.yaml:5:59: 'all_of' must stand alone in its mapping; move 'field' into a condition "
      "of its own"]),
    ("invalid YAML", "version: 1\nname: [p\n",
     ["p.yaml:3:1: invalid YAML: expected ',' or ']', but got '<stream end>'"]),
    ("not a mapping", "- a\n- b\n",
     ["p.yaml:1:1: a policy file must be a mapping with version, name and rules, not a list"]),
    ("empty file", "",
     ["p.yaml:1:1: a policy file must be a mapping with version, name and rules, not null"]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in ERROR_CASES],
                         ids=[c[0] for c in ERROR_CASES])
def test_error_messages(text: str, expected: list[str]) -> None:
    assert problems_of(text) == expected


def test_all_problems_are_reported_not_only_the_first() -> None:
    text = (GOOD_HEAD + "  - id: a\n    kms_key: {alowed: [x]}\n"
            "  - id: b\n    severity: hgh\n    require: {field: modelNme, exists: true}\n")
    errors = problems_of(text)
    assert [e.split(": ")[0] for e in errors] == ["p.yaml:5:15", "p.yaml:7:15", "p.yaml:8:22"]


def test_alias_bomb_is_refused_quickly() -> None:
    levels = ["a: &a [" + ",".join(['"lol"'] * 9) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.monotonic()
    errors = problems_of("\n".join(levels) + "\n")
    assert time.monotonic() - start < 5
    assert len(errors) == 1 and "alias bomb" in errors[0]


def test_not_utf8() -> None:
    policy, problems = load_policy_text(b"version: 1\nname: \xff\n", "p.yaml")
    assert policy is None
    assert str(problems[0]) == ("p.yaml:2:7: not UTF-8 text: invalid start byte (byte 0xff)")


def test_directory_loading_skips_test_files_and_sorts(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml"):
        (tmp_path / name).write_text(f"version: 1\nname: {name[0]}\nrules: "
                                     "[{id: r, kms_key: {}}]\n")
    (tmp_path / "b_test.yaml").write_text("not: a policy\n")
    (tmp_path / "notes.txt").write_text("ignored\n")
    policies, _ = load_policies([str(tmp_path)])
    assert [p.name for p in policies] == ["a", "b"]


def test_duplicate_policy_names_across_files(tmp_path: Path) -> None:
    for name in ("one.yaml", "two.yaml"):
        (tmp_path / name).write_text("version: 1\nname: same\nrules: [{id: r, kms_key: {}}]\n")
    with pytest.raises(PolicyError) as info:
        load_policies([str(tmp_path)])
    assert info.value.lines() == [f"{tmp_path}/two.yaml:1:1: policy name 'same' is already "
                                  f"used by {tmp_path}/one.yaml"]


@pytest.mark.parametrize("path", ["missing.yaml", "missing-dir/"])
def test_missing_policy_path(path: str, tmp_path: Path) -> None:
    with pytest.raises(CheckerError, match="no such policy file or directory"):
        load_policies([str(tmp_path / path)])


def test_empty_policy_directory(tmp_path: Path) -> None:
    with pytest.raises(CheckerError, match="no policy files"):
        load_policies([str(tmp_path)])


def test_sha256_and_rule_lines() -> None:
    text = GOOD_HEAD + "  - id: a\n    kms_key: {}\n\n  - id: b\n    kms_key: {}\n"
    policy, _ = load_policy_text(text.encode(), "p.yaml")
    assert policy is not None
    assert [r.info.line for r in policy.rules] == [4, 7]
    import hashlib
    assert policy.sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_needs_are_collected_from_rules_and_scope() -> None:
    text = ("version: 1\nname: p\nscope: {when: {field: tags.env, equals: prod}}\nrules:\n"
            "  - id: a\n    kms_key: {}\n")
    policy, _ = load_policy_text(text.encode(), "p.yaml")
    assert policy is not None
    assert policy.rules[0].needs == frozenset({"tags"})
