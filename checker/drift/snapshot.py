"""Snapshots: every model document of a source, in a deterministic state file.

Pure: a :class:`~checker.results.SourceResult` in, JSON data and text out. Two snapshots of
the same models are byte-identical but for ``captured_at``: models are sorted by ARN (then
kind and name), every object's keys are sorted, and the text ends with one newline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from checker import TOOL_NAME, __version__
from checker.results import SNAPSHOT_SCHEMA_VERSION, ModelInput, SourceResult


def _sort_key(item: ModelInput) -> tuple[int, str, str, str]:
    doc = item.document
    arn = doc.get("modelArn")
    name = doc.get("modelName")
    # Models with an ARN first, by ARN; the rest (planned, jobs) by kind and name.
    return (0 if isinstance(arn, str) else 1, arn if isinstance(arn, str) else "", item.kind,
            name if isinstance(name, str) else "")


def _entry(item: ModelInput) -> dict[str, Any]:
    entry = {key: value for key, value in item.document.items()}
    entry["kind"] = item.kind
    return entry


def timestamp(moment: datetime) -> str:
    """ISO-8601, UTC, whole seconds, with a ``Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_snapshot(source: SourceResult, *, captured_at: datetime,
                   tool_version: str = __version__) -> dict[str, Any]:
    """The state file's data: schema version, when and by what it was taken, the accounts
    and regions read, and every model document (with its ``kind``) in a stable order."""
    return {
        "schema_version": SNAPSHOT_SCHEMA_VERSION,
        "captured_at": timestamp(captured_at),
        "tool": {"name": TOOL_NAME, "version": tool_version},
        "sources": list(source.sources),
        "accounts": sorted(set(source.accounts)),
        "regions": sorted(set(source.regions)),
        "models": [_entry(item) for item in sorted(source.models, key=_sort_key)],
    }


def render_snapshot(snapshot: Mapping[str, Any]) -> str:
    """The state file's text: sorted keys, two-space indent, UTF-8 as is, one final newline."""
    return json.dumps(snapshot, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
