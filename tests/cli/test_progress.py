"""The progress line: only on a terminal's stderr, throttled, cleared; never on stdout."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from checker.cli.progress import ProgressLine, fit_progress, format_progress
from checker.sources import SourceResult, aws
from checker.sources.aws import FetchProgress
from tests.support import run_cli


def progress(models: int = 0, errors: int = 0, **kw: int) -> FetchProgress:
    values = {"accounts_done": 1, "accounts": 3, "regions_done": 10, "regions": 66,
              "models": models, "listed": 2000, "errors": errors, **kw}
    return FetchProgress(**values)


@pytest.mark.parametrize(
    ("snapshot", "text"),
    [
        pytest.param(progress(1234, 1), "bedrock-drift: reading AWS: 1/3 accounts, 10/66 "
                     "regions, 1,234/2,000 models, 1 error", id="one-error"),
        pytest.param(progress(0, 0, listed=0, accounts_done=0, regions_done=0),
                     "bedrock-drift: reading AWS: 0/3 accounts, 0/66 regions, 0/0 models, "
                     "0 errors", id="start"),
        pytest.param(progress(5, 12), "bedrock-drift: reading AWS: 1/3 accounts, 10/66 "
                     "regions, 5/2,000 models, 12 errors", id="errors"),
    ],
)
def test_format(snapshot: FetchProgress, text: str) -> None:
    assert format_progress(snapshot) == text


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_line_is_throttled_redrawn_and_cleared() -> None:
    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, interval=0.1, clock=clock, columns=lambda: 200)
    line.update(progress(100))
    line.update(progress(200))  # too soon: not drawn
    clock.now += 0.2
    line.update(progress(2000, 0, listed=2000))
    first = format_progress(progress(100))
    last = format_progress(progress(2000, 0, listed=2000))
    assert stream.getvalue() == "\r" + first + "\r" + last.ljust(len(first))
    line.clear()
    assert stream.getvalue().endswith("\r" + " " * len(last) + "\r")
    assert "\n" not in stream.getvalue()


def test_clear_without_a_line_writes_nothing() -> None:
    stream = io.StringIO()
    ProgressLine(stream).clear()
    assert stream.getvalue() == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


POLICY = "version: 1\nname: p\nrules:\n  - id: kms\n    kms_key: {required: false}\n"


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY)
    return path


@pytest.fixture
def fake_fetch(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    given: list[Any] = []

    def fetch(factory: Any, **kwargs: Any) -> SourceResult:
        given.append(kwargs["progress"])
        if kwargs["progress"] is not None:
            kwargs["progress"](progress(3, 0, listed=3))
        return SourceResult(models=(), sources=("aws",))

    monkeypatch.setattr(aws, "fetch_models", fetch)
    return given


@pytest.mark.parametrize(
    ("args", "drawn"),
    [
        pytest.param([], True, id="terminal"),
        pytest.param(["--quiet"], False, id="quiet"),
        pytest.param(["-q"], False, id="quiet-short"),
    ],
)
def test_progress_only_on_a_terminal_stderr(fake_fetch: list[Any], policy: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            args: list[str], drawn: bool) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code, out, _ = run_cli(["check", "-p", str(policy), "-f", "json", "--region",
                            "us-east-1", *args], capsys)
    assert code == 0
    assert json.loads(out)["summary"]["models"] == 0  # stdout holds the report only
    assert (fake_fetch[0] is not None) is drawn
    written = terminal.getvalue()
    if drawn:
        assert written.startswith("\rbedrock-drift: reading AWS: 1/3 accounts")
        assert written.endswith("\r")  # cleared before anything else is printed
    else:
        assert written == ""


def test_no_progress_when_stderr_is_not_a_terminal(fake_fetch: list[Any], policy: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["check", "-p", str(policy), "--region", "us-east-1"], capsys)
    assert code == 0
    assert fake_fetch == [None]
    assert "reading AWS" not in err


def test_quiet_silences_warnings(fake_fetch: list[Any], policy: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    variables = tmp_path / "vars.yaml"
    variables.write_text("nobody_declares_this: x\n")  # a warning, not an error
    args = ["check", "-p", str(policy), "--region", "us-east-1", "--var-file",
            str(variables)]
    code, _, err = run_cli(args, capsys)
    assert code == 0 and "warning:" in err and "nobody_declares_this" in err
    code, out, err = run_cli([*args, "--quiet"], capsys)
    assert code == 0 and err == "" and out


class BrokenTerminal(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError("terminal gone")


def test_a_broken_terminal_does_not_stop_the_run() -> None:
    line = ProgressLine(BrokenTerminal(), interval=0)
    line.update(progress(1))
    line.update(progress(2))
    line.clear()
    assert line.interval == float("inf")


@pytest.mark.parametrize(("columns", "text"), [
    pytest.param(120, "bedrock-drift: reading AWS: 1/3 accounts, 10/66 regions, 1,234/2,000 "
                      "models, 1 error", id="wide"),
    pytest.param(80, "reading AWS: 1/3 accounts, 10/66 regions, 1,234/2,000 models, 1 error",
                 id="eighty"),
    pytest.param(60, "AWS: 1/3 acct, 10/66 reg, 1,234/2,000 models, 1 err", id="sixty"),
    pytest.param(30, "1,234/2,000 models, 1 err", id="thirty"),
    pytest.param(12, "1,234/2,000", id="cut"),
])
def test_line_fits_the_terminal(columns: int, text: str) -> None:
    fitted = fit_progress(progress(1234, 1), columns)
    assert fitted == text
    assert len(fitted) < columns  # the last column stays free: no wrap


@pytest.mark.parametrize("columns", [80, 40, 20])
def test_every_draw_stays_within_the_terminal(columns: int) -> None:
    """Drawn on an 80-column terminal (or narrower, or resized narrower mid-run), no write
    reaches the last column, so a redraw never leaves stale rows behind."""
    stream, clock = io.StringIO(), Clock()
    widths = iter([200, columns, columns, columns, columns])
    line = ProgressLine(stream, interval=0.1, clock=clock, columns=lambda: next(widths))
    line.update(progress(5, 0, listed=9))            # drawn wide first
    clock.now += 1
    line.update(progress(123456, 12345, listed=999999))  # then the terminal shrank
    clock.now += 1
    line.update(progress(123457, 12345, listed=999999))
    line.clear()
    draws = stream.getvalue().split("\r")[2:]  # the writes after the wide one
    assert draws and all(len(draw) < columns for draw in draws)
