"""One run: read what a :class:`CheckRequest` asks for and judge it, for ``check`` and the
Lambda function alike.

Click-free and boto3-free itself: the read goes through :func:`checker.sources.read.read`,
the judging through :func:`checker.engine.evaluate.evaluate`. Neither ``checker.cli`` nor
``checker.aws_lambda`` calls those two directly: each builds a request (from its options or
from its configuration) and calls :func:`run`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from checker.engine.evaluate import evaluate
from checker.policy.loader import Policy
from checker.results import (
    Report,
    ReportError,
    ReportWarning,
    RuleFilters,
    Scanned,
    Severity,
    SourceResult,
)
from checker.sources.aws.request import ReadRequest
from checker.sources.read import Progress, read

if TYPE_CHECKING:
    from checker.sources.aws.clients import SessionFactory


@dataclass(frozen=True)
class CheckRequest:
    """A read and how to judge it: the lowest severity that fails the run, the fewest
    models a read may find, and what selected the rules (recorded in the report)."""

    read: ReadRequest = field(default_factory=ReadRequest)
    fail_on: Severity = "info"
    min_models: int = 0
    rule_filters: RuleFilters = field(default_factory=RuleFilters)
    framework: str | None = None


def judge(policies: Sequence[Policy], source: SourceResult, fail_on: Severity,
          extra_warnings: Sequence[ReportWarning] = (),
          now: datetime | None = None, min_models: int = 0) -> Report:
    """Judge what a source read; the report. Fewer models than ``min_models`` is an error
    (a wrong region or account often reads none)."""
    scanned = Scanned(sources=source.sources, accounts=source.accounts, regions=source.regions,
                      organization=source.organization, reads=source.reads)
    extra_warnings = (*source.warnings, *extra_warnings)
    errors = list(source.errors)
    if len(source.models) < min_models:
        errors.append(ReportError(
            code="TooFewModels",
            message=f"{len(source.models)} models read, fewer than --min-models {min_models}: "
                    "check the regions, accounts or --from paths"))
    judged = itertools.chain(source.models, source.postures)
    return evaluate(policies, judged, scanned=scanned, source_errors=errors,
                    extra_warnings=extra_warnings, fail_on=fail_on, now=now)


def run(request: CheckRequest, policies: Sequence[Policy], *,
        session_factory: SessionFactory | None = None, progress: Progress | None = None,
        source: SourceResult | None = None) -> Report:
    """Read ``request.read`` (or take ``source``, models an event already names) and judge
    it against ``policies``. ``session_factory`` and ``progress`` go to the read."""
    if source is None:
        source = read(request.read, session_factory, progress)
    report = replace(judge(policies, source, request.fail_on, min_models=request.min_models),
                     rule_filters=request.rule_filters)
    if request.framework is not None:
        report = replace(report, framework=request.framework)
    if request.read.model_ids and not request.read.from_paths:
        # Only these models were read: the report says so (publish archives nothing else).
        report = replace(report, scanned=replace(report.scanned,
                                                 models=request.read.model_ids))
    if request.read.include_imported and not request.read.from_paths:
        report = replace(report, scanned=replace(report.scanned, include_imported=True))
    return report
