"""Time limits that botocore does not have: one per request, one for the whole run.

botocore's read timeout bounds each read from the socket, not the answer: a server that
sends one byte every few seconds holds a request forever. :class:`DeadlineSession` wraps a
client's HTTP session so that each attempt gets a whole answer within
``connect timeout + REQUEST_FACTOR x read timeout`` (:class:`RequestTimedOut`), and no
attempt starts, or outlives, the run's ``--timeout`` (:class:`RunTimedOut`). Both are
``BotoCoreError``\\ s that botocore does not retry, so every caller reports them as the error
of the model, region or enrichment it was reading.

An attempt is sent from the worker's own thread. The process has one watchdog thread
(:mod:`checker.sources.aws.watchdog`) that shuts down the socket of an attempt past its
deadline, so the worker's blocked read returns at once; whatever urllib3 or botocore then
raised (or the short answer it returned) becomes :class:`RequestTimedOut` or
:class:`RunTimedOut`, never an error botocore retries and never an answer. A run's threads
are its workers and that one watchdog, however many accounts and regions.

A session that is not botocore's ``URLLib3Session`` as :func:`~checker.sources.aws.watchdog.watch`
knows it (another botocore, or another HTTP session) falls back to sender threads that the
waiting worker gives up on at the deadline: one pool per run, shared by all its clients
(:class:`SenderPool`: at most ``workers + SPARE_SENDERS`` threads), and reused; an abandoned
sender is never reused: it ends when the server closes the connection or the process exits,
and never holds the worker or the run.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from botocore.exceptions import BotoCoreError

from checker.sources.aws.defaults import DEFAULT_READ_TIMEOUT as DEFAULT_READ_TIMEOUT
from checker.sources.aws.defaults import DEFAULT_RUN_TIMEOUT as DEFAULT_RUN_TIMEOUT
from checker.sources.aws.watchdog import WATCHDOG, Watchdog, watch

# A whole answer may take this many read timeouts (plus the connect timeout).
REQUEST_FACTOR = 2
# An idle sender thread ends after this long, so runs in a warm process leave none behind.
SENDER_IDLE_SECONDS = 5.0
# Sender threads a run may have beyond its workers: those given up on, still waiting.
SPARE_SENDERS = 4


class RequestTimedOut(BotoCoreError):  # type: ignore[misc,unused-ignore]
    """An answer that did not arrive completely within the request's deadline."""

    fmt = ("no complete answer within {seconds:g} s (connect timeout + {factor} x read "
           "timeout): the endpoint is too slow or trickling")


class RunTimedOut(BotoCoreError):  # type: ignore[misc,unused-ignore]
    """A request not sent, or cut short, because the run's --timeout expired."""

    fmt = "not read: the run's --timeout of {seconds:g} s expired"


@dataclass(frozen=True)
class Deadlines:
    """The per-request limit (seconds) and the run's (a ``time.monotonic()`` instant)."""

    request: float
    run_seconds: float | None = None
    run_until: float | None = None
    # The run's sender threads, shared by every client it bounds (sessions not watched).
    senders: SenderPool = field(default_factory=lambda: SenderPool(), compare=False)
    # The thread that cuts the attempts sent from the workers' own threads: the process's
    # one (Deadlines.start), or one of these deadlines' own.
    watchdog: Watchdog = field(default_factory=Watchdog, compare=False)

    @classmethod
    def start(cls, connect_timeout: float, read_timeout: float,
              run_seconds: float | None, workers: int = 1) -> Deadlines:
        until = time.monotonic() + run_seconds if run_seconds is not None else None
        return cls(request=connect_timeout + REQUEST_FACTOR * read_timeout,
                   run_seconds=run_seconds, run_until=until, senders=SenderPool(workers),
                   watchdog=WATCHDOG)

    def run_left(self) -> float | None:
        """Seconds left of the run (never below 0); None without a run deadline."""
        if self.run_until is None:
            return None
        return max(0.0, self.run_until - time.monotonic())

    def check_run(self) -> None:
        """Raise :class:`RunTimedOut` if the run's deadline has passed."""
        left = self.run_left()
        if left is not None and left <= 0:
            raise RunTimedOut(seconds=self.run_seconds)


class SenderPool:
    """The sender threads of a run, shared by all its clients: at most ``limit`` of them
    alive at once, whatever the estate's size.

    Each worker has at most one attempt in flight, so ``workers`` senders keep every worker
    busy; the :data:`SPARE_SENDERS` above that cover senders given up on (still waiting for
    a slow server). When all ``limit`` are taken, a worker waits for one to come free,
    within its request's deadline: a run that cannot keep up slows down, it never
    multiplies threads.
    """

    def __init__(self, workers: int = 0) -> None:
        self.limit = max(workers, 1) + SPARE_SENDERS
        self.cond = threading.Condition()
        self.idle: list[_Sender] = []
        self.alive = 0
        self.started = 0  # threads ever started (for tests and benchmarks)

    def take(self, wait: float) -> _Sender | None:
        """An idle sender, a new one while under the limit, or None after ``wait``
        seconds."""
        until = time.monotonic() + wait
        with self.cond:
            while True:
                if self.idle:
                    return self.idle.pop()
                if self.alive < self.limit:
                    self.alive += 1
                    self.started += 1
                    break
                left = until - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)
        return _Sender(self)

    def ended(self) -> None:
        with self.cond:
            self.alive -= 1
            self.cond.notify()


class _Sender:
    """A daemon thread that sends one attempt at a time for whichever worker hands it one."""

    def __init__(self, pool: SenderPool) -> None:
        self.pool = pool
        self.work: queue.SimpleQueue[tuple[Any, Any, _Outcome]] = queue.SimpleQueue()
        threading.Thread(target=self.run, name="bedrock-request", daemon=True).start()

    def run(self) -> None:
        try:
            self.serve()
        finally:
            self.pool.ended()

    def serve(self) -> None:
        pool = self.pool
        while True:
            try:
                session, request, outcome = self.work.get(timeout=SENDER_IDLE_SECONDS)
            except queue.Empty:
                with pool.cond:
                    if self in pool.idle:  # not just taken by a worker: end
                        pool.idle.remove(self)
                        return
                continue  # a worker took this sender just now: its attempt is on the way
            try:
                outcome.response = session.send(request)
            except BaseException as exc:  # handed to the waiting worker, raised there
                outcome.error = exc
            del session, request  # hold no answer while idle
            with pool.cond:
                # Ready for another attempt, unless its worker gave up on this one: an
                # abandoned sender ends here, so a slow endpoint never queues new work.
                outcome.done.set()
                if outcome.abandoned:
                    return
                pool.idle.append(self)
                pool.cond.notify()
            del outcome


class _Outcome:
    __slots__ = ("abandoned", "done", "error", "response")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.response: Any = None
        self.error: BaseException | None = None
        self.abandoned = False


class DeadlineSession:
    """A botocore HTTP session whose ``send`` ends by the request's or the run's deadline."""

    def __init__(self, inner: Any, deadlines: Deadlines) -> None:
        self.inner = inner
        self.deadlines = deadlines
        # Sent from the worker's thread under the run's watchdog, or else from a sender.
        self.watched = watch(inner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def send(self, request: Any) -> Any:
        deadlines = self.deadlines
        deadlines.check_run()
        limit = deadlines.request
        left = deadlines.run_left()
        run_first = left is not None and left < limit
        if left is not None:
            limit = min(limit, left)
        if self.watched:
            return self._send_watched(request, limit, run_first)
        started = time.monotonic()
        pool = deadlines.senders
        sender = pool.take(limit)
        if sender is None:  # every sender busy for the whole deadline: nothing was sent
            self._timed_out(run_first)
        outcome = _Outcome()
        sender.work.put((self.inner, request, outcome))
        if not outcome.done.wait(max(0.0, limit - (time.monotonic() - started))):
            with pool.cond:
                finished = outcome.done.is_set()
                outcome.abandoned = not finished
            if not finished:
                self._timed_out(run_first)
        if outcome.error is not None:
            raise outcome.error
        return outcome.response

    def _send_watched(self, request: Any, limit: float, run_first: bool) -> Any:
        watchdog = self.deadlines.watchdog
        attempt = watchdog.begin(limit)
        try:
            response = self.inner.send(request)
        except Exception as exc:
            if attempt.past():  # the watchdog's cut, or a connect given only the time left
                self._timed_out(run_first, exc)
            raise
        finally:
            watchdog.end(attempt)
        if attempt.expired:  # cut: what was read may be short of the answer
            self._timed_out(run_first)
        return response

    def _timed_out(self, run_first: bool, cause: BaseException | None = None) -> NoReturn:
        if run_first:
            raise RunTimedOut(seconds=self.deadlines.run_seconds) from cause
        raise RequestTimedOut(seconds=self.deadlines.request, factor=REQUEST_FACTOR) from cause


def bound_client(client: Any, deadlines: Deadlines) -> None:
    """Put ``client``'s requests under ``deadlines``.

    botocore offers no public hook around sending (a ``before-send`` handler would replace
    the request, and moto's in-process mock answers there first), so the endpoint's HTTP
    session is wrapped; tests/sources/aws/test_hostile_responses.py fails if botocore ever moves it.
    """
    endpoint = getattr(client, "_endpoint", None)
    session = getattr(endpoint, "http_session", None)
    if endpoint is None or session is None:
        raise RuntimeError("botocore's client has no _endpoint.http_session to bound")
    if not isinstance(session, DeadlineSession):
        endpoint.http_session = DeadlineSession(session, deadlines)
