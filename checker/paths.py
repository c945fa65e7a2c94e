"""Command-line paths: files as given, directories expanded to the files of one kind in them."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from checker.errors import CheckerError


def expand_paths(paths: Iterable[str], accept: Callable[[Path], bool], *, what: str,
                 noun: str = "file", error: type[CheckerError] = CheckerError) -> list[str]:
    """Files as given; for a directory, the files directly in it that ``accept`` takes, sorted.

    ``what`` names the files in messages ("policy files (*.yaml, *.yml)"), ``noun`` one of
    them ("policy file"). A directory with none of them, or a path that does not exist, is an
    ``error``. A file named twice (or through a directory and by itself) is read once, so
    nothing is judged or counted twice. An entry of a directory that the name says is one of
    the files (``*.yaml``, say) but that cannot be read (a dangling symbolic link, a loop of
    links, no permission) or is not a regular file is an ``error`` naming it: a file the user
    cannot see being skipped is a rule the user believes is enforced. Subdirectories are not
    read.
    """
    files: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            try:
                entries = sorted(path.iterdir())
            except OSError as exc:
                raise error(f"{raw}: cannot read the directory: {exc.strerror or exc}") \
                    from None
            found = [p for p in entries if accept(p) and _regular(p, noun, error)]
            if not found:
                raise error(f"{raw}: no {what} in this directory")
            files.extend(str(p) for p in found)
        elif path.is_file():
            files.append(str(path))
        elif path.is_symlink():
            _regular(path, noun, error)
            raise error(f"{raw}: not a {noun}")
        else:
            raise error(f"{raw}: no such {noun} or directory")
    unique: dict[str, str] = {}
    for file in files:
        unique.setdefault(os.path.realpath(file), file)
    return list(unique.values())


def _regular(path: Path, noun: str, error: type[CheckerError]) -> bool:
    """True for a readable regular file (through links), False for a directory; ``error``
    for anything else."""
    try:
        info = path.stat()
    except OSError as exc:
        if path.is_symlink():
            if exc.errno == errno.ELOOP:
                raise error(f"{path}: a loop of symbolic links, not a {noun}") from None
            if isinstance(exc, FileNotFoundError):
                raise error(f"{path}: a dangling symbolic link (to {os.readlink(path)}), "
                            f"not a {noun}") from None
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        return False
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: not a regular file, so not a {noun}")
    if not os.access(path, os.R_OK):
        raise error(f"{path}: cannot read: permission denied")
    return True
