"""check --report, --fail-on, --baseline, --waivers and --strict-waivers, end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.cli import main

ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/{}"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1a2b0000-0000-4000-8000-000000000000"

POLICY = """\
version: 1
name: t
rules:
  - id: lr
    severity: medium
    hyperparameter: {name: learningRate, max: 0.0001}
  - id: kms
    severity: low
    kms_key: {}
"""


def write_models(folder: Path, *models: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for model in models:
        (folder / f"{model['modelName']}.json").write_text(json.dumps(model), encoding="utf-8")
    return folder


def doc(name: str, *, lr: str = "0.00001", kms: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "modelArn": ARN.format(name),
        "modelName": name,
        "hyperParameters": {"learningRate": lr},
    }
    if kms:
        data["modelKmsKeyArn"] = KEY
    return data


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as caught:
        main(list(args))
    out, err = capsys.readouterr()
    code = caught.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """A policy and two models: one too-high learning rate (medium), one without KMS (low)."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    models = write_models(tmp_path / "models", doc("hot", lr="0.01"), doc("plain", kms=False))
    return policy, models


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [
        pytest.param("info", 1, id="info"),
        pytest.param("low", 1, id="low"),
        pytest.param("medium", 1, id="medium"),
        pytest.param("high", 0, id="high"),
        pytest.param("critical", 0, id="critical"),
    ],
)
def test_fail_on_decides_the_exit_code(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str], fail_on: str, code: int
) -> None:
    policy, models = setup
    got, out, _ = run(capsys, "check", "-p", str(policy), "--from", str(models),
                      "--fail-on", fail_on, "-f", "json")
    assert got == code
    # Violations below --fail-on are still reported.
    assert len(json.loads(out)["violations"]) == 2


def test_one_run_many_reports(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, models = setup
    out_dir = tmp_path / "out" / "nested"
    args = ["check", "-p", str(policy), "--from", str(models)]
    for fmt, name in (("sarif", "r.sarif"), ("junit", "j.xml"), ("markdown", "r.md"),
                      ("github", "gh.txt"), ("json", "r.json"), ("text", "r.txt")):
        args += ["--report", f"{fmt}:{out_dir / name}"]
    code, out, _ = run(capsys, *args, "-f", "json")
    assert code == 1
    written = sorted(p.name for p in out_dir.iterdir())
    assert written == ["gh.txt", "j.xml", "r.json", "r.md", "r.sarif", "r.txt"]
    # The same report went to stdout and to the files.
    assert json.loads((out_dir / "r.json").read_text(encoding="utf-8")) == json.loads(out)
    sarif = json.loads((out_dir / "r.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 2
    assert "\x1b[" not in (out_dir / "r.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("sarif", "expected FORMAT:FILE", id="no-file"),
        pytest.param("sarif:", "expected FORMAT:FILE", id="empty-file"),
        pytest.param("pdf:out.pdf", "unknown format 'pdf'", id="unknown-format"),
    ],
)
def test_bad_report_option_is_a_usage_error(
    setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    policy, models = setup
    code, _, err = run(capsys, "check", "-p", str(policy), "--from", str(models),
                       "--report", value)
    assert code == 2
    assert message in err


def test_baseline_lets_only_new_violations_fail(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, models = setup
    baseline = tmp_path / "baseline.json"
    code, _, _ = run(capsys, "check", "-p", str(policy), "--from", str(models),
                     "--report", f"json:{baseline}")
    assert code == 1
    code, out, _ = run(capsys, "check", "-p", str(policy), "--from", str(models),
                       "--baseline", str(baseline), "-f", "json")
    assert code == 0
    report = json.loads(out)
    assert [v.get("known") for v in report["violations"]] == [True, True]
    assert report["summary"]["result"] == "pass"
    # A new model with a violation fails the gate again; the known ones stay known.
    write_models(models, doc("new-hot", lr="0.5"))
    code, out, _ = run(capsys, "check", "-p", str(policy), "--from", str(models),
                       "--baseline", str(baseline), "-f", "json")
    assert code == 1
    known = {v["model_name"]: v.get("known", False) for v in json.loads(out)["violations"]}
    assert known == {"hot": True, "plain": True, "new-hot": False}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "cannot read the baseline", id="missing"),
        pytest.param("{not json", "baseline.json:1:2: invalid JSON", id="not-json"),
        pytest.param('{"schema_version": 7, "violations": []}', "schema_version",
                     id="wrong-version"),
    ],
)
def test_bad_baseline_is_exit_2(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    content: str | None, message: str,
) -> None:
    policy, models = setup
    baseline = tmp_path / "baseline.json"
    if content is not None:
        baseline.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "check", "-p", str(policy), "--from", str(models),
                       "--baseline", str(baseline))
    assert code == 2
    assert message in err


WAIVERS = """\
waivers:
  - rules: [t/lr]
    models: ["hot"]
    reason: Approved in SEC-9
    expires: 2099-12-31
"""


def test_waivers_file_waives(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, models = setup
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS, encoding="utf-8")
    code, out, _ = run(capsys, "check", "-p", str(policy), "--from", str(models),
                       "--waivers", str(waivers), "--fail-on", "medium", "-f", "json")
    assert code == 0
    report = json.loads(out)
    assert [(w["model_name"], w["waiver"]["reason"]) for w in report["waived"]] == [
        ("hot", "Approved in SEC-9")
    ]
    assert report["warnings"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(WAIVERS.replace("t/lr", "lr"), "2:13: waiver rule 'lr' must be a "
                     "policy/rule id", id="bare-rule-id"),
        pytest.param(WAIVERS.replace("t/lr", "t/lrr"), "waiver names rule 't/lrr', which is "
                     "not loaded (did you mean 't/lr'?)", id="unknown-rule"),
        pytest.param(WAIVERS.replace("t/lr", "x/lr"), "waiver names policy 'x'",
                     id="unknown-policy"),
        pytest.param(WAIVERS.replace("    expires: 2099-12-31\n", ""),
                     "missing required key 'expires'", id="no-expiry"),
        pytest.param("waiver: []\n", "unknown key 'waiver'", id="misspelt-key"),
    ],
)
def test_bad_waivers_file_is_exit_2_with_a_location(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    content: str, message: str,
) -> None:
    policy, models = setup
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, "check", "-p", str(policy), "--from", str(models),
                       "--waivers", str(waivers))
    assert code == 2
    assert message in err
    assert str(waivers) in err


STALE_AND_EXPIRED = """\
waivers:
  - rules: [t/kms]
    models: ["nothing-matches-*"]
    reason: stale
    expires: 2099-12-31
  - rules: [t/lr]
    models: ["hot"]
    reason: long gone
    expires: 2020-01-01
"""


@pytest.mark.parametrize(
    ("strict", "code"),
    [pytest.param(False, 0, id="warnings"), pytest.param(True, 2, id="strict")],
)
def test_strict_waivers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], strict: bool, code: int
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    models = write_models(tmp_path / "models", doc("fine"))
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(STALE_AND_EXPIRED, encoding="utf-8")
    args = ["check", "-p", str(policy), "--from", str(models), "--waivers", str(waivers),
            "-f", "json"]
    got, out, _ = run(capsys, *args, *(["--strict-waivers"] if strict else []))
    assert got == code
    report = json.loads(out)
    codes = sorted(e["code"] for e in (report["errors"] if strict else report["warnings"]))
    assert codes == ["waiver-expired", "waiver-stale"]
