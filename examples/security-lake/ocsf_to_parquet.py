"""Lay an OCSF report out as an Amazon Security Lake custom source takes it: Parquet files,
one OCSF class per source, under region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/
("Collecting data from custom sources in Security Lake",
https://docs.aws.amazon.com/security-lake/latest/userguide/custom-sources.html).

    pip install pyarrow          # not a bedrock-drift dependency: 55 MB wheel, 170 MB installed
    bedrock-drift check -f ocsf -o findings.ocsf.json
    python examples/security-lake/ocsf_to_parquet.py findings.ocsf.json out/
    aws s3 sync out/ s3://<security-lake-bucket>/ext/<custom-source-name>/   # the source's role

The partitions come from each event: ``cloud.region``, ``cloud.account.uid`` and the UTC
day of ``time``. ``unmapped`` is written as a map of JSON strings (its values vary in type
from one event to the next, which a Parquet column cannot). Standard library but pyarrow.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def partition(event: dict[str, Any]) -> str:
    """The event's folder: region=<region>/accountId=<account>/eventDay=<YYYYMMDD>."""
    region = event["cloud"]["region"]
    account = event["cloud"]["account"]["uid"]
    day = datetime.fromtimestamp(event["time"] / 1000, tz=timezone.utc).strftime("%Y%m%d")
    return f"region={region}/accountId={account}/eventDay={day}"


def flattened(event: dict[str, Any]) -> dict[str, Any]:
    """The event as a Parquet row: ``unmapped`` as {key: JSON text}."""
    row = dict(event)
    row["unmapped"] = [(key, json.dumps(value)) for key, value in
                       event.get("unmapped", {}).items()]
    return row


def partitions(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The events grouped by folder, rows ready for Parquet, sorted by time in each."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        grouped[partition(event)].append(flattened(event))
    return {folder: sorted(rows, key=lambda row: row["time"])
            for folder, rows in sorted(grouped.items())}


def write(events: list[dict[str, Any]], out: Path, name: str = "bedrock-drift") -> list[Path]:
    """One Parquet file per partition under ``out``; their paths."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = []
    for folder, rows in partitions(events).items():
        path = out / folder / f"{name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows)
        unmapped = pa.array([row["unmapped"] for row in rows], type=pa.map_(pa.string(),
                                                                             pa.string()))
        table = table.set_column(table.schema.get_field_index("unmapped"), "unmapped",
                                 unmapped)
        pq.write_table(table, path, compression="zstd")
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: ocsf_to_parquet.py REPORT.ocsf.json OUT_DIR", file=sys.stderr)
        return 2
    events = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    for path in write(events, Path(argv[1])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
