"""Timestamps in conditions: what counts as one, and the run's date they are measured from.

A timestamp is an ISO 8601 string as AWS returns it (``2026-03-01T12:00:00Z``,
``2026-03-01T07:00:00-05:00``, ``2026-03-01T12:00:00.123+00:00``) or a plain date
(``2026-03-01``); a time without a zone is UTC. Anything else (a number, ``"next year"``,
``"2026-13-01"``, ``"20260301T120000Z"``) is not a timestamp. Days are counted between UTC
calendar dates: a time is "N days ahead" when its UTC date is N days after the run's UTC
date, whatever the hour, so the result does not depend on the time zone of the text or of
the machine.

The run's date is the one the engine judges on (``evaluate(now=...)``, the policy tests'
``now``); :func:`judging_on` sets it for the duration of a run, and outside one it is today's
date, UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timezone
from typing import Any

_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?")

_RUN_DATE: ContextVar[date | None] = ContextVar("run_date", default=None)


def utc_date(value: Any) -> date | None:
    """The UTC calendar date of a timestamp, or None if the value is not one."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        text = value
        if "." in text:
            # fromisoformat takes at most microseconds: drop digits beyond six.
            head, _, rest = text.partition(".")
            digits = re.match(r"[0-9]+", rest)
            assert digits is not None
            text = f"{head}.{digits.group()[:6].ljust(6, '0')}{rest[digits.end():]}"
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None  # 2026-02-30, 25:00, ...
        if "T" not in value:
            return moment.date()
    else:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


def run_date() -> date:
    """The date the current run judges on (UTC)."""
    fixed = _RUN_DATE.get()
    return fixed if fixed is not None else datetime.now(timezone.utc).date()


@contextmanager
def judging_on(now: datetime | date) -> Iterator[None]:
    """Make ``run_date()`` the UTC date of ``now`` inside the block."""
    if isinstance(now, datetime):
        day = (now.astimezone(timezone.utc) if now.tzinfo is not None else now).date()
    else:
        day = now
    token = _RUN_DATE.set(day)
    try:
        yield
    finally:
        _RUN_DATE.reset(token)


def days_from_run(value: Any) -> int | None:
    """Days from the run's date to the value's UTC date (negative: in the past), or None
    if the value is not a timestamp."""
    day = utc_date(value)
    return None if day is None else (day - run_date()).days
