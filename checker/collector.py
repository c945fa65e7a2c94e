"""Python's cycle collector paused while many small objects are made and none is a cycle."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while. Judging and writing a report make many
    small objects (results, findings, report entries) and no reference cycles; each full
    collection walks every one made so far, again and again. Reference counting still frees
    them; the collector is on again afterwards, if it was before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
