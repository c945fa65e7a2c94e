"""Command-line paths: files as given, directories expanded to the files of one kind in them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from checker.errors import CheckerError


def expand_paths(paths: Iterable[str], accept: Callable[[Path], bool], *, what: str,
                 noun: str = "file", error: type[CheckerError] = CheckerError) -> list[str]:
    """Files as given; for a directory, the files directly in it that ``accept`` takes, sorted.

    ``what`` names the files in messages ("policy files (*.yaml, *.yml)"), ``noun`` one of
    them ("policy file"). A directory with none of them, or a path that does not exist, is an
    ``error``. A file named twice (or through a directory and by itself) is read once, so
    nothing is judged or counted twice.
    """
    files: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and accept(p))
            if not found:
                raise error(f"{raw}: no {what} in this directory")
            files.extend(str(p) for p in found)
        elif path.is_file():
            files.append(str(path))
        else:
            raise error(f"{raw}: no such {noun} or directory")
    unique: dict[str, str] = {}
    for file in files:
        unique.setdefault(os.path.realpath(file), file)
    return list(unique.values())
