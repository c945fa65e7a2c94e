"""Reading a model's surroundings in process: joins, failures per key, shapes.

moto implements none of the operations involved, so the calls go to the stub of
``tests/support/context_stub.py`` (records projected onto botocore's output shapes).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from checker.lang.fields import document_problem
from checker.results import ModelInput, SourceResult
from checker.sources.aws import fetch_models
from checker.sources.aws.context import listings_for
from checker.sources.aws.jobs import job_input
from tests.support import fake_aws_env
from tests.support.context_stub import ACCOUNT, Running, Surroundings, bedrock_context, model, serve

EAST = "us-east-1"
FM = "amazon.titan-text-express-v1:0:8k"
ALL = frozenset({"deployments", "throughputs", "served", "copyJob", "importJob", "baseModel"})


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_aws_env(monkeypatch, tmp_path)


def models() -> list[dict[str, Any]]:
    return [model("deployed"), model("provisioned"), model("desired"), model("copied"),
            model("plain"), model("on-custom-base",
                                  baseModelArn=f"arn:aws:bedrock:{EAST}:{ACCOUNT}:custom-model/"
                                               f"{FM}/parent")]


def surroundings() -> Surroundings:
    arn = {m["modelName"]: m["modelArn"] for m in models()}
    around = Surroundings()
    around.deployments = [bedrock_context.deployment(arn["deployed"], "d1", EAST, ACCOUNT),
                          bedrock_context.deployment(arn["deployed"], "d2", EAST, ACCOUNT,
                                                     status="Creating")]
    around.throughputs = [bedrock_context.throughput(arn["provisioned"], "p1", EAST, ACCOUNT)]
    moving = bedrock_context.throughput(arn["plain"], "p2", EAST, ACCOUNT, status="Updating")
    moving["desiredModelArn"] = arn["desired"]
    around.throughputs.append(moving)
    around.copy_jobs = [
        bedrock_context.copy_job(arn["copied"], "copied", "111122223333", EAST, ACCOUNT,
                                 status="Failed"),
        bedrock_context.copy_job(arn["copied"], "copied", "444455556666", EAST, ACCOUNT)]
    around.copy_jobs[0]["creationTime"] = "2026-06-01T00:00:00Z"  # later, but it failed
    around.foundation_models[FM] = bedrock_context.foundation_model(FM, EAST)
    return around


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    with serve({EAST: (models(), surroundings())}) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", running.url)
        # The read learns its own account id (GetCallerIdentity, for the report's reads):
        # the stub answers it, so no test reaches for AWS's real endpoint.
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", running.url)
        yield running


def fetch(needs: frozenset[str], **options: Any) -> SourceResult:
    return fetch_models(boto3.Session, profile=None, regions=[EAST], model_ids=(),
                        needs=needs, **options)


def docs(result: SourceResult) -> dict[str, ModelInput]:
    return {str(m.document["modelName"]): m for m in result.models}


def test_every_key_joined_with_the_shape_rules_see(stub: Running) -> None:
    result = fetch(ALL)
    assert result.errors == ()
    found = docs(result)
    for item in found.values():
        assert document_problem(item.document) is None
        assert item.enrichment_errors == {}
    deployed = found["deployed"].document
    assert [d["customModelDeploymentName"] for d in deployed["deployments"]] == ["d1", "d2"]
    assert "updateDetails" not in deployed["deployments"][0]  # the listing lacks it
    assert deployed["served"] is True and deployed["throughputs"] == []
    assert found["provisioned"].document["served"] is True
    # desiredModelArn joins too; an Updating throughput still serves, its old model
    # (modelArn) until the new one (desiredModelArn) is deployed: both are served.
    assert [t["provisionedModelName"] for t in found["desired"].document["throughputs"]] == [
        "p2"]
    assert found["desired"].document["served"] is True
    assert found["plain"].document["served"] is True
    assert found["copied"].document["served"] is False
    assert found["plain"].document["copyJob"] is None
    copied = found["copied"].document["copyJob"]
    assert copied["sourceAccountId"] == "444455556666"  # the completed job, not the later one
    assert copied["targetModelTags"] == [{"key": "copied", "value": "true"}]
    for item in found.values():
        assert item.document["baseModel"]["modelLifecycle"]["status"] == "ACTIVE"
        assert item.document["importJob"] is None  # not imported
    calls = stub.stats()["calls"]
    assert calls["GetFoundationModel"] == 1  # six models, one foundation model
    assert calls["ListCustomModelDeployments"] == 1


@pytest.mark.parametrize(("failing", "broken"), [
    ("ListCustomModelDeployments", {"deployments", "served"}),
    ("ListProvisionedModelThroughputs", {"throughputs", "served"}),
    ("ListModelCopyJobs", {"copyJob"}),
    ("GetFoundationModel", {"baseModel"}),
])
def test_a_failed_call_breaks_only_its_keys(stub: Running, failing: str,
                                            broken: set[str]) -> None:
    stub.main.surroundings.failing.add(failing)
    result = fetch(ALL)
    assert result.errors == ()  # no model is lost: the keys carry the failure
    for item in result.models:
        assert set(item.enrichment_errors) == broken
        assert not broken & set(item.document)
        for code, message in item.enrichment_errors.values():
            assert code == "AccessDeniedException"
            assert message.startswith(f"{EAST}: {failing}") and "\n" not in message
        assert set(ALL - broken) <= set(item.document)


def test_nothing_is_listed_that_no_rule_needs(stub: Running) -> None:
    result = fetch(frozenset({"tags"}))
    assert not result.errors
    calls = stub.stats()["calls"]
    assert set(calls) == {"ListCustomModels", "GetCustomModel", "ListTagsForResource"}
    assert listings_for(frozenset({"served"})) == ("deployments", "throughputs")
    assert listings_for(frozenset({"deployments", "deployments.details"})) == ("deployments",)
    assert listings_for(frozenset({"baseModel", "importJob"})) == ()


def test_named_models_are_joined_too(stub: Running) -> None:
    arn = models()[0]["modelArn"]
    result = fetch_models(boto3.Session, profile=None, regions=[EAST],
                          model_ids=[arn, "copied"], needs=frozenset({"served", "copyJob"}))
    found = docs(result)
    assert set(found) == {"deployed", "copied"}
    assert found["deployed"].document["served"] is True
    assert found["copied"].document["copyJob"]["sourceAccountId"] == "444455556666"


def test_an_unknown_foundation_model_is_an_error_of_baseModel(stub: Running) -> None:
    stub.main.surroundings.foundation_models.clear()
    found = docs(fetch(frozenset({"baseModel"})))
    code, message = found["plain"].enrichment_errors["baseModel"]
    assert code == "ResourceNotFoundException"
    assert f"GetFoundationModel {FM}" in message


def _lifecycle_without_status() -> dict[str, Any]:
    details = bedrock_context.foundation_model(FM, EAST)
    details["modelLifecycle"] = {"endOfLifeTime": "2026-12-31T00:00:00Z"}
    return details


def _without_lifecycle() -> dict[str, Any]:
    details = bedrock_context.foundation_model(FM, EAST)
    del details["modelLifecycle"]
    return details


@pytest.mark.parametrize(("details", "code"), [
    (lambda: bedrock_context.foundation_model("amazon.nova-pro-v1:0", EAST), "WrongModel"),
    (lambda: {**bedrock_context.foundation_model(FM, EAST),
              "modelArn": f"arn:aws:bedrock:{EAST}::foundation-model/amazon.nova-pro-v1:0"},
     "WrongModel"),
    (lambda: {}, "WrongModel"),
    (_without_lifecycle, "MissingLifecycle"),
    (_lifecycle_without_status, "MissingLifecycle"),
])
def test_a_foundation_model_answer_must_be_the_one_asked_with_its_lifecycle(
        stub: Running, details: Any, code: str) -> None:
    stub.main.surroundings.foundation_models[FM] = details()
    result = fetch(frozenset({"baseModel", "served"}))
    assert result.errors == ()
    for item in result.models:
        assert "baseModel" not in item.document
        got, message = item.enrichment_errors["baseModel"]
        assert got == code and message.startswith(f"{EAST}: GetFoundationModel {FM}: {code}")
        assert item.document["served"] in (True, False)  # the other keys are still read


def test_thousands_of_models_one_listing_each(monkeypatch: pytest.MonkeyPatch) -> None:
    many = [model(f"m-{i:05d}") for i in range(2500)]
    around = Surroundings()
    around.deployments = [bedrock_context.deployment(m["modelArn"], f"d-{i}", EAST, ACCOUNT)
                          for i, m in enumerate(many) if i % 7 == 0]
    around.foundation_models[FM] = bedrock_context.foundation_model(FM, EAST)
    with serve({EAST: (many, around)}) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", running.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", running.url)
        result = fetch(frozenset({"served", "baseModel"}), workers=16)
        calls = running.stats()["calls"]
    assert len(result.models) == 2500 and not result.errors
    served = sum(1 for m in result.models if m.document["served"])
    assert served == len(around.deployments) == 358
    # Pages of 1,000: three pages of models, one of deployments.
    assert calls["ListCustomModels"] == 3
    assert calls["ListCustomModelDeployments"] == 1
    assert calls["ListProvisionedModelThroughputs"] == 1
    assert calls["GetFoundationModel"] == 1


def test_a_job_has_no_surroundings_yet() -> None:
    response = {"jobArn": f"arn:aws:bedrock:{EAST}:{ACCOUNT}:model-customization-job/j",
                "outputModelName": "future", "baseModelArn": f"arn:aws:bedrock:{EAST}::"
                                                              f"foundation-model/{FM}"}
    item = job_input(response, needs=ALL)
    assert {k: item.document[k] for k in ("deployments", "throughputs", "served", "copyJob",
                                          "importJob")} == {
        "deployments": [], "throughputs": [], "served": False, "copyJob": None,
        "importJob": None}
    assert item.enrichment_errors["baseModel"][0] == "NotAvailable"
