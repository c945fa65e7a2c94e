"""A model's context across accounts and regions, in process: one listing per account and
region, whatever the number of models.

moto implements none of ``ListCustomModelDeployments``, ``ListProvisionedModelThroughputs``,
``ListModelCopyJobs`` or ``GetFoundationModel``; as ``test_aws_org.py`` does for imported
models, the stand-in of ``tests/support/moto_bedrock.py`` serves them here, answering from records
shaped as botocore's output shapes (``tests/support/context_stub.py``'s builders), per account and
region, and recording which account and region asked. Accounts are read through assumed
roles, which moto maps to the role's account.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from checker.sources.aws.accounts import AccountSpec
from tests.sources.aws.test_aws_fetch import (  # noqa: F401  (fixtures are used by name)
    Recorder,
    aws_env,
    fetch,
    moto,
    read_only_operations,
    seed_model,
)
from tests.support import moto_bedrock
from tests.support.context_stub import bedrock_context
from tests.support.moto_bedrock import Answer, Call

pytestmark = pytest.mark.usefixtures("moto")

ACCOUNT_A = "444455556666"
ACCOUNT_B = "777788889999"
ROLE_A = f"arn:aws:iam::{ACCOUNT_A}:role/bedrock-drift-audit"
ROLE_B = f"arn:aws:iam::{ACCOUNT_B}:role/bedrock-drift-audit"
REGIONS = ["us-east-1", "eu-west-1"]
FM = "amazon.titan-text-express-v1:0:8k"


def serve(deployed: dict[tuple[str, str], list[str]],
          asked: Counter[tuple[str, str, str]]) -> None:
    """The four operations, answering for ``deployed[(account, region)]`` model ARNs."""

    def listing(member: str, build: Any) -> Any:
        def answer(call: Call) -> Answer:
            asked[(call.operation, call.account, call.region)] += 1
            return moto_bedrock.ok({member: [
                build(arn, i, call.region, call.account)
                for i, arn in enumerate(deployed.get((call.account, call.region), []))]})
        return answer

    def get_foundation_model(call: Call) -> Answer:
        asked[("GetFoundationModel", call.account, call.region)] += 1
        return moto_bedrock.ok({"modelDetails": bedrock_context.foundation_model(
            FM, call.region)})

    stand_in = moto_bedrock.current()
    for action, member, build in (
            ("ListCustomModelDeployments", "modelDeploymentSummaries",
             lambda arn, i, r, a: _summary(
                 bedrock_context.deployment(arn, f"d{i}", r, a), "ListCustomModelDeployments")),
            ("ListProvisionedModelThroughputs", "provisionedModelSummaries",
             lambda arn, i, r, a: bedrock_context.throughput(
                 arn, f"p{i}", r, a, status="Creating")),
            ("ListModelCopyJobs", "modelCopyJobSummaries",
             lambda arn, i, r, a: bedrock_context.copy_job(arn, f"m{i}", "111122223333", r, a))):
        stand_in.on(action, listing(member, build))
    stand_in.on("GetFoundationModel", get_foundation_model)


def _summary(record: dict[str, Any], operation: str) -> dict[str, Any]:
    return bedrock_context.project(record, bedrock_context.summary_members(operation))


def test_one_listing_per_account_and_region() -> None:
    arns: dict[tuple[str, str], list[str]] = {}
    for account in (ACCOUNT_A, ACCOUNT_B):
        for region in REGIONS:
            arns[(account, region)] = [seed_model(f"{account[:3]}-{region}-{i}", region,
                                                  account=account) for i in range(7)]
    deployed = {key: values[:2] for key, values in arns.items()}
    asked: Counter[tuple[str, str, str]] = Counter()
    serve(deployed, asked)
    recorder = Recorder()
    result = fetch(recorder, regions=REGIONS, accounts=[
        AccountSpec(role_arn=ROLE_A), AccountSpec(role_arn=ROLE_B)],
        needs=frozenset({"served", "copyJob", "baseModel"}))
    assert result.errors == ()
    assert len(result.models) == 28
    for item in result.models:
        assert item.enrichment_errors == {}
        key = (item.document["accountId"], item.document["region"])
        is_deployed = item.document["modelArn"] in deployed[key]
        # Deployments are Active, throughputs only Creating: served by the deployment alone.
        assert item.document["served"] is is_deployed
        assert len(item.document["throughputs"]) == int(is_deployed)
        assert (item.document["copyJob"] is not None) is is_deployed
        assert item.document["baseModel"]["modelId"] == FM
    expected = Counter({(action, account, region): 1
                        for action in ("ListCustomModelDeployments",
                                       "ListProvisionedModelThroughputs", "ListModelCopyJobs")
                        for account in (ACCOUNT_A, ACCOUNT_B) for region in REGIONS})
    # A foundation model is the same for every account: read once per region.
    models_read = Counter({(a, account, region): n for (a, account, region), n in asked.items()
                           if a == "GetFoundationModel"})
    assert sorted((region, n) for (_, _, region), n in models_read.items()) == [
        ("eu-west-1", 1), ("us-east-1", 1)]
    assert asked - models_read == expected
    assert recorder.calls["GetCustomModel"] == 28


def test_a_listing_denied_in_one_account_breaks_only_that_account() -> None:
    for account in (ACCOUNT_A, ACCOUNT_B):
        seed_model(f"m-{account}", "us-east-1", account=account)
    asked: Counter[tuple[str, str, str]] = Counter()
    serve({}, asked)
    stand_in = moto_bedrock.current()
    plain = stand_in.handlers["ListModelCopyJobs"]

    def denied_in_b(call: Call) -> Answer | None:
        if call.account == ACCOUNT_B:
            return moto_bedrock.error(403, "AccessDeniedException",
                                      "not authorized to perform bedrock:ListModelCopyJobs")
        return plain(call)

    stand_in.on("ListModelCopyJobs", denied_in_b)
    result = fetch(Recorder(), regions=["us-east-1"], accounts=[
        AccountSpec(role_arn=ROLE_A), AccountSpec(role_arn=ROLE_B)],
        needs=frozenset({"copyJob", "served"}))
    by_account = {m.document["accountId"]: m for m in result.models}
    assert by_account[ACCOUNT_A].enrichment_errors == {}
    assert by_account[ACCOUNT_A].document["copyJob"] is None
    code, message = by_account[ACCOUNT_B].enrichment_errors["copyJob"]
    assert code == "AccessDeniedException"
    assert message.startswith(f"{ACCOUNT_B}/us-east-1: ListModelCopyJobs: ")
    assert set(by_account[ACCOUNT_B].enrichment_errors) == {"copyJob"}
    assert by_account[ACCOUNT_B].document["served"] is False


def test_a_foundation_model_denied_to_one_account_is_read_by_the_other() -> None:
    for account in (ACCOUNT_A, ACCOUNT_B):
        for i in range(3):
            seed_model(f"m-{account}-{i}", "us-east-1", account=account)
    asked: Counter[tuple[str, str, str]] = Counter()
    serve({}, asked)
    stand_in = moto_bedrock.current()
    allowed = stand_in.handlers["GetFoundationModel"]

    def denied_in_a(call: Call) -> Answer | None:
        if call.account == ACCOUNT_A:
            asked[("denied", ACCOUNT_A, call.region)] += 1
            return moto_bedrock.error(403, "AccessDeniedException",
                                      "not authorized to perform bedrock:GetFoundationModel")
        return allowed(call)

    stand_in.on("GetFoundationModel", denied_in_a)
    result = fetch(Recorder(), regions=["us-east-1"], workers=1, accounts=[
        AccountSpec(role_arn=ROLE_A), AccountSpec(role_arn=ROLE_B)],
        needs=frozenset({"baseModel"}))
    for item in result.models:
        if item.document["accountId"] == ACCOUNT_A:
            code, message = item.enrichment_errors["baseModel"]
            assert code == "AccessDeniedException"
            assert message.startswith(f"{ACCOUNT_A}/us-east-1: GetFoundationModel {FM}: ")
        else:
            assert item.document["baseModel"]["modelId"] == FM
    # A asked once (denied) for its three models; B once for its own three.
    assert asked[("denied", ACCOUNT_A, "us-east-1")] == 1
    assert asked[("GetFoundationModel", ACCOUNT_B, "us-east-1")] == 1
