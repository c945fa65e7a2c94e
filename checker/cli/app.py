"""The ``bedrock-drift`` command group and its entry point: where errors become exit codes.

The group imports a command's module only when that command runs (or ``--help`` lists
them all): ``--version`` imports click and nothing else, ``check --from`` no boto3, and no
command the report writers it does not write.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence

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


class LazyGroup(click.Group):
    """A group whose commands are imported when asked for, from ``COMMAND_MODULES``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"checker.cli.{module}")  # registers its commands
        return self.commands.get(cmd_name)


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
