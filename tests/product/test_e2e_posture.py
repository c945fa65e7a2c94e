"""End to end: the account around the models, through the installed command, against moto's
server: an organization of three accounts, one with a strong, one with a weak and one with a
missing configuration of each setting, judged by the shipped account-posture and
model-posture policies, every verdict asserted.

moto's server answers Organizations, STS, S3 (``PutBucketEncryption``, ``GetBucketEncryption``),
CloudWatch Logs (log groups with and without a KMS key), EC2 (VPC endpoints), IAM
(``ListEntitiesForPolicy``, with AWS managed policies loaded through moto's documented
``MOTO_IAM_LOAD_MANAGED_POLICIES`` setting) and Bedrock's logging configuration and models,
all seeded through their APIs. What moto lacks is served by the stand-in of
``tests/support/moto_bedrock.py`` in front of the server (``AWS_ENDPOINT_URL_BEDROCK`` and
``AWS_ENDPOINT_URL_IAM`` point at it; everything else goes to moto): ``GetGuardrail`` from
guardrails checked against botocore's shape, ``ListEnforcedGuardrailsConfiguration``,
``ListCustomModelDeployments`` and ``ListProvisionedModelThroughputs`` (which say which model
is served) and IAM's ``ListServiceSpecificCredentials`` (as XML built from botocore's shape).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.product.test_e2e_moto_server import ACCOUNT, COMMAND
from tests.product.test_e2e_organization import ROLE, Org, as_account, client, create_model
from tests.sources.aws.test_aws_fetch import not_read_only
from tests.support import command_env, moto_bedrock, reset_moto
from tests.support.moto_bedrock import Answer, Call

FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"


@pytest.fixture
def endpoint(server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    # moto's server runs in this process: its IAM backends, made anew after the reset,
    # read the setting when they are first used.
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return reset_moto(server)


@pytest.fixture
def stand_in(endpoint: str) -> Iterator[tuple[moto_bedrock.StandIn, str]]:
    with moto_bedrock.front(endpoint) as running:
        yield running


class Estate:
    """The organization and what the stand-in serves for it."""

    def __init__(self, endpoint: str, stand_in: moto_bedrock.StandIn) -> None:
        self.endpoint = endpoint
        self.stand_in = stand_in
        org = Org(endpoint)
        self.strong, self.weak, self.missing = ACCOUNT, org.account("weak"), org.account("missing")
        self.enforced: dict[str, list[dict[str, Any]]] = {}
        self.keys: dict[str, list[dict[str, Any]]] = {}
        self.served: dict[str, list[str]] = {}
        stand_in.on("ListEnforcedGuardrailsConfiguration", self.list_enforced)
        stand_in.on("ListServiceSpecificCredentials", self.list_keys)
        stand_in.on("ListCustomModelDeployments", self.list_deployments)
        stand_in.on("ListProvisionedModelThroughputs",
                    lambda call: moto_bedrock.ok({"provisionedModelSummaries": []}))

    def client(self, account: str, service: str) -> Any:
        return client(self.endpoint, service,
                      None if account == ACCOUNT else as_account(self.endpoint, account))

    # -- what the stand-in serves --------------------------------------------------------

    def list_enforced(self, call: Call) -> Answer:
        return moto_bedrock.ok({"guardrailsConfig": self.enforced.get(call.account, [])})

    def list_keys(self, call: Call) -> Answer:
        assert call.query["ServiceName"] == ["bedrock.amazonaws.com"]
        assert call.query["AllUsers"] == ["true"]
        return moto_bedrock.ok(moto_bedrock.query_xml(
            "iam", "ListServiceSpecificCredentials",
            {"ServiceSpecificCredentials": self.keys.get(call.account, []),
             "IsTruncated": False}))

    def list_deployments(self, call: Call) -> Answer:
        return moto_bedrock.ok({"modelDeploymentSummaries": [
            {"customModelDeploymentArn": f"{arn}/deployment", "customModelDeploymentName": "d",
             "modelArn": arn, "createdAt": "2026-10-01T00:00:00Z", "status": "Active"}
            for arn in self.served.get(call.account, [])]})

    # -- seeding ---------------------------------------------------------------------------

    def guardrail(self, account: str, name: str, **members: Any) -> None:
        arn = self.stand_in.add_guardrail(name, "1", account=account, **members)
        self.enforced.setdefault(account, []).append(
            {"configId": name, "guardrailArn": arn, "guardrailId": name,
             "guardrailVersion": "1"})

    def logging(self, account: str, *, sse: str, group_key: str | None) -> None:
        s3, logs = self.client(account, "s3"), self.client(account, "logs")
        bucket = f"logs-{account}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": sse}}]})
        group = {"logGroupName": "/bedrock/invocations"}
        if group_key:
            group["kmsKeyId"] = group_key
        logs.create_log_group(**group)
        self.client(account, "bedrock").put_model_invocation_logging_configuration(
            loggingConfig={"s3Config": {"bucketName": bucket},
                           "cloudWatchConfig": {"logGroupName": "/bedrock/invocations",
                                                "roleArn": f"arn:aws:iam::{account}:role/l"},
                           "textDataDeliveryEnabled": True})

    def endpoints(self, account: str, *services: tuple[str, bool]) -> None:
        ec2 = self.client(account, "ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        for service, private_dns in services:
            ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface",
                                    ServiceName=f"com.amazonaws.us-east-1.{service}",
                                    PrivateDnsEnabled=private_dns)

    def model(self, account: str, name: str, *, served: bool) -> None:
        create_model(self.endpoint, account, name)
        arn = self.client(account, "bedrock").get_custom_model(modelIdentifier=name)["modelArn"]
        if served:
            self.served.setdefault(account, []).append(arn)


STRONG_GUARDRAIL = {
    "contentPolicy": {"filters": [
        {"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"},
        {"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}]},
    "sensitiveInformationPolicy": {"piiEntities": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
    "contextualGroundingPolicy": {"filters": [
        {"type": "GROUNDING", "threshold": 0.85, "action": "BLOCK", "enabled": True},
        {"type": "RELEVANCE", "threshold": 0.75, "action": "BLOCK", "enabled": True}]},
    "kmsKeyArn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/guardrail",
}
WEAK_GUARDRAIL = {
    "contentPolicy": {"filters": [
        {"type": "PROMPT_ATTACK", "inputStrength": "LOW", "outputStrength": "NONE"}]},
    "sensitiveInformationPolicy": {"piiEntities": [{"type": "EMAIL", "action": "NONE"}]},
    "contextualGroundingPolicy": {"filters": [{"type": "GROUNDING", "threshold": 0.2}]},
}


def credential(user: str, status: str) -> dict[str, Any]:
    return {"UserName": user, "Status": status, "ServiceName": "bedrock.amazonaws.com",
            "ServiceUserName": f"{user}-at-1", "ServiceSpecificCredentialId": "ACCAEXAMPLE1",
            "CreateDate": "2026-01-01T00:00:00Z"}


def test_a_strong_a_weak_and_a_missing_posture_judged_end_to_end(
        endpoint: str, stand_in: tuple[moto_bedrock.StandIn, str], tmp_path: Path) -> None:
    stub, front = stand_in
    estate = Estate(endpoint, stub)
    strong, weak, missing = estate.strong, estate.weak, estate.missing
    key = f"arn:aws:kms:us-east-1:{strong}:key/logs"
    # Strong: every setting as the policy wants it.
    estate.guardrail(strong, "strong", **STRONG_GUARDRAIL)
    estate.logging(strong, sse="aws:kms", group_key=key)
    estate.endpoints(strong, ("bedrock", True), ("bedrock-runtime", True))
    estate.keys[strong] = [credential("old-ci", "Inactive")]
    estate.model(strong, "strong-served", served=True)
    # Weak: each setting present but too weak.
    estate.guardrail(weak, "weak", **WEAK_GUARDRAIL)
    estate.logging(weak, sse="AES256", group_key=None)
    estate.endpoints(weak, ("bedrock-runtime", False))
    iam = estate.client(weak, "iam")
    iam.create_role(RoleName="data-science", AssumeRolePolicyDocument="{}")
    iam.attach_role_policy(RoleName="data-science", PolicyArn=FULL_ACCESS)
    estate.keys[weak] = [credential("intern", "Active")]
    estate.model(weak, "weak-served", served=True)
    estate.model(weak, "weak-idle", served=False)
    # Missing: nothing configured (no guardrail, logging off, no endpoint, no key).
    estate.model(missing, "missing-idle", served=False)

    calls = tmp_path / "calls.txt"
    env = command_env(tmp_path, BEDROCK_DRIFT_RECORD_CALLS=str(calls), AWS_ENDPOINT_URL=endpoint,
                      AWS_ENDPOINT_URL_BEDROCK=front, AWS_ENDPOINT_URL_IAM=front)
    done = subprocess.run(
        [str(COMMAND), "check", "-f", "json", "-p", "builtin:account-posture",
         "-p", "builtin:model-posture", "--organization", "--role-name", ROLE,
         "--region", "us-east-1"], env=env, capture_output=True, text=True, timeout=180,
        check=False)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == []
    results = {m["model_name"]: m["results"] for m in report["models"]}
    rules = ["guardrail-prompt-attack-high", "guardrail-sensitive-information",
             "guardrail-contextual-grounding", "guardrail-customer-managed-key",
             "invocation-logs-encrypted", "private-endpoints", "no-full-access-policy",
             "no-long-term-api-keys"]

    def account(*statuses: str) -> dict[str, str]:
        return {f"account-posture/{r}": s for r, s in zip(rules, statuses, strict=True)}

    def model(logs: str, guardrail: str) -> dict[str, str]:
        return {"model-posture/invocations-logged-encrypted": logs,
                "model-posture/behind-prompt-attack-guardrail": guardrail}

    assert results == {
        f"account {strong} us-east-1": account(*["pass"] * 8),
        f"account {weak} us-east-1": account(*["fail"] * 8),
        # Nothing configured: the guardrail and endpoint rules fail, logging off is
        # account-baseline's to fail, and no attachment or key is what the policy wants.
        f"account {missing} us-east-1": account("fail", "fail", "fail", "fail",
                                                "not_applicable", "fail", "pass", "pass"),
        "strong-served": model("pass", "pass"),
        "weak-served": model("fail", "fail"),
        "weak-idle": model("fail", "fail"),
        "missing-idle": model("fail", "fail"),
    }
    severities = {(v["model_name"], v["rule"]): v["severity"] for v in report["violations"]
                  if v["policy"] == "model-posture"}
    assert severities == {
        ("weak-served", "invocations-logged-encrypted"): "critical",
        ("weak-served", "behind-prompt-attack-guardrail"): "high",
        ("weak-idle", "invocations-logged-encrypted"): "high",
        ("weak-idle", "behind-prompt-attack-guardrail"): "medium",
        ("missing-idle", "invocations-logged-encrypted"): "high",
        ("missing-idle", "behind-prompt-attack-guardrail"): "medium"}

    operations = calls.read_text().split()
    assert not_read_only(operations) == []
    # Once per account and region, shared by the account and the model rules.
    for operation, count in (("bedrock:GetModelInvocationLoggingConfiguration", 3),
                             ("bedrock:ListEnforcedGuardrailsConfiguration", 3),
                             ("bedrock:GetGuardrail", 2), ("s3:GetBucketEncryption", 2),
                             ("logs:DescribeLogGroups", 2), ("ec2:DescribeVpcEndpoints", 3),
                             ("iam:ListEntitiesForPolicy", 3),
                             ("iam:ListServiceSpecificCredentials", 3)):
        assert operations.count(operation) == count, operation
