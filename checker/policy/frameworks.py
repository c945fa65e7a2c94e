"""The catalog of compliance frameworks a rule may be mapped to (``checker/data/frameworks.yaml``).

Plain data and pure checks: the policy loader validates a rule's ``compliance:`` mapping with
:func:`check_compliance`, and the report writers name frameworks and controls with
:func:`catalog`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from checker.lang.context import did_you_mean

CATALOG_FILE = Path(__file__).parents[1] / "data" / "frameworks.yaml"

# A rule's mapping: (framework key, (control id, ...)), in the order the policy gives them.
Compliance = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Framework:
    """One framework of the catalog.

    ``controls`` lists every valid control id where the catalog ships the list (id to title,
    the title possibly empty); it is None where only ``id_pattern`` (and for NIST SP 800-53
    the ``families``) can check an id.
    """

    key: str
    title: str
    version: str
    source: str
    controls: Mapping[str, str] | None
    id_pattern: re.Pattern[str] | None
    families: Mapping[str, str]
    titles: Mapping[str, str]

    def control_title(self, control: str) -> str:
        """The control's title, or '' where the catalog gives none."""
        return self.titles.get(control) or (self.controls or {}).get(control, "")

    def check_control(self, control: str) -> str | None:
        """Why ``control`` is not a control of this framework, or None if it is one."""
        if self.controls is not None:
            if control in self.controls:
                return None
            return (f"unknown control {control!r} of {self.key}"
                    + did_you_mean(control, self.controls))
        if self.id_pattern is not None and not self.id_pattern.fullmatch(control):
            return (f"control {control!r} is not a {self.key} control id (expected the form "
                    f"{self.id_pattern.pattern})")
        if self.families:
            family = control.split("-", 1)[0]
            if family not in self.families:
                return (f"unknown control family {family!r} of {self.key}"
                        + did_you_mean(family, self.families))
        return None


@cache
def catalog() -> Mapping[str, Framework]:
    """Every framework of the shipped catalog, by key."""
    raw = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    return {key: _framework(key, entry) for key, entry in raw["frameworks"].items()}


def _framework(key: str, entry: Mapping[str, Any]) -> Framework:
    controls: dict[str, str] | None = None
    if "controls" in entry:
        controls = {str(k): str(v or "") for k, v in entry["controls"].items()}
    if "control_ranges" in entry:
        controls = {f"{prefix}.{n}": "" for prefix, count in entry["control_ranges"].items()
                    for n in range(1, int(count) + 1)}
    pattern = entry.get("id_pattern")
    return Framework(
        key=key,
        title=str(entry["title"]),
        version=str(entry["version"]),
        source=str(entry["source"]),
        controls=controls,
        id_pattern=re.compile(pattern) if pattern else None,
        families={str(k): str(v) for k, v in entry.get("families", {}).items()},
        titles={str(k): str(v) for k, v in entry.get("titles", {}).items()},
    )


def check_compliance(raw: Any) -> tuple[Compliance, list[tuple[tuple[str | int, ...], str]]]:
    """A rule's ``compliance:`` value checked against the catalog.

    Returns the mapping and the problems, each a path below ``compliance`` (a framework key,
    or a key and a list index) and a message with a "did you mean" where one is close.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if not isinstance(raw, dict) or not raw:
        problems.append(((), "'compliance' must be a mapping of framework keys to lists of "
                             "control ids, e.g. {NIST-800-53-r5: [SC-28]}"))
        return (), problems
    frameworks = catalog()
    mapping: list[tuple[str, tuple[str, ...]]] = []
    for key, controls in raw.items():
        framework = frameworks.get(str(key))
        if framework is None:
            problems.append(((key,), f"unknown compliance framework {key!r}"
                             + did_you_mean(str(key), frameworks)
                             + "; known: " + ", ".join(frameworks)))
            continue
        if (not isinstance(controls, list) or not controls
                or not all(isinstance(c, str) for c in controls)):
            problems.append(((key,), f"{key} takes a non-empty list of control ids "
                                     "(strings)"))
            continue
        seen: list[str] = []
        for index, control in enumerate(controls):
            message = framework.check_control(control)
            if message is not None:
                problems.append(((key, index), message))
            elif control in seen:
                problems.append(((key, index), f"control {control!r} is listed twice"))
            else:
                seen.append(control)
        mapping.append((framework.key, tuple(seen)))
    return tuple(mapping), problems


def controls_of(compliance: Compliance, framework: str) -> tuple[str, ...]:
    """The controls a rule maps to in one framework (empty if it maps to none)."""
    for key, controls in compliance:
        if key == framework:
            return controls
    return ()


def requirement_ids(compliance: Compliance) -> list[str]:
    """``FRAMEWORK/CONTROL`` strings, as ASFF's RelatedRequirements and OCSF show them."""
    return [f"{key}/{control}" for key, controls in compliance for control in controls]
