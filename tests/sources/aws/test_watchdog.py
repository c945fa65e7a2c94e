"""Attempts sent from the worker's own thread, ended at their deadlines by the run's one
watchdog thread: real botocore clients against the misbehaving stand-in (plain HTTP, TLS, an
HTTP proxy, a connection that is never accepted), the watchdog on its own, and the fallback
to sender threads when botocore's session is not what the watchdog relies on."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError
from botocore.httpsession import URLLib3Session

from checker.sources.aws import watchdog as watchdog_module
from checker.sources.aws.deadlines import (
    Deadlines,
    DeadlineSession,
    RequestTimedOut,
    RunTimedOut,
    bound_client,
)
from checker.sources.aws.watchdog import (
    Watchdog,
    WatchedHTTPConnectionPool,
    WatchedHTTPSConnectionPool,
    watch,
)
from tests.support.hostile_bedrock import FAULT_REGION, hostile_bedrock


def client(endpoint: str, deadlines: Deadlines, **options: Any) -> Any:
    """A Bedrock client of the stand-in, bounded by ``deadlines``: one attempt per call (a
    deadline is never retried anyway), a read timeout longer than any test."""
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=30,
                    connect_timeout=options.pop("connect_timeout", 5),
                    proxies=options.pop("proxies", None))
    made = boto3.session.Session().client(
        "bedrock", region_name=FAULT_REGION, endpoint_url=endpoint, aws_access_key_id="x",
        aws_secret_access_key="x", config=config, **options)
    bound_client(made, deadlines)
    return made


def seconds_to_fail(bedrock: Any, error: type[Exception] = RequestTimedOut,
                    match: str | None = None) -> float:
    """How long asking the stand-in for the model it trickles takes to end in ``error``."""
    started = time.monotonic()
    with pytest.raises(error, match=match):
        bedrock.get_custom_model(modelIdentifier="bad")
    return time.monotonic() - started


def test_a_trickle_is_cut_at_its_deadline_from_the_workers_own_thread() -> None:
    """One byte every 0.2 s, a deadline of 0.5 s: the watchdog shuts the socket down at the
    deadline, the worker's read returns at once, and the attempt is RequestTimedOut (not a
    short answer, nor an error botocore would retry). No thread but the watchdog is started, and the
    client's next read, on a new connection, is answered."""
    deadlines = Deadlines(request=0.5)
    before = set(threading.enumerate())
    with hostile_bedrock("trickle") as server:
        bedrock = client(server.url, deadlines)
        assert bedrock._endpoint.http_session.watched
        started = time.monotonic()
        with pytest.raises(RequestTimedOut, match=r"no complete answer within 0.5 s") as caught:
            bedrock.get_custom_model(modelIdentifier="bad")
        elapsed = time.monotonic() - started
        started_here = [t for t in set(threading.enumerate()) - before
                        if not t.name.endswith(("(serve_forever)", "(process_request_thread)"))]
        assert started_here == [deadlines.watchdog.thread]  # and none per attempt
        good = bedrock.get_custom_model(modelIdentifier="good-1")
    assert 0.5 <= elapsed < 1.5, elapsed
    # urllib3 returned the bytes read before the cut as if they were the body (botocore
    # does not enforce Content-Length): never taken for an answer.
    assert not isinstance(caught.value.__cause__, ConnectionClosedError)
    assert good["modelName"] == "good-1"
    assert deadlines.watchdog.started == 1 and deadlines.watchdog.cut == 1
    assert deadlines.senders.started == 0
    assert not deadlines.watchdog.attempts  # nothing kept of the ended attempts


def test_the_run_deadline_cuts_a_trickle_short() -> None:
    deadlines = Deadlines.start(connect_timeout=5, read_timeout=30, run_seconds=0.5)
    with hostile_bedrock("trickle") as server:
        bedrock = client(server.url, deadlines)
        elapsed = seconds_to_fail(bedrock, RunTimedOut, r"--timeout of 0.5 s expired")
        with pytest.raises(RunTimedOut):  # the next is never sent
            bedrock.get_custom_model(modelIdentifier="good-1")
        asked = [path for _, path in server.requests]
    assert elapsed < 1.5, elapsed
    assert asked == ["/custom-models/bad"]


def test_kept_alive_connections_serve_many_attempts_uncut() -> None:
    deadlines = Deadlines(request=5.0)
    with hostile_bedrock("none") as server:
        bedrock = client(server.url, deadlines)
        names = [bedrock.get_custom_model(modelIdentifier=name)["modelName"]
                 for name in ("good-1", "good-2") * 10]
    assert names == ["good-1", "good-2"] * 10
    assert deadlines.watchdog.cut == 0 and not deadlines.watchdog.attempts
    assert deadlines.senders.started == 0


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_a_trickle_over_tls_is_cut_at_its_deadline(tmp_path: Path) -> None:
    """As AWS is read: HTTPS. The socket is shut down below TLS, and the next read makes a
    new TLS connection."""
    cert, key = self_signed(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    deadlines = Deadlines(request=0.5)
    with hostile_bedrock("trickle", tls=tls) as server:
        assert server.url.startswith("https://")
        bedrock = client(server.url, deadlines, verify=str(cert))
        elapsed = seconds_to_fail(bedrock)
        assert bedrock.get_custom_model(modelIdentifier="good-2")["modelName"] == "good-2"
    assert 0.5 <= elapsed < 1.5, elapsed
    assert deadlines.watchdog.cut == 1 and deadlines.senders.started == 0


def test_a_trickle_through_an_http_proxy_is_cut_at_its_deadline() -> None:
    """The stand-in as a forwarding proxy for an http endpoint: the proxy's connections are
    watched too (botocore's proxy managers share its pool classes)."""
    deadlines = Deadlines(request=0.5)
    with hostile_bedrock("trickle") as server:
        bedrock = client("http://bedrock.proxied.test", deadlines,
                         proxies={"http": server.url})
        session = bedrock._endpoint.http_session.inner
        elapsed = seconds_to_fail(bedrock)
        assert bedrock.get_custom_model(modelIdentifier="good-1")["modelName"] == "good-1"
    assert 0.5 <= elapsed < 1.5, elapsed
    (proxy_manager,) = session._proxy_managers.values()
    assert proxy_manager.pool_classes_by_scheme["http"] is WatchedHTTPConnectionPool
    assert deadlines.watchdog.cut == 1 and deadlines.senders.started == 0


@pytest.fixture
def never_accepted() -> Iterator[str]:
    """An endpoint whose queue of connections is full: a new connection is never made."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        filler.close()
        listener.close()


def test_a_connection_being_made_at_the_deadline_is_given_only_the_time_left(
        never_accepted: str) -> None:
    """A connect timeout of 60 s, a deadline of 0.5 s: the connection is not waited for past
    the deadline (there is no socket to cut yet, so the connect is given the time left)."""
    deadlines = Deadlines(request=0.5)
    bedrock = client(never_accepted, deadlines, connect_timeout=60)
    started = time.monotonic()
    with pytest.raises(RequestTimedOut):
        bedrock.get_custom_model(modelIdentifier="good-1")
    assert 0.45 <= time.monotonic() - started < 1.5


def test_the_watchdog_cuts_a_blocked_read_and_only_its_attempts() -> None:
    """A read blocked on a socket returns at its attempt's deadline; a connection given to a
    later attempt meanwhile (a kept-alive connection back in the pool) is that attempt's, and
    is not cut at the earlier one's deadline."""
    watchdog = Watchdog()
    mine, theirs = socket.socketpair()
    conn = types.SimpleNamespace(sock=mine)
    attempt = watchdog.begin(0.3)
    watchdog.given(conn)
    started = time.monotonic()
    assert mine.recv(10) == b""  # the watchdog shut it down
    assert 0.25 <= time.monotonic() - started < 1.0
    watchdog.end(attempt)
    assert attempt.expired and attempt.past() and watchdog.cut == 1

    other, peer = socket.socketpair()
    shared = types.SimpleNamespace(sock=other)
    first = watchdog.begin(0.2)
    watchdog.given(shared)
    later: list[Any] = []

    def take_it() -> None:
        later.append(watchdog.begin(30))
        watchdog.given(shared)

    taker = threading.Thread(target=take_it)
    taker.start()
    taker.join()
    time.sleep(0.4)
    assert first.expired and watchdog.cut == 1  # past its deadline, its socket not cut
    peer.sendall(b"x")
    assert other.recv(1) == b"x"
    watchdog.end(first)
    watchdog.end(later[0])
    assert not watchdog.attempts
    for sock in (mine, theirs, other, peer):
        sock.close()


def test_an_idle_watchdog_ends_and_the_next_attempt_starts_it_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watchdog_module, "WATCHDOG_IDLE_SECONDS", 0.2)
    watchdog = Watchdog()
    watchdog.end(watchdog.begin(5))
    thread = watchdog.thread
    assert thread is not None
    thread.join(timeout=2)
    assert not thread.is_alive() and watchdog.thread is None
    watchdog.end(watchdog.begin(5))
    assert watchdog.started == 2


def test_without_what_the_watchdog_relies_on_the_sender_threads_bound_the_attempt(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A botocore whose session lacks the pool classes the watchdog replaces (or a urllib3
    without the methods it overrides): the session is left as it is, and each attempt is
    sent from a sender thread that the worker gives up on at the deadline, as before."""
    plain = URLLib3Session()
    del plain._pool_classes_by_scheme
    assert not watch(plain)
    monkeypatch.setattr(watchdog_module, "_HOOKS", False)
    assert not watch(URLLib3Session())
    deadlines = Deadlines(request=0.5)
    with hostile_bedrock("trickle") as server:
        bedrock = client(server.url, deadlines)
        session = bedrock._endpoint.http_session
        assert not session.watched
        assert session.inner._pool_classes_by_scheme["http"] is not WatchedHTTPConnectionPool
        elapsed = seconds_to_fail(bedrock)
    assert 0.5 <= elapsed < 1.5, elapsed
    assert deadlines.senders.started == 1 and deadlines.watchdog.started == 0


def test_a_session_is_watched_once_and_other_sessions_never() -> None:
    session = URLLib3Session()
    assert watch(session) and watch(session)
    assert session._pool_classes_by_scheme == {"http": WatchedHTTPConnectionPool,
                                               "https": WatchedHTTPSConnectionPool}
    assert not watch(object())
    assert not DeadlineSession(object(), Deadlines(request=1)).watched


def test_every_run_shares_the_process_watchdog() -> None:
    """The organization's listing, the read and the jobs each start their deadlines: one
    watchdog thread serves them all (and tests' own deadlines have their own)."""
    listing = Deadlines.start(connect_timeout=5, read_timeout=30, run_seconds=None)
    read = Deadlines.start(connect_timeout=1, read_timeout=2, run_seconds=60, workers=32)
    assert listing.watchdog is read.watchdog is watchdog_module.WATCHDOG
    assert Deadlines(request=1).watchdog is not watchdog_module.WATCHDOG


def test_a_connection_back_in_the_pool_is_not_cut_at_its_last_attempts_deadline(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib3 puts a kept-alive connection back in the pool as soon as an answer's body is
    read, before the attempt that read it has ended. Another thread's attempt may take it
    (and find it alive) just before the first attempt's deadline passes: the watchdog must
    not shut down the socket that attempt is about to send on."""
    watchdog = Watchdog()
    pool = WatchedHTTPConnectionPool("127.0.0.1", 9, maxsize=1)
    mine, peer = socket.socketpair()
    first = watchdog.begin(0.3)
    conn = pool._get_conn()
    conn.sock = mine  # the kept-alive connection's socket
    pool._put_conn(conn)  # the answer read: back in the pool, the attempt not yet ended
    real_get = watchdog_module.AWSHTTPConnectionPool._get_conn

    def get_then_lose_the_cpu(self: Any, timeout: float | None = None) -> Any:
        got = real_get(self, timeout=timeout)  # taken, and checked alive
        time.sleep(0.5)  # the first attempt's deadline passes before it is given
        return got

    monkeypatch.setattr(watchdog_module.AWSHTTPConnectionPool, "_get_conn",
                        get_then_lose_the_cpu)
    given: list[Any] = []

    def later_attempt() -> None:
        attempt = watchdog.begin(30)
        given.append((attempt, pool._get_conn()))

    taker = threading.Thread(target=later_attempt)
    taker.start()
    taker.join()
    (later, got), = given
    assert got is conn and got.bedrock_attempt is later
    peer.sendall(b"x")
    assert mine.recv(1) == b"x"  # not shut down: the later attempt's socket
    assert watchdog.cut == 0
    watchdog.end(first)
    watchdog.end(later)
    conn.sock = None
    for sock in (mine, peer):
        sock.close()
