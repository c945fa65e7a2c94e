"""Report outputs never follow a symbolic link onto another file (unless --follow-symlinks)
and never create anything through a dangling link; a policy file too large to be a policy is
refused before it is parsed (issue 22, item 9)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from checker.errors import PolicyError
from checker.policy.loader import MAX_POLICY_BYTES, load_policies, load_policy_text
from checker.reports.atomic import SymlinkTarget, write_atomic
from tests.support import ROOT, command_env

BIN = ROOT / ".venv" / "bin" / "bedrock-drift"
POLICY = ROOT / "policies" / "baseline.yaml"
MODELS = ROOT / "examples" / "models"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120,
                          env=command_env(tmp_path), cwd=tmp_path)


def test_a_link_onto_a_file_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    with pytest.raises(SymlinkTarget, match="is a symbolic link to .*victim.txt; a report is "
                                            r"not written through a link \(--follow-symlinks"):
        write_atomic(link, "{}")
    assert victim.read_text(encoding="utf-8") == "precious" and link.is_symlink()


def test_a_dangling_link_is_refused_even_when_links_are_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "deep" / "r.json"
    link = tmp_path / "report.json"
    link.symlink_to(elsewhere)
    for follow in (False, True):
        with pytest.raises(SymlinkTarget, match="does not exist; a report is never created "
                                                "through a dangling link"):
            write_atomic(link, "{}", follow_symlinks=follow)
    assert not (tmp_path / "elsewhere").exists()


def test_no_folder_is_created_through_a_dangling_folder_link(tmp_path: Path) -> None:
    (tmp_path / "out").symlink_to(tmp_path / "nowhere")
    with pytest.raises(OSError):
        write_atomic(tmp_path / "out" / "nested" / "r.json", "{}")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("option", ["-o", "--report"])
def test_check_refuses_before_reading_anything(tmp_path: Path, option: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(victim)
    target = str(link) if option == "-o" else f"json:{link}"
    result = _run(tmp_path, "check", "-p", str(POLICY), "--from", str(MODELS), option, target)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"bedrock-drift: error: {option} {link} is a symbolic link to {victim}; a report is "
        "not written through a link (--follow-symlinks allows it)"]
    assert victim.read_text(encoding="utf-8") == "precious"
    allowed = _run(tmp_path, "check", "-p", str(POLICY), "--from", str(MODELS), option, target,
                   "--follow-symlinks", "-f", "json")
    assert allowed.returncode in (0, 1), allowed.stderr
    written = victim.read_text(encoding="utf-8")
    assert json.loads(written)["summary"]["models"] == 8


@pytest.mark.parametrize("command", [["snapshot", "--from", str(MODELS)],
                                     ["test", str(ROOT / "policies")]])
def test_other_commands_refuse_links_too(tmp_path: Path, command: list[str]) -> None:
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "victim.txt")
    (tmp_path / "victim.txt").write_text("precious", encoding="utf-8")
    result = _run(tmp_path, *command, "-o", str(link))
    assert result.returncode == 2 and "is a symbolic link to" in result.stderr
    assert (tmp_path / "victim.txt").read_text(encoding="utf-8") == "precious"


def test_dev_stdout_is_still_written(tmp_path: Path) -> None:
    result = _run(tmp_path, "check", "-p", str(POLICY), "--from", str(MODELS), "-f", "json",
                  "-o", "/dev/stdout")
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["summary"]["models"] == 8


# --- policy files too large to be policies --------------------------------------------------

def _flat(size: int) -> str:
    text = "version: 1\nname: big\nrules:\n"
    line = "  - {id: r%d, severity: low, require: {field: modelName, exists: true}}\n"
    parts, i, length = [text], 0, len(text)
    while length < size:  # a running length: summing every part each time is quadratic
        parts.append(line % i)
        length += len(parts[-1])
        i += 1
    return "".join(parts)


def test_a_policy_over_the_limit_is_refused_unparsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(_flat(3_700_000), encoding="utf-8")
    start = time.process_time()
    with pytest.raises(PolicyError) as info:
        load_policies([str(big)])
    assert time.process_time() - start < 0.5  # CPU time: refused without parsing
    assert [str(p) for p in info.value.problems] == [
        f"{big}:1:1: the file is larger than {MAX_POLICY_BYTES // 1024:,} KiB, too large to "
        "be a policy file; refused before parsing"]
    # The same limit for policies that come as bytes (S3, the Lambda function).
    policy, problems = load_policy_text(b"#" * (MAX_POLICY_BYTES + 1), "s3://b/p.yaml")
    assert policy is None and "too large to be a policy file" in problems[0].message


def test_a_policy_at_the_limit_is_read(tmp_path: Path) -> None:
    text = _flat(MAX_POLICY_BYTES - 200)
    text += "#" * (MAX_POLICY_BYTES - len(text.encode()))
    assert len(text.encode()) == MAX_POLICY_BYTES
    path = tmp_path / "edge.yaml"
    path.write_text(text, encoding="utf-8")
    policies, _ = load_policies([str(path)])
    assert policies[0].name == "big"


def test_installed_validate_refuses_a_huge_policy(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(_flat(3_700_000), encoding="utf-8")
    result = _run(tmp_path, "validate", str(big))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"{big}:1:1: the file is larger than 256 KiB, too large to be a policy file; refused "
        "before parsing"]
