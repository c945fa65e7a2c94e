"""publish, run as the installed command against a Security Hub that behaves as AWS
documents (tests/support/securityhub_standin.py): the workflows that lost findings, and the hub's
own rules (normalised severity, ``aws/`` product fields, ``Workflow`` kept on import)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from checker.reports.json_report import render_json
from checker.results import ModelRef, Report, Status
from tests.support import command_env
from tests.support import report_fixtures as fx
from tests.support.securityhub_standin import Hub, endpoint_env, running

COMMAND = Path(sys.executable).parent / "bedrock-drift"
A, B = "111122223333", "444455556666"
REGION = "us-east-1"
K, BASE = fx.KMS.qualified_id, fx.BASE.qualified_id
P, F, W = Status.PASS, Status.FAIL, Status.WAIVED
T1, T2, T3 = "2026-12-01T08:00:00Z", "2026-12-02T08:00:00Z", "2026-12-03T08:00:00Z"
SHA = "a" * 64


def model(name: str, account: str = A, kind: str = "model") -> ModelRef:
    return ModelRef(arn=f"arn:aws:bedrock:{REGION}:{account}:custom-model/{name}", name=name,
                    account_id=account, region=REGION, kind=kind)


def report(statuses: dict[ModelRef, dict[str, Status]], *, at: str, reads: tuple[str, ...],
           sha: str = SHA, include_imported: bool = False,
           rules: tuple[Any, ...] = (fx.KMS, fx.BASE)) -> Report:
    """A live read of ``reads`` (accounts, in REGION) judged at ``at``."""
    by_id = {r.qualified_id: r for r in rules}
    violations = [fx.finding(ref, by_id[rule]) for ref, s in statuses.items()
                  for rule, status in s.items() if status is F]
    waived = [fx.finding(ref, by_id[rule], waiver=fx.WAIVER) for ref, s in statuses.items()
              for rule, status in s.items() if status is W]
    built = fx.build_report(rules=rules, models=statuses, violations=violations,
                            waived=waived)
    accounts = tuple(sorted({*reads, *(ref.account_id or A for ref in statuses)}))
    return replace(built, generated_at=at,
                   policies=tuple(replace(p, sha256=sha) for p in built.policies),
                   scanned=replace(built.scanned, accounts=accounts,
                                   reads=tuple((a, REGION) for a in reads),
                                   include_imported=include_imported))


@pytest.fixture
def hub() -> Iterator[tuple[Hub, str]]:
    with running() as found:
        yield found


def publish(hub: tuple[Hub, str], tmp_path: Path, data: Report | dict[str, Any], *args: str,
            account: str = A, calls: Path | None = None) -> subprocess.CompletedProcess[str]:
    path = tmp_path / f"report-{len(list(tmp_path.glob('report-*.json')))}.json"
    path.write_text(render_json(data) if isinstance(data, Report) else json.dumps(data))
    settings = endpoint_env(hub[1], account)
    if calls is not None:
        settings["BEDROCK_DRIFT_RECORD_CALLS"] = str(calls)
    return subprocess.run([str(COMMAND), "publish", str(path), *args],
                          env=command_env(tmp_path, **settings), capture_output=True,
                          text=True, check=False, timeout=120)


def state(hub: tuple[Hub, str]) -> dict[tuple[str, str, str], tuple[str, str, str]]:
    """(account, model, rule) -> (compliance, record state, workflow) of every finding."""
    return {(f["AwsAccountId"], f["Resources"][0]["Id"].rsplit("/", 1)[1], f["GeneratorId"]):
            (f["Compliance"]["Status"], f["RecordState"], f["Workflow"]["Status"])
            for f in hub[0].all()}


def role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/bedrock-drift-publish"


# --- the workflows that lost findings --------------------------------------------------

def test_a_model_shared_by_account_b_archives_nothing_of_b(hub: tuple[Hub, str],
                                                           tmp_path: Path) -> None:
    b1, b2 = model("b1", B), model("b2", B)
    own = report({b1: {K: F, BASE: P}, b2: {K: F, BASE: P}}, at=T1, reads=(B,))
    done = publish(hub, tmp_path, own, account=B)
    assert done.returncode == 0, done.stderr
    # Account A's read lists b1, which B shared with A: its ARN names B, A was read.
    seen_from_a = report({model("a1"): {K: F, BASE: P}, b1: {K: P, BASE: P}}, at=T2,
                         reads=(A,))
    done = publish(hub, tmp_path, seen_from_a, "--assume-role", role(A), "--assume-role", role(B))
    assert done.returncode == 0, done.stderr
    after = state(hub)
    assert after[(B, "b1", K)] == ("FAILED", "ACTIVE", "NEW")
    assert after[(B, "b2", K)] == ("FAILED", "ACTIVE", "NEW")
    assert after[(A, "a1", K)] == ("FAILED", "ACTIVE", "NEW")


def test_an_older_report_after_a_newer_one_changes_nothing_and_says_so(
        hub: tuple[Hub, str], tmp_path: Path) -> None:
    m1, m2 = model("m1"), model("m2")
    publish(hub, tmp_path, report({m1: {K: F, BASE: P}, m2: {K: F, BASE: P}}, at=T1,
                                  reads=(A,)))
    newer = publish(hub, tmp_path, report({m1: {K: P, BASE: P}, m2: {K: F, BASE: F}}, at=T3,
                                          reads=(A,)))
    assert newer.returncode == 0, newer.stderr
    before = state(hub)
    assert before[(A, "m1", K)][:2] == ("PASSED", "ARCHIVED")
    # The T1..T2 report, published late: m1 failing, m2 passing its base model rule.
    older = publish(hub, tmp_path, report({m1: {K: F, BASE: P}, m2: {K: F, BASE: P}}, at=T2,
                                          reads=(A,)))
    assert older.returncode == 2
    assert state(hub) == before
    refused = [line for line in older.stderr.splitlines() if "NewerInHub" in line]
    assert len(refused) == 2  # m1's kms-required (would reopen), m2's base model (archive)
    assert all(T3 in line and T2 in line for line in refused)


def test_a_report_without_include_imported_keeps_imported_models_findings(
        hub: tuple[Hub, str], tmp_path: Path) -> None:
    m1, imported = model("m1"), model("imp", kind="imported")
    publish(hub, tmp_path, report({m1: {K: F, BASE: P}, imported: {K: F, BASE: P}}, at=T1,
                                  reads=(A,), include_imported=True))
    done = publish(hub, tmp_path, report({m1: {K: F, BASE: P}}, at=T2, reads=(A,)))
    assert done.returncode == 0, done.stderr
    assert state(hub)[(A, "imp", K)][:2] == ("FAILED", "ACTIVE")


def test_an_edited_copy_of_a_policy_with_the_same_name_touches_none_of_its_findings(
        hub: tuple[Hub, str], tmp_path: Path) -> None:
    m1 = model("m1")
    publish(hub, tmp_path, report({m1: {K: F, BASE: F}}, at=T1, reads=(A,)))
    # Another team's "baseline": same name, other bytes, only the KMS rule (which m1 passes).
    edited = report({m1: {K: P}}, at=T2, reads=(A,), sha="b" * 64, rules=(fx.KMS,))
    done = publish(hub, tmp_path, edited)
    assert done.returncode == 0, done.stderr
    after = state(hub)
    assert after[(A, "m1", K)][:2] == ("FAILED", "ACTIVE")
    assert after[(A, "m1", BASE)][:2] == ("FAILED", "ACTIVE")
    assert "2 left alone" in done.stderr


def _edits() -> list[Any]:
    def models_object(d: dict[str, Any]) -> None:
        d["models"] = {}

    def violation_without_model(d: dict[str, Any]) -> None:
        d["models"] = [m for m in d["models"] if m["model_name"] != "m1"]
        d["summary"]["models"] = len(d["models"])

    def model_outside_scanned(d: dict[str, Any]) -> None:
        d["models"][0]["region"] = "eu-west-1"

    def wrong_type(d: dict[str, Any]) -> None:
        d["policies"][0]["rules"][0]["line"] = "seven"

    def no_policies(d: dict[str, Any]) -> None:
        d["policies"] = []
        d["summary"].update(policies=0, rules=0)

    return [pytest.param(models_object, "at models: {} is not of type 'array'", id="models-{}"),
            pytest.param(violation_without_model, "violations[0]: its model 'm1' is not in "
                         "models", id="violation-without-model"),
            pytest.param(model_outside_scanned, "models[0]: region eu-west-1 is not in "
                         "scanned.regions", id="model-outside-scanned"),
            pytest.param(wrong_type, "at policies/0/rules/0/line: 'seven' is not of type",
                         id="wrong-type"),
            pytest.param(no_policies, "is not one of the report's policies", id="no-policies")]


@pytest.mark.parametrize(("edit", "message"), _edits())
def test_an_edited_or_inconsistent_report_is_refused_before_any_call(
        hub: tuple[Hub, str], tmp_path: Path, edit: Any, message: str) -> None:
    m1, m2 = model("m1"), model("m2")
    publish(hub, tmp_path, report({m1: {K: F, BASE: P}, m2: {K: F, BASE: P}}, at=T1,
                                  reads=(A,)))
    before, calls = state(hub), sum(hub[0].calls.values())
    data = json.loads(render_json(report({m1: {K: F, BASE: P}, m2: {K: P, BASE: P}}, at=T2,
                                         reads=(A,))))
    edit(data)
    done = publish(hub, tmp_path, data)
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("bedrock-drift: error: ") and "report-1.json: " in line
    assert message in line
    assert "internal error" not in line
    assert sum(hub[0].calls.values()) == calls  # not even read
    assert state(hub) == before


# --- Security Hub's own rules ------------------------------------------------------------

def test_a_second_publish_of_the_same_report_imports_nothing(hub: tuple[Hub, str],
                                                            tmp_path: Path) -> None:
    the_report = report({model("m1"): {K: F, BASE: W}, model("m2"): {K: F, BASE: P}}, at=T1,
                        reads=(A,))
    first = publish(hub, tmp_path, the_report)
    assert first.returncode == 0, first.stderr
    assert "3 imported, 0 unchanged" in first.stderr
    stored = hub[0].all()
    assert all(f["Severity"]["Normalized"] in (70, 90) for f in stored)  # the hub's own
    assert all("aws/securityhub/FindingId" in f["ProductFields"] for f in stored)
    events = hub[0].imported_events
    again = publish(hub, tmp_path, the_report)
    assert again.returncode == 0, again.stderr
    assert "0 imported, 3 unchanged" in again.stderr
    assert hub[0].imported_events == events  # no "Findings - Imported" event raised
    assert "BatchImportFindings" not in again.stderr


def test_an_open_violation_that_never_changes_outlives_the_hubs_retention(
        hub: tuple[Hub, str], tmp_path: Path) -> None:
    """Security Hub deletes a finding 90 days after its last UpdatedAt: an unchanged open
    violation is imported again once the hub's copy is 30 days old, so a publish run at
    least every two months never lets it vanish; a younger copy is left as it is."""
    statuses = {model("m1"): {K: F, BASE: W}, model("m2"): {K: F, BASE: P}}
    first = publish(hub, tmp_path, report(statuses, at="2026-09-01T08:00:00Z", reads=(A,)))
    assert first.returncode == 0, first.stderr
    soon = publish(hub, tmp_path, report(statuses, at="2026-09-20T08:00:00Z", reads=(A,)))
    assert "0 imported, 3 unchanged" in soon.stderr, soon.stderr
    later = publish(hub, tmp_path, report(statuses, at="2026-10-15T08:00:00Z", reads=(A,)),
                    "--dry-run")
    assert later.returncode == 0, later.stderr
    assert "would import 0 new, 0 updated, 0 reopened, 3 refreshed" in later.stdout
    done = publish(hub, tmp_path, report(statuses, at="2026-10-15T08:00:00Z", reads=(A,)))
    assert done.returncode == 0, done.stderr
    assert "3 imported, 0 unchanged" in done.stderr
    # 90 days after the first import, the hub would have deleted every one of them.
    assert hub[0].expire("2026-12-05T08:00:00Z") == []
    assert state(hub)[(A, "m1", K)] == ("FAILED", "ACTIVE", "NEW")
    assert state(hub)[(A, "m1", BASE)] == ("FAILED", "ACTIVE", "SUPPRESSED")
    # Without the refresh they would be gone: the stand-in's retention is real.
    assert len(hub[0].expire("2027-01-20T08:00:00Z")) == 3


def test_archiving_from_the_hubs_copy_sends_no_reserved_key(hub: tuple[Hub, str],
                                                            tmp_path: Path) -> None:
    publish(hub, tmp_path, report({model("m1"): {K: F, BASE: P},
                                   model("gone"): {K: F, BASE: P}}, at=T1, reads=(A,)))
    done = publish(hub, tmp_path, report({model("m1"): {K: F, BASE: P}}, at=T2, reads=(A,)))
    assert done.returncode == 0, done.stderr
    gone = state(hub)[(A, "gone", K)]
    assert gone[:2] == ("FAILED", "ARCHIVED")
    assert "1 archived" in done.stderr


def test_waivers_follow_expiry_through_the_workflow(hub: tuple[Hub, str],
                                                    tmp_path: Path) -> None:
    m1, m2 = model("m1"), model("m2")
    publish(hub, tmp_path, report({m1: {K: W, BASE: P}, m2: {K: F, BASE: P}}, at=T1,
                                  reads=(A,)))
    assert state(hub)[(A, "m1", K)] == ("FAILED", "ACTIVE", "SUPPRESSED")
    assert state(hub)[(A, "m2", K)] == ("FAILED", "ACTIVE", "NEW")
    # m1's waiver expired; m2 got one.
    done = publish(hub, tmp_path, report({m1: {K: F, BASE: P}, m2: {K: W, BASE: P}}, at=T2,
                                         reads=(A,)))
    assert done.returncode == 0, done.stderr
    assert state(hub)[(A, "m1", K)] == ("FAILED", "ACTIVE", "NEW")
    assert state(hub)[(A, "m2", K)] == ("FAILED", "ACTIVE", "SUPPRESSED")
    assert hub[0].calls["BatchUpdateFindings"] == 2
    assert "2 workflow updates" in done.stderr


def test_fields_over_security_hubs_limits_are_cut_never_refused(hub: tuple[Hub, str],
                                                                tmp_path: Path) -> None:
    long_rule = fx.rule("p" * 300, "r" * 300, "high", title="T" * 400,
                        link="javascript:alert(1)")
    m1 = model("m" * 1500)
    done = publish(hub, tmp_path, report({m1: {long_rule.qualified_id: F}}, at=T1,
                                         reads=(A,), rules=(long_rule,)))
    assert done.returncode == 0, done.stderr
    [stored] = hub[0].all()
    assert len(stored["GeneratorId"]) <= 512 and len(stored["Title"]) <= 256
    assert stored["Title"].endswith("\u2026")
    assert "SourceUrl" not in stored  # not http(s)
    again = publish(hub, tmp_path, report({m1: {long_rule.qualified_id: F}}, at=T2,
                                          reads=(A,), rules=(long_rule,)))
    assert "0 imported, 1 unchanged" in again.stderr, again.stderr


# --- a dry run ---------------------------------------------------------------------------

def test_a_dry_run_prints_the_plan_and_only_reads(hub: tuple[Hub, str],
                                                  tmp_path: Path) -> None:
    m1, m2, gone = model("m1"), model("m2"), model("gone")
    publish(hub, tmp_path, report({m1: {K: F, BASE: P}, m2: {K: F, BASE: P},
                                   gone: {K: F, BASE: P}}, at=T1, reads=(A,)))
    before = state(hub)
    calls = tmp_path / "calls.txt"
    later = report({m1: {K: P, BASE: P}, m2: {K: F, BASE: F}, model("new"): {K: F, BASE: P}},
                   at=T2, reads=(A,))
    dry = publish(hub, tmp_path, later, "--dry-run", calls=calls)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        f"{A}/{REGION}: would import 2 new, 0 updated, 0 reopened, 0 refreshed; 2 archived; "
        "0 suppressed and 0 unsuppressed (waivers); 1 unchanged; 0 left alone; 0 refused "
        "(newer in the hub)"]
    assert state(hub) == before
    made = set(calls.read_text().split())
    assert made == {"securityhub:GetFindings", "sts:GetCallerIdentity"}
    # And the real run does what the dry run said.
    real = publish(hub, tmp_path, later)
    assert "2 imported, 1 unchanged, 2 archived, 0 errors" in real.stderr
    # A dry run of a report the real run would refuse exits 2.
    refused = publish(hub, tmp_path, report({m1: {K: F, BASE: P}}, at=T1, reads=(A,)),
                      "--dry-run")
    assert refused.returncode == 2
    assert "NewerInHub" in refused.stderr


def test_an_older_report_that_agrees_with_the_hub_is_no_error(hub: tuple[Hub, str],
                                                              tmp_path: Path) -> None:
    verdicts = {model("m1"): {K: F, BASE: P}}
    publish(hub, tmp_path, report(verdicts, at=T2, reads=(A,)))
    older = publish(hub, tmp_path, report(verdicts, at=T1, reads=(A,)))
    assert older.returncode == 0, older.stderr
    assert "0 imported, 1 unchanged" in older.stderr
