"""The progress line of a long live run, rewritten in place on a terminal's stderr."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO

from checker import TOOL_NAME
from checker.sources.aws import FetchProgress


def format_progress(progress: FetchProgress) -> str:
    """``reading AWS: 2/3 accounts, 10/66 regions, 1,234/2,000 models, 1 error``."""
    errors = f"{progress.errors:,} error" + ("" if progress.errors == 1 else "s")
    return (f"{TOOL_NAME}: reading AWS: {progress.accounts_done}/{progress.accounts} "
            f"accounts, {progress.regions_done}/{progress.regions} regions, "
            f"{progress.models:,}/{progress.listed:,} models, {errors}")


class ProgressLine:
    """One status line on a terminal stream, redrawn with ``\\r`` at most every ``interval``
    seconds (worker threads report far more often than anyone can read), and cleared by
    :meth:`clear` so the report and messages that follow start on a clean line."""

    def __init__(self, stream: TextIO, interval: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
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
            text = format_progress(progress)
            try:
                # Pad over the rest of a longer earlier line instead of clearing first: no
                # flicker.
                self.stream.write("\r" + text.ljust(self.width))
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
                    self.stream.write("\r" + " " * self.width + "\r")
                    self.stream.flush()
                except (OSError, ValueError):
                    pass  # the terminal is gone: nothing left to erase
            self.width = 0
