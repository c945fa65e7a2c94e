"""The ``bedrock-drift`` command group and its entry point: where errors become exit codes.

The group imports a command's module only when that command runs (or ``--help`` lists
them all): ``--version`` imports click and nothing else, ``check --from`` no boto3, and no
command the report writers it does not write.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Iterator, Sequence
from typing import Any

import click

from checker import TOOL_NAME, __version__
from checker.cli.basics import debug_option, debug_requested, fail, silence_stdout
from checker.errors import CheckerError

# Each command and the module of checker.cli that defines it (with @cli.command).
COMMAND_MODULES = {
    "check": "check",
    "diff": "drift",
    "merge": "merge",
    "permissions": "permissions",
    "publish": "publish",
    "rules": "authoring",
    "schema": "authoring",
    "snapshot": "drift",
    "test": "authoring",
    "validate": "authoring",
}


class _Commands(dict[str, click.Command]):
    """The group's commands by name: a command's module is imported the first time the
    command is looked up (``cli.commands["check"]``, ``"check" in cli.commands``), and all
    of them when the whole table is read. The modules add their commands with
    ``@cli.command``."""

    def _import(self, name: object) -> None:
        module = COMMAND_MODULES.get(name) if isinstance(name, str) else None
        if module is not None and not dict.__contains__(self, name):
            importlib.import_module(f"checker.cli.{module}")

    def _import_all(self) -> None:
        for name in COMMAND_MODULES:
            self._import(name)

    def __contains__(self, name: object) -> bool:
        self._import(name)
        return dict.__contains__(self, name)

    def __getitem__(self, name: str) -> click.Command:
        self._import(name)
        return dict.__getitem__(self, name)

    def get(self, name: str, default: Any = None) -> Any:
        self._import(name)
        return dict.get(self, name, default)

    def __iter__(self) -> Iterator[str]:
        self._import_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._import_all()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._import_all()
        return dict.keys(self)

    def values(self) -> Any:
        self._import_all()
        return dict.values(self)

    def items(self) -> Any:
        self._import_all()
        return dict.items(self)


class LazyGroup(click.Group):
    """A group whose commands are imported when asked for, from ``COMMAND_MODULES``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100})
@click.version_option(__version__, prog_name=TOOL_NAME)
@debug_option
def cli(debug: bool) -> None:
    """Policy engine and drift checker for Amazon Bedrock custom models.

    Exit codes: 0 every model was read and judged and nothing failed; 1 a violation at or
    above --fail-on; 2 the run cannot be trusted (bad usage, a policy or input error, or
    anything that could not be read or judged).
    """


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: one error line and exit code 2 for bad input, never a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = debug_requested(args)
    try:
        cli.main(args=args, prog_name=TOOL_NAME, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo(f"{TOOL_NAME}: aborted", err=True)
        sys.exit(2)
    except CheckerError as exc:
        if debug:
            traceback.print_exc()
        fail(exc.lines(), exc.exit_code)
    except BrokenPipeError:
        silence_stdout()
        fail(["stdout was closed before everything was written to it"])
    except KeyboardInterrupt:
        click.echo(f"{TOOL_NAME}: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        fail([f"internal error: {type(exc).__name__}: {exc} (run with --debug for a "
               "traceback)"])
    sys.exit(0)
