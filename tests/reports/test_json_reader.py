"""The one reader of the JSON report (merge, publish, --baseline): the shipped schema, the
consistency checks, and the round trip (read any report, write it again: the same JSON)."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import InputError
from checker.reports.json_reader import SCHEMA_FILE, read_report, report_schema
from checker.reports.json_report import render_json, report_dict
from checker.results import ModelRef, Report, ReportError, Scanned, Status
from tests.support import ROOT, run_cli
from tests.support import report_fixtures as fx

P, F, N, W, E = (Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.WAIVED,
                 Status.ERROR)
RULES = (fx.KMS, fx.BASE, fx.TAGS)


def planned(name: str, address: str | None) -> ModelRef:
    return ModelRef(arn=None, name=name, account_id=None, region=None, kind="planned",
                    origin="file", address=address)


def report_of(statuses_of: dict[ModelRef, dict[str, Status]], **scanned: Any) -> Report:
    violations, waived, errors = [], [], []
    rules = {r.qualified_id: r for r in RULES}
    for ref, statuses in statuses_of.items():
        for rule_id, status in statuses.items():
            if status is F:
                violations.append(fx.finding(ref, rules[rule_id]))
            elif status is W:
                waived.append(fx.finding(ref, rules[rule_id], waiver=fx.WAIVER))
            elif status is E:
                errors.append(ReportError(code="AccessDeniedException", message="no",
                                          model_arn=ref.arn, model_name=ref.name,
                                          region=ref.region, rule=rule_id,
                                          account_id=ref.account_id, address=ref.address))
    report = fx.build_report(rules=RULES, models=statuses_of, violations=violations,
                             waived=waived, errors=errors)
    return replace(report, scanned=replace(report.scanned, **scanned)) if scanned else report


def written(report: Report) -> Any:
    return json.loads(render_json(report))


def validate(data: Any) -> None:
    """As ``jsonschema.validate(data, report_schema())``, without checking the schema itself
    again on every call (27 ms each, 150 times in the property test): the schema is checked
    once, in :func:`schema_validator`, which makes the one validator."""
    schema_validator().validate(data)


@functools.cache
def schema_validator() -> Any:
    schema = report_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


# --- the schema --------------------------------------------------------------------------

def test_the_shipped_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(report_schema())
    assert SCHEMA_FILE.is_file()


def run_check_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run_cli(["check", *args, "-f", "json"], capsys)
    assert code in (0, 1, 2), err
    return json.loads(out)


@pytest.mark.parametrize("args", [
    ("--from", "examples/models", "-p", "policies/baseline.yaml"),
    ("--from", "examples/models", "-p", "policies/baseline.yaml", "--framework",
     "NIST-800-53-r5"),
    ("--from", "examples/planned", "-p", "policies/baseline.yaml"),
    ("--from", "examples/limits", "-p", "policies/documented-limits.yaml", "--skip-rule",
     "*batch*"),
], ids=["examples", "framework", "planned", "limits"])
def test_the_writers_reports_are_valid_and_read_back_unchanged(
        args: tuple[str, ...], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    data = run_check_json(capsys, *args)
    validate(data)
    assert report_dict(read_report(data, "r.json")) == data


def test_the_golden_report_is_valid_and_reads_back_unchanged() -> None:
    data = json.loads((ROOT / "tests" / "golden" / "baseline.json").read_text())
    validate(data)
    assert written(read_report(data, "baseline.json")) == data


# --- the round trip ----------------------------------------------------------------------

def test_planned_models_keep_their_module_address() -> None:
    """Two planned models of one name from two Terraform modules stay two models."""
    one, two = planned("summarizer", 'module.a.x["s"]'), planned("summarizer", 'module.b.x["s"]')
    report = report_of({one: {fx.KMS.qualified_id: F}, two: {fx.KMS.qualified_id: E}})
    back = read_report(written(report), "r.json")
    assert [m.model.address for m in back.models] == ['module.a.x["s"]', 'module.b.x["s"]']
    assert back.violations[0].model.address == 'module.a.x["s"]'
    assert back.errors[0].address == 'module.b.x["s"]'


def test_merge_keeps_planned_models_of_one_name_from_two_modules_apart(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = []
    for index, address in enumerate(('module.a.x["s"]', 'module.b.x["s"]')):
        path = tmp_path / f"shard{index}.json"
        path.write_text(render_json(report_of(
            {planned("summarizer", address): {fx.KMS.qualified_id: F}})))
        files.append(str(path))
    code, out, err = run_cli(["merge", *files, "-f", "json"], capsys)
    assert code == 1, err
    merged = json.loads(out)
    assert [m["address"] for m in merged["models"]] == ['module.a.x["s"]', 'module.b.x["s"]']
    assert [v["address"] for v in merged["violations"]] == ['module.a.x["s"]',
                                                          'module.b.x["s"]']


STATUS = st.sampled_from([P, F, N, W, E])
NAMES = st.text(alphabet="ab-\u00e9\"\\", min_size=1, max_size=6)


@st.composite
def model_refs(draw: st.DrawFn) -> ModelRef:
    name = draw(NAMES)
    if draw(st.booleans()):
        return fx.model(name)
    address = draw(st.none() | st.builds(lambda m, k: f'module.{m}.aws_x.this["{k}"]',
                                         NAMES, NAMES))
    return planned(name, address)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    refs = draw(st.lists(model_refs(), max_size=6, unique_by=lambda r: r.fingerprint_key))
    models = {ref: {r.qualified_id: draw(STATUS) for r in RULES} for ref in refs}
    scanned: dict[str, Any] = {}
    if draw(st.booleans()):
        scanned = {"reads": ((fx.ACCOUNT, fx.REGION),),
                   "include_imported": draw(st.booleans()),
                   "models": tuple(draw(st.lists(NAMES, max_size=2)))}
    report = report_of(models, **scanned)
    return replace(report, generated_at=draw(st.sampled_from(
        ["2026-11-27T12:00:00Z", "2026-12-01T08:30:00.123Z"])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_any_report_reads_back_and_writes_the_same_json(report: Report) -> None:
    data = written(report)
    validate(data)
    assert written(read_report(data, "r.json")) == data


# --- untrusted files ---------------------------------------------------------------------

def good() -> dict[str, Any]:
    return written(report_of({fx.PROD: {fx.KMS.qualified_id: F, fx.BASE.qualified_id: W},
                              fx.CLEAN: {fx.KMS.qualified_id: P}},
                             reads=((fx.ACCOUNT, fx.REGION),)))


def edit(change: Any) -> dict[str, Any]:
    data = good()
    change(data)
    return data


@pytest.mark.parametrize(("data", "message"), [
    (edit(lambda d: d.update(models={})), r"at models: \{\} is not of type 'array'"),
    (edit(lambda d: d.update(models=[])), "summary.models is 2 but the report holds 0"),
    (edit(lambda d: d["models"].pop(0) and d["summary"].update(models=1)),
     r"violations\[0\]: its model 'prod-summarizer' is not in models"),
    (edit(lambda d: d["models"][1].update(region="eu-west-1")),
     r"models\[1\]: region eu-west-1 is not in scanned.regions"),
    (edit(lambda d: d["models"][0]["results"].update({"baseline/kms-required": "pass"})),
     r"violations\[0\]: its model's result for baseline/kms-required is pass, not fail"),
    (edit(lambda d: d["summary"].update(violations=0)),
     "summary.violations is 0 but the report holds 1"),
    (edit(lambda d: d["summary"].update(result="pass")), "summary.result is 'pass'"),
    (edit(lambda d: d["violations"][0].update(rule="nope")),
     r"violations\[0\]: rule baseline/nope is not one of the report's policies"),
    (edit(lambda d: d["violations"][0].update(title="edited")),
     r"violations\[0\].title does not agree"),
    (edit(lambda d: d["scanned"].update(reads=[{"account_id": "999999999999",
                                                "region": "us-east-1"}])),
     "scanned.reads names 999999999999/us-east-1"),
    (edit(lambda d: d["policies"][0].update(sha256="x")), "at policies/0/sha256"),
    (edit(lambda d: d["summary"].update(models="2")), "at summary/models: '2' is not of type"),
    (edit(lambda d: d["waived"][0].pop("waiver")), r"waived\[0\]: a waived finding without"),
    (edit(lambda d: d.update(generated_at="yesterday")), "at generated_at"),
], ids=["models-object", "models-empty", "violation-without-model", "model-outside-scanned",
        "result-disagrees", "summary-count", "summary-result", "unknown-rule", "edited-title",
        "read-outside-scanned", "bad-sha", "wrong-type", "waived-without-waiver", "bad-time"])
def test_an_edited_or_inconsistent_report_is_refused_naming_the_problem(
        data: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_report(data, "edited.json")
    assert str(caught.value).startswith("edited.json: ")
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_no_mutation_of_a_report_ends_in_anything_but_a_refusal_or_a_report(
        data: st.DataObject) -> None:
    report = good()
    path = data.draw(st.sampled_from(_paths(report)[1:]))
    parent = report
    for step in path[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(JSON)
    try:
        back = read_report(report, "mutated.json")
    except InputError as exc:
        assert str(exc).startswith("mutated.json: ")
        return
    assert written(back) == {k: v for k, v in report.items()}


def test_a_report_without_scanned_reads_is_still_a_report() -> None:
    """Reports written before reads were recorded: read, with no read proven."""
    data = good()
    del data["scanned"]["reads"]
    assert read_report(data, "old.json").scanned.reads == ()
    assert read_report(good(), "new.json").scanned == Scanned(
        sources=("aws",), accounts=(fx.ACCOUNT,), regions=(fx.REGION,),
        reads=((fx.ACCOUNT, fx.REGION),))


def test_a_merged_report_is_as_old_as_its_oldest_shard(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """publish compares a report's time with the hub's: merging stale shards today must not
    make their verdicts look new."""
    files = []
    for index, (name, at) in enumerate((("a", "2026-12-02T08:00:00Z"),
                                        ("b", "2026-11-30T08:00:00.5Z"))):
        path = tmp_path / f"shard{index}.json"
        path.write_text(render_json(replace(report_of({fx.model(name): {fx.KMS.qualified_id: P}}),
                                            generated_at=at)))
        files.append(str(path))
    code, out, err = run_cli(["merge", *files, "-f", "json"], capsys)
    assert code == 0, err
    assert json.loads(out)["generated_at"] == "2026-11-30T08:00:00.5Z"
