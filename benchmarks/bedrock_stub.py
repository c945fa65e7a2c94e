"""A minimal Bedrock control plane served from memory, with a fixed delay per request.

Answers ``ListCustomModels``, ``GetCustomModel``, ``ListTagsForResource`` and
``GetModelCustomizationJob`` for N generated models, and KMS ``DescribeKey`` and
``ListAliases`` for their keys (one of ``--keys`` distinct keys per model; point
``AWS_ENDPOINT_URL_KMS`` at the same server), after sleeping ``--latency`` seconds on
every request (the round trip to a real AWS endpoint). With ``--context N`` it also
serves every N-th model's deployment, provisioned throughput and copy job, and the
foundation model they are built on (``bedrock_context.py``). It exists for the
benchmarks: moto's server spends several milliseconds of CPU per request, which on a small
machine would measure moto instead of the client. Tests use moto, and this stub for the
operations moto does not implement (deployments, throughputs, copy and import jobs,
foundation models).

Each request is answered from the data of the region its signature names (the credential
scope of its ``Authorization`` header); ``/__stats`` also counts calls per region.

    python benchmarks/bedrock_stub.py --models 1000 --latency 0.1 --port 0

prints ``listening on http://127.0.0.1:PORT`` once it accepts requests.

Built to serve thousands of requests per second on one core: the standard library's
threaded HTTP server (one thread per keep-alive connection, so the latency sleeps
overlap), every response body encoded once up front, and each response sent in one
write (no Nagle/delayed-ACK stalls between headers and body).

``--quota RATE`` simulates an account's request quota: a token bucket shared by every
operation (``RATE`` tokens a second, ``--burst`` deep, full at start) admits a request
when it holds a token; any other request is answered, after the same latency, the way
Bedrock answers a throttled request (the ``ThrottlingException`` error shape of the
rest-json protocol, which botocore reads from the ``x-amzn-ErrorType`` header first and
the body's ``__type`` otherwise).

``--accounts N`` serves a whole organization: Organizations ``ListAccounts`` lists this
account (its management account) and N - 1 members (pages of 20, as AWS), STS
``AssumeRole`` hands out keys that name the role's account (``ASIABENCH<account>``) and
``GetCallerIdentity`` reads them back (without ``--accounts`` STS answers too, with this
account, uncounted), and every request signed with such a key is answered
with that account's own models in the region it was signed for (the same ``--models``
count, ARNs of that account and region). Bedrock's ``GetModelInvocationLoggingConfiguration``
and ``ListEnforcedGuardrailsConfiguration`` answer with logging on and one guardrail
(``AWS_ENDPOINT_URL_STS`` and ``AWS_ENDPOINT_URL_ORGANIZATIONS`` point at the server), and
the settings around the models answer too: ``GetGuardrail``, S3 ``GetBucketEncryption``,
CloudWatch Logs ``DescribeLogGroups``, EC2 ``DescribeVpcEndpoints``, IAM
``ListEntitiesForPolicy`` and ``ListServiceSpecificCredentials`` (point
``AWS_ENDPOINT_URL_S3``, ``_CLOUDWATCH_LOGS``, ``_EC2`` and ``_IAM`` at the server).

Two extra routes, never counted: ``GET /__stats`` (calls and throttled calls per
operation, the server's CPU seconds so far, its uptime) and ``POST /__reset`` (zero the
counters and refill the bucket), so one server can serve several timed runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from bedrock_context import Surroundings, make_surroundings

ACCOUNT = "123456789012"
REGION = "us-east-1"
THROTTLE_MESSAGE = "Too many requests, please wait before trying again."
# The status Bedrock's service model gives ThrottlingException. botocore decides that a
# response is a throttle from the error code, so 400 behaves the same (--throttle-status).
THROTTLE_STATUS = 429
SUMMARY_KEYS = ("modelArn", "modelName", "creationTime", "baseModelArn", "customizationType",
                "modelStatus")


def key_arn(index: int, region: str = REGION) -> str:
    """The ARN of the ``index``-th KMS key."""
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-{index:012d}"


def make_models(count: int, region: str = REGION, keys: int = 1,
                account: str = ACCOUNT) -> list[dict[str, Any]]:
    """``count`` GetCustomModel documents, as AWS returns them (without metadata); model
    ``i`` is encrypted with key ``i % keys``."""
    if account != ACCOUNT:
        # Another account of --accounts: the same models, under its own ARNs.
        text = json.dumps(make_models(count, region, keys)).replace(
            f":{ACCOUNT}:", f":{account}:")
        return list(json.loads(text))
    models = []
    for i in range(count):
        name = f"bench-model-{i:05d}"
        models.append({
            "modelArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/"
                        f"amazon.titan-text-express-v1:0:8k/{i:012d}",
            "modelName": name,
            "jobName": f"job-{name}",
            "jobArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:model-customization-job/"
                      f"amazon.titan-text-express-v1:0:8k/{i:012d}",
            "baseModelArn": f"arn:aws:bedrock:{region}::foundation-model/"
                            "amazon.titan-text-express-v1:0:8k",
            "customizationType": "FINE_TUNING",
            "modelKmsKeyArn": key_arn(i % keys, region),
            "hyperParameters": {"epochCount": "2", "batchSize": "1",
                                "learningRate": "0.00001" if i % 10 else "0.001"},
            "trainingDataConfig": {"s3Uri": "s3://ml-approved-data/train.jsonl"},
            "outputDataConfig": {"s3Uri": "s3://ml-approved-data/out/"},
            "trainingMetrics": {"trainingLoss": 0.25},
            "validationMetrics": [],
            "creationTime": "2026-01-01T00:00:00Z",
            "modelStatus": "Active",
        })
    return models


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` held; starts full."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.lock = threading.Lock()
        self.tokens = burst
        self.stamp = time.monotonic()

    def refill(self) -> None:
        """Start full again (between timed runs)."""
        with self.lock:
            self.tokens = self.burst
            self.stamp = time.monotonic()

    def admit(self) -> bool:
        """Take a token if there is one; never waits."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


ORG_ID = "o-bench00000"
ORG_PAGE = 20  # ListAccounts' largest page
LOGGING = json.dumps({"loggingConfig": {
    "s3Config": {"bucketName": "acme-bedrock-invocation-logs", "keyPrefix": "bedrock/"},
    "cloudWatchConfig": {"logGroupName": "/aws/bedrock/model-invocations",
                         "roleArn": f"arn:aws:iam::{ACCOUNT}:role/bedrock-logging",
                         "largeDataDeliveryS3Config": {"bucketName": "acme-bedrock-large"}},
    "textDataDeliveryEnabled": True}}).encode()
GUARDRAILS = json.dumps({"guardrailsConfig": [{
    "configId": "cfg-1", "guardrailArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/g1",
    "guardrailId": "g1", "guardrailVersion": "1", "owner": "ACCOUNT"}]}).encode()
KEY_PREFIX = "ASIABENCH"
# The settings around the models (account-posture): the enforced guardrail's configuration,
# the logging destinations' encryption, the VPC endpoints, the broad policy's attachments
# and the long-term API keys, each an answer in its service's protocol.
GUARDRAIL = json.dumps({
    "name": "g1", "guardrailId": "g1", "version": "1", "status": "READY",
    "guardrailArn": f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/g1",
    "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
    "blockedInputMessaging": "blocked", "blockedOutputsMessaging": "blocked",
    "contentPolicy": {"filters": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH",
                                   "outputStrength": "NONE"}]},
    "kmsKeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/guardrail"}).encode()
BUCKET_ENCRYPTION = (
    b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
    b"<SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>"
    b"</ServerSideEncryptionConfiguration>")
LOG_GROUPS = json.dumps({"logGroups": [{
    "logGroupName": "/aws/bedrock/model-invocations",
    "kmsKeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/logs"}]}).encode()
QUERY_ANSWERS = {
    "DescribeVpcEndpoints": (
        '<DescribeVpcEndpointsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        "<requestId>0</requestId><vpcEndpointSet>" + "".join(
            f"<item><vpcEndpointId>vpce-{i}</vpcEndpointId><vpcEndpointType>Interface"
            f"</vpcEndpointType><vpcId>vpc-1</vpcId><serviceName>com.amazonaws.{{region}}."
            f"{service}</serviceName><state>available</state><privateDnsEnabled>true"
            "</privateDnsEnabled></item>"
            for i, service in enumerate(("bedrock", "bedrock-runtime")))
        + "</vpcEndpointSet></DescribeVpcEndpointsResponse>"),
    "ListEntitiesForPolicy": (
        '<ListEntitiesForPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        "<ListEntitiesForPolicyResult><PolicyGroups/><PolicyUsers/><PolicyRoles/>"
        "<IsTruncated>false</IsTruncated></ListEntitiesForPolicyResult><ResponseMetadata>"
        "<RequestId>0</RequestId></ResponseMetadata></ListEntitiesForPolicyResponse>"),
    "ListServiceSpecificCredentials": (
        '<ListServiceSpecificCredentialsResponse xmlns="https://iam.amazonaws.com/doc/'
        '2010-05-08/"><ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/>'
        "<IsTruncated>false</IsTruncated></ListServiceSpecificCredentialsResult>"
        "<ResponseMetadata><RequestId>0</RequestId></ResponseMetadata>"
        "</ListServiceSpecificCredentialsResponse>"),
}


def signer(authorization: str | None) -> tuple[str, str]:
    """(account, region) of a SigV4 request: the account a key of ours names, else ours."""
    scope = (authorization or "").partition("Credential=")[2].split(",")[0].split("/")
    key = scope[0] if scope else ""
    account = key[len(KEY_PREFIX):] if key.startswith(KEY_PREFIX) else ACCOUNT
    region = scope[2] if len(scope) > 2 else REGION
    return account, region


class Organization:
    """This account and ``size - 1`` members; STS hands out keys naming an account."""

    def __init__(self, size: int) -> None:
        self.accounts = [ACCOUNT] + [f"{200000000000 + i:012d}" for i in range(1, size)]

    def list_accounts(self, request: dict[str, Any]) -> bytes:
        start = int(request.get("NextToken") or 0)
        size = min(int(request.get("MaxResults") or ORG_PAGE), ORG_PAGE)
        page = self.accounts[start:start + size]
        body: dict[str, Any] = {"Accounts": [
            {"Id": a, "Arn": f"arn:aws:organizations::{ACCOUNT}:account/{ORG_ID}/{a}",
             "Email": f"{a}@example.com", "Name": f"account-{a}", "Status": "ACTIVE",
             "State": "ACTIVE", "JoinedMethod": "CREATED"} for a in page]}
        if start + size < len(self.accounts):
            body["NextToken"] = str(start + size)
        return json.dumps(body).encode()

    @staticmethod
    def sts(body: bytes, caller: str) -> tuple[str, bytes]:
        """STS's query protocol: (operation, XML body)."""
        form = parse_qs(body.decode())
        action = form.get("Action", [""])[0]
        if action == "AssumeRole":
            account = form["RoleArn"][0].split(":")[4]
            expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            result = (f"<Credentials><AccessKeyId>{KEY_PREFIX}{account}</AccessKeyId>"
                      "<SecretAccessKey>bench</SecretAccessKey><SessionToken>bench"
                      f"</SessionToken><Expiration>{expires}</Expiration></Credentials>"
                      f"<AssumedRoleUser><AssumedRoleId>AROABENCH:bench</AssumedRoleId>"
                      f"<Arn>arn:aws:sts::{account}:assumed-role/bench/bench</Arn>"
                      "</AssumedRoleUser>")
        else:
            action = "GetCallerIdentity"
            result = (f"<UserId>AIDABENCH</UserId><Account>{caller}</Account>"
                      f"<Arn>arn:aws:iam::{caller}:user/bench</Arn>")
        xml = (f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
               f"<{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>0"
               f"</RequestId></ResponseMetadata></{action}Response>")
        return action, xml.encode()


class Stub:
    """The models, their encoded responses and the counters."""

    def __init__(self, models: list[dict[str, Any]], latency: float,
                 bucket: TokenBucket | None, throttle_status: int = THROTTLE_STATUS,
                 surroundings: Surroundings | None = None,
                 regions: dict[str, Stub] | None = None,
                 organization: Organization | None = None, keys: int = 1) -> None:
        self.organization = organization
        self.keys_count = keys
        # (account, region) -> models, made when first asked for (--accounts).
        self.estate: dict[tuple[str, str], list[dict[str, Any]]] = {(ACCOUNT, REGION): models}
        self.models = models
        self.surroundings = surroundings or Surroundings()
        # Other regions' data (their own Stubs); counted here, on the first one.
        self.regions = regions or {}
        self.latency = latency
        self.bucket = bucket
        self.throttle_status = throttle_status
        # Encoded once: a request then costs a dict lookup and a socket write.
        self.bodies: dict[str, bytes] = {}
        for model in models:
            body = json.dumps(model).encode()
            self.bodies[model["modelArn"]] = body
            self.bodies[model["modelName"]] = body
        self.tags = json.dumps({"tags": [{"key": "team", "value": "ml"}]}).encode()
        self.jobs: dict[str, bytes] = {}
        self.keys: dict[str, dict[str, Any]] = {}
        for model in models:
            job = {"jobArn": model["jobArn"], "jobName": model.get("jobName"),
                   "outputModelName": model["modelName"], "outputModelArn": model["modelArn"],
                   "roleArn": f"arn:aws:iam::{ACCOUNT}:role/bedrock-training",
                   "status": "Completed", "baseModelArn": model["baseModelArn"],
                   "customizationType": "FINE_TUNING",
                   "creationTime": model["creationTime"],
                   "trainingDataConfig": model["trainingDataConfig"],
                   "outputDataConfig": model["outputDataConfig"],
                   "hyperParameters": model["hyperParameters"],
                   "vpcConfig": {"subnetIds": ["subnet-0123456789abcdef0"],
                                 "securityGroupIds": ["sg-0123456789abcdef0"]}}
            self.jobs[model["jobArn"]] = json.dumps(job).encode()
            arn = model.get("modelKmsKeyArn")
            if not arn:
                continue  # an AWS-owned key
            key_id = arn.rsplit("/", 1)[1]
            self.keys[arn] = self.keys[key_id] = {
                "KeyId": key_id, "Arn": arn, "KeyManager": "CUSTOMER", "KeyState": "Enabled",
                "Enabled": True, "KeyUsage": "ENCRYPT_DECRYPT", "AWSAccountId": ACCOUNT}
        self.throttle_body = json.dumps(
            {"__type": "ThrottlingException", "message": THROTTLE_MESSAGE}).encode()
        self.pages: dict[tuple[str, str, int, int], bytes] = {}
        self.lock = threading.Lock()
        self.calls: dict[str, int] = {}
        self.calls_by_region: dict[str, dict[str, int]] = {}
        self.throttled: dict[str, int] = {}
        self.started = time.monotonic()

    def reset(self) -> None:
        with self.lock:
            self.calls = {}
            self.calls_by_region = {}
            self.throttled = {}
        if self.bucket is not None:
            self.bucket.refill()

    def stats(self) -> bytes:
        with self.lock:
            data = {"calls": dict(self.calls), "throttled": dict(self.throttled),
                    "calls_by_region": {r: dict(c) for r, c in self.calls_by_region.items()},
                    "cpu_seconds": time.process_time(),
                    "uptime_seconds": time.monotonic() - self.started}
        return json.dumps(data).encode()

    def for_region(self, region: str | None) -> Stub:
        """The stub holding ``region``'s data (this one for its own region or none)."""
        return self.regions.get(region or "", self)

    def count(self, operation: str, throttled: bool, region: str | None = None) -> None:
        with self.lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
            by_region = self.calls_by_region.setdefault(region or "", {})
            by_region[operation] = by_region.get(operation, 0) + 1
            if throttled:
                self.throttled[operation] = self.throttled.get(operation, 0) + 1

    def models_of(self, account: str, region: str) -> list[dict[str, Any]]:
        """The models of one account and region (--accounts; else always this account's)."""
        if self.organization is None:
            return self.models
        with self.lock:
            found = self.estate.get((account, region))
        if found is not None:
            return found
        made = make_models(len(self.models), region, self.keys_count, account)
        bodies = {m["modelArn"]: json.dumps(m).encode() for m in made}
        with self.lock:
            self.bodies.update(bodies)
            return self.estate.setdefault((account, region), made)

    def list_page(self, query: dict[str, list[str]], account: str = ACCOUNT,
                  region: str = REGION) -> bytes:
        size = min(int(query.get("maxResults", ["100"])[0]), 1000)
        start = int(query.get("nextToken", ["0"])[0])
        models = self.models_of(account, region)
        with self.lock:
            cached = self.pages.get((account, region, start, size))
        if cached is not None:
            return cached
        page = models[start:start + size]
        result: dict[str, Any] = {"modelSummaries": [
            {key: m[key] for key in SUMMARY_KEYS} | {"ownerAccountId": ACCOUNT} for m in page
        ]}
        if start + size < len(models):
            result["nextToken"] = str(start + size)
        body = json.dumps(result).encode()
        if account != ACCOUNT:
            body = body.replace(f'"ownerAccountId": "{ACCOUNT}"'.encode(),
                                f'"ownerAccountId": "{account}"'.encode())
        with self.lock:
            self.pages[(account, region, start, size)] = body
        return body

    def kms(self, operation: str, request: dict[str, Any]) -> tuple[int, bytes, str | None]:
        """The KMS operations (awsJson1.1: ``POST /`` with ``X-Amz-Target``)."""
        key = self.keys.get(str(request.get("KeyId")))
        if key is None:
            return 400, json.dumps({"__type": "NotFoundException",
                                    "message": "no such key"}).encode(), "NotFoundException"
        if operation == "DescribeKey":
            return 200, json.dumps({"KeyMetadata": key}).encode(), None
        alias = {"AliasName": "alias/ml-platform",
                 "AliasArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/ml-platform",
                 "TargetKeyId": key["KeyId"]}
        return 200, json.dumps({"Aliases": [alias], "Truncated": False}).encode(), None

    def route(self, method: str, target: str, amz_target: str | None = None,
              body: bytes = b"", authorization: str | None = None,
              ) -> tuple[str | None, int, bytes, str | None]:
        """(operation, status, body, error type) for a request; operation None: not counted."""
        account, region = signer(authorization)
        posture = posture_route(method, target, amz_target, body, region)
        if posture is not None:
            return posture
        org = self.organization
        if org is not None and amz_target == "AWSOrganizationsV20161128.ListAccounts":
            return "ListAccounts", 200, org.list_accounts(json.loads(body or b"{}")), None
        if method == "POST" and target == "/" and b"Action=" in body:
            operation, xml = Organization.sts(body, account)
            # Counted for an organization; otherwise only the tool's own account's id.
            return operation if org is not None else None, 200, xml, None
        if method == "GET" and target == "/logging/modelinvocations":
            return "GetModelInvocationLoggingConfiguration", 200, LOGGING, None
        if method == "GET" and target.startswith("/enforcedGuardrailsConfiguration"):
            return "ListEnforcedGuardrailsConfiguration", 200, GUARDRAILS, None
        if amz_target and amz_target.startswith("TrentService."):
            operation = amz_target.split(".", 1)[1]
            if operation in ("DescribeKey", "ListAliases"):
                return (operation, *self.kms(operation, json.loads(body or b"{}")))
        parts = urlsplit(target)
        path = unquote(parts.path)
        around = self.surroundings.route(method, parts.path, parse_qs(parts.query))
        if around is not None:
            return around
        if method == "GET" and path.startswith("/model-customization-jobs/"):
            job = self.jobs.get(path[len("/model-customization-jobs/"):])
            if job is None:
                return "GetModelCustomizationJob", 404, json.dumps(
                    {"message": f"no job {path}"}).encode(), "ResourceNotFoundException"
            return "GetModelCustomizationJob", 200, job, None
        if method == "GET" and path == "/custom-models":
            return "ListCustomModels", 200, self.list_page(parse_qs(parts.query), account,
                                                           region), None
        if method == "GET" and path.startswith("/custom-models/"):
            model = self.bodies.get(path[len("/custom-models/"):])
            if model is None:
                return "GetCustomModel", 404, json.dumps(
                    {"message": f"no model {path}"}).encode(), "ResourceNotFoundException"
            return "GetCustomModel", 200, model, None
        if method == "POST" and path == "/listTagsForResource":
            return "ListTagsForResource", 200, self.tags, None
        return None, 404, json.dumps({"message": f"no route for {method} {path}"}).encode(), \
            "ResourceNotFoundException"


def posture_route(method: str, target: str, amz_target: str | None, body: bytes,
                  region: str) -> tuple[str, int, bytes, None] | None:
    """The account-posture operations (GetGuardrail, S3 GetBucketEncryption, CloudWatch
    Logs DescribeLogGroups, EC2 DescribeVpcEndpoints, IAM ListEntitiesForPolicy and
    ListServiceSpecificCredentials); None for any other request."""
    if method == "GET" and target.startswith("/guardrails/"):
        return "GetGuardrail", 200, GUARDRAIL, None
    if method == "GET" and target.endswith("?encryption"):
        return "GetBucketEncryption", 200, BUCKET_ENCRYPTION, None
    if amz_target == "Logs_20140328.DescribeLogGroups":
        return "DescribeLogGroups", 200, LOG_GROUPS, None
    if method == "POST" and target == "/" and b"Action=" in body:
        action = parse_qs(body.decode()).get("Action", [""])[0]
        if action in QUERY_ANSWERS:
            return action, 200, QUERY_ANSWERS[action].replace("{region}", region).encode(), None
    return None


def signed_region(authorization: str | None) -> str | None:
    """The region of a SigV4 signature: ``Credential=AKID/DATE/REGION/SERVICE/aws4_request``."""
    if not authorization or "Credential=" not in authorization:
        return None
    scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return scope[2] if len(scope) > 2 else None


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: botocore's pool reuses its connections."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Server

    def do_GET(self) -> None:
        self.answer("GET")

    def do_POST(self) -> None:
        self.answer("POST")

    def answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        # Read even when unused: keeps the connection in step with the client.
        request = self.rfile.read(length) if length else b""
        stub = self.server.stub
        if self.path == "/__stats":
            self.send(200, stub.stats(), None)
            return
        if self.path == "/__reset" and method == "POST":
            stub.reset()
            self.send(200, b"{}", None)
            return
        admitted = stub.bucket is None or stub.bucket.admit()
        region = signed_region(self.headers.get("Authorization"))
        operation, status, body, error = stub.for_region(region).route(
            method, self.path, self.headers.get("X-Amz-Target"), request,
            self.headers.get("Authorization"))
        time.sleep(stub.latency)
        if operation is not None:
            stub.count(operation, throttled=not admitted, region=region)
            if not admitted:
                status, body, error = stub.throttle_status, stub.throttle_body, \
                    "ThrottlingException"
        self.send(status, body, error)

    def send(self, status: int, body: bytes, error: str | None) -> None:
        head = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}",
                "Content-Type: " + ("text/xml" if body.startswith(b"<") else "application/json"),
                f"Content-Length: {len(body)}",
                "x-amzn-RequestId: 00000000-0000-0000-0000-000000000000"]
        if error is not None:
            head.append(f"x-amzn-ErrorType: {error}")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)

    def log_message(self, format: str, *args: Any) -> None:
        """One log line per request would cost the server CPU and could fill a pipe."""


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Enough backlog for every client connection opening at once.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], stub: Stub) -> None:
        super().__init__(address, Handler)
        self.stub = stub


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1,
                        help="seconds added to every request (default 0.1)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quota", type=float, default=None,
                        help="requests a second admitted (token bucket); others throttled")
    parser.add_argument("--burst", type=float, default=None,
                        help="token bucket depth (default: one second of --quota)")
    parser.add_argument("--throttle-status", type=int, default=THROTTLE_STATUS)
    parser.add_argument("--keys", type=int, default=1,
                        help="distinct KMS keys among the models (default 1)")
    parser.add_argument("--context", type=int, default=0, metavar="N",
                        help="serve a deployment, a provisioned throughput and a copy job for "
                             "every N-th model, and their foundation model (default: none)")
    parser.add_argument("--imported", type=int, default=0, metavar="N",
                        help="also serve N imported models and their import jobs")
    parser.add_argument("--accounts", type=int, default=0,
                        help="serve an organization of this many accounts, each with its "
                             "own --models in every region")
    args = parser.parse_args(argv)
    bucket = None
    if args.quota is not None:
        bucket = TokenBucket(args.quota, args.burst if args.burst is not None else args.quota)
    models = make_models(args.models, keys=args.keys)
    surroundings = (make_surroundings(models, REGION, ACCOUNT, args.context or len(models) + 1,
                                      args.imported)
                    if args.context or args.imported else None)
    stub = Stub(models, args.latency, bucket, args.throttle_status, surroundings,
                organization=Organization(args.accounts) if args.accounts else None,
                keys=args.keys)
    server = Server(("127.0.0.1", args.port), stub)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print(json.dumps({"calls": stub.calls, "throttled": stub.throttled}), file=sys.stderr,
              flush=True)


if __name__ == "__main__":
    main()
