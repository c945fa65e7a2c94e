"""Markdown: the facts a reviewer needs, and values that cannot break the document."""

from __future__ import annotations

import re

import pytest

from checker.reports.markdown import md_code, md_text, render_markdown
from checker.results import Report
from tests.support import report_fixtures as fx

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def cells(row: str) -> list[str]:
    """The cells of a GFM table row, split on pipes that are not escaped."""
    return [c.strip() for c in UNESCAPED_PIPE.split(row.strip())[1:-1]]


def tables(markdown: str) -> list[list[str]]:
    """Each table as its list of rows (header, delimiter, body)."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def section(markdown: str, title: str) -> str:
    """The text of one ``###`` section."""
    start = markdown.index(f"### {title}")
    end = markdown.find("\n### ", start + 1)
    return markdown[start:] if end == -1 else markdown[start:end]


@pytest.mark.parametrize(
    ("report", "headline"),
    [
        pytest.param(fx.rich_report(), "## bedrock-drift: ⚠️ ERROR", id="error"),
        pytest.param(fx.clean_report(), "## bedrock-drift: ✅ PASS", id="pass"),
        pytest.param(fx.hostile_report(), "## bedrock-drift: ❌ FAIL", id="fail"),
    ],
)
def test_headline_states_the_result(report: Report, headline: str) -> None:
    assert render_markdown(report).splitlines()[0] == headline


def test_summary_table_counts() -> None:
    md = render_markdown(fx.rich_report(known=True))
    header, _, row = tables(md)[0]
    summary = dict(zip(cells(header), cells(row), strict=True))
    assert summary == {
        "Models read": "6", "Policies": "2", "Rules": "4", "Violations": "3",
        "Critical": "2", "High": "1", "Medium": "0", "Low": "0", "Info": "0",
        "Known": "1", "Waived": "1", "Errors": "2", "Not evaluated": "1",
    }
    assert "**6 models read**" in md


def test_violations_grouped_by_model_with_details() -> None:
    md = render_markdown(fx.rich_report())
    violations = section(md, "Violations (3)")
    assert violations.index("#### prod-summarizer") < violations.index("#### planned-job")
    prod = violations[: violations.index("#### planned")]
    assert "Encrypted with an approved customer-managed KMS key" in prod
    assert "| **critical** |" in prod
    assert "`baseModelArn`" in prod
    assert "`one of amazon.nova-*`" in prod
    assert "`arn:aws:bedrock:us-east-1::foundation-model/meta.llama3`" in prod
    assert "_(missing)_" in prod
    assert "Recreate the model with customModelKmsKeyId set to the platform key." in prod


def test_known_violations_are_marked() -> None:
    md = render_markdown(fx.rich_report(known=True))
    assert "| **critical** (known) |" in md
    assert "1 known from the baseline, not gating" in md
    assert "(known)" not in render_markdown(fx.rich_report())


def test_waivers_show_reason_and_expiry() -> None:
    waived = section(render_markdown(fx.rich_report()), "Waived (1)")
    (table,) = tables(waived)
    assert cells(table[2]) == [
        "research-x",
        "`baseline/learning-rate-cap`",
        "Research sandbox, approved in SEC-1234",
        "2027-01-31",
    ]


def test_errors_and_waiver_warnings_are_listed() -> None:
    md = render_markdown(fx.rich_report())
    errors = section(md, "Errors (2)")
    assert "`ThrottlingException`" in errors
    assert "model unread" in errors
    warnings = section(md, "Warnings (2)")
    assert "**waiver-expired**" in warnings
    assert "**waiver-stale**" in warnings


def test_passing_models_fold_away_and_idle_models_are_named() -> None:
    md = render_markdown(fx.rich_report())
    details = md[md.index("<details>"): md.index("</details>")]
    assert "<summary>Passing models (2)</summary>" in details
    assert "clean-model" in details
    assert "prod-summarizer" not in details
    assert "idle-model" in section(md, "Not evaluated (1)")


def test_zero_models_is_said_plainly() -> None:
    md = render_markdown(fx.empty_report())
    assert "> No models were read: nothing was judged." in md
    assert "**No models were read**" in md
    assert "<details>" not in md


def test_hostile_values_cannot_break_tables_or_inject_html() -> None:
    md = render_markdown(fx.hostile_report())
    for table in tables(md):
        widths = {len(cells(row)) for row in table}
        assert len(widths) == 1, table
    without_code = re.sub(r"(`+).*?\1", "", md)
    assert "<b>" not in without_code
    assert "\x00" not in md
    assert "\r" not in md
    # Every line the hostile values touched is still one line of the document.
    assert all(not line.startswith("new line") for line in md.splitlines())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("plain text", "plain text", id="plain"),
        pytest.param("a|b", "a\\|b", id="pipe"),
        pytest.param("*bold* _it_", "\\*bold\\* \\_it\\_", id="emphasis"),
        pytest.param("[x](http://e)", "\\[x\\](http://e)", id="link"),
        pytest.param("<script>&", "&lt;script&gt;&amp;", id="html"),
        pytest.param("@team #12", "\\@team \\#12", id="mention-and-ref"),
        pytest.param("- item", "\\- item", id="list-start"),
        pytest.param("1. item", "1\\. item", id="ordered-start"),
        pytest.param("a\nb\r\nc", "a b c", id="newlines"),
        pytest.param("amazon.nova-*", "amazon.nova-\\*", id="glob"),
        pytest.param("模型 ☃", "模型 ☃", id="unicode"),
    ],
)
def test_md_text(raw: str, expected: str) -> None:
    assert md_text(raw, starts_line=True) == expected


def test_block_markers_are_left_alone_inside_a_line() -> None:
    assert md_text("0.1.0") == "0.1.0"
    assert md_text("- x") == "- x"
    assert md_text("0.1.0", starts_line=True) == "0\\.1.0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("x", "`x`", id="plain"),
        pytest.param("a`b", "``a`b``", id="backtick-inside"),
        pytest.param("`a", "`` `a ``", id="backtick-edge"),
        pytest.param("a|b", "`a\\|b`", id="pipe"),
        pytest.param("", "_(empty)_", id="empty"),
        pytest.param("x" * 400, "`" + "x" * 299 + "…`", id="truncated"),
    ],
)
def test_md_code(raw: str, expected: str) -> None:
    assert md_code(raw) == expected
