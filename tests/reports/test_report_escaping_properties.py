"""Escaping holds for any text, not only the hostile strings we thought of."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.reports.github import command
from checker.reports.html import esc
from checker.reports.junit import xml_text
from checker.reports.markdown import md_code, md_text
from checker.values import escape_controls
from tests.reports.test_report_github import parse
from tests.support import ROOT, command_env

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
# A pipe after an even run of backslashes (none included) splits a GFM table cell.
UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")


@given(message=TEXT, title=TEXT, file=TEXT)
def test_github_commands_round_trip(message: str, title: str, file: str) -> None:
    """What the toolkit reads back is the value, with the controls the text report escapes
    (NUL, ESC, VT, bidi, ...) escaped as it escapes them."""
    line = command("warning", message, title=title, file=file)
    assert "\n" not in line and "\r" not in line
    name, props, data = parse(line)
    assert (name, props, data) == ("warning", {"title": escape_controls(title),
                                               "file": escape_controls(file)},
                                   escape_controls(message))


@given(value=TEXT)
def test_markdown_cells_stay_one_cell_on_one_line(value: str) -> None:
    for rendered in (md_text(value), md_text(value, starts_line=True), md_code(value)):
        assert "\n" not in rendered and "\r" not in rendered
        assert not UNESCAPED_PIPE.search(rendered)
    assert "<" not in md_text(value)


@given(value=st.text(max_size=60))
def test_xml_text_always_parses(value: str) -> None:
    element = ET.Element("case", {"message": xml_text(value)})
    element.text = xml_text(value)
    parsed = ET.fromstring(ET.tostring(element, "unicode"))
    assert parsed.get("message") is not None


# NUL, ESC, VT, the other C0 and C1 controls, line/paragraph separators and bidi controls.
HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f"
                    "\u202a-\u202e\u2066-\u2069]")


@given(value=TEXT)
def test_no_control_reaches_any_markup_format(value: str) -> None:
    outputs = [md_text(value), md_text(value, starts_line=True), md_code(value),
               esc(value, None), command("error", value, title=value)]
    for rendered in outputs:
        assert not HIDDEN.search(rendered), rendered


@pytest.mark.parametrize(("value", "shown"), [
    ("a\x00b", "a\\x00b"),              # NUL
    ("\x1b[31mred", "\\x1b[31mred"),    # ESC: a terminal colour
    ("a\x0bb", "a\\x0bb"),              # VT
    ("x\u202egnp.exe", "x\\u202egnp.exe"),  # right-to-left override
    ("\u2066isolate\u2069", "\\u2066isolate\\u2069"),
    ("c1\x9bcsi", "c1\\x9bcsi"),        # a C1 control sequence introducer
])
def test_controls_are_escaped_as_in_text(value: str, shown: str) -> None:
    assert escape_controls(value) == shown
    assert shown in esc(value)
    assert shown.replace("\\", "%5C") not in command("error", value)  # no percent-escaping
    assert parse(command("error", value))[2] == shown
    # Markdown escapes the backslash itself, so the escape renders literally.
    assert md_text(value) == md_text(shown)
    assert shown in md_code(value)


@pytest.mark.parametrize("fmt", ["github", "markdown", "html"])
def test_installed_command_escapes_controls(tmp_path: Path, fmt: str) -> None:
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"modelName": "m\x1b[31m\u202eexe.txt\x00\x0b",
                                 "modelArn": "arn:aws:bedrock:us-east-1:111122223333:"
                                             "custom-model/amazon.nova-micro-v1:0:128k/"
                                             "a1b2c3d4e5f6"}), encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\nrules:\n  - id: owner\n    severity: high\n"
                      "    require: {field: modelStatus, equals: Active}\n", encoding="utf-8")
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "bedrock-drift"), "check", "-p",
                           str(policy), "--from", str(model), "-f", fmt],
                          capture_output=True, text=True, timeout=120,
                          env=command_env(tmp_path))
    assert done.returncode == 1, done.stderr
    assert not HIDDEN.search(done.stdout)
    assert "x1b" in done.stdout and "u202eexe.txt" in done.stdout and "x0b" in done.stdout
