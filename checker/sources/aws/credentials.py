"""Assumed-role credentials that renew themselves, so a run may outlast them.

STS credentials of ``AssumeRole`` last an hour by default; a run across hundreds of accounts
under a request quota can take longer. Each assumed account's credentials are botocore's
:class:`~botocore.credentials.RefreshableCredentials` (:func:`assumed_credentials`):
botocore calls ``AssumeRole`` again (with the base credentials) when fewer than 15 minutes
are left, and every request of the account is signed with the new keys (a run signs them
through the clients its assumed-role accounts share: ``clients.py``). The first
``AssumeRole`` is made at once by the caller, so a role that cannot be assumed fails its
account before any of its requests, with one clear error.

:func:`assumed_session` makes a session of such credentials. The account's session shares
the base session's event hooks (call recording, test stubs) and its data loader (the
service models are parsed once per run, not once per account). It is a bare botocore
session behind :class:`AccountSession`, not a boto3 session: making a boto3 session adds
its data path to the shared loader and its handlers to the shared hooks, once per account,
and with hundreds of accounts every later client would pay for those.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import botocore.session
from botocore.credentials import CredentialProvider, RefreshableCredentials

METHOD = "assume-role"


class _Fixed(CredentialProvider):
    """A provider that answers with credentials made beforehand."""

    METHOD = METHOD
    CANONICAL_NAME = "AssumeRole"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self.credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self.credentials


def metadata(credentials: Mapping[str, Any]) -> dict[str, str]:
    """An STS ``Credentials`` structure as botocore's refresh metadata."""
    expiration = credentials["Expiration"]
    return {
        "access_key": credentials["AccessKeyId"],
        "secret_key": credentials["SecretAccessKey"],
        "token": credentials["SessionToken"],
        "expiry_time": expiration.isoformat() if hasattr(expiration, "isoformat")
        else str(expiration),
    }


class AccountSession:
    """What the fetcher asks of a session (``client``, ``region_name``), on a botocore
    session whose credentials renew themselves."""

    def __init__(self, core: botocore.session.Session, region_name: str | None) -> None:
        self.core = core
        self.region_name = region_name

    def client(self, service: str, region_name: str | None = None, config: Any = None,
               **kwargs: Any) -> Any:
        return self.core.create_client(service, region_name=region_name, config=config,
                                       **kwargs)

    def get_credentials(self) -> Any:
        return self.core.get_credentials()


def assumed_credentials(first: Mapping[str, Any],
                        assume: Callable[[], Mapping[str, Any]]) -> RefreshableCredentials:
    """The assumed account's credentials: ``first`` is the STS ``Credentials`` just
    obtained, ``assume`` obtains fresh ones (it calls ``AssumeRole`` again)."""
    return RefreshableCredentials.create_from_metadata(
        metadata=metadata(first), refresh_using=lambda: metadata(assume()), method=METHOD)


def assumed_session(base: Any, first: Mapping[str, Any],
                    assume: Callable[[], Mapping[str, Any]]) -> AccountSession:
    """A session of the assumed account (see :func:`assumed_credentials`)."""
    credentials = assumed_credentials(first, assume)
    base_core = base._session if hasattr(base, "_session") else base
    core = botocore.session.Session(
        event_hooks=base_core.get_component("event_emitter"),
        include_builtin_handlers=False,  # the shared emitter has them already
        profile=base_core.profile if base_core.profile else None)
    core.register_component("data_loader", base_core.get_component("data_loader"))
    core.get_component("credential_provider").providers.insert(0, _Fixed(credentials))
    return AccountSession(core, base.region_name)
