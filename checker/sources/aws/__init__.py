"""Live AWS: the only package that imports boto3.

Owns the request of a read (``request``), sessions, clients and the retry of throttled calls
(``clients``), accounts and regions (``accounts``, ``regions``), the reader of models
(``fetch``: a scheduler, ``scheduler``, composed with its parts: the listing in ``fetcher``,
``named``, ``context``, ``posture`` and the enrichment readers in ``enrich``), customization
jobs (``jobs``), error wording (``errors``) and the IAM policy a run needs
(``permissions``). Returns a :class:`~checker.results.SourceResult`; may import the shared
types, ``lang`` and ``policy``; never ``engine``, ``reports`` or click.
"""

from __future__ import annotations

from checker.sources.aws.clients import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_WORKERS,
    default_session_factory,
)
from checker.sources.aws.deadlines import DEFAULT_READ_TIMEOUT, DEFAULT_RUN_TIMEOUT
from checker.sources.aws.fetch import fetch_models
from checker.sources.aws.fetcher import FetchProgress

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_RUN_TIMEOUT",
    "DEFAULT_WORKERS",
    "FetchProgress",
    "default_session_factory",
    "fetch_models",
]
