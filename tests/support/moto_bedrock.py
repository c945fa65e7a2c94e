"""moto's Bedrock, seeded only through its public API, and a stand-in for the answers moto
cannot be made to give.

Models are made as AWS makes them: ``CreateModelCustomizationJob`` through boto3 (moto
creates the job and its custom model; ``customModelTags`` tag it), in moto's in-process
``mock_aws`` or against moto's server. Accounts other than moto's default one are reached
through a role assumed with moto's STS, which maps the role's credentials to its account.
moto then answers ``ListCustomModels``, ``ListTagsForResource`` and everything outside
Bedrock (STS, KMS, S3, ...) itself.

What moto cannot be made to answer is served by :class:`StandIn`, ahead of moto, from
documents built from moto's own answers and botocore's shapes. Each correction is what AWS
documents (Bedrock API reference, https://docs.aws.amazon.com/bedrock/latest/APIReference/):

- ``GetCustomModel``: ``modelKmsKeyArn`` is the key the job was given as
  ``customModelKmsKeyId``, and is absent for a model encrypted with an AWS-owned key
  (API_GetCustomModel.html, API_CreateModelCustomizationJob.html); moto invents
  ``key/<model>-<job>-kms-key`` for every model. Members moto has no notion of
  (``customizationConfig``, ``modelStatus``) or that a test needs different (a malformed
  value, a ``jobArn`` of ``null``) are set per model (``extra``).
- ``GetModelCustomizationJob``: the job is found by its name or its ARN (``jobIdentifier``,
  API_GetModelCustomizationJob.html; botocore's ``ModelCustomizationJobIdentifier`` pattern
  is the job's ARN or its name; moto finds it by name only) and names its output model by
  that model's ARN and name (moto's ``outputModelArn`` names a model it does not have). A
  model whose job is gone answers ``ResourceNotFoundException`` for it.
- ``ListImportedModels``, ``GetImportedModel`` (moto has no Custom Model Import) and the
  ``ListTagsForResource`` of an imported model.
- ``GetGuardrail`` (moto has no guardrails): the guardrails a test adds with
  :meth:`StandIn.add_guardrail`, each member checked against botocore's output shape of the
  operation, found by id or ARN at a version (``DRAFT`` when none is asked for), as
  API_GetGuardrail.html documents; another guardrail or version is
  ``ResourceNotFoundException``.
- Any other operation moto lacks, from a test's own handler (:meth:`StandIn.on`); in front
  of moto's server also an operation of a query-protocol service (IAM's
  ``ListServiceSpecificCredentials``, which moto lacks), answered as XML (:func:`query_xml`).

In process the stand-in is a botocore ``before-send`` hook registered first on a session
(:func:`install`; ``tests.test_aws_fetch.Recorder`` installs it); in front of moto's server
it is a forwarding HTTP server (:func:`front`). botocore calls every ``before-send`` hook
and keeps the first answer, so moto still sees each request (its answer is dropped when the
stand-in gives one); for the operations moto lacks, where moto would raise, :func:`mocked`
starts ``mock_aws`` with moto's documented ``core.passthrough`` setting naming their URLs,
and the stand-in answers every request to those URLs. A request's operation is found from
botocore's service model (method and request URI), its region from the credential scope of
its signature and its account by asking moto's STS ``GetCallerIdentity`` about its key.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import botocore.session
from botocore.awsrequest import AWSResponse

from tests.support import SERVER_POLL_INTERVAL

DEFAULT_ACCOUNT = "123456789012"
SEED_ROLE = "arn:aws:iam::{}:role/moto-seed"
BASE_MODEL = "amazon.titan-text-express-v1:0:8k"
MOTO_KEY = "moto's own key"  # kms=MOTO_KEY keeps the key ARN moto invents
# Operations moto does not implement that tests have the stand-in serve. In process, moto
# lets their URLs pass (its documented ``core.passthrough`` setting, :func:`mocked`) and the
# stand-in answers every one of them, so none ever leaves the machine.
LACKING = ("ListImportedModels", "GetImportedModel", "ListEnforcedGuardrailsConfiguration",
           "ListCustomModelDeployments", "ListProvisionedModelThroughputs",
           "ListModelCopyJobs", "GetFoundationModel", "GetGuardrail")
ARN = re.compile(r"^arn:[^:]+:bedrock:([^:]*):(\d*):")
_SCOPE = re.compile(r"Credential=([^/]+)/\d+/([a-z0-9-]+)/")


@dataclass(frozen=True)
class Call:
    """One request the stand-in may answer."""

    operation: str
    account: str
    region: str
    labels: dict[str, str]  # the request URI's labels, decoded
    query: dict[str, list[str]]
    body: dict[str, Any]


# (status, body, error code or None)
Answer = tuple[int, Any, "str | None"]
Handler = Callable[[Call], "Answer | None"]


def ok(body: Any) -> Answer:
    return 200, body, None


def error(status: int, code: str, message: str) -> Answer:
    return status, {"message": message}, code


@cache
def _routes() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """(operation, method, path pattern) of every Bedrock operation, from botocore."""
    model = botocore.session.get_session().get_service_model("bedrock")
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        path = http["requestUri"].split("?", 1)[0]
        pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path))
        pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", pattern)
        routes.append((name, http["method"], re.compile(f"^{pattern}$")))
    return tuple(routes)


def operation_of(method: str, raw_path: str) -> tuple[str, dict[str, str]] | None:
    for name, verb, pattern in _routes():
        match = pattern.match(raw_path) if verb == method else None
        if match:
            return name, {k: unquote(v) for k, v in match.groupdict().items()}
    return None


_SESSION_LOCK = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    """One session for the stand-in's own clients: a new one would load botocore's service
    models again (some 80 ms of CPU a client)."""
    return boto3.session.Session()


def _client(service: str, **kwargs: Any) -> Any:
    with _SESSION_LOCK:  # a boto3 session does not make clients in two threads at once
        return _session().client(service, **kwargs)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


@dataclass
class _Job:
    """A job made with its model: moto's GetModelCustomizationJob answer, read once, naming
    the model by its ARN and name and reporting the model's key."""

    account: str
    region: str
    name: str
    model_arn: str
    model_name: str
    kms: str | None
    doc: dict[str, Any] | None = None

    def answer(self, stand_in: StandIn) -> dict[str, Any]:
        if self.doc is None:
            bedrock = stand_in.client("bedrock", self.account, self.region)
            doc = _jsonable(bedrock.get_model_customization_job(jobIdentifier=self.name))
            if self.kms != MOTO_KEY:
                doc.pop("outputModelKmsKeyArn", None)
                if self.kms is not None:
                    doc["outputModelKmsKeyArn"] = self.kms
            doc.update(outputModelArn=self.model_arn, outputModelName=self.model_name)
            self.doc = doc
        return self.doc


@dataclass
class StandIn:
    """The answers moto cannot give, for one test; ``endpoint`` is moto's server, or None
    for the in-process ``mock_aws``."""

    endpoint: str | None = None
    # (account, region) -> name -> the document served
    models: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    jobs: dict[tuple[str, str], dict[str, _Job | None]] = field(default_factory=dict)
    imported: dict[tuple[str, str], list[dict[str, Any]]] | None = None
    imported_tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    imported_page: int = 2
    handlers: dict[str, Handler] = field(default_factory=dict)
    # (account, region) -> (guardrail id, version) -> GetGuardrail's answer
    guardrails: dict[tuple[str, str], dict[tuple[str, str], dict[str, Any]]] = field(
        default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)  # access key -> account
    clients: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- seeding, through moto's public API ----------------------------------------------

    def client(self, service: str, account: str = DEFAULT_ACCOUNT,
               region: str = "us-east-1") -> Any:
        """A client of moto for ``account`` (a role assumed in it unless the default)."""
        with self.lock:
            key = (service, account, region)
            if key not in self.clients:
                creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
                if account != DEFAULT_ACCOUNT:
                    got = self.client("sts").assume_role(
                        RoleArn=SEED_ROLE.format(account), RoleSessionName="seed")["Credentials"]
                    creds = {"aws_access_key_id": got["AccessKeyId"],
                             "aws_secret_access_key": got["SecretAccessKey"],
                             "aws_session_token": got["SessionToken"]}
                self.clients[key] = _client(
                    service, region_name=region, endpoint_url=self.endpoint, **creds)
            return self.clients[key]

    def create_model(self, name: str, region: str = "us-east-1", *,
                     account: str = DEFAULT_ACCOUNT, kms: str | None = MOTO_KEY,
                     hyper_parameters: dict[str, str] | None = None,
                     tags: dict[str, str] | None = None, extra: dict[str, Any] | None = None,
                     job_name: str | None = None, job: bool = True,
                     vpc: dict[str, Any] | None = None,
                     training: str = "s3://data/", output: str = "s3://out/",
                     role: str | None = None, base: str = BASE_MODEL) -> str:
        """A custom model made by a customization job in moto; its ARN. ``kms`` is the key
        it is made with (None: an AWS-owned key); ``extra`` sets (or, with None, nulls)
        members of its GetCustomModel answer; ``job=False`` makes its job gone."""
        bedrock = self.client("bedrock", account, region)
        job_name = job_name or f"job-{name}"
        params: dict[str, Any] = {
            "jobName": job_name, "customModelName": name,
            "roleArn": role or f"arn:aws:iam::{account}:role/bedrock-training",
            "baseModelIdentifier": base,
            "trainingDataConfig": {"s3Uri": training},
            "outputDataConfig": {"s3Uri": output},
            "hyperParameters": hyper_parameters or {"learningRate": "0.0001"},
            "customizationType": "FINE_TUNING",
        }
        if tags:
            params["customModelTags"] = [{"key": k, "value": v} for k, v in tags.items()]
        if kms not in (None, MOTO_KEY):
            params["customModelKmsKeyId"] = kms
        if vpc is not None:
            params["vpcConfig"] = vpc
        job_arn = bedrock.create_model_customization_job(**params)["jobArn"]
        doc = _jsonable(bedrock.get_custom_model(modelIdentifier=name))
        if kms != MOTO_KEY:
            doc.pop("modelKmsKeyArn", None)
            if kms is not None:
                doc["modelKmsKeyArn"] = kms
        doc.update(extra or {})
        # The job's answer is read from moto when first asked for (most tests never do).
        pending = _Job(account, region, job_name, doc["modelArn"], name, kms)
        with self.lock:
            self.models.setdefault((account, region), {})[name] = doc
            jobs = self.jobs.setdefault((account, region), {})
            jobs[job_name] = jobs[job_arn] = pending if job else None
        return str(doc["modelArn"])

    def delete_model(self, name: str, region: str = "us-east-1", *,
                     account: str = DEFAULT_ACCOUNT) -> None:
        """Delete a model through moto's DeleteCustomModel; the stand-in forgets it too."""
        self.client("bedrock", account, region).delete_custom_model(modelIdentifier=name)
        with self.lock:
            self.models.get((account, region), {}).pop(name, None)

    def add_imported(self, doc: dict[str, Any], region: str = "us-east-1", *,
                     account: str = DEFAULT_ACCOUNT, tags: dict[str, str] | None = None) -> str:
        """A Custom Model Import model (a GetImportedModel answer); its ARN. Once one is
        added, every account and region answers ListImportedModels."""
        with self.lock:
            if self.imported is None:
                self.imported = {}
            self.imported.setdefault((account, region), []).append(doc)
            self.imported_tags[doc["modelArn"]] = [
                {"key": k, "value": v} for k, v in (tags or {}).items()]
        return str(doc["modelArn"])

    def add_guardrail(self, guardrail_id: str, version: str = "1", *,
                      account: str = DEFAULT_ACCOUNT, region: str = "us-east-1",
                      **members: Any) -> str:
        """A guardrail at ``version`` that GetGuardrail answers with ``members`` (checked
        against botocore's output shape); its ARN."""
        arn = f"arn:aws:bedrock:{region}:{account}:guardrail/{guardrail_id}"
        answer = {"name": guardrail_id, "guardrailId": guardrail_id, "guardrailArn": arn,
                  "version": version, "status": "READY",
                  "createdAt": "2026-10-01T00:00:00Z", "updatedAt": "2026-10-01T00:00:00Z",
                  "blockedInputMessaging": "blocked", "blockedOutputsMessaging": "blocked",
                  **members}
        assert_shaped(answer, _output_shape("bedrock", "GetGuardrail"), "GetGuardrail")
        with self.lock:
            self.guardrails.setdefault((account, region), {})[(guardrail_id, version)] = answer
        return arn

    def on(self, operation: str, handler: Handler) -> None:
        """Answer ``operation`` (one moto lacks) with ``handler``; None lets moto answer."""
        self.handlers[operation] = handler

    # -- answering -----------------------------------------------------------------------

    def account_of(self, access_key: str) -> str:
        """The account moto maps ``access_key`` to (moto does not check the secret)."""
        with self.lock:
            if access_key not in self.accounts:
                sts = _client(
                    "sts", region_name="us-east-1", endpoint_url=self.endpoint,
                    aws_access_key_id=access_key, aws_secret_access_key="unused")
                self.accounts[access_key] = sts.get_caller_identity()["Account"]
            return self.accounts[access_key]

    def answer(self, method: str, url: str, headers: Any, body: bytes | None) -> Answer | None:
        parts = urlsplit(url)
        found = operation_of(method, parts.path)
        if found is None:
            return self.query_answer(headers, body)
        operation, labels = found
        known = {"GetCustomModel", "GetModelCustomizationJob", "ListImportedModels",
                 "GetImportedModel", "ListTagsForResource", "GetGuardrail"}
        if operation not in known and operation not in self.handlers \
                and operation not in LACKING:
            return None
        authorization = headers.get("Authorization") or ""
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        scope = _SCOPE.search(authorization)
        if scope is None:
            return None
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {}
        call = Call(operation, self.account_of(scope.group(1)), scope.group(2), labels,
                    parse_qs(parts.query), data if isinstance(data, dict) else {})
        answer: Answer | None = None
        if operation in self.handlers:
            answer = self.handlers[operation](call)
        elif operation in known:
            with self.lock:
                answer = getattr(self, f"_{operation}")(call)
        if answer is None and operation in LACKING:
            answer = error(400, "UnknownOperationException",
                           f"moto does not implement {operation} and this test serves none")
        return answer

    def _find(self, table: dict[str, Any], call: Call, ident: str) -> tuple[bool, Any]:
        match = ARN.match(ident)
        if match and (match.group(1), match.group(2)) != (call.region, call.account):
            return False, None
        for key, value in table.items():
            if key == ident or (isinstance(value, dict) and value.get("modelArn") == ident):
                return True, value
        return False, None

    def query_answer(self, headers: Any, body: bytes | None) -> Answer | None:
        """An operation of a query-protocol service (``Action=...`` in a form body) that a
        test's handler serves; None lets moto answer."""
        form = parse_qs((body or b"").decode("utf-8", "replace"))
        action = (form.get("Action") or [""])[0]
        authorization = headers.get("Authorization") or ""
        if isinstance(authorization, bytes):
            authorization = authorization.decode()
        scope = _SCOPE.search(authorization)
        if action not in self.handlers or scope is None:
            return None
        call = Call(action, self.account_of(scope.group(1)), scope.group(2), {}, form, {})
        return self.handlers[action](call)

    def _GetGuardrail(self, call: Call) -> Answer | None:
        ident = call.labels["guardrailIdentifier"]
        version = (call.query.get("guardrailVersion") or ["DRAFT"])[0]
        match = ARN.match(ident)
        guardrail_id = ident.rsplit("/", 1)[-1]
        table = self.guardrails.get((call.account, call.region), {})
        if match and (match.group(1), match.group(2)) != (call.region, call.account):
            table = {}
        if (guardrail_id, version) in table:
            return ok(table[(guardrail_id, version)])
        return error(404, "ResourceNotFoundException",
                     f"Guardrail {ident} version {version} was not found")

    def _GetCustomModel(self, call: Call) -> Answer | None:
        models = self.models.get((call.account, call.region), {})
        found, doc = self._find(models, call, call.labels["modelIdentifier"])
        return ok(doc) if found else None

    def _GetModelCustomizationJob(self, call: Call) -> Answer | None:
        ident = call.labels["jobIdentifier"]
        found, doc = self._find(self.jobs.get((call.account, call.region), {}), call, ident)
        if not found:
            return None
        if doc is None:
            return error(404, "ResourceNotFoundException",
                         f"Model customization job {ident} not found")
        return ok(doc.answer(self))

    def _ListImportedModels(self, call: Call) -> Answer | None:
        if self.imported is None:
            return None
        from tests.support.context_stub import bedrock_context

        docs = self.imported.get((call.account, call.region), [])
        start = int(call.query.get("nextToken", ["0"])[0])
        page = self.imported_page
        members = bedrock_context.summary_members("ListImportedModels")
        listing: dict[str, Any] = {"modelSummaries": [
            bedrock_context.project(doc, members) for doc in docs[start:start + page]]}
        if start + page < len(docs):
            listing["nextToken"] = str(start + page)
        return ok(listing)

    def _GetImportedModel(self, call: Call) -> Answer | None:
        ident = call.labels["modelIdentifier"]
        for doc in (self.imported or {}).get((call.account, call.region), []):
            if ident in (doc["modelArn"], doc["modelName"]):
                return ok(doc)
        if self.imported is None:
            return None
        return error(404, "ResourceNotFoundException", f"Model {ident} not found")

    def _ListTagsForResource(self, call: Call) -> Answer | None:
        arn = call.body.get("resourceARN")
        if arn in self.imported_tags:
            return ok({"tags": self.imported_tags[arn]})
        return None

    # -- in process ----------------------------------------------------------------------

    def before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        body = request.body
        if body is not None and not isinstance(body, bytes):
            body = body.read() if hasattr(body, "read") else str(body).encode()
        answer = self.answer(request.method, request.url, request.headers, body)
        if answer is None and any(url.match(request.url.split("?", 1)[0])
                                  for url in _passed()):
            # moto lets this URL pass: never let it reach the network.
            answer = error(400, "UnknownOperationException", "not served in this test")
        if answer is None:
            return None
        return aws_response(request.url, *answer)


@cache
def _output_shape(service: str, operation: str) -> Any:
    return (botocore.session.get_session().get_service_model(service)
            .operation_model(operation).output_shape)


def assert_shaped(value: Any, shape: Any, where: str) -> None:
    """Fail unless every member of ``value`` is one botocore's ``shape`` has."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for key, item in value.items():
            assert key in shape.members, f"{where}.{key} is no member of {shape.name}"
            assert_shaped(item, shape.members[key], f"{where}.{key}")
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            assert_shaped(item, shape.member, f"{where}[]")


def query_xml(service: str, operation: str, result: dict[str, Any]) -> str:
    """An answer of a query-protocol service (IAM), as AWS writes it: the members of
    ``result`` (checked against botocore's output shape) under ``<OperationResult>``, lists
    as ``<member>`` elements."""
    from xml.sax.saxutils import escape

    shape = _output_shape(service, operation)
    assert_shaped(result, shape, operation)

    def element(value: Any) -> str:
        if isinstance(value, dict):
            return "".join(f"<{k}>{element(v)}</{k}>" for k, v in value.items())
        if isinstance(value, list):
            return "".join(f"<member>{element(v)}</member>" for v in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return escape(str(value))

    return (f'<{operation}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
            f"<{operation}Result>{element(result)}</{operation}Result>"
            "<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId>"
            f"</ResponseMetadata></{operation}Response>")


def aws_response(url: str, status: int, body: Any, code: str | None) -> AWSResponse:
    """An answer as Bedrock's REST-JSON protocol sends it."""
    headers = {"Content-Type": "application/json",
               "x-amzn-RequestId": "00000000-0000-0000-0000-000000000000"}
    if code is not None:
        headers["x-amzn-ErrorType"] = f"{code}:http://internal.amazon.com/"
    return AWSResponse(url, status, headers, _Body(json.dumps(body).encode()))


_CURRENT: list[StandIn] = []


def mock_config() -> dict[str, Any]:
    """moto's configuration (``mock_aws(config=...)``, documented at
    https://docs.getmoto.org/en/latest/docs/configuration/index.html): the URLs of
    :data:`LACKING` pass moto by, to be answered by the stand-in."""
    urls = [rf"https?://bedrock\.[^/]+\.amazonaws\.com{pattern.pattern[1:]}"
            for name, _, pattern in _routes() if name in LACKING]
    return {"core": {"mock_credentials": True, "reset_boto3_session": True,
                     "service_whitelist": None,
                     "passthrough": {"urls": urls, "services": []}}}


@cache
def _passed() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(url) for url in mock_config()["core"]["passthrough"]["urls"])


@contextmanager
def mocked() -> Iterator[StandIn]:
    """moto's in-process AWS (``mock_aws``) with the stand-in ahead of its Bedrock."""
    from moto import mock_aws

    with mock_aws(config=mock_config()), standing_in() as stand_in:  # type: ignore[arg-type]
        yield stand_in


@contextmanager
def standing_in(endpoint: str | None = None) -> Iterator[StandIn]:
    """The stand-in of one test (inside ``mock_aws``, or for moto's server at ``endpoint``)."""
    stand_in = StandIn(endpoint)
    _CURRENT.append(stand_in)
    try:
        yield stand_in
    finally:
        _CURRENT.remove(stand_in)


def current() -> StandIn:
    assert _CURRENT, "no stand-in: use the moto fixture (tests.test_aws_fetch)"
    return _CURRENT[-1]


def _before_send(request: Any, event_name: str = "", **kwargs: Any) -> AWSResponse | None:
    if not _CURRENT or _CURRENT[-1].endpoint is not None or \
            not event_name.startswith("before-send.bedrock."):
        return None
    return _CURRENT[-1].before_send(request, **kwargs)


def install(session: Any) -> Any:
    """Put the stand-in of the running test ahead of moto on ``session``'s clients."""
    session.events.register_first("before-send", _before_send,
                                  unique_id="moto-bedrock-stand-in")
    return session


# -- in front of moto's server -----------------------------------------------------------------


class _Front(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FrontServer

    def do_GET(self) -> None:
        self.relay()

    def do_POST(self) -> None:
        self.relay()

    def do_DELETE(self) -> None:
        self.relay()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        stand_in = self.server.stand_in
        answer = stand_in.answer(self.command, self.path, self.headers, body)
        if answer is not None:
            status, data, code = answer
            if isinstance(data, str):  # a query-protocol answer, XML already
                self.send(status, data.encode(), {"Content-Type": "text/xml"})
                return
            self.send(status, json.dumps(data).encode(),
                      {"Content-Type": "application/json"} |
                      ({"x-amzn-ErrorType": code} if code else {}))
            return
        forward = urllib.request.Request(
            f"{stand_in.endpoint}{self.path}", data=body if length else None,
            method=self.command,
            headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        try:
            with urllib.request.urlopen(forward, timeout=30) as response:
                status, headers, data = response.status, response.headers, response.read()
        except urllib.error.HTTPError as failed:
            status, headers, data = failed.code, failed.headers, failed.read()
        keep = {k: v for k, v in headers.items()
                if k.lower() not in ("content-length", "transfer-encoding", "connection",
                                     "server", "date")}
        self.send(status, data, keep)

    def send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FrontServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, stand_in: StandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Front)
        self.stand_in = stand_in

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@contextmanager
def front(endpoint: str) -> Iterator[tuple[StandIn, str]]:
    """A stand-in for moto's server at ``endpoint``, and the URL of the forwarding server
    in front of it (point ``AWS_ENDPOINT_URL_BEDROCK`` there)."""
    with standing_in(endpoint) as stand_in:
        server = FrontServer(stand_in)
        thread = threading.Thread(target=server.serve_forever,
                                  kwargs={"poll_interval": SERVER_POLL_INTERVAL}, daemon=True)
        thread.start()
        try:
            yield stand_in, server.url
        finally:
            server.shutdown()
            server.server_close()
