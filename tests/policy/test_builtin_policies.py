"""The shipped policies as ``builtin:NAME``: what every command that loads policies accepts.

Run against the installed package (editable here: ``checker.builtin_policies`` maps onto
``policies/``); tests/product/test_wheel.py runs the same names from an installed wheel.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker import builtins
from tests.support import ROOT, run_cli

EXAMPLES = str(ROOT / "examples" / "models")
SHIPPED = sorted(p.stem for p in (ROOT / "policies").glob("*.yaml")
                 if not p.stem.endswith("_test"))


@pytest.fixture(autouse=True)
def from_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case runs where there is no ./policies, as a user of the wheel would."""
    monkeypatch.chdir(tmp_path)


def test_every_shipped_policy_has_a_builtin_name() -> None:
    assert SHIPPED == ["account-baseline", "account-posture", "baseline",
                       "conservative-training", "documented-limits", "model-context",
                       "model-posture"]
    assert builtins.names() == SHIPPED
    directory = builtins.directory()
    assert directory is not None
    # The installed copy is this checkout's (an editable install maps onto policies/ itself).
    shipped = sorted((ROOT / "policies").glob("*.yaml"))
    assert [p.name for p in shipped] == sorted(p.name for p in directory.glob("*.yaml"))
    assert all((directory / p.name).read_bytes() == p.read_bytes() for p in shipped)


def test_check_with_a_builtin_judges_as_the_file_does(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["check", "--from", EXAMPLES, "-p", "builtin:baseline", "-f",
                              "json"], capsys)
    by_name = json.loads(out)
    code_file, out_file, _ = run_cli(["check", "--from", EXAMPLES, "-p",
                                      str(ROOT / "policies" / "baseline.yaml"), "-f", "json"],
                                     capsys)
    by_file = json.loads(out_file)
    assert (code, code_file, err) == (1, 1, "")
    # Named in a stable way, never by where the package is installed.
    assert [p["file"] for p in by_name["policies"]] == ["builtin:baseline"]
    assert str(ROOT / "policies") not in out
    for report in (by_name, by_file):
        del report["generated_at"]
        for policy in report["policies"]:
            del policy["file"]
    assert by_name == by_file
    assert by_name["summary"]["waived"] == 0  # the shipped policies waive nothing


def test_builtin_all_is_every_shipped_policy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["validate", "builtin:all"], capsys)
    code_dir, out_dir, _ = run_cli(["validate", str(ROOT / "policies")], capsys)
    assert (code, code_dir) == (0, 0)
    assert out.splitlines()[-1] == out_dir.splitlines()[-1]
    assert out.splitlines()[-1].startswith("7 policies valid")
    code, out, _ = run_cli(["check", "--from", EXAMPLES, "-p", "builtin:all", "-f", "json",
                            "-q"], capsys)
    assert sorted(p["file"] for p in json.loads(out)["policies"]) == \
        [f"builtin:{name}" for name in SHIPPED]


def test_a_builtin_and_its_file_are_read_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["check", "--from", EXAMPLES, "-p", "builtin:baseline", "-p",
                              str(ROOT / "policies" / "baseline.yaml"), "-f", "json"], capsys)
    directory = builtins.directory()
    assert directory is not None
    if directory.resolve() == (ROOT / "policies").resolve():
        # An editable install: both name one file, judged once, under the name given first.
        assert code == 1
        assert [p["file"] for p in json.loads(out)["policies"]] == ["builtin:baseline"]
    else:
        # Two copies of one policy: refused, as any two policies of one name are.
        assert code == 2
        assert "policy name 'bedrock-baseline' is already used by builtin:baseline" in err


def test_test_runs_the_shipped_tests_under_their_builtin_name(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["test", "builtin:baseline"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "builtin:baseline_test"
    assert str(ROOT / "policies") not in out
    code, out, _ = run_cli(["test", "builtin:all"], capsys)
    assert code == 0
    assert [line for line in out.splitlines() if line.startswith("builtin:")] == \
        [f"builtin:{name}_test" for name in SHIPPED]
    _, out_dir, _ = run_cli(["test", str(ROOT / "policies")], capsys)
    assert out.splitlines()[-1] == out_dir.splitlines()[-1]
    assert out.splitlines()[-1].endswith(" passed, 0 failed")


def test_permissions_of_a_builtin_are_those_of_its_file(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["permissions", "-p", "builtin:model-context"], capsys)
    code_file, out_file, _ = run_cli(["permissions", "-p",
                                      str(ROOT / "policies" / "model-context.yaml")], capsys)
    assert (code, code_file) == (0, 0)
    assert out == out_file
    assert "bedrock:ListProvisionedModelThroughputs" in out


@pytest.mark.parametrize("command", [
    ["check", "--from", EXAMPLES, "-p"],
    ["permissions", "-p"],
    ["validate"],
    ["test"],
])
@pytest.mark.parametrize("name", ["builtin:nope", "builtin:", "builtin:Baseline",
                                  "builtin:baseline.yaml", "builtin:baseline_test",
                                  "builtin:../baseline"])
def test_an_unknown_builtin_is_a_usage_error_naming_the_known_ones(
        command: list[str], name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli([*command, name], capsys)
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    listed = ", ".join(f"builtin:{n}" for n in SHIPPED)
    what = "builtin: alone names no policy" if name == "builtin:" \
        else f"{name}: no such shipped policy"
    assert line == (f"bedrock-drift: error: {what}; the shipped policies are {listed} "
                    "(builtin:all names every one)")


def test_a_copy_without_the_shipped_policies_says_so(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtins, "PACKAGE", "checker.no_such_package")
    builtins.directory.cache_clear()
    try:
        code, _, err = run_cli(["validate", "builtin:baseline"], capsys)
    finally:
        monkeypatch.undo()
        builtins.directory.cache_clear()
    assert code == 2
    assert err == ("bedrock-drift: error: builtin:baseline: the shipped policies are not "
                   "installed with this copy of bedrock-drift (install the package, or give a "
                   "policy file)\n")



def test_a_problem_in_a_builtin_is_located_by_its_name(capsys: pytest.CaptureFixture[str]) -> None:
    # A list variable given as a string: the rule that uses it cannot be compiled.
    code, out, err = run_cli(["validate", "builtin:baseline", "--var",
                              "data_classifications=internal"], capsys)
    line = next(n for n, text in enumerate(
        (ROOT / "policies" / "baseline.yaml").read_text("utf-8").splitlines(), start=1)
        if "${var.data_classifications}" in text)
    assert (code, out) == (2, "")
    assert err.startswith(f"builtin:baseline:{line}:")
    assert "'in' takes a non-empty list, not a string" in err
