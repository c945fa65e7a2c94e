"""Time limits that botocore does not have: one per request, one for the whole run.

botocore's read timeout bounds each read from the socket, not the answer: a server that
sends one byte every few seconds holds a request forever. :class:`DeadlineSession` wraps a
client's HTTP session so that each attempt gets a whole answer within
``connect timeout + REQUEST_FACTOR x read timeout`` (:class:`RequestTimedOut`), and no
attempt starts, or outlives, the run's ``--timeout`` (:class:`RunTimedOut`). Both are
``BotoCoreError``\\ s that botocore does not retry, so every caller reports them as the error
of the model, region or enrichment it was reading.

An attempt is sent from a sender thread, which the waiting worker gives up on at the
deadline. Senders are reused (making a thread per request cost a tenth of a run's time at
1,000 models); an abandoned sender is never reused: it ends when the server closes the
connection or the process exits, and never holds the worker or the run.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError

from checker.sources.aws.defaults import DEFAULT_READ_TIMEOUT as DEFAULT_READ_TIMEOUT
from checker.sources.aws.defaults import DEFAULT_RUN_TIMEOUT as DEFAULT_RUN_TIMEOUT

# A whole answer may take this many read timeouts (plus the connect timeout).
REQUEST_FACTOR = 2
# An idle sender thread ends after this long, so runs in a warm process leave none behind.
SENDER_IDLE_SECONDS = 5.0


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

    @classmethod
    def start(cls, connect_timeout: float, read_timeout: float,
              run_seconds: float | None) -> Deadlines:
        until = time.monotonic() + run_seconds if run_seconds is not None else None
        return cls(request=connect_timeout + REQUEST_FACTOR * read_timeout,
                   run_seconds=run_seconds, run_until=until)

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


class _Sender:
    """A daemon thread that sends one attempt at a time for whichever worker hands it one."""

    def __init__(self, idle: list[_Sender], lock: threading.Lock) -> None:
        self.idle = idle
        self.lock = lock
        self.work: queue.SimpleQueue[tuple[Any, Any, _Outcome]] = queue.SimpleQueue()
        threading.Thread(target=self.run, name="bedrock-request", daemon=True).start()

    def run(self) -> None:
        while True:
            try:
                session, request, outcome = self.work.get(timeout=SENDER_IDLE_SECONDS)
            except queue.Empty:
                with self.lock:
                    if self in self.idle:  # not just taken by a worker: end
                        self.idle.remove(self)
                        return
                continue  # a worker took this sender just now: its attempt is on the way
            try:
                outcome.response = session.send(request)
            except BaseException as exc:  # handed to the waiting worker, raised there
                outcome.error = exc
            with self.lock:
                # Ready for another attempt, unless its worker gave up on this one: an
                # abandoned sender ends here, so a slow endpoint never queues new work.
                outcome.done.set()
                if outcome.abandoned:
                    return
                self.idle.append(self)


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
        self._lock = threading.Lock()
        self._idle: list[_Sender] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def send(self, request: Any) -> Any:
        self.deadlines.check_run()
        limit = self.deadlines.request
        left = self.deadlines.run_left()
        run_first = left is not None and left < limit
        if left is not None:
            limit = min(limit, left)
        outcome = _Outcome()
        with self._lock:
            sender = self._idle.pop() if self._idle else None
        if sender is None:
            sender = _Sender(self._idle, self._lock)
        sender.work.put((self.inner, request, outcome))
        if not outcome.done.wait(limit):
            with self._lock:
                finished = outcome.done.is_set()
                outcome.abandoned = not finished
            if not finished:
                if run_first:
                    raise RunTimedOut(seconds=self.deadlines.run_seconds)
                raise RequestTimedOut(seconds=self.deadlines.request, factor=REQUEST_FACTOR)
        if outcome.error is not None:
            raise outcome.error
        return outcome.response


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
