"""The stand-in of ``tests/support/moto_bedrock.py`` answers as the Bedrock API reference documents,
in process and in front of moto's server, and lets nothing it does not answer leave the
machine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support import fake_aws_env, moto_bedrock, reset_moto
from tests.support.moto_bedrock import StandIn

ACCOUNT = moto_bedrock.DEFAULT_ACCOUNT
OTHER = "444455556666"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StandIn]:
    fake_aws_env(monkeypatch, tmp_path)
    with moto_bedrock.mocked() as running:
        yield running


def bedrock(endpoint: str | None = None, **creds: str) -> Any:
    """A client with the stand-in ahead of moto (in process), or of the server at
    ``endpoint``."""
    session = moto_bedrock.install(boto3.session.Session())
    return session.client("bedrock", region_name="us-east-1", endpoint_url=endpoint,
                          aws_access_key_id=creds.get("key", "testing"),
                          aws_secret_access_key="testing",
                          aws_session_token=creds.get("token"))


def test_a_model_reports_the_key_it_was_made_with(stand_in: StandIn) -> None:
    keyed = stand_in.create_model("keyed", kms=KEY)
    stand_in.create_model("aws-owned", kms=None)
    stand_in.create_model("moto-key")
    client = bedrock()
    assert client.get_custom_model(modelIdentifier="keyed")["modelKmsKeyArn"] == KEY
    assert client.get_custom_model(modelIdentifier=keyed)["modelName"] == "keyed"
    # API_GetCustomModel: no key given, an AWS-owned key, and the member is absent.
    assert "modelKmsKeyArn" not in client.get_custom_model(modelIdentifier="aws-owned")
    assert client.get_custom_model(modelIdentifier="moto-key")["modelKmsKeyArn"].endswith(
        ":key/moto-key-job-moto-key-kms-key")  # moto's own, when asked for
    # moto still lists and tags every model itself.
    listed = {m["modelName"] for m in client.list_custom_models()["modelSummaries"]}
    assert listed == {"keyed", "aws-owned", "moto-key"}


def test_a_job_is_found_by_name_or_arn_and_names_its_model(stand_in: StandIn) -> None:
    model = stand_in.create_model("tuned", kms=KEY, job_name="tuning-1")
    client = bedrock()
    by_name = client.get_model_customization_job(jobIdentifier="tuning-1")
    by_arn = client.get_model_customization_job(jobIdentifier=by_name["jobArn"])
    for job in (by_name, by_arn):
        assert job["jobName"] == "tuning-1"
        assert (job["outputModelArn"], job["outputModelName"]) == (model, "tuned")
        assert job["outputModelKmsKeyArn"] == KEY
    stand_in.create_model("orphan", job=False)
    for ident in ("job-orphan",
                  f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/job-orphan"):
        with pytest.raises(ClientError) as gone:
            client.get_model_customization_job(jobIdentifier=ident)
        assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_each_account_sees_only_its_own_models(stand_in: StandIn) -> None:
    theirs = stand_in.create_model("theirs", account=OTHER, kms=KEY)
    creds = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{OTHER}:role/reader", RoleSessionName="reader")["Credentials"]
    other = bedrock(key=creds["AccessKeyId"], token=creds["SessionToken"])
    assert other.get_custom_model(modelIdentifier="theirs")["modelKmsKeyArn"] == KEY
    for ident in ("theirs", theirs):  # not in the default account: moto answers, not found
        with pytest.raises(ClientError) as missing:
            bedrock().get_custom_model(modelIdentifier=ident)
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_imported_models_are_paged_and_tagged(stand_in: StandIn) -> None:
    stand_in.imported_page = 2
    arns = [stand_in.add_imported({
        "modelArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:imported-model/m{i}",
        "modelName": f"m{i}", "creationTime": "2026-01-02T03:04:05Z",
        "modelArchitecture": "llama3", "modelKmsKeyArn": KEY},
        tags={"team": "ml"} if i == 0 else None) for i in range(3)]
    client = bedrock()
    first = client.list_imported_models()
    assert [m["modelName"] for m in first["modelSummaries"]] == ["m0", "m1"]
    assert "modelKmsKeyArn" not in first["modelSummaries"][0]  # not a summary member
    second = client.list_imported_models(nextToken=first["nextToken"])
    assert [m["modelName"] for m in second["modelSummaries"]] == ["m2"]
    assert "nextToken" not in second
    assert client.get_imported_model(modelIdentifier=arns[1])["modelKmsKeyArn"] == KEY
    assert client.list_tags_for_resource(resourceARN=arns[0])["tags"] == [
        {"key": "team", "value": "ml"}]
    assert client.list_tags_for_resource(resourceARN=arns[2])["tags"] == []


def test_an_operation_moto_lacks_never_leaves_the_machine(stand_in: StandIn) -> None:
    client = bedrock()
    with pytest.raises(ClientError) as unserved:
        client.list_model_copy_jobs()
    assert unserved.value.response["Error"]["Code"] == "UnknownOperationException"
    stand_in.on("ListModelCopyJobs", lambda call: moto_bedrock.ok(
        {"modelCopyJobSummaries": [], "nextToken": f"{call.account}/{call.region}"}))
    assert client.list_model_copy_jobs()["nextToken"] == f"{ACCOUNT}/us-east-1"


def test_in_front_of_moto_server(server: str) -> None:
    reset_moto(server)
    with moto_bedrock.front(server) as (stand_in, endpoint):
        model = stand_in.create_model("served", kms=None)
        client = bedrock(endpoint)
        assert "modelKmsKeyArn" not in client.get_custom_model(modelIdentifier=model)
        job_arn = client.get_custom_model(modelIdentifier="served")["jobArn"]
        job = client.get_model_customization_job(jobIdentifier=job_arn)
        assert job["outputModelArn"] == model
        # Forwarded to moto as it is: the listing, and an unknown model's error.
        assert [m["modelArn"] for m in client.list_custom_models()["modelSummaries"]] == [
            model]
        with pytest.raises(ClientError) as missing:
            client.get_custom_model(modelIdentifier="ghost")
        assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
