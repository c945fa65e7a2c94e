"""Writing report files so that a crash never leaves a half-written one behind."""

from __future__ import annotations

import contextlib
import errno
import os
import select
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

# How often a FIFO with no reader yet is tried again.
FIFO_POLL_SECONDS = 0.05
# Streamed pieces are written in runs of about this many characters.
WRITE_CHARS = 1 << 16


# A piece of a streamed text: UTF-8 bytes, or text to encode when it is written.
Piece = bytes | memoryview | str


class Utf8Pieces:
    """A streamed text made mostly as UTF-8 bytes (the JSON report: orjson writes bytes).

    Iterated, it gives its pieces as ``str``, as any streamed report does; written to a file
    (``write_atomic``), its bytes go out as they are made, never decoded and encoded again,
    which for a report of tens of megabytes is most of what writing it costs. A piece may
    also be a ``str`` (text made by a writer that works in text), encoded when written.
    """

    def __init__(self, make: Callable[[], Iterable[Piece]]) -> None:
        self._make = make

    def utf8(self) -> Iterator[bytes | memoryview]:
        """The text's UTF-8 bytes, piece by piece."""
        for piece in self._make():
            yield piece.encode("utf-8") if isinstance(piece, str) else piece

    def __iter__(self) -> Iterator[str]:
        for piece in self._make():
            yield piece if isinstance(piece, str) else str(piece, "utf-8")


class SymlinkTarget(OSError):
    """A report path that is a symbolic link onto a file (or onto nothing)."""


def symlink_problem(path: str | os.PathLike[str], *, follow_symlinks: bool = False) -> str | None:
    """Why a report may not be written at ``path``, or None: a symbolic link onto a regular
    file is refused unless ``follow_symlinks`` (a link planted there could turn a report
    into an overwrite of any file the run may write); a link onto nothing is always refused,
    as is one whose target's folder does not exist: no file or folder is created through a
    dangling link. A link onto a device or a pipe (``/dev/stdout``) is written through."""
    target = Path(path)
    if not target.is_symlink():
        return None
    try:
        info = target.stat()
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        return None
    pointed = os.readlink(target)
    if info is None:
        return (f"is a symbolic link to {pointed}, which does not exist; a report is never "
                "created through a dangling link")
    if not follow_symlinks:
        return (f"is a symbolic link to {pointed}; a report is not written through a link "
                "(--follow-symlinks allows it)")
    return None


def pieces_of(text: str | Iterable[str]) -> Iterator[str]:
    """``text``, or the pieces of a streamed report gathered into runs of at least
    WRITE_CHARS characters (one write each)."""
    if isinstance(text, str):
        yield text
        return
    run: list[str] = []
    size = 0
    for piece in text:
        run.append(piece)
        size += len(piece)
        if size >= WRITE_CHARS:
            yield "".join(run)
            run, size = [], 0
    if run:
        yield "".join(run)


def blocks_of(text: str | Iterable[str]) -> Iterator[bytes | memoryview]:
    """``text`` as UTF-8 bytes, in the runs ``pieces_of`` makes (a ``Utf8Pieces`` in its own
    pieces, as made)."""
    if isinstance(text, Utf8Pieces):
        return text.utf8()
    return (piece.encode("utf-8") for piece in pieces_of(text))


def write_atomic(path: str | os.PathLike[str], text: str | Iterable[str],
                 deadline: float | None = None, *, follow_symlinks: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path``, creating parent folders. ``text`` is a string or
    an iterable of strings (a streamed report, maybe ``Utf8Pieces``), written piece by piece
    as it is made.

    The text goes to a temporary file in the same folder, is flushed to disk, and then
    replaces ``path`` in one rename: readers see the old file or the new one, never part.
    A ``path`` that is not a regular file (a character device such as ``/dev/null``, a FIFO,
    ``/dev/stdout``) is written to directly. A symbolic link onto a file is refused
    (SymlinkTarget) unless ``follow_symlinks``, and one onto nothing always is. A FIFO is
    written to by ``deadline`` (a ``time.monotonic()`` instant; None: no limit) or not at
    all: :class:`TimeoutError` when no reader takes the report in time.
    """
    if (problem := symlink_problem(path, follow_symlinks=follow_symlinks)) is not None:
        raise SymlinkTarget(errno.ELOOP, problem, str(path))
    target = Path(path)
    try:
        info = target.stat()  # through links
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
        # A terminal, a pipe, /dev/null, /dev/stdout: written to as it is. Renaming a file
        # over it would destroy what is not a report (as root, /dev/null for everyone).
        if stat.S_ISFIFO(info.st_mode) and deadline is not None:
            _write_fifo(target, blocks_of(text), deadline)
            return
        with open(target, "wb") as handle:
            for block in blocks_of(text):
                handle.write(block)
        return
    if target.is_symlink():
        # Replace the file the link points to, not the link.
        target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            for block in blocks_of(text):
                handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, _mode_for(target))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def _fifo_timeout(path: Path) -> TimeoutError:
    return TimeoutError(errno.ETIMEDOUT, "no reader took the report from this FIFO within the "
                                         "run's --timeout", str(path))


def _write_fifo(path: Path, blocks: Iterable[bytes | memoryview], deadline: float) -> None:
    """Write ``blocks`` to the FIFO ``path`` by ``deadline``. Opening a FIFO for writing
    blocks until a reader opens it, and a write blocks while the reader does not read: both
    are done without blocking, waiting at most until the deadline."""
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader has the FIFO open yet
                raise
        if time.monotonic() >= deadline:
            raise _fifo_timeout(path)
        time.sleep(FIFO_POLL_SECONDS)
    try:
        for data in blocks:
            _write_all(fd, memoryview(data), path, deadline)
    finally:
        os.close(fd)


def _write_all(fd: int, view: memoryview, path: Path, deadline: float) -> None:
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _fifo_timeout(path)
        _, writable, _ = select.select([], [fd], [], left)
        if writable:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue


def _mode_for(target: Path) -> int:
    """Keep an existing file's mode; else what a plain open() would give (0666 - umask).

    mkstemp creates 0600 files, which would surprise whoever reads the report next.
    """
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
