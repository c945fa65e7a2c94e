"""Report writers: each turns a Report into a string, chosen through one table."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from checker.reports.json_report import render_json
from checker.reports.text import render_text
from checker.results import Report


# render_x(report, *, color=False) -> str; only the text writer uses colour.
RenderFunction = Callable[..., str]


class Format(str, Enum):
    TEXT = "text"
    JSON = "json"


RENDERERS: dict[str, RenderFunction] = {
    Format.TEXT.value: render_text,
    Format.JSON.value: render_json,
}


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    return RENDERERS[fmt](report, color=color)
