"""The options shared by the commands, and the small pieces of output they share."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from checker.cli.basics import debug_option as debug_option
from checker.cli.basics import debug_requested as debug_requested
from checker.cli.basics import fail as fail
from checker.cli.basics import silence_stdout as silence_stdout
from checker.collector import collector_paused
from checker.errors import CheckerError, InputError, UsageError
from checker.reports import RENDERERS
from checker.reports.atomic import SymlinkTarget, pieces_of, symlink_problem, write_atomic
from checker.results import Report
from checker.sources.aws import defaults
from checker.sources.aws.accounts import DEFAULT_ROLE_SESSION_NAME, AccountSpec
from checker.sources.aws.request import ReadRequest

DEFAULT_POLICY_PATH = "policies"


def use_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def write_output(text: str | Iterable[str], output: str | None,
                 deadline: float | None = None, *, follow_symlinks: bool = False) -> None:
    """Write a report (a string, or the pieces of a streamed one, written as they are made)
    to ``output``, or to stdout; a stdout that is closed or broken is an
    error (exit 2), never a run that looks as if it printed its report. A symbolic link at
    ``output`` is refused unless ``follow_symlinks``. A FIFO ``output`` nobody reads is an
    error at ``deadline`` (the run's ``--timeout``), not a hang. The cycle collector is
    paused meanwhile: a streamed report is made while it is written, many small objects and
    no cycles, and each collection would walk the whole report again."""
    with collector_paused():
        _write_output(text, output, deadline, follow_symlinks=follow_symlinks)


def _write_output(text: str | Iterable[str], output: str | None, deadline: float | None, *,
                  follow_symlinks: bool) -> None:
    if output is None:
        if sys.stdout is None:
            raise CheckerError("stdout is closed, so the report cannot be written there "
                               "(give -o FILE)")
        try:
            for piece in pieces_of(text):
                click.echo(piece, nl=False)
        except OSError as exc:
            silence_stdout()
            raise CheckerError(f"cannot write the report to stdout: "
                               f"{exc.strerror or exc}") from None
        return
    try:
        write_atomic(output, text, deadline, follow_symlinks=follow_symlinks)
    except SymlinkTarget as exc:
        raise CheckerError(f"{output}: cannot write the report: {exc.strerror}") from None
    except OSError as exc:
        raise CheckerError(f"{output}: cannot write the report: {exc.strerror or exc}") \
            from None


follow_symlinks_option = click.option(
    "--follow-symlinks", is_flag=True,
    help="Write a report through a symbolic link onto a file (refused by default; a link "
         "onto nothing is always refused).")


def refuse_symlinked_outputs(outputs: Sequence[tuple[str, str | None]],
                             follow_symlinks: bool) -> None:
    """UsageError, before anything is read, for a report path that is a symbolic link the
    write would refuse (checked again when the report is written)."""
    for option, path in outputs:
        if path is not None and (problem := symlink_problem(
                path, follow_symlinks=follow_symlinks)) is not None:
            raise UsageError(f"{option} {path} {problem}")


def refuse_overwriting_inputs(outputs: Sequence[tuple[str, str | None]],
                              inputs: Sequence[tuple[str, str | None]]) -> None:
    """UsageError if a report (``(option, path)``) would be written over an input of the run
    (``(what, path)``): ``--from x.json -o x.json`` would destroy the models it judged."""
    read: dict[str, tuple[str, str]] = {}
    for what, path in inputs:
        if path is not None and os.path.isfile(path):
            read.setdefault(os.path.realpath(path), (what, path))
    for option, path in outputs:
        if path is None or not (os.path.isfile(path) or not os.path.exists(path)):
            continue  # a device, a FIFO, /dev/stdout: nothing is replaced
        if (hit := read.get(os.path.realpath(path))) is not None:
            raise UsageError(f"{option} {path} is also an input of this run ({hit[0]} "
                             f"{hit[1]}): the report would overwrite it; write it elsewhere")


def parse_report_option(ctx: click.Context, param: click.Parameter,
                         values: tuple[str, ...]) -> list[tuple[str, str]]:
    """``--report FORMAT:FILE`` values as (format, file) pairs."""
    pairs = []
    for value in values:
        fmt, sep, file = value.partition(":")
        if not sep or not file:
            raise click.BadParameter(f"{value!r}: expected FORMAT:FILE, e.g. "
                                     "sarif:out/results.sarif")
        if fmt not in RENDERERS:
            raise click.BadParameter(f"{value!r}: unknown format {fmt!r} (one of "
                                     f"{', '.join(RENDERERS)})")
        pairs.append((fmt, file))
    return pairs


def read_baseline(path: str) -> Report:
    """The baseline, read as every JSON report is (merge and publish too): validated against
    the report schema and for consistency; InputError naming the file otherwise."""
    from checker.reports.json_reader import read_report
    from checker.sources.files import read_data

    try:
        Path(path).stat()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    return read_report(read_data(path, json_only=True), path)


def print_warnings(problems: Sequence[Any]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


var_options = [
    click.option("--var", "var_items", multiple=True, metavar="NAME=VALUE",
                 help="Set a policy variable (a string; repeatable; wins over --var-file)."),
    click.option("--var-file", "var_files", multiple=True, metavar="FILE",
                 help="YAML mapping of policy variables (repeatable; later files win)."),
]


def with_var_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --var and --var-file options, shared by every command that loads policies."""
    for option in reversed(var_options):
        command = option(command)
    return command


@dataclass(frozen=True)
class LiveOptions:
    """Where and how to read live AWS (ignored when models come from --from)."""

    regions: tuple[str, ...] = ()
    profile: str | None = None
    model_ids: tuple[str, ...] = ()
    workers: int = defaults.DEFAULT_WORKERS
    max_attempts: int = defaults.DEFAULT_MAX_ATTEMPTS
    all_regions: bool = False
    strict_regions: bool = False
    assume_roles: tuple[str, ...] = ()
    external_id: str | None = None
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME
    accounts_file: str | None = None
    include_imported: bool = False
    organization: bool = False
    ous: tuple[str, ...] = ()
    role_name: str | None = None
    exclude_accounts: tuple[str, ...] = ()
    quiet: bool = False
    timeout: float = defaults.DEFAULT_RUN_TIMEOUT
    read_timeout: float = defaults.DEFAULT_READ_TIMEOUT
    allow_regions: tuple[str, ...] = ()

    def request(self, from_paths: Sequence[str] = (), *, needs: frozenset[str] = frozenset(),
                posture: frozenset[str] | None = None,
                include_jobs: bool = False) -> ReadRequest:
        """The read these options ask for (validated: UsageError for options that do not
        fit together)."""
        return ReadRequest(
            from_paths=tuple(from_paths), needs=needs, posture=posture,
            include_jobs=include_jobs,
            **{name: getattr(self, name) for name in LIVE_OPTION_NAMES if name != "quiet"})

    def accounts(self) -> list[AccountSpec]:
        """The accounts to read (none: the credentials' own account); UsageError for
        options that do not fit together, PolicyError for a bad accounts file."""
        return self.request().account_specs()


LIVE_OPTION_NAMES = tuple(LiveOptions.__dataclass_fields__)


org_options = (
    click.option("--organization", is_flag=True,
                 help="Read every ACTIVE account of the AWS Organization (the current "
                 "credentials must be the management account's or a delegated "
                 "administrator's), each through --role-name."),
    click.option("--ou", "ous", multiple=True, metavar="OU_ID",
                 help="With --organization: only the accounts under this organizational unit, "
                 "recursively (repeatable)."),
    click.option("--role-name", metavar="NAME",
                 help="With --organization: the role read in each member account "
                 "(arn:aws:iam::<account>:role/NAME); the calling account is read with the "
                 "current credentials."),
    click.option("--exclude-account", "exclude_accounts", multiple=True, metavar="ID",
                 help="With --organization: leave this account out (repeatable; named in "
                 "the report's warnings)."),
)


def live_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of the live AWS source, shared by every command that reads it; the
    command receives them as one ``live: LiveOptions`` argument."""

    @functools.wraps(command)
    def with_live(*args: Any, **kwargs: Any) -> Any:
        live = LiveOptions(**{name: kwargs.pop(name) for name in LIVE_OPTION_NAMES})
        return command(*args, live=live, **kwargs)

    wrapped: Callable[..., Any] = with_live
    for option in reversed((
        click.option("--region", "regions", multiple=True, metavar="REGION",
                     help="AWS region to read (repeatable; default: the profile's region)."),
        click.option("--allow-region", "allow_regions", multiple=True, metavar="REGION",
                     help="Accept this region name although botocore's partition data does "
                     "not list it (a region newer than the installed botocore; repeatable). "
                     "Any other unknown region is a usage error."),
        click.option("--profile", metavar="PROFILE", help="AWS profile to use."),
        click.option("--model", "model_ids", multiple=True, metavar="NAME|ARN",
                     help="Read only this custom model (repeatable); a missing one is an "
                     "error."),
        click.option("--workers", type=click.IntRange(min=1), default=defaults.DEFAULT_WORKERS,
                     show_default=True, help="AWS requests in flight at once."),
        click.option("--max-attempts", type=click.IntRange(min=1),
                     default=defaults.DEFAULT_MAX_ATTEMPTS, show_default=True,
                     help="Attempts per AWS request (adaptive retry mode)."),
        click.option("--all-regions", is_flag=True,
                     help="Read every region where Bedrock is offered; regions not enabled "
                     "for the account are skipped with a warning."),
        click.option("--strict-regions", is_flag=True,
                     help="With --all-regions: a region not enabled is an error (exit 2)."),
        click.option("--assume-role", "assume_roles", multiple=True, metavar="ROLE_ARN",
                     help="Read the account of this role, assumed with the current "
                     "credentials (repeatable: one account each)."),
        click.option("--external-id", metavar="ID",
                     help="External id for --assume-role (and --accounts roles without one)."),
        click.option("--role-session-name", default=DEFAULT_ROLE_SESSION_NAME,
                     show_default=True, metavar="NAME",
                     help="Session name of the assumed roles (shows in CloudTrail)."),
        click.option("--accounts", "accounts_file", metavar="FILE",
                     help="YAML list of accounts to read (role_arn or profile, optional "
                     "regions and external_id)."),
        click.option("--include-imported", is_flag=True,
                     help="Also judge Custom Model Import models (kind imported)."),
        *org_options,
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress line and no warnings on stderr."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
                     default=defaults.DEFAULT_RUN_TIMEOUT, show_default=True, metavar="SECONDS",
                     help="Time limit of the whole AWS read: what is not read by then is an "
                     "error, and the report is still written."),
        click.option("--read-timeout", type=click.FloatRange(min=0, min_open=True),
                     default=defaults.DEFAULT_READ_TIMEOUT, show_default=True, metavar="SECONDS",
                     help="Socket read timeout of each AWS request; a whole answer must "
                     "arrive within 5 s + 2 x this."),
    )):
        wrapped = option(wrapped)
    return wrapped


def is_tty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
