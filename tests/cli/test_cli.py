"""The command line: exit codes, one-line errors without tracebacks, output options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import ROOT, run_cli

EXAMPLES = str(ROOT / "examples" / "models")
BASELINE = str(ROOT / "policies" / "baseline.yaml")
# The sample waivers file the README's run passes (the shipped policies waive nothing).
WAIVERS = str(ROOT / "examples" / "waivers.yaml")


def test_check_examples_finds_violations(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["check", "-p", BASELINE, "--from", EXAMPLES], capsys)
    assert code == 1
    assert "8 models read" in out
    assert "Result: FAIL" in out
    assert "\033[" not in out  # not a TTY: no colour
    assert err == ""


def test_json_report_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-p", BASELINE, "--waivers", WAIVERS, "--from", EXAMPLES,
                            "-f", "json"], capsys)
    report = json.loads(out)
    assert code == 1
    assert list(report) == ["schema_version", "tool", "generated_at", "scanned", "fail_on",
                            "rule_filters", "policies", "summary", "models", "violations",
                            "waived", "warnings", "errors"]
    assert report["summary"]["result"] == "fail"
    assert report["summary"]["models"] == len(report["models"]) == 8
    assert report["summary"]["violations"] == len(report["violations"])
    assert {v["rule"] for v in report["violations"]} == {
        "kms-required", "approved-base-models", "learning-rate-cap", "rft-grader",
        "training-data-bucket", "output-data-bucket", "owner-tag"}
    assert report["waived"][0]["waiver"] == {
        "reason": "Research sandbox explores higher learning rates; approved in SEC-1234.",
        "expires": "2027-06-30"}


@pytest.mark.parametrize(("fail_on", "code"), [("info", 1), ("high", 1), ("critical", 1)])
def test_fail_on_exit_codes(fail_on: str, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["check", "-p", BASELINE, "--from", EXAMPLES, "--fail-on", fail_on],
                   capsys)[0] == code


def test_fail_on_below_every_violation_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-p", BASELINE, "--waivers", WAIVERS, "--from", EXAMPLES,
                            "--fail-on", "critical", "--skip-rule", "*/kms-required"], capsys)
    assert code == 0
    assert "Result: PASS (failing on critical and above)" in out
    assert "violations (4 high, 2 medium)" in out  # still reported


def test_rule_selection(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from", EXAMPLES, "-f", "json",
                            "--rule", "bedrock-baseline/owner-tag"], capsys)
    report = json.loads(out)
    assert report["summary"]["rules"] == 1
    assert [v["model_name"] for v in report["violations"]] == ["imported-mistral-7b"]
    assert code == 1


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "report.json"
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from", EXAMPLES, "-f", "json", "-o",
                            str(target)], capsys)
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["summary"]["models"] == 8
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_tag_rule_on_documents_without_tags_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "m.json"
    doc.write_text(json.dumps({"modelName": "m", "modelKmsKeyArn": "arn:aws:kms:us-east-1:"
                               "111122223333:key/1a2b0000-0000-4000-8000-000000000000"}))
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from", str(doc), "-f", "json"], capsys)
    report = json.loads(out)
    assert code == 2
    assert report["summary"]["result"] == "error"
    assert report["models"][0]["results"]["bedrock-baseline/owner-tag"] == "error"
    assert report["errors"][0]["code"] == "NotFetched"


BAD_INPUTS = [
    ("broken policy", ["check", "-p", "{tmp}/bad.yaml", "--from", EXAMPLES],
     "{tmp}/bad.yaml:3:1: unknown key 'rulez' in the policy (did you mean 'rules'?)"),
    ("missing --from file", ["check", "-p", BASELINE, "--from", "{tmp}/nope.json"],
     "{tmp}/nope.json: no such file or directory"),
    ("malformed document", ["check", "-p", BASELINE, "--from", "{tmp}/doc.json"],
     "{tmp}/doc.json:1:2: invalid JSON: Expecting property name enclosed in double quotes"),
    ("unknown rule filter", ["check", "-p", BASELINE, "--from", EXAMPLES, "--rule", "x"],
     "bedrock-drift: error: --rule/--skip-rule 'x' matches no loaded rule (use policy/rule ids, "
     "e.g. bedrock-baseline/kms-required)"),
    ("bad format", ["check", "-p", BASELINE, "--from", EXAMPLES, "-f", "pdf"],
     "Error: Invalid value for '-f' / '--format': 'pdf' is not one of"),
    ("validate broken policy", ["validate", "{tmp}/bad.yaml"],
     "{tmp}/bad.yaml:3:1: unknown key 'rulez' in the policy (did you mean 'rules'?)"),
]


@pytest.mark.parametrize(("args", "first_line"), [b[1:] for b in BAD_INPUTS],
                         ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], first_line: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.yaml").write_text("version: 1\nname: p\nrulez: []\n")
    (tmp_path / "doc.json").write_text("{,}")
    code, out, err = run_cli([a.format(tmp=tmp_path) for a in args], capsys)
    assert code == 2
    text = out + err
    assert "Traceback" not in text
    assert first_line.format(tmp=tmp_path) in text


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["validate", BASELINE], capsys)
    assert (code, out) == (0, "1 policy valid (10 rules; fetches tags)\n")


def test_schema_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["schema"], capsys)
    assert code == 0
    assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_color_only_on_a_tty_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.cli.options import use_color as _use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _use_color(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _use_color(Tty())


def test_debug_shows_a_traceback_for_input_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["check", "--debug", "-p", BASELINE, "--from", "/nonexistent"], capsys)
    assert code == 2
    assert "Traceback" in err


@pytest.mark.parametrize(("minimum", "code"), [(8, 1), (9, 2)])
def test_min_models(minimum: int, code: int, capsys: pytest.CaptureFixture[str]) -> None:
    result, out, _ = run_cli(["check", "-p", BASELINE, "--from", EXAMPLES, "-f", "json",
                              "--min-models", str(minimum)], capsys)
    assert result == code
    errors = json.loads(out)["errors"]
    assert [e["code"] for e in errors] == ([] if code == 1 else ["TooFewModels"])


def test_two_reports_to_one_file_is_a_usage_error(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "r.json")
    code, _, err = run_cli(["check", "-p", BASELINE, "--from", EXAMPLES, "-o", out,
                            "--report", f"json:{out}"], capsys)
    assert code == 2
    assert "two reports (-o, --report) would be written to the same file" in err


def test_a_file_named_twice_is_read_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-p", BASELINE, "-p", BASELINE, "--from", EXAMPLES,
                            "--from", EXAMPLES + "/prod-summarizer.json", "-f", "json"], capsys)
    report = json.loads(out)
    assert code == 1
    assert (report["summary"]["policies"], report["summary"]["models"]) == (1, 8)


def test_no_policies_here(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["check", "--from", EXAMPLES], capsys)
    assert code == 2
    assert err == ("bedrock-drift: error: no policies: give -p PATH or -p builtin:NAME, a "
                   "shipped policy (the default, ./policies, is not a directory here)\n")
