"""Atomic report files: complete or absent, never half-written."""

from __future__ import annotations

import os
import stat
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
