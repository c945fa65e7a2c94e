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

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any

from checker.documents import ENRICHMENT_KEYS
from checker.engine.evaluate import evaluate
from checker.errors import InputError, PolicyError, Problem
from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.lang.variables import declared_variables, substitute_located
from checker.lang.yaml import Located, YamlError, load_yaml
from checker.paths import expand_paths
from checker.policy.loader import Policy, load_policies
from checker.results import ModelInput, Scanned, Status
from checker.sources.files import model_input
from checker.values import parse_time

TEST_SUFFIXES = ("_test.yaml", "_test.yml")
FILE_KEYS = ("version", "policies", "vars", "now", "base", "fetched", "cases")
CASE_KEYS = ("name", "description", "model", "models", "merge", "now", "expect")
STATUSES = tuple(s.value for s in Status)

# The model every case starts from: a compliant FINE_TUNING model of Amazon Titan Text Express
# in account 111122223333, us-east-1, with a customer-managed key, data in the baseline's
# default buckets, hyperparameters inside every shipped policy's limits, and the tags the
# baseline asks for. A case gives only what differs.
# The default account document of a test of a resource: account policy: its settings are
# what each case gives.
DEFAULT_ACCOUNT: dict[str, Any] = {"accountId": "111122223333", "region": "us-east-1"}
DEFAULT_MODEL: dict[str, Any] = {
    "modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/"
                "amazon.titan-text-express-v1:0:8k/a1b2c3d4e5f6",
    "modelName": "test-model",
    "jobName": "test-model-job",
    "jobArn": "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/"
              "amazon.titan-text-express-v1:0:8k/f6e5d4c3b2a1",
    "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/"
                    "amazon.titan-text-express-v1:0:8k",
    "customizationType": "FINE_TUNING",
    "modelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/"
                      "1234abcd-12ab-34cd-56ef-1234567890ab",
    "hyperParameters": {
        "epochCount": "2",
        "batchSize": "8",
        "learningRate": "0.00001",
        "learningRateWarmupSteps": "10",
    },
    "trainingDataConfig": {"s3Uri": "s3://acme-ml-training-data/test-model/train.jsonl"},
    "validationDataConfig": {
        "validators": [{"s3Uri": "s3://acme-ml-training-data/test-model/validation.jsonl"}],
    },
    "outputDataConfig": {"s3Uri": "s3://acme-ml-model-output/test-model/"},
    "creationTime": "2026-11-02T09:30:00Z",
    "modelStatus": "Active",
    "tags": {"owner": "ml-platform", "data-classification": "internal"},
}


def deep_merge(base: Any, patch: Any) -> Any:
    """``patch`` over ``base``: mappings merge key by key, a null deletes the key, anything
    else (lists included) replaces. Neither argument is modified."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# --- compiled test files -------------------------------------------------------------------

@dataclass(frozen=True)
class Expectation:
    rule: str  # as written in the test file
    qualified_id: str  # policy/rule
    expected: Status


@dataclass(frozen=True)
class Case:
    name: str
    line: int
    models: tuple[ModelInput, ...]
    now: datetime | None
    expectations: tuple[Expectation, ...]
    as_set: bool  # given as `models:`: statuses are over the whole set


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
    """The test files the paths name: files as given, directories' ``*_test.yaml``/``.yml``."""
    return expand_paths(paths, lambda p: p.name.endswith(TEST_SUFFIXES),
                        what="policy test files (*_test.yaml)", noun="test file")


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
    file_now = _now(raw, ctx, ()) if "now" in raw else None
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
    cases = _cases(raw, ctx, base, file_now, rule_ids, _fetched(raw, ctx))
    if account:
        cases = [replace(case, models=tuple(replace(m, kind="account") for m in case.models))
                 for case in cases]
    return Suite(file=ctx.file, policies=tuple(policies), cases=tuple(cases))


def _policy_paths(raw: Mapping[str, Any], ctx: LoadContext) -> list[str] | None:
    here = Path(ctx.file).parent
    if "policies" not in raw:
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


def _now(raw: Mapping[str, Any], ctx: LoadContext, path: tuple[Any, ...]) -> datetime | None:
    value = raw["now"]
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(12, 0), tzinfo=timezone.utc)
    if isinstance(value, str):
        # YYYY-MM-DD or an ISO-8601 time only, the same on every Python version.
        parsed = parse_time(value)
        if parsed is not None:
            return parsed
    ctx.error((*path, "now"), f"'now' must be a date (YYYY-MM-DD) or an ISO-8601 time, not "
                              f"{value!r}")
    return None


def _fetched(raw: Mapping[str, Any], ctx: LoadContext) -> tuple[str, ...]:
    """The file's ``fetched``: added keys that are null where a case's model lacks them."""
    value = raw.get("fetched", [])
    if not isinstance(value, list) or not all(k in ENRICHMENT_KEYS for k in value):
        ctx.error(("fetched",), "'fetched' must be a list of added keys ("
                  + ", ".join(ENRICHMENT_KEYS) + ")")
        return ()
    return tuple(value)


def _cases(raw: Mapping[str, Any], ctx: LoadContext, base: dict[str, Any],
           file_now: datetime | None, rule_ids: dict[str, list[str]],
           fetched: tuple[str, ...] = ()) -> list[Case]:
    items = raw.get("cases")
    if "cases" not in raw:
        ctx.error((), "missing required key 'cases' (a list of test cases)")
        return []
    if not isinstance(items, list) or not items:
        ctx.error(("cases",), "'cases' must be a non-empty list of test cases")
        return []
    cases: list[Case] = []
    names: dict[str, int] = {}
    for index, item in enumerate(items):
        case = _case(item, ctx, ("cases", index), base, file_now, rule_ids, fetched)
        if case is None:
            continue
        if case.name in names:
            ctx.error(("cases", index, "name"), f"duplicate case name {case.name!r} (first at "
                                                f"line {names[case.name]})")
            continue
        names[case.name] = case.line
        cases.append(case)
    return cases


def _case(raw: Any, ctx: LoadContext, path: tuple[Any, ...], base: dict[str, Any],
          file_now: datetime | None, rule_ids: dict[str, list[str]],
          fetched: tuple[str, ...] = ()) -> Case | None:
    if not isinstance(raw, dict):
        ctx.error(path, f"a test case must be a mapping with name, model and expect, not "
                        f"{type_name(raw)}")
        return None
    ctx.unknown_keys(raw, path, CASE_KEYS, "test case")
    errors_before = sum(1 for p in ctx.problems if not p.warning)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        ctx.error((*path, "name") if "name" in raw else path,
                  "a test case needs a 'name' (a non-empty string)")
        name = None
    merge = raw.get("merge", True)
    if not isinstance(merge, bool):
        ctx.error((*path, "merge"), f"'merge' must be true or false, not {type_name(merge)}")
        merge = True
    now = _now(raw, ctx, path) if "now" in raw else file_now
    documents = _documents(raw, ctx, path)
    expectations = _expectations(raw, ctx, path, rule_ids)
    if name is None or documents is None or \
            sum(1 for p in ctx.problems if not p.warning) > errors_before:
        return None
    models = []
    for doc_path, doc in documents:
        full = deep_merge(base, doc) if merge else doc
        full = {**{key: None for key in fetched}, **full}
        try:
            models.append(model_input(full, ctx.file))
        except InputError as exc:
            ctx.error(doc_path, str(exc).removeprefix(f"{ctx.file}: "))
            return None
    line, _ = ctx.located.where(path)
    return Case(name=name, line=line, models=tuple(models), now=now,
                    expectations=tuple(expectations), as_set="models" in raw)


def _documents(raw: Mapping[str, Any], ctx: LoadContext,
               path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], dict[str, Any]]] | None:
    if ("model" in raw) == ("models" in raw):
        ctx.error(path, "a test case needs exactly one of 'model' (one model document) and "
                        "'models' (a list of them, judged as a set)")
        return None
    if "model" in raw:
        doc = raw["model"]
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            ctx.error((*path, "model"), f"'model' must be a mapping (a model document), not "
                                        f"{type_name(doc)}")
            return None
        return [((*path, "model"), doc)]
    docs = raw["models"]
    if not isinstance(docs, list) or not docs:
        ctx.error((*path, "models"), "'models' must be a non-empty list of model documents")
        return None
    good = []
    for index, doc in enumerate(docs):
        if not isinstance(doc, dict):
            ctx.error((*path, "models", index), f"each of 'models' must be a mapping (a model "
                                                f"document), not {type_name(doc)}")
            continue
        good.append(((*path, "models", index), doc))
    return good if len(good) == len(docs) else None


def _expectations(raw: Mapping[str, Any], ctx: LoadContext, path: tuple[Any, ...],
                  rule_ids: dict[str, list[str]]) -> list[Expectation]:
    expect = raw.get("expect")
    if "expect" not in raw:
        ctx.error(path, "a test case needs 'expect' (rule id: " + " | ".join(STATUSES) + ")")
        return []
    if not isinstance(expect, dict) or not expect:
        ctx.error((*path, "expect"), "'expect' must be a non-empty mapping of rule id to "
                                     "status (" + " | ".join(STATUSES) + ")")
        return []
    found: list[Expectation] = []
    for rule, status in expect.items():
        where = (*path, "expect", rule)
        qualified = rule_ids.get(rule)
        if qualified is None:
            bare = sorted(k for k in rule_ids if "/" not in k)
            ctx.error(where, f"unknown rule '{rule}'" + did_you_mean(rule, list(rule_ids))
                      + "; rules: " + ", ".join(bare), key=True)
            continue
        if len(qualified) > 1:
            ctx.error(where, f"rule id '{rule}' is in several policies under test; write "
                             "one of " + ", ".join(qualified), key=True)
            continue
        if not isinstance(status, str) or status not in STATUSES:
            ctx.error(where, f"unknown status {status!r}" + did_you_mean(str(status), STATUSES)
                      + "; one of " + ", ".join(STATUSES))
            continue
        found.append(Expectation(rule, qualified[0], Status(status)))
    return found


# --- running ------------------------------------------------------------------------------
