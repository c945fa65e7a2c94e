"""The package's layers, enforced from its imports (parsed, not executed).

The import rules are written down in docs/development.md; this test is what keeps them true:
the core never imports a source, boto3 or click; only ``checker.cli`` imports click; only
the AWS edge imports boto3; and every module imports only from its own layer or below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "checker"

# Layer of each part of the package (a module, or a package and everything in it).
LAYERS: dict[str, int] = {
    "checker": 0,
    "checker.errors": 0,
    "checker.results": 0,
    "checker.documents": 0,
    "checker.values": 0,
    "checker.paths": 0,
    "checker.builtins": 0,
    "checker.lang": 1,
    "checker.checks": 2,
    "checker.policy": 3,
    "checker.engine": 4,
    "checker.reports": 4,
    "checker.sources": 4,
    "checker.drift": 5,
    "checker.policytest": 5,
    "checker.publish": 5,
    "checker.cli": 6,
    "checker.aws_lambda": 7,
    "checker.__main__": 7,
}
CORE = ("checker.lang", "checker.checks", "checker.policy", "checker.engine",
        "checker.drift", "checker.reports")
# Where boto3 may be imported: the AWS edges.
BOTO3_ALLOWED = ("checker.sources.aws", "checker.publish", "checker.aws_lambda")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    """The longest entry of LAYERS that ``module`` is or is inside."""
    best = ""
    for name in LAYERS:
        if (module == name or module.startswith(name + ".")) and len(name) > len(best):
            best = name
    return best


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import, top-level or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # "from checker.sources import aws" imports checker.sources.aws
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names
                         if node.module.startswith("checker"))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def existing(imported: str) -> bool:
    """``checker.x.y`` names a module or package of the tree (not a name inside one)."""
    rel = Path(*imported.split("."))
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def test_every_module_has_a_layer() -> None:
    missing = [module_name(p) for p in MODULES if not part_of(module_name(p))]
    assert missing == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_follow_the_layers(path: Path) -> None:
    module = module_name(path)
    part = part_of(module)
    problems = []
    for line, imported in imports_of(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        top = imported.split(".")[0]
        if top == "click" and not within(module, "checker.cli"):
            problems.append(f"{where}: imports click outside checker.cli")
        if top == "boto3" and not within(module, *BOTO3_ALLOWED):
            problems.append(f"{where}: imports boto3 outside the AWS edge")
        if top != "checker" or not existing(imported):
            continue
        if within(module, *CORE) and within(imported, "checker.sources", "checker.cli"):
            problems.append(f"{where}: the core imports {imported}")
        target = part_of(imported)
        if target == "checker":
            continue  # the package's face: version and names
        if LAYERS[target] > LAYERS[part] or (
                LAYERS[target] == LAYERS[part] and target != part and LAYERS[part] > 0):
            problems.append(f"{where}: {part} (layer {LAYERS[part]}) imports {target} "
                            f"(layer {LAYERS[target]})")
    assert problems == []


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    """The checker of this file is itself checked: a core module importing a source fails."""
    bad = tmp_path / "bad.py"
    bad.write_text("import click\nfrom checker.sources.aws import fetch_models\n")
    found = imports_of(bad)
    assert (1, "click") in found
    assert (2, "checker.sources.aws.fetch_models") in found
    assert within("checker.sources.aws", "checker.sources")
    assert part_of("checker.engine.merge") == "checker.engine"
    assert LAYERS[part_of("checker.sources.aws.fetch")] > LAYERS[part_of("checker.lang.fields")]
