"""The command line: click, all I/O and exit codes.

One module per command group, each registering its commands on the group in ``app``:
``check``, ``authoring`` (validate, test, rules, schema), ``drift`` (snapshot, diff),
``merge``, ``permissions`` and ``publish`` (the one command that writes to AWS).
``options`` holds the options the commands share and ``inputs`` the reading of variables,
policies and models; ``progress`` draws the progress line. The only package that imports
click; it may import every other part.
"""

from __future__ import annotations

from checker.cli import authoring, check, drift, merge, permissions, publish
from checker.cli.app import cli, main
from checker.cli.check import run_check

__all__ = ["authoring", "check", "cli", "drift", "main", "merge", "permissions", "publish",
           "run_check"]
