"""Throttled requests that botocore drops once a client's retry quota is spent are retried.

botocore gives every client one retry budget (500 tokens, 5 per throttled retry) shared by
all its threads; a burst of about 100 throttled requests in flight (many --workers against
one account and region) empties it, and botocore then fails throttled requests without a
single retry. The benchmark (benchmarks/scale_benchmark.py quota --setting 128) shows models
left unjudged without this handler. These tests pin the handler's decisions and that every
client the live source makes has it.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config

from checker.sources.aws.accounts import AccountSpec
from checker.sources.aws.clients import Clients as _Clients
from checker.sources.aws.clients import resend_throttled
from checker.sources.aws.regions import Account as _Account


def response(code: str, *, quota_reached: bool) -> tuple[Any, dict[str, Any]]:
    metadata: dict[str, Any] = {"HTTPStatusCode": 429}
    if quota_reached:
        metadata["RetryQuotaReached"] = True
    return (None, {"Error": {"Code": code, "Message": "slow down"},
                   "ResponseMetadata": metadata})


@pytest.mark.parametrize(("resp", "attempts", "retried"), [
    (response("ThrottlingException", quota_reached=True), 1, True),
    (response("TooManyRequestsException", quota_reached=True), 3, True),
    (response("ThrottlingException", quota_reached=True), 10, False),   # attempts used up
    (response("ThrottlingException", quota_reached=False), 1, False),   # botocore's own case
    (response("AccessDeniedException", quota_reached=True), 1, False),  # not throttling
    (None, 1, False),                                                   # a connection error
], ids=["throttled, quota spent", "too many requests", "last attempt", "quota left",
        "not a throttle", "no response"])
def test_handler_decisions(resp: Any, attempts: int, retried: bool) -> None:
    delay = resend_throttled(10)(response=resp, attempts=attempts)
    if retried:
        assert delay is not None and 0 <= delay <= min(2.0 ** (attempts - 1), 20.0)
    else:
        assert delay is None


def test_every_client_has_the_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = boto3.session.Session(region_name="us-east-1")
    account = _Account(index=0, spec=AccountSpec(profile=None), session=session, regions=[],
                       all_regions=False, account_id=None, label=None)
    clients = _Clients(Config(retries={"mode": "adaptive", "total_max_attempts": 4}), 4)
    client = clients.get(account, "bedrock", "us-east-1")
    answers = client.meta.events.emit(
        "needs-retry.bedrock.GetCustomModel",
        response=response("ThrottlingException", quota_reached=True), attempts=2,
        endpoint=None, operation=client.meta.service_model.operation_model("GetCustomModel"),
        caught_exception=None, request_dict={"context": {}})
    ours = [result for handler, result in answers
            if getattr(handler, "__qualname__", "").startswith("resend_throttled")]
    # Registered once, after botocore's own handlers, and it answers with a back-off.
    assert len(ours) == 1 and ours[0] is not None and 0 <= ours[0] <= 2.0
    assert getattr(answers[-1][0], "__qualname__", "").startswith("resend_throttled")


def test_every_client_counts_max_attempts_the_same_way() -> None:
    """--max-attempts N is N calls at most, first included, for the read clients and for
    publish alike (botocore's own ``max_attempts`` would count only the retries)."""
    from checker.publish.securityhub import _Publisher
    from checker.sources.aws.clients import client_config

    publisher = _Publisher(lambda profile: None, profile=None, accounts=(),  # type: ignore[arg-type,return-value]
                           role_session_name="s", max_attempts=3)
    assert publisher.config.retries == {"mode": "adaptive", "total_max_attempts": 3}
    assert client_config(7, pool=40).retries == {"mode": "adaptive", "total_max_attempts": 7}
    assert client_config(7, pool=40).max_pool_connections == 40


def test_assumed_role_accounts_share_a_client_but_each_has_its_own_rate_limiter(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts read through a role share one client per service and region; each keeps its
    own adaptive rate limiter (AWS throttles per account), and the shared client's requests
    are signed with the account's own credentials, never with the client's."""
    from botocore.credentials import Credentials

    from checker.sources.aws.clients import AccountClient, NotSigned

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = boto3.session.Session(region_name="us-east-1")
    clients = _Clients(Config(retries={"mode": "adaptive", "total_max_attempts": 4}), 4)
    first, second = (_Account(index=i, spec=AccountSpec(role_arn=f"arn:aws:iam::{i:012d}:role/r"),
                              session=session, regions=[], all_regions=False,
                              account_id=f"{i:012d}", label=None,
                              signer=Credentials(f"KEY{i}", "secret"))
                     for i in (1, 2))
    a, b = clients.get(first, "bedrock", "us-east-1"), clients.get(second, "bedrock", "us-east-1")
    assert isinstance(a, AccountClient) and isinstance(b, AccountClient)
    assert a.client is b.client
    assert clients.made == 1
    assert a.client.meta.config.retries["mode"] == "standard"  # the limiter is per account
    assert a.acting.limiter is not b.acting.limiter
    assert clients.get(first, "bedrock", "us-east-1").acting.limiter is a.acting.limiter
    signed: list[str] = []

    def capture(request: Any, **_: Any) -> None:
        signed.append(str(request.headers.get("Authorization", "")))
        raise RuntimeError("not sent")

    a.client.meta.events.register("before-send", capture)
    for client in (a, b):
        with pytest.raises(RuntimeError, match="not sent"):
            client.list_custom_models()
    assert "Credential=KEY1/" in signed[0] and "Credential=KEY2/" in signed[1]
    with pytest.raises(NotSigned):  # the shared client itself signs for no account
        a.client.list_custom_models()
