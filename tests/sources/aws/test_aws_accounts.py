"""The accounts of a run: the accounts file, --assume-role, and the options around them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from checker.errors import PolicyError, UsageError
from checker.results import ReportWarning
from checker.sources import SourceResult, aws
from checker.sources.aws.accounts import AccountSpec, accounts_from_roles, load_accounts_file
from checker.sources.aws.permissions import ENRICHMENT_ACTIONS, required_actions
from tests.support import ROOT, run_cli

ROLE = "arn:aws:iam::111122223333:role/bedrock-drift-audit"
ROLE2 = "arn:aws:iam::444455556666:role/audit/bedrock-drift"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("text", "default_external_id", "expected"),
    [
        pytest.param(f"- role_arn: {ROLE}\n", None, [AccountSpec(role_arn=ROLE)], id="one-role"),
        pytest.param(f"- role_arn: {ROLE}\n  regions: [us-east-1, eu-west-1, us-east-1]\n"
                     f"  external_id: nightly-audit\n- profile: ml-sandbox\n"
                     f"- role_arn: {ROLE2}\n",
                     "from-option",
                     [AccountSpec(role_arn=ROLE, regions=("us-east-1", "eu-west-1"),
                                  external_id="nightly-audit"),
                      AccountSpec(profile="ml-sandbox"),
                      AccountSpec(role_arn=ROLE2, external_id="from-option")],
                     id="roles-profiles-regions-external-ids"),
        pytest.param("- profile: ünïcode-prøfile\n  regions: [us-gov-west-1]\n", None,
                     [AccountSpec(profile="ünïcode-prøfile", regions=("us-gov-west-1",))],
                     id="unicode-profile-govcloud"),
    ],
)
def test_accounts_file(tmp_path: Path, text: str, default_external_id: str | None,
                       expected: list[AccountSpec]) -> None:
    assert load_accounts_file(write(tmp_path, text),
                              external_id=default_external_id) == expected


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        pytest.param("", [":1:1: an accounts file must be a list of accounts"], id="empty"),
        pytest.param("[]\n", [":1:1: the accounts file lists no account"], id="empty-list"),
        pytest.param("accounts: []\n", [":1:1: an accounts file must be a list"],
                     id="mapping"),
        pytest.param("- 111122223333\n", [":1:3: an account must be a mapping"],
                     id="bare-account-id"),
        pytest.param(f"- role_arn: {ROLE}\n  profile: x\n",
                     [":1:3: an account needs exactly one of 'role_arn'"], id="both"),
        pytest.param("- regions: [us-east-1]\n",
                     [":1:3: an account needs exactly one of 'role_arn'"], id="neither"),
        pytest.param(f"- role_arn: {ROLE}\n  region: [us-east-1]\n",
                     [":2:3: unknown key 'region' in an account (did you mean 'regions'?)"],
                     id="unknown-key"),
        pytest.param("- role_arn: arn:aws:iam::1111:role/x\n",
                     [":1:13: 'arn:aws:iam::1111:role/x' is not an IAM role ARN"],
                     id="short-account-id"),
        pytest.param("- role_arn: arn:aws:iam::111122223333:user/x\n",
                     [":1:13: 'arn:aws:iam::111122223333:user/x' is not an IAM role ARN"],
                     id="user-not-role"),
        pytest.param(f"- role_arn: {ROLE}\n  regions: [us-east-1, 'us east 1', 3]\n",
                     [":2:24: 'us east 1' is not a region name",
                      ":2:37: a number is not a region name"], id="bad-regions"),
        pytest.param(f"- role_arn: {ROLE}\n  regions: []\n",
                     [":2:12: 'regions' must be a non-empty list"], id="no-regions"),
        pytest.param(f"- role_arn: {ROLE}\n  external_id: x\n",
                     [":2:16: 'x' is not a valid external id"], id="short-external-id"),
        pytest.param("- profile: p\n  external_id: abc\n",
                     [":2:3: 'external_id' applies to 'role_arn' accounts only"],
                     id="external-id-on-profile"),
        pytest.param("- profile: ''\n", [":1:12: 'profile' must be a non-empty string"],
                     id="empty-profile"),
        pytest.param(f"- role_arn: {ROLE}\n- role_arn: {ROLE}\n",
                     [":2:3: account 'arn:aws:iam::111122223333:role/bedrock-drift-audit' "
                      "is listed twice (first at line 1)"], id="duplicate"),
        pytest.param("- profile: a\n  profile: b\n", [":2:3: duplicate key 'profile'"],
                     id="duplicate-key"),
        pytest.param("- [unclosed\n", [":2:1: invalid YAML"], id="not-yaml"),
    ],
)
def test_accounts_file_problems(tmp_path: Path, text: str, problems: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        load_accounts_file(path)
    lines = info.value.lines()
    assert len(lines) == len(problems), lines
    for line, expected in zip(lines, problems, strict=True):
        assert line.startswith(path + expected), line


def test_accounts_file_unreadable(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="cannot read the accounts file"):
        load_accounts_file(str(tmp_path / "missing.yaml"))


def test_assume_role_values() -> None:
    assert accounts_from_roles([ROLE, ROLE2, ROLE], "ext-1") == [
        AccountSpec(role_arn=ROLE, external_id="ext-1"),
        AccountSpec(role_arn=ROLE2, external_id="ext-1")]
    assert AccountSpec(role_arn=ROLE).account_id == "111122223333"
    assert AccountSpec(role_arn="arn:aws-cn:iam::111122223333:role/x").partition == "aws-cn"
    assert AccountSpec(profile="p").account_id is None
    with pytest.raises(UsageError, match="--assume-role: '111122223333' is not an IAM role"):
        accounts_from_roles(["111122223333"], None)


# -- the options, through the command ----------------------------------------------------

POLICY = "version: 1\nname: p\nrules:\n  - id: kms\n    kms_key: {}\n"


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY)
    return path


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def fake_fetch(factory: Any, **kwargs: Any) -> SourceResult:
        seen.append(kwargs)
        return SourceResult(models=(), sources=("aws",), warnings=(
            ReportWarning("region-skipped", "me-south-1: skipped: not enabled"),))

    monkeypatch.setattr(aws, "fetch_models", fake_fetch)
    return seen


def test_org_options_reach_the_source(calls: list[dict[str, Any]], policy: Path,
                                      tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    accounts = write(tmp_path, f"- role_arn: {ROLE}\n- profile: sandbox\n  regions: [eu-west-1]\n")
    code, out, err = run_cli(["check", "-p", str(policy), "-f", "json", "--all-regions",
                              "--strict-regions", "--accounts", accounts, "--external-id",
                              "nightly", "--role-session-name", "ci-audit",
                              "--include-imported", "--workers", "7"], capsys)
    assert code == 0, err
    (kwargs,) = calls
    assert kwargs["accounts"] == [AccountSpec(role_arn=ROLE, external_id="nightly"),
                                  AccountSpec(profile="sandbox", regions=("eu-west-1",))]
    assert (kwargs["all_regions"], kwargs["strict_regions"], kwargs["include_imported"],
            kwargs["role_session_name"], kwargs["workers"]) == (True, True, True,
                                                                "ci-audit", 7)
    assert kwargs["progress"] is None  # stderr is not a terminal here
    report = json.loads(out)
    # The source's warnings reach every report.
    assert report["warnings"] == [{"code": "region-skipped",
                                   "message": "me-south-1: skipped: not enabled"}]


def test_assume_role_options(calls: list[dict[str, Any]], policy: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["check", "-p", str(policy), "--assume-role", ROLE,
                            "--assume-role", ROLE2, "--region", "us-east-1"], capsys)
    assert code == 0, err
    (kwargs,) = calls
    assert kwargs["accounts"] == [AccountSpec(role_arn=ROLE), AccountSpec(role_arn=ROLE2)]
    assert kwargs["role_session_name"] == "bedrock-drift"
    assert kwargs["all_regions"] is False and kwargs["include_imported"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--all-regions", "--region", "us-east-1"],
                     "--all-regions reads every Bedrock region: leave out --region",
                     id="all-and-region"),
        pytest.param(["--strict-regions"], "--strict-regions applies to --all-regions only",
                     id="strict-alone"),
        pytest.param(["--external-id", "abc"],
                     "--external-id and --role-session-name apply to --assume-role",
                     id="external-id-alone"),
        pytest.param(["--assume-role", ROLE, "--external-id", "a"],
                     "--external-id: 'a' is not a valid external id", id="bad-external-id"),
        pytest.param(["--assume-role", ROLE, "--role-session-name", "has space"],
                     "--role-session-name: 'has space' is not a valid role session name",
                     id="bad-session-name"),
        pytest.param(["--assume-role", "arn:aws:iam::1:role/x"],
                     "--assume-role: 'arn:aws:iam::1:role/x' is not an IAM role ARN",
                     id="bad-role"),
        pytest.param(["--assume-role", ROLE, "--accounts", "a.yaml"],
                     "either with --assume-role or in --accounts", id="roles-twice"),
    ],
)
def test_options_that_do_not_fit(calls: list[dict[str, Any]], policy: Path,
                                 capsys: pytest.CaptureFixture[str], args: list[str],
                                 message: str) -> None:
    code, out, err = run_cli(["check", "-p", str(policy), *args], capsys)
    assert code == 2
    assert calls == [] and out == ""
    assert err.strip() == f"bedrock-drift: error: {message}" or message in err
    assert len(err.strip().splitlines()) == 1


def test_bad_accounts_file_is_located(calls: list[dict[str, Any]], policy: Path,
                                      tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    accounts = write(tmp_path, f"- role_arn: {ROLE}\n  regoins: [us-east-1]\n")
    code, out, err = run_cli(["check", "-p", str(policy), "--accounts", accounts], capsys)
    assert code == 2 and calls == [] and out == ""
    assert err.strip() == (f"{accounts}:2:3: unknown key 'regoins' in an account "
                           "(did you mean 'regions'?)")


@pytest.mark.parametrize("option", [
    pytest.param(["--all-regions"], id="all-regions"),
    pytest.param(["--assume-role", ROLE], id="assume-role"),
    pytest.param(["--include-imported"], id="include-imported"),
])
def test_org_options_do_not_mix_with_from(calls: list[dict[str, Any]], policy: Path,
                                          tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          option: list[str]) -> None:
    doc = tmp_path / "m.json"
    doc.write_text(json.dumps({"modelName": "m"}))
    code, _, err = run_cli(["check", "-p", str(policy), "--from", str(doc), *option], capsys)
    assert code == 2 and calls == []
    assert f"{option[0]} read live AWS and cannot be combined with --from" in err


# -- the documentation's examples are real ----------------------------------------------

DOCS = (ROOT / "docs" / "aws.md").read_text(encoding="utf-8")


def test_documented_accounts_file_loads(tmp_path: Path) -> None:
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", DOCS, flags=re.DOTALL)
                if "role_arn" in b]
    text = "\n".join(line[2:] for line in block.splitlines())  # the list item's indent
    accounts = load_accounts_file(write(tmp_path, text), external_id="from-option")
    assert accounts == [
        AccountSpec(role_arn="arn:aws:iam::111122223333:role/bedrock-drift-audit",
                    regions=("us-east-1", "eu-west-1"), external_id="nightly-audit"),
        AccountSpec(role_arn="arn:aws:iam::444455556666:role/bedrock-drift-audit",
                    external_id="from-option"),
        AccountSpec(profile="ml-sandbox")]


def test_documented_iam_policy_is_every_action() -> None:
    (block,) = [b for b in re.findall(r"```json\n(.*?)```", DOCS, flags=re.DOTALL)
                if "BedrockDriftReadOnly" in b]
    documented = json.loads(block)["Statement"][0]["Action"]
    # Every enrichment and imported models: the widest policy a run can need.
    assert documented == required_actions(ENRICHMENT_ACTIONS, ["include_imported"])


def test_snapshot_reads_the_accounts_too(calls: list[dict[str, Any]], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "state.json"
    code, _, err = run_cli(["snapshot", "-o", str(out), "--assume-role", ROLE,
                            "--all-regions"], capsys)
    assert code == 0, err
    (kwargs,) = calls
    assert kwargs["accounts"] == [AccountSpec(role_arn=ROLE)] and kwargs["all_regions"]
    # The skipped region is said on stderr, where snapshot's messages go.
    assert "bedrock-drift: warning: me-south-1: skipped: not enabled" in err
    code, _, err = run_cli(["snapshot", "-o", str(out), "--assume-role", ROLE, "-q"], capsys)
    assert code == 0 and "warning" not in err


def test_include_jobs_stays_in_its_own_account(calls: list[dict[str, Any]], policy: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["check", "-p", str(policy), "--include-jobs", "--assume-role",
                            ROLE], capsys)
    assert code == 2 and calls == []
    assert "--include-jobs reads the jobs of the credentials' own account only" in err
