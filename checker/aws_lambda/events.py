"""The events the function is invoked with, and the models the API calls in them will create.

Pure: plain event data in, a parsed event or model inputs out. Three kinds of event:

- ``Model Customization Job State Change`` (``source: aws.bedrock``), which Bedrock sends to
  EventBridge when a customization job changes state;
- ``AWS API Call via CloudTrail`` for the Bedrock calls that create a model
  (:data:`CREATE_CALLS`), delivered by an EventBridge rule;
- a scheduled event (an EventBridge rule's ``Scheduled Event``, or EventBridge Scheduler with
  the input ``{"source": "aws.scheduler", "detail-type": "Scheduled Event"}``).

Anything else is an :class:`~checker.errors.InputError`: an event the function does not
understand is a failed invocation, never a silent success.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.documents import parse_arn
from checker.errors import InputError
from checker.lang.arns import request_arn_problem
from checker.lang.context import did_you_mean
from checker.results import ModelInput
from checker.sources import planned

JOB_STATE_CHANGE = "Model Customization Job State Change"
API_CALL = "AWS API Call via CloudTrail"
SCHEDULED = "Scheduled Event"
CREATE_CALLS = ("CreateModelCustomizationJob", "CreateModelCopyJob", "CreateModelImportJob",
                "CreateCustomModel")
# What CloudTrail writes in place of a request value it does not record.
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

# The members of botocore's input shapes (a test keeps them equal to the installed botocore's).
COPY_KEYS = ("sourceModelArn", "targetModelName", "modelKmsKeyId", "targetModelTags",
             "clientRequestToken")
IMPORT_KEYS = ("jobName", "importedModelName", "roleArn", "modelDataSource", "jobTags",
               "importedModelTags", "clientRequestToken", "vpcConfig", "importedModelKmsKeyId")
CUSTOM_MODEL_KEYS = ("modelName", "modelSourceConfig", "customModelDataSource",
                     "modelKmsKeyArn", "roleArn", "modelTags", "clientRequestToken")

# Request key -> model document key, per call (keys not named here go under ``job``).
_DOC_KEYS: dict[str, dict[str, str]] = {
    "CreateModelCustomizationJob": {
        "customModelName": "modelName", "baseModelIdentifier": "baseModelArn",
        "customModelKmsKeyId": "modelKmsKeyArn", "customModelTags": "tags",
        **{k: k for k in ("customizationType", "hyperParameters", "customizationConfig",
                          "trainingDataConfig", "validationDataConfig", "outputDataConfig")}},
    "CreateModelCopyJob": {"targetModelName": "modelName", "modelKmsKeyId": "modelKmsKeyArn",
                           "targetModelTags": "tags"},
    "CreateModelImportJob": {"importedModelName": "modelName",
                             "importedModelKmsKeyId": "modelKmsKeyArn",
                             "importedModelTags": "tags", "modelDataSource": "modelDataSource"},
    "CreateCustomModel": {"modelName": "modelName", "modelKmsKeyArn": "modelKmsKeyArn",
                          "modelTags": "tags", "modelSourceConfig": "modelSourceConfig",
                          "customModelDataSource": "customModelDataSource"},
}
# Keys that name the model: a request whose CloudTrail record hides one cannot be judged.
_REQUIRED = {"CreateModelCustomizationJob": ("customModelName", "baseModelIdentifier"),
             "CreateModelCopyJob": ("targetModelName", "sourceModelArn"),
             "CreateModelImportJob": ("importedModelName",),
             "CreateCustomModel": ("modelName",)}


@dataclass(frozen=True)
class JobStateChange:
    region: str
    account: str | None
    job_arn: str
    job_name: str | None
    status: str
    output_model_arn: str | None
    output_model_name: str | None = None

    @property
    def job_identifier(self) -> str:
        return self.job_name or self.job_arn


@dataclass(frozen=True)
class ApiCall:
    region: str
    account: str | None
    name: str  # CreateModelCustomizationJob, ...
    event_id: str
    request: Mapping[str, Any]
    response: Mapping[str, Any]
    error_code: str | None = None

    @property
    def origin(self) -> str:
        return f"cloudtrail:{self.name}:{self.event_id}"


@dataclass(frozen=True)
class Scheduled:
    source: str
    time: str | None = None


Event = JobStateChange | ApiCall | Scheduled


def _str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(f"{where}: {key} must be a non-empty string")
    return value


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def parse_event(event: Any) -> Event:
    """What an invocation's event is; InputError for anything not understood."""
    if not isinstance(event, Mapping):
        raise InputError(f"event: an object was expected, not {type(event).__name__}")
    kind = event.get("detail-type")
    source = event.get("source")
    if kind == SCHEDULED and source in ("aws.events", "aws.scheduler"):
        return Scheduled(source=str(source), time=_optional_str(event, "time"))
    detail = event.get("detail")
    if kind in (JOB_STATE_CHANGE, API_CALL) and not isinstance(detail, Mapping):
        raise InputError(f"{kind} event: detail must be an object")
    assert kind not in (JOB_STATE_CHANGE, API_CALL) or isinstance(detail, Mapping)
    if kind == JOB_STATE_CHANGE and source == "aws.bedrock":
        assert isinstance(detail, Mapping)
        where = f"{kind} event"
        job_arn = _str(detail, "jobArn", where)
        parts = parse_arn(job_arn)
        region = _optional_str(event, "region") or (parts[2] if parts else None)
        if not region:
            raise InputError(f"{where}: no region in the event or the job ARN")
        return JobStateChange(region=region, account=_optional_str(event, "account"),
                              job_arn=job_arn, job_name=_optional_str(detail, "jobName"),
                              status=_str(detail, "jobStatus", where),
                              output_model_arn=_optional_str(detail, "outputModelArn"),
                              output_model_name=_optional_str(detail, "outputModelName"))
    if kind == API_CALL:
        assert isinstance(detail, Mapping)
        where = f"{kind} event"
        name = _str(detail, "eventName", where)
        if detail.get("eventSource") != "bedrock.amazonaws.com" or name not in CREATE_CALLS:
            raise InputError(f"{where}: {detail.get('eventSource')} {name} is not one of the "
                             f"Bedrock calls judged ({', '.join(CREATE_CALLS)})")
        request = detail.get("requestParameters")
        error_code = _optional_str(detail, "errorCode")
        if not isinstance(request, Mapping):
            if error_code is None:
                raise InputError(f"{where}: {name}: requestParameters must be an object")
            request = {}
        response = detail.get("responseElements")
        return ApiCall(region=_optional_str(detail, "awsRegion") or _str(event, "region", where),
                       account=_optional_str(detail, "recipientAccountId")
                       or _optional_str(event, "account"),
                       name=name, event_id=_optional_str(detail, "eventID")
                       or _optional_str(event, "id") or "unknown",
                       request=request,
                       response=response if isinstance(response, Mapping) else {},
                       error_code=error_code)
    raise InputError(f"event: detail-type {kind!r} from source {source!r} is not one the "
                     f"function judges ({JOB_STATE_CHANGE!r} from aws.bedrock, {API_CALL!r}, "
                     f"{SCHEDULED!r})")


def is_model_arn(value: str | None) -> bool:
    """A custom model's ARN (``...:custom-model/...``), as opposed to a bare name."""
    parts = parse_arn(value)
    return parts is not None and parts[4].startswith("custom-model/")


# --- requests into planned models -----------------------------------------------------------

def _has_hidden(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_has_hidden(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_hidden(v) for v in value)
    return bool(value == HIDDEN)


def _hidden_paths(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of the values CloudTrail hid; a list with anything hidden in it (a tag's
    value, say) is unknown as a whole, since its elements map onto other shapes."""
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _hidden_paths(v, (*path, str(k)))]
    return [path] if _has_hidden(value) else []


def _without(data: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    copy = dict(data)
    if len(path) == 1:
        copy.pop(path[0], None)
    else:
        copy[path[0]] = _without(copy[path[0]], path[1:])
    return copy


@dataclass
class _Request:
    """A request with the values CloudTrail hid taken out, and the document paths they
    would have filled."""

    call: ApiCall
    data: dict[str, Any] = field(default_factory=dict)
    unknown: list[tuple[str, ...]] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = _DOC_KEYS[self.call.name]
        data: dict[str, Any] = dict(self.call.request)
        for key in _REQUIRED[self.call.name]:
            if data.get(key) in (None, ""):
                raise InputError(f"{self.call.origin}: the {self.call.name} request has no "
                                 f"{key}")
        for path in _hidden_paths(data):
            if not path or path[0] in _REQUIRED[self.call.name]:
                raise InputError(f"{self.call.origin}: CloudTrail hid {'.'.join(path)} of the "
                                 "request: the model it creates cannot be judged")
            data = _without(data, path)
            if path[0] in names:
                doc_path = (names[path[0]], *path[1:])
                self.unknown.append(doc_path)
                if self.call.name == "CreateModelCustomizationJob" and path[0] != \
                        "customModelTags":
                    self.unknown.append(("job", *_job_path(path)))
            else:
                self.unknown.append(("job", *path))
        problem = request_arn_problem(self.call.name, data)
        if problem is not None:
            raise InputError(f"{self.call.origin}: the {self.call.name} request: {problem}")
        self.data = data

    def check_keys(self, keys: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in keys:
                raise InputError(f"{self.call.origin}: unknown key {key!r} in a "
                                 f"{self.call.name} request" + did_you_mean(key, keys))

    def input(self, doc: dict[str, Any]) -> ModelInput:
        doc.setdefault("region", self.call.region)
        if self.call.account:
            doc.setdefault("accountId", self.call.account)
        return ModelInput(document=doc, kind=planned.PLANNED, origin=self.call.origin,
                          unknown_fields=tuple(self.unknown))


def _job_path(path: tuple[str, ...]) -> tuple[str, ...]:
    # GetModelCustomizationJob names: customModelName -> outputModelName, ...
    renamed = {"customModelName": "outputModelName", "customModelKmsKeyId":
               "outputModelKmsKeyArn", "baseModelIdentifier": "baseModelArn"}
    return (renamed.get(path[0], path[0]), *path[1:])


def _tags(request: _Request, key: str) -> dict[str, Any]:
    raw = request.data.get(key)
    if raw is None:
        # Not given and not hidden: the model gets none.
        return {}
    if not isinstance(raw, list) or not all(
            isinstance(t, Mapping) and isinstance(t.get("key"), str) and "value" in t
            for t in raw):
        raise InputError(f"{request.call.origin}: {key} must be a list of {{key, value}}")
    return {t["key"]: t["value"] for t in raw}


def customization_request(call: ApiCall) -> ModelInput:
    """``CreateModelCustomizationJob``: the model the job will produce, mapped as ``check
    --from`` maps a request file."""
    request = _Request(call)
    [model] = planned.request_to_inputs(request.data, call.origin)
    doc = dict(model.document)
    if ("tags",) in request.unknown:
        doc.pop("tags", None)
    return request.input(doc)


def import_request(call: ApiCall) -> ModelInput:
    """``CreateModelImportJob``: the imported model it will create (as GetImportedModel
    will show it, with its tags and the job's settings under ``job``)."""
    request = _Request(call)
    request.check_keys(IMPORT_KEYS)
    doc: dict[str, Any] = {"modelName": _name(request, "importedModelName")}
    for key in ("modelDataSource",):
        if request.data.get(key) is not None:
            doc[key] = request.data[key]
    if request.data.get("importedModelKmsKeyId") is not None:
        doc["modelKmsKeyArn"] = request.data["importedModelKmsKeyId"]
    if ("tags",) not in request.unknown:
        doc["tags"] = _tags(request, "importedModelTags")
    doc["job"] = {k: request.data[k] for k in ("jobName", "roleArn", "vpcConfig",
                                               "clientRequestToken")
                  if request.data.get(k) is not None}
    return request.input(doc)


def custom_model_request(call: ApiCall) -> ModelInput:
    """``CreateCustomModel``: the model it creates from its S3 artifacts."""
    request = _Request(call)
    request.check_keys(CUSTOM_MODEL_KEYS)
    doc: dict[str, Any] = {"modelName": _name(request, "modelName")}
    for key in ("modelKmsKeyArn", "modelSourceConfig", "customModelDataSource"):
        if request.data.get(key) is not None:
            doc[key] = request.data[key]
    if ("tags",) not in request.unknown:
        doc["tags"] = _tags(request, "modelTags")
    doc["job"] = {k: request.data[k] for k in ("roleArn", "clientRequestToken")
                  if request.data.get(k) is not None}
    return request.input(doc)


# What a copy does not carry over from its source model.
_NOT_COPIED = ("modelArn", "modelName", "creationTime", "modelStatus", "failureMessage",
               "modelKmsKeyArn", "tags", "kmsKey", "ownerAccountId", "region", "accountId")


def copy_request(call: ApiCall, source: ModelInput) -> ModelInput:
    """``CreateModelCopyJob``: the copy, which has its source model's training settings and
    the request's name, KMS key (none given: an AWS-owned key) and tags."""
    request = _Request(call)
    request.check_keys(COPY_KEYS)
    doc = {k: v for k, v in source.document.items() if k not in _NOT_COPIED}
    doc["modelName"] = _name(request, "targetModelName")
    if request.data.get("modelKmsKeyId") is not None:
        doc["modelKmsKeyArn"] = request.data["modelKmsKeyId"]
    if ("tags",) not in request.unknown:
        doc["tags"] = _tags(request, "targetModelTags")
    model = request.input(doc)
    errors = {k: v for k, v in source.enrichment_errors.items() if k not in ("tags", "kmsKey")}
    return ModelInput(document=model.document, kind=model.kind, origin=model.origin,
                      enrichment_errors=errors, unknown_fields=model.unknown_fields)


def copy_source(call: ApiCall) -> str:
    return _name(_Request(call), "sourceModelArn")


def _name(request: _Request, key: str) -> str:
    value = request.data.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(f"{request.call.origin}: {key} must be a non-empty string")
    return value
