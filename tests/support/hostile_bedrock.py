"""A misbehaving Bedrock for the tests: a threaded ``http.server`` that answers like a proxy
or an endpoint on a bad night, one fault at a time.

It speaks Bedrock's REST protocol for ``ListCustomModels``, ``GetCustomModel`` and
``ListTagsForResource`` (the request's region is read from its SigV4 credential scope), and
serves three models per region: ``good-1``, ``bad`` and ``good-2``. A fault hits either the
``GetCustomModel`` of ``bad`` or the listing of ``FAULT_REGION`` only, so every test can
check that the other models are still judged. moto cannot answer like this, hence the stub.

Model faults (the Get of ``bad``): ``html``, ``empty``, ``truncated``, ``wrong-arn``,
``trickle``, ``stall`` (half the body, then silence on an open connection),
``not-object``, and the malformed fields of :data:`MALFORMED` (``field:NAME``).
Listing faults (``FAULT_REGION``): ``list-html``, ``list-empty``, ``list-no-summaries``,
``list-not-list``, ``cycle``, ``endless``.

It also serves, in two pages each, every other listing a run makes of Bedrock
(:data:`LISTINGS`: deployments, provisioned throughputs, copy jobs, customization jobs,
enforced guardrails), ``GetFoundationModel`` and STS ``GetCallerIdentity`` (for account
settings, with ``AWS_ENDPOINT_URL_STS`` pointed here). The second page of each listing holds
the item about ``bad`` (its deployment, its throughput, its copy from an unapproved account;
for guardrails, a DRAFT one). ``OPERATION:KIND`` breaks that operation in ``FAULT_REGION``,
KIND one of :data:`PAGE_FAULTS`: the first page ``{}`` (``empty-object``), its list null
(``null-list``), an HTML proxy page (``html``), the second page HTML (``page-2``), or tokens
that come back (``cycle``).
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support import SERVER_POLL_INTERVAL

ACCOUNT = "123456789012"
FAULT_REGION = "us-east-1"
NAMES = ("good-1", "bad", "good-2")
HTML = b"<html><body><h1>Proxy login</h1>Please sign in to continue.</body></html>"

# GetCustomModel members of the wrong JSON type, as a broken proxy or service could send.
MALFORMED: dict[str, Any] = {
    "trainingDataConfig": "s3://ml-approved-data/train.jsonl",
    "hyperParameters": ["learningRate", "0.00005"],
    "creationTime": "yesterday",
    "trainingMetrics": {"trainingLoss": "fast"},
    "validationMetrics": {"validationLoss": 0.1},
    "modelKmsKeyArn": 42,
    "outputDataConfig": {"s3Uri": ["s3://a/", "s3://b/"]},
    "deep": None,  # trainingDataConfig nested thousands of levels deep (see document())
}


def arn(region: str, name: str) -> str:
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/{name}"


def document(region: str, name: str) -> dict[str, Any]:
    return {
        "modelArn": arn(region, name),
        "modelName": name,
        "jobName": f"job-{name}",
        "jobArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:model-customization-job/job-{name}",
        "baseModelArn": f"arn:aws:bedrock:{region}::foundation-model/"
                        "amazon.titan-text-express-v1:0:8k",
        "customizationType": "FINE_TUNING",
        "hyperParameters": {"epochCount": "2", "learningRate": "0.00005"},
        "trainingDataConfig": {"s3Uri": "s3://ml-approved-data/train.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://ml-approved-data/out/"},
        "trainingMetrics": {"trainingLoss": 0.25},
        "creationTime": "2026-01-01T00:00:00Z",
        "modelStatus": "Active",
    }


def summary(region: str, name: str) -> dict[str, Any]:
    doc = document(region, name)
    keys = ("modelArn", "modelName", "creationTime", "baseModelArn", "customizationType",
            "modelStatus")
    return {k: doc[k] for k in keys} | {"baseModelName": "Titan Text G1 - Express",
                                        "ownerAccountId": ACCOUNT}


_SCOPE = re.compile(r"Credential=[^/]+/\d+/([a-z0-9-]+)/")
APPROVED = "111122223333"
UNAPPROVED = "999999999999"
FOUNDATION = "amazon.titan-text-express-v1:0:8k"
PAGE_FAULTS = ("empty-object", "null-list", "html", "page-2", "cycle")


def _deployment(region: str, name: str) -> dict[str, Any]:
    return {"customModelDeploymentArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:"
                                        f"custom-model-deployment/dep-{name}",
            "customModelDeploymentName": f"dep-{name}", "modelArn": arn(region, name),
            "createdAt": "2026-02-01T00:00:00Z", "status": "Active"}


def _throughput(region: str, name: str) -> dict[str, Any]:
    return {"provisionedModelName": f"pt-{name}",
            "provisionedModelArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:provisioned-model/"
                                   f"pt{name.replace('-', '')}",
            "modelArn": arn(region, name), "desiredModelArn": arn(region, name),
            "foundationModelArn": f"arn:aws:bedrock:{region}::foundation-model/{FOUNDATION}",
            "modelUnits": 1, "desiredModelUnits": 1, "status": "InService",
            "creationTime": "2026-02-01T00:00:00Z", "lastModifiedTime": "2026-02-01T00:00:00Z"}


def _copy_job(region: str, name: str, source: str) -> dict[str, Any]:
    return {"jobArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:model-copy-job/copy-{name}",
            "status": "Completed", "creationTime": "2026-01-15T00:00:00Z",
            "targetModelArn": arn(region, name), "sourceAccountId": source,
            "sourceModelArn": f"arn:aws:bedrock:{region}:{source}:custom-model/{name}"}


def _guardrail(region: str, version: str) -> dict[str, Any]:
    return {"configId": f"config-{version.lower()}",
            "guardrailArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:guardrail/g{version.lower()}",
            "guardrailId": f"g{version.lower()}", "guardrailVersion": version}


# path -> (operation, list member, the items of page 1 and page 2 in a region).
LISTINGS: dict[str, tuple[str, str, Any]] = {
    "/model-customization/custom-model-deployments": (
        "ListCustomModelDeployments", "modelDeploymentSummaries",
        lambda r: ([_deployment(r, "good-1")], [_deployment(r, "bad")])),
    "/provisioned-model-throughputs": (
        "ListProvisionedModelThroughputs", "provisionedModelSummaries",
        lambda r: ([_throughput(r, "good-2")], [_throughput(r, "bad")])),
    "/model-copy-jobs": (
        "ListModelCopyJobs", "modelCopyJobSummaries",
        lambda r: ([_copy_job(r, "good-1", APPROVED)], [_copy_job(r, "bad", UNAPPROVED)])),
    "/model-customization-jobs": (
        "ListModelCustomizationJobs", "modelCustomizationJobSummaries", lambda r: ([], [])),
    "/enforcedGuardrailsConfiguration": (
        "ListEnforcedGuardrailsConfiguration", "guardrailsConfig",
        lambda r: ([_guardrail(r, "1")], [_guardrail(r, "DRAFT")])),
}
CALLER = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
          b"<GetCallerIdentityResult><Arn>arn:aws:iam::" + ACCOUNT.encode() +
          b":user/ci</Arn><UserId>AIDAEXAMPLE</UserId><Account>" + ACCOUNT.encode() +
          b"</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>0</RequestId>"
          b"</ResponseMetadata></GetCallerIdentityResponse>")


def foundation_model(region: str, model_id: str = FOUNDATION) -> dict[str, Any]:
    return {"modelArn": f"arn:aws:bedrock:{region}::foundation-model/{model_id}",
            "modelId": model_id, "modelName": model_id, "providerName": "Amazon",
            "modelLifecycle": {"status": "ACTIVE"}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = self.rfile.read(length) if length else b""
        match = _SCOPE.search(self.headers.get("Authorization", ""))
        region = match.group(1) if match else "us-east-1"
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        fault = self.server.fault
        with self.server.lock:
            self.server.requests.append((region, path))
        if path == "/" and b"Action=GetCallerIdentity" in request:
            self.send(200, CALLER, content_type="text/xml")
        elif path in LISTINGS:
            self.other_listing(region, path, parse_qs(parts.query), fault)
        elif path.startswith("/foundation-models/"):
            self.foundation(region, path[len("/foundation-models/"):], fault)
        elif path == "/custom-models":
            self.listing(region, parse_qs(parts.query), fault)
        elif path.startswith("/custom-models/"):
            ident = path[len("/custom-models/"):]
            name = ident.rsplit("/", 1)[-1]
            if name not in NAMES:
                self.send(404, json.dumps({"message": f"no model {ident}"}).encode(),
                          error="ResourceNotFoundException")
            elif name == "bad" and region == FAULT_REGION:
                self.bad_model(region, fault)
            else:
                self.send(200, json.dumps(document(region, name)).encode())
        elif path == "/listTagsForResource":
            body: Any = {"tags": [{"key": "team", "value": "ml"}]}
            asked = json.loads(request or b"{}").get("resourceARN", "")
            if fault == "tags-not-list" and asked.endswith("/bad"):
                body = {"tags": {"team": "ml"}}
            if fault == "tags-duplicate" and asked.endswith("/bad"):
                body = {"tags": [{"key": "team", "value": "ml"}, {"key": "team", "value": "x"}]}
            self.send(200, json.dumps(body).encode())
        else:
            self.send(404, b'{"message": "no route"}', error="ResourceNotFoundException")

    def listing(self, region: str, query: dict[str, list[str]], fault: str) -> None:
        token = query.get("nextToken", [None])[0]
        page: dict[str, Any] = {"modelSummaries": [summary(region, n) for n in NAMES]}
        if region != FAULT_REGION or not fault.startswith(("list-", "cycle", "endless")):
            self.send(200, json.dumps(page).encode())
            return
        if fault == "list-html":
            self.send(200, HTML, content_type="text/html")
        elif fault == "list-empty":
            self.send(200, b"")
        elif fault == "list-no-summaries":
            self.send(200, b'{"nextToken": null}')
        elif fault == "list-not-list":
            self.send(200, json.dumps({"modelSummaries": {"modelArn": "x"}}).encode())
        elif fault == "cycle":
            following = {None: "t1", "t1": "t2", "t2": "t1"}[token]
            self.send(200, json.dumps({"modelSummaries": [] if token else page["modelSummaries"],
                                       "nextToken": following}).encode())
        elif fault == "endless":
            number = int(token[1:]) + 1 if token else 1
            self.send(200, json.dumps({"modelSummaries": [] if token else page["modelSummaries"],
                                       "nextToken": f"t{number}"}).encode())

    def other_listing(self, region: str, path: str, query: dict[str, list[str]],
                      fault: str) -> None:
        """A listing of :data:`LISTINGS`: two pages, the second asked for with ``p2``."""
        operation, member, items = LISTINGS[path]
        first, second = items(region)
        token = query.get("nextToken", [None])[0]
        kind = fault.partition(":")[2] if fault.startswith(f"{operation}:") and \
            region == FAULT_REGION else ""
        if token is None:
            page: dict[str, Any] = {member: first, "nextToken": "t1" if kind == "cycle"
                                    else "p2"}
        elif kind == "cycle":
            page = {member: [], "nextToken": {"t1": "t2", "t2": "t1"}[token]}
        else:
            page = {member: second}
        if (kind == "html" and token is None) or (kind == "page-2" and token is not None):
            self.send(200, HTML, content_type="text/html")
        elif kind == "empty-object" and token is None:
            self.send(200, b"{}")
        elif kind == "null-list" and token is None:
            self.send(200, json.dumps({member: None, "nextToken": "p2"}).encode())
        else:
            self.send(200, json.dumps(page).encode())

    def foundation(self, region: str, model_id: str, fault: str) -> None:
        """GetFoundationModel; ``GetFoundationModel:KIND`` answers ``{}`` (empty-object),
        HTML (html), another model (other) or no lifecycle (no-lifecycle)."""
        kind = fault.partition(":")[2] if fault.startswith("GetFoundationModel:") and \
            region == FAULT_REGION else ""
        details = foundation_model(region, "amazon.nova-pro-v1:0" if kind == "other"
                                   else model_id)
        if kind == "no-lifecycle":
            del details["modelLifecycle"]
        if kind == "empty-object":
            self.send(200, b"{}")
        elif kind == "html":
            self.send(200, HTML, content_type="text/html")
        else:
            self.send(200, json.dumps({"modelDetails": details}).encode())

    def bad_model(self, region: str, fault: str) -> None:
        doc = document(region, "bad")
        if fault == "html":
            self.send(200, HTML, content_type="text/html")
        elif fault == "empty":
            self.send(200, b"")
        elif fault == "not-object":
            self.send(200, json.dumps([doc]).encode())
        elif fault == "wrong-arn":
            self.send(200, json.dumps(document(region, "good-1")).encode())
        elif fault == "truncated":
            body = json.dumps(doc).encode()
            self.send_head(200, len(body))
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
        elif fault == "stall":
            # Half the body, then silence on a connection left open (a stalled proxy).
            body = json.dumps(doc).encode()
            self.send_head(200, len(body))
            try:
                self.wfile.write(body[:len(body) // 2])
                self.wfile.flush()
                time.sleep(60)
            except OSError:
                pass
            self.close_connection = True
        elif fault == "trickle":
            body = json.dumps(doc).encode()
            self.send_head(200, len(body))
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass  # the client gave up, as it should
            self.close_connection = True
        elif fault.startswith("field:"):
            field = fault[len("field:"):]
            if field == "deep":
                text = json.dumps(doc)[:-1] + ', "trainingDataConfig": ' + \
                    '{"x": ' * 100_000 + "1" + "}" * 100_000 + "}"
                self.send(200, text.encode())
                return
            doc[field] = MALFORMED[field]
            self.send(200, json.dumps(doc).encode())
        else:
            self.send(200, json.dumps(doc).encode())

    def send_head(self, status: int, length: int, content_type: str = "application/json",
                  error: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        if error is not None:
            self.send_header("x-amzn-ErrorType", error)
        self.end_headers()

    def send(self, status: int, body: bytes, content_type: str = "application/json",
             error: str | None = None) -> None:
        self.send_head(status, len(body), content_type, error)
        self.wfile.write(body)


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fault: str, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.fault = fault
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []
        self.scheme = "http"
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"


@contextmanager
def hostile_bedrock(fault: str, tls: ssl.SSLContext | None = None) -> Iterator[HostileServer]:
    """The stand-in, serving ``fault``, on a free port for the ``with`` block (over TLS with
    ``tls``, a server-side context)."""
    server = HostileServer(fault, tls)
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": SERVER_POLL_INTERVAL}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
