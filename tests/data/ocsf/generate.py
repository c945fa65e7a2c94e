"""Regenerate compliance_finding.schema.json: the JSON Schema of OCSF 1.5.0's Compliance
Finding (class 2003) with the cloud and datetime profiles, and every object it refers to.

    pip install ocsf-lib==0.10.4 ocsf-json-schema==1.2.0     # not project dependencies
    git clone https://github.com/ocsf/ocsf-schema && git -C ocsf-schema checkout 1.5.0
    python -m ocsf.compile ocsf-schema > compiled.json
    python tests/data/ocsf/generate.py compiled.json

README.md beside this file says why and how it was checked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

CLASS = "compliance_finding"
PROFILES = ["cloud", "datetime"]
VERSION = "1.5.0"
OUT = Path(__file__).parent / "compliance_finding.schema.json"


def main(compiled_path: str) -> None:
    from ocsf_json_schema import OcsfJsonSchema, get_ocsf_schema  # type: ignore[import-not-found]

    # The OCSF server's export of 1.5.0, as ocsf-json-schema packages it.
    export = get_ocsf_schema(VERSION)
    assert export["version"] == VERSION
    _check_against_the_repository(export, json.loads(Path(compiled_path).read_text("utf-8")))
    # The export carries the Linux and Windows extensions; the core schema does not.
    for group in ("classes", "objects"):
        for item in export[group].values():
            attributes = item.get("attributes", {})
            for name in [n for n, a in attributes.items() if "/" in (a.get("object_type") or "")
                         or "/" in n]:
                del attributes[name]
    schema = OcsfJsonSchema(export)
    root = schema.get_class_schema(CLASS, PROFILES)
    objects: dict[str, Any] = {}
    pending = list(_refs(root))
    while pending:
        uri = pending.pop()
        if uri in objects:
            continue
        objects[uri] = schema.get_schema_from_uri(uri)
        pending.extend(_refs(objects[uri]))
    bundle = {"class": root, "objects": dict(sorted(objects.items()))}
    OUT.write_text(json.dumps(bundle, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(objects)} objects)")


def _check_against_the_repository(export: dict[str, Any], compiled: dict[str, Any]) -> None:
    """Every attribute of the class and of every object, with its requirement, is the same
    in the export as in the repository's tag compiled by ocsf-lib; attributes whose profile
    differs are printed (the export leaves some profiles out, which only allows more)."""
    def shape(item: dict[str, Any]) -> dict[str, Any]:
        return {name: a.get("requirement") for name, a in item.get("attributes", {}).items()}

    def profiles(item: dict[str, Any]) -> dict[str, Any]:
        return {name: a.get("profile") for name, a in item.get("attributes", {}).items()}
    pairs = [(CLASS, export["classes"][CLASS], compiled["classes"][CLASS])]
    pairs += [(name, item, compiled["objects"][name]) for name, item in export["objects"].items()
              if name in compiled["objects"]]
    for name, ours, theirs in pairs:
        assert shape(ours) == shape(theirs), name
        a, b = profiles(ours), profiles(theirs)
        for attribute in sorted(k for k in a if a[k] != b[k]):
            print(f"{name}.{attribute}: profile {a[attribute]} in the export, "
                  f"{b[attribute]} in the repository")


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_refs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_refs(item))
    return found


if __name__ == "__main__":
    main(sys.argv[1])
