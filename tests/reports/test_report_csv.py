"""The CSV report: RFC 4180, round-tripped through the csv module, formulas neutralised."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from checker.reports import render
from checker.reports.csv_report import COLUMNS, neutralise
from checker.reports.json_report import report_dict
from checker.results import Report, Status
from tests.support import report_fixtures as fx


def rows(report: Report) -> list[dict[str, str]]:
    text = render(report, "csv")
    assert text.endswith("\r\n")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def test_one_row_per_violation_waived_finding_and_error() -> None:
    report = fx.rich_report()
    got = rows(report)
    assert [r["status"] for r in got] == ["violation"] * 3 + ["waived"] + ["error"] * 2
    data = report_dict(report)
    for row, violation in zip(got, data["violations"] + data["waived"], strict=False):
        for column in ("model_arn", "model_name", "policy", "rule", "severity", "title",
                       "field", "expected", "message"):
            assert row[column] == (violation[column] or ""), column


def test_waiver_and_error_columns() -> None:
    got = rows(fx.rich_report())
    waived = next(r for r in got if r["status"] == "waived")
    assert waived["waiver_reason"] == fx.WAIVER.reason
    assert waived["waiver_expires"] == "2027-01-31"
    errors = [r for r in got if r["status"] == "error"]
    assert errors[0]["error_code"] == "AccessDeniedException"
    assert (errors[0]["policy"], errors[0]["rule"]) == ("tagging", "owner-tag")
    assert errors[1]["rule"] == "" and errors[1]["model_name"] == "unread"


def test_hostile_values_round_trip() -> None:
    report = fx.hostile_report()
    (row,) = rows(report)
    violation = report.violations[0]
    assert row["title"] == violation.rule.title
    assert row["message"] == violation.message
    assert row["model_name"] == violation.model.name
    assert row["labels"] == "a,b; c:d"
    assert '"nested"' in row["actual"]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        pytest.param("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")", id="equals"),
        pytest.param("+1+1", "'+1+1", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("a=1", "a=1", id="inside-is-fine"),
        pytest.param("", "", id="empty"),
    ],
)
def test_formula_injection_is_neutralised(value: str, cell: str) -> None:
    assert neutralise(value) == cell
    rule = replace(fx.KMS, title=value)
    violation = fx.finding(fx.PROD, rule, message=value, actual=value)
    report = fx.build_report(rules=(rule,), models={fx.PROD: {rule.qualified_id: Status.FAIL}},
                             violations=[violation])
    (row,) = rows(report)
    assert row["title"] == row["message"] == row["actual"] == cell


def test_compliance_and_known_columns() -> None:
    rule = replace(fx.KMS, compliance=(("NIST-800-53-r5", ("SC-28", "SC-12")),))
    violation = fx.finding(fx.PROD, rule, known=True)
    report = fx.build_report(rules=(rule,), models={fx.PROD: {rule.qualified_id: Status.FAIL}},
                             violations=[violation])
    (row,) = rows(report)
    assert row["compliance"] == "NIST-800-53-r5/SC-28; NIST-800-53-r5/SC-12"
    assert row["known"] == "true"


def test_no_findings_is_a_header_only() -> None:
    assert render(fx.clean_report(), "csv") == ",".join(COLUMNS) + "\r\n"
