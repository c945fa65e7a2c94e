"""Writing reports never destroys what is not a report: devices and FIFOs are written to,
inputs are never overwritten, and a stdout that cannot take the report is an error."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from checker.reports.atomic import write_atomic
from tests.support import run_main

COMMAND = Path(sys.executable).parent / "bedrock-drift"
ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/m"
POLICY = "version: 1\nname: p\nrules:\n  - id: r\n    require: {field: modelName, exists: true}\n"


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    (tmp_path / "p.yaml").write_text(POLICY)
    (tmp_path / "m.json").write_text(json.dumps({"modelArn": ARN, "modelName": "m"}))
    return tmp_path


def null_device(tmp_path: Path) -> Path:
    """A character device of our own (the null device's numbers), so a regression replaces
    it and not the machine's /dev/null; a FIFO read in a thread where mknod is not allowed."""
    path = tmp_path / "null"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        os.mkfifo(path)
        threading.Thread(target=lambda: path.read_bytes(), daemon=True).start()
    return path


def test_a_report_onto_a_device_writes_to_it(inputs: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    device = null_device(inputs)
    kind = stat.S_IFMT(device.stat().st_mode)
    result = run_main(capsys, "check", "-p", str(inputs / "p.yaml"), "--from",
                      str(inputs / "m.json"), "-o", str(device))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IFMT(device.stat().st_mode) == kind  # still the device, not a file
    assert not any(p.name.startswith(".null.") for p in inputs.iterdir())


def test_a_report_into_a_fifo_is_read_by_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "report\n")
    reader.join(10)
    assert got == [b"report\n"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_link_is_written_through_only_when_allowed(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with pytest.raises(OSError, match=r"is a symbolic link to .*real\.json"):
        write_atomic(link, "new")
    assert real.read_text() == "old"
    write_atomic(link, "new", follow_symlinks=True)
    assert link.is_symlink() and real.read_text() == "new"


def test_dev_stdout_is_written_to(inputs: Path) -> None:
    done = subprocess.run([str(COMMAND), "check", "-p", str(inputs / "p.yaml"), "--from",
                           str(inputs / "m.json"), "-f", "json", "-o", "/dev/stdout"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["result"] == "pass"
    assert Path("/dev/stdout").is_symlink() or not Path("/dev/stdout").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "m.json", "-o", "m.json"], "-o {d}/m.json is also an input of this run "
                                            "(--from {d}/m.json)"),
    (["--from", "m.json", "--report", "json:p.yaml"], "--report {d}/p.yaml is also an input"),
    (["--from", ".", "-o", "m.json"], "(--from {d}/m.json)"),
    (["--from", "m.json", "--baseline", "base.json", "-o", "base.json"],
     "(--baseline {d}/base.json)"),
    (["--from", "m.json", "--waivers", "w.yaml", "-o", "w.yaml"], "(--waivers {d}/w.yaml)"),
])
def test_a_report_path_that_is_an_input_is_a_usage_error(
        inputs: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        message: str) -> None:
    (inputs / "base.json").write_text('{"schema_version": 1}')
    (inputs / "w.yaml").write_text("waivers: []\n")
    before = {p.name: p.read_bytes() for p in inputs.iterdir() if p.is_file()}
    args = [a if a.startswith("-") or a.startswith("json:") else str(inputs / a) for a in args]
    args = [f"json:{inputs}/{a[5:]}" if a.startswith("json:") else a for a in args]
    result = run_main(capsys, "check", "-p", str(inputs / "p.yaml"), *args)
    assert result.exit_code == 2
    assert message.format(d=inputs) in result.stderr, result.stderr
    assert {p.name: p.read_bytes() for p in inputs.iterdir() if p.is_file()} == before


def test_snapshot_and_merge_never_overwrite_their_inputs(
        inputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models = inputs / "m.json"
    result = run_main(capsys, "snapshot", "--from", str(models), "-o", str(models))
    assert result.exit_code == 2 and "is also an input" in result.stderr
    shard = inputs / "shard.json"
    assert run_main(capsys, "check", "-p", str(inputs / "p.yaml"), "--from", str(models),
                    "-f", "json", "-o", str(shard)).exit_code == 0
    before = shard.read_bytes()
    result = run_main(capsys, "merge", str(shard), "-o", str(shard))
    assert result.exit_code == 2 and "is also an input" in result.stderr
    assert shard.read_bytes() == before


def run_with_stdout(inputs: Path, stdout: int | None,
                    *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(COMMAND), "check", "-p", str(inputs / "p.yaml"), "--from",
                           str(inputs / "m.json"), *extra], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=60, check=False)


def test_a_closed_stdout_is_an_error(inputs: Path) -> None:
    done = subprocess.run(f'"{COMMAND}" check -p "{inputs}/p.yaml" --from "{inputs}/m.json" '
                          ">&-", shell=True, stderr=subprocess.PIPE, text=True, timeout=60,
                          check=False)
    assert done.returncode == 2
    assert "stdout is closed, so the report cannot be written there" in done.stderr
    # With -o, stdout is not needed.
    done = subprocess.run(f'"{COMMAND}" check -p "{inputs}/p.yaml" --from "{inputs}/m.json" '
                          f'-o "{inputs}/r.txt" >&-', shell=True, stderr=subprocess.PIPE,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_a_broken_pipe_is_an_error(inputs: Path) -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        done = run_with_stdout(inputs, write)
    finally:
        os.close(write)
    assert done.returncode == 2
    assert done.stderr.strip() == ("bedrock-drift: error: cannot write the report to stdout: "
                                   "Broken pipe")


def test_a_full_device_is_an_error(inputs: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.fail("/dev/full is missing on this Linux machine")
    with open("/dev/full", "w") as full:
        done = run_with_stdout(inputs, full.fileno())
    assert done.returncode == 2
    assert "cannot write the report to stdout: No space left on device" in done.stderr
