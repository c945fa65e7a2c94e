"""Guard rails on the shape of the code, read from its syntax (parsed, never run).

No function outside ``checker.cli`` takes more than 8 parameters (a request record carries
the rest); no class has more than 30 methods, counting what it inherits from the package's
own classes; ``checker/sources`` has no import circle, imports made only for type checking
included; the command line and the Lambda function reach the evaluator and the AWS reader
only through ``checker.run`` and ``checker.sources.read``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PACKAGE = ROOT / "checker"
MAX_PARAMETERS = 8
MAX_METHODS = 30


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(under: Path = PACKAGE) -> dict[str, ast.Module]:
    return {module_name(p): ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
            for p in sorted(under.rglob("*.py"))}


MODULES = modules()


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Every parameter a caller can pass (``self`` and ``cls`` left out)."""
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def too_many_parameters(trees: dict[str, ast.Module]) -> list[str]:
    return [f"{module}.{node.name}: {len(parameters(node))} parameters"
            for module, tree in trees.items()
            if not (module == "checker.cli" or module.startswith("checker.cli."))
            for node in functions(tree) if len(parameters(node)) > MAX_PARAMETERS]


def test_no_function_outside_the_cli_takes_more_than_8_parameters() -> None:
    assert too_many_parameters(MODULES) == []


def test_the_parameter_count_catches_a_long_signature() -> None:
    tree = ast.parse("def f(a, b, /, c, *d, e, f=1, **g): pass\n"
                     "class C:\n    def m(self, a, b, c, d, e, f, g, h): pass\n"
                     "def h(a, b, c, d, e, f, g, h, i): pass\n")
    assert too_many_parameters({"checker.x": tree}) == ["checker.x.h: 9 parameters"]
    assert too_many_parameters({"checker.cli.x": tree}) == []


# -- classes --------------------------------------------------------------------------


def classes(trees: dict[str, ast.Module]) -> dict[str, tuple[ast.ClassDef, str]]:
    """Every class of the package, by name and by module-qualified name, with its module."""
    found: dict[str, tuple[ast.ClassDef, str]] = {}
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                found[f"{module}.{node.name}"] = (node, module)
    return found


def methods_of(qualified: str, found: dict[str, tuple[ast.ClassDef, str]],
               seen: frozenset[str] = frozenset()) -> set[str]:
    """The methods a class defines or inherits from the package's own classes (a base is
    found by its name in the class's module, else by a unique name in the package)."""
    node, module = found[qualified]
    names = {item.name for item in node.body
             if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for base in node.bases:
        base_name = base.id if isinstance(base, ast.Name) else (
            base.attr if isinstance(base, ast.Attribute) else None)
        if base_name is None:
            continue
        local = f"{module}.{base_name}"
        candidates = [local] if local in found else [
            q for q in found if q.rsplit(".", 1)[1] == base_name]
        if len(candidates) == 1 and candidates[0] not in seen:
            names |= methods_of(candidates[0], found, seen | {qualified})
    return names


def too_many_methods(trees: dict[str, ast.Module]) -> list[str]:
    found = classes(trees)
    return [f"{q}: {len(m)} methods" for q in sorted(found)
            if len(m := methods_of(q, found)) > MAX_METHODS]


def test_no_class_has_more_than_30_methods() -> None:
    assert too_many_methods(MODULES) == []


def test_inherited_methods_count() -> None:
    base = "class Base:\n" + "".join(f"    def b{i}(self): pass\n" for i in range(20))
    child = ("from checker.x import Base\nclass Child(Base):\n"
             + "".join(f"    def c{i}(self): pass\n" for i in range(11)))
    trees = {"checker.x": ast.parse(base), "checker.y": ast.parse(child)}
    assert too_many_methods(trees) == ["checker.y.Child: 31 methods"]


# -- import circles -------------------------------------------------------------------


def imported_modules(module: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The package's modules ``module`` imports: absolute or relative, at the top, in a
    function or under ``if TYPE_CHECKING:`` alike; ``from a import b`` is ``a.b`` when that
    is a module, else ``a``."""
    package = module if module in known and any(k.startswith(module + ".") for k in known) \
        else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
    return {name for name in found if name in known and name != module}


def circles(trees: dict[str, ast.Module]) -> list[list[str]]:
    """Each import circle among ``trees``, as the modules along it."""
    known = set(trees)
    graph = {m: imported_modules(m, tree, known) for m, tree in trees.items()}
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_circle_in_sources() -> None:
    sources = {m: t for m, t in MODULES.items()
               if m == "checker.sources" or m.startswith("checker.sources.")}
    assert circles(sources) == []


def test_a_circle_through_type_checking_is_found() -> None:
    a = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                  "    from checker.s.b import B\n")
    b = ast.parse("from .a import A\n")
    assert circles({"checker.s.a": a, "checker.s.b": b}) == [
        ["checker.s.a", "checker.s.b", "checker.s.a"]]


# -- one read path --------------------------------------------------------------------

# What only checker.run and checker.sources.read call: the evaluator and the AWS reader.
READ_AND_JUDGE = frozenset({"evaluate", "fetch_models", "fetch", "Fetcher", "with_live_jobs",
                            "fetch_live_jobs"})


def names_used(tree: ast.Module) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names)
    return used


@pytest.mark.parametrize("edge", ["checker.cli", "checker.aws_lambda"])
def test_the_edges_read_and_judge_through_one_function(edge: str) -> None:
    found = {m: sorted(names_used(t) & READ_AND_JUDGE) for m, t in MODULES.items()
             if m == edge or m.startswith(edge + ".")}
    assert {m: n for m, n in found.items() if n} == {}
    assert any("run" in names_used(t) or "read" in names_used(t)
               for m, t in MODULES.items() if m.startswith(edge))


# -- the complexity budget ------------------------------------------------------------


def test_ruff_checks_a_complexity_budget_of_15_or_less() -> None:
    """C901 is on for the whole repository; ruff (run by CI) fails any function past it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lint = config["tool"]["ruff"]["lint"]
    assert "C901" in lint["select"]
    assert lint["mccabe"]["max-complexity"] <= 15
    assert "C901" not in lint.get("ignore", []) and not lint.get("per-file-ignores")
