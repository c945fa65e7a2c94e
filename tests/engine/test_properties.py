"""Property tests: the loader and the evaluator never fail in an unplanned way."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.documents import normalize_document
from checker.engine.evaluate import evaluate
from checker.errors import Problem
from checker.policy.loader import load_policies, load_policy_text
from checker.results import ModelInput, Scanned, Status
from tests.support import FIXED_NOW, ROOT

SHIPPED, _ = load_policies([str(ROOT / "policies")])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=20),
                    st.sampled_from(["0.0001", "1e-4", "NaN", "fast", "٣", "FINE_TUNING",
                                     "REINFORCEMENT_FINE_TUNING", "IMPORTED", "DISTILLATION",
                                     "arn:aws:kms:us-east-1:111122223333:key/a",
                                     "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-"
                                     "lite-v1:0:300k", "s3://acme-ml-training-data/x"]))
keys = st.one_of(st.text(max_size=12),
                 st.sampled_from(["modelName", "modelArn", "baseModelArn", "customizationType",
                                  "modelKmsKeyArn", "hyperParameters", "customizationConfig",
                                  "rftConfig", "distillationConfig", "graderConfig",
                                  "lambdaGrader", "lambdaArn", "learningRate", "epochCount",
                                  "tags", "owner", "trainingDataConfig", "s3Uri",
                                  "validationDataConfig", "validators", "modelStatus"]))
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=6)), max_leaves=30)
documents = st.dictionaries(keys, json_values, max_size=10)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_evaluator_returns_a_result_per_rule_and_never_raises(doc: dict[str, Any]) -> None:
    item = ModelInput(document=normalize_document(doc), origin="hypothesis")
    report = evaluate(SHIPPED, [item], scanned=Scanned((), (), ()), now=FIXED_NOW)
    results = report.models[0].results
    # Every rule of the model policies (account policies judge account documents only).
    assert list(results) == [r.qualified_id for p in SHIPPED if p.resource == "model"
                             for r in p.rules]
    assert all(isinstance(s, Status) for s in results.values())
    # Nothing passes by accident on a document whose fields are all the wrong shape:
    # every failure is explained.
    assert all(v.message for v in report.violations)


yaml_text = st.one_of(
    st.text(max_size=200),
    json_values.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
    json_values.map(json.dumps),
    st.dictionaries(st.sampled_from(["version", "name", "rules", "scope", "waivers", "x"]),
                    json_values, max_size=5).map(lambda v: yaml.safe_dump(v)),
    st.lists(st.dictionaries(st.sampled_from(["id", "kms_key", "require", "when", "severity",
                                              "hyperparameter", "field", "equals"]),
                             json_values, max_size=4), max_size=3).map(
        lambda rules: yaml.safe_dump({"version": 1, "name": "p", "rules": rules})),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_text)
def test_loader_returns_a_policy_or_located_problems(text: str) -> None:
    policy, problems = load_policy_text(text.encode("utf-8", "surrogatepass"), "p.yaml")
    assert all(isinstance(p, Problem) and p.line >= 1 and p.col >= 1 for p in problems)
    errors = [p for p in problems if not p.warning]
    assert (policy is None) == bool(errors)
