"""Publishing findings to where security teams work: the one part of the tool that writes.

``securityhub`` imports a report's findings into AWS Security Hub (``BatchImportFindings``),
in each finding's own account and region, and archives the ones that no longer hold. It is
an edge package, like ``checker.sources.aws``: it calls boto3 through a session factory that
is passed in, turns a ``Report`` (or its JSON form) into ASFF with ``checker.reports.asff``,
and never imports click. ``checker.cli.publish`` is its command; a Lambda handler can call
:func:`publish_report` directly.
"""

from __future__ import annotations

from checker.publish.securityhub import PublishError, PublishResult, publish_report

__all__ = ["PublishError", "PublishResult", "publish_report"]
