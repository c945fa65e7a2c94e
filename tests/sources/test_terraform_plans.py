"""Terraform plans as `terraform show -json` writes them (fixtures in tests/data/terraform/,
whose README says which formats they follow): unknown set elements, sensitive values,
deferred changes, the provider's documentation example, updates and instance addresses."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from checker.engine.evaluate import evaluate
from checker.errors import InputError
from checker.policy.loader import load_policies
from checker.policy.waivers import load_waiver_file
from checker.reports import RENDERERS, render
from checker.results import ModelInput, Scanned, Status
from checker.sources.terraform import plan_to_inputs
from tests.support import FIXED_NOW, ROOT, policy_from, run_cli

DATA = ROOT / "tests" / "data" / "terraform"
MODULES = DATA / "plan-modules.json"
EXAMPLE = DATA / "plan-provider-example.json"
DEFERRED = DATA / "plan-deferred.json"
BASELINE = str(ROOT / "policies" / "baseline.yaml")
WAIVERS = str(ROOT / "examples" / "waivers.yaml")
PROD = 'module.ml["prod"].aws_bedrock_custom_model.this["summarizer"]'
STAGING = 'module.ml["staging"].aws_bedrock_custom_model.this["summarizer"]'
# What the sensitive values of plan-modules.json are; no output may contain them.
SECRETS = ("999988887777", "0f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f", "team-nightingale")


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def models(path: Path = MODULES) -> dict[str, ModelInput]:
    return {str(m.address): m for m in plan_to_inputs(load(path), path.name)}


def judge(policy_data: list[dict[str, Any]] | None, *items: ModelInput) -> Any:
    policies = ([policy_from({"version": 1, "name": "p", "rules": policy_data})]
                if policy_data is not None else load_policies([BASELINE])[0])
    return evaluate(policies, items, scanned=Scanned(("plan",), (), ()), now=FIXED_NOW)


# --- unknown elements of sets and lists ---------------------------------------------------

def test_a_set_with_an_unknown_element_is_unknown_not_a_crash() -> None:
    batch = models()["aws_bedrock_custom_model.batch[0]"]
    assert ("job", "vpcConfig", "subnetIds") in batch.unknown_fields
    assert "subnetIds" not in batch.document["job"]["vpcConfig"]
    assert batch.document["job"]["vpcConfig"]["securityGroupIds"] == ["sg-0123456789abcdef0"]


def test_rules_reading_the_unknown_element_error_and_the_rest_is_judged() -> None:
    rules = [{"id": "private-subnets", "require": {"field": "job.vpcConfig.subnetIds[]",
                                                    "glob": "subnet-*"}},
             {"id": "named", "require": {"field": "modelName", "exists": True}}]
    report = judge(rules, *models().values())
    results = {m.model.address: dict(m.results) for m in report.models}
    assert results["aws_bedrock_custom_model.batch[0]"] == {
        "p/private-subnets": Status.ERROR, "p/named": Status.PASS}
    # Models without a VPC: the field is missing, a known fact, and judged.
    assert results[PROD]["p/private-subnets"] is Status.FAIL
    assert [(e.code, e.address) for e in report.errors] == [
        ("UnknownUntilApply", "aws_bedrock_custom_model.batch[0]")]
    assert "job.vpcConfig.subnetIds, known only after apply" in report.errors[0].message


@pytest.mark.parametrize(("attribute", "value", "message"), [
    pytest.param("hyperparameters", ["learningRate", "0.1"], "hyperparameters must be a map",
                 id="map-as-list"),
    pytest.param("tags_all", "owner=me", "tags_all must be a map", id="tags-as-string"),
])
def test_malformed_attributes_are_refused(attribute: str, value: Any, message: str) -> None:
    plan = load(EXAMPLE)
    plan["resource_changes"][0]["change"]["after"][attribute] = value
    with pytest.raises(InputError) as info:
        plan_to_inputs(plan, "plan.json")
    assert str(info.value).startswith("plan.json: aws_bedrock_custom_model.example: ")
    assert message in str(info.value)


def test_subnet_set_of_non_strings_is_refused_by_the_document_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = load(MODULES)
    entry = next(c for c in plan["resource_changes"] if c["address"].endswith("batch[0]"))
    entry["change"]["after"]["vpc_config"][0]["subnet_ids"] = ["subnet-a", 7]
    entry["change"]["after_unknown"]["vpc_config"][0]["subnet_ids"] = [False, False]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    code, out, err = run_cli(["check", "-p", BASELINE, "--from", str(path)], capsys)
    assert code == 2 and out == ""
    assert err.strip() == (f"bedrock-drift: error: {path}: aws_bedrock_custom_model.batch[0]: "
                           "job.vpcConfig.subnetIds[1] must be a string, not 7")


def test_a_malformed_base_model_errors_that_planned_model_and_judges_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = load(MODULES)
    entry = next(c for c in plan["resource_changes"] if c["address"] == PROD)
    entry["change"]["after"]["base_model_identifier"] = (
        "x:foundation-model/amazon.titan-text-express-v1")
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    code, out, err = run_cli(["check", "-p", BASELINE, "--from", str(path), "-f", "json"],
                             capsys)
    assert code == 2, err
    report = json.loads(out)
    (error,) = [e for e in report["errors"] if e["code"] == "MalformedArn"]
    assert error["address"] == PROD
    assert error["message"].startswith(f"{path}: {PROD}: baseModelArn: ")
    addresses = {m.get("address") for m in report["models"]}
    assert PROD not in addresses  # never judged, so never a pass
    assert STAGING in addresses  # the plan's other models are


# --- sensitive values ---------------------------------------------------------------------

def test_sensitive_values_are_judged() -> None:
    item = models()["aws_bedrock_custom_model.secret"]
    assert ("modelKmsKeyArn",) in item.sensitive_fields
    assert ("tags", "owner") in item.sensitive_fields
    assert ("job", "outputModelKmsKeyArn") in item.sensitive_fields
    report = judge(None, item)
    results = report.models[0].results
    assert results["bedrock-baseline/kms-required"] is Status.FAIL   # another account's key
    assert results["bedrock-baseline/owner-tag"] is Status.PASS      # present, though hidden
    (violation,) = report.violations
    assert violation.actual == "(sensitive)"
    assert violation.message == ('modelKmsKeyArn is (sensitive); expected one of '
                                 '["arn:aws:kms:*:111122223333:key/*"]')


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_sensitive_values_are_never_printed(fmt: str) -> None:
    report = judge(None, *models().values())
    text = render(report, fmt)
    for secret in SECRETS:
        assert secret not in text
    assert "(sensitive)" in text


def test_a_malformed_sensitive_value_is_refused_without_showing_it() -> None:
    plan = load(MODULES)
    entry = next(c for c in plan["resource_changes"] if c["address"].endswith(".secret"))
    entry["change"]["after"]["custom_model_kms_key_id"] = ["arn:aws:kms:us-east-1:"
                                                           "999988887777:key/x"]
    with pytest.raises(InputError) as info:
        plan_to_inputs(plan, "plan.json")
    assert "modelKmsKeyArn must be a single value" in str(info.value)
    assert "999988887777" not in str(info.value)


def test_sensitive_values_stay_out_of_snapshots_and_diffs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = tmp_path / "snap.json"
    code, _, err = run_cli(["snapshot", "--from", str(MODULES), "-o", str(snapshot)], capsys)
    assert code == 0, err
    text = snapshot.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text
    secret_entry = next(m for m in json.loads(text)["models"]
                        if m.get("plan", {}).get("address") == "aws_bedrock_custom_model.secret")
    assert secret_entry["modelKmsKeyArn"] == "(sensitive)"
    assert ["modelKmsKeyArn"] in secret_entry["plan"]["sensitive"]

    # The plan against its own snapshot: no drift, and nothing secret printed.
    for fmt in ("text", "json"):
        code, out, err = run_cli(["diff", str(snapshot), "--against", str(MODULES), "-f", fmt],
                                 capsys)
        assert code == 0, out + err
        for secret in SECRETS:
            assert secret not in out + err
    changed = load(MODULES)
    entry = next(c for c in changed["resource_changes"] if c["address"].endswith(".secret"))
    entry["change"]["after"]["tags"]["owner"] = "team-kestrel"
    entry["change"]["after"]["tags_all"]["owner"] = "team-kestrel"
    other = tmp_path / "changed.json"
    other.write_text(json.dumps(changed), encoding="utf-8")
    code, out, err = run_cli(["diff", str(snapshot), "--against", str(other)], capsys)
    assert "team-kestrel" not in out + err and "team-nightingale" not in out + err


def test_a_snapshot_does_not_judge_what_it_did_not_record(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = tmp_path / "snap.json"
    run_cli(["snapshot", "--from", str(MODULES), "-o", str(snapshot)], capsys)
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from", str(snapshot), "-f", "json"],
                           capsys)
    report = json.loads(out)
    assert code == 2
    secret = next(m for m in report["models"] if m["model_name"] == "secret-keyed")
    assert secret["results"]["bedrock-baseline/kms-required"] == "error"
    assert {e["code"] for e in report["errors"]} == {"SensitiveNotRecorded"}
    for item in report["errors"]:
        assert "sensitive value this snapshot does not record" in item["message"]


# --- deferred changes and incomplete plans -------------------------------------------------

def test_deferred_model_is_an_error_naming_its_address(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["check", "-p", BASELINE, "--from", str(DEFERRED)], capsys)
    assert (code, out) == (2, "")
    assert err.strip() == (
        f"bedrock-drift: error: {DEFERRED}: the plan defers "
        'module.ml["prod"].aws_bedrock_custom_model.this[*] (instance_count_unknown): a model '
        "that will exist cannot be judged until Terraform plans it; apply the rest and plan "
        "again")


@pytest.mark.parametrize(("deferred", "message"), [
    pytest.param([], "the plan is incomplete (complete: false; deferred: none listed)",
                 id="nothing-listed"),
    pytest.param([{"reason": "provider_config_unknown", "resource_change": {
        "address": "aws_s3_bucket.data", "type": "aws_s3_bucket"}}],
        "the plan is incomplete (complete: false; deferred: aws_s3_bucket.data)",
        id="other-resource"),
])
def test_incomplete_plan_is_an_error(deferred: list[Any], message: str) -> None:
    plan = load(EXAMPLE)
    plan["complete"] = False
    plan["deferred_changes"] = deferred
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_to_inputs(plan, "plan.json")


def test_deferred_model_wins_even_when_complete_is_missing() -> None:
    plan = load(DEFERRED)
    del plan["complete"]
    with pytest.raises(InputError, match="the plan defers"):
        plan_to_inputs(plan, "plan.json")


# --- the provider's documentation example ----------------------------------------------------

def test_provider_example_passes_the_shipped_baseline(
        capsys: pytest.CaptureFixture[str]) -> None:
    (item,) = plan_to_inputs(load(EXAMPLE), "example.json")
    assert ("customizationType",) in item.unknown_fields
    report = judge(None, item)
    assert report.models[0].results["bedrock-baseline/rft-grader"] is Status.NOT_APPLICABLE
    assert report.errors == () and report.violations == ()
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from", str(EXAMPLE)], capsys)
    assert code == 0
    assert "Passed: 1 model: example-model (aws_bedrock_custom_model.example)" in out


@pytest.mark.parametrize(("rule", "status"), [
    pytest.param({"require": {"field": "customizationType", "equals": "FINE_TUNING"}},
                 Status.ERROR, id="depends-on-the-type"),
    pytest.param({"require": {"field": "customizationType", "not_equals": "IMPORTED"}},
                 Status.PASS, id="same-for-both-types"),
    pytest.param({"when": {"field": "customizationType", "equals": "DISTILLATION"},
                  "kms_key": {}}, Status.NOT_APPLICABLE, id="when-excludes-both"),
    pytest.param({"when": {"field": "customizationType", "equals": "CONTINUED_PRE_TRAINING"},
                  "require": {"field": "modelName", "equals": "other"}}, Status.FAIL,
                 id="when-applies-to-one"),
    pytest.param({"teacher_model": {"allowed": ["amazon.nova-pro-v1*"]}},
                 Status.NOT_APPLICABLE, id="no-distillation-config"),
])
def test_unknown_customization_type_is_one_of_two(rule: dict[str, Any], status: Status) -> None:
    (item,) = plan_to_inputs(load(EXAMPLE), "example.json")
    report = judge([{"id": "r", **rule}], item)
    assert report.models[0].results["p/r"] is status
    if status is Status.ERROR:
        assert report.errors[0].message == (
            "the rule's result depends on customizationType, known only after apply: it "
            "cannot be judged before deployment")


def test_a_type_that_needs_customization_config_is_not_assumed() -> None:
    plan = load(EXAMPLE)
    plan["resource_changes"][0]["change"]["after"]["customization_type"] = \
        "REINFORCEMENT_FINE_TUNING"
    del plan["resource_changes"][0]["change"]["after_unknown"]["customization_type"]
    (item,) = plan_to_inputs(plan, "example.json")
    assert item.unknown_choices == ()
    report = judge(None, item)
    # Configured as RFT: judged as RFT, and the grader is missing.
    assert report.models[0].results["bedrock-baseline/rft-grader"] is Status.FAIL


# --- updates: the account from the state ---------------------------------------------------

def test_update_takes_the_account_from_before() -> None:
    ranker = models()["aws_bedrock_custom_model.ranker"]
    assert ranker.document["accountId"] == "111122223333"
    assert ranker.document["region"] == "us-east-1"
    assert "modelArn" not in ranker.document
    # research-* in account 111122223333: the sample's account-scoped waiver matches.
    policies = load_waiver_file(WAIVERS, load_policies([BASELINE])[0])
    report = evaluate(policies, [ranker], scanned=Scanned(("plan",), (), ()), now=FIXED_NOW)
    assert report.models[0].results["bedrock-baseline/learning-rate-cap"] is Status.WAIVED
    # The account is what decides: the same model in another account is not waived.
    elsewhere = ModelInput(document={**ranker.document, "accountId": "999999999999"},
                           origin=ranker.origin, address=ranker.address)
    report = evaluate(policies, [elsewhere], scanned=Scanned(("plan",), (), ()), now=FIXED_NOW)
    assert report.models[0].results["bedrock-baseline/learning-rate-cap"] is Status.FAIL


def test_replace_does_not_borrow_the_old_models_account() -> None:
    chat = models()["aws_bedrock_custom_model.chat"]
    assert "accountId" not in chat.document


def test_update_with_an_unreadable_before_has_no_account() -> None:
    plan = load(MODULES)
    entry = next(c for c in plan["resource_changes"] if c["address"].endswith(".ranker"))
    entry["change"]["before"] = None
    (ranker,) = [m for m in plan_to_inputs(plan, "p") if m.address == entry["address"]]
    assert "accountId" not in ranker.document


# --- addresses in every report ---------------------------------------------------------------

def test_instances_of_one_name_are_told_apart() -> None:
    found = models()
    assert found[PROD].document["modelName"] == found[STAGING].document["modelName"]
    assert found[PROD].address == PROD and found[PROD].origin == f"plan-modules.json#{PROD}"
    assert sorted(found) == sorted([
        PROD, STAGING, "aws_bedrock_custom_model.batch[0]", "aws_bedrock_custom_model.chat",
        "aws_bedrock_custom_model.ranker", "aws_bedrock_custom_model.secret"])


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_report_shows_the_address(fmt: str) -> None:
    report = judge(None, *models().values())
    text = render(report, fmt)
    escaped = {"sarif": json.dumps(STAGING)[1:-1], "json": json.dumps(STAGING)[1:-1],
               "junit": STAGING.replace('"', "&quot;"),
               "html": STAGING.replace('"', "&quot;"),
               "asff": json.dumps(STAGING)[1:-1], "ocsf": json.dumps(STAGING)[1:-1],
               "csv": STAGING.replace('"', '""'),
               "markdown": STAGING.replace("_", "\\_").replace("[", "\\[").replace(
                   "]", "\\]")}.get(fmt, STAGING)
    assert escaped in text
    if fmt == "json":
        data = json.loads(text)
        assert {m["address"] for m in data["models"]} >= {PROD, STAGING}
        assert [v["address"] for v in data["violations"] if v["rule"] == "output-data-bucket"] \
            == [STAGING]


def test_errors_carry_the_address(capsys: pytest.CaptureFixture[str]) -> None:
    plan = load(MODULES)
    for entry in plan["resource_changes"]:
        if entry["change"]["after"] is not None:
            entry["change"]["after"]["custom_model_kms_key_id"] = None
            entry["change"]["after_unknown"]["custom_model_kms_key_id"] = True
    report = judge(None, *plan_to_inputs(plan, "p"))
    kms = sorted(e.address or "" for e in report.errors
                 if e.rule == "bedrock-baseline/kms-required")
    assert PROD in kms and STAGING in kms
    text = render(report, "text")
    block = text.split(f'! model "summarizer ({STAGING})"', 1)[1].split("\n\n", 1)[0]
    assert "[error] bedrock-baseline/kms-required: UnknownUntilApply" in block
    for fmt in ("github", "markdown", "json", "sarif", "junit"):
        assert ("batch\\[0\\]" if fmt == "markdown" else "batch[0]") in render(report, fmt)


# --- snapshots keep what is unknown (item 2) -----------------------------------------------

@pytest.mark.parametrize("plan", [ROOT / "examples" / "planned" / "terraform-plan.json",
                                  MODULES, EXAMPLE], ids=["examples", "modules", "provider"])
def test_snapshot_of_a_plan_is_judged_like_the_plan(plan: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = tmp_path / "snap.json"
    assert run_cli(["snapshot", "--from", str(plan), "-o", str(snapshot)], capsys)[0] == 0
    policy = tmp_path / "vpc.yaml"
    policy.write_text("version: 1\nname: vpc\nrules:\n  - id: subnets\n    require: "
                      "{field: 'job.vpcConfig.subnetIds[]', glob: 'subnet-*'}\n",
                      encoding="utf-8")
    results = []
    for source in (plan, snapshot):
        _, out, _ = run_cli(["check", "-p", BASELINE, "-p", str(policy), "--from", str(source),
                             "-f", "json"], capsys)
        report = json.loads(out)
        results.append({(m["model_name"], m.get("address")): m["results"]
                        for m in report["models"]})
    on_plan, on_snapshot = results
    # Sensitive values are not recorded: the rules reading them are the one difference.
    hidden = {("secret-keyed", "aws_bedrock_custom_model.secret")}
    assert {k: v for k, v in on_plan.items() if k not in hidden} == \
        {k: v for k, v in on_snapshot.items() if k not in hidden}
    assert any("error" in r.values() for r in on_snapshot.values()) or plan == EXAMPLE


def test_snapshot_keeps_unknown_kms_key_unknown(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    plan = load(EXAMPLE)
    change = plan["resource_changes"][0]["change"]
    change["after"]["custom_model_kms_key_id"] = None
    change["after_unknown"]["custom_model_kms_key_id"] = True
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(plan), encoding="utf-8")
    snapshot = tmp_path / "snap.json"
    run_cli(["snapshot", "--from", str(source), "-o", str(snapshot)], capsys)
    entry = json.loads(snapshot.read_text(encoding="utf-8"))["models"][0]
    assert "modelKmsKeyArn" not in entry
    assert ["modelKmsKeyArn"] in entry["plan"]["unknown"]
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from", str(snapshot), "-f", "json"],
                           capsys)
    report = json.loads(out)
    assert code == 2
    assert report["models"][0]["results"]["bedrock-baseline/kms-required"] == "error"
    assert not any("AWS-owned" in v["message"] for v in report["violations"])


@pytest.mark.parametrize(("facts", "message"), [
    pytest.param("nope", "plan must be an object", id="not-an-object"),
    pytest.param({"unknown": "modelKmsKeyArn"}, "plan.unknown must be a list of field paths",
                 id="paths-as-text"),
    pytest.param({"unknowns": []}, "unknown key 'unknowns'", id="misspelt"),
    pytest.param({"unknown": [["a"]], "choices": [{"paths": [["b"]], "values": [1]}]},
                 "names a field that is not unknown", id="choice-not-unknown"),
])
def test_bad_plan_facts_in_a_snapshot(facts: Any, message: str, tmp_path: Path) -> None:
    from checker.sources.files import convert

    snapshot = {"schema_version": 1, "models": [
        {"modelName": "m", "kind": "planned", "plan": copy.deepcopy(facts)}]}
    with pytest.raises(InputError, match=message):
        convert(snapshot, "snap.json")


# --- any damage to a real plan is a one-line refusal or a judged model ----------------------

def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6)
PLAN_PATHS = [p for p in _paths(load(MODULES)) if p and p[0] != "configuration"]


@settings(max_examples=int(os.environ.get('FUZZ_EXAMPLES', '150')), deadline=None)
@given(st.sampled_from(PLAN_PATHS), JSON_VALUES)
# An empty base model makes that model's ARN malformed: its error, never judged.
@example(("resource_changes", 1, "change", "after", "base_model_identifier"), "")
def test_a_damaged_plan_is_refused_or_judged_never_a_crash(path: tuple[Any, ...],
                                                           value: Any) -> None:
    plan = load(MODULES)
    target: Any = plan
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    try:
        items = plan_to_inputs(plan, "plan.json")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    report = judge(None, *items)
    assert {e.code for e in report.errors} <= {"UnknownUntilApply", "SensitiveNotRecorded",
                                               "EvaluationError", "MalformedArn"}
    for item, model in zip(items, report.models, strict=True):
        if item.refused is not None:
            assert set(model.results.values()) == {Status.ERROR}
    if "after_sensitive" in path:
        return  # the damage may have unmarked a sensitive value: it may then be shown
    for secret in SECRETS:
        for fmt in ("json", "text"):
            assert secret not in render(report, fmt)
