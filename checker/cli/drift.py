"""``snapshot`` and ``diff``: record every model document, and plan what changed since."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from checker import TOOL_NAME
from checker.cli.app import cli
from checker.cli.inputs import input_files, print_source_warnings, read_source
from checker.cli.options import (
    LiveOptions,
    debug_option,
    follow_symlinks_option,
    live_options,
    refuse_overwriting_inputs,
    refuse_symlinked_outputs,
    use_color,
    write_output,
)
from checker.drift.diff import diff_models, render_plan_json, render_plan_text
from checker.drift.snapshot import build_snapshot, render_snapshot
from checker.engine.evaluate import utc_now
from checker.errors import CheckerError
from checker.lang.arns import arn_checks_off
from checker.results import (
    ModelInput,
    SourceResult,
)
from checker.sources.files import convert, load_documents, read_data

# A snapshot records every model as a reviewer would want to compare it: tags included.
SNAPSHOT_NEEDS = frozenset({"tags"})


def _unread(source: SourceResult) -> list[str]:
    """What a source could not read: regions, models, and per-model enrichments."""
    lines = [f"{e.code}: {e.message}" + (f" [{e.model_name or e.model_arn or e.region}]"
                                         if (e.model_name or e.model_arn or e.region) else "")
             for e in source.errors]
    for item in source.models:
        for key, (code, message) in sorted(item.enrichment_errors.items()):
            name = item.document.get("modelName") or item.document.get("modelArn")
            lines.append(f"{code}: {key} of {name}: {message}")
    return lines


def _describe_source(source: SourceResult) -> str:
    where = "live AWS" if tuple(source.sources) == ("aws",) else ", ".join(source.sources) \
        or "nothing"
    regions = f" in {', '.join(source.regions)}" if source.regions else ""
    return f"{where}{regions} ({len(source.models):,} " \
           f"{'model' if len(source.models) == 1 else 'models'})"


@cli.command()
@click.option("--from", "from_paths", multiple=True, metavar="FILE|DIR",
              help="Read model documents from files instead of AWS (repeatable).")
@live_options
@click.option("-o", "--output", required=True, metavar="FILE",
              help="The state file to write (atomically).")
@follow_symlinks_option
@debug_option
def snapshot(from_paths: tuple[str, ...], output: str, follow_symlinks: bool, debug: bool,
             live: LiveOptions) -> None:
    """Record every model document, tags included, in a deterministic state file.

    Two snapshots of unchanged models differ only in captured_at. Nothing is written when
    any region, model or tag list could not be read (exit 2).
    """
    refuse_symlinked_outputs([("-o", output)], follow_symlinks)
    refuse_overwriting_inputs([("-o", output)], [*input_files(None, from_paths),
                                                 ("--accounts", live.accounts_file)])
    source = read_source(from_paths, (), live, needs=SNAPSHOT_NEEDS)
    print_source_warnings(source, live)
    unread = _unread(source)
    if unread:
        for line in unread:
            click.echo(f"{TOOL_NAME}: error: {line}", err=True)
        raise CheckerError(f"snapshot not written to {output}: {len(unread)} "
                           f"{'thing' if len(unread) == 1 else 'things'} could not be read, "
                           "and an incomplete snapshot would show them as removed later")
    data = build_snapshot(source, captured_at=utc_now())
    write_output(render_snapshot(data), output, follow_symlinks=follow_symlinks)
    click.echo(f"Snapshot of {_describe_source(source)} written to {output}.", err=True)


def _within_scanned(models: Sequence[ModelInput],
                    source: SourceResult) -> tuple[list[ModelInput], int]:
    """The baseline models in the regions a live run read, and how many others there are: a
    model in a region that was not read has not disappeared. (Accounts are not filtered:
    the accounts a run read are known only from the models it found, so an account whose
    models were all deleted would hide their removal.)"""
    regions = set(source.regions)
    kept = [m for m in models
            if not isinstance(region := m.document.get("region"), str) or region in regions]
    return kept, len(models) - len(kept)


@cli.command()
@click.argument("baseline", metavar="BASELINE")
@click.option("--against", "against", multiple=True, metavar="FILE|DIR",
              help="Compare with these files instead of live AWS (repeatable).")
@click.option("--from", "from_paths", multiple=True, metavar="FILE|DIR",
              help="Same as --against.")
@live_options
@click.option("--ignore", "ignore", multiple=True, metavar="FIELD_GLOB",
              help="Leave fields out of the comparison, e.g. 'trainingMetrics.*' "
                   "(repeatable).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@debug_option
def diff(baseline: str, against: tuple[str, ...], from_paths: tuple[str, ...],
         ignore: tuple[str, ...], fmt: str, debug: bool, live: LiveOptions) -> None:
    """Show what changed since BASELINE (a snapshot or model documents), like terraform plan.

    Exit codes: 0 no drift, 1 drift, 2 error (including anything that could not be read).
    """
    captured: Any = None
    # A diff compares documents and judges nothing: a document whose ARNs are not
    # well-formed is shown as it is rather than refused.
    with arn_checks_off():
        if Path(baseline).is_dir():
            base_models = list(load_documents([baseline]).models)
        else:
            base_data = read_data(baseline)
            base_models = convert(base_data, baseline)
            captured = base_data.get("captured_at") if isinstance(base_data, dict) else None
        source = read_source((*against, *from_paths), (), live, needs=SNAPSHOT_NEEDS)
    print_source_warnings(source, live)
    unread = _unread(source)
    if unread:
        # No plan at all: every model that could not be read would show as removed.
        for line in unread:
            click.echo(f"{TOOL_NAME}: error: {line}", err=True)
        raise CheckerError("the current state could not be read completely; no plan is shown, "
                           "since the models not read would look removed")
    if not (against or from_paths):
        base_models, skipped = _within_scanned(base_models, source)
        if skipped:
            click.echo(f"{TOOL_NAME}: warning: {skipped} baseline "
                       f"{'model is' if skipped == 1 else 'models are'} in regions this run "
                       "did not read, and not compared (give the snapshot's regions with "
                       "--region or --all-regions)", err=True)
    plan = diff_models(base_models, source.models, ignore)
    base_label = (f"{baseline} ("
                  + (f"captured {captured}, " if isinstance(captured, str) else "")
                  + f"{len(base_models):,} {'model' if len(base_models) == 1 else 'models'})")
    current_label = _describe_source(source)
    if fmt == "json":
        click.echo(render_plan_json(
            plan,
            baseline={"source": baseline, "captured_at": captured, "models": len(base_models)},
            current={"sources": list(source.sources), "regions": list(source.regions),
                     "accounts": list(source.accounts), "models": len(source.models)}),
            nl=False)
    else:
        click.echo(render_plan_text(plan, baseline=base_label, current=current_label,
                                    color=use_color(sys.stdout)), nl=False)
    sys.exit(1 if plan.has_drift else 0)
