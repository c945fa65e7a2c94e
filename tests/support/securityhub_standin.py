"""A Security Hub that behaves as AWS documents it, for the publish tests and benchmark.

moto stores findings exactly as sent, which hides what the real hub does to them. This
stand-in is a small HTTP server (restJson1 for Security Hub, the query protocol for STS)
that the installed command reaches through ``AWS_ENDPOINT_URL_SECURITYHUB`` and
``AWS_ENDPOINT_URL_STS``, and that implements the documented rules publish depends on:

- ``BatchImportFindings`` (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html,
  https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html):
  called by the account of each finding's ``AwsAccountId`` (the default product ARN names
  it); at most 100 findings a request, 240 KB a finding; after a finding is created it
  cannot change ``Note``, ``UserDefinedFields``, ``VerificationState`` or ``Workflow`` (they
  are kept, whatever is sent).
- The required attributes and limits of the ASFF
  (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html,
  https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html):
  ``Id`` and ``GeneratorId`` 512 characters, ``Title`` 256, ``Description`` 1,024;
  ``ProductFields`` at most 50 pairs, keys 128 and values 2,048 characters, and keys under
  the ``aws/`` prefix are Security Hub's own (refused when sent). ``Resources[].Details.Other``
  values are held to 1,024 characters.
- What the hub adds to a stored finding (as the console and ``GetFindings`` show it):
  ``Severity.Normalized`` from the label (INFORMATIONAL 0, LOW 1, MEDIUM 40, HIGH 70,
  CRITICAL 90, per ``Severity.Normalized`` in the API reference), the same in
  ``FindingProviderFields.Severity``, ``aws/securityhub/FindingId``,
  ``aws/securityhub/ProductName`` and ``aws/securityhub/CompanyName`` product fields, the
  product and company names of the default product (``Default``, ``Personal``),
  ``ProcessedAt``, and ``Workflow.Status`` ``NEW`` when none was sent.
- Workflow resets (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_WorkflowUpdate.html):
  ``NOTIFIED`` or ``RESOLVED`` become ``NEW`` when the record state goes from ``ARCHIVED``
  to ``ACTIVE`` or the compliance status from ``PASSED`` to ``WARNING``, ``FAILED`` or
  ``NOT_AVAILABLE``.
- ``BatchUpdateFindings`` (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchUpdateFindings.html):
  at most 100 identifiers; changes ``Workflow`` and ``Note`` (which needs ``Text`` and
  ``UpdatedBy``) and never ``UpdatedAt``; an unknown finding is an ``UnprocessedFindings``
  entry.
- ``GetFindings``: ``MaxResults`` 1 to 100, an opaque ``NextToken``, the ``EQUALS``
  filters publish uses (``ProductArn``, ``AwsAccountId``, ``Id``, ``RecordState``,
  ``ProductFields``); another filter is refused rather than ignored.

STS answers ``GetCallerIdentity`` and ``AssumeRole``: access key ids are ``STANDIN`` and the
account id, so each request's account is read from its signature.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.support import SERVER_POLL_INTERVAL

NORMALIZED = {"INFORMATIONAL": 0, "LOW": 1, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}
REQUIRED = ("AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn",
            "Resources", "SchemaVersion", "Title", "Types", "UpdatedAt")
KEPT_ON_UPDATE = ("Note", "UserDefinedFields", "VerificationState", "Workflow")
MAX_FINDING_BYTES = 240 * 1024
KEY_PREFIX = "STANDIN"


RETENTION_DAYS = 90


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def access_key(account: str) -> str:
    return f"{KEY_PREFIX}{account}"


class Hub:
    """The state: findings by (ProductArn, Id), in import order; call counts."""

    def __init__(self, latency: float = 0.0) -> None:
        self.findings: dict[tuple[str, str], dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()
        self.imported_events = 0  # "Security Hub Findings - Imported" events raised
        self.latency = latency
        self.lock = threading.Lock()
        self.version = 0  # changes with every write
        self.matches: dict[tuple[str, str, int], list[dict[str, Any]]] = {}

    # -- helpers for tests -----------------------------------------------------------

    def all(self) -> list[dict[str, Any]]:
        with self.lock:
            return [copy.deepcopy(f) for f in self.findings.values()]

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {f["Id"]: f for f in self.all()}

    # -- BatchImportFindings ---------------------------------------------------------

    def batch_import(self, caller: str, region: str, body: dict[str, Any]) -> dict[str, Any]:
        findings = body.get("Findings")
        if not isinstance(findings, list) or not 1 <= len(findings) <= 100:
            raise Refused(400, "InvalidInputException",
                          "Findings must hold between 1 and 100 findings")
        failed = []
        for finding in findings:
            problem = self._problem(caller, region, finding)
            if problem is not None:
                code, message = problem
                failed.append({"Id": str(finding.get("Id", "")), "ErrorCode": code,
                               "ErrorMessage": message})
                continue
            with self.lock:
                self._store(finding)
                self.imported_events += 1
                self.version += 1
        return {"FailedCount": len(failed), "SuccessCount": len(findings) - len(failed),
                "FailedFindings": failed}

    def _problem(self, caller: str, region: str,
                 finding: dict[str, Any]) -> tuple[str, str] | None:
        for key in REQUIRED:
            if key not in finding:
                return "InvalidInput", f"Finding does not adhere to ASFF: {key} is required"
        if len(json.dumps(finding).encode("utf-8")) > MAX_FINDING_BYTES:
            return "InvalidInput", "Finding is larger than 240 KB"
        limits = {"Id": 512, "GeneratorId": 512, "Title": 256, "Description": 1024}
        for key, limit in limits.items():
            value = finding.get(key)
            if not isinstance(value, str) or not 1 <= len(value) <= limit:
                return "InvalidInput", f"{key} must be 1 to {limit} characters"
        fields = finding.get("ProductFields") or {}
        if len(fields) > 50:
            return "InvalidInput", "ProductFields holds more than 50 pairs"
        for key, value in fields.items():
            if key.startswith("aws/"):
                return ("InvalidInput", f"ProductFields key {key!r}: the aws/ prefix is "
                                        "reserved for Security Hub")
            if len(key) > 128 or len(str(value)) > 2048:
                return "InvalidInput", f"ProductFields {key[:40]!r} is over its limits"
        for resource in finding.get("Resources") or []:
            other = (resource.get("Details") or {}).get("Other") or {}
            if any(len(str(v)) > 1024 for v in other.values()):
                return "InvalidInput", "Resources.Details.Other value over 1024 characters"
        account = finding.get("AwsAccountId")
        default = f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
        if account != caller or finding.get("ProductArn") != default:
            return ("AccessDeniedException", f"account {caller} cannot import findings of "
                                             f"{finding.get('ProductArn')}")
        return None

    def _store(self, sent: dict[str, Any]) -> None:
        finding = copy.deepcopy(sent)
        key = (finding["ProductArn"], finding["Id"])
        old = self.findings.get(key)
        finding.setdefault("RecordState", "ACTIVE")
        if old is not None:
            for field in KEPT_ON_UPDATE:
                finding.pop(field, None)
                if field in old:
                    finding[field] = old[field]
            workflow = finding.get("Workflow", {}).get("Status")
            reopened = old.get("RecordState") == "ARCHIVED" and \
                finding["RecordState"] == "ACTIVE"
            refailed = (old.get("Compliance", {}).get("Status") == "PASSED"
                        and finding.get("Compliance", {}).get("Status")
                        in ("WARNING", "FAILED", "NOT_AVAILABLE"))
            if workflow in ("NOTIFIED", "RESOLVED") and (reopened or refailed):
                finding["Workflow"] = {"Status": "NEW"}
        finding.setdefault("Workflow", {"Status": "NEW"})
        for severity in (finding.get("Severity"),
                         (finding.get("FindingProviderFields") or {}).get("Severity")):
            if isinstance(severity, dict) and "Label" in severity:
                severity["Normalized"] = NORMALIZED.get(severity["Label"], 0)
        fields = finding.setdefault("ProductFields", {})
        fields["aws/securityhub/FindingId"] = (
            f"{finding['ProductArn'].replace(':product/', ':finding/')}/{finding['Id']}")
        fields["aws/securityhub/ProductName"] = "Default"
        fields["aws/securityhub/CompanyName"] = "Personal"
        finding["ProductName"] = "Default"
        finding["CompanyName"] = "Personal"
        finding["ProcessedAt"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        self.findings[key] = finding

    def expire(self, now: str) -> list[str]:
        """Delete what the hub's retention deletes by ``now`` (ISO-8601, UTC); the ids.

        "Security Hub retains an existing finding in an account for 90 days after the most
        recent value of the UpdatedAt ASFF field ... At the end of this 90 day period,
        Security Hub permanently deletes the finding from the account."
        (https://docs.aws.amazon.com/securityhub/latest/userguide/
        securityhub-findings-update-types.html)
        """
        cutoff = _when(now) - timedelta(days=RETENTION_DAYS)
        gone = [key for key, finding in self.findings.items()
                if _when(finding["UpdatedAt"]) < cutoff]
        for key in gone:
            del self.findings[key]
        return [ident for _, ident in gone]

    # -- GetFindings -----------------------------------------------------------------

    def get(self, caller: str, body: dict[str, Any]) -> dict[str, Any]:
        size = body.get("MaxResults", 100)
        if not isinstance(size, int) or not 1 <= size <= 100:
            raise Refused(400, "InvalidInputException", "MaxResults must be 1 to 100")
        filters = body.get("Filters") or {}
        tests = []
        for name, conditions in filters.items():
            for condition in conditions:
                if condition.get("Comparison") != "EQUALS":
                    raise Refused(400, "InvalidInputException", "only EQUALS is served")
                if name == "ProductFields":
                    tests.append(lambda f, c=condition: (f.get("ProductFields") or {}).get(
                        c["Key"]) == c["Value"])
                elif name in ("ProductArn", "AwsAccountId", "Id", "RecordState"):
                    tests.append(lambda f, n=name, c=condition: f.get(n) == c["Value"])
                else:
                    raise Refused(400, "InvalidInputException",
                                  f"the stand-in does not serve the {name} filter")
        start = int(body.get("NextToken") or 0)
        with self.lock:
            # The matches of one query, kept while nothing is imported or updated (paging
            # through 100,000 findings would otherwise filter them all again per page).
            key = (caller, json.dumps(filters, sort_keys=True), self.version)
            matching = self.matches.get(key)
            if matching is None:
                matching = [f for f in self.findings.values()
                            if f.get("AwsAccountId") == caller and all(t(f) for t in tests)]
                self.matches = {key: matching}
            page = [copy.deepcopy(f) for f in matching[start:start + size]]
        answer: dict[str, Any] = {"Findings": page}
        if start + size < len(matching):
            answer["NextToken"] = str(start + size)
        return answer

    # -- BatchUpdateFindings ---------------------------------------------------------

    def batch_update(self, caller: str, body: dict[str, Any]) -> dict[str, Any]:
        identifiers = body.get("FindingIdentifiers")
        if not isinstance(identifiers, list) or not 1 <= len(identifiers) <= 100:
            raise Refused(400, "InvalidInputException",
                          "FindingIdentifiers must hold between 1 and 100 findings")
        note = body.get("Note")
        if note is not None and not (note.get("Text") and note.get("UpdatedBy")):
            raise Refused(400, "InvalidInputException", "Note needs Text and UpdatedBy")
        processed, unprocessed = [], []
        with self.lock:
            for ident in identifiers:
                finding = self.findings.get((ident.get("ProductArn"), ident.get("Id")))
                if finding is None or finding.get("AwsAccountId") != caller:
                    unprocessed.append({"FindingIdentifier": ident,
                                        "ErrorCode": "FindingNotFound",
                                        "ErrorMessage": "no such finding"})
                    continue
                self.version += 1
                if "Workflow" in body:
                    finding["Workflow"] = {"Status": body["Workflow"]["Status"]}
                if note is not None:
                    finding["Note"] = {**note, "UpdatedAt": time.strftime(
                        "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
                processed.append(ident)
        return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _caller(headers: Any) -> tuple[str, str, str]:
    """(account, region, service) from the request's SigV4 Authorization header."""
    auth = headers.get("Authorization", "")
    try:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
        key, _, region, service, _ = scope.split("/")
    except (IndexError, ValueError):
        raise Refused(403, "MissingAuthenticationTokenException", "not signed") from None
    if not key.startswith(KEY_PREFIX) or not key[len(KEY_PREFIX):].isdigit():
        raise Refused(403, "UnrecognizedClientException", f"unknown access key {key}")
    return key[len(KEY_PREFIX):], region, service


def _sts(account: str, form: dict[str, list[str]]) -> str:
    action = form.get("Action", [""])[0]
    ns = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"'
    meta = "<ResponseMetadata><RequestId>standin</RequestId></ResponseMetadata>"
    if action == "GetCallerIdentity":
        return (f"<GetCallerIdentityResponse {ns}><GetCallerIdentityResult>"
                f"<Arn>arn:aws:iam::{account}:user/standin</Arn><UserId>AIDASTANDIN</UserId>"
                f"<Account>{account}</Account></GetCallerIdentityResult>{meta}"
                "</GetCallerIdentityResponse>")
    if action == "AssumeRole":
        role = form["RoleArn"][0]
        target = role.split(":")[4]
        session = form.get("RoleSessionName", ["s"])[0]
        return (f"<AssumeRoleResponse {ns}><AssumeRoleResult><Credentials>"
                f"<AccessKeyId>{access_key(target)}</AccessKeyId>"
                "<SecretAccessKey>standin</SecretAccessKey><SessionToken>standin</SessionToken>"
                "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                f"<AssumedRoleUser><AssumedRoleId>AROASTANDIN:{session}</AssumedRoleId>"
                f"<Arn>arn:aws:sts::{target}:assumed-role/{role.rsplit('/', 1)[-1]}/{session}"
                f"</Arn></AssumedRoleUser></AssumeRoleResult>{meta}</AssumeRoleResponse>")
    raise Refused(400, "InvalidAction", f"the stand-in does not serve {action}")


def _handler(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if hub.latency:
                time.sleep(hub.latency)
            try:
                account, region, service = _caller(self.headers)
                if service == "sts":
                    form = parse_qs(raw.decode("utf-8"))
                    hub.calls[form.get("Action", ["?"])[0]] += 1
                    self._send(200, _sts(account, form).encode("utf-8"), "text/xml")
                    return
                if length > 6 * 1024 * 1024:
                    raise Refused(413, "RequestEntityTooLarge", "more than 6 MB")
                body = json.loads(raw or b"{}")
                route = (self.command, self.path.split("?", 1)[0])
                if route == ("POST", "/findings/import"):
                    hub.calls["BatchImportFindings"] += 1
                    answer = hub.batch_import(account, region, body)
                elif route == ("POST", "/findings"):
                    hub.calls["GetFindings"] += 1
                    answer = hub.get(account, body)
                elif route == ("PATCH", "/findings/batchupdate"):
                    hub.calls["BatchUpdateFindings"] += 1
                    answer = hub.batch_update(account, body)
                else:
                    raise Refused(404, "ResourceNotFoundException", f"no route {route}")
                self._send(200, json.dumps(answer).encode("utf-8"), "application/json")
            except Refused as exc:
                self.send_response(exc.status)
                self.send_header("x-amzn-ErrorType", exc.code)
                self.send_header("Content-Type", "application/json")
                data = json.dumps({"message": exc.message, "Code": exc.code}).encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def _send(self, status: int, data: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_PATCH = _serve

    return Handler


@contextmanager
def running(latency: float = 0.0) -> Iterator[tuple[Hub, str]]:
    """A stand-in hub on a free local port: (its state, its URL)."""
    hub = Hub(latency)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": SERVER_POLL_INTERVAL}, daemon=True)
    thread.start()
    try:
        yield hub, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def endpoint_env(url: str, account: str) -> dict[str, str]:
    """What the command's environment needs to reach the stand-in as ``account``."""
    return {"AWS_ENDPOINT_URL_SECURITYHUB": url, "AWS_ENDPOINT_URL_STS": url,
            "AWS_ACCESS_KEY_ID": access_key(account), "AWS_SECRET_ACCESS_KEY": "standin",
            "AWS_DEFAULT_REGION": "us-east-1"}
