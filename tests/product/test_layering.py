"""The package's layers, enforced from its imports (parsed, not executed).

The import rules are written down in docs/development.md; this test is what keeps them true:
the core never imports a source, boto3 or click; only ``checker.cli`` imports click; only
the AWS edge imports boto3; and every module imports only from its own layer or below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGE = ROOT / "checker"

# Layer of each part of the package (a module, or a package and everything in it).
LAYERS: dict[str, int] = {
    "checker": 0,
    "checker.errors": 0,
    "checker.results": 0,
    "checker.documents": 0,
    "checker.values": 0,
    "checker.paths": 0,
    "checker.collector": 0,
    "checker.enrichments": 0,
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
    "checker.run": 5,
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


def absolute(node: ast.ImportFrom, module: str | None, is_package: bool) -> str | None:
    """The module a ``from`` import names, relative imports resolved against ``module``
    (None: a relative import outside any known module, or above the top package)."""
    if node.level == 0:
        return node.module
    if module is None:
        return None
    parts = module.split(".") if is_package else module.split(".")[:-1]
    if node.level - 1 > len(parts) - 1:
        return None
    anchor = parts[:len(parts) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def imports_of(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, module) for every import, top-level or inside a function, relative ones
    (``from . import x``, ``from ..lang import y``) resolved against ``module`` (by default
    the module ``path`` is in the package)."""
    if module is None and path.is_relative_to(ROOT):
        module = module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(node, module, is_package)
            if base is None:
                found.append((node.lineno, "." * node.level + (node.module or "")))
                continue
            found.append((node.lineno, base))
            # "from checker.sources import aws" imports checker.sources.aws
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names
                         if base.startswith("checker"))
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


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    """A relative import is checked as the absolute one it means: ``from ...sources import
    aws`` in ``checker.engine.x`` is the core importing a source."""
    bad = tmp_path / "x.py"
    bad.write_text("from ..sources import aws\nfrom . import merge\nfrom .baseline import b\n"
                   "from .... import too_far\n")
    found = imports_of(bad, "checker.engine.x")
    assert (1, "checker.sources") in found and (1, "checker.sources.aws") in found
    assert (2, "checker.engine.merge") in found
    assert (3, "checker.engine.baseline") in found
    assert (4, "....") in found  # above the package: reported as written, never dropped
    init = tmp_path / "__init__.py"
    init.write_text("from .aws import fetch\n")
    assert (1, "checker.sources.aws") in imports_of(init, "checker.sources")


def test_a_relative_import_outside_the_package_fails() -> None:
    assert not existing("....") and part_of("....") == ""


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_relative_import_escapes_the_package(path: Path) -> None:
    assert [m for _, m in imports_of(path) if m.startswith(".")] == []
