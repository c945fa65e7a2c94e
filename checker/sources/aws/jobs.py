"""In-flight customization jobs, judged as the models they will produce (kind ``job``).

``job_input`` is pure: a ``GetModelCustomizationJob`` response in, a model input out.
``fetch_jobs`` reads the jobs still ``InProgress`` from live AWS (List/Get only).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from checker.documents import normalize_document, parse_arn
from checker.enrichments import ENRICHMENTS, Absent, NotAvailable, TheJob
from checker.errors import SourceError
from checker.results import ModelInput, ModelKind, ReportError, SourceResult
from checker.sources.aws.clients import client_config
from checker.sources.aws.errors import one_line
from checker.sources.aws.paging import list_pages
from checker.sources.aws.posture import model_settings, with_account
from checker.sources.aws.request import ReadRequest
from checker.sources.aws.responses import check_response

if TYPE_CHECKING:  # boto3-stubs (the test extras)
    from mypy_boto3_bedrock import BedrockClient

JOB: ModelKind = "job"
# GetModelCustomizationJob fields and the model document keys the finished model will have.
_MODEL_FIELDS = {
    "outputModelName": "modelName",
    "baseModelArn": "baseModelArn",
    "outputModelKmsKeyArn": "modelKmsKeyArn",
    "customizationType": "customizationType",
    "hyperParameters": "hyperParameters",
    "customizationConfig": "customizationConfig",
    "trainingDataConfig": "trainingDataConfig",
    "validationDataConfig": "validationDataConfig",
    "outputDataConfig": "outputDataConfig",
}
def job_input(response: Mapping[str, Any], *, origin: str = "aws",
              needs: frozenset[str] = frozenset()) -> ModelInput:
    """The model an in-flight job will produce: the job's output fields under the model
    document's names, the whole response under ``job``, and region and account from the
    job's ARN. It has no ``modelArn`` (the model does not exist yet) and no ``modelStatus``.
    """
    job = normalize_document(response)
    doc: dict[str, Any] = {key: job[field] for field, key in _MODEL_FIELDS.items()
                           if job.get(field) is not None}
    parts = parse_arn(job.get("jobArn"))
    if parts is not None:
        if parts[2]:
            doc["region"] = parts[2]
        if parts[3]:
            doc["accountId"] = parts[3]
    errors: dict[str, tuple[str, str]] = {}
    # The model does not exist yet: nothing serves it, nothing copied it, nothing imported
    # it; what each key holds for a job is in its record.
    for enrichment in ENRICHMENTS:
        value = enrichment.job
        if isinstance(value, TheJob):
            doc[enrichment.key] = job
        elif enrichment.key not in needs or isinstance(value, Absent):
            continue
        elif isinstance(value, NotAvailable):
            errors[enrichment.key] = ("NotAvailable", value.message)
        elif enrichment.resource == "model":
            doc[enrichment.key] = copy.deepcopy(value)
    return ModelInput(document=doc, kind=JOB, origin=origin, enrichment_errors=errors)


def read_job(session_factory: Callable[[str | None], Any], region: str, identifier: str,
             job_arn: str) -> dict[str, Any]:
    """GetModelCustomizationJob for one job (the Lambda function's job events);
    :class:`SourceError` when it cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = session_factory(None).client("bedrock", region_name=region,
                                              config=client_config())
        # As every client of a run: the answer checked against botocore's shape first.
        client.meta.events.register("before-parse", check_response)
        response: dict[str, Any] = client.get_model_customization_job(jobIdentifier=identifier)
    except (ClientError, BotoCoreError) as exc:
        raise SourceError(f"{region}: GetModelCustomizationJob {job_arn}: "
                          f"{one_line(exc)}") from None
    return response


def _error(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error", {})
        code = str(error.get("Code") or type(exc).__name__)
        return code, " ".join(str(error.get("Message") or exc).split())
    return type(exc).__name__, " ".join(str(exc).split())


def fetch_jobs(clients: Mapping[str, BedrockClient], *, needs: frozenset[str] = frozenset(),
               skip_models: frozenset[str] = frozenset()) -> SourceResult:
    """The jobs still ``InProgress`` in each region, as the models they will produce.

    ``clients`` maps a region to its Bedrock client. Calls ``ListModelCustomizationJobs``
    (``statusEquals=InProgress``) and ``GetModelCustomizationJob`` only. A job whose output
    model is already among ``skip_models`` (ARNs read as models) is judged as that model, not
    twice. A region or job that cannot be read is an error in the result, never a pass.
    """
    models: list[ModelInput] = []
    errors: list[ReportError] = []
    for region, client in clients.items():
        try:
            summaries = [summary
                         for page in list_pages(client, "list_model_customization_jobs",
                                                statusEquals="InProgress")
                         for summary in page["modelCustomizationJobSummaries"]]
        except Exception as exc:  # any failure is the listing's error
            code, message = _error(exc)
            errors.append(ReportError(code=code, region=region, message=(
                f"{region}: ListModelCustomizationJobs: {code}: {message}")))
            continue
        for summary in summaries:
            arn = summary.get("jobArn")
            # A job name is unique in its account and region, and every endpoint takes it
            # as it is (an ARN must survive URL encoding in the request path).
            ident = summary.get("jobName") or arn
            try:
                response = client.get_model_customization_job(jobIdentifier=ident)
            except Exception as exc:  # any failure is the job's error
                code, message = _error(exc)
                errors.append(ReportError(
                    code=code, region=region, model_name=summary.get("customModelName"),
                    message=f"{region}: GetModelCustomizationJob {arn}: {code}: {message}"))
                continue
            if response.get("status") != "InProgress":
                continue  # finished between the listing and now: it is a model (or nothing)
            if response.get("outputModelArn") in skip_models:
                continue
            models.append(job_input(response, origin=f"aws:{region}", needs=needs))
    accounts = sorted({a for m in models if isinstance(a := m.document.get("accountId"), str)})
    return SourceResult(models=tuple(models), errors=tuple(errors), sources=("aws",),
                        accounts=tuple(accounts),
                        regions=tuple(sorted(clients)))


def fetch_live_jobs(session_factory: Callable[[str | None], Any], request: ReadRequest,
                    regions: Sequence[str], skip_models: frozenset[str]) -> SourceResult:
    """:func:`fetch_jobs` for ``regions``, with clients made like the live model source's
    (``request``'s profile, enrichments, attempts, connect and read timeouts; answers
    checked against botocore's shapes, a deadline per request and ``request.timeout`` for
    the whole read), so a run always ends."""
    from botocore.exceptions import BotoCoreError

    from checker.sources.aws.deadlines import Deadlines, bound_client

    deadlines = Deadlines.start(request.connect_timeout, request.read_timeout, request.timeout)
    config = client_config(request.max_attempts, connect_timeout=request.connect_timeout,
                           read_timeout=request.read_timeout)
    session = session_factory(request.profile)
    clients: dict[str, BedrockClient] = {}
    errors: list[ReportError] = []
    for region in regions:
        try:
            client = session.client("bedrock", region_name=region, config=config)
            client.meta.events.register("before-parse", check_response)
            bound_client(client, deadlines)
            clients[region] = client
        except (BotoCoreError, ValueError) as exc:
            code, message = _error(exc)
            errors.append(ReportError(code=code, region=region,
                                      message=f"{region}: {code}: {message}"))
    result = fetch_jobs(clients, needs=request.needs, skip_models=skip_models)
    return SourceResult(models=result.models, errors=(*errors, *result.errors),
                        sources=result.sources, accounts=result.accounts,
                        regions=result.regions)


def with_live_jobs(source: SourceResult, session_factory: Callable[[str | None], Any],
                   request: ReadRequest) -> SourceResult:
    """``source`` plus the customization jobs still in progress in the regions it read (the
    models it already holds skipped); everything else it read, account settings included,
    is kept. ``request`` gives the profile, enrichments, attempts and timeouts."""
    existing = frozenset(arn for m in source.models
                         if isinstance(arn := m.document.get("modelArn"), str))
    found = fetch_live_jobs(session_factory, request, source.regions, existing)
    jobs = found.models
    keys = model_settings(request.needs)
    if keys is not None:
        # A job's account and region's settings, read with the models (account.KEY).
        settings = {(p.document.get("accountId"), p.document.get("region")): p
                    for p in source.settings}
        jobs = tuple(with_account(job, settings.get((job.document.get("accountId"),
                                                     job.document.get("region"))), keys)
                     for job in jobs)
    return replace(source, models=(*source.models, *jobs),
                   errors=(*source.errors, *found.errors),
                   accounts=tuple(sorted({*source.accounts, *found.accounts})))
