"""Numbers and dates mean one thing everywhere: a plain decimal string is its exact value
however long it is (no cache or fast path may change that), and waiver and test dates are
``YYYY-MM-DD`` only, on every supported Python version."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.errors import PolicyError
from checker.policytest import compile_test_file
from checker.values import Literal, as_number, parse_day, parse_time
from tests.support import policy_from, status_of

DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=120)


@st.composite
def decimal_strings(draw: st.DrawFn) -> str:
    """Plain decimal and exponent notation over ASCII digits, any length."""
    sign = draw(st.sampled_from(["", "+", "-"]))
    whole = draw(st.one_of(st.just(""), DIGITS))
    fraction = draw(st.one_of(st.just(None), st.text(alphabet="0123456789", max_size=120)))
    if not whole and not fraction:
        whole = "0"
    text = sign + whole + ("" if fraction is None else "." + fraction)
    if draw(st.booleans()):
        text += draw(st.sampled_from(["e", "E"])) + draw(st.sampled_from(["", "+", "-"])) + \
            draw(st.text(alphabet="0123456789", min_size=1, max_size=4))
    return text


@settings(max_examples=300, deadline=None)
@given(decimal_strings())
def test_any_ascii_decimal_is_its_exact_value(text: str) -> None:
    assert as_number(text) == Decimal(text)
    # Asked twice (the second time from the cache), the answer is the same.
    assert as_number(text) == Decimal(text)


@settings(max_examples=200, deadline=None)
@given(decimal_strings(), decimal_strings())
def test_literal_equality_is_numeric_for_every_length(left: str, right: str) -> None:
    assert Literal(left).equals(right) is (Decimal(left) == Decimal(right))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_anything_else_is_not_a_number(text: str) -> None:
    try:
        Decimal(text)
        ascii_decimal = text.isascii() and text.strip() == text and \
            text.lower().lstrip("+-") not in {"nan", "snan", "inf", "infinity"} and \
            "_" not in text
    except ArithmeticError:
        ascii_decimal = False
    if not ascii_decimal:
        assert as_number(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    # The float 1e-5 written out in full: its exact binary value, just above 0.00001.
    pytest.param(f"{1e-5:.70f}", Decimal.from_float(1e-5), id="seventy-places"),
    pytest.param("0." + "0" * 200 + "1", Decimal("1e-201"), id="two-hundred-places"),
    pytest.param("1" * 500, Decimal("1" * 500), id="five-hundred-digits"),
    pytest.param("0.00001" + "0" * 100, Decimal("0.00001"), id="trailing-zeros"),
], )
def test_long_plain_decimals_are_numbers(text: str, expected: Decimal) -> None:
    assert as_number(text) == expected


def test_long_decimal_judged_by_its_value() -> None:
    rule = {"hyperparameter": {"name": "learningRate", "max": 0.0001}}
    assert str(status_of(rule, {"hyperParameters": {"learningRate": f"{1e-5:.70f}"}})) == "pass"
    assert str(status_of(rule, {"hyperParameters": {"learningRate": f"{1e-3:.70f}"}})) == "fail"


@pytest.mark.parametrize("text", [
    "2027-W05-1",   # ISO week date: Python 3.11 reads it, 3.10 does not
    "2027W051",
    "20270131",     # compact form: 3.11 only
    "2027-01-31T00:00:00",
    "2027-1-31",
    "27-01-31",
    "2027-02-30",   # not a day
    "\uff12\uff10\uff12\uff17-01-31",  # full-width digits
    " 2027-01-31",
])
def test_only_yyyy_mm_dd_is_a_date(text: str) -> None:
    assert parse_day(text) is None


def test_a_real_day() -> None:
    assert str(parse_day("2027-01-31")) == "2027-01-31"
    assert parse_time("2027-01-31T10:00:00Z") is not None
    assert parse_time("2027-W05-1") is None
    assert parse_time("20270131T100000") is None


@pytest.mark.parametrize("expires", ['"2027-W05-1"', '"20270131"', '"2027-01-31T00:00"'])
def test_waiver_expiry_must_be_yyyy_mm_dd(expires: str) -> None:
    from checker.policy.loader import load_policy_text

    text = textwrap.dedent(f"""\
        version: 1
        name: p
        rules:
          - id: r
            require: {{field: modelName, exists: true}}
        waivers:
          - rules: [r]
            models: ["*"]
            reason: SEC-1
            expires: {expires}
        """)
    policy, problems = load_policy_text(text.encode(), "p.yaml")
    messages = [str(p) for p in problems if not p.warning]
    assert policy is None or messages
    assert any("p.yaml:10:" in m and "'expires' must be a date (YYYY-MM-DD)" in m
               for m in messages), messages


def test_quoted_yyyy_mm_dd_expiry_is_accepted() -> None:
    policy = policy_from({"version": 1, "name": "p",
                          "rules": [{"id": "r", "require": {"field": "modelName",
                                                            "exists": True}}],
                          "waivers": [{"rules": ["r"], "models": ["*"], "reason": "SEC-1",
                                       "expires": "2027-01-31"}]})
    assert str(policy.waivers[0].info.expires) == "2027-01-31"


def test_policy_test_now_must_be_a_date_or_time(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(textwrap.dedent("""\
        version: 1
        name: p
        rules:
          - id: r
            require: {field: modelName, exists: true}
        """), encoding="utf-8")
    test_file = tmp_path / "p_test.yaml"
    text = ('now: "2027-W05-1"\ncases:\n  - name: c\n    model: {modelName: m}\n'
            "    expect: {r: pass}\n")
    test_file.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        compile_test_file(text, str(test_file))
    assert any("'now' must be a date (YYYY-MM-DD)" in p.message for p in info.value.problems)
