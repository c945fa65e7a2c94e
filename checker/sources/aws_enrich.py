"""Deep checks: the customization job and the KMS key behind a model, read once each.

A key shared by 500 models is described once, a job once, however many models and rules
refer to it: :class:`OnceCache` makes the first model that needs a resource fetch it while
the others wait for that answer. Fetches never raise; they return the value or the
(code, message) of the failure, which the model carries as an enrichment error, so only
the rules that need the key become ``error``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from checker.documents import to_json_value
from checker.sources.aws_errors import failure

T = TypeVar("T")
# The value fetched (None for "there is none"), or the failure as (code, message).
Fetched = tuple[Any, tuple[str, str] | None]


class OnceCache(Generic[T]):
    """Each key's value computed once, however many threads ask for it at the same time.

    The first caller computes the value on its own thread; later callers wait for it. No
    thread ever waits for work that is merely queued, so a bounded thread pool cannot
    deadlock on it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[T]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key``, computing it with ``compute`` if no one has yet."""
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._futures[key] = future
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:
                future.set_exception(exc)
                raise
        return future.result()

    def __len__(self) -> int:
        with self._lock:
            return len(self._futures)


def plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An AWS response as JSON data: ``ResponseMetadata`` dropped, timestamps ISO-8601."""
    return {str(k): to_json_value(v) for k, v in raw.items() if k != "ResponseMetadata"}


def fetch_job(client: Any, job_arn: str, where: str) -> Fetched:
    """``job``: the GetModelCustomizationJob response for ``job_arn``."""
    try:
        return plain(client.get_model_customization_job(jobIdentifier=job_arn)), None
    except (ClientError, BotoCoreError) as exc:
        return None, failure(where, f"GetModelCustomizationJob {job_arn}", exc)


def fetch_kms_key(client: Any, key_id: str, where: str) -> Fetched:
    """``kmsKey``: DescribeKey's KeyMetadata plus ``aliases``, the key's alias names."""
    try:
        metadata = plain(client.describe_key(KeyId=key_id).get("KeyMetadata") or {})
    except (ClientError, BotoCoreError) as exc:
        return None, failure(where, f"DescribeKey {key_id}", exc)
    aliases: list[str] = []
    try:
        # ListAliases wants the key id or ARN; the ARN also works for a key of another
        # account only if that account lets us, which a failure here reports.
        paginator = client.get_paginator("list_aliases")
        for page in paginator.paginate(KeyId=metadata.get("Arn") or key_id):
            aliases.extend(str(a["AliasName"]) for a in page.get("Aliases", [])
                           if a.get("AliasName"))
    except (ClientError, BotoCoreError) as exc:
        return None, failure(where, f"ListAliases {key_id}", exc)
    metadata["aliases"] = sorted(set(aliases))
    return metadata, None
