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

import importlib
from typing import TYPE_CHECKING, Any

from checker.sources.aws.defaults import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_RUN_TIMEOUT,
    DEFAULT_WORKERS,
)

if TYPE_CHECKING:
    from checker.sources.aws.clients import default_session_factory
    from checker.sources.aws.fetch import fetch_models
    from checker.sources.aws.fetcher import FetchProgress

# What imports boto3 is imported when first used: a run that reads no AWS never pays for it.
_LAZY = {"default_session_factory": "clients", "fetch_models": "fetch",
         "FetchProgress": "fetcher"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"checker.sources.aws.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_RUN_TIMEOUT",
    "DEFAULT_WORKERS",
    "FetchProgress",
    "default_session_factory",
    "fetch_models",
]
