"""``resource: account`` policies: what they may hold, the paths they may read, how their
documents are judged and waived, and the permissions they add."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.engine.evaluate import evaluate
from checker.errors import PolicyError
from checker.policy.loader import account_settings, load_policy_text
from checker.policy.waivers import load_waiver_file
from checker.reports import FINDING_LISTS, RENDERERS, render
from checker.results import ModelInput, OrganizationScan, Scanned
from checker.sources.aws.permissions import ENRICHMENT_ACTIONS, OPTION_ACTIONS, required_actions
from tests.support import FIXED_NOW, ROOT, policy_from, run_cli

ACCOUNT = "111122223333"


def problems(data: dict[str, Any]) -> list[str]:
    text = yaml.safe_dump(data, sort_keys=False)
    _, found = load_policy_text(text.encode(), "acct.yaml")
    return [p.message for p in found if not p.warning]


def account_policy(*rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"version": 1, "name": "acct", "resource": "account", "rules": list(rules), **extra}


LOGGING_ON = {"id": "logging", "require": {"field": "invocationLogging", "exists": True}}
GUARDRAIL = {"id": "guardrail",
             "require": {"field": "enforcedGuardrails[].guardrailArn", "exists": True}}
IN_REGION = {"id": "region", "require": {"field": "region", "in": ["us-east-1"]}}


def doc(account: str = ACCOUNT, region: str = "us-east-1", **settings: Any) -> ModelInput:
    return ModelInput(document={"accountId": account, "region": region, **settings},
                      kind="account", origin=f"aws:{account}:{region}")


def test_paths_are_checked_against_botocores_account_shapes() -> None:
    assert problems(account_policy(
        {"id": "a", "require": {"field": "invocationLogging.s3Config.bucketName",
                                "exists": True}},
        {"id": "b", "require": {"field": "enforcedGuardrails[].modelEnforcement"
                                         ".includedModels", "exists": True}},
        {"id": "c", "require": {"field": "invocationLogging.textDataDeliveryEnabled",
                                "equals": True}})) == []
    assert problems(account_policy(
        {"id": "a", "require": {"field": "invocationLogging.s3Config.bucket", "exists": True}},
        {"id": "b", "require": {"field": "enforcedGuardrails.guardrailArn", "exists": True}},
        {"id": "c", "require": {"field": "modelName", "exists": True}})) == [
        "unknown field 'invocationLogging.s3Config.bucket' (did you mean "
        "'invocationLogging.s3Config.bucketName'?)",
        "'enforcedGuardrails' is a list: write 'enforcedGuardrails[]' to look at every "
        "element",
        "unknown field 'modelName'"]
    # ... and a model policy reads its account's settings under 'account.' only.
    assert problems({"version": 1, "name": "m", "rules": [LOGGING_ON]}) == [
        "unknown field 'invocationLogging' (did you mean 'account.invocationLogging'?)"]


def test_only_require_rules_waivers_by_account_and_region() -> None:
    found = problems(account_policy(
        {"id": "k", "kms_key": {}}, LOGGING_ON,
        scope={"names": ["x"]}, inventory={"required": ["x"]},
        waivers=[{"rules": ["logging"], "models": ["m"], "reason": "r",
                  "expires": "2030-01-01"},
                 {"rules": ["logging"], "reason": "r", "expires": "2030-01-01"}]))
    assert found == [
        "'scope' does not apply to a 'resource: account' policy (scope selects models)",
        "'inventory' does not apply to a 'resource: account' policy (inventory judges the "
        "set of models)",
        "kms_key judges a model, not an account: a 'resource: account' policy has only "
        "require rules",
        "unknown key 'models' in a waiver of an account policy",
        "a waiver of an account policy needs 'accounts' and/or 'regions'",
        "a waiver of an account policy needs 'accounts' and/or 'regions'",
    ]
    assert problems({**account_policy(LOGGING_ON), "resource": "accounts"}) == [
        "'resource' must be one of model, account, not 'accounts' (did you mean "
        "'account'?)", "unknown field 'invocationLogging' (did you mean "
        "'account.invocationLogging'?)"]


def test_settings_are_fetched_only_when_a_rule_reads_them() -> None:
    assert account_settings([policy_from({"version": 1, "name": "m", "rules": [
        {"id": "r", "require": {"field": "modelName", "exists": True}}]})]) is None
    assert account_settings([policy_from(account_policy(IN_REGION))]) == frozenset()
    assert account_settings([policy_from(account_policy(LOGGING_ON, IN_REGION))]) == {
        "invocationLogging"}
    assert account_settings([policy_from(account_policy(GUARDRAIL, LOGGING_ON))]) == {
        "invocationLogging", "enforcedGuardrails"}


def test_account_documents_are_judged_by_account_policies_only() -> None:
    accounts = policy_from(account_policy(LOGGING_ON, GUARDRAIL, waivers=[
        {"rules": ["guardrail"], "accounts": ["444455556666"], "regions": ["eu-west-1"],
         "reason": "sandbox, approved by security", "expires": "2030-01-01"}]))
    models = policy_from({"version": 1, "name": "m", "inventory": {"allowed": ["prod-*"]}})
    inputs = [
        ModelInput(document={"modelName": "prod-a", "modelArn":
                             f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/prod-a"}),
        doc(invocationLogging={"s3Config": {"bucketName": "logs"}},
            enforcedGuardrails=[{"guardrailArn": "arn:g"}]),
        doc("444455556666", "eu-west-1", invocationLogging=None, enforcedGuardrails=[]),
        doc("444455556666", "us-east-1", enforcedGuardrails=[]),
        ModelInput(document={"accountId": "777788889999", "region": "us-east-1"},
                   kind="account", enrichment_errors={
                       "invocationLogging": ("AccessDeniedException", "denied")}),
    ]
    report = evaluate([models, accounts], inputs, scanned=Scanned(("aws",), (), ()),
                      now=FIXED_NOW)
    results = {(m.model.display_name, m.model.kind): dict(m.results) for m in report.models}
    assert {k: {r: str(s) for r, s in v.items()} for k, v in results.items()} == {
        ("prod-a", "model"): {"m/inventory-allowed": "pass"},
        (f"account {ACCOUNT} us-east-1", "account"): {"acct/logging": "pass",
                                                      "acct/guardrail": "pass"},
        ("account 444455556666 eu-west-1", "account"): {"acct/logging": "fail",
                                                        "acct/guardrail": "waived"},
        # Not fetched (no such key) and failed reads are errors, never a pass.
        ("account 444455556666 us-east-1", "account"): {"acct/logging": "error",
                                                        "acct/guardrail": "fail"},
        ("account 777788889999 us-east-1", "account"): {"acct/logging": "error",
                                                        "acct/guardrail": "error"},
    }
    assert [(e.code, e.rule, e.account_id, e.region) for e in report.errors] == [
        ("NotFetched", "acct/logging", "444455556666", "us-east-1"),
        ("AccessDeniedException", "acct/logging", "777788889999", "us-east-1"),
        ("NotFetched", "acct/guardrail", "777788889999", "us-east-1"),
    ]
    (waived,) = report.waived
    assert (waived.model.account_id, waived.model.region) == ("444455556666", "eu-west-1")


def test_files_carry_no_account_settings_so_a_warning_says_nothing_was_judged() -> None:
    accounts = policy_from(account_policy(LOGGING_ON))
    report = evaluate([accounts], [ModelInput(document={"modelName": "m"})],
                      scanned=Scanned(("files",), (), ()), now=FIXED_NOW)
    assert [(w.code, w.message) for w in report.warnings] == [
        ("account-rules-not-judged", "acct: no account settings were read (they are read "
         "from live AWS only), so this resource: account policy judged nothing")]
    assert report.models[0].results == {}


def test_waiver_file_waives_an_account_policy_by_region(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - rules: [acct/logging]\n    regions: [eu-west-1]\n"
                       "    reason: opt-in region, no traffic\n    expires: 2030-01-01\n")
    policies = load_waiver_file(str(waivers), [policy_from(account_policy(LOGGING_ON))])
    report = evaluate(policies, [doc(region="eu-west-1", invocationLogging=None),
                                 doc(invocationLogging=None)],
                      scanned=Scanned(("aws",), (), ()), now=FIXED_NOW)
    assert [str(m.results["acct/logging"]) for m in report.models] == ["waived", "fail"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("waivers:\n  - rules: [acct/logging]\n    models: [x]\n"
                   "    reason: r\n    expires: 2030-01-01\n")
    with pytest.raises(PolicyError) as raised:
        load_waiver_file(str(bad), [policy_from(account_policy(LOGGING_ON))])
    assert sorted(p.message for p in raised.value.problems) == [
        "a waiver of an account policy needs 'accounts' and/or 'regions'",
        "unknown key 'models' in a waiver of an account policy"]


def test_permissions_name_the_account_calls_only_when_needed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "p.yaml"
    plain.write_text("version: 1\nname: p\nrules: [{id: a, kms_key: {}}]\n")
    code, out, _ = run_cli(["permissions", "-p", str(plain)], capsys)
    assert code == 0
    assert json.loads(out)["Statement"] == [{
        "Sid": "BedrockDriftReadOnly", "Effect": "Allow",
        "Action": ["bedrock:GetCustomModel", "bedrock:ListCustomModels"], "Resource": "*"}]
    logging_only = tmp_path / "acct.yaml"
    logging_only.write_text(yaml.safe_dump(account_policy(LOGGING_ON)))
    code, out, _ = run_cli(["permissions", "-p", str(logging_only), "--organization",
                            "--role-name", "audit", "--ou", "ou-abcd-12345678"], capsys)
    assert code == 0
    assert json.loads(out)["Statement"] == [
        {"Sid": "BedrockDriftReadOnly", "Effect": "Allow",
         "Action": ["bedrock:GetCustomModel", "bedrock:GetModelInvocationLoggingConfiguration",
                    "bedrock:ListCustomModels"], "Resource": "*"},
        {"Sid": "BedrockDriftOrganization", "Effect": "Allow",
         "Action": ["organizations:ListAccountsForParent",
                    "organizations:ListOrganizationalUnitsForParent"], "Resource": "*"},
        {"Sid": "BedrockDriftAssumeAuditRole", "Effect": "Allow",
         "Action": ["sts:AssumeRole"], "Resource": "arn:*:iam::*:role/audit"}]
    code, out, _ = run_cli(["permissions", "-p", str(ROOT / "policies" /
                                                       "account-baseline.yaml"),
                            "--organization", "--role-name", "audit"], capsys)
    statements = json.loads(out)["Statement"]
    assert statements[0]["Action"] == [
        "bedrock:GetCustomModel", "bedrock:GetModelInvocationLoggingConfiguration",
        "bedrock:ListCustomModels", "bedrock:ListEnforcedGuardrailsConfiguration"]
    assert statements[1]["Action"] == ["organizations:ListAccounts"]
    code, _, err = run_cli(["permissions", "-p", str(plain), "--ou", "ou-abcd-12345678"],
                           capsys)
    assert code == 2 and "apply to --organization only" in err


def test_the_stackset_role_grants_every_read_and_nothing_else() -> None:
    template = yaml.safe_load((ROOT / "examples" / "aws" / "audit-role-stackset.yaml")
                              .read_text())
    role = template["Resources"]["AuditRole"]["Properties"]
    (statement,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == required_actions(ENRICHMENT_ACTIONS, OPTION_ACTIONS)
    assert all(a.split(":")[1].startswith(("List", "Get", "Describe"))
               for a in statement["Action"])
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Principal"]["AWS"] == {
        "Fn::Sub": "arn:${AWS::Partition}:iam::${AuditAccountId}:root"}
    assert template["Parameters"]["RoleName"]["Default"] == "bedrock-drift-audit"


# Every format with a run summary counts them; the finding lists (ASFF, OCSF, CSV: one record
# per finding) have no place for it. A new format is tested here whichever it is.
@pytest.mark.parametrize("fmt", list(RENDERERS))
def test_every_format_counts_the_organizations_accounts(fmt: str) -> None:
    scan = OrganizationScan(id="o-abc123def4", ous=("ou-ab12-prod0001",),
                            read=("111122223333", "444455556666"), skipped=("777788889999",),
                            failed=("222233334444",))
    report = evaluate([policy_from(account_policy(LOGGING_ON))],
                      [doc(invocationLogging={"s3Config": {"bucketName": "b"}})],
                      scanned=Scanned(("aws",), ("111122223333",), ("us-east-1",),
                                      organization=scan), now=FIXED_NOW)
    text = render(report, fmt)
    counts = ("organization o-abc123def4 (under ou-ab12-prod0001): 2 accounts read, "
              "1 skipped, 1 failed")
    if fmt in FINDING_LISTS:
        assert counts not in text and "o-abc123def4" not in text
    elif fmt == "json":
        assert json.loads(text)["scanned"]["organization"] == {
            "id": "o-abc123def4", "ous": ["ou-ab12-prod0001"],
            "accounts": {"read": ["111122223333", "444455556666"],
                         "skipped": ["777788889999"], "failed": ["222233334444"]}}
    else:
        assert counts in text


def test_reports_name_an_account_resource_as_account_id_region() -> None:
    report = evaluate([policy_from(account_policy(LOGGING_ON))],
                      [doc("444455556666", "eu-west-1", invocationLogging=None)],
                      scanned=Scanned(("aws",), (), ()), now=FIXED_NOW)
    assert "\n~ account 444455556666 eu-west-1\n" in render(report, "text")
    assert "::account 444455556666 eu-west-1 violates acct/logging (medium)" in render(
        report, "github")
    (model,) = json.loads(render(report, "json"))["models"]
    assert (model["model_name"], model["model_arn"], model["kind"], model["account_id"],
            model["region"]) == ("account 444455556666 eu-west-1", None, "account",
                                 "444455556666", "eu-west-1")


def test_finding_formats_give_an_account_resource_its_own_type() -> None:
    report = evaluate([policy_from(account_policy(LOGGING_ON))],
                      [doc("444455556666", "eu-west-1", invocationLogging=None)],
                      scanned=Scanned(("aws",), (), ()), now=FIXED_NOW)
    asff = json.loads(render(report, "asff"))
    findings = asff if isinstance(asff, list) else asff["Findings"]
    (resource,) = findings[0]["Resources"]
    assert (resource["Type"], resource["Id"], resource["Region"]) == (
        "AwsAccount", "AWS::::Account:444455556666", "eu-west-1")
    ocsf = json.loads(render(report, "ocsf"))
    event = ocsf[0] if isinstance(ocsf, list) else ocsf
    (ocsf_resource,) = event["resources"]
    assert (ocsf_resource["type"], ocsf_resource["region"]) == ("AWS::::Account", "eu-west-1")
