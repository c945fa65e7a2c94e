"""Regenerate the golden diff outputs: python tests/golden/diff/regen.py (then review)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.golden.diff.cases import CASES  # noqa: E402


def main() -> None:
    for case in CASES:
        case.golden.write_text(case.render(), encoding="utf-8")
        print(f"wrote {case.golden.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
