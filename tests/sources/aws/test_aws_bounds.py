"""The bounds of the live source, unit by unit: pages, request and run deadlines, the
shape check of a body."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import botocore.session
import pytest

from checker.sources.aws import deadlines as deadlines_module
from checker.sources.aws import paging
from checker.sources.aws.deadlines import (
    Deadlines,
    DeadlineSession,
    RequestTimedOut,
    RunTimedOut,
    SenderPool,
    bound_client,
)
from checker.sources.aws.paging import EndlessListing, list_pages
from checker.sources.aws.responses import MalformedResponse, check_body

BEDROCK = botocore.session.get_session().get_service_model("bedrock")


class Pages:
    def __init__(self, tokens: list[str | None]) -> None:
        self.tokens = tokens
        self.calls: list[dict[str, Any]] = []

    def list_custom_models(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        token = self.tokens[len(self.calls) - 1]
        page: dict[str, Any] = {"modelSummaries": []}
        if token is not None:
            page["nextToken"] = token
        return page


def test_pages_follow_tokens_until_there_is_none() -> None:
    client = Pages(["a", "b", None])
    assert len(list(list_pages(client, "list_custom_models"))) == 3
    assert [c.get("nextToken") for c in client.calls] == [None, "a", "b"]
    assert all(c["maxResults"] == 1000 for c in client.calls)


def test_a_cycle_of_tokens_stops_at_the_first_token_seen_before() -> None:
    client = Pages(["t1", "t2", "t1", "t2"])
    with pytest.raises(EndlessListing, match="nextToken 't1' came back after 3 pages"):
        list(list_pages(client, "list_custom_models"))
    assert len(client.calls) == 3


def test_endless_tokens_stop_at_the_page_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "MAX_PAGES", 5)
    client = Pages([f"t{i}" for i in range(100)])
    with pytest.raises(EndlessListing, match="still a nextToken after 5 pages"):
        list(list_pages(client, "list_custom_models"))
    assert len(client.calls) == 5


class Slow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.sent = 0

    def send(self, request: Any) -> str:
        self.sent += 1
        time.sleep(self.seconds)
        return "answer"


def test_a_request_ends_at_its_deadline_however_slowly_it_arrives() -> None:
    session = DeadlineSession(Slow(5), Deadlines(request=0.3))
    started = time.monotonic()
    with pytest.raises(RequestTimedOut, match=r"no complete answer within 0\.3 s"):
        session.send(object())
    assert time.monotonic() - started < 1.5
    assert DeadlineSession(Slow(0), Deadlines(request=1)).send(object()) == "answer"


def test_the_run_deadline_cuts_a_request_short_and_refuses_the_next() -> None:
    deadlines = Deadlines.start(connect_timeout=5, read_timeout=30, run_seconds=0.3)
    slow = Slow(5)
    session = DeadlineSession(slow, deadlines)
    started = time.monotonic()
    with pytest.raises(RunTimedOut, match=r"--timeout of 0\.3 s expired"):
        session.send(object())
    assert time.monotonic() - started < 1.5
    with pytest.raises(RunTimedOut):
        session.send(object())
    assert slow.sent == 1  # the second was never sent


def test_errors_of_the_send_reach_the_caller() -> None:
    class Failing:
        def send(self, request: Any) -> None:
            raise ConnectionResetError("reset by peer")

    with pytest.raises(ConnectionResetError):
        DeadlineSession(Failing(), Deadlines(request=1)).send(object())
    assert threading.active_count() < 50


class Threads:
    """Records which thread sent each attempt; sleeps as long as the request says."""

    def __init__(self) -> None:
        self.senders: list[int] = []

    def send(self, request: float) -> str:
        self.senders.append(threading.get_ident())
        time.sleep(request)
        return "answer"


def test_senders_are_reused_but_never_one_that_was_given_up_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Attempts one after another share one sender thread; an attempt the worker gave up on
    keeps its thread out of the pool, so the next attempt never waits behind a slow one; an
    idle sender ends by itself, so a warm process (a Lambda sandbox) keeps none."""
    monkeypatch.setattr(deadlines_module, "SENDER_IDLE_SECONDS", 0.3)
    inner = Threads()
    session = DeadlineSession(inner, Deadlines(request=0.5))
    assert [session.send(0) for _ in range(5)] == ["answer"] * 5
    assert len(set(inner.senders)) == 1
    with pytest.raises(RequestTimedOut):
        session.send(3)  # its sender stays busy for 3 s
    started = time.monotonic()
    assert session.send(0) == "answer"
    assert time.monotonic() - started < 0.4
    busy, last = inner.senders[-2], inner.senders[-1]
    assert last != busy
    time.sleep(0.8)
    assert session.deadlines.senders.idle == []  # the idle sender ended


def test_senders_given_up_on_never_multiply_threads() -> None:
    """An endpoint that never answers: each attempt is given up on at its deadline, and once
    the run's senders are all waiting on it, the next attempts wait for one (and time out)
    instead of starting more threads. The run slows down; its threads stay bounded."""
    pool = SenderPool(workers=2)
    session = DeadlineSession(Slow(3), Deadlines(request=0.1, senders=pool))
    before = threading.active_count()
    for _ in range(3 * pool.limit):
        with pytest.raises(RequestTimedOut):
            session.send(object())
    assert pool.started == pool.limit == 2 + deadlines_module.SPARE_SENDERS
    assert threading.active_count() - before <= pool.limit


def test_one_pool_of_senders_serves_every_client_of_a_run() -> None:
    deadlines = Deadlines.start(connect_timeout=1, read_timeout=1, run_seconds=None,
                                workers=3)
    inner = Threads()
    first, second = DeadlineSession(inner, deadlines), DeadlineSession(Threads(), deadlines)
    assert first.send(0) == second.send(0) == "answer"
    assert deadlines.senders.started == 1  # the second client reused the first's sender
    assert deadlines.senders.limit == 3 + deadlines_module.SPARE_SENDERS


def test_real_clients_can_be_bounded() -> None:
    """Fails if botocore moves the HTTP session the deadline wraps."""
    client = boto3.client("bedrock", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    bound_client(client, Deadlines(request=1))
    assert isinstance(client._endpoint.http_session, DeadlineSession)
    bound_client(client, Deadlines(request=1))  # once only
    assert not isinstance(client._endpoint.http_session.inner, DeadlineSession)


GET = BEDROCK.operation_model("GetCustomModel")
DOC = (b'{"modelArn": "arn:aws:bedrock:us-east-1:1:custom-model/m", "modelName": "m", '
       b'"creationTime": 1767225600')


@pytest.mark.parametrize(("tail", "problem"), [
    (b"}", None),
    (b', "trainingMetrics": {"trainingLoss": "NaN"}}', None),
    (b', "trainingMetrics": {"trainingLoss": 1}}', None),
    (b', "hyperParameters": {"a": "1"}, "unknownMember": [1, {}]}', None),
    (b', "modelKmsKeyArn": null}', None),
    (b', "customizationConfig": {"rftConfig": {"hyperParameters": {"epochCount": true}}}}',
     "customizationConfig.rftConfig.hyperParameters.epochCount is a boolean, not an integer"),
    (b', "customizationConfig": {"rftConfig": {"hyperParameters": {"epochCount": 1.5}}}}',
     "epochCount is a number, not an integer"),
    (b', "hyperParameters": {"a": 1}}', "hyperParameters.a is a number, not a string"),
    (b', "jobName": "\\ud83d\\ude00"}', None),
    (b', "jobName": "x\\ud800"}', "a string holds a lone surrogate"),
    (b', "validationDataConfig": {"validators": {}}}', "validators is an object, not a list"),
    (b', "trainingMetrics": {"trainingLoss": true}}', "trainingLoss is a boolean, not a number"),
])
def test_a_body_is_checked_against_the_output_shape(tail: bytes, problem: str | None) -> None:
    if problem is None:
        check_body(GET, DOC + tail)
    else:
        with pytest.raises(MalformedResponse, match=problem):
            check_body(GET, DOC + tail)


def test_required_members_of_the_document_are_required() -> None:
    with pytest.raises(MalformedResponse, match=r"^creationTime is missing"):
        check_body(GET, b'{"modelArn": "a", "modelName": "m"}')
    with pytest.raises(MalformedResponse, match="the body is not UTF-8"):
        check_body(GET, b'{"modelName": "\xff"}')
    with pytest.raises(MalformedResponse, match="truncated: 3 of 10 bytes"):
        check_body(GET, b'{"m', {"content-length": "10"})
