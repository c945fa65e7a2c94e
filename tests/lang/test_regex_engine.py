"""Policy regexes run on RE2: linear time on any value, Python's meaning, refused syntax said
clearly at validation."""

from __future__ import annotations

import re
import time
import unicodedata

import pytest

from checker.policy.loader import load_policy_text
from checker.values import compile_regex
from tests.support import status_of

HOSTILE = "([a-z0-9]+-?)+"


def test_a_hostile_field_against_a_redos_pattern_is_judged_in_milliseconds() -> None:
    doc = {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/m",
           "modelName": "a" * 1000 + "!"}
    started = time.perf_counter()
    status = status_of({"require": {"field": "modelName", "matches": HOSTILE}}, doc)
    assert time.perf_counter() - started < 0.5  # Python's re: longer than the universe's age
    assert status.value == "fail"
    assert status_of({"require": {"field": "modelName", "matches": HOSTILE}},
                     {**doc, "modelName": "a" * 1000}).value == "pass"


@pytest.mark.parametrize(("pattern", "message"), [
    (r"(a)\1", r"invalid escape sequence: \1: backreferences, lookaround"),
    (r"(?=arn)arn.*", "invalid perl operator: (?=: backreferences"),
    (r"(?<!x)y", "backreferences, lookaround"),
    (r"a++", "possessive quantifiers are not supported"),
    (r"\bprod\b", r"\b (a word boundary) is not supported"),
    (r"[\W_]+", r"\W inside [...] is not supported"),
    ("x\ud800", "lone surrogate"),
])
def test_syntax_without_a_linear_time_match_is_refused_at_validation(pattern: str,
                                                                     message: str) -> None:
    text = ("version: 1\nname: p\nrules:\n  - id: r\n    require: {field: modelName, "
            f"matches: {pattern!r}}}\n").replace("'", '"') if "\ud800" not in pattern else \
        "version: 1\nname: p\nrules:\n  - id: r\n    require: {field: modelName, matches: " \
        "\"x\\ud800\"}\n"
    policy, problems = load_policy_text(text.encode("utf-8", "surrogatepass"), "p.yaml")
    errors = [str(p) for p in problems if not p.warning]
    assert policy is None and len(errors) == 1, errors
    assert errors[0].startswith("p.yaml:5:"), errors[0]
    # A lone surrogate is refused by the YAML reader already, before the regex is compiled.
    assert "\ud800" in pattern or "invalid regular expression for 'matches'" in errors[0]
    assert message in errors[0], errors[0]


ASSIGNED = [chr(cp) for cp in range(0x110000)
            if unicodedata.category(chr(cp)) not in ("Cn", "Cs", "Co")]


@pytest.mark.parametrize(("pattern", "complement"), [
    (r"\d", r"\D"), (r"\w", r"\W"), (r"\s", r"\S"), (r"[\d_]", r"[^\d_]"),
    (r"[\w.]", r"[^\w.]"), (r"[\s-]", r"[^\s-]"), (r"[\D]", r"\d"),
])
def test_shorthand_classes_keep_pythons_unicode_meaning(pattern: str, complement: str) -> None:
    """Over every character Python's Unicode database assigns (private use aside; RE2's
    tables are newer, and differ only on characters Python does not know yet): what
    Python's ``pattern`` matches, ours matches, and what it does not, ours' complement
    matches; the two sets partition the characters, so the meanings are equal."""
    python = re.compile(pattern).fullmatch
    inside = "".join(c for c in ASSIGNED if python(c))
    outside = "".join(c for c in ASSIGNED if not python(c))
    assert inside and outside
    assert compile_regex(f"(?:{pattern})*")(inside) is not None
    assert compile_regex(f"(?:{complement})*")(outside) is not None


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("a{,3}", "aaa", True), ("a{,3}", "aaaa", False), ("a{,3}", "a{,3}", False),
    ("x{2}", "xx", True), (r"a\Z", "a", True), ("[]a]+", "]a", True), ("[^]a]", "b", True),
    ("[^]a]", "]", False), (".", "\ud800", True), ("x", "\ud800", False),
    ("(?i)PROD-.*", "prod-eu", True), ("prod|dev", "prod-x", False),
    ("(?P<env>prod|dev)-[0-9]+", "dev-12", True), (r"\d+", "١٢٣", True),
])
def test_matches_mean_what_pythons_fullmatch_means(pattern: str, value: str,
                                                   expected: bool) -> None:
    matcher = compile_regex(pattern)
    assert (matcher(value) is not None) is expected
    assert (matcher(value) is not None) is expected  # remembered answers are the same
    if "\ud800" not in value:
        assert (re.fullmatch(pattern, value) is not None) is expected
