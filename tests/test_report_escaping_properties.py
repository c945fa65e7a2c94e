"""Escaping holds for any text, not only the hostile strings we thought of."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from checker.reports.github import command
from checker.reports.junit import xml_text
from checker.reports.markdown import md_code, md_text
from tests.test_report_github import parse

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
# A pipe after an even run of backslashes (none included) splits a GFM table cell.
UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")


@given(message=TEXT, title=TEXT, file=TEXT)
def test_github_commands_round_trip(message: str, title: str, file: str) -> None:
    line = command("warning", message, title=title, file=file)
    assert "\n" not in line and "\r" not in line
    name, props, data = parse(line)
    assert (name, props, data) == ("warning", {"title": title, "file": file}, message)


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
