"""The deadlines of attempts sent from the workers' own threads: one watchdog thread.

A worker sends its attempt itself, through botocore's ``URLLib3Session`` as usual; the
session's connection pools are botocore's own, subclassed (:func:`watch`) so that the
connection an attempt is given, and every socket it opens, are known to the run's
:class:`Watchdog`. When an attempt passes its deadline the watchdog shuts that socket down
(``shutdown(SHUT_RDWR)``): the read the worker is blocked in returns at once, and
:class:`~checker.sources.aws.deadlines.DeadlineSession` turns whatever urllib3 or botocore
raised, or the short answer it returned, into ``RequestTimedOut`` or ``RunTimedOut``.

A connection being opened when its deadline nears is given no more than the time left as its
connect timeout (which also bounds each read of a TLS handshake); the name lookup before it
is the system resolver's, which no socket can cut.

The process has one watchdog (:data:`WATCHDOG`), shared by every run's deadlines (the
organization's listing, the read, the jobs): its thread starts with the first attempt and
ends once no attempt has been in flight for :data:`WATCHDOG_IDLE_SECONDS`, so a warm process
(a Lambda sandbox) keeps none.
"""

from __future__ import annotations

import _socket
import heapq
import itertools
import math
import socket
import threading
import time
from typing import Any

from botocore.awsrequest import (
    AWSHTTPConnection,
    AWSHTTPConnectionPool,
    AWSHTTPSConnection,
    AWSHTTPSConnectionPool,
)
from botocore.httpsession import URLLib3Session

# The watchdog thread ends after this long with no attempt in flight.
WATCHDOG_IDLE_SECONDS = 5.0
# The least connect timeout a connection opened just before its deadline is given.
LEAST_CONNECT_SECONDS = 0.01

_current = threading.local()  # the attempt this thread is sending, if any


class Attempt:
    """One attempt in flight: its deadline (a ``time.monotonic()`` instant), the connection
    it was given, and whether the watchdog cut it."""

    __slots__ = ("conn", "expired", "live", "until", "watchdog")

    def __init__(self, watchdog: Watchdog, until: float) -> None:
        self.watchdog = watchdog
        self.until = until
        self.conn: Any = None
        self.live = True
        self.expired = False

    def past(self) -> bool:
        """Cut by the watchdog, or at or past its deadline."""
        return self.expired or time.monotonic() >= self.until


class Watchdog:
    """The one thread that ends the attempts past their deadlines.

    The attempts in flight are a heap by deadline: the watchdog sleeps until the first one's,
    and an attempt that ends takes itself, and the ended ones due after it, off the top (the
    attempts of one run come due in about the order they started, so the heap holds about
    as many as are in flight). The thread is woken only for an attempt due before it would
    wake anyway, or when none is left in flight (then it ends after
    :data:`WATCHDOG_IDLE_SECONDS` without one). A run's threads are its workers and this one.
    """

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.attempts: list[tuple[float, int, Attempt]] = []  # a heap
        self.order = itertools.count()
        self.thread: threading.Thread | None = None
        self.idle = False  # the thread waits for an attempt, not for a deadline
        self.wake_at = math.inf  # when it wakes next, unless notified
        self.started = 0  # threads ever started (for tests)
        self.cut = 0  # sockets shut down at a deadline (for tests)

    def begin(self, seconds: float) -> Attempt:
        """An attempt of this thread that must end within ``seconds``."""
        with self.cond:
            attempt = Attempt(self, time.monotonic() + seconds)
            heapq.heappush(self.attempts, (attempt.until, next(self.order), attempt))
            if self.thread is None:
                self.started += 1
                self.wake_at = math.inf  # it looks at the attempts first
                self.thread = threading.Thread(target=self.run, name="bedrock-deadlines",
                                               daemon=True)
                self.thread.start()
            elif attempt.until < self.wake_at:
                self.cond.notify()
        _current.attempt = attempt
        return attempt

    def end(self, attempt: Attempt) -> None:
        _current.attempt = None
        with self.cond:
            attempt.live = False
            conn, attempt.conn = attempt.conn, None
            if conn is not None and getattr(conn, "bedrock_attempt", None) is attempt:
                conn.bedrock_attempt = None
            attempts = self.attempts
            while attempts and not attempts[0][2].live:
                heapq.heappop(attempts)
            if not attempts and not self.idle:
                self.cond.notify()  # none in flight: the watchdog's idle time starts now

    def run(self) -> None:
        attempts = self.attempts
        with self.cond:
            while True:
                while attempts and not attempts[0][2].live:
                    heapq.heappop(attempts)
                now = time.monotonic()
                if not attempts:
                    self.idle, self.wake_at = True, now + WATCHDOG_IDLE_SECONDS
                    notified = self.cond.wait(WATCHDOG_IDLE_SECONDS)
                    self.idle = False
                    if not notified and not attempts:
                        self.thread = None
                        return
                    continue
                while attempts and attempts[0][0] <= now:
                    self._expire(heapq.heappop(attempts)[2])
                if attempts:
                    self.wake_at = attempts[0][0]
                    self.cond.wait(self.wake_at - now)

    def _expire(self, attempt: Attempt) -> None:
        # Called with the lock held: the attempt's connection is still its own.
        if not attempt.live:
            return
        attempt.expired = True
        conn = attempt.conn
        if conn is not None and getattr(conn, "bedrock_attempt", None) is attempt:
            self.cut += shut_down(conn)

    def given(self, conn: Any) -> None:
        """The pool gave ``conn`` to this thread's attempt (kept-alive or new): it is the
        attempt's until it ends or goes back to the pool (:meth:`released`), and is shut
        down at once if the deadline already passed."""
        attempt: Attempt | None = getattr(_current, "attempt", None)
        if attempt is None or attempt.watchdog is not self:
            return
        with self.cond:
            if not attempt.live:
                return
            attempt.conn = conn
            conn.bedrock_attempt = attempt
            if attempt.expired:
                self.cut += shut_down(conn)

    def released(self, conn: Any) -> None:
        """``conn`` is back in its pool (its answer read, or closed): no attempt's any more,
        so another thread's attempt may take it and is not cut at this one's deadline."""
        with self.cond:
            attempt = getattr(conn, "bedrock_attempt", None)
            if attempt is not None:
                if attempt.conn is conn:
                    attempt.conn = None
                conn.bedrock_attempt = None

    def opened(self, conn: Any, sock: socket.socket) -> None:
        """``conn`` opened ``sock`` for the attempt it was given."""
        with self.cond:
            conn.bedrock_socket = sock
            attempt = getattr(conn, "bedrock_attempt", None)
            if attempt is not None and attempt.expired:
                self.cut += shut_down(conn)


def shut_down(conn: Any) -> int:
    """Shut down the socket under ``conn`` (1), or 0 if it has none open.

    A TLS connection's socket is shut down below TLS (``SSLSocket.shutdown`` would also drop
    the TLS object a blocked read is using), through the socket it reads from: the wrapped
    socket once the handshake is done (wrapping takes over the descriptor of the one opened),
    the one opened before; TLS inside TLS (an HTTPS proxy) is unwrapped to the socket to the
    proxy.
    """
    for candidate in (getattr(conn, "sock", None), getattr(conn, "bedrock_socket", None)):
        while candidate is not None and not isinstance(candidate, socket.socket):
            candidate = getattr(candidate, "socket", None)  # urllib3's SSLTransport
        if candidate is None or candidate.fileno() == -1:
            continue
        try:
            _socket.socket.shutdown(candidate, socket.SHUT_RDWR)
        except OSError:  # closed or reset meanwhile: nothing left to cut
            continue
        return 1
    return 0


# The process's watchdog, which every run's deadlines share (Deadlines.start).
WATCHDOG = Watchdog()


class _Watched:
    """What a connection of a watched session adds: it tells the watchdog of the attempt it
    was given about each socket it opens, with no more connect timeout than that attempt
    has left."""

    bedrock_attempt: Attempt | None = None
    bedrock_socket: socket.socket | None = None
    timeout: Any

    def _new_conn(self) -> socket.socket:
        attempt = self.bedrock_attempt
        saved = self.timeout
        if attempt is not None and isinstance(saved, (int, float)):
            left = max(attempt.until - time.monotonic(), LEAST_CONNECT_SECONDS)
            self.timeout = min(saved, left)
        try:
            sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        finally:
            self.timeout = saved
        if attempt is not None:
            attempt.watchdog.opened(self, sock)
        return sock


class WatchedHTTPConnection(_Watched, AWSHTTPConnection):  # type: ignore[misc]
    pass


class WatchedHTTPSConnection(_Watched, AWSHTTPSConnection):  # type: ignore[misc]
    pass


def _give(conn: Any) -> Any:
    attempt: Attempt | None = getattr(_current, "attempt", None)
    if attempt is not None:
        attempt.watchdog.given(conn)
    return conn


def _take_back(conn: Any) -> None:
    attempt: Attempt | None = getattr(conn, "bedrock_attempt", None)
    if attempt is not None:
        attempt.watchdog.released(conn)


class _WatchedPool:
    """What a pool of a watched session adds: a connection it gives is the attempt's that
    takes it, until it is put back."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        return _give(super()._get_conn(timeout=timeout))  # type: ignore[misc]

    def _put_conn(self, conn: Any) -> None:
        _take_back(conn)
        super()._put_conn(conn)  # type: ignore[misc]


class WatchedHTTPConnectionPool(_WatchedPool, AWSHTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(_WatchedPool, AWSHTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


WATCHED = {"http": (AWSHTTPConnectionPool, WatchedHTTPConnectionPool),
           "https": (AWSHTTPSConnectionPool, WatchedHTTPSConnectionPool)}


def watch(session: Any) -> bool:
    """Make ``session``'s connections known to the watchdog of the attempt they serve; False
    (and ``session`` unchanged) when it is not a botocore ``URLLib3Session`` built the way
    this relies on: its pool managers sharing one ``_pool_classes_by_scheme`` of botocore's
    own pool classes. Its caller then sends from threads it can give up on instead."""
    if not isinstance(session, URLLib3Session) or not _HOOKS:
        return False
    classes = getattr(session, "_pool_classes_by_scheme", None)
    manager = getattr(session, "_manager", None)
    proxies = getattr(session, "_proxy_managers", None)
    if not isinstance(classes, dict) or not isinstance(proxies, dict) or manager is None:
        return False
    managers = [manager, *proxies.values()]
    if any(getattr(m, "pool_classes_by_scheme", None) is not classes for m in managers):
        return False
    if set(classes) != set(WATCHED) or any(
            classes[scheme] not in pair for scheme, pair in WATCHED.items()):
        return False
    if all(classes[scheme] is pair[1] for scheme, pair in WATCHED.items()):
        return True
    for scheme, (_, watched) in WATCHED.items():
        classes[scheme] = watched
    for m in managers:
        m.clear()  # no pool made before this point serves an attempt unwatched
    return True


# What the subclasses above override must be there to override (urllib3 1.26 and 2.x).
_HOOKS = all(callable(getattr(cls, name, None)) for cls, name in (
    (AWSHTTPConnectionPool, "_get_conn"), (AWSHTTPSConnectionPool, "_get_conn"),
    (AWSHTTPConnectionPool, "_put_conn"), (AWSHTTPSConnectionPool, "_put_conn"),
    (AWSHTTPConnection, "_new_conn"), (AWSHTTPSConnection, "_new_conn")))
