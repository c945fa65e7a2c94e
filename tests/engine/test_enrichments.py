"""One record per enrichment (checker/enrichments.py): everything derived from the table
agrees with it, and an entry registered halfway (no reader, no shape, no docs, no actions)
fails here."""

from __future__ import annotations

import pytest

from checker.documents import ENRICHMENT_KEYS, FETCH_HINTS, POSTURE_KEYS
from checker.enrichments import (
    BY_KEY,
    ENRICHMENTS,
    Absent,
    NotAvailable,
    ShapeOf,
    TheJob,
)
from checker.lang.shapes import account_shape, model_shape, shape_of
from checker.policy.enrichdocs import ENRICHMENTS as DOCS
from checker.policy.ruledocs import describe, topics
from checker.sources.aws import context, enrich, fetcher, posture
from checker.sources.aws.jobs import job_input
from checker.sources.aws.permissions import ENRICHMENT_ACTIONS, required_actions

MODEL = [e for e in ENRICHMENTS if e.resource == "model"]
ACCOUNT = [e for e in ENRICHMENTS if e.resource == "account"]


def readers() -> dict[str, list[str]]:
    """Every key some part of the AWS reader reads, and which parts read it."""
    found: dict[str, list[str]] = {}
    for part, keys in (("enrich.READERS", enrich.READERS), ("context.LISTINGS", context.LISTINGS),
                       ("context.DERIVED", [k for k in context.DERIVED if k in BY_KEY]),
                       ("fetcher.SUMMARY_KEYS", fetcher.SUMMARY_KEYS),
                       ("posture.READERS", posture.READERS)):
        for key in keys:
            found.setdefault(key, []).append(part)
    return found


def test_every_record_has_exactly_one_reader() -> None:
    assert {key: parts for key, parts in readers().items() if len(parts) > 1} == {}
    assert sorted(readers()) == sorted(BY_KEY)


def test_the_keys_are_unique_and_derived() -> None:
    assert len(BY_KEY) == len(ENRICHMENTS)
    assert tuple(e.key for e in MODEL) == ENRICHMENT_KEYS
    assert tuple(e.key for e in ACCOUNT) == POSTURE_KEYS
    assert FETCH_HINTS == ("deployments.details",)
    assert set(context.DERIVED) - set(BY_KEY) <= set(FETCH_HINTS)


@pytest.mark.parametrize("record", ENRICHMENTS, ids=lambda e: e.key)
def test_each_record_agrees_with_what_is_derived_from_it(record: object) -> None:
    from checker.enrichments import Enrichment

    assert isinstance(record, Enrichment)
    # Its shape: a path under the key is checked against it.
    document = model_shape() if record.resource == "model" else account_shape()
    assert document.child(record.key) == shape_of(record.shape)
    # Its IAM actions: what `permissions` prints for a rule that reads it, read-only.
    assert set(record.actions) <= set(required_actions([record.key]))
    assert ENRICHMENT_ACTIONS.get(record.key, ()) == record.actions
    for hint, actions in record.hints:
        assert ENRICHMENT_ACTIONS[hint] == actions
    # Its docs: `bedrock-drift rules KEY`, for the keys of a model document and of an
    # account document alike.
    assert record.doc is not None and DOCS[record.key] is record.doc
    assert record.key in topics()
    assert record.doc.text.split()[0] in describe(record.key)


def test_a_key_without_calls_is_only_the_listings_own() -> None:
    """A key with no IAM action is read from an answer the run makes anyway."""
    assert [e.key for e in ENRICHMENTS if not e.actions] == list(fetcher.SUMMARY_KEYS)


def test_each_shape_names_a_real_operation() -> None:
    for record in ENRICHMENTS:
        shape = shape_of(record.shape)
        assert shape.type in ("structure", "list", "map", "leaf"), record.key
        if record.shape.operation:
            assert shape.type != "leaf", record.key  # a member botocore does not have


def test_a_misnamed_shape_fails() -> None:
    with pytest.raises(Exception, match=r"GetNothing"):
        shape_of(ShapeOf("GetNothing"))


JOB = {"jobArn": "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/x/abc",
       "outputModelName": "m", "status": "InProgress"}


def test_an_in_flight_job_carries_what_each_record_says() -> None:
    every = frozenset(BY_KEY)
    model = job_input(JOB, needs=every)
    for record in MODEL:
        if isinstance(record.job, TheJob):
            assert model.document[record.key]["jobArn"] == JOB["jobArn"]
        elif isinstance(record.job, Absent):
            assert record.key not in model.document
            assert record.key not in model.enrichment_errors
        elif isinstance(record.job, NotAvailable):
            assert model.enrichment_errors[record.key] == ("NotAvailable", record.job.message)
        else:
            assert model.document[record.key] == record.job
    # Account settings are no key of a model, and a key not needed is not added.
    assert not set(POSTURE_KEYS) & set(model.document)
    bare = job_input(JOB)
    assert bare.enrichment_errors == {} and "deployments" not in bare.document
    assert "job" in bare.document


def test_a_job_value_is_not_shared_between_jobs() -> None:
    first = job_input(JOB, needs=frozenset({"deployments"}))
    first.document["deployments"].append({"x": 1})
    assert job_input(JOB, needs=frozenset({"deployments"})).document["deployments"] == []
