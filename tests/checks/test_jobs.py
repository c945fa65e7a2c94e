"""In-flight customization jobs as the models they will produce (kind ``job``)."""

from __future__ import annotations

from datetime import datetime, timezone

from checker.sources.aws.jobs import job_input

JOB_ARN = ("arn:aws:bedrock:us-east-1:111122223333:model-customization-job/"
           "amazon.titan-text-express-v1:0:8k/a1b2c3d4e5f6")
RESPONSE = {
    "ResponseMetadata": {"HTTPStatusCode": 200},
    "jobArn": JOB_ARN,
    "jobName": "support-ft-7",
    "outputModelName": "support-summarizer-v7",
    "roleArn": "arn:aws:iam::111122223333:role/BedrockCustomizationRole",
    "status": "InProgress",
    "creationTime": datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc),
    "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1:0:8k",
    "hyperParameters": {"learningRate": "0.001"},
    "trainingDataConfig": {"s3Uri": "s3://acme-ml-training-data/support/train.jsonl"},
    "outputDataConfig": {"s3Uri": "s3://acme-ml-model-output/support/"},
    "customizationType": "FINE_TUNING",
    "outputModelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/k",
    "vpcConfig": {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]},
}


def test_job_maps_onto_the_model_it_will_produce() -> None:
    item = job_input(RESPONSE, origin="aws:us-east-1")
    doc = dict(item.document)
    assert item.kind == "job"
    assert "modelArn" not in doc and "modelStatus" not in doc
    assert doc["modelName"] == "support-summarizer-v7"
    assert doc["modelKmsKeyArn"] == "arn:aws:kms:us-east-1:111122223333:key/k"
    assert doc["hyperParameters"] == {"learningRate": "0.001"}
    assert (doc["region"], doc["accountId"]) == ("us-east-1", "111122223333")
    assert doc["job"]["roleArn"] == RESPONSE["roleArn"]
    assert doc["job"]["creationTime"] == "2026-11-27T09:00:00Z"
    assert "ResponseMetadata" not in doc["job"]
    assert item.enrichment_errors == {}


def test_tags_of_a_job_are_not_available() -> None:
    item = job_input(RESPONSE, needs=frozenset({"tags"}))
    assert "tags" not in item.document
    assert item.enrichment_errors["tags"][0] == "NotAvailable"


# --- live, against moto ----------------------------------------------------------------------

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from checker.sources.aws.jobs import fetch_jobs  # noqa: E402


def _start_job(client: object, name: str, learning_rate: str) -> str:
    response = client.create_model_customization_job(  # type: ignore[attr-defined]
        jobName=f"{name}-job", customModelName=name,
        roleArn="arn:aws:iam::123456789012:role/BedrockCustomizationRole",
        baseModelIdentifier="amazon.titan-text-express-v1",
        trainingDataConfig={"s3Uri": "s3://acme-ml-training-data/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://acme-ml-model-output/"},
        hyperParameters={"learningRate": learning_rate})
    return str(response["jobArn"])


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)


def test_fetch_jobs_from_moto(aws_env: None) -> None:
    with mock_aws():
        east = boto3.client("bedrock", region_name="us-east-1")
        west = boto3.client("bedrock", region_name="us-west-2")
        _start_job(east, "support-v7", "0.001")
        _start_job(west, "fraud-v3", "0.00001")
        _start_job(east, "stopped", "0.1")
        east.stop_model_customization_job(jobIdentifier="stopped-job")
        result = fetch_jobs({"us-east-1": east, "us-west-2": west},
                            needs=frozenset({"tags"}))
    assert result.errors == ()
    assert sorted((m.kind, m.document["modelName"].split("-")[0], m.document["region"])
                  for m in result.models) == [("job", "fraud", "us-west-2"),
                                              ("job", "support", "us-east-1")]
    assert result.regions == ("us-east-1", "us-west-2")
    assert all("modelArn" not in m.document for m in result.models)


def test_jobs_whose_model_was_read_are_not_judged_twice(aws_env: None) -> None:
    with mock_aws():
        east = boto3.client("bedrock", region_name="us-east-1")
        _start_job(east, "support-v7", "0.001")
        # A job that finished has produced its model: that ARN was read as a model.
        existing = frozenset({east.get_model_customization_job(
            jobIdentifier="support-v7-job")["outputModelArn"]})
        result = fetch_jobs({"us-east-1": east}, skip_models=existing)
    assert result.models == ()


def test_a_region_that_cannot_be_listed_is_an_error(aws_env: None) -> None:
    class Denied:
        def list_model_customization_jobs(self, **_: object) -> object:
            from botocore.exceptions import ClientError
            raise ClientError({"Error": {"Code": "AccessDeniedException",
                                         "Message": "not allowed"}}, "ListModelCustomizationJobs")

    result = fetch_jobs({"eu-west-1": Denied()})
    assert result.models == ()
    assert [(e.code, e.region) for e in result.errors] == [("AccessDeniedException", "eu-west-1")]
    assert "ListModelCustomizationJobs" in result.errors[0].message
