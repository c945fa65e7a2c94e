"""The progress line of a long live run, rewritten in place on a terminal's stderr."""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from checker import TOOL_NAME

if TYPE_CHECKING:
    from checker.sources.aws.scheduler import FetchProgress


def format_progress(progress: FetchProgress) -> str:
    """``reading AWS: 2/3 accounts, 10/66 regions, 1,234/2,000 models, 1 error``."""
    errors = f"{progress.errors:,} error" + ("" if progress.errors == 1 else "s")
    return (f"{TOOL_NAME}: reading AWS: {progress.accounts_done}/{progress.accounts} "
            f"accounts, {progress.regions_done}/{progress.regions} regions, "
            f"{progress.models:,}/{progress.listed:,} models, {errors}")


def fit_progress(progress: FetchProgress, columns: int) -> str:
    """The progress line in at most ``columns - 1`` characters.

    A line as wide as the terminal (or wider) wraps, and ``\r`` then returns only to the
    start of its last row, leaving the rest on screen at every redraw. Shorter forms are
    tried before the line is cut, so the counts (errors last) stay readable.
    """
    room = max(columns - 1, 1)
    errors = f"{progress.errors:,} err"
    candidates = (
        format_progress(progress),
        format_progress(progress).removeprefix(f"{TOOL_NAME}: "),
        f"AWS: {progress.accounts_done}/{progress.accounts} acct, "
        f"{progress.regions_done}/{progress.regions} reg, "
        f"{progress.models:,}/{progress.listed:,} models, {errors}",
        f"{progress.models:,}/{progress.listed:,} models, {errors}",
    )
    for text in candidates:
        if len(text) <= room:
            return text
    return candidates[-1][:room]


def terminal_columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to (80 when it cannot be told)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return shutil.get_terminal_size((80, 24)).columns or 80


class ProgressLine:
    """One status line on a terminal stream, redrawn with ``\\r`` at most every ``interval``
    seconds (worker threads report far more often than anyone can read), and cleared by
    :meth:`clear` so the report and messages that follow start on a clean line."""

    def __init__(self, stream: TextIO, interval: float = 0.1,
                 clock: Callable[[], float] = time.monotonic,
                 columns: Callable[[], int] | None = None) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        # Asked at every redraw: the terminal may be resized during a long run.
        self.columns = columns or (lambda: terminal_columns(stream))
        self.lock = threading.Lock()
        self.last_draw: float | None = None
        self.width = 0

    def update(self, progress: FetchProgress) -> None:
        """Redraw the line, unless it was drawn less than ``interval`` ago."""
        with self.lock:
            now = self.clock()
            if self.last_draw is not None and now - self.last_draw < self.interval:
                return
            self.last_draw = now
            room = max(self.columns() - 1, 1)
            text = fit_progress(progress, room + 1)
            try:
                # Pad over the rest of a longer earlier line instead of clearing first: no
                # flicker; never past the terminal's last column.
                self.stream.write("\r" + text.ljust(min(self.width, room)))
                self.stream.flush()
            except (OSError, ValueError):
                # A closed or broken terminal must not stop the run: stop drawing instead.
                self.interval = float("inf")
                return
            self.width = len(text)

    def clear(self) -> None:
        """Erase the line (if one was drawn)."""
        with self.lock:
            if self.width:
                try:
                    width = min(self.width, max(self.columns() - 1, 1))
                    self.stream.write("\r" + " " * width + "\r")
                    self.stream.flush()
                except (OSError, ValueError):
                    pass  # the terminal is gone: nothing left to erase
            self.width = 0
