"""In-flight customization jobs as the models they will produce (kind ``job``)."""

from __future__ import annotations

from datetime import datetime, timezone

from checker.sources.jobs import job_input

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
