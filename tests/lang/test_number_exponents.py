"""Numbers of any exponent compare exactly (issue 22, item 6): a number whose exponent is past
what a Decimal holds (about 10**18) is still ordered by sign, exponent and digits, and a
policy limit that cannot be held exactly is a validation error with its file and line."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.values import BigNumber, Literal, as_number
from tests.support import ROOT, command_env, status_of

BIN = ROOT / ".venv" / "bin" / "bedrock-drift"
HUGE = 10**22  # far past Decimal's exponents (about 10**18)


def _sign(x: Fraction | int) -> int:
    return (x > 0) - (x < 0)


def _order(left: object, right: object) -> int:
    return -1 if left < right else (1 if left > right else 0)  # type: ignore[operator]


mantissas = st.builds(lambda sign, whole, frac: f"{sign}{whole}.{frac}",
                      st.sampled_from(["", "-", "+"]),
                      st.text("0123456789", min_size=1, max_size=6),
                      st.text("0123456789", max_size=6))
small_exponents = st.integers(min_value=-40, max_value=40)


@settings(max_examples=400, deadline=None)
@given(mantissas, small_exponents, mantissas, small_exponents,
       st.integers(min_value=-(10**30), max_value=10**30))
def test_order_is_exact_and_survives_any_shift_of_both_exponents(
        a: str, e: int, b: str, f: int, shift: int) -> None:
    """Ground truth from Fractions at small exponents; moving both exponents by the same
    amount, however far past Decimal's range, never changes the order or equality."""
    truth = _sign(Fraction(Decimal(f"{a}e{e}")) - Fraction(Decimal(f"{b}e{f}")))
    left, right = as_number(f"{a}e{e + shift}"), as_number(f"{b}e{f + shift}")
    assert left is not None and right is not None
    assert _order(left, right) == truth
    assert _order(right, left) == -truth
    assert (left == right) is (truth == 0)
    assert Literal(f"{a}e{e + shift}").equals(f"{b}e{f + shift}") is (truth == 0)


@settings(max_examples=200, deadline=None)
@given(mantissas, st.integers(min_value=-(10**30), max_value=10**30), mantissas,
       st.integers(min_value=-(10**6), max_value=10**6))
def test_huge_against_ordinary(a: str, e: int, b: str, f: int) -> None:
    """A number past Decimal's range against an ordinary one: decided by sign, then by
    exponent, exactly as the true values order."""
    big, small = as_number(f"{a}e{e}"), as_number(f"{b}e{f}")
    assert big is not None and small is not None
    if Decimal(a) == 0 or Decimal(b) == 0 or abs(e) < 10**18:
        return
    magnitude = 1 if e > 0 else -1
    truth = _sign(Decimal(a)) if _sign(Decimal(a)) != _sign(Decimal(b)) else \
        _sign(Decimal(a)) * magnitude
    assert _order(big, small) == truth


@pytest.mark.parametrize(("text", "kind"), [
    ("1e-9999999999999999999999", BigNumber),
    ("-1E+9999999999999999999999", BigNumber),
    ("0.000e-9999999999999999999999", Decimal),   # zero at any exponent is zero
    ("1e-99999999999999999", Decimal),
    ("1e" + "9" * 5000, BigNumber),                 # past Python's 4,300-digit int limit
])
def test_any_exponent_is_a_number(text: str, kind: type) -> None:
    assert isinstance(as_number(text), kind)


def test_zero_at_a_huge_exponent_equals_zero() -> None:
    assert as_number("0e-9999999999999999999999") == 0
    assert as_number("-0.0e9999999999999999999999") == as_number("0")


@pytest.mark.parametrize(("value", "limit", "expected"), [
    ("1e-9999999999999999999999", 0.0001, "pass"),
    ("-1e9999999999999999999999", 0.0001, "pass"),
    ("1e9999999999999999999999", 0.0001, "fail"),
    ("2e-9999999999999999999999", "1e-9999999999999999999999", "fail"),
    ("1e-9999999999999999999999", "1e-9999999999999999999999", "pass"),
    ("10e-10000000000000000000000", "1e-9999999999999999999999", "pass"),
    ("1.00000000000000000001e-9999999999999999999999", "1e-9999999999999999999999", "fail"),
])
def test_hyperparameter_max_at_any_exponent(value: str, limit: object, expected: str) -> None:
    rule = {"hyperparameter": {"name": "learningRate", "max": limit}}
    assert str(status_of(rule, {"hyperParameters": {"learningRate": value}})) == expected
    rule = {"require": {"field": "hyperParameters.learningRate", "max": limit}}
    assert str(status_of(rule, {"hyperParameters": {"learningRate": value}})) == expected


def _files(tmp_path: Path, limit: str, value: str) -> tuple[Path, Path]:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: t\nrules:\n  - id: lr\n    severity: high\n"
                      f"    hyperparameter: {{name: learningRate, max: {limit}}}\n",
                      encoding="utf-8")
    model = tmp_path / "m.json"
    model.write_text('{"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/'
                     'amazon.nova-micro-v1:0:128k/abc", "modelName": "m", '
                     '"customizationType": "FINE_TUNING", '
                     f'"hyperParameters": {{"learningRate": {value}}}}}', encoding="utf-8")
    return policy, model


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120,
                          env=command_env(tmp_path), cwd=tmp_path)


@pytest.mark.parametrize(("limit", "value", "code"), [
    ('"1e-9999999999999999999999"', '"2e-9999999999999999999999"', 1),
    ('"1e-9999999999999999999999"', '"1e-10000000000000000000000"', 0),
    ("0.0001", "1e-9999999999999999999999", 0),       # a JSON number past a float's range
    ("0.0001", "0.00010000000000000000001", 1),       # more digits than a float holds
])
def test_installed_command_judges_any_exponent(tmp_path: Path, limit: str, value: str,
                                               code: int) -> None:
    policy, model = _files(tmp_path, limit, value)
    result = _run(tmp_path, "check", "-p", str(policy), "--from", str(model), "-f", "json")
    assert result.returncode == code, result.stderr
    assert "internal error" not in result.stderr and "could not judge" not in result.stdout
    assert json.loads(result.stdout)["models"][0]["results"] == {
        "t/lr": "fail" if code else "pass"}


@pytest.mark.parametrize("limit", ["1.0e-999", "1.0e+999", "0.100000000000000000000001"])
def test_a_limit_no_float_holds_is_a_validation_error(tmp_path: Path, limit: str) -> None:
    policy, _ = _files(tmp_path, limit, "1")
    result = _run(tmp_path, "validate", str(policy))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{policy}:6:47: the number {limit} cannot be held exactly")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_quoted_limit_at_any_exponent_validates(tmp_path: Path) -> None:
    policy, _ = _files(tmp_path, '"1e-9999999999999999999999"', "1")
    result = _run(tmp_path, "validate", str(policy))
    assert result.returncode == 0, result.stderr
