"""The engine: scope, waivers, enrichments that were not fetched, results and the summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

import pytest

from checker.checks.base import Check, Outcome
from checker.engine.evaluate import evaluate, select_rules
from checker.errors import UsageError
from checker.results import ModelInput, Scanned, Status
from tests.support import FIXED_NOW, judge, policy_from, single_rule_policy

ARN = "arn:aws:bedrock:us-east-1:111122223333:custom-model/amazon.nova-lite-v1:0:300k/{}"


def model(name: str, **fields: Any) -> dict[str, Any]:
    return {"modelArn": ARN.format(name), "modelName": name, "accountId": "111122223333",
            "region": "us-east-1", **fields}


LR_RULE = {"id": "lr", "severity": "high", "hyperparameter": {"name": "learningRate",
                                                              "max": 0.0001}}


def policy(**extra: Any) -> Any:
    return policy_from({"version": 1, "name": "p", "rules": [LR_RULE], **extra})


def waiver(**fields: Any) -> dict[str, Any]:
    return {"rules": ["lr"], "models": ["research-*"], "reason": "SEC-1", "expires": "2026-11-27",
            **fields}


HIGH_LR = {"hyperParameters": {"learningRate": "0.01"}}


def test_waiver_applies_through_the_end_of_its_day() -> None:
    late = datetime(2026, 11, 27, 23, 59, 59, tzinfo=timezone.utc)
    report = judge(policy(waivers=[waiver()]), model("research-a", **HIGH_LR), now=late)
    assert report.models[0].results["p/lr"] is Status.WAIVED
    assert report.summary.result == "pass"
    assert report.waived[0].waiver is not None and report.waived[0].waiver.reason == "SEC-1"
    assert report.warnings == ()


def test_expired_waiver_no_longer_applies_and_says_so() -> None:
    next_day = datetime(2026, 11, 28, 0, 0, 1, tzinfo=timezone.utc)
    report = judge(policy(waivers=[waiver()]), model("research-a", **HIGH_LR), now=next_day)
    assert report.models[0].results["p/lr"] is Status.FAIL
    assert [w.code for w in report.warnings] == ["waiver-expired"]
    assert "expired on 2026-11-27" in report.warnings[0].message
    assert report.exit_code == 1


def test_stale_waiver_is_reported() -> None:
    report = judge(policy(waivers=[waiver(models=["nothing-*"])]), model("research-a", **HIGH_LR))
    assert [w.code for w in report.warnings] == ["waiver-stale"]
    assert report.models[0].results["p/lr"] is Status.FAIL


@pytest.mark.parametrize(("fields", "status"), [
    ({"accounts": ["111122223333"]}, Status.WAIVED),
    ({"accounts": ["999999999999"]}, Status.FAIL),
    ({"models": ["arn:aws:bedrock:*:custom-model/*/research-a"]}, Status.WAIVED),
    ({"models": ["RESEARCH-*"]}, Status.FAIL),
    ({"rules": ["*"]}, Status.WAIVED),
], ids=["account matches", "other account", "by ARN", "model globs are case-sensitive",
        "all rules"])
def test_waiver_matching(fields: dict[str, Any], status: Status) -> None:
    report = judge(policy(waivers=[waiver(**fields)]), model("research-a", **HIGH_LR))
    assert report.models[0].results["p/lr"] is status


def test_waiver_never_touches_an_error() -> None:
    rule = {"id": "lr", "require": {"field": "tags.owner", "exists": True}}
    pol = policy_from({"version": 1, "name": "p", "rules": [rule],
                       "waivers": [waiver(models=["*"])]})
    report = judge(pol, model("a"))
    assert report.models[0].results["p/lr"] is Status.ERROR
    assert report.summary.result == "error" and report.exit_code == 2


def test_scope_names_ignore_case_and_not_evaluated_models_are_counted() -> None:
    report = judge(policy(scope={"names": ["PROD-*"]}), model("prod-a", **HIGH_LR),
                   model("dev-b", **HIGH_LR))
    assert [m.result for m in report.models] == ["fail", "not_applicable"]
    assert report.summary.not_evaluated == 1


def test_scope_when_unknown_counts_as_in_scope() -> None:
    pol = policy(scope={"when": {"field": "hyperParameters.epochCount", "max": 5}})
    report = judge(pol, model("a", hyperParameters={"epochCount": "many",
                                                    "learningRate": "1"}))
    assert report.models[0].results["p/lr"] is Status.FAIL


def test_scope_on_tags_not_fetched_is_an_error_for_every_rule() -> None:
    pol = policy(scope={"when": {"field": "tags.env", "equals": "prod"}})
    report = judge(pol, model("a"))
    assert report.models[0].results["p/lr"] is Status.ERROR
    assert report.errors[0].code == "NotFetched"


def test_failed_tag_fetch_makes_only_tag_rules_errors() -> None:
    pol = policy_from({"version": 1, "name": "p", "rules": [
        LR_RULE, {"id": "owner", "require": {"field": "tags.owner", "exists": True}}]})
    item = ModelInput(document=model("a"), enrichment_errors={
        "tags": ("AccessDeniedException", "ListTagsForResource: not authorized")})
    report = evaluate([pol], [item], scanned=Scanned(("aws",), (), ()), now=FIXED_NOW)
    assert dict(report.models[0].results) == {"p/lr": Status.PASS, "p/owner": Status.ERROR}
    (error,) = report.errors
    assert (error.code, error.rule, error.model_name) == ("AccessDeniedException", "p/owner", "a")


def test_model_results_and_summary() -> None:
    pol = policy_from({"version": 1, "name": "p", "rules": [
        LR_RULE,
        {"id": "kms", "severity": "low", "kms_key": {}},
        {"id": "rft", "lambda_grader": None},
    ]})
    report = judge(pol, model("ok", modelKmsKeyArn="arn:aws:kms:us-east-1:1:key/a"),
                   model("bad", **HIGH_LR))
    assert [m.result for m in report.models] == ["pass", "fail"]
    assert dict(report.models[0].results) == {"p/lr": Status.PASS, "p/kms": Status.PASS,
                                              "p/rft": Status.NOT_APPLICABLE}
    s = report.summary
    assert (s.models, s.policies, s.rules, s.violations, s.waived, s.errors, s.not_evaluated,
            s.result) == (2, 1, 3, 2, 0, 0, 0, "fail")


@pytest.mark.parametrize(("fail_on", "result", "code"), [
    ("info", "fail", 1), ("low", "fail", 1), ("medium", "fail", 1), ("high", "fail", 1),
    ("critical", "pass", 0),
])
def test_fail_on(fail_on: str, result: str, code: int) -> None:
    report = evaluate([policy()], [ModelInput(model("a", **HIGH_LR))],
                      scanned=Scanned((), (), ()), fail_on=fail_on, now=FIXED_NOW)
    assert report.summary.violations == 1  # reported whatever the gate
    assert (report.summary.result, report.exit_code) == (result, code)


def test_zero_models_pass_but_are_counted() -> None:
    report = judge(policy())
    assert (report.summary.models, report.exit_code) == (0, 0)


def test_a_check_that_raises_is_an_error_not_a_crash() -> None:
    class Exploding(Check):
        def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
            raise RuntimeError("boom")

    pol = policy()
    broken = replace(pol, rules=(replace(pol.rules[0], check=Exploding()),))
    report = judge(broken, model("x"))
    assert report.models[0].results["p/lr"] is Status.ERROR
    assert (report.errors[0].code, report.errors[0].message) == (
        "EvaluationError", "could not judge: RuntimeError: boom")
    assert report.exit_code == 2


def test_thousands_of_models() -> None:
    docs = [model(f"m-{i:05d}", hyperParameters={"learningRate": "0.001" if i % 10 == 0
                                                 else "0.00001"}) for i in range(5000)]
    report = judge(policy(), *docs)
    assert report.summary.models == 5000
    assert report.summary.violations == 500


def test_select_rules() -> None:
    pol = policy_from({"version": 1, "name": "p", "rules": [
        LR_RULE, {"id": "kms", "kms_key": {}}, {"id": "kms-2", "kms_key": {}}]})
    assert [r.info.id for r in select_rules([pol], ["p/kms*"])[0].rules] == ["kms", "kms-2"]
    assert [r.info.id for r in select_rules([pol], [], ["p/kms-2"])[0].rules] == ["lr", "kms"]
    with pytest.raises(UsageError, match="matches no loaded rule"):
        select_rules([pol], ["kms"])


def test_waiver_of_a_rule_that_did_not_run_is_not_stale() -> None:
    pol = policy_from({"version": 1, "name": "p", "rules": [
        LR_RULE, {"id": "kms", "kms_key": {}}], "waivers": [waiver(models=["nothing-*"])]})
    only_kms = select_rules([pol], ["p/kms"])
    assert judge(only_kms[0], model("a", **HIGH_LR)).warnings == ()
    assert [w.code for w in judge(pol, model("a", **HIGH_LR)).warnings] == ["waiver-stale"]


def test_no_stale_waiver_when_no_model_was_read() -> None:
    assert judge(policy(waivers=[waiver(models=["nothing-*"])])).warnings == ()


def test_rules_not_judged_for_want_of_fetched_keys_are_summed_up_in_a_warning() -> None:
    """A document without the keys a live run adds: each rule that reads one is an error,
    and one warning says why and what to do, naming the policy."""
    from checker.engine.evaluate import evaluate
    from checker.results import ModelInput, Scanned
    from tests.support import FIXED_NOW, policy_from

    policy = policy_from({"version": 1, "name": "live-only", "rules": [
        {"id": "served", "require": {"field": "served", "equals": False}},
        {"id": "tagged", "require": {"field": "tags.team", "exists": True}},
        {"id": "named", "require": {"field": "modelName", "exists": True}}]})
    doc = {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/m", "modelName": "m"}
    report = evaluate([policy], [ModelInput(document=doc, origin="file")],
                      scanned=Scanned(("file",), (), ()), now=FIXED_NOW)
    assert sorted(e.code for e in report.errors) == ["NotFetched", "NotFetched"]
    [warning] = [w for w in report.warnings if w.code == "keys-not-fetched"]
    assert warning.message.startswith("2 results were not judged because the documents lack "
                                      "keys a live run fetches (policies: live-only)")
    with_keys = evaluate([policy], [ModelInput(document={**doc, "served": False,
                                                         "tags": {"team": "ml"}},
                                               origin="file")],
                         scanned=Scanned(("file",), (), ()), now=FIXED_NOW)
    assert with_keys.errors == () and with_keys.warnings == ()


def test_a_refused_model_is_never_judged_even_when_handed_to_the_engine() -> None:
    """A source marks a model it refused (a malformed ARN) and reports it as an error; were
    such a model ever handed to the engine, it is that model's error on every rule, never a
    pass on what little of its document is left."""
    policy = single_rule_policy({"hyperparameter": {"name": "learningRate", "max": 0.1}})
    refused = ModelInput(document={"modelName": "summarizer"}, kind="planned", origin="plan",
                         refused=("MalformedArn", "plan.json: baseModelArn: '' is not an ARN"))
    report = evaluate([policy], [refused], scanned=Scanned(("plan",), (), ()), now=FIXED_NOW)
    assert report.models[0].result == "error"
    assert report.models[0].results == {"t/r": Status.ERROR}
    assert [(e.code, e.model_name) for e in report.errors] == [("MalformedArn", "summarizer")]
    assert report.summary.result == "error"
