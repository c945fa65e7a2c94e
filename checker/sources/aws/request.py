"""What one read asks for: the sources, accounts, regions, enrichments and deadlines, as one
frozen record, validated once when it is made.

The command line builds it from its options, the Lambda function from its configuration;
:func:`checker.sources.read.read` reads it and :func:`checker.run.run` reads and judges it.
It lives here, beside the reader that takes it (:func:`~checker.sources.aws.fetch.fetch_models`),
so that the reader imports it without going round through ``checker.sources``. It holds no
session, no click context and no callback: plain values only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from checker.errors import SourceError, UsageError
from checker.lang.regions import REGION_SYNTAX, region_problem
from checker.sources.aws.accounts import (
    DEFAULT_ROLE_SESSION_NAME,
    AccountSpec,
    accounts_from_roles,
    external_id_problem,
    load_accounts_file,
    session_name_problem,
)
from checker.sources.aws.defaults import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_RUN_TIMEOUT,
    DEFAULT_WORKERS,
)

# The options of the live read, by the command-line name that sets them (for messages).
LIVE_OPTIONS = (
    ("regions", "--region"), ("profile", "--profile"), ("model_ids", "--model"),
    ("all_regions", "--all-regions"), ("strict_regions", "--strict-regions"),
    ("assume_roles", "--assume-role"), ("external_id", "--external-id"),
    ("role_session_name", "--role-session-name"), ("accounts_file", "--accounts"),
    ("include_imported", "--include-imported"), ("organization", "--organization"),
    ("ous", "--ou"), ("role_name", "--role-name"), ("exclude_accounts", "--exclude-account"),
    ("allow_regions", "--allow-region"),
)


@dataclass(frozen=True)
class ReadRequest:
    """One read of models: from files (``from_paths``) or from live AWS.

    ``needs`` names the enrichments to fetch (what the loaded rules read) and ``posture``
    the account settings (None: no ``resource: account`` policy, no account document).
    ``accounts`` are accounts given as such (each through its role or profile);
    ``assume_roles``, ``accounts_file`` and ``organization`` name them the command line's
    way and are turned into accounts when the read starts.
    """

    from_paths: tuple[str, ...] = ()
    profile: str | None = None
    regions: tuple[str, ...] = ()
    model_ids: tuple[str, ...] = ()
    needs: frozenset[str] = frozenset()
    posture: frozenset[str] | None = None
    workers: int = DEFAULT_WORKERS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    connect_timeout: float = 5
    read_timeout: float = DEFAULT_READ_TIMEOUT
    timeout: float | None = DEFAULT_RUN_TIMEOUT
    all_regions: bool = False
    strict_regions: bool = False
    accounts: tuple[AccountSpec, ...] = ()
    assume_roles: tuple[str, ...] = ()
    external_id: str | None = None
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME
    accounts_file: str | None = None
    include_imported: bool = False
    organization: bool = False
    ous: tuple[str, ...] = ()
    role_name: str | None = None
    exclude_accounts: tuple[str, ...] = ()
    include_jobs: bool = False
    allow_regions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Sequences given as lists are kept as tuples: the record is hashable and frozen.
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, list):
                object.__setattr__(self, item.name, tuple(value))
        self._check_numbers()
        self._check_jobs()
        if self.from_paths:
            if given := self.live_given():
                raise UsageError(f"{', '.join(given)} read live AWS and cannot be combined "
                                 "with --from")
        else:
            self._check_live()

    def _check_numbers(self) -> None:
        """Bounds the command line's option types enforce too; another caller (the Lambda
        function's deadline, a script) gets a SourceError."""
        if self.workers < 1:
            raise SourceError(f"--workers must be at least 1, not {self.workers}")
        if self.timeout is not None and not self.timeout > 0:
            raise SourceError(f"--timeout must be more than 0 seconds, not {self.timeout:g}")
        if not self.read_timeout > 0:
            raise SourceError(f"--read-timeout must be more than 0 seconds, not "
                             f"{self.read_timeout:g}")
        if self.max_attempts < 1:
            raise SourceError(f"--max-attempts must be at least 1, not {self.max_attempts}")

    def _check_live(self) -> None:
        """The live options that do not fit together (no AWS call, no file read)."""
        if self.all_regions and self.regions:
            raise UsageError("--all-regions reads every Bedrock region: leave out --region")
        if self.strict_regions and not self.all_regions:
            raise UsageError("--strict-regions applies to --all-regions only")
        if self.assume_roles and self.accounts_file:
            raise UsageError("give the roles either with --assume-role or in --accounts, "
                             "not both")
        if self.organization and (self.assume_roles or self.accounts_file):
            raise UsageError("--organization reads the accounts from AWS Organizations: leave "
                             "out --assume-role and --accounts")
        if not self.organization and (self.ous or self.role_name or self.exclude_accounts):
            raise UsageError("--ou, --role-name and --exclude-account apply to --organization "
                             "only")
        if not self.reads_other_accounts() and (
                self.external_id is not None
                or self.role_session_name != DEFAULT_ROLE_SESSION_NAME):
            raise UsageError("--external-id and --role-session-name apply to --assume-role, "
                             "--accounts and --organization only")
        if self.external_id is not None and (problem := external_id_problem(self.external_id)):
            raise UsageError(f"--external-id: {problem}")
        if problem := session_name_problem(self.role_session_name):
            raise UsageError(f"--role-session-name: {problem}")
        if self.organization:
            from checker.sources.aws.organization import check_org_options

            check_org_options(self.role_name, self.ous, self.exclude_accounts)
        self._check_regions(())

    def _check_regions(self, specs: Sequence[AccountSpec]) -> None:
        """A region name botocore does not list is a usage error now, with a suggestion,
        rather than a read that retries a missing endpoint (--allow-region lets a region
        newer than botocore through)."""
        for region in self.allow_regions:
            if not REGION_SYNTAX.fullmatch(region):
                raise UsageError(f"--allow-region: {region!r} is not a region name")
        named = [("--region", region) for region in self.regions]
        named += [(f"--accounts {self.accounts_file}", region) for spec in specs
                  for region in spec.regions]
        if not self.regions and not self.all_regions and \
                (env := os.environ.get("AWS_DEFAULT_REGION")):
            named.append(("AWS_DEFAULT_REGION", env))
        for where, region in named:
            if problem := region_problem(region, self.allow_regions):
                raise UsageError(f"{where}: {problem}")

    def _check_jobs(self) -> None:
        if not self.include_jobs:
            return
        if self.from_paths or self.model_ids:
            raise UsageError("--include-jobs reads every in-flight job of the regions from "
                             "live AWS; it cannot be combined with --from or --model")
        if self.reads_other_accounts():
            raise UsageError("--include-jobs reads the jobs of the credentials' own account "
                             "only; it cannot be combined with --assume-role, --accounts or "
                             "--organization")

    def live_given(self) -> list[str]:
        """The live-AWS options set (not left at their default), by command-line name."""
        defaults = ReadRequest.__dataclass_fields__
        return [option for name, option in LIVE_OPTIONS
                if getattr(self, name) != defaults[name].default]

    def reads_other_accounts(self) -> bool:
        return bool(self.assume_roles or self.accounts_file or self.organization
                    or self.accounts)

    def account_specs(self) -> list[AccountSpec]:
        """The accounts to read (none: the credentials' own account; for ``organization``
        they are listed from AWS Organizations when the read starts); PolicyError for a bad
        accounts file."""
        if self.accounts:
            return list(self.accounts)
        if self.organization:
            return []
        if self.accounts_file:
            specs = load_accounts_file(self.accounts_file, external_id=self.external_id)
            self._check_regions(specs)
            return specs
        return accounts_from_roles(self.assume_roles, self.external_id)

    def fetch_options(self, accounts: list[AccountSpec]) -> dict[str, Any]:
        """The keyword arguments of :func:`~checker.sources.aws.fetch.fetch_models` for this
        read of ``accounts``."""
        return {"profile": self.profile, "regions": self.regions, "model_ids": self.model_ids,
                "needs": self.needs, "workers": self.workers,
                "max_attempts": self.max_attempts, "accounts": accounts,
                "all_regions": self.all_regions, "strict_regions": self.strict_regions,
                "role_session_name": self.role_session_name,
                "include_imported": self.include_imported, "connect_timeout":
                self.connect_timeout, "timeout": self.timeout,
                "read_timeout": self.read_timeout, "posture": self.posture}
