"""Properties of the diff over arbitrary JSON documents."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.drift.diff import ADD, CHANGE, REMOVE, diff_models
from checker.results import ModelInput

ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/x"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                    st.floats(allow_nan=False, allow_infinity=False, width=16),
                    st.text(max_size=4))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text("ab.c é", max_size=3), inner, max_size=3)),
    max_leaves=12)
documents = st.dictionaries(st.sampled_from(["hyperParameters", "tags", "trainingMetrics",
                                             "modelStatus", "validationDataConfig", "x.y"]),
                            json_values, max_size=5)


def plan_of(before: dict[str, Any], after: dict[str, Any]) -> Any:
    return diff_models([ModelInput({"modelArn": ARN, **before})],
                       [ModelInput({"modelArn": ARN, **after})])


@settings(max_examples=200, deadline=None)
@given(documents)
def test_a_document_does_not_drift_from_itself(doc: dict[str, Any]) -> None:
    assert not plan_of(doc, doc).has_drift


@settings(max_examples=200, deadline=None)
@given(documents, documents)
def test_diff_is_antisymmetric(a: dict[str, Any], b: dict[str, Any]) -> None:
    forward, backward = plan_of(a, b), plan_of(b, a)
    assert forward.has_drift == backward.has_drift
    if not forward.has_drift:
        return
    swap = {ADD: REMOVE, REMOVE: ADD, CHANGE: CHANGE}
    there = sorted((c.path, c.action) for c in forward.models[0].changes)
    back = sorted((c.path, swap[c.action]) for c in backward.models[0].changes)
    assert there == back
    assert forward.models[0].unchanged == backward.models[0].unchanged
