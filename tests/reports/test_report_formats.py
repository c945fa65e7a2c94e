"""What every report format must say, whatever its syntax."""

from __future__ import annotations

import inspect
from dataclasses import fields

import pytest

from checker.reports import FINDING_LISTS, RENDERERS, ReportOptions, render
from checker.reports import FORMATS as TABLE
from tests.support import report_fixtures as fx

FORMATS = list(TABLE)
# Formats that state the run (model count, warnings), not only its findings.
RUN_FORMATS = [f for f in FORMATS if f not in FINDING_LISTS]


def test_every_format_has_a_renderer() -> None:
    assert sorted(RENDERERS) == sorted(FORMATS)
    assert set(FORMATS) >= {"text", "json", "sarif", "junit", "markdown", "github"}


def test_what_is_derived_from_the_format_table() -> None:
    assert {name: fmt.name for name, fmt in TABLE.items()} == {n: n for n in TABLE}
    assert {name: fmt.renderer for name, fmt in TABLE.items()} == RENDERERS
    assert {"asff", "csv", "ocsf"} == FINDING_LISTS
    assert all(fmt.extension.startswith(".") and len(fmt.extension) > 1
               for fmt in TABLE.values())


def test_each_report_option_is_taken_by_a_format_whose_writer_has_the_keyword() -> None:
    taken = [name for fmt in TABLE.values() for name, _ in fmt.options]
    assert sorted(taken) == sorted(f.name for f in fields(ReportOptions))
    for fmt in TABLE.values():
        keywords = inspect.signature(fmt.renderer).parameters
        assert {"color"} | {kw for _, kw in fmt.options} <= set(keywords), fmt.name
        assert ("warn" in keywords) is fmt.warns, fmt.name


def test_a_format_gets_its_options_and_no_other() -> None:
    options = ReportOptions(sarif_category="nightly", markdown_max_bytes=2000,
                            markdown_full_report="full.json")
    report = fx.rich_report()
    assert '"id": "nightly/"' in render(report, "sarif", options=options)
    assert '"nightly' not in render(report, "sarif")
    assert "full.json" in render(report, "markdown", options=options)
    assert "full.json" not in render(report, "markdown")
    for fmt in FORMATS:
        if not TABLE[fmt].options:
            assert render(report, fmt, options=options) == render(report, fmt), fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_renders_text_that_ends_with_a_newline(fmt: str) -> None:
    for report in (fx.rich_report(), fx.empty_report(), fx.hostile_report()):
        out = render(report, fmt)
        assert isinstance(out, str)
        assert out.endswith("\n")


@pytest.mark.parametrize("fmt", RUN_FORMATS)
def test_waiver_warnings_show_in_every_format(fmt: str) -> None:
    out = render(fx.rich_report(), fmt)
    assert "waiver-expired" in out
    assert "waiver-stale" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_known_violations_are_marked_in_every_format(fmt: str) -> None:
    assert render(fx.rich_report(known=True), fmt) != render(fx.rich_report(), fmt)
    if fmt in RUN_FORMATS:
        assert "known" in render(fx.rich_report(known=True), fmt)
        assert "known" not in render(fx.rich_report(), fmt).replace("knownViolations", "")


@pytest.mark.parametrize(
    ("fmt", "says"),
    [
        pytest.param("text", "No models were read", id="text"),
        pytest.param("json", '"models": 0', id="json"),
        pytest.param("sarif", "No models were read", id="sarif"),
        pytest.param("junit", "No models were read", id="junit"),
        pytest.param("markdown", "No models were read", id="markdown"),
        pytest.param("github", "No models were read", id="github"),
        pytest.param("html", "No models were read", id="html"),
    ],
)
def test_zero_models_is_said_in_every_format(fmt: str, says: str) -> None:
    assert says in render(fx.empty_report(), fmt)


@pytest.mark.parametrize(
    ("fmt", "says"),
    [
        pytest.param("text", "6 models read", id="text"),
        pytest.param("json", '"models": 6', id="json"),
        pytest.param("sarif", "6 models read", id="sarif"),
        pytest.param("junit", "6 models read", id="junit"),
        pytest.param("markdown", "6 models read", id="markdown"),
        pytest.param("github", "6 models read", id="github"),
        pytest.param("html", "6 models read", id="html"),
    ],
)
def test_models_read_is_said_in_every_format(fmt: str, says: str) -> None:
    assert says in render(fx.rich_report(), fmt)


def test_the_model_count_tables_list_every_run_format() -> None:
    marks = {name: test.pytestmark[0].args[1] for name, test in (  # type: ignore[attr-defined]
        ("zero", test_zero_models_is_said_in_every_format),
        ("count", test_models_read_is_said_in_every_format))}
    for cases in marks.values():
        assert {case.values[0] for case in cases} == set(RUN_FORMATS)


@pytest.mark.parametrize("fmt", [name for name, fmt in TABLE.items() if fmt.chunks])
def test_a_streamed_format_writes_the_text_it_renders_in_pieces(fmt: str) -> None:
    from checker.reports import render_chunks

    report = fx.rich_report()
    warned: list[str] = []
    pieces = list(render_chunks(report, fmt, warn=warned.append))
    assert "".join(pieces) == render(report, fmt)
    assert len(pieces) > 1
    assert {"asff", "ocsf", "sarif", "junit"} <= {n for n, f in TABLE.items() if f.chunks}


def test_sarif_measures_its_compressed_size_on_the_pieces() -> None:
    import gzip
    import random

    from checker.reports.sarif import _gzip_size

    rng = random.Random(7)
    text = "".join(rng.choice('abc {}"\n\u00e9\u6a21') for _ in range(300_000))
    pieces, start = [], 0
    while start < len(text):
        size = rng.randint(1, 30_000)
        pieces.append(text[start:start + size])
        start += size
    assert _gzip_size(pieces) == len(gzip.compress(text.encode("utf-8"), compresslevel=6))
