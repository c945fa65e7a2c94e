"""GitHub workflow commands: escaped as the toolkit does, so hostile values round-trip."""

from __future__ import annotations

import re

import pytest

from checker.reports.github import command, escape_data, escape_property, render_github
from checker.results import Report, Status
from tests.support import report_fixtures as fx

COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def unescape_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(value: str) -> str:
    return unescape_data(value.replace("%3A", ":").replace("%2C", ","))


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """Read a command back the way the runner does: name, properties, message."""
    match = COMMAND.match(line)
    assert match is not None, line
    props: dict[str, str] = {}
    if match.group("props"):
        for pair in match.group("props").split(","):
            key, _, value = pair.partition("=")
            props[key] = unescape_property(value)
    return match.group("name"), props, unescape_data(match.group("data"))


def commands(report: Report) -> list[tuple[str, dict[str, str], str]]:
    text = render_github(report)
    assert text.endswith("\n")
    return [parse(line) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        pytest.param("plain", "plain", "plain", id="plain"),
        pytest.param("100%", "100%25", "100%25", id="percent"),
        pytest.param("%0A", "%250A", "%250A", id="already-escaped-looking"),
        pytest.param("a\nb", "a%0Ab", "a%0Ab", id="newline"),
        pytest.param("a\r\nb", "a%0D%0Ab", "a%0D%0Ab", id="crlf"),
        pytest.param("a::b", "a::b", "a%3A%3Ab", id="double-colon"),
        pytest.param("a,b=c", "a,b=c", "a%2Cb=c", id="comma"),
        pytest.param("模型 ☃", "模型 ☃", "模型 ☃", id="unicode"),
    ],
)
def test_escaping_matches_the_toolkit(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_hostile_values_cannot_forge_or_split_commands() -> None:
    line = command("error", fx.HOSTILE + "\n::warning::forged", title=fx.HOSTILE, file="a,b:c")
    assert "\n" not in line
    assert "\r" not in line
    name, props, data = parse(line)
    assert name == "error"
    assert props == {"title": fx.HOSTILE, "file": "a,b:c"}
    assert data == fx.HOSTILE + "\n::warning::forged"


def test_hostile_report_round_trips() -> None:
    found = commands(fx.hostile_report())
    violation = next(c for c in found if c[1].get("file"))
    name, props, data = violation
    assert name == "error"
    assert props["file"] == "policies/weird,policy.yaml"
    assert props["line"] == "3"
    assert props["title"] == "weird,policy/rule:one (high)"
    assert fx.HOSTILE in data
    assert "Remediation: Fix " + fx.HOSTILE in data


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        pytest.param("critical", "error", id="critical"),
        pytest.param("high", "error", id="high"),
        pytest.param("medium", "warning", id="medium"),
        pytest.param("low", "notice", id="low"),
        pytest.param("info", "notice", id="info"),
    ],
)
def test_level_follows_severity(severity: str, level: str) -> None:
    info = fx.rule("p", "r", severity, line=12)
    ref = fx.model("m")
    report = fx.build_report(
        rules=(info,), models={ref: {info.qualified_id: Status.FAIL}},
        violations=(fx.finding(ref, info),),
    )
    (violation,) = [c for c in commands(report) if "file" in c[1]]
    assert violation[0] == level
    assert violation[1] == {"file": "policies/p.yaml", "line": "12", "title": f"p/r ({severity})"}
    assert "Model 'm'" in violation[2]


def test_rich_report_annotations() -> None:
    found = commands(fx.rich_report())
    titled = {(c[0], c[1]["title"]) for c in found}
    assert ("error", "bedrock-drift: AccessDeniedException") in titled
    assert ("error", "bedrock-drift: ThrottlingException") in titled
    assert ("warning", "bedrock-drift: waiver-expired") in titled
    assert ("warning", "bedrock-drift: waiver-stale") in titled
    assert ("notice", "baseline/learning-rate-cap (waived)") in titled
    waived = next(c for c in found if c[1]["title"].endswith("(waived)"))
    assert "Waived until 2027-01-31: Research sandbox, approved in SEC-1234" in waived[2]
    # The result line is written first (it used to come last, where GitHub's per-step limit
    # could hide it).
    first = found[0]
    assert first[0] == "error"
    assert first[1] == {"title": "bedrock-drift"}
    assert first[2] == (
        "ERROR: 6 models read, 3 violations, 1 waived, 2 errors, 1 not evaluated"
    )


def test_known_violations_are_notices_marked_known() -> None:
    found = commands(fx.rich_report(known=True))
    known = [c for c in found if c[1].get("title") == "baseline/kms-required (critical, known)"]
    assert len(known) == 1
    assert known[0][0] == "notice"
    assert "known: present in the baseline" in known[0][2]


def test_zero_models_is_said_plainly() -> None:
    found = commands(fx.empty_report())
    assert ("warning", "No models were read: nothing was judged.") in {
        (c[0], c[2]) for c in found
    }


def test_clean_report_ends_with_a_notice() -> None:
    (summary,) = commands(fx.clean_report())
    assert summary[0] == "notice"
    assert summary[2].startswith("PASS: 1 model read, 0 violations")
