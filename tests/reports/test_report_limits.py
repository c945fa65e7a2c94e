"""What GitHub accepts, crossed with a synthetic estate: 10,000 models judged by the shipped
baseline (tests/support/large_estate.py: about 30,000 violations and 228 waived).

Each limit is quoted from the page that states it:

- SARIF, "SARIF support for code scanning", Validating your SARIF file
  (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/
  sarif-support-for-code-scanning#validating-your-sarif-file): "For each gzip-compressed SARIF
  file, SARIF upload supports a maximum size of 10 MB", and the table of maximum values:
  runs per file 20, results per run 25,000, location per result 1,000, tags per rule 20; the
  reportingDescriptor object: name "Limited to 255 characters", shortDescription.text and
  fullDescription.text "Limited to 1024 characters". "If any of these objects exceeds its
  maximum value the SARIF file is rejected."
- Job summary: the runner refuses a step summary past 1 MiB ("$GITHUB_STEP_SUMMARY upload
  aborted, supports content up to a size of 1024k", linking to "Workflow commands for GitHub
  Actions", Adding a job summary).
- Annotations: actions/toolkit docs/problem-matchers.md, Limitations: "10 warning
  annotations, 10 error annotations, and 10 notice annotations per step".
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.reports.github import render_github
from checker.reports.markdown import render_markdown
from checker.reports.sarif import render_sarif
from checker.results import SEVERITY_RANK, Report, ReportError, Status
from tests.support import report_fixtures as fx
from tests.support import run_cli
from tests.support.large_estate import MODELS, ROOT, large_report, write_estate

SARIF_RESULTS_PER_RUN = 25_000
SARIF_RUNS_PER_FILE = 20
SARIF_LOCATIONS_PER_RESULT = 1_000
SARIF_TAGS_PER_RULE = 20
SARIF_GZIP_BYTES = 10 * 1000 * 1000
STEP_SUMMARY_BYTES = 1024 * 1024
ANNOTATIONS_PER_LEVEL = 10


@pytest.fixture(scope="module")
def estate() -> Report:
    report = large_report()
    assert report.summary.models == MODELS
    # Big enough to cross every limit below.
    assert len(report.violations) > SARIF_RESULTS_PER_RUN
    assert report.waived
    return report


@pytest.fixture(scope="module")
def estate_sarif(estate: Report) -> tuple[str, list[str]]:
    warnings: list[str] = []
    return render_sarif(estate, warn=warnings.append), warnings


# --- SARIF -----------------------------------------------------------------------------------

def test_sarif_keeps_the_most_severe_within_the_result_limit(
        estate: Report, estate_sarif: tuple[str, list[str]]) -> None:
    text, _ = estate_sarif
    log = json.loads(text)
    assert len(log["runs"]) <= SARIF_RUNS_PER_FILE
    (run,) = log["runs"]
    results = run["results"]
    assert len(results) == SARIF_RESULTS_PER_RUN
    assert all(len(r["locations"]) <= SARIF_LOCATIONS_PER_RESULT for r in results)
    # No waived result (GitHub would show it as an open alert).
    assert all("suppressions" not in r for r in results)
    waived_keys = {(f.rule.qualified_id, f.model.arn) for f in estate.waived}
    assert not waived_keys & {(r["ruleId"], r["properties"]["modelArn"]) for r in results}
    # The most severe: no result left out is more severe than one kept.
    kept = Counter(r["properties"]["severity"] for r in results)
    total = Counter(f.severity for f in estate.violations)
    least_kept = min(kept, key=SEVERITY_RANK.__getitem__)
    for severity, count in total.items():
        if SEVERITY_RANK[severity] > SEVERITY_RANK[least_kept]:
            assert kept[severity] == count, severity
    left = run["properties"]["leftOut"]
    assert left["waived"] == len(estate.waived)
    assert left["overLimits"] == len(estate.violations) - SARIF_RESULTS_PER_RUN
    assert sum(left["overLimitsBySeverity"].values()) == left["overLimits"]
    assert left["overLimitsBySeverity"] == {
        s: total[s] - kept[s] for s in total if total[s] > kept[s]}


def test_sarif_says_how_to_shard(estate: Report, estate_sarif: tuple[str, list[str]]) -> None:
    text, warnings = estate_sarif
    (warning,) = warnings
    left = len(estate.violations) - SARIF_RESULTS_PER_RUN
    assert f"left out {left}" in warning
    assert "--sarif-category" in warning and "--region" in warning
    notes = json.loads(text)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    (note,) = [n for n in notes if n["descriptor"]["id"] == "results-left-out"]
    # The log says what the warning says: how many results there were, kept and left out.
    assert note["level"] == "warning" and note["message"]["text"] == warning
    assert f"SARIF: {len(estate.violations)} results are more than" in warning
    assert f"kept the {SARIF_RESULTS_PER_RUN} most severe" in warning


def test_sarif_compressed_size_is_within_the_upload_limit(
        estate_sarif: tuple[str, list[str]]) -> None:
    text, _ = estate_sarif
    assert len(gzip.compress(text.encode("utf-8"))) <= SARIF_GZIP_BYTES


def test_sarif_past_the_compressed_limit_keeps_the_most_severe(estate: Report) -> None:
    # The estate compresses well below 10 MB; a smaller cap crosses the same code path
    # that much larger or less repetitive estates take.
    cap = 500_000
    warnings: list[str] = []
    text = render_sarif(estate, max_gzip_bytes=cap, warn=warnings.append)
    assert len(gzip.compress(text.encode("utf-8"), compresslevel=6)) <= cap
    run = json.loads(text)["runs"][0]
    results = run["results"]
    assert 0 < len(results) < SARIF_RESULTS_PER_RUN
    ranks = [SEVERITY_RANK[r["properties"]["severity"]] for r in results]
    assert ranks == sorted(ranks, reverse=True)
    assert run["properties"]["leftOut"]["overLimits"] == len(estate.violations) - len(results)
    assert len(warnings) == 1


def test_a_small_report_is_not_cut_and_says_nothing() -> None:
    warnings: list[str] = []
    log = json.loads(render_sarif(fx.rich_report(), warn=warnings.append))
    assert warnings == []
    assert log["runs"][0]["properties"]["leftOut"]["overLimits"] == 0


def test_category_sets_the_automation_id() -> None:
    log = json.loads(render_sarif(fx.rich_report(), category="bedrock-drift/us-east-1"))
    # GitHub reads everything before the last slash as the category.
    assert log["runs"][0]["automationDetails"] == {"id": "bedrock-drift/us-east-1/"}
    assert "automationDetails" not in json.loads(render_sarif(fx.rich_report()))["runs"][0]


def test_rule_metadata_is_trimmed_to_what_github_takes() -> None:
    labels = tuple(f"label-{i}" for i in range(30))
    info = fx.rule("p", "r", "high", title="t" * 3000, description="d" * 3000, labels=labels)
    ref = fx.model("m")
    report = fx.build_report(rules=[info], models={ref: {info.qualified_id: Status.FAIL}},
                             violations=[fx.finding(ref, info)])
    (rule,) = json.loads(render_sarif(report))["runs"][0]["tool"]["driver"]["rules"]
    assert len(rule["properties"]["tags"]) == SARIF_TAGS_PER_RULE
    assert rule["properties"]["tags"][0] == "security"
    assert len(rule["shortDescription"]["text"]) == 1024
    assert len(rule["fullDescription"]["text"]) == 1024


# --- Job summary -----------------------------------------------------------------------------

def test_the_full_markdown_would_not_land(estate: Report) -> None:
    assert len(render_markdown(estate).encode("utf-8")) > STEP_SUMMARY_BYTES


def test_summary_fits_and_says_what_was_left_out(estate: Report) -> None:
    text = render_markdown(estate, max_bytes=STEP_SUMMARY_BYTES,
                           full_report="the bedrock-drift-report artifact")
    assert len(text.encode("utf-8")) <= STEP_SUMMARY_BYTES
    # Close to the limit: the room is used, not wasted.
    assert len(text.encode("utf-8")) > STEP_SUMMARY_BYTES * 0.9
    head = text[:3000]
    assert "❌ FAIL" in head and "10000 models read" in head
    assert "> [!NOTE]" in head and "bedrock-drift-report artifact" in head
    shown = len(re.findall(r"^\| \*\*critical\*\*|^\| \*\*high\*\*|^\| medium",
                           text, flags=re.MULTILINE))
    note = re.search(r"left out (\d+) of the violations, in (\d+) models", head)
    assert note is not None
    assert shown + int(note.group(1)) == len(estate.violations)
    # Most severe first: more models have a critical violation than fit, so every model
    # shown has one.
    groups = text.split("\n#### ")[1:]
    failing = len({f.model.arn for f in estate.violations})
    assert len(groups) + int(note.group(2)) == failing
    assert all("| **critical**" in group for group in groups)
    # Tables stay whole: each shown model's table has its header.
    assert all("| Severity | Rule | Field | Expected | Actual |" in group for group in groups)


@pytest.mark.parametrize("max_bytes", [8192, 300_000])
def test_summary_fits_any_budget(estate: Report, max_bytes: int) -> None:
    text = render_markdown(estate, max_bytes=max_bytes)
    assert len(text.encode("utf-8")) <= max_bytes
    assert "Trimmed to fit" in text and "JSON report" in text


def test_a_small_summary_is_untouched() -> None:
    report = fx.rich_report()
    assert render_markdown(report, max_bytes=STEP_SUMMARY_BYTES) == render_markdown(report)


# --- Annotations -----------------------------------------------------------------------------

def annotations(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines():
        match = re.match(r"^::(error|warning|notice)[ :](.*)$", line)
        if match:
            found.append((match.group(1), line))
    return found


def test_annotations_stay_within_the_per_step_limit(estate: Report) -> None:
    text = render_github(estate)
    found = annotations(text)
    counts = Counter(level for level, _ in found)
    assert all(n <= ANNOTATIONS_PER_LEVEL for n in counts.values()), counts
    # The result line first, so it is always among those shown.
    assert found[0][0] == "error"
    assert "::FAIL: 10000 models read" in found[0][1]
    # Then the most severe: every error annotation after the result is a critical one.
    assert all("(critical)" in line for level, line in found[1:] if level == "error")
    # One plain line counts the rest.
    plain = [line for line in text.splitlines() if not line.startswith("::")]
    (count_line,) = plain
    total = (1 + len(estate.errors) + len(estate.warnings) + len(estate.violations)
             + len(estate.waived))
    assert f"{total - len(found)} more not annotated" in count_line


def test_result_line_is_shown_with_many_run_errors() -> None:
    errors = [ReportError(code=f"E{i}", message="throttled", region=fx.REGION)
              for i in range(25)]
    report = fx.build_report(rules=[], models={}, errors=errors)
    found = annotations(render_github(report))
    assert found[0][1].startswith("::error title=bedrock-drift::ERROR:")
    assert sum(1 for level, _ in found if level == "error") == ANNOTATIONS_PER_LEVEL


# --- The command line ------------------------------------------------------------------------

def test_check_writes_github_sized_reports_and_warns(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models, waivers = write_estate(tmp_path)
    sarif_file, summary = tmp_path / "out.sarif", tmp_path / "summary.md"
    code, _, err = run_cli([
        "check", "--from", str(models), "-p", str(ROOT / "policies" / "baseline.yaml"),
        "--waivers", str(waivers), "-f", "github", "-o", str(tmp_path / "annotations.txt"),
        "--report", f"sarif:{sarif_file}", "--report", f"markdown:{summary}",
        "--sarif-category", "bedrock-drift/us-east-1",
        "--markdown-max-bytes", str(STEP_SUMMARY_BYTES),
        "--markdown-full-report", "the bedrock-drift-report artifact"], capsys)
    assert code == 1, err
    assert "warning: SARIF: 30267 results are more than GitHub code scanning accepts" in err
    run = json.loads(sarif_file.read_text(encoding="utf-8"))["runs"][0]
    assert len(run["results"]) == SARIF_RESULTS_PER_RUN
    assert run["automationDetails"] == {"id": "bedrock-drift/us-east-1/"}
    assert run["properties"]["leftOut"]["waived"] == 228
    text = summary.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= STEP_SUMMARY_BYTES
    assert "The full report: the bedrock-drift-report artifact." in text
    # What the waived table left out is counted, on a line of its own (not a row of the
    # table), and with the rows it kept accounts for every waived finding.
    left_out = re.findall(r"\n\n_(\d+) waived findings not shown here\._", text)
    assert len(left_out) == 1 and int(left_out[0]) > 0
    assert "|\n_" + left_out[0] + " waived findings" not in text
    shown = text.count("| Keys move to the platform account in SEC-2024. | 2027-06-30 |")
    assert shown + int(left_out[0]) == 228


def test_sarif_include_waived_keeps_them_suppressed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.sarif"
    code, _, err = run_cli([
        "check", "--from", str(ROOT / "examples" / "models"),
        "-p", str(ROOT / "policies" / "baseline.yaml"),
        "--waivers", str(ROOT / "examples" / "waivers.yaml"), "-f", "sarif", "-o", str(out),
        "--sarif-include-waived"], capsys)
    assert code == 1, err
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert sum(1 for r in results if "suppressions" in r) == 1
    assert "warning" not in err


def test_markdown_max_bytes_is_refused_below_its_floor(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli([
        "check", "--from", str(ROOT / "examples" / "models"),
        "-p", str(ROOT / "policies" / "baseline.yaml"), "-f", "markdown",
        "--markdown-max-bytes", "100"], capsys)
    assert code == 2
    assert "--markdown-max-bytes" in err


# --- Policy metadata GitHub would refuse ------------------------------------------------------

@pytest.mark.parametrize(("extra", "line", "message"), [
    pytest.param("    labels: [" + ", ".join(f"l{i}" for i in range(20)) + "]\n", 5,
                 "20 labels, more than 19: GitHub code scanning refuses a rule with more "
                 "than 20 tags", id="twenty-labels"),
    pytest.param("    title: " + "t" * 1025 + "\n", 5,
                 "'title' of 1025 characters, more than 1024", id="long-title"),
    pytest.param("    description: " + "d" * 2000 + "\n", 5,
                 "'description' of 2000 characters, more than 1024", id="long-description"),
])
def test_validation_refuses_what_github_would(tmp_path: Path, extra: str, line: int,
                                              message: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: limits\nrules:\n  - id: r1\n" + extra
                      + "    require: {field: modelName, exists: true}\n", encoding="utf-8")
    code, _, err = run_cli(["validate", str(policy)], capsys)
    assert code == 2
    (problem,) = err.strip().splitlines()
    assert problem.startswith(f"{policy}:{line}:") and message in problem


def test_validation_accepts_nineteen_labels_and_1024_characters(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: limits\nrules:\n  - id: r1\n"
                      "    labels: [" + ", ".join(f"l{i}" for i in range(19)) + "]\n"
                      "    title: " + "t" * 1024 + "\n"
                      "    require: {field: modelName, exists: true}\n", encoding="utf-8")
    code, _, err = run_cli(["validate", str(policy)], capsys)
    assert code == 0, err


def test_merge_takes_the_same_format_options(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    shards = []
    for name in ("research-llama.json", "prod-summarizer.json"):
        out = tmp_path / f"{name}.report.json"
        code, _, err = run_cli(["check", "--from", str(ROOT / "examples" / "models" / name),
                                "-p", str(ROOT / "policies" / "baseline.yaml"),
                                "--waivers", str(ROOT / "examples" / "waivers.yaml"),
                                "-f", "json", "-o", str(out)], capsys)
        assert code in (0, 1), err
        shards.append(str(out))
    sarif_file = tmp_path / "merged.sarif"
    code, _, err = run_cli(["merge", *shards, "-f", "sarif", "-o", str(sarif_file),
                            "--sarif-category", "bedrock-drift/all", "--sarif-include-waived"],
                           capsys)
    assert code == 1, err
    run = json.loads(sarif_file.read_text(encoding="utf-8"))["runs"][0]
    assert run["automationDetails"] == {"id": "bedrock-drift/all/"}
    # research-llama's learning-rate violation is waived: kept, as a suppressed result.
    assert sum(1 for r in run["results"] if "suppressions" in r) == 1
    code, out, err = run_cli(["merge", *shards, "-f", "markdown", "--markdown-max-bytes",
                              "8192", "--markdown-full-report", "merged.json"], capsys)
    assert code == 1, err
    assert len(out.encode("utf-8")) <= 8192


def test_a_cut_for_size_alone_keeps_the_most_severe_too() -> None:
    # Fewer results than the count limit, but too big compressed: the low ones come first
    # in the report, yet the critical ones are kept.
    low, critical = fx.rule("p", "low-rule", "low"), fx.rule("p", "critical-rule", "critical")
    refs = [fx.model(f"model-{i:03d}-{'x' * (i % 7)}") for i in range(300)]
    report = fx.build_report(
        rules=[low, critical],
        models={ref: {low.qualified_id: Status.FAIL, critical.qualified_id: Status.FAIL}
                for ref in refs},
        violations=[*(fx.finding(ref, low) for ref in refs),
                    *(fx.finding(ref, critical) for ref in refs)])
    full = render_sarif(report)
    cap = len(gzip.compress(full.encode("utf-8"), compresslevel=6)) // 2
    results = json.loads(render_sarif(report, max_gzip_bytes=cap))["runs"][0]["results"]
    assert 0 < len(results) < 600
    severities = [r["properties"]["severity"] for r in results]
    assert severities[: min(len(results), 300)] == ["critical"] * min(len(results), 300)


def test_summary_counts_bytes_not_characters() -> None:
    # Four-byte characters in every model name: a budget in characters would overshoot.
    info = fx.rule("p", "r", "high")
    refs = [fx.model(f"модель-🚀-{i:04d}-" + "界" * 40) for i in range(400)]
    report = fx.build_report(rules=[info], models={ref: {info.qualified_id: Status.FAIL}
                                                   for ref in refs},
                             violations=[fx.finding(ref, info) for ref in refs])
    full = render_markdown(report)
    assert len(full) < 180_000 < len(full.encode("utf-8"))
    text = render_markdown(report, max_bytes=180_000)
    assert len(text.encode("utf-8")) <= 180_000
    assert "Trimmed to fit 180,000 bytes" in text


def _bulky_report() -> Report:
    info = fx.rule("p", "r", "high")
    refs = [fx.model(f"model-{i:04d}") for i in range(400)]
    return fx.build_report(rules=[info], models={ref: {info.qualified_id: Status.FAIL}
                                                 for ref in refs},
                           violations=[fx.finding(ref, info, actual=f"key-{i}")
                                       for i, ref in enumerate(refs)])


def test_sarif_measured_quickly_is_held_to_the_exact_size_near_the_limit() -> None:
    """The size is first measured at level 1 (quicker, larger): a log that fits by that
    measure with a margin fits; one that does not is measured at level 6, GitHub's, so a
    log that fits at level 6 alone is still kept whole."""
    report = _bulky_report()
    whole = render_sarif(report)
    data = whole.encode("utf-8")
    exact = len(gzip.compress(data, compresslevel=6))
    quick = len(gzip.compress(data, compresslevel=1))
    assert quick > exact / 0.99  # the quick measure alone would cut this log at `exact`
    kept = json.loads(render_sarif(report, max_gzip_bytes=exact))["runs"][0]
    assert len(kept["results"]) == 400 and kept["properties"]["leftOut"]["overLimits"] == 0
    cut = json.loads(render_sarif(report, max_gzip_bytes=exact - 1))["runs"][0]
    assert 0 < len(cut["results"]) < 400
    assert cut["properties"]["leftOut"]["overLimits"] == 400 - len(cut["results"])


def test_sarif_size_is_measured_alongside_and_a_failure_is_not_lost() -> None:
    import threading

    from checker.reports.sarif import _SIZED_RUN, _sized

    pieces: list[str | bytes] = ["x" * 1000, "é" * (_SIZED_RUN // 3), b"{}" * _SIZED_RUN, "\n"]
    made, size = _sized(iter(pieces))
    assert made == pieces
    text = b"".join(p.encode("utf-8") if isinstance(p, str) else p for p in pieces)
    assert size == len(gzip.compress(text, compresslevel=1))

    before = threading.active_count()

    def broken() -> Iterator[str]:
        yield "a" * _SIZED_RUN
        raise RuntimeError("no more pieces")

    with pytest.raises(RuntimeError, match="no more pieces"):
        _sized(broken())
    assert threading.active_count() == before  # the measuring thread has ended


def test_sarif_size_measure_that_fails_never_leaves_the_maker_waiting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from checker.reports import sarif

    def failing(parts: Iterator[bytes], level: int = 6) -> int:
        next(parts)
        raise MemoryError("compressor")

    monkeypatch.setattr(sarif, "_gzip_size", failing)
    outcome: list[BaseException] = []

    def make() -> None:
        try:
            sarif._sized(iter([b"x" * sarif._SIZED_RUN] * 8))  # more runs than may wait
        except BaseException as error:
            outcome.append(error)

    maker = threading.Thread(target=make, daemon=True)
    maker.start()
    maker.join(timeout=30)
    assert not maker.is_alive(), "the maker waited for a measure that had stopped"
    assert len(outcome) == 1 and isinstance(outcome[0], MemoryError)
