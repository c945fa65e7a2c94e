"""Where model documents come from: files (``--from``) or live AWS."""

from __future__ import annotations

from dataclasses import dataclass

from checker.results import ModelInput, ReportError, ReportWarning


@dataclass(frozen=True)
class SourceResult:
    """What a source read: the models, what could not be read, and what was scanned."""

    models: tuple[ModelInput, ...]
    errors: tuple[ReportError, ...] = ()
    sources: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    # Worth knowing, not errors: a region skipped as not enabled for the account, say.
    warnings: tuple[ReportWarning, ...] = ()
