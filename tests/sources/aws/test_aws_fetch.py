"""The live AWS source against moto's in-process Bedrock (``mock_aws``).

Models are seeded through moto's public API (``seed_model``: ``CreateModelCustomizationJob``
in the model's account). What moto cannot be made to answer, the model's KMS key as AWS
reports it (moto invents one for every model), ``customizationConfig`` and ``modelStatus``
(moto has neither), a job found by its ARN, is served by the stand-in of
``tests/support/moto_bedrock.py`` ahead of moto; every :class:`Recorder` session has it. moto
leaves ``ownerAccountId`` out of the ListCustomModels summaries. Failures AWS would
return (AccessDenied, throttling, an unreachable endpoint) are injected with botocore
``before-send`` hooks registered ahead of moto's own, so they go through botocore's real
parsing and retry logic.

Every operation the source makes through a :class:`Recorder` session is checked to be a
read (``read_only_operations``, applied to every test here and in ``test_aws_org.py``).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from checker.errors import SourceError, UsageError
from checker.sources import aws
from checker.sources.aws import fetch_models
from tests.support import fake_aws_env, moto_bedrock

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "444455556666"
# GetCallerIdentity: the read learns which account it read, once, for the report.
READ_ONLY_OPERATIONS = {"ListCustomModels", "GetCustomModel", "ListTagsForResource",
                        "GetCallerIdentity"}
READ_ONLY_PREFIXES = ("List", "Get", "Describe")
# The only calls that are not List/Get/Describe, both read-only: AssumeRole only obtains
# credentials (it changes nothing in any account), GetCallerIdentity only names the caller.
READ_ONLY_EXCEPTIONS = frozenset({"sts:AssumeRole", "sts:GetCallerIdentity"})
# "service:Operation" of every call made through a Recorder session during one test.
OPERATIONS: list[str] = []


def not_read_only(operations: list[str]) -> list[str]:
    """The operations that are neither List/Get/Describe nor a named read-only exception."""
    return sorted({op for op in operations if op not in READ_ONLY_EXCEPTIONS
                   and not op.split(":", 1)[1].startswith(READ_ONLY_PREFIXES)})


@pytest.fixture(autouse=True)
def read_only_operations() -> Iterator[list[str]]:
    """Fail any test during which the source made a call that is not a read."""
    OPERATIONS.clear()
    yield OPERATIONS
    assert not_read_only(OPERATIONS) == []


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    fake_aws_env(monkeypatch, tmp_path)


@pytest.fixture
def moto() -> Iterator[None]:
    """moto's in-process AWS, with the Bedrock stand-in of ``tests/support/moto_bedrock.py`` for
    what moto cannot answer."""
    with moto_bedrock.mocked():
        yield


def seed_model(
    name: str,
    region: str = "us-east-1",
    *,
    tags: dict[str, str] | None = None,
    kms: str | None = "arn:aws:kms:us-east-1:123456789012:key/abc",
    extra: dict[str, Any] | None = None,
    account: str = ACCOUNT,
    job: bool = True,
) -> str:
    """One custom model made by a customization job in moto (in ``account``, through an
    assumed role); its ARN. Its GetCustomModel answer reports ``kms`` (None: an AWS-owned
    key, no ``modelKmsKeyArn``) and ``extra``, served by the stand-in; ``job=False``: its
    job is gone."""
    return moto_bedrock.current().create_model(name, region, account=account, kms=kms,
                                               tags=tags, extra=extra, job=job)


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def aws_error(url: str, status: int, code: str, message: str) -> AWSResponse:
    """An HTTP error response as Bedrock's REST-JSON protocol sends it."""
    # "__type" for JSON protocols (KMS); REST-JSON (Bedrock) reads the header.
    body = json.dumps({"__type": code, "message": message}).encode()
    headers = {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/",
               "Content-Type": "application/json"}
    return AWSResponse(url, status, headers, _Body(body))


Fault = Callable[[str, str, Any], "AWSResponse | None"]


@dataclass
class Recorder:
    """A session factory that counts every call (of any service) and injects faults."""

    faults: list[Fault] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, str]] = field(default_factory=list)
    bodies: list[tuple[str, str]] = field(default_factory=list)
    configs: list[Any] = field(default_factory=list)
    profiles: list[str | None] = field(default_factory=list)
    delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, profile: str | None) -> boto3.session.Session:
        self.profiles.append(profile)
        session = boto3.session.Session(profile_name=profile)
        session.events.register_first("before-send", self._before_send)
        moto_bedrock.install(session)  # after the faults, ahead of moto
        session.events.register("before-call", self._before_call)
        session.events.register("after-call", self._after_call)
        session.events.register("after-call-error", self._after_call)
        return session

    def _before_call(self, model: Any, params: Any, context: Any, **_: Any) -> None:
        with self.lock:
            OPERATIONS.append(f"{model.service_model.service_name}:{model.name}")
            self.configs.append(context["client_config"])
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.delay:
            time.sleep(self.delay)

    def _after_call(self, **_: Any) -> None:
        with self.lock:
            self.in_flight -= 1

    def _before_send(self, request: Any, **kwargs: Any) -> AWSResponse | None:
        operation = kwargs["event_name"].split(".")[-1]
        region = request.context.get("client_region", "")
        with self.lock:
            self.calls[operation] += 1
            self.requests.append((operation, unquote(request.url)))
            body = request.body
            self.bodies.append((operation, body.decode() if isinstance(body, bytes)
                                else str(body or "")))
        for fault in self.faults:
            response = fault(operation, region, request)
            if response is not None:
                return response
        return None


def deny(operation: str, *, region: str | None = None, contains: str | None = None) -> Fault:
    def fault(op: str, reg: str, request: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        target = unquote(request.url) + body
        if op == operation and region in (None, reg) and (contains is None or contains in target):
            return aws_error(request.url, 403, "AccessDeniedException",
                             f"User: arn:aws:iam::{ACCOUNT}:user/ci is not authorized to "
                             f"perform: bedrock:{op}\non this resource")
        return None
    return fault


def fetch(recorder: Recorder, **kw: Any) -> Any:
    options: dict[str, Any] = {"profile": None, "regions": (), "model_ids": (),
                               "needs": frozenset(), "workers": 4, "max_attempts": 2}
    options.update(kw)
    return fetch_models(recorder, **options)


def names(result: Any) -> list[str]:
    return [m.document["modelName"] for m in result.models]


# -- listing -----------------------------------------------------------------------------


def test_pagination_past_one_page(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws.paging, "LIST_PAGE_SIZE", 100)  # moto's default page is 100 as well
    expected = [f"model-{i:03d}" for i in range(250)]
    for name in expected:
        seed_model(name)
    recorder = Recorder()
    result = fetch(recorder)
    assert recorder.calls["ListCustomModels"] == 3
    assert recorder.calls["GetCustomModel"] == 250
    assert sorted(names(result)) == expected
    assert len(set(names(result))) == 250
    assert result.errors == ()
    assert result.regions == ("us-east-1",)


def test_listing_never_passes_is_owned(moto: None) -> None:
    seed_model("a")
    recorder = Recorder()
    fetch(recorder)
    list_urls = [url for op, url in recorder.requests if op == "ListCustomModels"]
    assert list_urls and all("isOwned" not in url for url in list_urls)


def test_several_regions(moto: None) -> None:
    seed_model("east-1", "us-east-1")
    seed_model("east-2", "us-east-1")
    seed_model("west", "eu-west-1")
    result = fetch(Recorder(), regions=["eu-west-1", "us-east-1", "eu-west-1"])
    assert [(m.document["modelName"], m.origin, m.document["region"]) for m in result.models] == [
        ("west", "aws:eu-west-1", "eu-west-1"),
        ("east-1", "aws:us-east-1", "us-east-1"),
        ("east-2", "aws:us-east-1", "us-east-1"),
    ]
    assert result.regions == ("eu-west-1", "us-east-1")
    assert result.accounts == (ACCOUNT,)
    assert result.sources == ("aws",)
    assert all(m.kind == "model" for m in result.models)


def test_empty_region_is_read_and_has_no_models(moto: None) -> None:
    result = fetch(Recorder(), regions=["eu-central-1"])
    assert result.models == ()
    assert result.errors == ()
    assert result.regions == ("eu-central-1",)
    assert result.accounts == ()


def test_default_region_comes_from_the_session(moto: None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    seed_model("west", "eu-west-1")
    seed_model("east", "us-east-1")
    result = fetch(Recorder())
    assert names(result) == ["west"]
    assert result.regions == ("eu-west-1",)


def test_document_is_the_get_custom_model_output(moto: None) -> None:
    rft = {"rftConfig": {"graderConfig": {"lambdaGrader": {
        "lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:grader:3"}},
        "hyperParameters": {"learningRate": 0.0001, "epochCount": 2}}}
    seed_model("ünïcode-rft", kms=None,
               extra={"customizationConfig": rft, "modelStatus": "Active",
                      "customizationType": "REINFORCEMENT_FINE_TUNING"})
    recorder = Recorder()
    (model,) = fetch(recorder).models
    doc = dict(model.document)
    assert "modelKmsKeyArn" not in doc  # an AWS-owned key: the field is absent
    assert doc["customizationConfig"] == rft
    assert doc["modelStatus"] == "Active"
    assert doc["modelName"] == "ünïcode-rft"
    assert doc["accountId"] == ACCOUNT and doc["region"] == "us-east-1"
    assert isinstance(doc["creationTime"], str)
    assert "ResponseMetadata" not in doc
    assert "tags" not in doc and "ownerAccountId" not in doc and "isOwned" not in doc
    json.dumps(doc)  # plain JSON data


def test_owner_account_comes_from_the_summary(moto: None) -> None:
    """moto leaves ownerAccountId out of its summaries; add it as AWS sends it, including
    a model shared from another account."""
    own = seed_model("own")
    recorder = Recorder()

    def add_owner(parsed: dict[str, Any], **_: Any) -> None:
        for summary in parsed.get("modelSummaries", []):
            summary["ownerAccountId"] = ACCOUNT if summary["modelArn"] == own else OTHER_ACCOUNT

    seed_model("shared-in")

    def factory(profile: str | None) -> boto3.session.Session:
        session = recorder(profile)
        session.events.register("after-call.bedrock.ListCustomModels", add_owner)
        return session

    result = fetch_models(factory, profile=None, regions=(), model_ids=(),
                          needs=frozenset(), workers=2, max_attempts=1)
    owners = {m.document["modelName"]: m.document["ownerAccountId"] for m in result.models}
    assert owners == {"own": ACCOUNT, "shared-in": OTHER_ACCOUNT}


# -- tags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needs", "tag_calls", "tags"),
    [
        pytest.param(frozenset(), 0, None, id="no-rule-uses-tags"),
        pytest.param(frozenset({"ownerAccountId"}), 0, None, id="other-enrichment-only"),
        pytest.param(frozenset({"tags"}), 2,
                     {"tagged": {"team": "ml", "cost.center": "42", "ключ": "значение"},
                      "untagged": {}}, id="a-rule-uses-tags"),
    ],
)
def test_tags_fetched_only_when_needed(moto: None, needs: frozenset[str], tag_calls: int,
                                       tags: dict[str, dict[str, str]] | None) -> None:
    seed_model("tagged", tags={"team": "ml", "cost.center": "42", "ключ": "значение"})
    seed_model("untagged")
    recorder = Recorder()
    result = fetch(recorder, needs=needs)
    assert recorder.calls["ListTagsForResource"] == tag_calls
    got = {m.document["modelName"]: m.document.get("tags") for m in result.models}
    expected: dict[str, Any] = tags or {"tagged": None, "untagged": None}
    assert got == expected
    assert set(recorder.calls) <= READ_ONLY_OPERATIONS


def test_tag_failure_keeps_the_model(moto: None) -> None:
    seed_model("ok", tags={"a": "1"})
    denied = seed_model("secret", tags={"a": "2"})
    recorder = Recorder(faults=[deny("ListTagsForResource", contains=denied)])
    result = fetch(recorder, needs=frozenset({"tags"}))
    by_name = {m.document["modelName"]: m for m in result.models}
    assert set(by_name) == {"ok", "secret"}
    assert by_name["ok"].document["tags"] == {"a": "1"}
    assert by_name["ok"].enrichment_errors == {}
    assert "tags" not in by_name["secret"].document
    code, message = by_name["secret"].enrichment_errors["tags"]
    assert code == "AccessDeniedException"
    assert message.startswith(f"us-east-1: ListTagsForResource {denied}: AccessDeniedException: ")
    assert "\n" not in message
    assert result.errors == ()  # the engine turns the tag rules of that model into errors


# -- failures ---------------------------------------------------------------------------


def test_model_denied_others_still_read(moto: None) -> None:
    seed_model("fine")
    denied = seed_model("locked")
    recorder = Recorder(faults=[deny("GetCustomModel", contains="locked")])
    result = fetch(recorder)
    assert names(result) == ["fine"]
    (error,) = result.errors
    assert error.code == "AccessDeniedException"
    assert error.model_arn == denied
    assert error.model_name == "locked"
    assert error.region == "us-east-1"
    assert error.account_id == ACCOUNT
    assert error.message.startswith(f"us-east-1: GetCustomModel {denied}: AccessDeniedException:")
    assert "bedrock:GetCustomModel on this resource" in error.message  # one line
    assert "\n" not in error.message


def test_model_deleted_between_list_and_get(moto: None) -> None:
    seed_model("stays")
    gone = seed_model("gone")
    recorder = Recorder()

    def delete_after_listing(**_: Any) -> None:
        moto_bedrock.current().delete_model("gone")  # moto's DeleteCustomModel

    def factory(profile: str | None) -> boto3.session.Session:
        session = recorder(profile)
        session.events.register("after-call.bedrock.ListCustomModels", delete_after_listing)
        return session

    result = fetch_models(factory, profile=None, regions=(), model_ids=(),
                          needs=frozenset(), workers=2, max_attempts=1)
    assert names(result) == ["stays"]
    assert [(e.code, e.model_arn) for e in result.errors] == [
        ("ResourceNotFoundException", gone)]


def test_region_denied_other_regions_continue(moto: None) -> None:
    seed_model("east", "us-east-1")
    seed_model("west", "eu-west-1")
    recorder = Recorder(faults=[deny("ListCustomModels", region="us-east-1")])
    result = fetch(recorder, regions=["us-east-1", "eu-west-1"])
    assert names(result) == ["west"]
    (error,) = result.errors
    assert (error.code, error.region, error.model_arn, error.model_name) == (
        "AccessDeniedException", "us-east-1", None, None)
    assert error.message.startswith("us-east-1: ListCustomModels: AccessDeniedException: User:")
    assert result.regions == ("eu-west-1",)  # only what was actually read


def test_unreachable_region(moto: None) -> None:
    seed_model("east", "us-east-1")

    def unreachable(op: str, region: str, request: Any) -> AWSResponse | None:
        if region == "xx-nowhere-1":
            raise EndpointConnectionError(endpoint_url=request.url)
        return None

    recorder = Recorder(faults=[unreachable])
    # A region botocore does not know is refused before any call unless it is allowed
    # (test_invalid_region_name); allowed, an endpoint that cannot be reached is its error.
    result = fetch(recorder, regions=["xx-nowhere-1", "us-east-1"], max_attempts=1,
                   allow_regions=("xx-nowhere-1",))
    assert names(result) == ["east"]
    (error,) = result.errors
    assert error.code == "EndpointConnectionError"
    assert error.region == "xx-nowhere-1"
    assert error.message.startswith("xx-nowhere-1: ListCustomModels: EndpointConnectionError:")
    assert "is it offered there?" in error.message


def test_invalid_region_name(moto: None) -> None:
    """A region name that is not one is refused when the read is asked for, before any AWS
    call, with a suggestion: not an error found after retrying a missing endpoint."""
    seed_model("east", "us-east-1")
    recorder = Recorder()
    with pytest.raises(UsageError, match=r"^--region: 'us east 1' is not a region name "
                                         r"\(did you mean 'us-east-1'\?\)"):
        fetch(recorder, regions=["us east 1", "us-east-1"])
    with pytest.raises(UsageError, match=r"--region: 'us-east1' .*did you mean 'us-east-1'"):
        fetch(recorder, regions=["us-east1"])
    assert recorder.calls == {}


def test_throttled_past_the_retries(moto: None, quick_retries: int) -> None:
    seed_model("calm")
    seed_model("busy")

    def throttle(op: str, region: str, request: Any) -> AWSResponse | None:
        if op == "GetCustomModel" and "busy" in unquote(request.url):
            return aws_error(request.url, 429, "ThrottlingException", "Rate exceeded")
        return None

    recorder = Recorder(faults=[throttle])
    result = fetch(recorder, max_attempts=3)
    assert names(result) == ["calm"]
    (error,) = result.errors
    assert error.code == "ThrottlingException"
    assert "GetCustomModel" in error.message and "busy" in error.message
    # 1 + 2 retries for the throttled model, 1 for the calm one.
    assert recorder.calls["GetCustomModel"] == 4


# -- --model ----------------------------------------------------------------------------


def test_model_ids_by_name_and_arn(moto: None) -> None:
    seed_model("a")
    seed_model("b")
    west = seed_model("w", "eu-west-1")
    recorder = Recorder()
    # The ARN's region is used even though only us-east-1 is given.
    result = fetch(recorder, regions=["us-east-1"], model_ids=["a", west, "a"])
    assert names(result) == ["a", "w"]
    assert recorder.calls["ListCustomModels"] == 0
    assert recorder.calls["GetCustomModel"] == 2
    assert result.regions == ("us-east-1", "eu-west-1")
    assert result.errors == ()


def test_model_id_only_arns_need_no_region(moto: None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    arn = seed_model("w", "eu-west-1")
    result = fetch(Recorder(), model_ids=[arn])
    assert names(result) == ["w"]


def test_missing_model_id_is_an_error(moto: None) -> None:
    seed_model("real")
    result = fetch(Recorder(), model_ids=["real", "ghost"])
    assert names(result) == ["real"]
    (error,) = result.errors
    assert (error.code, error.model_name, error.model_arn, error.region) == (
        "ResourceNotFoundException", "ghost", None, "us-east-1")
    assert error.message.startswith("us-east-1: GetCustomModel ghost: ResourceNotFoundException")


def test_model_name_in_one_of_several_regions(moto: None) -> None:
    seed_model("only-west", "eu-west-1")
    result = fetch(Recorder(), regions=["us-east-1", "eu-west-1"],
                   model_ids=["only-west", "nowhere"])
    assert names(result) == ["only-west"]
    assert sorted((e.code, e.model_name, e.region) for e in result.errors) == [
        ("ResourceNotFoundException", "nowhere", "eu-west-1"),
        ("ResourceNotFoundException", "nowhere", "us-east-1"),
    ]


def test_model_id_owner_account_when_needed(moto: None) -> None:
    arn = seed_model("a")

    def add_owner(parsed: dict[str, Any], **_: Any) -> None:
        for summary in parsed.get("modelSummaries", []):
            summary["ownerAccountId"] = ACCOUNT

    recorder = Recorder()

    def factory(profile: str | None) -> boto3.session.Session:
        session = recorder(profile)
        session.events.register("after-call.bedrock.ListCustomModels", add_owner)
        return session

    other = seed_model("b")
    result = fetch_models(factory, profile=None, regions=(), model_ids=[arn, other],
                          needs=frozenset({"ownerAccountId"}), workers=2, max_attempts=1)
    assert [m.document["ownerAccountId"] for m in result.models] == [ACCOUNT, ACCOUNT]
    assert recorder.calls["ListCustomModels"] == 1  # once per region, not per model
    # Without the summary field (moto as is) the key stays absent and says why.
    result = fetch(Recorder(), model_ids=[arn], needs=frozenset({"ownerAccountId"}))
    assert "ownerAccountId" not in result.models[0].document
    assert result.models[0].enrichment_errors["ownerAccountId"][0] == "NotListed"


# -- whole-run failures -----------------------------------------------------------------


def test_no_credentials(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SourceError, match=r"^no AWS credentials found"):
        fetch(Recorder())


def test_unknown_profile(moto: None) -> None:
    recorder = Recorder()
    with pytest.raises(SourceError, match=r"^AWS profile 'nope' not found"):
        fetch(recorder, profile="nope")
    assert recorder.profiles == ["nope"]


def test_profile_is_used(moto: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    config = tmp_path / "config"
    config.write_text("[profile audit]\nregion = eu-west-1\n"
                      "aws_access_key_id = a\naws_secret_access_key = b\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # else it would win over the profile's region
    seed_model("west", "eu-west-1")
    recorder = Recorder()
    result = fetch(recorder, profile="audit")
    assert recorder.profiles == ["audit"]
    assert names(result) == ["west"]


def test_no_region(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(SourceError, match=r"^no AWS region"):
        fetch(Recorder())
    with pytest.raises(SourceError, match=r"^no AWS region for model 'by-name'"):
        fetch(Recorder(), model_ids=["by-name"])


@pytest.mark.parametrize(("option", "value"), [
    pytest.param("workers", 0, id="no-workers"),
    pytest.param("max_attempts", 0, id="no-attempts"),
])
def test_bad_numbers(moto: None, option: str, value: int) -> None:
    with pytest.raises(SourceError, match=option.replace("_", "-")):
        fetch(Recorder(), **{option: value})


# -- client settings and concurrency ----------------------------------------------------


def test_client_config(moto: None) -> None:
    seed_model("a")
    recorder = Recorder()
    fetch(recorder, workers=40, max_attempts=7, connect_timeout=3, read_timeout=9)
    config = recorder.configs[0]
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert (config.connect_timeout, config.read_timeout) == (3, 9)
    assert config.max_pool_connections >= 40


def test_endpoint_from_standard_settings(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK", "http://bedrock.example.test:4566")
    recorder = Recorder(faults=[lambda op, region, request: aws_error(
        request.url, 403, "AccessDeniedException", "no")])
    fetch(recorder, max_attempts=1)
    assert recorder.requests[0][1].startswith("http://bedrock.example.test:4566/custom-models")


def test_concurrency_is_bounded_and_used(moto: None) -> None:
    for i in range(24):
        seed_model(f"m{i}")
    recorder = Recorder(delay=0.02)
    result = fetch(recorder, workers=3)
    assert len(result.models) == 24
    assert 1 < recorder.max_in_flight <= 3
