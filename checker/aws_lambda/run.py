"""One invocation: the event into the models it concerns, judged, logged and returned."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from checker import TOOL_NAME, __version__
from checker.aws_lambda import events, s3
from checker.aws_lambda.config import Config, read_config
from checker.documents import parse_arn
from checker.errors import CheckerError, SourceError
from checker.policy.loader import Policy, account_settings, needed_enrichments
from checker.publish import publish_report
from checker.reports.json_report import render_json
from checker.results import ModelInput, Report, ReportError, SourceResult
from checker.run import CheckRequest, run
from checker.sources import aws
from checker.sources.aws import jobs
from checker.sources.aws.request import ReadRequest
from checker.sources.read import read
from checker.values import redact_userinfo

SessionFactory = Callable[[str | None], Any]
# Models named in the log line; past this many only the count is logged (CloudWatch Logs
# takes at most 256 KB per line).
LOGGED_MODELS = 50
LOGGED_ERRORS = 20


class InvocationError(CheckerError):
    """The invocation could not judge what it was asked to: what ``check`` exits 2 for."""


@dataclass(frozen=True)
class Outcome:
    """What an event asked for: models to judge, or a reason to judge nothing."""

    source: SourceResult | None
    note: str = ""
    # The models are read by the run itself (a scheduled run's request).
    read: bool = False


# Policies bundled with the function do not change while it is warm: loaded once.
_BUNDLED: dict[tuple[str, ...], list[Policy]] = {}
# One boto3 session per sandbox: a new one per invocation would load botocore's endpoint
# and service data again (some 150 ms of CPU). Keyed by the AWS_* environment, so new
# credentials or endpoints there get a new session.
_SESSIONS: dict[tuple[tuple[str, str], ...], Any] = {}


def sandbox_session_factory(profile: str | None) -> Any:
    """:func:`~checker.sources.aws.default_session_factory`, its session kept while the
    sandbox is warm."""
    if profile is not None:
        return aws.default_session_factory(profile)
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    session = _SESSIONS.get(key)
    if session is None:
        _SESSIONS.clear()
        session = _SESSIONS[key] = aws.default_session_factory(None)
    return session


def load_configured_policies(config: Config, session_factory: SessionFactory) -> list[Policy]:
    """The configured policies; the bundled ones cached for warm invocations, those in S3
    read again every time (a change there applies from the next event on)."""
    if not config.s3_policies and config.policies in _BUNDLED:
        return _BUNDLED[config.policies]
    policies = s3.load_all_policies(
        config.policies, lambda: session_factory(None).client("s3"))
    if not config.s3_policies:
        _BUNDLED[config.policies] = policies
    return policies


def get_job(session_factory: SessionFactory, event: events.JobStateChange) -> dict[str, Any]:
    """GetModelCustomizationJob for the event's job; SourceError when it cannot be read or
    answers about another job than the event's (its jobArn, and its jobName if the event
    gives one)."""
    job = jobs.read_job(session_factory, event.region, event.job_identifier, event.job_arn)
    where = f"{event.region}: GetModelCustomizationJob {event.job_arn}"
    if job.get("jobArn") != event.job_arn or (
            event.job_name is not None and job.get("jobName") != event.job_name):
        raise SourceError(f"{where}: the answer is for job {str(job.get('jobArn'))[:200]!r} "
                          f"({str(job.get('jobName'))[:100]!r}), not the event's job")
    return job


def output_model(event: events.JobStateChange, job: Mapping[str, Any]) -> str:
    """The model a Completed job made, as GetModelCustomizationJob names it; SourceError
    unless it is a model ARN and the event names no other model."""
    where = f"{event.region}: GetModelCustomizationJob {event.job_arn}"
    arn = job.get("outputModelArn")
    if not isinstance(arn, str) or not events.is_model_arn(arn):
        raise SourceError(f"{where}: the Completed job names no output model ARN ({arn!r})")
    claimed = event.output_model_arn
    if claimed is not None and events.is_model_arn(claimed) and claimed != arn:
        raise SourceError(f"{where}: the event names the output model {claimed[:200]!r}, "
                          f"but the job made {arn!r}: the event is not judged")
    name = job.get("outputModelName")
    if event.output_model_name is not None and name is not None \
            and event.output_model_name != name:
        raise SourceError(f"{where}: the event names the output model "
                          f"{event.output_model_name[:200]!r}, but the job made {name!r}: "
                          "the event is not judged")
    return arn


def fetch_one(session_factory: SessionFactory, arn: str, region: str,
              needs: frozenset[str], timeout: float | None = None) -> SourceResult:
    """One model by ARN, read as ``check --model ARN`` reads it."""
    parts = parse_arn(arn)
    request = ReadRequest(regions=(parts[2] if parts and parts[2] else region,),
                          model_ids=(arn,), needs=needs, timeout=_deadline(timeout))
    return read(request, session_factory)


def _deadline(timeout: float | None) -> float:
    return aws.DEFAULT_RUN_TIMEOUT if timeout is None else timeout


def check_request(config: Config, policies: Sequence[Policy]) -> CheckRequest:
    """How an invocation judges, and what a scheduled one reads (every model of the
    configured regions, account settings and, when configured, in-flight jobs; an event's
    models are read from the event instead)."""
    return CheckRequest(
        read=ReadRequest(regions=config.regions, needs=needed_enrichments(policies),
                         posture=account_settings(policies), include_jobs=config.include_jobs,
                         timeout=_deadline(config.run_timeout)),
        fail_on=config.fail_on)


# What an invocation keeps back from its remaining time for judging, publishing and logging.
RESERVE_SECONDS = 10.0
RESERVE_SHARE = 0.1


def run_timeout(context: Any) -> float | None:
    """The read's deadline from the Lambda context's remaining time, or None outside Lambda."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    seconds = float(remaining()) / 1000
    left = seconds - max(RESERVE_SECONDS, RESERVE_SHARE * seconds)
    return min(aws.DEFAULT_RUN_TIMEOUT, max(left, 1.0))


def judged_source(event: events.Event, policies: Sequence[Policy], config: Config,
                  session_factory: SessionFactory) -> Outcome:
    """The models an event concerns (None for a scheduled run: its request reads them)."""
    needs = needed_enrichments(policies)
    if isinstance(event, events.Scheduled):
        return Outcome(None, read=True)
    if all(p.resource == "account" for p in policies):
        # An event is about one model; account settings are read on schedule only. Judged
        # by no rule, it would look like a pass.
        return Outcome(None, "every configured policy is resource: account: a model event is "
                             "judged by none of them (account settings are judged by the "
                             "scheduled runs)")
    if isinstance(event, events.JobStateChange):
        return _job_event(event, config, session_factory, needs)
    return _api_call(event, config, session_factory, needs)


def _job_event(event: events.JobStateChange, config: Config, session_factory: SessionFactory,
               needs: frozenset[str]) -> Outcome:
    if event.status == "Completed":
        # The event only says which job changed: the model judged is the one the job made,
        # as GetModelCustomizationJob says, never one the event names on its own.
        arn = output_model(event, get_job(session_factory, event))
        return Outcome(fetch_one(session_factory, arn, event.region, needs,
                                 config.run_timeout))
    if not config.include_jobs:
        return Outcome(None, f"job {event.job_arn} is {event.status}: only Completed jobs are "
                             "judged (set BEDROCK_DRIFT_INCLUDE_JOBS=true to judge the others "
                             "as the models they would produce)")
    job = get_job(session_factory, event)
    model = jobs.job_input(job, origin=f"aws:{event.region}", needs=needs)
    account = model.document.get("accountId")
    return Outcome(SourceResult(models=(model,), sources=("aws",),
                                accounts=(account,) if isinstance(account, str) else (),
                                regions=(event.region,)))


def _api_call(call: events.ApiCall, config: Config, session_factory: SessionFactory,
              needs: frozenset[str]) -> Outcome:
    if call.error_code is not None:
        return Outcome(None, f"{call.name} failed ({call.error_code}): it created nothing")
    found: list[ModelInput] = []
    errors: list[ReportError] = []
    if call.name == "CreateModelCustomizationJob":
        found.append(events.customization_request(call))
    elif call.name == "CreateModelImportJob":
        found.append(events.import_request(call))
    elif call.name == "CreateCustomModel":
        found.append(events.custom_model_request(call))
        created = call.response.get("modelArn")
        if isinstance(created, str) and events.is_model_arn(created):
            live = fetch_one(session_factory, created, call.region, needs,
                             config.run_timeout)
            found.extend(live.models)
            errors.extend(live.errors)
    else:
        source_arn = events.copy_source(call)
        live = fetch_one(session_factory, source_arn, call.region, needs, config.run_timeout)
        errors.extend(live.errors)
        if live.models:
            found.append(events.copy_request(call, live.models[0]))
        elif not live.errors:
            errors.append(ReportError(code="NotFound", model_arn=source_arn, message=(
                f"{call.origin}: the source model {source_arn} of the copy was not found")))
    return Outcome(SourceResult(models=tuple(found), errors=tuple(errors),
                                sources=("cloudtrail",),
                                accounts=(call.account,) if call.account else (),
                                regions=(call.region,)))


def summary_dict(report: Report) -> dict[str, Any]:
    """The JSON report's ``summary`` object."""
    s = report.summary
    return {"models": s.models, "policies": s.policies, "rules": s.rules,
            "violations": s.violations, "waived": s.waived, "errors": s.errors,
            "not_evaluated": s.not_evaluated, "result": s.result}


def _event_kind(event: Any) -> str:
    if isinstance(event, Mapping):
        detail = event.get("detail")
        name = detail.get("eventName") if isinstance(detail, Mapping) else None
        kind = str(event.get("detail-type", "unknown"))
        return f"{kind}: {name}" if isinstance(name, str) else kind
    return type(event).__name__


def log_line(record: Mapping[str, Any]) -> None:
    """The one structured line an invocation writes (CloudWatch Logs takes stdout)."""
    # No user name or password of an endpoint URL in the log (botocore names the URL).
    sys.stdout.write(redact_userinfo(json.dumps(record, ensure_ascii=False,
                                                separators=(",", ":"), default=str)) + "\n")
    sys.stdout.flush()


def publish(config: Config, event: events.Event, report: Report,
            session_factory: SessionFactory) -> dict[str, int]:
    """Import the report's findings where ``BEDROCK_DRIFT_PUBLISH`` says (Security Hub, in
    the function's own account). Only a scheduled run, which read every model of its
    regions, archives the hub's findings that no longer hold: an event's report holds one
    model, and must not archive the findings of all the others. Any finding not imported
    raises."""
    assert config.publish == "securityhub"
    result = publish_report(report, session_factory,
                            resolve_missing=isinstance(event, events.Scheduled))
    if result.errors:
        raise InvocationError("Security Hub: " + "; ".join(
            str(e) for e in result.errors[:LOGGED_ERRORS]))
    return {"imported": result.imported, "unchanged": result.unchanged,
            "archived": result.archived}


NOT_EVALUATED = "not_evaluated"


def not_evaluated(event: events.Event, report: Report) -> bool:
    """An event's report in which no rule applied to any model: not a pass."""
    return (not isinstance(event, events.Scheduled) and report.summary.result == "pass"
            and all(m.result == "not_applicable" for m in report.models))


def handle(event: Any, context: Any = None, *,
           session_factory: SessionFactory = sandbox_session_factory,
           env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Lambda entry point's work (see :func:`checker.aws_lambda.handler`)."""
    started = time.perf_counter()
    request_id = str(getattr(context, "aws_request_id", "") or uuid.uuid4())
    record: dict[str, Any] = {"tool": TOOL_NAME, "version": __version__,
                              "request_id": request_id, "event": _event_kind(event)}
    try:
        config = replace(read_config(env), run_timeout=run_timeout(context))
        parsed = events.parse_event(event)
        policies = load_configured_policies(config, session_factory)
        outcome = judged_source(parsed, policies, config, session_factory)
        if outcome.source is None and not outcome.read:
            record.update(result="ignored", note=outcome.note,
                          duration_ms=round((time.perf_counter() - started) * 1000, 1))
            log_line(record)
            return {"result": "ignored", "note": outcome.note, "summary": None}
        report = run(check_request(config, policies), policies,
                     session_factory=session_factory, source=outcome.source)
        summary = summary_dict(report)
        # Judged by no rule: nothing is wrong, and nothing passed either.
        result = NOT_EVALUATED if not_evaluated(parsed, report) else summary["result"]
        models = [{"name": m.model.name, "arn": m.model.arn, "kind": m.model.kind,
                   "result": m.result} for m in report.models]
        record.update(result=result, summary=summary,
                      models=models[:LOGGED_MODELS],
                      violations=[f"{v.model.name or v.model.arn}: {v.rule.policy}/{v.rule.id}"
                                  for v in report.violations[:LOGGED_MODELS]])
        if len(models) > LOGGED_MODELS:
            record["models_not_logged"] = len(models) - LOGGED_MODELS
        if report.errors:
            record["errors"] = [e.message for e in report.errors[:LOGGED_ERRORS]]
        if report.exit_code == 2:
            raise InvocationError("; ".join(e.message for e in report.errors[:LOGGED_ERRORS])
                                  or f"the report's result is {summary['result']}")
        if config.publish is not None:
            record["published"] = publish(config, parsed, report, session_factory)
        report_uri = None
        if config.report_s3 is not None:
            name = f"{report.generated_at}-{request_id}.json"
            report_uri = s3.write_report(session_factory(None).client("s3"), config.report_s3,
                                         name, render_json(report))
            record["report"] = report_uri
        record["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        log_line(record)
        return {"result": result, "summary": summary, "models": models,
                "report": report_uri, "published": record.get("published")}
    except CheckerError as exc:
        record.update(result="error", error=type(exc).__name__,
                      errors=record.get("errors") or exc.lines()[:LOGGED_ERRORS],
                      duration_ms=round((time.perf_counter() - started) * 1000, 1))
        log_line(record)
        raise
    except Exception as exc:
        # Not an error the tool knows: still one log line, and a failed invocation (Lambda
        # logs the traceback after it).
        record.update(result="error", error=type(exc).__name__,
                      errors=[" ".join(str(exc).split())[:1000]],
                      duration_ms=round((time.perf_counter() - started) * 1000, 1))
        log_line(record)
        raise
