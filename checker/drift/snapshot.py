"""Snapshots: every model document of a source, in a deterministic state file.

Pure: a :class:`~checker.results.SourceResult` in, JSON data and text out. Two snapshots of
the same models are byte-identical but for ``captured_at``: models are sorted by ARN (then
kind and name), every object's keys are sorted, and the text ends with one newline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from checker import TOOL_NAME, __version__
from checker.lang.unknowns import redact_document
from checker.results import (
    PLAN_KEY,
    SENSITIVE,
    SNAPSHOT_SCHEMA_VERSION,
    ModelInput,
    SourceResult,
)


def _sort_key(item: ModelInput) -> tuple[int, str, str, str, str]:
    doc = item.document
    arn = doc.get("modelArn")
    name = doc.get("modelName")
    # Models with an ARN first, by ARN; the rest (planned, jobs) by kind, name and address.
    return (0 if isinstance(arn, str) else 1, arn if isinstance(arn, str) else "", item.kind,
            name if isinstance(name, str) else "", item.address or "")


def _paths(paths: Sequence[tuple[str, ...]]) -> list[list[str]]:
    return [list(path) for path in dict.fromkeys(paths)]


def plan_facts(item: ModelInput) -> dict[str, Any]:
    """What a snapshot keeps of a planned model beside its values, under ``plan``: its
    Terraform address, the fields known only after apply (and the values some can take), and
    the sensitive fields, whose values are not recorded."""
    facts: dict[str, Any] = {}
    if item.address:
        facts["address"] = item.address
    if item.unknown_fields:
        facts["unknown"] = _paths(item.unknown_fields)
    if item.unknown_choices:
        facts["choices"] = [{"paths": _paths(paths), "values": list(values)}
                            for paths, values in item.unknown_choices]
    sensitive = (*item.sensitive_fields, *item.withheld_fields)
    if sensitive:
        facts["sensitive"] = _paths(sensitive)
    return facts


def _entry(item: ModelInput) -> dict[str, Any]:
    document = item.document
    if item.sensitive_fields:
        document = redact_document(document, item.sensitive_fields, SENSITIVE)
    entry = {key: value for key, value in document.items()}
    entry["kind"] = item.kind
    facts = plan_facts(item)
    if facts:
        entry[PLAN_KEY] = facts
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
