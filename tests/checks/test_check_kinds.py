"""One record per check kind: each kind's ``CheckKind`` in its own module holds every fact
about it (docs, options, example, samples, whether imported models and account policies
take it, its lints), and a kind registered halfway fails here."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any, get_args

import pytest

from checker.checks import CHECKS
from checker.checks.base import CheckKind, Warn
from checker.engine.evaluate import NOT_FOR_IMPORTED, evaluate
from checker.lang.yaml import Path, load_yaml
from checker.policy.lints import lint_policy
from checker.policy.loader import ACCOUNT_CHECKS, load_policy_text
from checker.policy.ruledocs import KIND_SAMPLES, example_policy
from checker.results import CheckKindName, ModelInput, RuleKind, Scanned
from tests.support import FIXED_NOW, ROOT

POLICIES_DOC = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")


def modules_declaring_a_kind() -> set[str]:
    """The modules of checker/checks that assign ``KIND = CheckKind(...)``."""
    found = set()
    for path in (ROOT / "checker" / "checks").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "KIND" for t in node.targets)
                    and isinstance(node.value, ast.Call)
                    and getattr(node.value.func, "id", None) == "CheckKind"):
                found.add(path.stem)
    return found


def test_every_declared_kind_is_registered_under_its_module_name() -> None:
    assert modules_declaring_a_kind() == set(CHECKS)
    assert tuple(CHECKS) == get_args(CheckKindName)
    assert get_args(RuleKind) == (*get_args(CheckKindName), "inventory")


# String literals outside checker/checks that spell a kind's name but are not about the kind.
NOT_THE_KIND = {
    ("checker/lang/conditions.py", "hyperparameter"): "the kind of a named key",
    ("checker/policy/lints.py", "require"): "a require condition, linted as every when is",
}


def test_no_module_outside_the_records_keeps_a_fact_about_one_kind() -> None:
    """A per-kind table or lint elsewhere (a KIND_SAMPLES, a NOT_FOR_IMPORTED, a lint keyed
    by the kind's name) would spell the name: every fact about a kind is in its record."""
    names = set(CHECKS)
    found = set()
    for path in (ROOT / "checker").rglob("*.py"):
        where = path.relative_to(ROOT).as_posix()
        if where.startswith("checker/checks/") or where == "checker/results.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.add((where, node.value))
    assert found == set(NOT_THE_KIND)


def test_the_linter_runs_each_kinds_own_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new kind's lint runs without an edit to the linter, on its rule's options only."""
    seen: list[tuple[dict[str, Any], Path]] = []

    def lint(options: Mapping[str, Any], path: Path, warn: Warn) -> None:
        seen.append((dict(options), path))
        warn((*path, "allowed", 0), "that glob cannot match")

    kind = CheckKind(name="fake", summary="s", semantics="s", schema={}, example="",
                     compile=lambda raw, ctx, path: None, lint=lint)
    monkeypatch.setitem(CHECKS, "fake", kind)
    text = ("version: 1\nname: p\nrules:\n  - id: a\n    require: {field: x, exists: true}\n"
            "  - id: b\n    fake:\n      allowed:\n        - 'x*'\n  - id: c\n    fake: 3\n")
    problems = lint_policy(load_yaml(text, "p.yaml"))
    assert seen == [({"allowed": ["x*"]}, ("rules", 1, "fake"))]
    assert [(p.line, p.message, p.warning) for p in problems] == [
        (9, "that glob cannot match", True)]


@pytest.mark.parametrize("name", list(CHECKS))
def test_each_kind_is_complete(name: str) -> None:
    kind = CHECKS[name]
    assert isinstance(kind, CheckKind) and kind.name == name
    assert kind.summary and kind.semantics and kind.schema
    # Its samples: one that passes and one that fails, at least (the docs show them).
    assert {"pass", "fail"} <= {s.status for s in kind.samples}
    assert KIND_SAMPLES[name] is kind.samples
    # Its row in the checks table of docs/policies.md.
    assert f"| `{name}" in POLICIES_DOC
    # What is derived from the record.
    assert (name in NOT_FOR_IMPORTED) is (not kind.imported)
    assert (name in ACCOUNT_CHECKS) is kind.account
    # Its example is clean: its own lints (if any) find nothing in it.
    policy_text = example_policy(kind.example)
    assert [p.message for p in lint_policy(load_yaml(policy_text, "p.yaml"))] == []


@pytest.mark.parametrize("name", [n for n, k in CHECKS.items() if not k.imported])
def test_kinds_not_for_imported_models_do_not_apply_to_them(name: str) -> None:
    kind = CHECKS[name]
    policy, problems = load_policy_text(example_policy(kind.example).encode(), "p.yaml")
    assert policy is not None and not [p for p in problems if not p.warning]
    [rule] = policy.rules
    imported = ModelInput(document={"modelName": "imp", "modelArn": "arn:aws:bedrock:us-east-1:"
                                    "111122223333:imported-model/abc"},
                          kind="imported", origin="test")
    report = evaluate([policy], [imported], scanned=Scanned(("test",), (), ()), now=FIXED_NOW)
    assert report.models[0].results[rule.qualified_id].value == "not_applicable"


@pytest.mark.parametrize("name", list(CHECKS))
def test_account_policies_take_the_kinds_the_record_allows(name: str) -> None:
    kind = CHECKS[name]
    rule = kind.example.strip()
    text = ("version: 1\nname: acct\nresource: account\nrules:\n"
            + "\n".join("  " + line for line in rule.splitlines()) + "\n")
    if kind.account:
        # A kind account policies take loads there, on the account's own fields.
        text = ("version: 1\nname: acct\nresource: account\nrules:\n  - id: logging\n"
                "    require: {field: invocationLogging, exists: true}\n")
        policy, problems = load_policy_text(text.encode(), "a.yaml")
        assert policy is not None and not [p for p in problems if not p.warning]
        return
    policy, problems = load_policy_text(text.encode(), "a.yaml")
    errors = [str(p) for p in problems if not p.warning]
    assert policy is None or errors
    assert any("account' policy has only" in e for e in errors), errors
