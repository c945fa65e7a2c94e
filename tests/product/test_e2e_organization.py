"""End to end: ``--organization`` with the installed command against moto's server.

moto implements AWS Organizations (an organization, OUs, accounts, a closed account that
becomes SUSPENDED) and maps the credentials of an assumed role to the role's account, so
each member account has its own Bedrock models. moto's ``ListAccounts`` answers an empty
list when there is no organization (AWS raises ``AWSOrganizationsNotInUseException``): both
must be an error. moto's ``AssumeRole`` never refuses: for the account whose role cannot be
assumed, a small STS endpoint in front of moto's refuses it (``RefusingSts``).
"""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.product import test_e2e_moto_server as e2e
from tests.sources.aws.test_aws_fetch import not_read_only
from tests.support import ROOT, SERVER_POLL_INTERVAL, command_env, reset_moto

ACCOUNT, COMMAND = e2e.ACCOUNT, e2e.COMMAND

ROLE = "bedrock-drift-audit"
POLICY = """\
version: 1
name: org
rules:
  - id: titan-only
    base_model:
      allowed: ["amazon.titan-text-express-v1*"]
"""


def client(endpoint: str, service: str, creds: dict[str, str] | None = None) -> Any:
    keys = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint, **keys)


def as_account(endpoint: str, account: str) -> dict[str, str]:
    sts = client(endpoint, "sts")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}",
                            RoleSessionName="setup")["Credentials"]
    return {"aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"]}


def create_model(endpoint: str, account: str, name: str) -> str:
    bedrock = client(endpoint, "bedrock", None if account == ACCOUNT
                     else as_account(endpoint, account))
    bedrock.create_model_customization_job(
        jobName=f"job-{name}", customModelName=name,
        roleArn=f"arn:aws:iam::{account}:role/bedrock-training",
        baseModelIdentifier="amazon.titan-text-express-v1:0:8k",
        trainingDataConfig={"s3Uri": "s3://data/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://data/out/"},
        hyperParameters={"epochCount": "1"}, customizationType="FINE_TUNING")
    return f"arn:aws:bedrock:us-east-1:{account}:custom-model/{name}"


class Org:
    """An organization in moto: the caller (123456789012) is its management account."""

    def __init__(self, endpoint: str) -> None:
        self.orgs = client(endpoint, "organizations")
        self.id = self.orgs.create_organization(FeatureSet="ALL")["Organization"]["Id"]
        self.root = self.orgs.list_roots()["Roots"][0]["Id"]

    def ou(self, name: str, parent: str | None = None) -> str:
        return str(self.orgs.create_organizational_unit(
            ParentId=parent or self.root, Name=name)["OrganizationalUnit"]["Id"])

    def account(self, name: str, ou: str | None = None) -> str:
        ident = str(self.orgs.create_account(
            Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]["AccountId"])
        if ou is not None:
            self.orgs.move_account(AccountId=ident, SourceParentId=self.root,
                                   DestinationParentId=ou)
        return ident


@pytest.fixture
def endpoint(server: str) -> str:
    """moto's server (conftest), emptied."""
    return reset_moto(server)


@pytest.fixture
def calls_file(tmp_path: Path) -> Iterator[Path]:
    """Where the runs of a test record their AWS operations; all must be reads."""
    path = tmp_path / "aws-calls.txt"
    yield path
    assert not_read_only(path.read_text().split() if path.exists() else []) == []


@pytest.fixture
def env(endpoint: str, tmp_path: Path, calls_file: Path) -> dict[str, str]:
    """The command's environment: every service at moto's server, dummy credentials."""
    return command_env(tmp_path, BEDROCK_DRIFT_RECORD_CALLS=str(calls_file),
                       AWS_ENDPOINT_URL=endpoint)


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text(POLICY)
    return path


def run(env: dict[str, str], *args: str) -> tuple[int, Any, str]:
    done = subprocess.run([str(COMMAND), "check", "--region", "us-east-1", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    try:
        report = json.loads(done.stdout) if done.stdout.strip() else None
    except ValueError:
        report = done.stdout
    assert "Traceback" not in done.stderr
    return done.returncode, report, done.stderr


def test_every_active_account_is_read_and_the_rest_named(
        endpoint: str, env: dict[str, str], policy: Path, calls_file: Path) -> None:
    org = Org(endpoint)
    alpha, beta, gone, left_out = (org.account(n) for n in ("alpha", "beta", "gone", "out"))
    org.orgs.close_account(AccountId=gone)
    models = {create_model(endpoint, ACCOUNT, "mgmt-model"),
              create_model(endpoint, alpha, "alpha-model"),
              create_model(endpoint, beta, "beta-model"),
              create_model(endpoint, left_out, "never-read")}
    code, report, stderr = run(env, "-f", "json", "-p", str(policy), "--organization",
                               "--role-name", ROLE, "--exclude-account", left_out)
    assert code == 0, stderr
    assert {m["model_arn"] for m in report["models"]} == models - {
        f"arn:aws:bedrock:us-east-1:{left_out}:custom-model/never-read"}
    assert report["scanned"]["accounts"] == sorted([ACCOUNT, alpha, beta])
    assert report["scanned"]["organization"] == {
        "id": org.id, "ous": [],
        "accounts": {"read": sorted([ACCOUNT, alpha, beta]),
                     "skipped": sorted([gone, left_out]), "failed": []}}
    warnings = {w["code"]: w["message"] for w in report["warnings"]}
    assert warnings["account-not-active"] == (f"account {gone} (gone): skipped: its state is "
                                              "SUSPENDED, not ACTIVE")
    assert warnings["account-excluded"] == (f"account {left_out} (out): left out "
                                            "(--exclude-account)")
    # Members through the role; the calling (management) account with its own credentials.
    operations = calls_file.read_text().split()
    assert operations.count("sts:AssumeRole") == 2
    assert operations.count("organizations:ListAccounts") == 1
    # Every format says how many accounts were read, skipped and failed.
    code, text, _ = run(env, "-p", str(policy), "--organization", "--role-name", ROLE,
                        "--exclude-account", left_out)
    assert f"organization {org.id}: 3 accounts read, 2 skipped, 0 failed" in text


def test_ou_reads_only_the_accounts_under_it_recursively(
        endpoint: str, env: dict[str, str], policy: Path, calls_file: Path) -> None:
    org = Org(endpoint)
    prod = org.ou("prod")
    prod_eu = org.ou("prod-eu", prod)
    other = org.ou("sandbox")
    a = org.account("a", prod)
    b = org.account("b", prod_eu)
    c = org.account("c", other)
    for account in (a, b, c):
        create_model(endpoint, account, f"m-{account}")
    code, report, stderr = run(env, "-f", "json", "-p", str(policy), "--organization",
                               "--role-name", ROLE, "--ou", prod)
    assert code == 0, stderr
    assert report["scanned"]["accounts"] == sorted([a, b])
    assert report["scanned"]["organization"]["ous"] == [prod]
    assert {m["account_id"] for m in report["models"]} == {a, b}
    operations = calls_file.read_text().split()
    assert "organizations:ListAccounts" not in operations
    assert operations.count("organizations:ListAccountsForParent") == 2


def test_an_ou_that_does_not_exist_is_an_error(endpoint: str, env: dict[str, str],
                                               policy: Path) -> None:
    Org(endpoint)
    code, _, stderr = run(env, "-p", str(policy), "--organization", "--role-name", ROLE,
                          "--ou", "ou-abcd-12345678")
    assert code == 2
    assert stderr.strip().splitlines() == [
        "bedrock-drift: error: cannot list the accounts of the AWS Organization: "
        "ListAccountsForParent --ou ou-abcd-12345678: ParentNotFoundException: You specified "
        "parent that doesn't exist. (--ou ou-abcd-12345678 does not exist in this "
        "organization)"]


def test_no_organization_is_an_error_not_zero_accounts(endpoint: str, env: dict[str, str],
                                                       policy: Path) -> None:
    create_model(endpoint, ACCOUNT, "lonely")
    code, report, stderr = run(env, "-f", "json", "-p", str(policy), "--organization",
                               "--role-name", ROLE)
    assert code == 2
    assert report is None
    assert "AWS Organizations listed no account in the organization" in stderr


def test_every_account_excluded_is_an_error(endpoint: str, env: dict[str, str],
                                            policy: Path) -> None:
    org = Org(endpoint)
    member = org.account("only")
    code, _, stderr = run(env, "-p", str(policy), "--organization", "--role-name", ROLE,
                          "--exclude-account", ACCOUNT, "--exclude-account", member)
    assert code == 2
    assert "no ACTIVE account left to read of the 2 listed" in stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--organization"], "--organization needs --role-name NAME"),
    (["--organization", "--role-name", ROLE, "--assume-role",
      "arn:aws:iam::444455556666:role/x"], "leave out --assume-role and --accounts"),
    (["--ou", "ou-abcd-12345678"], "apply to --organization only"),
    (["--organization", "--role-name", "arn:aws:iam::1:role/x"], "is not an IAM role name"),
    (["--organization", "--role-name", ROLE, "--ou", "prod"],
     "'prod' is not an organizational unit id"),
    (["--organization", "--role-name", ROLE, "--exclude-account", "12"],
     "'12' is not a 12-digit account id"),
])
def test_usage_errors(env: dict[str, str], policy: Path, args: list[str],
                      message: str, calls_file: Path) -> None:
    code, _, stderr = run(env, "-p", str(policy), *args)
    assert code == 2
    assert message in stderr
    assert not calls_file.exists() or calls_file.read_text().split() == []




def test_account_settings_are_judged_per_account_and_region(
        endpoint: str, env: dict[str, str], calls_file: Path) -> None:
    """The shipped account-baseline, without its guardrail rule (moto has no guardrail
    enforcement; ``test_aws_posture.py`` serves it from a stub): invocation logging is read
    once per account and region, and guardrails not at all."""
    org = Org(endpoint)
    alpha = org.account("alpha")
    logs = client(endpoint, "bedrock", as_account(endpoint, alpha))
    logs.put_model_invocation_logging_configuration(loggingConfig={
        "s3Config": {"bucketName": "acme-bedrock-invocation-logs"},
        "textDataDeliveryEnabled": True})
    code, report, stderr = run(env, "-f", "json", "-p", str(ROOT / "policies" /
                                                         "account-baseline.yaml"),
                               "--skip-rule", "account-baseline/guardrail-enforced",
                               "--region", "eu-west-1", "--organization", "--role-name", ROLE)
    assert code == 1, stderr
    results = {(m["model_name"], m["kind"]): m["results"] for m in report["models"]}
    on = {"account-baseline/invocation-logging-on": "pass",
          "account-baseline/invocation-logging-destination": "pass",
          "account-baseline/invocation-logging-text": "pass"}
    assert results == {
        (f"account {alpha} us-east-1", "account"): on,
        (f"account {alpha} eu-west-1", "account"): dict.fromkeys(on, "fail"),
        (f"account {ACCOUNT} us-east-1", "account"): dict.fromkeys(on, "fail"),
        (f"account {ACCOUNT} eu-west-1", "account"): dict.fromkeys(on, "fail"),
    }
    assert {(v["account_id"], v["region"], v["rule"]) for v in report["violations"]
            if v["rule"] == "invocation-logging-on"} == {
        (alpha, "eu-west-1", "invocation-logging-on"),
        (ACCOUNT, "us-east-1", "invocation-logging-on"),
        (ACCOUNT, "eu-west-1", "invocation-logging-on")}
    assert report["errors"] == []
    operations = calls_file.read_text().split()
    assert operations.count("bedrock:GetModelInvocationLoggingConfiguration") == 4
    assert "bedrock:ListEnforcedGuardrailsConfiguration" not in operations


def test_snapshot_and_diff_read_the_organization_too(
        endpoint: str, env: dict[str, str], tmp_path: Path, calls_file: Path) -> None:
    org = Org(endpoint)
    alpha = org.account("alpha")
    first = create_model(endpoint, alpha, "alpha-model")
    state = tmp_path / "state.json"
    org_options = ["--region", "us-east-1", "--organization", "--role-name", ROLE]
    done = subprocess.run([str(COMMAND), "snapshot", *org_options, "-o", str(state)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    snapshot = json.loads(state.read_text())
    assert [m["modelArn"] for m in snapshot["models"]] == [first]
    second = create_model(endpoint, ACCOUNT, "mgmt-model")
    done = subprocess.run([str(COMMAND), "diff", str(state), *org_options],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert second in done.stdout  # the calling account's new model is drift
    assert first not in done.stdout  # the member's model did not change
    assert "Traceback" not in done.stderr


def test_every_region_of_every_account(endpoint: str, env: dict[str, str],
                                       policy: Path) -> None:
    org = Org(endpoint)
    alpha = org.account("alpha")
    model = create_model(endpoint, alpha, "alpha-model")
    done = subprocess.run([str(COMMAND), "check", "-f", "json", "-p", str(policy),
                           "--all-regions", "--organization", "--role-name", ROLE,
                           "--workers", "8"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    # Every region offering Bedrock that EC2 DescribeRegions says is enabled; the others
    # are skipped, each named in a warning.
    regions = set(boto3.session.Session().get_available_regions("bedrock"))
    off = {r["RegionName"] for r in client(endpoint, "ec2").describe_regions(
        AllRegions=True)["Regions"] if r["OptInStatus"] == "not-opted-in"} & regions
    assert off and sorted(report["scanned"]["regions"]) == sorted(regions - off)
    skipped = {w["message"].split(":")[0] for w in report["warnings"]
               if w["code"] == "region-skipped"}
    assert skipped == {f"{account}/{region}" for account in (ACCOUNT, alpha) for region in off}
    assert report["scanned"]["organization"]["accounts"]["read"] == sorted([ACCOUNT, alpha])
    assert [m["model_arn"] for m in report["models"]] == [model]


class RefusingSts:
    """An STS endpoint in front of moto's that refuses ``AssumeRole`` into one account (moto
    never refuses one) and forwards every other request to moto unchanged."""

    def __init__(self, moto_url: str, locked: str) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                form = urllib.parse.parse_qs(body.decode())
                if form.get("Action") == ["AssumeRole"] and locked in form["RoleArn"][0]:
                    reply = (f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
                             f"</Code><Message>not authorized to perform: sts:AssumeRole on "
                             f"resource: {form['RoleArn'][0]}</Message></Error>"
                             "</ErrorResponse>").encode()
                    status = 403
                else:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in ("host", "content-length")}
                    request = urllib.request.Request(moto_url + self.path, data=body,
                                                     headers=headers, method="POST")
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, reply = response.status, response.read()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": SERVER_POLL_INTERVAL}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_role_that_cannot_be_assumed_fails_its_account_and_the_others_are_judged(
        endpoint: str, env: dict[str, str], policy: Path) -> None:
    org = Org(endpoint)
    alpha, locked = org.account("alpha"), org.account("locked")
    judged = {create_model(endpoint, ACCOUNT, "mgmt-model"),
              create_model(endpoint, alpha, "alpha-model")}
    create_model(endpoint, locked, "locked-model")
    sts = RefusingSts(endpoint, locked)
    try:
        code, report, stderr = run(env | {"AWS_ENDPOINT_URL_STS": sts.url}, "-f", "json",
                                   "-p", str(policy), "--organization", "--role-name", ROLE)
    finally:
        sts.stop()
    assert code == 2, stderr
    assert {m["model_arn"] for m in report["models"]} == judged
    assert all(m["result"] == "pass" for m in report["models"])
    (error,) = report["errors"]
    role = f"arn:aws:iam::{locked}:role/{ROLE}"
    assert (error["code"], error["account_id"]) == ("AccessDenied", locked)
    assert error["message"] == (f"{locked}: AssumeRole {role}: AccessDenied: not authorized to "
                                f"perform: sts:AssumeRole on resource: {role} (no model of "
                                "this account was read)")
    assert report["scanned"]["organization"]["accounts"] == {
        "read": sorted([ACCOUNT, alpha]), "skipped": [], "failed": [locked]}
    assert report["summary"]["result"] == "error"


def test_publish_writes_each_finding_in_its_own_member_account(
        endpoint: str, env: dict[str, str], policy: Path, tmp_path: Path) -> None:
    """``publish --organization`` reaches the accounts ``check --organization`` read: the
    member's findings land in the member's Security Hub (through --role-name), the calling
    account's in its own."""
    org = Org(endpoint)
    alpha = org.account("alpha")
    bad = create_model(endpoint, alpha, "alpha-bad")
    # A base model outside the allowed list: a violation in the member account.
    client(endpoint, "bedrock", as_account(endpoint, alpha)).create_model_customization_job(
        jobName="job-off", customModelName="alpha-off",
        roleArn=f"arn:aws:iam::{alpha}:role/bedrock-training",
        baseModelIdentifier="meta.llama3-8b-instruct-v1:0",
        trainingDataConfig={"s3Uri": "s3://data/train.jsonl"},
        outputDataConfig={"s3Uri": "s3://data/out/"},
        hyperParameters={"epochCount": "1"}, customizationType="FINE_TUNING")
    off = f"arn:aws:bedrock:us-east-1:{alpha}:custom-model/alpha-off"
    create_model(endpoint, ACCOUNT, "mgmt-model")
    report = tmp_path / "report.json"
    code, _, stderr = run(env, "-q", "-p", str(policy), "--organization", "--role-name", ROLE,
                          "--report", f"json:{report}")
    assert code == 1, stderr
    writer = {k: v for k, v in env.items() if k != "BEDROCK_DRIFT_RECORD_CALLS"}
    done = subprocess.run([str(COMMAND), "publish", str(report), "--organization",
                           "--role-name", ROLE], env=writer, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "1 imported" in done.stderr and "0 errors" in done.stderr
    member_hub = client(endpoint, "securityhub", as_account(endpoint, alpha))
    findings = member_hub.get_findings()["Findings"]
    assert [(f["AwsAccountId"], f["Resources"][0]["Id"], f["Compliance"]["Status"])
            for f in findings] == [(alpha, off, "FAILED")]
    assert bad != off
    # Without --role-name the organization cannot be read: a usage error, nothing written.
    refused = subprocess.run([str(COMMAND), "publish", str(report), "--organization"],
                             env=writer, capture_output=True, text=True, timeout=120,
                             check=False)
    assert refused.returncode == 2 and "--role-name" in refused.stderr
