"""Property: whatever JSON comes back in place of a ``GetCustomModel`` body, the run judges
the model as the document says or reports the model as an error; never a pass for a
document without the ARN that was asked for.

In-process: a real boto3 session whose ``before-send`` hook answers every request (no
network), so botocore parses each generated body exactly as it would a real one; the
listing names one model, the Get answers with the generated document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from checker.engine.evaluate import evaluate
from checker.results import Scanned
from checker.sources.aws import fetch_models
from tests.support import fake_aws_env, policy_from

ACCOUNT = "123456789012"
REGION = "us-east-1"
ASKED = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/asked"
OTHER = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/other"
BASE = f"arn:aws:bedrock:{REGION}::foundation-model/amazon.titan-text-express-v1:0:8k"
SUMMARY = {"modelArn": ASKED, "modelName": "asked", "creationTime": "2026-01-01T00:00:00Z",
           "baseModelArn": BASE, "baseModelName": "Titan"}
POLICY = policy_from({"version": 1, "name": "p", "rules": [
    {"id": "base", "base_model": {"allowed": ["amazon.titan-text-express-v1*"]}},
    {"id": "out", "require": {"field": "outputDataConfig.s3Uri", "matches": "s3://ok/.*"}},
]})

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=12)
MEMBERS = ["modelArn", "modelName", "creationTime", "baseModelArn", "customizationType",
           "hyperParameters", "trainingDataConfig", "outputDataConfig", "trainingMetrics",
           "validationMetrics", "modelKmsKeyArn", "modelStatus", "jobArn"]
plausible = {
    "modelArn": st.sampled_from([ASKED, OTHER, "asked", ""]),
    "modelName": st.sampled_from(["asked", "other"]),
    "creationTime": st.sampled_from(["2026-01-01T00:00:00Z", 1767225600, "yesterday"]),
    "baseModelArn": st.sampled_from([BASE, "arn:aws:bedrock:us-east-1::foundation-model/x"]),
    "outputDataConfig": st.sampled_from([{"s3Uri": "s3://ok/out/"}, {"s3Uri": "s3://no/"},
                                         {}]),
}
# GetCallerIdentity's answer (STS's query protocol answers in XML).
STS_IDENTITY = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b"<GetCallerIdentityResult><Arn>arn:aws:iam::" + ACCOUNT.encode() + b":user/t</Arn>"
    b"<UserId>AIDAEXAMPLE</UserId><Account>" + ACCOUNT.encode() + b"</Account>"
    b"</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId>"
    b"</ResponseMetadata></GetCallerIdentityResponse>")
VALID = {"modelArn": ASKED, "modelName": "asked", "creationTime": "2026-01-01T00:00:00Z",
         "baseModelArn": BASE, "outputDataConfig": {"s3Uri": "s3://ok/out/"}}


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document with a few members replaced, added or dropped."""
    document: dict[str, Any] = dict(VALID)
    for _ in range(draw(st.integers(0, 2))):
        name = draw(st.sampled_from(MEMBERS))
        if draw(st.booleans()):
            document.pop(name, None)
        else:
            document[name] = draw(st.one_of(plausible.get(name, json_values), json_values))
    return document


documents = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={
        name: st.one_of(plausible.get(name, json_values), json_values) for name in MEMBERS}),
    mutated(),
)


class Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class Bedrock:
    """Answers the listing with one summary and the Get with ``self.body``.

    One boto3 session serves every example (each run still makes its own clients, which
    parse the answers): a new session per example loaded botocore's endpoint and service
    data again each time, some 0.1 s of CPU per example that judged nothing."""

    def __init__(self) -> None:
        self.body = b"{}"
        self.sessions: dict[str | None, boto3.session.Session] = {}

    def session(self, profile: str | None) -> boto3.session.Session:
        if profile not in self.sessions:
            session = boto3.session.Session(profile_name=profile)
            session.events.register("before-send.bedrock", self.answer)
            # The run asks STS for its account when a model's own ARN does not say it; left
            # to the real endpoint, each such example waited for a name lookup to fail.
            session.events.register("before-send.sts", self.caller)
            self.sessions[profile] = session
        return self.sessions[profile]

    def caller(self, request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, 200, {"Content-Type": "text/xml"}, Body(STS_IDENTITY))

    def answer(self, request: Any, **kwargs: Any) -> AWSResponse:
        operation = kwargs["event_name"].split(".")[-1]
        body = json.dumps({"modelSummaries": [SUMMARY]}).encode() \
            if operation == "ListCustomModels" else self.body
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, Body(body))


@pytest.fixture(scope="module")
def bedrock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bedrock]:
    patch = pytest.MonkeyPatch()
    fake_aws_env(patch, Path(tmp_path_factory.mktemp("aws")))
    yield Bedrock()
    patch.undo()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents)
@example(document=VALID)
@example(document=VALID | {"baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/x"})
@example(document=VALID | {"modelArn": OTHER})
@example(document=VALID | {"trainingMetrics": {"trainingLoss": "fast"}})
def test_any_document_is_judged_as_it_says_or_an_error(bedrock: Bedrock, document: Any) -> None:
    bedrock.body = json.dumps(document).encode()
    result = fetch_models(bedrock.session, profile=None, regions=[REGION], model_ids=[],
                          needs=frozenset(), workers=2, max_attempts=1)
    report = evaluate([POLICY], result.models, scanned=Scanned(("aws",), (), (REGION,)),
                      source_errors=result.errors)
    assert len(result.models) + len(result.errors) == 1
    if result.errors:
        (error,) = result.errors
        assert error.model_arn == ASKED
        assert error.message.startswith(f"{REGION}: GetCustomModel {ASKED}: ")
        assert report.exit_code == 2 and report.models == ()
        return
    # Judged: only a document of the model asked for, as its own fields say.
    assert isinstance(document, dict) and document["modelArn"] == ASKED
    (model,) = report.models
    assert model.model.arn == ASKED
    expected = "pass" if (document.get("baseModelArn") == BASE and str(
        (document.get("outputDataConfig") or {}).get("s3Uri", "")).startswith("s3://ok/")) \
        else None
    if expected == "pass":
        assert model.result == "pass"
    else:
        assert model.result != "pass"
