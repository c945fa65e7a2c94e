"""The check kinds, in one visible table.

Owns one module per check kind, each declaring ``KIND``, its ``CheckKind`` record: its
options' JSON Schema beside its logic, docs, samples and lints; the ``CHECKS`` table that
registers them, one module per name of ``CheckKindName`` (``checker.results``), in that
order; and the inventory rules over a whole run (``inventory``). May import ``lang`` and the
shared types; never ``policy``, ``engine``, ``sources``, ``reports``, boto3 or click.
"""

from __future__ import annotations

from importlib import import_module
from typing import TypeGuard, get_args

from checker.checks.base import Check, CheckKind, Outcome
from checker.results import CheckKindName


def _registered(name: CheckKindName) -> CheckKind:
    """The record ``checker/checks/<name>.py`` declares as ``KIND``."""
    kind = getattr(import_module(f"checker.checks.{name}"), "KIND", None)
    if not isinstance(kind, CheckKind) or kind.name != name:
        raise ImportError(f"checker/checks/{name}.py must declare KIND = CheckKind(name="
                          f"{name!r}, ...)")
    return kind


CHECKS: dict[str, CheckKind] = {
    name: _registered(name) for name in get_args(CheckKindName)
}


def is_check_kind(name: object) -> TypeGuard[CheckKindName]:
    """Whether ``name`` names a check kind (a key of a rule that holds its check)."""
    return isinstance(name, str) and name in CHECKS


__all__ = ["CHECKS", "Check", "CheckKind", "CheckKindName", "Outcome", "is_check_kind"]
