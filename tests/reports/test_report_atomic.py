"""Atomic report files: complete or absent, never half-written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.reports import atomic
from checker.reports.atomic import write_atomic


def test_creates_parent_folders_and_writes_utf8(tmp_path: Path) -> None:
    target = tmp_path / "out" / "deep" / "report.md"
    write_atomic(target, "模型 ☃\n")
    assert target.read_text(encoding="utf-8") == "模型 ☃\n"
    assert list(target.parent.iterdir()) == [target]


def test_replaces_an_existing_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_is_not_private(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    old = os.umask(0o022)
    try:
        write_atomic(target, "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_keeps_newlines_as_given(tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    write_atomic(target, "a\r\nb\n")
    assert target.read_bytes() == b"a\r\nb\n"


def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.xml"
    target.write_text("old", encoding="utf-8")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xml"]


# --- a FIFO: --timeout bounds the write ------------------------------------------------------

def _check_into(fifo: Path, tmp_path: Path, timeout: str) -> subprocess.Popen[str]:
    import sys

    from tests.support import ROOT, command_env

    command = Path(sys.executable).parent / "bedrock-drift"
    return subprocess.Popen(
        [str(command), "check", "-p", str(ROOT / "policies" / "baseline.yaml"), "--from",
         str(ROOT / "examples" / "models"), "-f", "json", "-o", str(fifo), "--timeout",
         timeout], env=command_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_report_to_a_fifo_nobody_reads_ends_at_the_timeout(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    process = _check_into(fifo, tmp_path, "1.5")
    out, err = process.communicate(timeout=30)
    elapsed = time.monotonic() - started
    assert process.returncode == 2 and out == ""
    assert err.splitlines() == [f"bedrock-drift: error: {fifo}: cannot write the report: no "
                                "reader took the report from this FIFO within the run's "
                                "--timeout"]
    assert 1.0 < elapsed < 20


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_report_to_a_fifo_that_is_read_is_written_whole(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []

    def reader() -> None:
        time.sleep(0.5)  # the reader comes late, then reads a little at a time
        with open(fifo, encoding="utf-8") as handle:
            while chunk := handle.read(4096):
                received.append(chunk)
                time.sleep(0.01)

    thread = threading.Thread(target=reader)
    thread.start()
    process = _check_into(fifo, tmp_path, "60")
    _, err = process.communicate(timeout=60)
    thread.join(timeout=30)
    assert process.returncode == 1, err
    report = json.loads("".join(received))
    assert report["summary"]["models"] > 0 and report["summary"]["result"] == "fail"


# --- a streamed report: pieces written as they are made ---------------------------------------

def test_pieces_are_written_in_order_and_in_runs(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    made: list[int] = []

    def pieces() -> Iterator[str]:
        for number in range(3000):
            made.append(number)
            yield f"{number},模型\n"

    write_atomic(target, pieces())
    assert target.read_text(encoding="utf-8") == "".join(f"{n},模型\n" for n in range(3000))
    assert made == list(range(3000))
    runs = list(atomic.pieces_of(f"{n}\n" for n in range(40000)))
    assert "".join(runs) == "".join(f"{n}\n" for n in range(40000))
    assert len(runs) > 1 and all(len(run) >= atomic.WRITE_CHARS for run in runs[:-1])


def test_a_stream_that_fails_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.xml"
    target.write_text("old", encoding="utf-8")

    def pieces() -> Iterator[str]:
        yield "x" * (atomic.WRITE_CHARS * 3)
        raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError, match="writer failed"):
        write_atomic(target, pieces())
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xml"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_stream_to_a_fifo_arrives_whole_and_a_slow_reader_meets_the_deadline(
        tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []

    def reader() -> None:
        with open(fifo, encoding="utf-8") as handle:
            while chunk := handle.read(65536):
                received.append(chunk)

    thread = threading.Thread(target=reader)
    thread.start()
    write_atomic(fifo, (f"{n}\n" for n in range(100000)), time.monotonic() + 30)
    thread.join(timeout=30)
    assert "".join(received) == "".join(f"{n}\n" for n in range(100000))
    # A reader that opens the FIFO and never reads: the write ends at the deadline.
    holder = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(TimeoutError):
            write_atomic(fifo, ("y" * 65536 for _ in range(100)), time.monotonic() + 1)
    finally:
        os.close(holder)
