"""Regenerate the golden report files: ``python tests/golden/regen.py``.

Each shipped example is judged with a frozen clock and rendered in every format; the
test in ``tests/test_golden.py`` renders them again and compares. Review the diff of
these files like code: it is exactly what users will see change.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
FROZEN_NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)

# The file name each format's golden output gets.
EXTENSIONS = {
    "text": "txt",
    "json": "json",
    "sarif": "sarif",
    "junit": "xml",
    "markdown": "md",
    "github": "github.txt",
}

# scenario -> (policy paths, --from paths, --fail-on), all relative to the repository root.
SCENARIOS = {
    "examples": (["policies"], ["examples/models"], "info"),
}


@contextmanager
def at_root() -> Iterator[None]:
    """Run at the repository root, so policy paths in reports are relative to it."""
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def golden_outputs() -> dict[str, str]:
    """File name -> expected content, for every scenario and format."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from checker.engine import evaluate
    from checker.policy import load_policies
    from checker.reports import RENDERERS, render
    from checker.results import Scanned
    from checker.sources.files import load_documents

    outputs: dict[str, str] = {}
    with at_root():
        for name, (policy_paths, from_paths, fail_on) in SCENARIOS.items():
            policies, _ = load_policies(policy_paths)
            source = load_documents(from_paths)
            scanned = Scanned(source.sources, source.accounts, source.regions)
            report = evaluate(policies, source.models, scanned=scanned,
                              source_errors=source.errors, fail_on=fail_on, now=FROZEN_NOW)
            for fmt in RENDERERS:
                outputs[f"{name}.{EXTENSIONS[fmt]}"] = render(report, fmt, color=False)
    return outputs


def main() -> None:
    for file_name, text in golden_outputs().items():
        path = GOLDEN / file_name
        path.write_text(text, encoding="utf-8", newline="")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
