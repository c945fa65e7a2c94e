"""Atomic report files: complete or absent, never half-written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
import time
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
