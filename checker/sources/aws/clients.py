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
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ProfileNotFound,
)
from botocore.retries import adaptive

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
    """Every client of the run, made once with one Config; each answer checked against
    botocore's output shape before it is read, each request bounded by ``deadlines`` (the
    request's and the run's).

    An account read through an assumed role (``account.signer`` holds its renewing
    credentials) shares one client per (service, region) with every other such account:
    the client signs each request with the credentials of the account it is made for
    (:class:`AccountClient`). Making a botocore client costs milliseconds of CPU and
    hundreds of KB; one per account and region made an estate's read slower than its
    requests. Throttling stays per account, as AWS's quotas are: each account has its own
    adaptive rate limiter in each service and region (botocore's, :func:`account_limiter`),
    so a throttled account slows only its own requests. The retry quota is the shared
    client's, and a throttled request is retried past it (:func:`resend_throttled`);
    ``--max-attempts`` bounds each request's calls, as for every client.

    Any other account (the run's own credentials, a profile) has its own clients, made once
    per (account, service, region) and dropped by :meth:`release` when its reads are done.
    """

    def __init__(self, config: Config, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 deadlines: Deadlines | None = None) -> None:
        self.config = config
        self.max_attempts = max_attempts
        self.deadlines = deadlines
        self.lock = threading.Lock()
        self.cache: dict[tuple[int, str, str], Any] = {}
        # (service, region) -> the client the assumed-role accounts share.
        self.shared: dict[tuple[str, str], Any] = {}
        # (account index, service, region) -> the account's rate limiter there.
        self.limiters: dict[tuple[int, str, str], Limiter] = {}
        self.made = 0  # clients made (for tests and benchmarks)

    def get(self, account: Account, service: str, region: str) -> Any:
        if account.signer is not None:
            client = self._shared(account, service, region)
            key = (account.index, service, region)
            limiter = self.limiters.get(key)
            if limiter is None:
                with self.lock:
                    limiter = self.limiters.setdefault(key, account_limiter())
            return AccountClient(client, Acting(account.signer, limiter))
        key = (account.index, service, region)
        client = self.cache.get(key)  # the common case, without waiting on a creation
        if client is not None:
            return client
        # boto3 sessions are not thread-safe (the clients they make are): make clients one
        # at a time.
        with self.lock:
            client = self.cache.get(key)
            if client is None:
                client = self._make(account.session, service, region, account.credentials)
                self.cache[key] = client
            return client

    def _shared(self, account: Account, service: str, region: str) -> Any:
        key = (service, region)
        client = self.shared.get(key)
        if client is not None:
            return client
        with self.lock:
            client = self.shared.get(key)
            if client is None:
                # Keys that sign nothing: every request is signed with its account's
                # credentials, or refused (sign_as_account).
                client = self._make(account.session, service, region,
                                    {"aws_access_key_id": "NO-ACCOUNT",
                                     "aws_secret_access_key": "NO-ACCOUNT"},
                                    shared=True)
                client.meta.events.register("before-sign", sign_as_account)
                client.meta.events.register("before-send", _limit_sending)
                client.meta.events.register("needs-retry", _limit_receiving)
                self.shared[key] = client
            return client

    def _make(self, session: Any, service: str, region: str,
              credentials: dict[str, str], shared: bool = False) -> Any:
        config = self.config
        retries: dict[str, Any] = getattr(config, "retries", None) or {}
        if shared and retries.get("mode") == "adaptive":
            # The adaptive rate limiter is each account's (account_limiter), not the
            # shared client's: botocore's standard retries, and the limiter per account.
            config = config.merge(Config(retries=cast(Any, {**retries, "mode": "standard"})))
        client = session.client(service, region_name=region, config=config, **credentials)
        self.made += 1
        # After botocore's own retry handlers, which answer None when out of quota.
        client.meta.events.register("needs-retry", resend_throttled(self.max_attempts))
        client.meta.events.register("before-parse", check_response)
        if self.deadlines is not None:
            bound_client(client, self.deadlines)
        return client

    def release(self, account: Account) -> None:
        """Drop the account's own clients (its reads are done); an assumed role's
        credentials go with the account (it holds them, nothing else does)."""
        with self.lock:
            for key in [k for k in self.cache if k[0] == account.index]:
                del self.cache[key]
            for key in [k for k in self.limiters if k[0] == account.index]:
                del self.limiters[key]

    def live(self) -> int:
        """How many clients are held now."""
        with self.lock:
            return len(self.cache) + len(self.shared)


_acting = threading.local()


class NotSigned(RuntimeError):
    """A request of a shared client made without the account it is for (a bug)."""


class Limiter(NamedTuple):
    """botocore's adaptive rate limiter: its ``before-send`` and ``needs-retry`` handlers."""

    sending: Callable[..., Any]
    receiving: Callable[..., Any]


class _Events:
    def __init__(self) -> None:
        self.handlers: dict[str, Callable[..., Any]] = {}

    def register(self, event: str, handler: Callable[..., Any], **_: Any) -> None:
        self.handlers[event] = handler


def account_limiter() -> Limiter:
    """A rate limiter of botocore's adaptive retry mode, for one account in one service
    and region (botocore makes one per client and registers it on the client's events: it
    is made the same way, its handlers kept instead)."""
    events = _Events()
    fake = cast(Any, SimpleNamespace(meta=SimpleNamespace(events=events)))
    adaptive.register_retry_handler(fake)
    return Limiter(events.handlers["before-send"], events.handlers["needs-retry"])


class Acting(NamedTuple):
    """The account a request of a shared client is made for."""

    credentials: Any
    limiter: Limiter


def _acting_for() -> Acting:
    acting: Acting | None = getattr(_acting, "account", None)
    if acting is None:
        raise NotSigned("a request of a shared client was made for no account")
    return acting


def sign_as_account(request: Any, **_: Any) -> None:
    """A ``before-sign`` handler of a shared client: sign with the credentials of the
    account the request is made for (botocore's ``request_credentials`` of the signing
    context), and refuse to sign one made for no account."""
    request.context.setdefault("signing", {})["request_credentials"] = \
        _acting_for().credentials


def _limit_sending(**kwargs: Any) -> None:
    _acting_for().limiter.sending(**kwargs)


def _limit_receiving(**kwargs: Any) -> None:
    _acting_for().limiter.receiving(**kwargs)


class _Released:
    """The credentials of an account whose reads are done: they sign nothing."""

    def get_frozen_credentials(self) -> Any:
        raise NotSigned("a request was made for an account whose reads were done")


RELEASED = _Released()


class AccountClient:
    """One account's view of a shared client: each operation it calls is signed with the
    account's credentials (retries included: they are made and signed in the calling
    thread)."""

    __slots__ = ("acting", "client")

    def __init__(self, client: Any, acting: Acting) -> None:
        self.client = client
        self.acting = acting

    @property
    def meta(self) -> Any:
        return self.client.meta

    @property
    def exceptions(self) -> Any:
        return self.client.exceptions

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.client, name)
        acting = self.acting

        def call(*args: Any, **kwargs: Any) -> Any:
            before = getattr(_acting, "account", None)
            _acting.account = acting
            try:
                return operation(*args, **kwargs)
            finally:
                _acting.account = before
        return call


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


