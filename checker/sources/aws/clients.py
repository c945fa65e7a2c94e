"""Sessions, clients and retries: every client of a run made once, with one configuration.

A throttled request is retried with botocore's adaptive mode and, past the client's retry
quota, by :func:`resend_throttled`; the error codes that mean "not enabled here" or "slow down"
live here too.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ProfileNotFound,
)

from checker.errors import SourceError
from checker.sources.aws.deadlines import Deadlines, bound_client
from checker.sources.aws.defaults import DEFAULT_MAX_ATTEMPTS as DEFAULT_MAX_ATTEMPTS
from checker.sources.aws.defaults import DEFAULT_WORKERS as DEFAULT_WORKERS
from checker.sources.aws.errors import one_line, record_calls
from checker.sources.aws.responses import check_response

# DEFAULT_MAX_ATTEMPTS and DEFAULT_WORKERS are re-exported: they live in a module that
# imports nothing, so the command line's options show them without importing botocore.

if TYPE_CHECKING:
    import boto3.session

    from checker.sources.aws.accounts import Account

SessionFactory = Callable[[str | None], "boto3.session.Session"]

# The largest page ListCustomModels accepts: fewer sequential list round trips.
LIST_PAGE_SIZE = 1000

SERVICE = "bedrock"
# What an opt-in region that is not enabled for the account answers (the credentials are
# unknown there: AWS's own word that the account is not enabled in it). With --all-regions
# such a region is skipped with a warning, unless --strict-regions. A region that cannot be
# reached (no connection, a timeout) says nothing of the kind: it is an error, never skipped.
REGION_NOT_ENABLED = frozenset({
    "UnrecognizedClientException", "InvalidClientTokenId", "OptInRequired",
})

# Error codes that mean "slow down" (a subset of botocore's list of throttling codes).
THROTTLING_CODES = frozenset({"ThrottlingException", "TooManyRequestsException", "Throttling"})


def resend_throttled(max_attempts: int) -> Callable[..., float | None]:
    """A ``needs-retry`` handler: retry a throttled request that botocore gave up on only
    because the client's retry quota was spent.

    That quota (500 tokens per client, shared by all its threads, 5 per throttled retry) is
    emptied at once by a burst of about 100 throttled requests in flight (``--workers``
    above ~100 against one account and region), and botocore then fails the next throttled
    requests without a single retry, whatever ``--max-attempts`` says. The adaptive rate
    limiter still paces the resent request, and ``max_attempts`` still bounds the calls.
    """
    def handler(response: Any = None, attempts: int = 0, **_: Any) -> float | None:
        if response is None or attempts >= max_attempts:
            return None
        parsed = response[1]
        if not parsed.get("ResponseMetadata", {}).get("RetryQuotaReached"):
            return None
        if parsed.get("Error", {}).get("Code") not in THROTTLING_CODES:
            return None
        # Full jitter on an exponential back-off, as botocore's own for throttling.
        return random.random() * min(2.0 ** (attempts - 1), 20.0)
    return handler



# What a listed model is read with, by kind.
GET_API = {"model": ("GetCustomModel", "get_custom_model"),
        "imported": ("GetImportedModel", "get_imported_model")}
LIST_API = {"model": ("ListCustomModels", "list_custom_models"),
         "imported": ("ListImportedModels", "list_imported_models")}


def client_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS, *, connect_timeout: float = 5,
                  read_timeout: float = 30, pool: int = 10) -> Config:
    """The configuration of every client the tool makes: adaptive retries, timeouts.

    ``total_max_attempts`` counts the first call too (botocore's ``max_attempts`` counts only
    the retries), so ``--max-attempts 10`` means ten calls at most, as AWS_MAX_ATTEMPTS does.
    """
    return Config(retries={"mode": "adaptive", "total_max_attempts": max_attempts},
                  connect_timeout=connect_timeout, read_timeout=read_timeout,
                  max_pool_connections=pool)


def default_session_factory(profile: str | None) -> boto3.session.Session:
    """A boto3 session on the standard credential chain, for ``profile`` if given."""
    import boto3.session

    return boto3.session.Session(profile_name=profile)



class Clients:
    """Every client of the run, made once per (account, service, region) with one Config;
    each answer checked against botocore's output shape before it is read, each request
    bounded by ``deadlines`` (the request's and the run's)."""

    def __init__(self, config: Config, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 deadlines: Deadlines | None = None) -> None:
        self.config = config
        self.max_attempts = max_attempts
        self.deadlines = deadlines
        self.lock = threading.Lock()
        self.cache: dict[tuple[int, str, str], Any] = {}

    def get(self, account: Account, service: str, region: str) -> Any:
        key = (account.index, service, region)
        client = self.cache.get(key)  # the common case, without waiting on a creation
        if client is not None:
            return client
        # boto3 sessions are not thread-safe (the clients they make are): make clients one
        # at a time.
        with self.lock:
            client = self.cache.get(key)
            if client is None:
                client = account.session.client(service, region_name=region,
                                                config=self.config, **account.credentials)
                # After botocore's own retry handlers, which answer None when out of quota.
                client.meta.events.register("needs-retry",
                                            resend_throttled(self.max_attempts))
                client.meta.events.register("before-parse", check_response)
                if self.deadlines is not None:
                    bound_client(client, self.deadlines)
                self.cache[key] = client
            return client


class NoClient(Exception):
    """botocore could not make a client (no request was sent)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def open_session(session_factory: SessionFactory, profile: str | None) -> Any:
    try:
        session = session_factory(profile)
    except ProfileNotFound as exc:
        # Without --profile the name comes from AWS_PROFILE: say which one it was.
        name = profile or getattr(exc, "kwargs", {}).get("profile") or os.environ.get(
            "AWS_PROFILE")
        raise SourceError(
            f"AWS profile {name!r} not found in the AWS config or credentials file"
        ) from None
    except BotoCoreError as exc:
        raise SourceError(f"cannot open an AWS session: {one_line(exc)}") from None
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise SourceError(f"cannot load AWS credentials: {one_line(exc)}") from None
    if credentials is None:
        which = f" for profile {profile!r}" if profile else ""
        raise SourceError(
            f"no AWS credentials found{which}: set them up for the standard credential chain "
            "(environment, ~/.aws, SSO, instance role) or pass --profile"
        )
    record_calls(session)
    return session


