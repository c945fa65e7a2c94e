"""No test or benchmark reaches into moto's private storage or modules.

moto's public API is ``mock_aws`` (with its documented configuration), its server
(``moto.server.ThreadedMotoServer``, the ``/moto-api/`` endpoints) and the AWS APIs it
mocks. Its backends (``*_backends``), its ``moto.<service>.models`` and
``moto.<service>.responses`` modules and ``moto.core`` change between releases: a test that
seeds or patches through them breaks on the next moto (moto 5.2 broke two). Every Python
file under ``tests/`` and ``benchmarks/`` is parsed (not searched as text, so this file's
own samples are not findings) and every import, attribute chain, name and string naming
one of those is reported with its file and line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support import ROOT

# moto.<service>.models / .responses, moto.core and anything under it.
PRIVATE_MODULE = re.compile(r"^moto\.(core(\..*)?|[a-z0-9_]+\.(models|responses)(\..*)?)$")


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for an attribute chain rooted in a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def _private(dotted: str) -> bool:
    """Whether ``dotted`` (a module, or a module and names in it) is private to moto."""
    parts = dotted.split(".")
    return any(PRIVATE_MODULE.match(".".join(parts[:n])) for n in range(2, len(parts) + 1))


def _import_findings(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [f"imports {a.name}" for a in node.names if _private(a.name)]
    if not node.module or node.level != 0:
        return []
    whole = _private(node.module)
    found = [f"imports from {node.module}"] if whole else []
    for alias in node.names:
        if not whole and node.module.startswith("moto") and \
                _private(f"{node.module}.{alias.name}"):
            found.append(f"imports {node.module}.{alias.name}")
        if alias.name.endswith("_backends") or (alias.asname or "").endswith("_backends"):
            found.append(f"imports {alias.name}")
    return found


def _attribute_finding(node: ast.Attribute, inner: set[int]) -> str | None:
    dotted = _dotted(node)
    if not (node.attr.endswith("_backends") or (
            dotted and dotted.startswith("moto.") and _private(dotted))):
        return None
    link: ast.AST = node.value
    while isinstance(link, ast.Attribute):  # the links of a chain reported whole
        inner.add(id(link))
        link = link.value
    return f"uses {dotted or node.attr}"


def _node_findings(node: ast.AST, inner: set[int]) -> list[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return _import_findings(node)
    if isinstance(node, ast.Attribute) and id(node) not in inner:
        found = _attribute_finding(node, inner)
        return [found] if found else []
    if isinstance(node, ast.Name) and node.id.endswith("_backends"):
        return [f"uses {node.id}"]
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
            re.fullmatch(r"moto(\.[A-Za-z0-9_]+)+", node.value) and _private(node.value):
        # import_module("moto.x.models"), patch("moto.x.responses.Y.z"), ...
        return [f"names {node.value}"]
    return []


def findings(source: str, name: str = "<sample>") -> list[str]:
    """``name:line: what`` for each use of moto's internals in ``source``."""
    inner: set[int] = set()
    found = [f"{name}:{getattr(node, 'lineno', 0)}: {what}"
             for node in ast.walk(ast.parse(source, name))
             for what in _node_findings(node, inner)]
    return sorted(set(found), key=lambda f: (int(f.split(":")[-2]), f))


def scanned() -> list[Path]:
    return sorted([*ROOT.joinpath("tests").rglob("*.py"),
                   *ROOT.joinpath("benchmarks").rglob("*.py")])


def test_no_test_or_benchmark_uses_moto_internals() -> None:
    files = scanned()
    names = {p.relative_to(ROOT).as_posix() for p in files}
    # The scan sees the files that use moto (so it cannot pass by reading nothing).
    assert {"tests/sources/aws/test_aws_fetch.py", "tests/product/test_e2e_moto_server.py",
            "tests/support/moto_bedrock.py",
            "tests/conftest.py", "benchmarks/bedrock_stub.py"} <= names
    problems = [finding for path in files
                for finding in findings(path.read_text(encoding="utf-8"),
                                        path.relative_to(ROOT).as_posix())]
    assert problems == []


@pytest.mark.parametrize(("source", "expected"), [
    ("from moto.bedrock.models import bedrock_backends\n",
     ["<sample>:1: imports bedrock_backends", "<sample>:1: imports from moto.bedrock.models"]),
    ("from moto.bedrock.responses import BedrockResponse\n",
     ["<sample>:1: imports from moto.bedrock.responses"]),
    ("from moto.core.exceptions import JsonRESTError\n",
     ["<sample>:1: imports from moto.core.exceptions"]),
    ("from moto.core import DEFAULT_ACCOUNT_ID\n", ["<sample>:1: imports from moto.core"]),
    ("import moto.bedrock.models as m\n", ["<sample>:1: imports moto.bedrock.models"]),
    ("from moto.bedrock import models\n", ["<sample>:1: imports moto.bedrock.models"]),
    ("from moto.s3 import responses as r\n", ["<sample>:1: imports moto.s3.responses"]),
    ("import moto\n\nx = moto.core.models.BaseBackend\n",
     ["<sample>:3: uses moto.core.models.BaseBackend"]),
    ("def seed(registry):\n    return registry.bedrock_backends['1']\n",
     ["<sample>:2: uses registry.bedrock_backends"]),
    ("store = s3_backends\n", ["<sample>:1: uses s3_backends"]),
    ("import importlib\n\nimportlib.import_module('moto.kms.models')\n",
     ["<sample>:3: names moto.kms.models"]),
    ("monkeypatch.setattr('moto.bedrock.responses.BedrockResponse.get', f)\n",
     ["<sample>:1: names moto.bedrock.responses.BedrockResponse.get"]),
])
def test_each_kind_of_reach_is_found(source: str, expected: list[str]) -> None:
    assert findings(source) == expected


def test_moto_public_api_is_not_a_finding() -> None:
    source = (
        "from moto import mock_aws\n"
        "from moto.server import ThreadedMotoServer\n"
        "import moto\n"
        "backends = {}\n"  # a name of one's own, not moto's
        "models_text = 'moto.bedrock is incomplete: see moto.core docs'\n"
        "with mock_aws(config={'core': {'passthrough': {'urls': []}}}):\n"
        "    server = ThreadedMotoServer(port=0)\n"
        "    moto.mock_aws\n"
    )
    assert findings(source) == []


def test_a_finding_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "test_bad.py"
    bad.write_text('"""A test."""\n\nfrom moto.bedrock.models import bedrock_backends\n')
    assert findings(bad.read_text(), "tests/test_bad.py") == [
        "tests/test_bad.py:3: imports bedrock_backends",
        "tests/test_bad.py:3: imports from moto.bedrock.models"]
