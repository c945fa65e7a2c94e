"""Whole organisations against moto's in-process AWS: deep checks (job, kmsKey), accounts
through assumed roles and profiles, every region, imported models, and the shared bound.

moto keeps one store per account and maps the credentials of an assumed role to the
role's account, so several accounts can be read in one test. moto has no Custom Model
Import: ``imported_models`` has the stand-in of ``tests/support/moto_bedrock.py`` answer
ListImportedModels, GetImportedModel and their ListTagsForResource, as AWS would; it also
serves each model's GetCustomModel (with the key it was made with) and finds jobs by ARN.
The helpers and the read-only check come from ``test_aws_fetch.py``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from checker.engine.evaluate import evaluate
from checker.results import Scanned, Status
from checker.sources.aws import FetchProgress
from checker.sources.aws.accounts import AccountSpec
from tests.sources.aws.test_aws_fetch import (  # noqa: F401  (fixtures are used by name)
    ACCOUNT,
    Recorder,
    _Body,
    aws_env,
    aws_error,
    deny,
    fetch,
    moto,
    names,
    read_only_operations,
    seed_model,
)
from tests.support import FIXED_NOW, moto_bedrock, policy_from

# Every test here runs inside moto's mock_aws.
pytestmark = pytest.mark.usefixtures("moto")

ACCOUNT_A = "444455556666"
ACCOUNT_B = "777788889999"
ROLE_A = f"arn:aws:iam::{ACCOUNT_A}:role/bedrock-drift-audit"
ROLE_B = f"arn:aws:iam::{ACCOUNT_B}:role/bedrock-drift-audit"


def kms_key(region: str = "us-east-1", *, aliases: tuple[str, ...] = (),
            account_role: str | None = None) -> str:
    """A customer-managed key in moto (in the role's account when given); its ARN."""
    kwargs: dict[str, Any] = {}
    if account_role is not None:
        sts = boto3.client("sts", region_name=region)
        creds = sts.assume_role(RoleArn=account_role, RoleSessionName="setup")["Credentials"]
        kwargs = {"aws_access_key_id": creds["AccessKeyId"],
                  "aws_secret_access_key": creds["SecretAccessKey"],
                  "aws_session_token": creds["SessionToken"]}
    client = boto3.client("kms", region_name=region, **kwargs)
    metadata = client.create_key(Description="ml platform")["KeyMetadata"]
    for alias in aliases:
        client.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"])
    return str(metadata["Arn"])


def query_error(url: str, code: str, message: str) -> AWSResponse:
    """An error as STS's query protocol sends it."""
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>")
    return AWSResponse(url, 403, {"Content-Type": "text/xml"}, _Body(body.encode()))


def body_of(request: Any) -> str:
    return request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")


# -- kmsKey -------------------------------------------------------------------------------


def test_kms_key_described_once_per_distinct_key() -> None:
    shared = kms_key(aliases=("alias/ml-platform", "alias/team_ml-2"))
    other = kms_key()
    for i in range(30):
        seed_model(f"shared-{i:02d}", kms=shared)
    for i in range(5):
        seed_model(f"other-{i}", kms=other)
    seed_model("aws-owned", kms=None)
    recorder = Recorder()
    result = fetch(recorder, needs=frozenset({"kmsKey"}), workers=8)
    assert result.errors == ()
    assert recorder.calls["DescribeKey"] == 2  # not 35
    assert recorder.calls["ListAliases"] == 2
    docs = {m.document["modelName"]: m.document for m in result.models}
    assert len(docs) == 36
    assert docs["aws-owned"]["kmsKey"] is None  # fetched: there is no key
    key = docs["shared-07"]["kmsKey"]
    assert key["Arn"] == shared and key["KeyManager"] == "CUSTOMER"
    assert key["aliases"] == ["alias/ml-platform", "alias/team_ml-2"]
    assert isinstance(key["CreationDate"], str)  # JSON data, not a datetime
    assert docs["other-1"]["kmsKey"]["aliases"] == []
    # Each model has its own copy of the shared answer.
    assert docs["shared-01"]["kmsKey"] == key and docs["shared-01"]["kmsKey"] is not key
    json.dumps([m.document for m in result.models])


def test_kms_key_in_another_region_is_read_there() -> None:
    west_key = kms_key("eu-west-1", aliases=("alias/eu",))
    seed_model("east-model-west-key", kms=west_key)
    recorder = Recorder()
    (model,) = fetch(recorder, needs=frozenset({"kmsKey"})).models
    assert model.document["kmsKey"]["aliases"] == ["alias/eu"]
    kms_urls = [url for op, url in recorder.requests if op in ("DescribeKey", "ListAliases")]
    assert kms_urls and all("kms.eu-west-1." in url for url in kms_urls)


def test_kms_failure_errors_only_the_rules_that_need_it() -> None:
    good = kms_key()
    locked = kms_key()
    seed_model("good", kms=good)
    seed_model("locked-1", kms=locked)
    seed_model("locked-2", kms=locked)
    seed_model("invented", kms="arn:aws:kms:us-east-1:123456789012:key/does-not-exist")
    recorder = Recorder(faults=[deny("DescribeKey", contains=locked)])
    result = fetch(recorder, needs=frozenset({"kmsKey"}), max_attempts=1)
    assert result.errors == ()  # the models were read; only their keys were not
    by_name = {m.document["modelName"]: m for m in result.models}
    assert by_name["good"].enrichment_errors == {}
    for name in ("locked-1", "locked-2"):
        assert "kmsKey" not in by_name[name].document
        code, message = by_name[name].enrichment_errors["kmsKey"]
        assert code == "AccessDeniedException"
        assert message.startswith(f"us-east-1: DescribeKey {locked}: AccessDeniedException: ")
        assert "\n" not in message
    assert by_name["invented"].enrichment_errors["kmsKey"][0] == "NotFoundException"
    assert recorder.calls["DescribeKey"] == 3  # the failure is remembered too

    policy = policy_from({"version": 1, "name": "p", "rules": [
        {"id": "cmk", "kms_key": {"customer_managed": True}},
        {"id": "lr", "hyperparameter": {"name": "learningRate", "max": 0.001}}]})
    report = evaluate([policy], result.models, scanned=Scanned(("aws",), (), ()),
                      now=FIXED_NOW)
    statuses = {m.model.name: dict(m.results) for m in report.models}
    assert statuses["good"] == {"p/cmk": Status.PASS, "p/lr": Status.PASS}
    assert statuses["locked-1"] == {"p/cmk": Status.ERROR, "p/lr": Status.PASS}
    assert report.exit_code == 2
    assert {(e.model_name, e.rule, e.code) for e in report.errors} == {
        ("locked-1", "p/cmk", "AccessDeniedException"),
        ("locked-2", "p/cmk", "AccessDeniedException"),
        ("invented", "p/cmk", "NotFoundException")}


# -- job ----------------------------------------------------------------------------------


def create_job_model(name: str, region: str = "us-east-1", *, kms: str | None = None) -> str:
    """A model made by a customization job in moto, trained in a VPC; the job's ARN. The
    stand-in finds the job by its ARN, as AWS does (moto finds it by name only), and
    reports ``kms`` as the model's key (None: the key moto invents)."""
    stand_in = moto_bedrock.current()
    stand_in.create_model(
        name, region, kms=kms or moto_bedrock.MOTO_KEY,
        role=f"arn:aws:iam::{ACCOUNT}:role/bedrock-training",
        training="s3://ml-approved-data/train.jsonl", output="s3://ml-approved-data/out/",
        hyper_parameters={"learningRate": "0.00005"},
        vpc={"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]})
    return str(stand_in.models[(ACCOUNT, region)][name]["jobArn"])  # as moto made it


def test_job_fetched_once_per_job_and_null_without_one() -> None:
    job = create_job_model("tuned")
    seed_model("no-job", extra={"jobArn": None})
    seed_model("job-gone", job=False)  # its job is gone (served by the stand-in)
    recorder = Recorder()
    result = fetch(recorder, needs=frozenset({"job"}), max_attempts=1)
    by_name = {m.document["modelName"]: m for m in result.models}
    assert recorder.calls["GetModelCustomizationJob"] == 2
    assert by_name["tuned"].enrichment_errors == {}
    tuned = by_name["tuned"].document["job"]
    assert tuned["jobArn"] == job
    assert tuned["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/bedrock-training"
    assert tuned["vpcConfig"] == {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]}
    assert "ResponseMetadata" not in tuned
    assert by_name["no-job"].document["job"] is None
    code, message = by_name["job-gone"].enrichment_errors["job"]
    assert code == "ResourceNotFoundException"
    assert message.startswith("us-east-1: GetModelCustomizationJob "
                              f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-customization-job/")
    assert result.errors == ()


def test_a_job_answer_about_another_job_is_an_error_of_job() -> None:
    asked = create_job_model("asked")
    other = create_job_model("other")
    stand_in = moto_bedrock.current()
    swapped = stand_in.jobs[(ACCOUNT, "us-east-1")][other]
    assert swapped is not None
    # Every GetModelCustomizationJob answered with the other job's document.
    stand_in.on("GetModelCustomizationJob", lambda call: moto_bedrock.ok(
        swapped.answer(stand_in)))
    result = fetch(Recorder(), needs=frozenset({"job"}), max_attempts=1)
    by_name = {m.document["modelName"]: m for m in result.models}
    assert "job" not in by_name["asked"].document
    code, message = by_name["asked"].enrichment_errors["job"]
    assert code == "WrongJob"
    assert message == (f"us-east-1: GetModelCustomizationJob {asked}: WrongJob: the answer "
                       f"is for {other!r}, not the job asked for")
    assert by_name["other"].document["job"]["jobArn"] == other  # its own answer is kept


@pytest.mark.parametrize(
    ("needs", "calls"),
    [
        pytest.param(frozenset(), {}, id="nothing"),
        pytest.param(frozenset({"tags"}), {"ListTagsForResource": 1}, id="tags-only"),
        pytest.param(frozenset({"job"}), {"GetModelCustomizationJob": 1}, id="job-only"),
        pytest.param(frozenset({"kmsKey"}), {"DescribeKey": 1, "ListAliases": 1},
                     id="kms-only"),
    ],
)
def test_enrichments_only_when_needed(needs: frozenset[str],
                                      calls: dict[str, int]) -> None:
    create_job_model("m", kms=kms_key())
    recorder = Recorder()
    (model,) = fetch(recorder, needs=needs, max_attempts=1).models
    # GetCallerIdentity: the read learns which account it read, once, for the report.
    extra_ops = {op: n for op, n in recorder.calls.items()
                 if op not in ("ListCustomModels", "GetCustomModel", "GetCallerIdentity")}
    assert recorder.calls["GetCallerIdentity"] == 1
    assert extra_ops == calls
    added = {"tags": "tags", "job": "job", "kmsKey": "kmsKey"}
    for need, key in added.items():
        assert (key in model.document or key in model.enrichment_errors) is (need in needs)


# -- accounts -----------------------------------------------------------------------------


def test_assumed_roles_read_each_account() -> None:
    seed_model("a-east", account=ACCOUNT_A)
    seed_model("a-west", "eu-west-1", account=ACCOUNT_A)
    seed_model("b-west", "eu-west-1", account=ACCOUNT_B)
    seed_model("b-east-not-listed", account=ACCOUNT_B)  # B reads eu-west-1 only
    seed_model("caller's-own")  # the calling account is not read
    recorder = Recorder()
    result = fetch(recorder, regions=["us-east-1", "eu-west-1"], accounts=[
        AccountSpec(role_arn=ROLE_A, external_id="nightly-audit"),
        AccountSpec(role_arn=ROLE_B, regions=("eu-west-1",))],
        role_session_name="ci-audit")
    assert result.errors == ()
    assert [(m.document["modelName"], m.document["accountId"], m.document["region"],
             m.origin) for m in result.models] == [
        ("a-east", ACCOUNT_A, "us-east-1", f"aws:{ACCOUNT_A}:us-east-1"),
        ("a-west", ACCOUNT_A, "eu-west-1", f"aws:{ACCOUNT_A}:eu-west-1"),
        ("b-west", ACCOUNT_B, "eu-west-1", f"aws:{ACCOUNT_B}:eu-west-1"),
    ]
    assert result.accounts == (ACCOUNT_A, ACCOUNT_B)
    assert result.regions == ("us-east-1", "eu-west-1")
    assume = [parse_qs(body) for op, body in recorder.bodies if op == "AssumeRole"]
    assert sorted((b["RoleArn"][0], b["RoleSessionName"][0], b.get("ExternalId", [None])[0])
                  for b in assume) == [(ROLE_A, "ci-audit", "nightly-audit"),
                                       (ROLE_B, "ci-audit", None)]


def test_failed_assume_role_is_an_error_for_that_account() -> None:
    seed_model("a", account=ACCOUNT_A)
    seed_model("b", account=ACCOUNT_B)

    def deny_b(op: str, region: str, request: Any) -> AWSResponse | None:
        if op == "AssumeRole" and ACCOUNT_B in unquote(body_of(request)):
            return query_error(request.url, "AccessDenied", "User: arn:aws:iam::123456789012:"
                               "user/ci is not authorized to perform: sts:AssumeRole")
        return None

    recorder = Recorder(faults=[deny_b])
    result = fetch(recorder, accounts=[AccountSpec(role_arn=ROLE_A),
                                       AccountSpec(role_arn=ROLE_B)], max_attempts=1)
    assert names(result) == ["a"]
    (error,) = result.errors
    assert (error.code, error.account_id, error.region, error.model_arn) == (
        "AccessDenied", ACCOUNT_B, None, None)
    assert error.message.startswith(f"{ACCOUNT_B}: AssumeRole {ROLE_B}: AccessDenied: User:")
    assert error.message.endswith("(no model of this account was read)")
    assert result.accounts == (ACCOUNT_A,)


def test_errors_carry_the_account() -> None:
    denied = seed_model("locked", account=ACCOUNT_A)
    seed_model("fine", account=ACCOUNT_A)
    seed_model("b", account=ACCOUNT_B)
    recorder = Recorder(faults=[deny("GetCustomModel", contains="locked")])
    result = fetch(recorder, regions=["us-east-1"],
                   accounts=[AccountSpec(role_arn=ROLE_A), AccountSpec(role_arn=ROLE_B)])
    assert sorted(names(result)) == ["b", "fine"]
    (error,) = result.errors
    assert (error.code, error.account_id, error.region, error.model_arn) == (
        "AccessDeniedException", ACCOUNT_A, "us-east-1", denied)
    assert error.message.startswith(f"{ACCOUNT_A}/us-east-1: GetCustomModel {denied}: ")


def test_region_error_names_the_account() -> None:
    seed_model("a", account=ACCOUNT_A)
    seed_model("b-west", "eu-west-1", account=ACCOUNT_B)
    recorder = Recorder(faults=[deny("ListCustomModels", region="us-east-1")])
    result = fetch(recorder, accounts=[AccountSpec(role_arn=ROLE_A, regions=("us-east-1",)),
                                       AccountSpec(role_arn=ROLE_B, regions=("eu-west-1",))])
    assert names(result) == ["b-west"]
    (error,) = result.errors
    assert (error.code, error.account_id, error.region) == (
        "AccessDeniedException", ACCOUNT_A, "us-east-1")
    assert error.message.startswith(f"{ACCOUNT_A}/us-east-1: ListCustomModels: "
                                    "AccessDeniedException: ")


def test_profile_account_is_named_by_its_id(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Any) -> None:
    config = tmp_path / "config"
    config.write_text("[profile sandbox]\nregion = eu-west-1\n"
                      "aws_access_key_id = a\naws_secret_access_key = b\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # else it would win over the profile's region
    seed_model("west", "eu-west-1")
    seed_model("east")
    recorder = Recorder(faults=[deny("GetCustomModel", contains="west")])
    result = fetch(recorder, accounts=[AccountSpec(profile="sandbox")])
    assert recorder.profiles == ["sandbox"]  # no default session is opened
    assert recorder.calls["GetCallerIdentity"] == 1
    (error,) = result.errors
    assert error.account_id == ACCOUNT
    assert error.message.startswith(f"{ACCOUNT}/eu-west-1: GetCustomModel ")


def test_every_client_shares_one_config() -> None:
    seed_model("m", account=ACCOUNT_A, kms=kms_key(account_role=ROLE_A))
    recorder = Recorder()
    result = fetch(recorder, accounts=[AccountSpec(role_arn=ROLE_A)],
                   needs=frozenset({"kmsKey", "tags"}), max_attempts=4)
    assert result.errors == () and result.models[0].document["kmsKey"]["KeyState"] == "Enabled"
    services = {op.split(":")[0] for op in read_only_operations_seen()}
    assert services == {"sts", "bedrock", "kms"}
    retries = {json.dumps(config.retries, sort_keys=True) for config in recorder.configs}
    # Adaptive retries everywhere: the clients the assumed-role accounts share have
    # botocore's standard retries and, per account, botocore's adaptive rate limiter
    # (clients.py; test_aws_retry_quota.py checks that each account has its own).
    assert retries == {json.dumps({"mode": "adaptive", "total_max_attempts": 4}),
                       json.dumps({"mode": "standard", "total_max_attempts": 4})}
    assert {(c.connect_timeout, c.read_timeout) for c in recorder.configs} == {(5, 30)}


def read_only_operations_seen() -> list[str]:
    from tests.sources.aws.test_aws_fetch import OPERATIONS
    return list(OPERATIONS)


def test_one_bound_on_requests_across_accounts_and_regions() -> None:
    for account in (ACCOUNT_A, ACCOUNT_B):
        for region in ("us-east-1", "eu-west-1"):
            for i in range(6):
                seed_model(f"m{i}", region, account=account)
    recorder = Recorder(delay=0.02)
    result = fetch(recorder, regions=["us-east-1", "eu-west-1"], workers=3,
                   accounts=[AccountSpec(role_arn=ROLE_A), AccountSpec(role_arn=ROLE_B)])
    assert len(result.models) == 24 and result.errors == ()
    assert 1 < recorder.max_in_flight <= 3


# -- every region -------------------------------------------------------------------------


def no_describe_regions(op: str, region: str, request: Any) -> AWSResponse | None:
    """EC2 DescribeRegions refused (no ec2:DescribeRegions), as EC2's query protocol answers:
    the run cannot learn which regions are enabled and falls back on each region's answer."""
    if op != "DescribeRegions":
        return None
    body = (b"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are "
            b"not authorized to perform this operation.</Message></Error></Errors>"
            b"<RequestID>0</RequestID></Response>")
    return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _Body(body))


def not_enabled(*regions: str) -> Any:
    def fault(op: str, region: str, request: Any) -> AWSResponse | None:
        if op == "DescribeRegions":
            return no_describe_regions(op, region, request)
        if region in regions:
            return aws_error(request.url, 403, "UnrecognizedClientException",
                             "The security token included in the request is invalid.")
        return None
    return fault


def test_all_regions_reads_every_bedrock_region() -> None:
    expected = boto3.session.Session().get_available_regions("bedrock")
    seed_model("east")
    seed_model("sydney", "ap-southeast-2")
    recorder = Recorder(faults=[not_enabled("me-south-1", "af-south-1")])
    result = fetch(recorder, all_regions=True, workers=16)
    assert len(expected) > 20 and "us-east-1" in expected
    assert recorder.calls["ListCustomModels"] == len(expected)
    assert sorted(names(result)) == ["east", "sydney"]
    assert result.errors == ()
    assert [w.code for w in result.warnings] == ["region-skipped", "region-skipped"]
    assert {w.message.split(":")[0] for w in result.warnings} == {"me-south-1", "af-south-1"}
    assert "UnrecognizedClientException" in result.warnings[0].message
    assert set(result.regions) == set(expected) - {"me-south-1", "af-south-1"}


def test_strict_regions_makes_a_skipped_region_an_error() -> None:
    recorder = Recorder(faults=[not_enabled("me-south-1")])
    result = fetch(recorder, all_regions=True, strict_regions=True, workers=16)
    (error,) = result.errors
    assert (error.code, error.region) == ("UnrecognizedClientException", "me-south-1")
    assert result.warnings == ()


def test_model_name_in_every_region_skips_those_not_enabled() -> None:
    seed_model("east")
    recorder = Recorder(faults=[not_enabled("me-south-1")])
    result = fetch(recorder, model_ids=["east", "ghost"], all_regions=True, workers=16)
    assert names(result) == ["east"]
    assert [w.message.split(":")[0] for w in result.warnings] == ["me-south-1"]
    # "ghost" is nowhere: one error per region that answered, none for me-south-1.
    assert {e.code for e in result.errors} == {"ResourceNotFoundException"}
    assert "me-south-1" not in {e.region for e in result.errors}
    assert len(result.errors) == len(boto3.session.Session().get_available_regions(
        "bedrock")) - 1


def test_explicit_region_not_enabled_is_an_error() -> None:
    result = fetch(Recorder(faults=[not_enabled("me-south-1")]), regions=["me-south-1"])
    assert [e.code for e in result.errors] == ["UnrecognizedClientException"]


def test_no_region_readable_is_an_error() -> None:
    """Bad credentials look like "not enabled" everywhere: that must not pass."""
    def everywhere(op: str, region: str, request: Any) -> AWSResponse | None:
        if op == "DescribeRegions":
            return no_describe_regions(op, region, request)
        return aws_error(request.url, 403, "UnrecognizedClientException", "invalid token")

    result = fetch(Recorder(faults=[everywhere]), all_regions=True, workers=16)
    (error,) = result.errors
    assert error.code == "NoRegionRead"
    assert "none of its" in error.message and "regions could be read" in error.message
    assert result.models == () and result.regions == ()


# -- imported models ----------------------------------------------------------------------


IMPORTED_KEY = "arn:aws:kms:us-east-1:123456789012:key/imported-key"


def imported_arn(i: int) -> str:
    return f"arn:aws:bedrock:us-east-1:{ACCOUNT}:imported-model/imp{i:04d}"


def imported_models(count: int, *, page: int = 2) -> None:
    """``count`` Custom Model Import models, listed in pages of ``page``; moto has no Custom
    Model Import, so the stand-in answers ListImportedModels, GetImportedModel and their
    (empty) ListTagsForResource, as AWS does."""
    stand_in = moto_bedrock.current()
    stand_in.imported_page = page
    for i in range(count):
        stand_in.add_imported({
            "modelArn": imported_arn(i), "modelName": f"imported-{i}",
            "jobArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-import-job/j{i}",
            "modelDataSource": {"s3DataSource": {"s3Uri": f"s3://imports/{i}/"}},
            "creationTime": "2026-01-02T03:04:05Z", "modelArchitecture": "llama3",
            "modelKmsKeyArn": IMPORTED_KEY, "instructSupported": True})


def test_imported_models_are_read_with_include_imported() -> None:
    seed_model("custom")
    imported_models(5)
    recorder = Recorder(faults=[deny("GetImportedModel", contains="imp0003")])
    result = fetch(recorder, include_imported=True, needs=frozenset({"job"}))
    assert [(m.document["modelName"], m.kind) for m in result.models] == [
        ("custom", "model"), ("imported-0", "imported"), ("imported-1", "imported"),
        ("imported-2", "imported"), ("imported-4", "imported")]
    assert recorder.calls["ListImportedModels"] == 3  # pages of 2
    doc = result.models[1].document
    assert doc["modelArchitecture"] == "llama3"
    assert doc["modelDataSource"] == {"s3DataSource": {"s3Uri": "s3://imports/0/"}}
    assert (doc["region"], doc["accountId"], doc["ownerAccountId"]) == (
        "us-east-1", ACCOUNT, ACCOUNT)
    assert isinstance(doc["creationTime"], str)
    # An imported model's jobArn is its import job: there is no customization job.
    assert doc["job"] is None
    assert recorder.calls["GetModelCustomizationJob"] == 1  # the custom model's only
    (error,) = result.errors
    assert (error.code, error.model_arn, error.model_name) == (
        "AccessDeniedException", imported_arn(3), "imported-3")
    assert error.message.startswith(f"us-east-1: GetImportedModel {imported_arn(3)}: ")


def test_imported_models_not_listed_by_default() -> None:
    seed_model("custom")
    imported_models(3)
    recorder = Recorder()
    result = fetch(recorder)
    assert names(result) == ["custom"]
    assert recorder.calls["ListImportedModels"] == 0


def test_imported_model_by_arn_and_its_key() -> None:
    imported_models(3)
    recorder = Recorder(faults=[deny("DescribeKey")])
    result = fetch(recorder, model_ids=[imported_arn(1)], needs=frozenset({"kmsKey"}),
                   max_attempts=1)
    (model,) = result.models
    assert model.kind == "imported" and recorder.calls["GetImportedModel"] == 1
    assert recorder.calls["GetCustomModel"] == 0
    assert model.enrichment_errors["kmsKey"][1].startswith(
        f"us-east-1: DescribeKey {IMPORTED_KEY}: AccessDeniedException")


# -- --model across accounts, progress ----------------------------------------------------


def test_model_arn_is_read_in_its_own_account_only() -> None:
    arn = seed_model("a", account=ACCOUNT_A)
    seed_model("named", account=ACCOUNT_B)
    stranger = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/x/y"
    recorder = Recorder()
    result = fetch(recorder, model_ids=[arn, "named", stranger], regions=["us-east-1"],
                   accounts=[AccountSpec(role_arn=ROLE_A), AccountSpec(role_arn=ROLE_B)])
    assert names(result) == ["a", "named"]
    # The ARN once (in A), the name in both accounts (missing in A is not an error).
    assert recorder.calls["GetCustomModel"] == 3
    (error,) = result.errors
    assert (error.code, error.model_arn, error.account_id) == ("AccountNotGiven", stranger,
                                                               ACCOUNT)


def test_progress_is_reported() -> None:
    for i in range(7):
        seed_model(f"m{i}", account=ACCOUNT_A)
    seen: list[FetchProgress] = []
    fetch(Recorder(), regions=["us-east-1", "eu-west-1"], progress=seen.append,
          accounts=[AccountSpec(role_arn=ROLE_A), AccountSpec(role_arn=ROLE_B)])
    assert seen
    last = seen[-1]
    assert (last.accounts_done, last.accounts, last.regions_done, last.regions,
            last.models, last.listed, last.errors) == (2, 2, 4, 4, 7, 7, 0)
    assert all(p.models <= p.listed and p.regions_done <= p.regions for p in seen)


def test_all_regions_follows_the_session_partition(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-gov-west-1")
    recorder = Recorder()
    result = fetch(recorder, all_regions=True)
    gov = boto3.session.Session().get_available_regions("bedrock", "aws-us-gov")
    assert gov and set(result.regions) == set(gov)
    assert recorder.calls["ListCustomModels"] == len(gov)


def test_shipped_baseline_on_imported_models_read_live() -> None:
    """GetImportedModel documents (no customizationType, no modelStatus) through
    --include-imported: the rules that cannot apply are not_applicable, the KMS and tag rules
    apply. moto has no Custom Model Import: ``imported_models`` answers as AWS does."""
    from checker.policy.loader import load_policies, needed_enrichments
    from tests.support import ROOT

    imported_models(2)
    policies, _ = load_policies([str(ROOT / "policies" / "baseline.yaml")])
    result = fetch(Recorder(), include_imported=True, needs=needed_enrichments(policies))
    assert result.errors == ()
    report = evaluate(policies, result.models, scanned=Scanned(("aws",), (), ()),
                      now=FIXED_NOW)
    for model in report.models:
        assert model.model.kind == "imported"
        assert {k.split("/")[1]: str(v) for k, v in model.results.items()} == {
            "kms-required": "fail",  # the stub's key is not of the platform account
            "approved-base-models": "not_applicable", "learning-rate-cap": "not_applicable",
            "rft-grader": "not_applicable", "training-data-bucket": "not_applicable",
            "validation-data-bucket": "not_applicable", "output-data-bucket": "not_applicable",
            "owner-tag": "fail", "data-classification-tag": "fail",  # no tags at all
            "model-active": "not_applicable"}
    assert {v.rule.id for v in report.violations} == {
        "kms-required", "owner-tag", "data-classification-tag"}


@pytest.mark.parametrize("fault", ["refused", "timeout"])
def test_a_region_that_cannot_be_reached_is_an_error_not_skipped(fault: str) -> None:
    """Only AWS's answer that the credentials are unknown there marks a region not
    enabled; a region refusing connections (or timing out) is unread, an error."""
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

    seed_model("east")
    offered = boto3.session.Session().get_available_regions("bedrock")
    disabled = not_opted_in()
    unreachable = {r for r in offered if r != "us-east-1"} - disabled  # 20-odd regions

    def cut(op: str, region: str, request: Any) -> AWSResponse | None:
        if region in unreachable:
            if fault == "refused":
                raise EndpointConnectionError(endpoint_url=request.url)
            raise ConnectTimeoutError(endpoint_url=request.url)
        return None

    result = fetch(Recorder(faults=[cut]), all_regions=True, workers=16, max_attempts=1)
    assert names(result) == ["east"]  # the other regions were still judged
    assert {e.region for e in result.errors} == unreachable
    assert {e.code for e in result.errors} == {
        "EndpointConnectionError" if fault == "refused" else "ConnectTimeoutError"}
    # Only the regions EC2 says are not enabled are skipped.
    assert {w.message.split(":")[0] for w in result.warnings} == set(offered) & disabled
    assert not unreachable & set(result.regions)


def not_opted_in() -> set[str]:
    """The regions moto's EC2 DescribeRegions reports as not enabled for the account."""
    regions = boto3.client("ec2", region_name="us-east-1").describe_regions(
        AllRegions=True)["Regions"]
    return {r["RegionName"] for r in regions if r["OptInStatus"] == "not-opted-in"}


def test_all_regions_skips_what_ec2_says_is_not_enabled_and_errors_the_rest() -> None:
    """EC2 DescribeRegions says which regions are enabled: the others are skipped unread,
    and an enabled region that answers as if it were not (bad credentials there, say) is
    an error, never skipped."""
    offered = set(boto3.session.Session().get_available_regions("bedrock"))
    disabled = not_opted_in() & offered
    enabled = sorted(offered - disabled - {"us-east-1"})
    assert disabled and enabled
    seed_model("east")

    def refusing(op: str, region: str, request: Any) -> AWSResponse | None:
        if region == enabled[0] and op == "ListCustomModels":
            return aws_error(request.url, 403, "UnrecognizedClientException", "invalid token")
        return None

    recorder = Recorder(faults=[refusing])
    result = fetch(recorder, all_regions=True, workers=16)
    assert names(result) == ["east"]
    assert recorder.calls["DescribeRegions"] == 1
    assert recorder.calls["ListCustomModels"] == len(offered) - len(disabled)
    assert {w.message.split(":")[0] for w in result.warnings} == disabled
    assert all("EC2 DescribeRegions: not-opted-in" in w.message for w in result.warnings)
    assert [(e.code, e.region) for e in result.errors] == [
        ("UnrecognizedClientException", enabled[0])]
    # --strict-regions: a region not enabled is read, and its failure is an error.
    strict = fetch(Recorder(faults=[not_enabled(*sorted(disabled))]), all_regions=True,
                   strict_regions=True, workers=16)
    assert {e.region for e in strict.errors} == disabled and strict.warnings == ()
