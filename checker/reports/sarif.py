"""SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.

Each violation is a result located at the policy rule it broke (file and line), with the
model as a logical location, so an alert points at the rule and names the model. Models that
could not be read are tool execution notifications, and the invocation is then marked
unsuccessful.

Waived findings are left out by default: GitHub ignores ``suppressions``, so a waived result
would show as an open alert. ``include_waived`` keeps them, as results with an external
suppression, for viewers that honour it.

The log stays within what GitHub code scanning accepts (``limits``): at most 25,000 results
per run and 10 MB gzip-compressed. Past either, the most severe results are kept; the run's
``properties.leftOut`` counts what was left out, a warning notification says how to shard,
and ``warn`` is called with the same sentence.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from queue import Queue
from typing import Any

from checker import INFORMATION_URI, TOOL_NAME
from checker.collector import collector_paused
from checker.reports.atomic import Piece, Utf8Pieces
from checker.reports.json_report import _batches, dumps_indented, exact_actual
from checker.reports.limits import (
    SARIF_DESCRIPTION_CHARS,
    SARIF_GZIP_BYTES,
    SARIF_RESULTS_PER_RUN,
    SARIF_RULE_NAME_CHARS,
    SARIF_TAGS_PER_RULE,
    count_by_severity,
    most_severe_first,
)
from checker.reports.markdown import md_text
from checker.reports.streamed import slots, spliced
from checker.reports.wording import (
    NO_MODELS,
    error_sentence,
    file_uri,
    finding_sentence,
    headline,
    models_read,
)
from checker.results import Finding, Report, ReportError, ReportWarning, RuleInfo, WaiverInfo

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

# SARIF has three levels; GitHub ranks security alerts by security-severity (CVSS-like).
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}

# Bump the suffix only if the fingerprint recipe changes: it would reopen every alert.
FINGERPRINT_KEY = "bedrockDriftFinding/v1"


def render_sarif(report: Report, *, color: bool = False, root: str | None = None,
                 category: str | None = None, include_waived: bool = False,
                 max_results: int = SARIF_RESULTS_PER_RUN,
                 max_gzip_bytes: int = SARIF_GZIP_BYTES,
                 warn: Callable[[str], None] | None = None) -> str:
    """The report as a SARIF 2.1.0 log with one run, within GitHub's upload limits.

    ``root`` is the folder policy paths are made relative to (default: the cwd), which
    should be the repository root for code scanning. ``category`` becomes the run's
    ``automationDetails.id`` (``CATEGORY/``), which keeps the uploads of shards apart.
    ``include_waived`` keeps waived findings as suppressed results. ``warn`` receives one
    sentence when results had to be left out. ``color`` is ignored.
    """
    return "".join(sarif_chunks(report, root=root, category=category,
                                include_waived=include_waived, max_results=max_results,
                                max_gzip_bytes=max_gzip_bytes, warn=warn))


def sarif_chunks(report: Report, *, color: bool = False, root: str | None = None,
                 category: str | None = None, include_waived: bool = False,
                 max_results: int = SARIF_RESULTS_PER_RUN,
                 max_gzip_bytes: int = SARIF_GZIP_BYTES,
                 warn: Callable[[str], None] | None = None) -> Iterable[str]:
    """The text of render_sarif, in pieces (UTF-8 as made; ``str`` when iterated): the log
    around its results, and the results a batch at a time, written as the JSON report's
    entries are (one orjson call a batch), never joined into one string. Its compressed
    size is measured on the same pieces, before the first is given out (the size decides
    which results are in)."""
    # Made now (a log that is too big is cut before any of it is given out), with the
    # collector off: the results' entries would make it walk the whole report again and
    # again, as writing does not (write_output pauses it too).
    with collector_paused():
        return _sarif_parts(report, root=root, category=category,
                            include_waived=include_waived, max_results=max_results,
                            max_gzip_bytes=max_gzip_bytes, warn=warn)


def _sarif_parts(report: Report, *, root: str | None, category: str | None,
                 include_waived: bool, max_results: int, max_gzip_bytes: int,
                 warn: Callable[[str], None] | None) -> Utf8Pieces:
    """sarif_chunks' pieces, made."""
    rules = report.rules
    index = {rule.qualified_id: i for i, rule in enumerate(rules)}
    baseline_used = any(finding.known for finding in report.violations)
    uris: dict[str, str] = {}

    def uri(file: str) -> str:
        # One policy file is named by thousands of results: resolve its path once.
        if file not in uris:
            uris[file] = file_uri(file, root)
        return uris[file]

    make = _Results(index, uri, baseline_used=baseline_used)

    def quick(finding: Finding) -> dict[str, Any]:
        # For orjson (json_report._batches): ``actual`` made exact, as the JSON report's.
        result = make(finding)
        properties = result["properties"]
        properties["actual"] = exact_actual(properties["actual"])
        return result

    # Stands for the results in the log written around them: a NUL and a random token
    # are in no text of the report.
    places = slots(1)

    def pieces(results: Sequence[Finding], over_limit: Sequence[Finding]) -> Iterator[Piece]:
        # The results' list as the JSON report's are written: a batch per orjson call.
        log = _log(report, root, index, places, category, kept=len(results),
                   waived_left_out=waived_left_out, over_limit=over_limit)
        return spliced(dumps_indented(log) + "\n", places, [
            lambda indent: _batches(make, results, indent, quick)])

    candidates = [*report.violations, *(report.waived if include_waived else ())]
    ordered = len(candidates) > max_results
    if ordered:
        # GitHub rejects the whole run past the limit: keep the most severe.
        candidates = most_severe_first(candidates)
    waived_left_out = 0 if include_waived else len(report.waived)
    results = candidates[:max_results]
    parts, estimate = _sized(pieces(results, candidates[len(results):]))
    # Within the bound by the quick measure: within it by the exact one (_QUICK_MARGIN).
    size = estimate if estimate <= max_gzip_bytes * _QUICK_MARGIN else _gzip_size(parts)
    while results and size > max_gzip_bytes:
        if not ordered:
            # A cut for size alone keeps the most severe too.
            candidates, ordered = most_severe_first(candidates), True
            results = candidates[:len(results)]
        # Too big even compressed: cut in proportion, with a margin, until it fits.
        keep = min(len(results) - 1, int(len(results) * max_gzip_bytes / size * 0.95))
        results = results[:keep]
        parts = list(map(_kept, pieces(results, candidates[keep:])))
        size = _gzip_size(parts)
    left_out = len(candidates) - len(results)
    if left_out and warn is not None:
        warn(_left_out_sentence(len(candidates), left_out, candidates[len(results):]))
    return Utf8Pieces(lambda: parts)


def _sized(parts: Iterable[Piece]) -> tuple[list[Piece], int]:
    """The parts, made, and the size of their text compressed at level 1 (_gzip_size),
    worked out on a thread of its own while the parts are made: zlib lets go of the
    interpreter while it compresses, so with a second core free the size costs next to
    nothing. The thread is handed the parts a megabyte at a time, as one string of
    bytes: each time it takes the interpreter back (after each call to compress), it may
    wait for the thread making the parts to let go of it (up to a switch interval, 5 ms)."""
    # At most two runs wait (their bytes are copies of parts): a making that outruns the
    # measuring waits for it.
    queue: Queue[bytes | None] = Queue(maxsize=2)
    sizes: list[int] = []
    failures: list[BaseException] = []
    ended: list[bool] = []  # the last run taken

    def runs() -> Iterator[bytes]:
        while (run := queue.get()) is not None:
            yield run
        ended.append(True)

    def measure() -> None:
        try:
            sizes.append(_gzip_size(runs(), level=1))
        except BaseException as error:  # given to the thread that waits for it
            failures.append(error)
            while not ended and queue.get() is not None:
                pass  # the maker must never wait for a measure that has stopped

    thread = threading.Thread(target=measure, name="sarif-gzip-size", daemon=True)
    thread.start()
    made: list[Piece] = []
    run: list[Piece] = []
    size = 0
    try:
        for part in map(_kept, parts):
            made.append(part)
            run.append(part)
            size += len(part)
            if size >= _SIZED_RUN:
                queue.put(_utf8(run))
                run, size = [], 0
        queue.put(_utf8(run))
    finally:
        queue.put(None)
        thread.join()
    if failures:
        raise failures[0]
    return made, sizes[0]


# Bytes (or characters) of parts handed to the measuring thread at once: a megabyte left
# the least to measure after the last part (4 MB: 0.10-0.11 s for the log of 30 MB here,
# 1 MB and 512 KB: 0.09 s; the making alone 0.08 s).
_SIZED_RUN = 1 << 20
# GitHub's upload compresses at zlib's default level (6); level 1 is two to three times
# quicker, and its size is larger but for a few bytes on text that does not compress at all
# (random bytes: level 6 is 5 bytes larger in 2 MB; on SARIF logs it is 15-20% smaller).
# A log within this share of the bound at level 1 is within the bound at level 6; one
# closer to it is measured at level 6.
_QUICK_MARGIN = 0.99


def _kept(part: Piece) -> Piece:
    """A part kept until the log is written: a view of orjson's text made a copy of its
    bytes alone (the view would keep the whole of orjson's buffer, larger than its text)."""
    return bytes(part) if isinstance(part, memoryview) else part


def _utf8(parts: list[Piece]) -> bytes:
    """The parts' text as one run of UTF-8 bytes (compressed in one call)."""
    return b"".join(part.encode("utf-8") if isinstance(part, str) else part for part in parts)


def _gzip_size(parts: Iterable[Piece], level: int = 6) -> int:
    """len(gzip.compress(text, compresslevel=level)) of the parts' concatenation (UTF-8
    bytes, or text): its header and trailer, and the raw deflate stream, made piece by
    piece."""
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
    size = sum(len(deflate.compress(part.encode("utf-8") if isinstance(part, str) else part))
               for part in parts)
    return _GZIP_FRAME + size + len(deflate.flush())


_GZIP_FRAME = 18  # a gzip member's 10-byte header (no file name) and 8-byte trailer


def _left_out_sentence(total: int, left_out: int, findings: Sequence[Finding]) -> str:
    counts = ", ".join(f"{n} {severity}" for severity, n in count_by_severity(findings).items())
    return (f"SARIF: {total} results are more than GitHub code scanning accepts in one upload "
            f"(25,000 results per run, 10 MB compressed): kept the {total - left_out} most "
            f"severe, left out {left_out} ({counts}); every finding is in the JSON report. "
            "Shard the run (per account with --accounts, or per region with --region), each "
            "shard with its own --sarif-category, so the uploads do not overwrite each other")


def _log(report: Report, root: str | None, index: dict[str, int], results: Sequence[Any],
         category: str | None, *, kept: int, waived_left_out: int,
         over_limit: Sequence[Finding]) -> dict[str, Any]:
    """The log around ``results`` (which may stand for the ``kept`` results written in
    their place); ``index``: each of the report's rules' position."""
    invocation = _invocation(report, index)
    if over_limit:
        invocation["toolExecutionNotifications"].append({
            "level": "warning",
            "descriptor": {"id": "results-left-out"},
            "message": {"text": _left_out_sentence(kept + len(over_limit),
                                                   len(over_limit), over_limit)},
        })
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule, root) for rule in report.rules],
            }
        },
    }
    if category:
        # GitHub reads the category as everything before the last slash.
        run["automationDetails"] = {"id": f"{category}/"}
    run |= {
        "invocations": [invocation],
        "results": results,
        "properties": {
            "modelsRead": report.summary.models,
            "headline": headline(report),
            "summary": _summary(report),
            "failOn": report.fail_on,
            "scanned": {
                "sources": list(report.scanned.sources),
                "accounts": list(report.scanned.accounts),
                "regions": list(report.scanned.regions),
                **({"organization": report.scanned.organization.counts()}
                   if report.scanned.organization is not None else {}),
            },
            # What the results do not carry: waived findings (GitHub would show them as
            # open alerts) and, past GitHub's limits, the least severe ones.
            "leftOut": {
                "waived": waived_left_out,
                "overLimits": len(over_limit),
                "overLimitsBySeverity": count_by_severity(over_limit),
            },
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def fingerprint(finding: Finding) -> str:
    """A hash that stays the same across runs for one rule and one model."""
    return _fingerprint(finding.rule.qualified_id, finding.model.fingerprint_key)


def _fingerprint(rule_id: str, model_key: str) -> str:
    return hashlib.sha256(f"{rule_id}\0{model_key}".encode()).hexdigest()


def _rule(rule: RuleInfo, root: str | None) -> dict[str, Any]:
    title = rule.title or rule.qualified_id
    remediation = rule.remediation or "No remediation is given for this rule."
    help_markdown = f"**{md_text(title)}**\n\nRemediation: {md_text(remediation)}"
    if rule.link:
        help_markdown += f"\n\nMore: {md_text(rule.link)}"
    # GitHub refuses a rule with more than 20 tags and takes 1024 characters of each
    # description; policy validation refuses more, this trims what a merged report carries.
    tags = list(dict.fromkeys(["security", *rule.labels]))[:SARIF_TAGS_PER_RULE]
    entry: dict[str, Any] = {
        "id": rule.qualified_id,
        "name": _clip(rule.id, SARIF_RULE_NAME_CHARS),
        "shortDescription": {"text": _clip(title, SARIF_DESCRIPTION_CHARS)},
        "fullDescription": {"text": _clip(rule.description or title, SARIF_DESCRIPTION_CHARS)},
        "help": {"text": f"Remediation: {remediation}", "markdown": help_markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            # GitHub only ranks alerts by security-severity on rules tagged "security".
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity,
            "policy": rule.policy,
            "policyFile": file_uri(rule.file, root),
            "checkKind": rule.kind,
        },
    }
    if rule.compliance:
        entry["properties"]["compliance"] = {key: list(controls)
                                             for key, controls in rule.compliance}
    if rule.link:
        entry["helpUri"] = rule.link
    return entry


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Results:
    """Makes each finding's result; what a rule's results share (its id, index and
    location) is made once per rule, and shared by its results' dicts."""

    def __init__(self, index: dict[str, int], uri: Callable[[str], str], *,
                 baseline_used: bool) -> None:
        self.index, self.uri, self.baseline_used = index, uri, baseline_used
        # By id(): the rules are the report's, alive while its results are made.
        self.rules: dict[int, tuple[str, dict[str, Any], dict[str, Any]]] = {}

    def rule_parts(self, rule: RuleInfo) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """The rule's id, its results' first keys, and their physical location."""
        parts = self.rules.get(id(rule))
        if parts is None:
            head: dict[str, Any] = {"ruleId": rule.qualified_id}
            if rule.qualified_id in self.index:
                head["ruleIndex"] = self.index[rule.qualified_id]
            physical = {"artifactLocation": {"uri": self.uri(rule.file)},
                        "region": {"startLine": max(rule.line, 1)}}
            parts = self.rules[id(rule)] = (rule.qualified_id, head, physical)
        return parts

    def __call__(self, finding: Finding) -> dict[str, Any]:
        model = finding.model
        rule_id, head, physical = self.rule_parts(finding.rule)
        key = model.fingerprint_key
        hashed = _fingerprint(rule_id, key)
        logical: dict[str, Any] = {"fullyQualifiedName": key, "kind": "resource"}
        if model.name:
            logical["name"] = model.name
        result: dict[str, Any] = {
            **head,
            "level": LEVELS[finding.severity],
            "message": {"text": finding_sentence(finding)},
            "locations": [{"physicalLocation": physical, "logicalLocations": [logical]}],
            # GitHub's upload action computes primaryLocationLineHash from the policy line
            # when it is absent; every model broken by one rule shares that line, so their
            # alerts would merge. Give it the per-(rule, model) hash instead.
            "partialFingerprints": {
                FINGERPRINT_KEY: hashed,
                "primaryLocationLineHash": hashed,
            },
            "properties": {
                "severity": finding.severity,
                "modelArn": model.arn,
                "modelName": model.name,
                "modelKind": model.kind,
                "accountId": model.account_id,
                "region": model.region,
                "field": finding.field,
                "expected": finding.expected,
                "actual": finding.actual,
            },
        }
        if model.address:
            result["properties"]["address"] = model.address
        if finding.known:
            result["properties"]["known"] = True
        if finding.exposure is not None:
            result["properties"]["exposure"] = finding.exposure
        if self.baseline_used:
            # SARIF's own marker for "already present in the baseline run".
            result["baselineState"] = "unchanged" if finding.known else "new"
        if finding.waiver is not None:
            result["suppressions"] = [_suppression(finding.waiver, self.uri)]
        return result


def _suppression(waiver: WaiverInfo, uri: Callable[[str], str]) -> dict[str, Any]:
    return {
        "kind": "external",
        "status": "accepted",
        "justification": waiver.reason,
        "location": {
            "physicalLocation": {
                "artifactLocation": {"uri": uri(waiver.file)},
                "region": {"startLine": max(waiver.line, 1)},
            }
        },
        "properties": {"expires": waiver.expires.isoformat()},
    }


def _invocation(report: Report, index: dict[str, int]) -> dict[str, Any]:
    execution = [_error_notification(error, index) for error in report.errors]
    if report.summary.models == 0:
        execution.append(
            {"level": "warning", "descriptor": {"id": "no-models"}, "message": {"text": NO_MODELS}}
        )
    else:
        execution.append(
            {
                "level": "note",
                "descriptor": {"id": "models-read"},
                "message": {"text": models_read(report)},
            }
        )
    invocation: dict[str, Any] = {
        "executionSuccessful": not report.errors and report.summary.result != "error",
        "endTimeUtc": report.generated_at,
        "toolExecutionNotifications": execution,
    }
    if report.warnings:
        # Waiver problems (expired, stale) are problems of the configuration, not the run.
        invocation["toolConfigurationNotifications"] = [
            _warning_notification(warning) for warning in report.warnings
        ]
    return invocation


def _error_notification(error: ReportError, index: dict[str, int]) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "error",
        "descriptor": {"id": error.code},
        "message": {"text": error_sentence(error)},
        "properties": {
            "modelArn": error.model_arn,
            "modelName": error.model_name,
            "region": error.region,
            "accountId": error.account_id,
            "rule": error.rule,
        },
    }
    if error.address:
        notification["properties"]["address"] = error.address
    if error.rule is not None and error.rule in index:
        notification["associatedRule"] = {"id": error.rule, "index": index[error.rule]}
    if error.model_arn or error.model_name:
        notification["locations"] = [
            {
                "logicalLocations": [
                    {"fullyQualifiedName": error.model_arn or error.address or error.model_name,
                     "kind": "resource"}
                ]
            }
        ]
    return notification


def _warning_notification(warning: ReportWarning) -> dict[str, Any]:
    return {
        "level": "warning",
        "descriptor": {"id": warning.code},
        "message": {"text": warning.message},
    }


def _summary(report: Report) -> dict[str, Any]:
    summary = report.summary
    return {
        "models": summary.models,
        "policies": summary.policies,
        "rules": summary.rules,
        "violations": summary.violations,
        "knownViolations": sum(1 for finding in report.violations if finding.known),
        "waived": summary.waived,
        "errors": summary.errors,
        "notEvaluated": summary.not_evaluated,
        "result": summary.result,
    }
