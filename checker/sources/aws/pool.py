"""The worker threads of a live read, taking the queued task of the lowest rank first.

A read's tasks are ranked by the account they are for, so the workers finish the accounts
they have started before they open new ones: however large the estate, only about as many
accounts as there are workers are being read at once, and an account's clients and
credentials can be let go as soon as its reads are done (``scheduler.py``). Tasks of one
rank run in the order they were queued.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

_current = threading.local()


def current_rank(default: int = 0) -> int:
    """The rank of the task this thread is running (``default`` outside a task)."""
    rank: int = getattr(_current, "rank", default)
    return rank


class RankedPool:
    """At most ``workers`` threads, started as work arrives; ``shutdown`` as
    :class:`~concurrent.futures.ThreadPoolExecutor`'s."""

    def __init__(self, workers: int, name: str = "bedrock") -> None:
        self.workers = max(1, workers)
        self.name = name
        self.cond = threading.Condition()
        self.queue: list[tuple[int, int, Future[Any], Callable[..., Any], tuple[Any, ...]]] = []
        self.order = itertools.count()
        self.threads: list[threading.Thread] = []
        self.idle = 0
        self.closed = False

    def submit(self, rank: int, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self.cond:
            if self.closed:
                raise RuntimeError("cannot queue a task after shutdown")
            heapq.heappush(self.queue, (rank, next(self.order), future, fn, args))
            if self.idle:
                self.idle -= 1  # the thread woken is no longer idle
                self.cond.notify()
            elif len(self.threads) < self.workers:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"{self.name}_{len(self.threads)}")
                self.threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            with self.cond:
                while not self.queue and not self.closed:
                    self.idle += 1
                    self.cond.wait()
                if not self.queue:
                    return
                rank, _, future, fn, args = heapq.heappop(self.queue)
            if future.set_running_or_notify_cancel():
                _current.rank = rank
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:  # handed to whoever waits on the future
                    future.set_exception(exc)
            del future, fn, args  # hold nothing of a finished task while waiting

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self.cond:
            self.closed = True
            if cancel_futures:
                for item in self.queue:
                    item[2].cancel()
                self.queue.clear()
            self.cond.notify_all()
        if wait:
            for thread in list(self.threads):
                if thread is not threading.current_thread():
                    thread.join()
