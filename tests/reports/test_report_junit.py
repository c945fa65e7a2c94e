"""JUnit XML: parsed back, its counts agree with its cases, and nothing is lost."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import pytest
import xmlschema

from checker.reports.junit import render_junit, xml_text
from checker.results import ModelRef, Report, ReportError, Status
from tests.support import ROOT
from tests.support import report_fixtures as fx


def parse(report: Report) -> ET.Element:
    return ET.fromstring(render_junit(report))


def case(root: ET.Element, suite: str, classname: str, name: str) -> ET.Element:
    matches = [
        c
        for s in root.iter("testsuite")
        if s.get("name") == suite
        for c in s.iter("testcase")
        if c.get("classname") == classname and c.get("name") == name
    ]
    assert len(matches) == 1, (suite, classname, name)
    return matches[0]


def outcome(element: ET.Element) -> str:
    for tag in ("failure", "error", "skipped"):
        if element.find(tag) is not None:
            return tag
    return "passed"


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(fx.rich_report(), id="rich"),
        pytest.param(fx.rich_report(known=True), id="with-baseline"),
        pytest.param(fx.empty_report(), id="no-models"),
        pytest.param(fx.clean_report(), id="clean"),
        pytest.param(fx.hostile_report(), id="hostile"),
    ],
)
def test_counts_agree_with_cases(report: Report) -> None:
    root = parse(report)
    assert root.tag == "testsuites"
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        outcomes = [outcome(c) for c in cases]
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == outcomes.count("failure")
        assert int(suite.get("errors", "-1")) == outcomes.count("error")
        assert int(suite.get("skipped", "-1")) == outcomes.count("skipped")
        for name in totals:
            totals[name] += int(suite.get(name, "0"))
    assert {name: int(root.get(name, "-1")) for name in totals} == totals


def test_a_suite_per_policy_and_a_case_per_model_and_rule() -> None:
    root = parse(fx.rich_report())
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["baseline", "tagging", "bedrock-drift"]
    # 5 judged models x 3 baseline rules; 5 x 1 tagging rule.
    assert len(suites["baseline"].findall("testcase")) == 15
    assert len(suites["tagging"].findall("testcase")) == 5


@pytest.mark.parametrize(
    ("suite", "classname", "name", "expected"),
    [
        pytest.param("baseline", "prod-summarizer", "baseline/kms-required", "failure",
                     id="violation"),
        pytest.param("baseline", "prod-summarizer", "baseline/learning-rate-cap", "passed",
                     id="pass"),
        pytest.param("baseline", "research-x", "baseline/learning-rate-cap", "skipped",
                     id="waived"),
        pytest.param("baseline", "idle-model", "baseline/kms-required", "skipped",
                     id="not-applicable"),
        pytest.param("tagging", "prod-summarizer", "tagging/owner-tag", "error",
                     id="rule-error"),
        pytest.param("baseline", "planned-job", "baseline/kms-required", "failure",
                     id="planned-without-arn"),
        pytest.param("bedrock-drift", "unread", "read model", "error", id="unread-model"),
    ],
)
def test_case_outcomes(suite: str, classname: str, name: str, expected: str) -> None:
    assert outcome(case(parse(fx.rich_report()), suite, classname, name)) == expected


def test_failure_carries_expected_and_actual() -> None:
    element = case(parse(fx.rich_report()), "baseline", "prod-summarizer",
                   "baseline/approved-base-models")
    failure = element.find("failure")
    assert failure is not None
    assert failure.get("type") == "high"
    message = failure.get("message", "")
    assert "expected one of amazon.nova-*" in message
    assert "actual arn:aws:bedrock:us-east-1::foundation-model/meta.llama3" in message
    assert "prod-summarizer" in (failure.text or "")
    assert element.get("file") == "policies/baseline.yaml"
    assert element.get("line") == "14"


def test_waived_case_gives_reason_and_expiry() -> None:
    element = case(parse(fx.rich_report()), "baseline", "research-x",
                   "baseline/learning-rate-cap")
    skipped = element.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == (
        "waived until 2027-01-31: Research sandbox, approved in SEC-1234"
    )


def test_known_violation_is_marked() -> None:
    element = case(parse(fx.rich_report(known=True)), "baseline", "prod-summarizer",
                   "baseline/kms-required")
    failure = element.find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("[known] ")


def test_every_error_lands_on_a_case() -> None:
    """An error about a model whose rule status is not error still shows (fail closed)."""
    info = fx.rule("p", "r")
    ref = fx.model("m")
    stray = ReportError(code="KMSAccessDenied", message="cannot describe key",
                        model_arn=ref.arn, model_name="m", rule="p/other")
    region = ReportError(code="EndpointConnectionError", message="no route",
                         region="eu-west-9")
    report = fx.build_report(rules=(info,), models={ref: {info.qualified_id: Status.PASS}},
                             errors=(stray, region))
    root = parse(report)
    errors = [c for c in root.iter("testcase") if outcome(c) == "error"]
    assert {(c.get("classname"), c.get("name")) for c in errors} == {
        ("m", "p/other (not judged)"),
        ("eu-west-9", "EndpointConnectionError"),
    }
    assert root.get("errors") == "2"


def test_models_sharing_a_name_get_distinct_classnames() -> None:
    info = fx.rule("p", "r")
    east = fx.model("same")
    west = replace(east, arn=east.arn.replace("us-east-1", "us-west-2") if east.arn else None)
    report = fx.build_report(
        rules=(info,),
        models={east: {info.qualified_id: Status.PASS}, west: {info.qualified_id: Status.PASS}},
    )
    classnames = [c.get("classname") for c in parse(report).iter("testcase")]
    assert classnames == [f"same ({east.arn})", f"same ({west.arn})"]


def test_models_read_and_warnings_are_stated() -> None:
    root = parse(fx.rich_report())
    run = root.findall("testsuite")[-1]
    assert "6 models read." in (run.findtext("system-out") or "")
    err = run.findtext("system-err") or ""
    assert "warning[waiver-expired]" in err
    assert "warning[waiver-stale]" in err
    props = {p.get("name"): p.get("value") for p in run.iter("property")}
    assert props["models.read"] == "6"


def test_zero_models_is_said_plainly() -> None:
    root = parse(fx.empty_report())
    assert root.get("tests") == "0"
    for suite in root.findall("testsuite"):
        assert "No models were read: nothing was judged." in (suite.findtext("system-out") or "")


def test_hostile_values_round_trip() -> None:
    root = parse(fx.hostile_report())
    (element,) = list(root.iter("testcase"))
    assert element.get("name") == "weird,policy/rule:one"
    failure = element.find("failure")
    assert failure is not None
    # Attribute values keep their newlines (ElementTree writes them as character refs).
    assert "percent\r\nnew line | pipe <b>bold</b>" in failure.get("message", "")
    # NUL and backspace cannot be in XML 1.0 at all; they are replaced, the rest kept.
    classname = element.get("classname", "")
    assert "\ufffd\ufffd ☃ 模型" in classname


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("plain", "plain", id="plain"),
        pytest.param("a\x00b", "a\ufffdb", id="nul"),
        pytest.param("tab\tnl\ncr\r", "tab\tnl\ncr\r", id="allowed-controls"),
        pytest.param("\x1b[31m", "\ufffd[31m", id="escape"),
        pytest.param("\ufffe\uffff", "\ufffd\ufffd", id="non-characters"),
        pytest.param("\ud800", "\ufffd", id="lone-surrogate"),
        pytest.param("😀", "😀", id="astral"),
    ],
)
def test_xml_text_strips_what_xml_forbids(raw: str, expected: str) -> None:
    assert xml_text(raw) == expected


# --- errors found by lookup, as the old scan found them -------------------------------------

def _is_about(error: ReportError, model: ModelRef) -> bool:
    """The matching rule, written out as the scan over every error applied it."""
    if error.model_arn is not None and model.arn is not None:
        return bool(error.model_arn == model.arn)
    if error.address is not None or model.address is not None:
        return bool(error.address == model.address)
    return error.model_name is not None and error.model_name == model.name


def test_error_index_matches_the_scan() -> None:
    import itertools

    from checker.reports.junit import _ErrorIndex

    arns = [None, "arn:aws:bedrock:us-east-1:1:custom-model/a",
            "arn:aws:bedrock:us-east-1:1:custom-model/b"]
    names = [None, "a", "b"]
    addresses = [None, "aws_bedrock_custom_model.a", 'module.m["x"].aws_bedrock_custom_model.a']
    rules = [None, "p/r1", "p/r2"]
    errors = [ReportError(code="E", message=f"{i}", model_arn=arn, model_name=name,
                          address=address, rule=rule)
              for i, (arn, name, address, rule) in enumerate(
                  itertools.product(arns, names, addresses, rules))]
    index = _ErrorIndex(errors)
    for arn, name, address in itertools.product(arns, names, addresses):
        model = ModelRef(arn=arn, name=name, account_id=None, region=None, address=address)
        for rule in rules:
            expected = [i for i, e in enumerate(errors) if e.rule == rule and _is_about(e, model)]
            assert index.about(model, rule) == expected, (model, rule)


# --- What the reporters read ------------------------------------------------------------------
#
# The Jenkins JUnit schema (tests/data/junit/junit-10.xsd, from the Jenkins xUnit plugin:
# NOTICE.md there) is validated strictly, but for the attributes below: the schema does not
# list them, and every reader here takes attributes by name and ignores those it does not
# know (the Jenkins JUnit plugin's parser, dorny/test-reporter's xml2js, mikepenz/
# action-junit-report's xml-js). mikepenz/action-junit-report places its annotations with
# testcase `file` and `line`; GitLab shows `file`.
JUNIT_XSD = ROOT / "tests" / "data" / "junit" / "junit-10.xsd"
JUNIT_XSD_SHA256 = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6"
BEYOND_THE_SCHEMA = {"testcase": {"file", "line"}, "testsuites": {"skipped"}}


@pytest.fixture(scope="module")
def jenkins_schema() -> Any:
    assert hashlib.sha256(JUNIT_XSD.read_bytes()).hexdigest() == JUNIT_XSD_SHA256
    return xmlschema.XMLSchema10(str(JUNIT_XSD))


def schema_errors(schema: Any, text: str) -> list[str]:
    """Where the report breaks the Jenkins schema, once the documented extra attributes
    are set aside (and an error if any other attribute is beyond the schema)."""
    root = ET.fromstring(text)
    for element in root.iter():
        for name in BEYOND_THE_SCHEMA.get(element.tag, set()):
            element.attrib.pop(name, None)
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(root)]


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(fx.rich_report(), id="rich"),
        pytest.param(fx.rich_report(known=True), id="with-baseline"),
        pytest.param(fx.empty_report(), id="no-models"),
        pytest.param(fx.clean_report(), id="clean"),
        pytest.param(fx.hostile_report(), id="hostile"),
    ],
)
def test_valid_against_the_jenkins_junit_schema(jenkins_schema: Any, report: Report) -> None:
    assert schema_errors(jenkins_schema, render_junit(report)) == []


def test_the_golden_report_is_valid_too(jenkins_schema: Any) -> None:
    golden = ROOT / "tests" / "golden" / "baseline.xml"
    assert schema_errors(jenkins_schema, golden.read_text(encoding="utf-8")) == []


def test_the_schema_check_catches_what_jenkins_would_refuse(jenkins_schema: Any) -> None:
    text = render_junit(fx.rich_report())
    assert schema_errors(jenkins_schema, text.replace('<testcase ', '<testcase flaky="x" ', 1))
    assert schema_errors(jenkins_schema, text.replace('time="0"', 'time="soon"', 1))
    no_name = re.sub(r' name="[^"]*"', "", text.split("<testcase", 1)[1], count=1)
    assert schema_errors(jenkins_schema, text.split("<testcase", 1)[0] + "<testcase" + no_name)


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(fx.rich_report(), id="rich"),
        pytest.param(fx.hostile_report(), id="hostile"),
    ],
)
def test_every_testcase_has_a_time(report: Report) -> None:
    # dorny/test-reporter reads parseFloat(testcase.time): a missing one is NaN.
    cases = list(parse(report).iter("testcase"))
    assert cases
    assert all(float(c.get("time", "nan")) == 0.0 for c in cases)
    for suite in parse(report).iter("testsuite"):
        assert float(suite.get("time", "nan")) == 0.0


def test_what_each_reporter_reads_is_there() -> None:
    # dorny/test-reporter (java-junit): testsuites time; testsuite name, time; testcase
    # classname, name, time; failure/error message and text; skipped.
    # mikepenz/action-junit-report: testcase classname, name, time, file, line; failure/
    # error message and text; skipped. Jenkins' JUnit plugin: testsuite name, timestamp,
    # time; testcase classname, name, time; failure/error/skipped; system-out/err.
    root = parse(fx.rich_report())
    assert root.get("time") is not None
    for suite in root.iter("testsuite"):
        assert {"name", "time", "timestamp", "tests", "failures", "errors"} <= set(suite.attrib)
    failing = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert failing
    for element in failing:
        assert {"classname", "name", "time", "file", "line"} <= set(element.attrib)
        failure = element.find("failure")
        assert failure is not None and failure.get("message") and failure.text


@pytest.mark.parametrize("every", [1, 2, 3])
def test_folding_the_case_lines_changes_no_byte_and_no_count(
        monkeypatch: pytest.MonkeyPatch, every: int) -> None:
    from checker.reports import junit

    for report in (fx.rich_report(), fx.hostile_report(), fx.empty_report()):
        monkeypatch.setattr(junit, "_FOLD_EVERY", 10**9)
        unfolded = junit.render_junit(report)
        monkeypatch.setattr(junit, "_FOLD_EVERY", every)
        assert junit.render_junit(report) == unfolded


def _many_models_report() -> Report:
    """1,300 models over two policies, their statuses drawn from a few sets (so most repeat),
    some in another rule order, with names shared and in other scripts, failures, waivers,
    errors, a finding about a model that was not read and findings that name their model
    with a copy of its ModelRef (as a merged report's do)."""
    import random

    rng = random.Random(7)
    p, f, n, w, e = (Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.WAIVED,
                     Status.ERROR)
    rules = (fx.KMS, fx.BASE, fx.LR, fx.TAGS)
    shapes = [(p, p, p, p), (p, n, p, p), (n, n, n, n), (p, p, n, p), (f, p, p, p),
              (p, w, p, e), (p, p, p, n)]
    models: dict[ModelRef, dict[str, Status]] = {}
    violations, waived, errors = [], [], []
    for i in range(1300):
        name = rng.choice([f"model-{i}", f"模型-{i}", f"shared-name-{i % 3}"])
        ref = replace(fx.model(name), arn=f"{fx.model(name).arn}-{i}")  # one ARN a model
        statuses = list(zip((r.qualified_id for r in rules), rng.choice(shapes), strict=True))
        if i % 11 == 0:
            statuses.reverse()
        models[ref] = dict(statuses)
        for rule_id, status in statuses:
            info = next(r for r in rules if r.qualified_id == rule_id)
            named = replace(ref) if i % 2 else ref
            if status is f:
                violations.append(fx.finding(named, info, actual=f"key-{i}"))
            elif status is w:
                waived.append(fx.finding(named, info, waiver=fx.WAIVER))
            elif status is e:
                errors.append(ReportError(code="AccessDeniedException", message="denied",
                                          model_arn=ref.arn, model_name=ref.name,
                                          region=fx.REGION, rule=rule_id))
    violations.append(fx.finding(fx.model("never-read"), fx.KMS))
    return fx.build_report(rules=rules, models=models, violations=violations, waived=waived,
                           errors=errors)


@pytest.mark.parametrize("every", [1, 7, 500])
def test_models_with_the_same_statuses_are_written_as_one_by_one(
        monkeypatch: pytest.MonkeyPatch, every: int) -> None:
    """The lines of models whose cases all passed or were not applicable are made once per
    set of rules and statuses (a plan): the same bytes and counts as making every case,
    with any number of plans kept (0: none, every model one by one), at any fold."""
    from checker.reports import junit

    monkeypatch.setattr(junit, "_FOLD_EVERY", every)
    reports = (_many_models_report(), fx.rich_report(), fx.hostile_report(), fx.empty_report())
    for report in reports:
        monkeypatch.setattr(junit, "_PLANS", 0)
        one_by_one = junit.render_junit(report)
        for kept in (1, 2, 4096):
            monkeypatch.setattr(junit, "_PLANS", kept)
            assert junit.render_junit(report) == one_by_one


def test_many_models_counts_and_cases() -> None:
    report = _many_models_report()
    root = parse(report)
    cases = list(root.iter("testcase"))
    # Every (model, rule) judged, plus the finding about the model never read.
    assert len(cases) == 1300 * 4 + 1
    assert int(root.get("tests", "-1")) == len(cases)
    outcomes = [outcome(c) for c in cases]
    assert int(root.get("failures", "-1")) == outcomes.count("failure") == len(report.violations)
    assert int(root.get("errors", "-1")) == outcomes.count("error") == len(report.errors)
    not_applicable = sum(1 for m in report.models for s in m.results.values()
                         if s is Status.NOT_APPLICABLE)
    assert outcomes.count("skipped") == not_applicable + len(report.waived)
    # A finding naming its model with a copy of the ModelRef is on the model's own case.
    assert [c.get("classname") for c in cases if c.get("classname") == "never-read"] == [
        "never-read"]
