"""What the entry point needs before any command is chosen: the --debug option, and the
one-line error and exit code. Imports click and nothing heavier, so ``--version`` stays
quick; ``options`` re-exports these."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from checker import TOOL_NAME


def debug_requested(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get("BEDROCK_DRIFT_DEBUG") == "1"


_LOCATED = re.compile(r"^\S+:\d+:\d+: ")


def fail(lines: Sequence[str], code: int = 2) -> NoReturn:
    from checker.values import redact_userinfo

    for line in map(redact_userinfo, lines):
        # A located problem (FILE:LINE:COL: message) stands bare, as a compiler prints it.
        click.echo(line if _LOCATED.match(line) else f"{TOOL_NAME}: error: {line}", err=True)
    sys.exit(code)


def silence_stdout() -> None:
    """Point stdout at /dev/null after a write to it failed, so Python's own flush at exit
    does not fail again (and change the exit code)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


debug_option = click.option("--debug", is_flag=True, hidden=False,
                            help="Show a traceback for unexpected errors.")
