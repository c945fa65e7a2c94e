"""examples/security-lake/ocsf_to_parquet.py: the OCSF report laid out as a Security Lake
custom source takes it (region=/accountId=/eventDay= folders of Parquet, "Collecting data
from custom sources in Security Lake",
https://docs.aws.amazon.com/security-lake/latest/userguide/custom-sources.html).

The layout is checked always; the Parquet write only where pyarrow is installed (it is not a
dependency of bedrock-drift or of its tests: docs/findings.md says why).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from checker.reports import render
from tests.support import ROOT
from tests.support import report_fixtures as fx

SCRIPT = ROOT / "examples" / "security-lake" / "ocsf_to_parquet.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ocsf_to_parquet", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def events() -> list[dict[str, Any]]:
    report = fx.rich_report()
    found: list[dict[str, Any]] = json.loads(render(report, "ocsf"))
    assert found
    return found


def test_every_event_lands_in_its_region_account_and_day() -> None:
    script = load_script()
    found = events()
    folders = script.partitions(found)
    assert sum(len(rows) for rows in folders.values()) == len(found)
    for folder, rows in folders.items():
        region, account, day = folder.split("/")
        for row in rows:
            assert region == f"region={row['cloud']['region']}"
            assert account == f"accountId={row['cloud']['account']['uid']}"
            assert day == "eventDay=20261127"  # the fixtures' clock, 2026-11-27 UTC
        assert [row["time"] for row in rows] == sorted(row["time"] for row in rows)


def test_the_day_is_the_utc_day_of_the_event() -> None:
    script = load_script()
    event = {"cloud": {"region": "eu-west-1", "account": {"uid": "111122223333"}},
             "time": 1796083199999}  # 2026-11-30T23:59:59.999Z
    assert script.partition(event) == ("region=eu-west-1/accountId=111122223333/"
                                       "eventDay=20261130")
    event["time"] += 1
    assert script.partition(event).endswith("eventDay=20261201")


def test_unmapped_becomes_a_map_of_json_text() -> None:
    script = load_script()
    row = script.flattened({"unmapped": {"actual": 0.5, "labels": ["a"], "known": True}})
    assert row["unmapped"] == [("actual", "0.5"), ("labels", '["a"]'), ("known", "true")]


def test_parquet_files_hold_every_event(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    script = load_script()
    found = events()
    written = script.write(found, tmp_path)
    assert sum(pq.read_table(path).num_rows for path in written) == len(found)
    assert all(path.relative_to(tmp_path).parts[0].startswith("region=") for path in written)
