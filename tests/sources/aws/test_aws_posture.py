"""Account settings read from live AWS (moto in-process) for ``resource: account`` policies.

moto implements the invocation-logging configuration but not guardrail enforcement:
``ListEnforcedGuardrailsConfiguration`` is served here by the stand-in of
``tests/support/moto_bedrock.py`` (as ``test_aws_org.py`` does for imported models), with items
built
from botocore's own output shape of the operation (every member filled in), split over two
pages.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest

from checker.engine.evaluate import evaluate
from checker.results import Scanned
from checker.sources.aws.accounts import AccountSpec
from tests.sources.aws.test_aws_fetch import (  # noqa: F401  (fixtures are used by name)
    ACCOUNT,
    Recorder,
    aws_env,
    deny,
    fetch,
    moto,
    read_only_operations,
    seed_model,
)
from tests.support import FIXED_NOW, moto_bedrock, policy_from
from tests.support.moto_bedrock import Answer, Call

pytestmark = pytest.mark.usefixtures("moto")
MEMBER = "444455556666"


def example(shape: Any, depth: int = 0) -> Any:
    """A value of a botocore shape with every member present."""
    if shape.type_name == "structure":
        return {name: example(member, depth + 1) for name, member in shape.members.items()}
    if shape.type_name == "list":
        return [example(shape.member, depth + 1)]
    if shape.type_name == "boolean":
        return True
    if shape.type_name == "timestamp":
        return "2026-11-01T00:00:00Z"
    if shape.type_name in ("integer", "long"):
        return 1
    return f"{shape.name}-value"


GUARDRAIL_ITEM = example(botocore.session.get_session().get_service_model("bedrock")
                         .operation_model("ListEnforcedGuardrailsConfiguration")
                         .output_shape.members["guardrailsConfig"].member)


@pytest.fixture(autouse=True)
def guardrails(moto: None) -> None:  # noqa: F811  (moto is the fixture, set up first)
    """ListEnforcedGuardrailsConfiguration, which moto lacks, from the stand-in: two pages
    of one guardrail each."""
    def list_enforced_guardrails_configuration(call: Call) -> Answer:
        second = call.query.get("nextToken") == ["page2"]
        item = {**GUARDRAIL_ITEM, "guardrailArn": f"arn:aws:bedrock:{call.region}:"
                f"{call.account}:guardrail/" + ("g2" if second else "g1")}
        body: dict[str, Any] = {"guardrailsConfig": [item]}
        if not second:
            body["nextToken"] = "page2"
        return moto_bedrock.ok(body)

    moto_bedrock.current().on("ListEnforcedGuardrailsConfiguration",
                              list_enforced_guardrails_configuration)


def turn_logging_on(region: str = "us-east-1", creds: dict[str, str] | None = None) -> None:
    client = boto3.client("bedrock", region_name=region, **(creds or {}))
    client.put_model_invocation_logging_configuration(loggingConfig={
        "s3Config": {"bucketName": "logs"}, "textDataDeliveryEnabled": True})


def test_each_setting_once_per_account_and_region_with_every_page() -> None:
    turn_logging_on()
    seed_model("m")
    recorder = Recorder()
    result = fetch(recorder, regions=("us-east-1", "eu-west-1"),
                   posture=frozenset({"invocationLogging", "enforcedGuardrails"}))
    assert result.errors == ()
    assert [m.document["modelName"] for m in result.models] == ["m"]
    documents = [dict(p.document) for p in result.postures]
    assert [(d["accountId"], d["region"]) for d in documents] == [
        (ACCOUNT, "us-east-1"), (ACCOUNT, "eu-west-1")]
    assert documents[0]["invocationLogging"] == {"s3Config": {"bucketName": "logs"},
                                                 "textDataDeliveryEnabled": True}
    assert documents[1]["invocationLogging"] is None  # logging off: loggingConfig null
    assert [g["guardrailArn"].rsplit("/", 1)[1] for g in documents[0]["enforcedGuardrails"]] \
        == ["g1", "g2"]
    assert documents[0]["enforcedGuardrails"][0]["modelEnforcement"] == \
        GUARDRAIL_ITEM["modelEnforcement"]
    assert all(p.kind == "account" for p in result.postures)
    assert recorder.calls["GetModelInvocationLoggingConfiguration"] == 2
    assert recorder.calls["ListEnforcedGuardrailsConfiguration"] == 4  # 2 regions x 2 pages
    assert recorder.calls["GetCallerIdentity"] == 1  # the account's id, once


@pytest.mark.parametrize(("posture", "logging_calls", "guardrail_calls"), [
    (None, 0, 0), (frozenset(), 0, 0), (frozenset({"invocationLogging"}), 1, 0),
    (frozenset({"enforcedGuardrails"}), 0, 2)])
def test_nothing_is_read_that_no_rule_reads(posture: frozenset[str] | None,
                                            logging_calls: int, guardrail_calls: int) -> None:
    recorder = Recorder()
    result = fetch(recorder, regions=("us-east-1",), posture=posture)
    assert len(result.postures) == (0 if posture is None else 1)
    assert recorder.calls["GetModelInvocationLoggingConfiguration"] == logging_calls
    assert recorder.calls["ListEnforcedGuardrailsConfiguration"] == guardrail_calls


def test_a_failed_read_errors_only_the_rules_that_read_it() -> None:
    policy = policy_from({"version": 1, "name": "acct", "resource": "account", "rules": [
        {"id": "logging", "require": {"field": "invocationLogging", "exists": True}},
        {"id": "guardrail", "require": {"field": "enforcedGuardrails[].guardrailArn",
                                        "exists": True}}]})
    turn_logging_on("eu-west-1")
    recorder = Recorder(faults=[deny(
        "GetModelInvocationLoggingConfiguration", region="us-east-1")])
    result = fetch(recorder, regions=("us-east-1", "eu-west-1"),
                   posture=frozenset({"invocationLogging", "enforcedGuardrails"}),
                   max_attempts=1)
    report = evaluate([policy], result.postures, scanned=Scanned(("aws",), (), ()),
                      now=FIXED_NOW)
    assert {m.model.display_name: {k: str(v) for k, v in m.results.items()}
            for m in report.models} == {
        f"account {ACCOUNT} us-east-1": {"acct/logging": "error", "acct/guardrail": "pass"},
        f"account {ACCOUNT} eu-west-1": {"acct/logging": "pass", "acct/guardrail": "pass"}}
    (error,) = report.errors
    assert error.code == "AccessDeniedException"
    # The error names the account, not only the region (the default credentials have no
    # label of their own).
    assert error.message.startswith(f"{ACCOUNT}/us-east-1: GetModelInvocationLoggingConfiguration: "
                                    "AccessDeniedException:")


def test_assumed_accounts_are_read_with_their_own_settings() -> None:
    sts = boto3.client("sts", region_name="us-east-1")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/audit",
                            RoleSessionName="setup")["Credentials"]
    turn_logging_on(creds={"aws_access_key_id": creds["AccessKeyId"],
                           "aws_secret_access_key": creds["SecretAccessKey"],
                           "aws_session_token": creds["SessionToken"]})
    recorder = Recorder()
    result = fetch(recorder, regions=("us-east-1",), posture=frozenset({"invocationLogging"}),
                   accounts=[AccountSpec(role_arn=f"arn:aws:iam::{MEMBER}:role/audit"),
                             AccountSpec(profile=None)])
    assert [(p.document["accountId"], p.document["invocationLogging"] is not None)
            for p in result.postures] == [(MEMBER, True), (ACCOUNT, False)]
    # The role's account id comes from its ARN: only the default credentials are asked.
    assert recorder.calls["GetCallerIdentity"] == 1
