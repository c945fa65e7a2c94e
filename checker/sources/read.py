"""The one reader of a :class:`~checker.sources.aws.request.ReadRequest`: model files for
``--from``, else live AWS (the accounts of an organization listed first, in-flight jobs
added last), for the command line and the Lambda function alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from checker.results import SourceResult
from checker.sources import aws
from checker.sources.files import load_documents

if TYPE_CHECKING:
    from checker.sources.aws.clients import SessionFactory
    from checker.sources.aws.request import ReadRequest
    from checker.sources.aws.scheduler import FetchProgress

Progress = Callable[["FetchProgress"], None]


def read(request: ReadRequest, session_factory: SessionFactory | None = None,
         progress: Progress | None = None) -> SourceResult:
    """Read what ``request`` asks for. ``session_factory`` makes the boto3 sessions of a
    live read (by default the standard credential chain); ``progress`` is called, from
    worker threads, as the live read goes."""
    if request.from_paths:
        return load_documents(list(request.from_paths))
    # boto3 and botocore are imported here, by the first live read: never for --from.
    from checker.sources.aws import jobs, organization
    from checker.sources.aws.clients import open_session

    factory = session_factory or aws.default_session_factory
    accounts = request.account_specs()
    org = None
    if request.organization:
        org = organization.discover_accounts(
            open_session(factory, request.profile), role_name=request.role_name or "",
            ous=request.ous, exclude=request.exclude_accounts,
            external_id=request.external_id, profile=request.profile,
            max_attempts=request.max_attempts, timeout=request.timeout)
        accounts = list(org.specs)
    # Through the package's name, so a stand-in put there is the one called.
    result = aws.fetch_models(factory, **request.fetch_options(accounts), progress=progress,
                              request=request)
    if org is not None:
        result = organization.with_organization(result, org)
    if request.include_jobs:
        result = jobs.with_live_jobs(result, factory, request)
    return result
