"""examples/sharding/github-actions-matrix.yml: its shard and merge commands, run as the
workflow runs them (bash, one shard per OU of the matrix) against an organization in moto's
server, judge the estate as one run over every OU does."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.product.test_e2e_moto_server import COMMAND
from tests.product.test_e2e_organization import POLICY, Org, as_account, client, create_model
from tests.support import ROOT, command_env, reset_moto

WORKFLOW = ROOT / "examples" / "sharding" / "github-actions-matrix.yml"


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def step(job: str, name: str) -> dict[str, Any]:
    [found] = [s for s in workflow()["jobs"][job]["steps"] if s.get("name") == name]
    return found  # type: ignore[no-any-return]


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180, check=False)
    assert "Traceback" not in done.stderr
    return done


def verdicts(report: dict[str, Any]) -> tuple[Any, ...]:
    """What a report judged, whatever the order of its shards."""
    def key(item: Any) -> str:
        return json.dumps(item, sort_keys=True)

    return (report["summary"], report["fail_on"], sorted(map(key, report["models"])),
            sorted(map(key, report["violations"])), sorted(map(key, report["errors"])),
            sorted(report["scanned"]["accounts"]))


def test_the_workflow_shards_by_ou_and_merges_every_shard() -> None:
    flow = workflow()
    shard, merge = flow["jobs"]["shard"], flow["jobs"]["merge"]
    assert shard["strategy"]["fail-fast"] is False
    assert len(shard["strategy"]["matrix"]["ou"]) == int(
        step("merge", "Merge the shards")["env"]["SHARDS"])
    assert merge["needs"] == "shard" and merge["if"] == "always()"
    assert step("shard", "Check one OU")["env"]["OU"] == "${{ matrix.ou }}"


@pytest.fixture
def endpoint(server: str) -> str:
    return reset_moto(server)


def test_the_merged_shards_judge_as_one_run_over_every_ou(endpoint: str,
                                                           tmp_path: Path) -> None:
    org = Org(endpoint)
    ous = [org.ou(name) for name in ("prod", "data", "sandbox")]
    nested = org.ou("prod-eu", ous[0])  # under prod: read by prod's shard
    accounts = [org.account(f"a{i}", ou) for i, ou in enumerate([*ous, nested, ous[1]])]
    for index, account in enumerate(accounts):
        create_model(endpoint, account, f"model-{index}")
    # One model on a base model the policy does not allow: a violation, in one shard only.
    creds = as_account(endpoint, accounts[2])
    client(endpoint, "bedrock", creds).create_model_customization_job(
        jobName="job-llama", customModelName="llama", roleArn=f"arn:aws:iam::{accounts[2]}:"
        "role/bedrock-training", baseModelIdentifier="meta.llama3-1-8b-instruct-v1:0",
        trainingDataConfig={"s3Uri": "s3://data/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://data/out/"}, hyperParameters={"epochCount": "1"},
        customizationType="FINE_TUNING")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "org.yaml").write_text(POLICY, encoding="utf-8")
    env = command_env(tmp_path, AWS_ENDPOINT_URL=endpoint,
                      PATH=f"{COMMAND.parent}:/usr/bin:/bin",
                      GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))

    check = step("shard", "Check one OU")["run"]
    for ou in ous:
        done = bash(check, tmp_path, env | {"OU": ou})
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "shards" / f"{ou}.json").stat().st_size > 0
    merging = step("merge", "Merge the shards")
    done = bash(merging["run"], tmp_path, env | merging["env"])
    merged = json.loads((tmp_path / "reports" / "bedrock-drift.json").read_text("utf-8"))

    # The same estate in one run: every OU of the matrix at once, with the same options.
    single = check.replace('--ou "$OU"', " ".join(f"--ou {ou}" for ou in ous)).replace(
        '"shards/$OU.json" || true', "single.json")
    single_run = bash(single.replace('test -s "shards/$OU.json"', "true"), tmp_path, env)
    one = json.loads((tmp_path / "single.json").read_text("utf-8"))
    assert verdicts(merged) == verdicts(one)
    assert len(merged["models"]) == len(accounts) + 1
    assert merged["summary"]["violations"] == 1
    # Violations at --fail-on high or above: both runs fail, with the same exit code.
    assert done.returncode == single_run.returncode
    assert (tmp_path / "reports" / "bedrock-drift.sarif").exists()
    assert "llama" in (tmp_path / "summary.md").read_text("utf-8")


def test_a_missing_shard_fails_the_merge(tmp_path: Path) -> None:
    (tmp_path / "shards").mkdir()
    (tmp_path / "shards" / "one.json").write_text("{}", encoding="utf-8")
    merging = step("merge", "Merge the shards")
    done = bash(merging["run"], tmp_path, command_env(tmp_path, **merging["env"]))
    assert done.returncode != 0
    assert not (tmp_path / "reports" / "bedrock-drift.json").exists()
