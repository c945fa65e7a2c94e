"""The cases of a policy test file: each a model and its expected results."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from checker.documents import ACCOUNT_KEY, ENRICHMENT_KEYS, POSTURE_KEYS
from checker.errors import InputError
from checker.lang.arns import arn_checks_off
from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.results import ModelInput, Status
from checker.sources.files import model_input
from checker.values import parse_time

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


def read_now(raw: Mapping[str, Any], ctx: LoadContext, path: tuple[Any, ...]) -> datetime | None:
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


def read_fetched(raw: Mapping[str, Any], ctx: LoadContext) -> tuple[str, ...]:
    """The file's ``fetched``: added keys that are null where a case's model lacks them
    (``account.KEY``: a setting null where the case's ``account`` lacks it)."""
    value = raw.get("fetched", [])
    known = (*ENRICHMENT_KEYS, *(f"{ACCOUNT_KEY}.{k}" for k in POSTURE_KEYS))
    if not isinstance(value, list) or not all(k in known for k in value):
        ctx.error(("fetched",), "'fetched' must be a list of added keys ("
                  + ", ".join(ENRICHMENT_KEYS) + f", or {ACCOUNT_KEY}.KEY of an account "
                  "setting)")
        return ()
    return tuple(value)


def with_fetched(doc: dict[str, Any], fetched: tuple[str, ...]) -> dict[str, Any]:
    """``doc`` with each fetched key it lacks as null (a live run read it, found none)."""
    full = {**{key: None for key in fetched if "." not in key}, **doc}
    account = full.get(ACCOUNT_KEY)
    if isinstance(account, dict):
        settings = [key.split(".", 1)[1] for key in fetched if "." in key]
        full[ACCOUNT_KEY] = {**{key: None for key in settings}, **account}
    return full


def read_cases(raw: Mapping[str, Any], ctx: LoadContext, base: dict[str, Any],
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
    now = read_now(raw, ctx, path) if "now" in raw else file_now
    documents = _documents(raw, ctx, path)
    expectations = _expectations(raw, ctx, path, rule_ids)
    if name is None or documents is None or \
            sum(1 for p in ctx.problems if not p.warning) > errors_before:
        return None
    models = []
    for doc_path, doc in documents:
        full = deep_merge(base, doc) if merge else doc
        full = with_fetched(full, fetched)
        try:
            with arn_checks_off():
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
