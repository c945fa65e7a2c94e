"""Policy unit tests: ``*_test.yaml`` files of cases, each a model and the expected results.

A test file sits beside the policy it tests (``baseline_test.yaml`` tests ``baseline.yaml``)::

    version: 1                       # optional
    policies: [baseline.yaml]        # optional; default: the sibling <name>.yaml
    vars: {account_id: "111122223333"}   # optional; variables for the policies under test
    now: 2026-11-27                  # optional; the run's date (waivers, date operators)
    base: {tags: {team: ml}}         # optional; merged over the default model for every case
    fetched: [copyJob, importJob]    # optional; added keys a live run read: where a case's
                                     # model lacks one, it is null (none found), not unread
    cases:
      - name: a compliant model passes
        model: {}                    # merged over the default model (null deletes a key)
        expect: {kms-required: pass, learning-rate-cap: pass}
      - name: two models, judged as a set (inventory rules)
        models: [{modelName: a}, {modelName: b}]
        expect: {kms-required: pass}

Loading (``compile_test_file``) reports every problem at its line and column; running
(``run_suite``) is pure: policies and models in, one result per expectation out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from checker import builtins
from checker.engine.evaluate import evaluate
from checker.errors import PolicyError, Problem
from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.lang.variables import declared_variables, substitute_located
from checker.lang.yaml import Located, YamlError, load_yaml
from checker.paths import expand_paths
from checker.policy.loader import Policy, load_policies
from checker.policytest.cases import (
    DEFAULT_ACCOUNT,
    DEFAULT_MODEL,
    Case,
    deep_merge,
    read_cases,
    read_fetched,
    read_now,
)
from checker.results import Scanned, Status

TEST_SUFFIXES = ("_test.yaml", "_test.yml")
FILE_KEYS = ("version", "policies", "vars", "now", "base", "fetched", "cases")


# --- compiled test files -------------------------------------------------------------------


@dataclass(frozen=True)
class Suite:
    """One test file, compiled: the policies it tests and its cases."""

    file: str
    policies: tuple[Policy, ...]
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class CheckResult:
    """One expectation of one case, judged."""

    case: str
    rule: str
    expected: Status
    got: Status
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.expected is self.got


@dataclass(frozen=True)
class SuiteResult:
    file: str
    checks: tuple[CheckResult, ...]

    @property
    def failed(self) -> int:
        return sum(1 for c in self.checks if not c.passed)


def find_test_files(paths: Sequence[str]) -> list[str]:
    """The test files the paths name: files as given, directories' ``*_test.yaml``/``.yml``;
    ``builtin:NAME`` names a shipped policy's test file as ``builtin:NAME_test`` (read it
    through :func:`checker.builtins.real_path`)."""
    return builtins.expand(paths, lambda files: expand_paths(
        files, lambda p: p.name.endswith(TEST_SUFFIXES),
        what="policy test files (*_test.yaml)", noun="test file"), tests=True)


def default_policy_file(test_file: str) -> Path:
    """``x_test.yaml`` tests ``x.yaml`` (or ``x.yml``) in the same directory."""
    path = Path(test_file)
    stem = path.name
    for suffix in TEST_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        stem = path.stem
    for ext in (".yaml", ".yml"):
        candidate = path.with_name(stem + ext)
        if candidate.is_file():
            return candidate
    return path.with_name(stem + ".yaml")


PolicyLoader = Callable[[Sequence[str], Mapping[str, Any]], list[Policy]]


def _load_policies(paths: Sequence[str], variables: Mapping[str, Any]) -> list[Policy]:
    policies, _warnings = load_policies(paths, variables)
    return policies


def compile_test_file(text: str, file: str, variables: Mapping[str, Any] | None = None,
                      load: PolicyLoader = _load_policies) -> Suite:
    """Compile one test file; raise PolicyError with every problem found in it.

    ``variables`` (from ``--var``/``--var-file``) win over the file's own ``vars:``.
    """
    try:
        located = load_yaml(text, file)
    except YamlError as exc:
        raise PolicyError([exc.problem]) from None
    ctx = LoadContext(located)
    suite = _compile(located, ctx, dict(variables or {}), load)
    if any(not p.warning for p in ctx.problems) or suite is None:
        raise PolicyError(ctx.problems or [Problem(file, 1, 1, "invalid test file")])
    return suite


def _compile(located: Located, ctx: LoadContext, variables: dict[str, Any],
             load: PolicyLoader) -> Suite | None:
    raw = located.data
    if not isinstance(raw, dict):
        ctx.error((), f"a policy test file must be a mapping with 'cases', not {type_name(raw)}")
        return None
    ctx.unknown_keys(raw, (), FILE_KEYS, "the test file")
    if "version" in raw and (raw["version"] != 1 or isinstance(raw["version"], bool)):
        ctx.error(("version",), f"unsupported test file version {raw['version']!r}; this tool "
                                "reads version 1")
    policy_paths = _policy_paths(raw, ctx)
    file_vars = declared_variables(raw, ctx)
    if policy_paths is None or any(not p.warning for p in ctx.problems):
        return None
    # The file's own vars first, then the command line's: --var wins over a test file.
    policies = load(policy_paths, {**file_vars, **variables})
    declared = {name for p in policies for name in p.variables}
    for name in file_vars:
        if name not in declared:
            ctx.error(("vars", name), f"variable '{name}' is not declared by the policies "
                                      "under test" + did_you_mean(name, declared), key=True)
    namespace = _namespace(policies, ctx)
    substitute_located(located, namespace, ctx, skip=[("vars",), ("policies",)])
    raw = located.data
    rule_ids = _rule_ids(policies)
    file_now = read_now(raw, ctx, ()) if "now" in raw else None
    resources = {p.resource for p in policies}
    if len(resources) > 1:
        ctx.error((), "the policies under test judge models and accounts: test the "
                      "resource: account policies in a test file of their own")
        return None
    account = resources == {"account"}
    # An account policy's cases are account documents ({accountId, region, ...}).
    default = DEFAULT_ACCOUNT if account else DEFAULT_MODEL
    base = default
    if "base" in raw:
        if not isinstance(raw["base"], dict):
            ctx.error(("base",), f"'base' must be a mapping (a partial model document), not "
                                 f"{type_name(raw['base'])}")
        else:
            base = deep_merge(default, raw["base"])
    cases = read_cases(raw, ctx, base, file_now, rule_ids, read_fetched(raw, ctx))
    if account:
        cases = [replace(case, models=tuple(replace(m, kind="account") for m in case.models))
                 for case in cases]
    return Suite(file=ctx.file, policies=tuple(policies), cases=tuple(cases))


def _policy_paths(raw: Mapping[str, Any], ctx: LoadContext) -> list[str] | None:
    here = Path(builtins.real_path(ctx.file)).parent
    if "policies" not in raw:
        if builtins.is_builtin(ctx.file):
            # A shipped policy's tests (builtin:x_test) test the shipped policy (builtin:x).
            return [ctx.file.removesuffix(builtins.TEST_SUFFIX)]
        default = default_policy_file(ctx.file)
        if not default.is_file():
            ctx.error((), f"no policy to test: {default} does not exist; name the policy "
                          "files with 'policies:'")
            return None
        return [str(default)]
    value = raw["policies"]
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        ctx.error(("policies",), "'policies' must be a policy file or a non-empty list of "
                                 "them (paths relative to this test file)")
        return None
    paths = []
    for index, item in enumerate(items):
        path = here / item
        if not path.exists():
            where = ("policies", index) if isinstance(value, list) else ("policies",)
            ctx.error(where, f"no such policy file or directory: {path}")
        paths.append(str(path))
    return paths


def _namespace(policies: Sequence[Policy], ctx: LoadContext) -> dict[str, Any]:
    """The variables a test file may use: the values the policies under test were loaded
    with. Two policies that disagree on a variable's value make it ambiguous."""
    values: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for policy in policies:
        for name, value in policy.variables.items():
            if name in values and values[name] != value:
                ctx.error((), f"variable '{name}' has different values in {owner[name]} and "
                              f"{policy.file}; set it under 'vars:' in this test file")
                continue
            values[name] = value
            owner[name] = policy.file
    return values


def _rule_ids(policies: Sequence[Policy]) -> dict[str, list[str]]:
    """Every rule id a test may name, bare and qualified, mapped to the qualified ids.

    Taken from the report of an empty run, so every kind of rule a report lists (per-model
    rules and whole-inventory ones alike) can be named.
    """
    report = evaluate(policies, [], scanned=Scanned(("test",), (), ()))
    ids: dict[str, list[str]] = {}
    for info in report.rules:
        ids.setdefault(info.qualified_id, []).append(info.qualified_id)
        ids.setdefault(info.id, []).append(info.qualified_id)
    return ids


# --- running ------------------------------------------------------------------------------
