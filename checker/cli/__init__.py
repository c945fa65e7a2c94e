"""The command line: click, all I/O and exit codes.

One module per command group, each registering its commands on the group in ``app``:
``check``, ``authoring`` (validate, test, rules, schema), ``drift`` (snapshot, diff),
``merge``, ``permissions`` and ``publish`` (the one command that writes to AWS).
``options`` holds the options the commands share and ``inputs`` the reading of variables,
policies and models; ``progress`` draws the progress line. The only package that imports
click; it may import every other part.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from checker.cli.app import cli, main

if TYPE_CHECKING:
    from checker.cli import authoring, check, drift, merge, permissions, publish
    from checker.cli.check import run_check

# The command modules are imported when a command runs (see ``app.LazyGroup``), or when
# named here.
_MODULES = frozenset({"authoring", "check", "drift", "merge", "permissions", "publish"})


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"checker.cli.{name}")
    if name == "run_check":
        return importlib.import_module("checker.cli.check").run_check
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["authoring", "check", "cli", "drift", "main", "merge", "permissions", "publish",
           "run_check"]
