"""Regenerate the golden reports for the shipped examples: python tests/golden/regen.py

Review the diff before committing: a golden file changes only when the output should.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.golden.cases import GOLDEN_CASES, render_case  # noqa: E402


def main() -> None:
    for case in GOLDEN_CASES:
        path = ROOT / "tests" / "golden" / case.file
        path.write_bytes(render_case(case).encode("utf-8"))
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
