"""Directories never skip silently: an entry of a --policy, --from or test directory that
looks like one of its files but cannot be read is an error naming it, in every command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support import run_main

ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/m"
POLICY = "version: 1\nname: p\nrules:\n  - id: r\n    require: {field: modelName, exists: true}\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.yaml").write_text(POLICY)
    (tmp_path / "policies" / "p_test.yaml").write_text(
        "version: 1\ncases:\n  - name: c\n    model: {modelName: m}\n    expect: {r: pass}\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.json").write_text(json.dumps({"modelArn": ARN, "modelName": "m"}))
    snapshot = tmp_path / "snap.json"
    assert run_main_ok(["snapshot", "--from", str(tmp_path / "models"), "-o", str(snapshot)])
    return tmp_path


def run_main_ok(args: list[str]) -> bool:
    from checker.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return exc.code == 0
    return True


def break_entry(folder: Path, name: str, how: str) -> tuple[Path, str]:
    entry = folder / name
    if how == "dangling":
        entry.symlink_to(folder / "gone.yaml")
        return entry, f"{entry}: a dangling symbolic link (to {folder / 'gone.yaml'})"
    if how == "loop":
        entry.symlink_to(entry)
        return entry, f"{entry}: a loop of symbolic links"
    if how == "fifo":
        os.mkfifo(entry)
        return entry, f"{entry}: not a regular file"
    raise AssertionError(how)


def commands(tree: Path, policies: Path, models: Path) -> dict[str, list[str]]:
    return {
        "check": ["check", "-p", str(policies), "--from", str(models)],
        "validate": ["validate", str(policies)],
        "test": ["test", str(policies)],
        "snapshot": ["snapshot", "--from", str(models), "-o", str(tree / "out.json")],
        "diff": ["diff", str(tree / "snap.json"), "--against", str(models)],
    }


@pytest.mark.parametrize("how", ["dangling", "loop", "fifo"])
@pytest.mark.parametrize(("command", "where", "name"), [
    ("check", "policies", "x.yaml"), ("check", "models", "x.json"),
    ("validate", "policies", "x.yaml"), ("test", "policies", "x_test.yaml"),
    ("snapshot", "models", "x.yaml"), ("diff", "models", "x.json"),
])
def test_an_entry_that_cannot_be_read_is_an_error(
        tree: Path, capsys: pytest.CaptureFixture[str], how: str, command: str, where: str,
        name: str) -> None:
    _, message = break_entry(tree / where, name, how)
    args = commands(tree, tree / "policies", tree / "models")[command]
    result = run_main(capsys, *args)
    assert result.exit_code == 2, (result.output, result.stderr)
    assert message in result.stderr + result.output
    assert "internal error" not in result.stderr
    assert not (tree / "out.json").exists()


def test_an_unreadable_entry_is_an_error(tree: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every file is readable; the check is what the tool asks the system."""
    secret = tree / "policies" / "secret.yaml"
    secret.write_text(POLICY.replace("name: p", "name: s"))
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != secret
                        and real_access(path, mode, **kw))
    result = run_main(capsys, "validate", str(tree / "policies"))
    assert result.exit_code == 2
    assert f"{secret}: cannot read: permission denied" in result.stderr


def test_entries_of_other_kinds_and_subdirectories_are_not_files_of_the_folder(
        tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tree / "policies" / "README").symlink_to(tree / "nowhere")  # not a *.yaml name
    (tree / "policies" / "old.yaml").mkdir()  # a directory: not read, as before
    result = run_main(capsys, "validate", str(tree / "policies"))
    assert result.exit_code == 0, result.stderr


def test_a_broken_link_given_by_name_says_what_it_is(tree: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    link, message = break_entry(tree, "loop.yaml", "loop")
    result = run_main(capsys, "validate", str(link))
    assert result.exit_code == 2
    assert message in result.stderr
