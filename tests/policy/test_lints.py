"""The validate lints, and the pattern-intersection they rest on."""

from __future__ import annotations

import fnmatch
import re
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.lang.glob_lints import botocore_pattern
from checker.lang.regex import (
    Unsupported,
    glob_nfa,
    intersects,
    regex_meets_glob,
    regex_nfa,
    regexes_meet,
)
from checker.policy.loader import load_policy_text
from tests.support import run_main

KMS = botocore_pattern("KmsKeyArn", "")
LAMBDA = botocore_pattern("LambdaArn", "")


def test_botocore_patterns_are_the_ones_linted() -> None:
    assert KMS.startswith("arn:aws") and ":kms:" in KMS and "key/" in KMS
    assert ":lambda:" in LAMBDA and "function:" in LAMBDA


# --- intersection --------------------------------------------------------------------------

GLOB_CASES = [
    ("account glob", KMS, "arn:aws:kms:*:111122223333:key/*", True),
    ("four-digit account", KMS, "arn:aws:kms:*:1111:key/*", False),
    ("alias instead of key", KMS, "arn:aws:kms:*:111122223333:alias/*", False),
    ("star alone", KMS, "*", True),
    ("GovCloud partition", KMS, "arn:aws-us-gov:kms:*", True),
    ("full key ARN", KMS,
     "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
    ("key id too short", KMS, "arn:aws:kms:us-east-1:111122223333:key/1234", False),
    ("question marks for digits", KMS, "arn:aws:kms:*:????????????:key/*", True),
    ("eleven question marks", KMS, "arn:aws:kms:*:???????????:key/*", False),
    ("class of digits", KMS, "arn:aws:kms:*:[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]"
                             "[0-9][0-9]:key/*", True),
    ("negated class", KMS, "arn:aws:kms:*:[!0-9]*:key/*", False),
    ("unicode", KMS, "arn:aws:kms:*:111122223333:key/ключ*", False),
    ("Lambda glob in the account", LAMBDA, "arn:aws:lambda:*:111122223333:function:grader-*",
     True),
    ("Lambda glob with a typo in function", LAMBDA, "arn:aws:lambda:*:111122223333:functon:*",
     False),
    ("an S3 ARN is no Lambda", LAMBDA, "arn:aws:s3:::bucket/*", False),
    ("unclosed glob bracket is literal", "a\\[b", "a[b", True),
]


@pytest.mark.parametrize(("name", "pattern", "glob", "expected"), GLOB_CASES,
                         ids=[c[0] for c in GLOB_CASES])
def test_regex_meets_glob(name: str, pattern: str, glob: str, expected: bool) -> None:
    assert regex_meets_glob(pattern, glob) is expected


REGEX_CASES = [
    ("baseline grader pattern",
     r"arn:aws:lambda:[a-z0-9-]+:111122223333:function:approved-grader-[A-Za-z0-9-]+:[0-9]+",
     True),
    ("typo in function", r"arn:aws:lambda:[a-z0-9-]+:111122223333:func:.*", False),
    ("short account", r"arn:aws:lambda:us-east-1:1234:function:x", False),
    ("digits escape", r"arn:aws:lambda:us-east-1:\d{12}:function:x", True),
    ("eleven digits", r"arn:aws:lambda:us-east-1:\d{11}:function:x", False),
    ("range repeat", r"arn:aws:lambda:us-east-1:\d{10,12}:function:x", True),
    ("alternation", r"(arn:aws:s3:::x|arn:aws:lambda:us-east-1:111122223333:function:g)", True),
    ("non-capturing and lazy", r"(?:arn):aws:lambda:.*?:function:g", True),
    ("named group", r"(?P<p>arn):aws:lambda:us-east-1:111122223333:function:g", True),
    ("anchors", r"^arn:aws:lambda:us-east-1:111122223333:function:g$", True),
    ("region without digit", r"arn:aws:lambda:us-east:111122223333:function:g", False),
    ("$LATEST qualifier", r"arn:aws:lambda:us-east-1:111122223333:function:g:\$LATEST", True),
    ("qualifier with a dot", r"arn:aws:lambda:us-east-1:111122223333:function:g:1\.0", False),
    ("literal brace", r"arn:aws:lambda:us-east-1:111122223333:function:g{", False),
    ("optional group", r"arn:aws:lambda:us-east-1:111122223333:function:g(:[0-9]+)?", True),
    ("zero repeat", r"arn:aws:lambda:us-east-1:111122223333:function:gx{0}", True),
]


@pytest.mark.parametrize(("name", "pattern", "expected"), REGEX_CASES,
                         ids=[c[0] for c in REGEX_CASES])
def test_regexes_meet(name: str, pattern: str, expected: bool) -> None:
    assert regexes_meet(LAMBDA, pattern) is expected


@pytest.mark.parametrize("pattern", [r"(?=a)b", r"(a)\1", r"(?i)arn", r"\bx", r"a**"],
                         ids=["lookahead", "backreference", "inline-flag", "word-boundary",
                              "multiple-repeat"])
def test_unsupported_regex_is_not_guessed(pattern: str) -> None:
    with pytest.raises(Unsupported):
        regex_nfa(pattern)
    assert regexes_meet(LAMBDA, pattern) is None


# A glob built from a string always matches that string: the intersection of the glob and
# the string's escaped regex is never empty (no false "cannot match").
ALPHABET = "ab:/-*?[]!.é"


@given(text=st.text(alphabet="ab:/-.é0", min_size=0, max_size=12),
       mask=st.lists(st.sampled_from(["keep", "star", "any"]), min_size=12, max_size=12))
@settings(max_examples=200, deadline=None)
def test_glob_from_a_string_meets_it(text: str, mask: list[str]) -> None:
    glob = "".join(c if m == "keep" else "*" if m == "star" else "?"
                   for c, m in zip(text, mask, strict=False))
    assert fnmatch.fnmatchcase(text, glob)
    assert intersects(regex_nfa(re.escape(text)), glob_nfa(glob))


REGEXES = [r"a+:b*", r"[ab]{2,3}/.*", r"(a|b)?-[^:]+", r"\d*a", r"[a-c]:?[!?]"]
# Printable ASCII and one letter beyond: the samples are matched with Python's re here, whose
# \d also matches other scripts' digits; the automata's \d is [0-9], as in RE2 (which
# matches policy regexes) and in botocore's ARN patterns.
TEXT = "".join(map(chr, range(0x20, 0x7F))) + "é"


def both(regex_source: str, glob: str, sample: str) -> bool:
    return bool(re.fullmatch(regex_source, sample)) and fnmatch.fnmatchcase(sample, glob)


# When the intersection is said to be empty, no string of either language matches both:
# the samples are drawn from the regex's language and from the glob's, so they do meet the
# other side whenever the two overlap on them.
@given(data=st.data(), glob=st.text(alphabet=ALPHABET, max_size=8),
       regex_source=st.sampled_from(REGEXES))
@settings(max_examples=200, deadline=None)
def test_empty_intersection_is_sound(data: st.DataObject, glob: str,
                                     regex_source: str) -> None:
    meets = intersects(regex_nfa(regex_source), glob_nfa(glob))
    from_regex = data.draw(st.lists(st.from_regex(regex_source, fullmatch=True, alphabet=TEXT),
                                    max_size=10))
    from_glob = data.draw(st.lists(st.from_regex(fnmatch.translate(glob), fullmatch=True),
                                   max_size=10))
    for sample in (*from_regex, *from_glob):
        assert meets or not both(regex_source, glob, sample), sample


# When the two meet on a string, the intersection is never said to be empty: the glob is
# made from a string of the regex's language, so it always meets the regex.
@given(data=st.data(), regex_source=st.sampled_from(REGEXES))
@settings(max_examples=200, deadline=None)
def test_a_shared_string_means_an_intersection(data: st.DataObject, regex_source: str) -> None:
    text = data.draw(st.from_regex(regex_source, fullmatch=True, alphabet=TEXT).filter(
        lambda t: not set(t) & set("*?[]")))
    mask = data.draw(st.lists(st.sampled_from(["keep", "star", "any"]), min_size=len(text),
                              max_size=len(text)))
    glob = "".join(c if m == "keep" else "*" if m == "star" else "?"
                   for c, m in zip(text, mask, strict=True))
    assert both(regex_source, glob, text)
    assert intersects(regex_nfa(regex_source), glob_nfa(glob))


def test_the_intersection_is_not_always_said_to_exist() -> None:
    """Both answers occur: a check that always said "they meet" would fail here."""
    assert not intersects(regex_nfa(r"a+:b*"), glob_nfa("b*"))
    assert intersects(regex_nfa(r"a+:b*"), glob_nfa("a*"))


# --- the lints in policies -----------------------------------------------------------------

def lint(rules: str, scope: str = "") -> list[str]:
    text = "version: 1\nname: p\n" + scope + "rules:\n" + textwrap.indent(
        textwrap.dedent(rules), "  ")
    policy, problems = load_policy_text(text.encode(), "p.yaml", lint=True)
    assert policy is not None, problems
    assert all(p.warning for p in problems)
    return [f"{p.line}:{p.col}: {p.message}" for p in problems]


LINT_CASES = [
    ("kms glob with a short account",
     """\
     - id: r
       kms_key: {allowed: ["arn:aws:kms:*:1111:key/*"]}
     """, "", ["5:25: kms_key.allowed glob 'arn:aws:kms:*:1111:key/*' cannot match any KMS "
               "key ARN"]),
    ("kms glob on an alias",
     """\
     - id: r
       kms_key:
         allowed:
           - "arn:aws:kms:*:111122223333:key/*"
           - "arn:aws:kms:*:111122223333:alias/ml"
     """, "", ["8:11: kms_key.allowed glob 'arn:aws:kms:*:111122223333:alias/ml'"]),
    ("good kms glob", """\
     - id: r
       kms_key: {allowed: ["arn:aws:kms:*:111122223333:key/*"]}
     """, "", []),
    ("grader pattern that misspells function",
     """\
     - id: r
       lambda_grader: {arn_pattern: 'arn:aws:lambda:[a-z0-9-]+:111122223333:fuction:.+'}
     """, "", ["5:34: lambda_grader.arn_pattern /arn:aws:lambda:[a-z0-9-]+:111122223333:"
               "fuction:.+/ cannot match any Lambda ARN"]),
    ("grader pattern with an inline flag is not guessed",
     """\
     - id: r
       lambda_grader: {arn_pattern: '(?i)nope'}
     """, "", []),
    ("grader glob with a short account",
     """\
     - id: r
       lambda_grader: {allowed: ["arn:aws:lambda:*:123:function:*"]}
     """, "", ["5:31: lambda_grader.allowed glob 'arn:aws:lambda:*:123:function:*'"]),
    ("base model typo",
     """\
     - id: r
       base_model: {allowed: ["amazon.titan-text-expres-v1*"], denied: ["meta.lama*"]}
     """, "", ["5:28: base_model.allowed glob 'amazon.titan-text-expres-v1*' matches no "
               "foundation model", "5:70: base_model.denied glob 'meta.lama*'"]),
    ("base model globs in every form",
     """\
     - id: r
       base_model:
         allowed:
           - "amazon.nova-*"
           - "amazon.titan-text-express-v1"
           - "arn:aws:bedrock:eu-west-1::foundation-model/meta.llama3-1-*"
           - "arn:aws-us-gov:bedrock:*:123456789012:custom-model/amazon.nova-lite-v1:0:300k/*"
           - "*"
     """, "", []),
    ("when repeating the scope",
     """\
     - id: r
       when: {field: customizationType, not_equals: IMPORTED}
       kms_key:
     """, "scope:\n  when: {field: customizationType, not_equals: IMPORTED}\n",
     ["7:11: this when repeats the policy's scope.when"]),
    ("all_of part repeating a scope part",
     """\
     - id: r
       when:
         all_of:
           - {field: modelName, glob: "x*"}
           - {field: customizationType, not_equals: IMPORTED}
       kms_key:
     """,
     "scope:\n  when:\n    all_of:\n      - {field: customizationType, not_equals: IMPORTED}\n"
     "      - {field: modelStatus, equals: Active}\n",
     ["13:11: this part of the when repeats the policy's scope.when"]),
    ("a different when is fine",
     """\
     - id: r
       when: {field: customizationType, not_equals: DISTILLATION}
       kms_key:
     """, "scope:\n  when: {field: customizationType, not_equals: IMPORTED}\n", []),
]


@pytest.mark.parametrize(("name", "rules", "scope", "expected"), LINT_CASES,
                         ids=[c[0] for c in LINT_CASES])
def test_lints(name: str, rules: str, scope: str, expected: list[str]) -> None:
    found = lint(rules, scope)
    assert len(found) == len(expected), found
    for message, prefix in zip(found, expected, strict=True):
        assert message.startswith(prefix), found


def test_lint_follows_variables() -> None:
    text = textwrap.dedent("""\
        version: 1
        name: p
        vars: {account_id: "111122223333"}
        rules:
          - id: r
            kms_key: {allowed: ["arn:aws:kms:*:${var.account_id}:key/*"]}
        """)
    good, problems = load_policy_text(text.encode(), "p.yaml", lint=True)
    assert good is not None and problems == []
    _, problems = load_policy_text(text.encode(), "p.yaml", {"account_id": "42"}, lint=True)
    assert [str(p) for p in problems] == [
        "p.yaml:6:25: warning: kms_key.allowed glob 'arn:aws:kms:*:42:key/*' cannot match any "
        "KMS key ARN (arn:<partition>:kms:<region>:<12-digit account>:key/<key id>), so this "
        "rule fails every model with a key"]


def test_shipped_policies_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_main(capsys, "validate", "policies")
    assert result.exit_code == 0
    assert "warning" not in result.output


def test_validate_prints_lints_and_still_exits_zero(tmp_path: object,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "p.yaml"
    path.write_text("version: 1\nname: p\nrules:\n  - id: r\n    kms_key: {allowed: "
                    "['arn:aws:kms:*:1:key/*']}\n", encoding="utf-8")
    result = run_main(capsys, "validate", str(path))
    assert result.exit_code == 0
    assert f"{path}:5:25: warning: kms_key.allowed glob" in result.output
    assert result.output.splitlines()[-1] == "1 policy valid (1 rules)"
    # check does not lint: its output stays about models.
    model = Path(str(tmp_path)) / "m.json"
    model.write_text('{"modelName": "m"}', encoding="utf-8")
    checked = run_main(capsys, "check", "-p", str(path), "--from", str(model))
    assert "warning: kms_key" not in checked.stderr


# --- not over an every-element path --------------------------------------------------------

NOT_WARNING = ("'not' over the every-element path 'validationDataConfig.validators[].s3Uri' "
               "is true when at least one element fails the condition")


@pytest.mark.parametrize(("rules", "where"), [
    ("""\
     - id: r
       require:
         not: {field: "validationDataConfig.validators[].s3Uri", glob: "s3://scratch/*"}
     """, ["6:12"]),
    ("""\
     - id: r
       when: {any_of: [{not: {field: "validationDataConfig.validators[].s3Uri", equals: x}}]}
       require: {field: modelName, exists: true}
     """, ["5:27"]),
    ("""\
     - id: r
       require: {field: "validationDataConfig.validators[].s3Uri", not_matches: "s3://x/.*"}
     """, []),
    ("""\
     - id: r
       require: {not: {field: trainingDataConfig.s3Uri, glob: "s3://scratch/*"}}
     """, []),
])
def test_not_over_an_every_element_path_warns(rules: str, where: list[str]) -> None:
    found = lint(rules)
    assert [w.split(": ", 1)[0] for w in found] == where
    for warning in found:
        assert (NOT_WARNING in warning and "(glob -> not_matches (as a regex))" in warning) \
            or "(equals -> not_equals)" in warning


def test_what_the_warning_says_is_what_the_engine_does() -> None:
    from tests.support import status_of

    field = "validationDataConfig.validators[].s3Uri"
    one_bad = {"validationDataConfig": {"validators": [{"s3Uri": "s3://scratch/a"},
                                                      {"s3Uri": "s3://ok/b"}]}}
    negated = {"not": {"field": field, "glob": "s3://scratch/*"}}
    assert status_of({"require": negated}, one_bad).value == "pass"  # some element is outside
    assert status_of({"require": {"field": field, "not_matches": "s3://scratch/.*"}},
                     one_bad).value == "fail"  # no element may be inside
