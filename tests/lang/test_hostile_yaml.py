"""Hostile YAML is bounded: a "billion laughs" alias bomb, a self-referring alias or absurd
nesting, in any YAML file the tool reads (policy, waivers, accounts, variables, --from),
is refused with a located one-line error and exit 2, in well under a second, before
anything else is done (no AWS call, no report)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from checker.lang.yaml import MAX_NODES, YamlError, load_yaml
from tests.support import ROOT, fake_aws_env, run_cli

BASELINE = str(ROOT / "policies" / "baseline.yaml")


def laughs(top_key: str = "lol") -> str:
    """Nine levels of nine-fold aliases: 9**9 (387 million) strings once expanded."""
    lines = [f'{top_key}0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        refs = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"{top_key}{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


BOMBS = {
    "laughs": (laughs(), "expands to more than 200,000 values"),
    "recursive": ("x: &x {k: [*x]}\n", "refers to a value that contains it"),
    "deep": ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 200 levels"),
    "deep-300": ("x: " + "[" * 300 + "]" * 300 + "\n", "nested more than 200 levels"),
    "deep-blocks": ("".join(" " * i + "k:\n" for i in range(400)) + " " * 400 + "k: 1\n",
                    "nested more than 200 levels"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_loader_refuses_quickly(name: str) -> None:
    text, message = BOMBS[name]
    start = time.perf_counter()
    with pytest.raises(YamlError) as info:
        load_yaml(text, "bomb.yaml")
    assert time.perf_counter() - start < 1.0
    assert message in str(info.value)
    assert str(info.value).startswith("bomb.yaml:")


def test_shared_aliases_under_the_limit_still_load() -> None:
    text = 'base: &b {k: [1, 2, 3]}\nuse: [*b, *b, *b]\n'
    assert load_yaml(text, "ok.yaml").data["use"] == [{"k": [1, 2, 3]}] * 3
    assert MAX_NODES >= 100_000


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    code, out, err = run_cli(args, capsys)
    return code, out, err, time.perf_counter() - start


@pytest.mark.parametrize("where", ["policy", "waivers", "var-file", "from", "accounts"])
def test_every_yaml_input_refuses_a_bomb(where: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    fake_aws_env(monkeypatch, tmp_path)
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(laughs("modelName" if where == "from" else "lol"), encoding="utf-8")
    models = str(ROOT / "examples" / "models")
    args = {
        "policy": ["check", "-p", str(bomb), "--from", models],
        "waivers": ["check", "-p", BASELINE, "--from", models, "--waivers", str(bomb)],
        "var-file": ["check", "-p", BASELINE, "--from", models, "--var-file", str(bomb)],
        "from": ["check", "-p", BASELINE, "--from", str(bomb)],
        "accounts": ["check", "-p", BASELINE, "--accounts", str(bomb)],
    }[where]
    code, out, err, seconds = _cli(args, capsys)
    assert code == 2
    assert out == ""
    assert seconds < 1.0
    assert "expands to more than 200,000 values (an alias bomb?); refused" in err
    assert f"{bomb}:" in err
    assert "Traceback" not in err


def test_deeply_nested_json_is_refused(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"modelName": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    code, out, err, _ = _cli(["check", "-p", BASELINE, "--from", str(deep)], capsys)
    assert code == 2 and out == ""
    assert f"{deep}: invalid JSON: nested deeper than can be read" in err
    assert "Traceback" not in err
