"""One record per check kind: each kind's ``CheckKind`` in its own module holds every fact
about it (docs, options, example, samples, whether imported models and account policies
take it), and a kind registered halfway fails here."""

from __future__ import annotations

import ast

import pytest

from checker.checks import CHECKS
from checker.checks.base import CheckKind
from checker.engine.evaluate import NOT_FOR_IMPORTED, evaluate
from checker.policy.loader import ACCOUNT_CHECKS, load_policy_text
from checker.policy.ruledocs import KIND_SAMPLES, example_policy
from checker.results import ModelInput, Scanned
from tests.conftest import FIXED_NOW, ROOT

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
