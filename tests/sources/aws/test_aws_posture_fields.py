"""The account settings around the models (issue 24): the enforced guardrails' configuration,
the encryption of the invocation logs, the Bedrock VPC endpoints, who has
AmazonBedrockFullAccess and the long-term Bedrock API keys, read from live AWS.

moto (in process) answers S3 ``GetBucketEncryption``, CloudWatch Logs ``DescribeLogGroups``,
EC2 ``DescribeVpcEndpoints`` and IAM ``ListEntitiesForPolicy`` itself, seeded through its API
(IAM's AWS managed policies loaded through moto's documented ``iam.load_aws_managed_policies``
setting). moto has no guardrails: ``ListEnforcedGuardrailsConfiguration`` and ``GetGuardrail``
are served by the stand-in of ``tests/support/moto_bedrock.py``, whose guardrails are checked
against
botocore's output shape of ``GetGuardrail``. moto has no ``ListServiceSpecificCredentials``
either: ``apiKeys`` is read here from a botocore ``Stubber`` (which validates every answer
against botocore's shape) and end to end through the stand-in in front of moto's server
(``tests/product/test_e2e_posture.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from checker.engine.evaluate import evaluate
from checker.results import Scanned
from checker.sources.aws import paging, posture
from checker.sources.aws.accounts import AccountSpec
from tests.sources.aws.test_aws_fetch import (  # noqa: F401  (fixtures are used by name)
    ACCOUNT,
    Recorder,
    _Body,
    aws_env,
    fetch,
    read_only_operations,
    seed_model,
)
from tests.support import FIXED_NOW, moto_bedrock, policy_from
from tests.support.moto_bedrock import Answer, Call

MEMBER = "444455556666"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/logs"
FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"


def _moto(managed_policies: bool) -> Iterator[moto_bedrock.StandIn]:
    from moto import mock_aws

    config = {**moto_bedrock.mock_config(),
              "iam": {"load_aws_managed_policies": managed_policies}}
    with mock_aws(config=config), moto_bedrock.standing_in() as stand_in:  # type: ignore[arg-type]
        yield stand_in


@pytest.fixture
def moto() -> Iterator[moto_bedrock.StandIn]:
    """moto in process, and the Bedrock stand-in."""
    yield from _moto(False)


@pytest.fixture
def moto_iam() -> Iterator[moto_bedrock.StandIn]:
    """The same, with IAM's AWS managed policies (AmazonBedrockFullAccess among them), for the
    tests of ``broadAccess``: loading them made every IAM backend moto created cost 60 ms."""
    yield from _moto(True)


def enforce(stand_in: moto_bedrock.StandIn, *items: tuple[str, str | None]) -> None:
    """ListEnforcedGuardrailsConfiguration names these (ARN, version) pairs, one a page."""
    def listing(call: Call) -> Answer:
        start = int((call.query.get("nextToken") or ["0"])[0])
        if start >= len(items):
            return moto_bedrock.ok({"guardrailsConfig": []})
        arn, version = items[start]
        item: dict[str, Any] = {"configId": f"c{start}", "guardrailArn": arn,
                                "guardrailId": arn.rsplit("/", 1)[-1]}
        if version is not None:
            item["guardrailVersion"] = version
        body: dict[str, Any] = {"guardrailsConfig": [item]}
        if start + 1 < len(items):
            body["nextToken"] = str(start + 1)
        return moto_bedrock.ok(body)
    stand_in.on("ListEnforcedGuardrailsConfiguration", listing)


STRONG = {
    "contentPolicy": {"filters": [
        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
        {"type": "VIOLENCE", "inputStrength": "HIGH", "outputStrength": "HIGH"}]},
    "sensitiveInformationPolicy": {"piiEntities": [
        {"type": "AWS_SECRET_KEY", "action": "BLOCK"}],
        "regexes": [{"name": "card", "pattern": "[0-9]{16}", "action": "ANONYMIZE"}]},
    "contextualGroundingPolicy": {"filters": [
        {"type": "GROUNDING", "threshold": 0.8}, {"type": "RELEVANCE", "threshold": 0.7}]},
    "kmsKeyArn": KEY,
}


def test_each_enforced_guardrail_is_read_at_its_enforced_version(
        moto: moto_bedrock.StandIn) -> None:
    strong = moto.add_guardrail("strong", "3", **STRONG)
    moto.add_guardrail("strong", "1")  # an older version, weaker: not the one enforced
    weak = moto.add_guardrail("weak", "DRAFT", contentPolicy={"filters": [
        {"type": "PROMPT_ATTACK", "inputStrength": "LOW", "outputStrength": "NONE"}]})
    enforce(moto, (strong, "3"), (weak, None), (strong, "3"))
    recorder = Recorder()
    result = fetch(recorder, regions=("us-east-1",), posture=frozenset({"guardrails"}))
    (document,) = [p.document for p in result.postures]
    assert [(g["guardrailId"], g["version"]) for g in document["guardrails"]] == [
        ("strong", "3"), ("weak", "DRAFT")]
    assert document["guardrails"][0]["contentPolicy"] == STRONG["contentPolicy"]
    assert document["guardrails"][0]["kmsKeyArn"] == KEY
    assert "enforcedGuardrails" not in document  # read for guardrails, not judged itself
    assert recorder.calls["GetGuardrail"] == 2  # the same guardrail and version once
    assert recorder.calls["ListEnforcedGuardrailsConfiguration"] == 3


def test_a_missing_guardrail_version_is_an_error_naming_it(
        moto: moto_bedrock.StandIn) -> None:
    arn = moto.add_guardrail("g", "1", **STRONG)
    enforce(moto, (arn, "7"))
    result = fetch(Recorder(), regions=("us-east-1",),
                   posture=frozenset({"guardrails", "enforcedGuardrails"}))
    (settings,) = result.postures
    assert "guardrails" not in settings.document
    assert settings.document["enforcedGuardrails"][0]["guardrailVersion"] == "7"
    code, message = settings.enrichment_errors["guardrails"]
    assert code == "ResourceNotFoundException"
    assert message.startswith(f"{ACCOUNT}/us-east-1: GetGuardrail {arn} version 7: "
                              "ResourceNotFoundException:")


def test_no_enforced_guardrail_is_an_empty_list(moto: moto_bedrock.StandIn) -> None:
    enforce(moto)
    result = fetch(Recorder(), regions=("us-east-1",), posture=frozenset({"guardrails"}))
    assert result.postures[0].document["guardrails"] == []


def put_logging(config: dict[str, Any], region: str = "us-east-1") -> None:
    boto3.client("bedrock", region_name=region).put_model_invocation_logging_configuration(
        loggingConfig=config)


def bucket(name: str, kms: str | None = None, region: str = "us-east-1") -> str:
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=name)
    if kms is not None:
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                    "KMSMasterKeyID": kms}}]})
    return name


def test_the_encryption_of_each_logging_destination(moto: moto_bedrock.StandIn) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="/bedrock/invocations", kmsKeyId=KEY)
    logs.create_log_group(logGroupName="/bedrock/invocations-old")  # same prefix, no key
    put_logging({"s3Config": {"bucketName": bucket("logs-kms", KEY)},
                 "cloudWatchConfig": {
                     "logGroupName": "/bedrock/invocations",
                     "roleArn": f"arn:aws:iam::{ACCOUNT}:role/logs",
                     "largeDataDeliveryS3Config": {"bucketName": bucket("logs-plain")}},
                 "textDataDeliveryEnabled": True})
    recorder = Recorder()
    result = fetch(recorder, regions=("us-east-1", "eu-west-1"),
                   posture=frozenset({"invocationLogEncryption"}))
    east, west = (p.document["invocationLogEncryption"] for p in result.postures)
    rule = east["s3"]["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                          "KMSMasterKeyID": KEY}
    assert east["cloudWatch"]["logGroupName"] == "/bedrock/invocations"
    assert east["cloudWatch"]["kmsKeyId"] == KEY
    # A bucket without default encryption: the configuration is null, not a failure.
    assert east["largeDataS3"] == {"ServerSideEncryptionConfiguration": None}
    # Logging off in eu-west-1: nothing to encrypt, every destination null.
    assert west == {"s3": None, "cloudWatch": None, "largeDataS3": None}
    assert recorder.calls["GetBucketEncryption"] == 2
    assert recorder.calls["DescribeLogGroups"] == 1
    assert recorder.calls["GetModelInvocationLoggingConfiguration"] == 2
    assert all(not p.enrichment_errors for p in result.postures)


def s3_denied(op: str, region: str, request: Any) -> AWSResponse | None:
    """S3's answer for a bucket of another account, or one the role may not read: 403
    AccessDenied, in S3's XML."""
    if op != "GetBucketEncryption":
        return None
    return AWSResponse(request.url, 403, {"Content-Type": "application/xml"}, _Body(
        b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"))


def test_a_log_group_not_found_and_a_bucket_of_another_account_are_errors(
        moto: moto_bedrock.StandIn) -> None:
    put_logging({"cloudWatchConfig": {"logGroupName": "/gone",
                                      "roleArn": f"arn:aws:iam::{ACCOUNT}:role/logs"}})
    put_logging({"s3Config": {"bucketName": "elsewhere-logs"}}, "eu-west-1")
    recorder = Recorder(faults=[s3_denied])
    result = fetch(recorder, regions=("us-east-1", "eu-west-1"), max_attempts=1,
                   posture=frozenset({"invocationLogEncryption", "invocationLogging"}))
    east, west = result.postures
    assert east.enrichment_errors["invocationLogEncryption"] == (
        "LogGroupNotFound", f"{ACCOUNT}/us-east-1: DescribeLogGroups /gone: LogGroupNotFound: "
        "no log group of that name in this account and region")
    code, message = west.enrichment_errors["invocationLogEncryption"]
    assert (code, message) == ("AccessDenied", f"{ACCOUNT}/eu-west-1: GetBucketEncryption "
                               "s3://elsewhere-logs: AccessDenied: Access Denied")
    # The logging configuration itself was read: only the encryption rules are errors.
    assert west.document["invocationLogging"] == {"s3Config": {"bucketName": "elsewhere-logs"}}


def test_a_log_group_the_role_cannot_describe_is_an_error_naming_it(
        moto: moto_bedrock.StandIn) -> None:
    from tests.sources.aws.test_aws_fetch import deny

    put_logging({"cloudWatchConfig": {"logGroupName": "/secret",
                                      "roleArn": f"arn:aws:iam::{ACCOUNT}:role/logs"}})
    result = fetch(Recorder(faults=[deny("DescribeLogGroups")]), regions=("us-east-1",),
                   max_attempts=1, posture=frozenset({"invocationLogEncryption"}))
    code, message = result.postures[0].enrichment_errors["invocationLogEncryption"]
    assert code == "AccessDeniedException"
    assert message.startswith(f"{ACCOUNT}/us-east-1: DescribeLogGroups /secret: "
                              "AccessDeniedException: ")


def test_the_bucket_is_asked_for_with_its_expected_owner(moto: moto_bedrock.StandIn) -> None:
    """S3 answers 403 Access Denied when ExpectedBucketOwner is not the bucket's owner
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html):
    the reader names the reading account, so a bucket of another account is an error."""
    put_logging({"s3Config": {"bucketName": bucket("logs-kms", KEY)}})
    owners: list[bytes] = []

    def note_owner(op: str, region: str, request: Any) -> None:
        if op == "GetBucketEncryption":
            owners.append(request.headers.get("x-amz-expected-bucket-owner"))
    recorder = Recorder(faults=[note_owner])
    fetch(recorder, regions=("us-east-1",), posture=frozenset({"invocationLogEncryption"}))
    assert owners == [ACCOUNT.encode()]


def test_the_bedrock_interface_endpoints_of_the_region(moto: moto_bedrock.StandIn) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for service, dns in (("bedrock-runtime", True), ("bedrock", False),
                         ("bedrock-agent-runtime", True), ("sts", True)):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.us-east-1.{service}",
                                VpcEndpointType="Interface", PrivateDnsEnabled=dns)
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3",
                            VpcEndpointType="Gateway")
    recorder = Recorder()
    result = fetch(recorder, regions=("us-east-1", "eu-west-1"),
                   posture=frozenset({"vpcEndpoints"}))
    east, west = (p.document["vpcEndpoints"] for p in result.postures)
    assert sorted((e["ServiceName"], e["PrivateDnsEnabled"], e["VpcId"]) for e in east) == [
        ("com.amazonaws.us-east-1.bedrock", False, vpc),
        ("com.amazonaws.us-east-1.bedrock-runtime", True, vpc)]
    assert west == []
    assert recorder.calls["DescribeVpcEndpoints"] == 2


def test_broad_access_is_read_once_per_account(moto_iam: moto_bedrock.StandIn) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_role(RoleName="data-science", AssumeRolePolicyDocument="{}")
    iam.attach_role_policy(RoleName="data-science", PolicyArn=FULL_ACCESS)
    iam.create_user(UserName="intern")
    iam.attach_user_policy(UserName="intern", PolicyArn=FULL_ACCESS)
    recorder = Recorder()
    result = fetch(recorder, regions=("us-east-1", "eu-west-1", "us-west-2"),
                   posture=frozenset({"broadAccess"}))
    values = [p.document["broadAccess"] for p in result.postures]
    assert len(values) == 3 and all(v == values[0] for v in values)
    assert [r["RoleName"] for r in values[0]["PolicyRoles"]] == ["data-science"]
    assert [u["UserName"] for u in values[0]["PolicyUsers"]] == ["intern"]
    assert values[0]["PolicyGroups"] == []
    assert recorder.calls["ListEntitiesForPolicy"] == 1  # IAM is global


def test_a_member_account_is_read_with_its_own_iam(moto_iam: moto_bedrock.StandIn) -> None:
    iam = moto_iam.client("iam", MEMBER)
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument="{}")
    iam.attach_role_policy(RoleName="admin", PolicyArn=FULL_ACCESS)
    result = fetch(Recorder(), regions=("us-east-1",), posture=frozenset({"broadAccess"}),
                   accounts=[AccountSpec(role_arn=f"arn:aws:iam::{MEMBER}:role/audit"),
                             AccountSpec(profile=None)])
    assert [(p.document["accountId"], [r["RoleName"] for r in
                                       p.document["broadAccess"]["PolicyRoles"]])
            for p in result.postures] == [(MEMBER, ["admin"]), (ACCOUNT, [])]


def iam_denied(op: str, region: str, request: Any) -> AWSResponse | None:
    """IAM's answer to a role without iam:ListEntitiesForPolicy, in IAM's XML."""
    if op != "ListEntitiesForPolicy":
        return None
    return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _Body(
        b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not "
        b"authorized to perform: iam:ListEntitiesForPolicy</Message></Error></ErrorResponse>"))


def test_a_garbled_answer_is_an_error_too(moto: moto_bedrock.StandIn) -> None:
    def garbled(op: str, region: str, request: Any) -> AWSResponse | None:
        if op != "DescribeVpcEndpoints":
            return None
        return AWSResponse(request.url, 500, {"Content-Type": "text/xml"}, _Body(b"{not xml"))
    result = fetch(Recorder(faults=[garbled]), regions=("us-east-1",), max_attempts=1,
                   posture=frozenset({"vpcEndpoints"}))
    (settings,) = result.postures
    code, message = settings.enrichment_errors["vpcEndpoints"]
    assert code == "ResponseParserError"
    assert message.startswith(f"{ACCOUNT}/us-east-1: DescribeVpcEndpoints: ResponseParserError:")


def test_a_denied_global_read_errors_every_region_of_the_account_once(
        moto_iam: moto_bedrock.StandIn) -> None:
    recorder = Recorder(faults=[iam_denied])
    result = fetch(recorder, regions=("us-east-1", "eu-west-1"), max_attempts=1,
                   posture=frozenset({"broadAccess", "vpcEndpoints"}))
    for settings in result.postures:
        assert "broadAccess" not in settings.document
        assert settings.document["vpcEndpoints"] == []
        assert settings.enrichment_errors["broadAccess"] == ("AccessDenied", (
            f"{ACCOUNT}/us-east-1: ListEntitiesForPolicy AmazonBedrockFullAccess: AccessDenied: "
            "not authorized to perform: iam:ListEntitiesForPolicy"))
    assert recorder.calls["ListEntitiesForPolicy"] == 1


# -- apiKeys: ListServiceSpecificCredentials, which moto lacks, from botocore's Stubber ------


class _Ask:
    """The part of posture.Ask the API key reader uses: one stubbed IAM client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def client(self, service: str) -> Any:
        assert service == "iam"
        return self._client


def key(user: str, status: str, created: datetime) -> dict[str, Any]:
    return {"UserName": user, "Status": status, "ServiceName": "bedrock.amazonaws.com",
            "ServiceSpecificCredentialId": f"ACCA{user.upper():0<16}"[:20],
            "CreateDate": created, "ServiceUserName": f"{user}+1-at-{ACCOUNT}"}


def test_api_keys_of_every_user_across_pages() -> None:
    client = boto3.client("iam", region_name="us-east-1")
    expected = {"ServiceName": "bedrock.amazonaws.com", "AllUsers": True, "MaxItems": 1000}
    with Stubber(client) as stub:
        stub.add_response("list_service_specific_credentials", {
            "ServiceSpecificCredentials": [key("alice", "Active",
                                               datetime(2026, 1, 2, tzinfo=timezone.utc))],
            "IsTruncated": True, "Marker": "m2"}, expected)
        stub.add_response("list_service_specific_credentials", {
            "ServiceSpecificCredentials": [key("bob", "Inactive",
                                               datetime(2026, 11, 1, tzinfo=timezone.utc))],
            "IsTruncated": False}, {**expected, "Marker": "m2"})
        found = posture.read_api_keys(_Ask(client))  # type: ignore[arg-type]
        stub.assert_no_pending_responses()
    assert [(k["UserName"], k["Status"], k["CreateDate"]) for k in found] == [
        ("alice", "Active", "2026-01-02T00:00:00Z"), ("bob", "Inactive", "2026-11-01T00:00:00Z")]


def test_api_keys_past_the_page_limit_are_an_error_not_a_partial_list(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(posture, "API_KEY_PAGES", 3)
    client = boto3.client("iam", region_name="us-east-1")
    with Stubber(client) as stub:
        for page in range(3):
            stub.add_response("list_service_specific_credentials", {
                "ServiceSpecificCredentials": [], "IsTruncated": True,
                "Marker": f"m{page + 1}"})
        with pytest.raises(paging.EndlessListing, match="still a Marker after 3 pages"):
            posture.read_api_keys(_Ask(client))  # type: ignore[arg-type]


def test_rules_on_the_new_settings_judge_what_was_read(moto: moto_bedrock.StandIn) -> None:
    """Fail closed per rule: the guardrail rule errors, the endpoint rule is judged."""
    arn = moto.add_guardrail("g", "1", **STRONG)
    enforce(moto, (arn, "2"))
    policy = policy_from({"version": 1, "name": "acct", "resource": "account", "rules": [
        {"id": "prompt-attack", "require": {
            "field": "guardrails[].contentPolicy.filters[].inputStrength", "equals": "HIGH"}},
        {"id": "endpoints", "require": {"field": "vpcEndpoints[].PrivateDnsEnabled",
                                        "equals": True}}]})
    result = fetch(Recorder(), regions=("us-east-1",),
                   posture=frozenset({"guardrails", "vpcEndpoints"}))
    report = evaluate([policy], result.postures, scanned=Scanned(("aws",), (), ()),
                      now=FIXED_NOW)
    assert {k: str(v) for k, v in report.models[0].results.items()} == {
        "acct/prompt-attack": "error", "acct/endpoints": "fail"}
    (error,) = report.errors
    assert error.rule == "acct/prompt-attack" and error.account_id == ACCOUNT
    assert f"GetGuardrail {arn} version 2" in error.message


# -- risk in context: a model rule reads its own account and region's settings ------------

MODEL_RULES = policy_from({"version": 1, "name": "ctx", "rules": [
    {"id": "region-logs", "require": {"field": "account.invocationLogging.s3Config.bucketName",
                                      "exists": True}},
    {"id": "named", "require": {"field": "modelName", "exists": True}}]})


def test_a_model_rule_reads_its_own_account_and_regions_settings(
        moto: moto_bedrock.StandIn) -> None:
    from checker.policy.loader import account_settings, needed_enrichments

    put_logging({"s3Config": {"bucketName": bucket("logs-kms", KEY)}})
    seed_model("east")
    seed_model("west", "eu-west-1")
    needs = needed_enrichments([MODEL_RULES])
    assert needs == {"account.invocationLogging"}
    assert account_settings([MODEL_RULES]) is None  # no account policy
    recorder = Recorder()
    result = fetch(recorder, regions=("us-east-1", "eu-west-1"), needs=needs)
    assert result.postures == ()  # no account document is judged
    by_name = {m.document["modelName"]: m.document["account"] for m in result.models}
    assert by_name == {
        "east": {"accountId": ACCOUNT, "region": "us-east-1",
                 "invocationLogging": {"s3Config": {"bucketName": "logs-kms"}}},
        "west": {"accountId": ACCOUNT, "region": "eu-west-1", "invocationLogging": None}}
    assert recorder.calls["GetModelInvocationLoggingConfiguration"] == 2  # per region
    report = evaluate([MODEL_RULES], result.models, scanned=Scanned(("aws",), (), ()),
                      now=FIXED_NOW)
    assert {m.model.display_name: {k: str(v) for k, v in m.results.items()}
            for m in report.models} == {
        "east": {"ctx/region-logs": "pass", "ctx/named": "pass"},
        "west": {"ctx/region-logs": "fail", "ctx/named": "pass"}}


def test_a_model_whose_account_settings_could_not_be_read_is_an_error_not_a_pass(
        moto: moto_bedrock.StandIn) -> None:
    from tests.sources.aws.test_aws_fetch import deny

    put_logging({"s3Config": {"bucketName": bucket("logs-kms", KEY)}})
    seed_model("east")
    recorder = Recorder(faults=[deny("GetModelInvocationLoggingConfiguration")])
    result = fetch(recorder, regions=("us-east-1",), max_attempts=1,
                   needs=frozenset({"account.invocationLogging"}))
    report = evaluate([MODEL_RULES], result.models, scanned=Scanned(("aws",), (), ()),
                      now=FIXED_NOW)
    assert {k: str(v) for k, v in report.models[0].results.items()} == {
        "ctx/region-logs": "error", "ctx/named": "pass"}
    (error,) = report.errors
    assert (error.code, error.rule, error.model_name) == (
        "AccessDeniedException", "ctx/region-logs", "east")
    assert error.message.startswith(f"{ACCOUNT}/us-east-1: GetModelInvocationLoggingConfiguration"
                                    ": AccessDeniedException:")


def test_a_model_from_a_file_has_no_account_settings_so_its_rule_errors() -> None:
    from checker.results import ModelInput

    doc = {"modelName": "m", "modelArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/m"}
    report = evaluate([MODEL_RULES], [ModelInput(document=doc)],
                      scanned=Scanned(("file",), (), ()), now=FIXED_NOW)
    assert str(report.models[0].results["ctx/region-logs"]) == "error"
    assert report.errors[0].code == "NotFetched"


def test_model_rules_on_account_settings_need_their_permissions() -> None:
    from checker.policy.loader import needed_enrichments
    from checker.sources.aws.permissions import required_actions

    policy = policy_from({"version": 1, "name": "ctx", "rules": [
        {"id": "enc", "require": {"field": "account.invocationLogEncryption.cloudWatch.kmsKeyId",
                                  "exists": True}},
        {"id": "where", "require": {"field": "account.region", "exists": True}}]})
    needs = needed_enrichments([policy])
    assert needs == {"account.invocationLogEncryption", "account"}
    assert set(required_actions(needs)) - set(required_actions(())) == {
        "bedrock:GetModelInvocationLoggingConfiguration", "s3:GetEncryptionConfiguration",
        "logs:DescribeLogGroups"}


def test_an_account_whose_id_cannot_be_learnt_errors_its_models_context_rules(
        moto: moto_bedrock.StandIn) -> None:
    """The default credentials' account id comes from STS: refused, the models are still
    read, and the rules on their account's settings are errors, never passes."""
    def sts_denied(op: str, region: str, request: Any) -> AWSResponse | None:
        if op != "GetCallerIdentity":
            return None
        return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _Body(
            b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no"
            b"</Message></Error></ErrorResponse>"))
    seed_model("east")
    result = fetch(Recorder(faults=[sts_denied]), regions=("us-east-1",), max_attempts=1,
                   needs=frozenset({"account.invocationLogging"}))
    (model,) = result.models
    assert "account" not in model.document
    assert model.enrichment_errors["account.invocationLogging"] == (
        "AccessDenied", "us-east-1: GetCallerIdentity: AccessDenied: no")
    report = evaluate([MODEL_RULES], result.models, scanned=Scanned(("aws",), (), ()),
                      now=FIXED_NOW)
    assert {k: str(v) for k, v in report.models[0].results.items()} == {
        "ctx/region-logs": "error", "ctx/named": "pass"}
