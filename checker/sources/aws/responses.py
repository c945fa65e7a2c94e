"""Every AWS answer checked before botocore reads it: a body that is not what botocore's own
service model says is an error naming the API and the field, never a document.

botocore trusts a 200 answer: a body it cannot parse becomes ``{}``, a string where a number
belongs passes through, a structure that is a string raises ``AttributeError`` from deep in
its parser. :func:`check_response` runs on ``before-parse`` (so on the raw bytes) for every
JSON operation of a client and raises :class:`MalformedResponse`, a ``BotoCoreError``,
which every caller already turns into an error of that model, region or enrichment.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

from botocore.exceptions import BotoCoreError
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.utils import parse_timestamp

from checker.documents import parse_arn
from checker.lang.context import type_name

# The members an answer must hold for the tool to use it: a listing without its summaries is
# not an empty listing, a summary or document without its ARN names no model. Only these:
# botocore marks other members required that real answers leave out (a summary of an
# IMPORTED custom model has no baseModelArn; moto's job documents omit
# validationDataConfig), and the rules judge what is missing.
#
# Every listing's page must hold its list (an answer without it is not "none"), and each item
# the members that join it to what it is about; every Get the document it answers with. A
# listing item's status is not required here: a missing one makes what depends on it unknown
# where it is read (context.py), not the whole listing an error. Keyed by operation name:
# the services read (Bedrock, KMS, Organizations, STS) share none that differ.
REQUIRED: dict[str, tuple[str, ...]] = {
    "ListCustomModels": ("modelSummaries", "modelSummaries[].modelArn"),
    "ListImportedModels": ("modelSummaries", "modelSummaries[].modelArn"),
    "GetCustomModel": ("modelArn", "modelName", "creationTime"),
    "GetImportedModel": ("modelArn",),
    "ListCustomModelDeployments": ("modelDeploymentSummaries",
                                   "modelDeploymentSummaries[].customModelDeploymentArn",
                                   "modelDeploymentSummaries[].modelArn"),
    "GetCustomModelDeployment": ("customModelDeploymentArn", "modelArn"),
    "ListProvisionedModelThroughputs": ("provisionedModelSummaries",
                                        "provisionedModelSummaries[].provisionedModelArn",
                                        "provisionedModelSummaries[].modelArn"),
    "ListModelCopyJobs": ("modelCopyJobSummaries", "modelCopyJobSummaries[].jobArn",
                          "modelCopyJobSummaries[].targetModelArn"),
    "ListModelCustomizationJobs": ("modelCustomizationJobSummaries",
                                   "modelCustomizationJobSummaries[].jobArn"),
    "GetModelCustomizationJob": ("jobArn",),
    "GetModelImportJob": ("jobArn",),
    "GetFoundationModel": ("modelDetails",),
    "ListEnforcedGuardrailsConfiguration": ("guardrailsConfig",),
    "ListTagsForResource": ("tags",),
    "DescribeKey": ("KeyMetadata",),
    "ListAliases": ("Aliases",),
    "ListAccounts": ("Accounts",),
    "ListAccountsForParent": ("Accounts",),
    "ListOrganizationalUnitsForParent": ("OrganizationalUnits",),
}
# Nesting no Bedrock or KMS answer comes near; deeper than this is refused before walking it.
MAX_DEPTH = 64
JSON_PROTOCOLS = frozenset({"json", "rest-json"})


class MalformedResponse(BotoCoreError):  # type: ignore[misc,unused-ignore]
    """An answer whose body is not what the operation's output shape says."""

    fmt = "{reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)
        self.reason = reason


def _json_type(value: Any) -> str:
    return type_name(value, mapping="an object")


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _preview(body: bytes) -> str:
    text = body[:40].decode("utf-8", "replace")
    return " ".join(text.split()) + ("..." if len(body) > 40 else "")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check(shape: Shape, value: Any, path: str, depth: int) -> None:
    """Raise MalformedResponse if ``value`` (parsed JSON) does not fit ``shape``."""
    if depth > MAX_DEPTH:
        raise MalformedResponse(f"{path} is nested more than {MAX_DEPTH} levels deep")
    kind = shape.type_name
    container = _CONTAINERS.get(kind)
    if container is not None:
        container(shape, value, path, depth)
    elif kind == "timestamp":
        _check_timestamp(value, path)
    elif kind in _SCALARS:
        fits, what = _SCALARS[kind]
        if not fits(value):
            raise MalformedResponse(f"{path} is {_json_type(value)}, not {what}")


def _check_structure(shape: Shape, value: Any, path: str, depth: int) -> None:
    assert isinstance(shape, StructureShape)
    if shape.is_document_type:
        return
    if not isinstance(value, dict):
        raise MalformedResponse(f"{path} is {_json_type(value)}, not an object")
    for name, member in shape.members.items():
        if member.serialization.get("location"):
            continue  # a header or the status code, not the body
        item = value.get(member.serialization.get("name", name))
        if item is not None:
            _check(member, item, _join(path, name), depth + 1)


def _check_list(shape: Shape, value: Any, path: str, depth: int) -> None:
    if not isinstance(value, list):
        raise MalformedResponse(f"{path} is {_json_type(value)}, not a list")
    member = cast(ListShape, shape).member
    for index, item in enumerate(value):
        if item is not None:
            _check(member, item, f"{path}[{index}]", depth + 1)


def _check_map(shape: Shape, value: Any, path: str, depth: int) -> None:
    if not isinstance(value, dict):
        raise MalformedResponse(f"{path} is {_json_type(value)}, not an object")
    value_shape = cast(MapShape, shape).value
    for key, item in value.items():
        if item is not None:
            _check(value_shape, item, _join(path, str(key)), depth + 1)


def _check_timestamp(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MalformedResponse(f"{path} is {_json_type(value)}, not a timestamp")
    if isinstance(value, float) and not math.isfinite(value):
        raise MalformedResponse(f"{path} is not a timestamp")
    if isinstance(value, str) and _is_iso_timestamp(value):
        return  # what AWS sends, checked without parsing it twice (botocore parses it next)
    try:
        # botocore's parser takes epoch seconds too, whatever its stubs say.
        parse_timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError, OSError):
        raise MalformedResponse(f"{path} is not a timestamp: {value!r:.60}") from None


# An ISO 8601 date and time as the JSON protocols send them (2026-01-01T00:00:00.123Z,
# with an offset or without a zone); any other form goes to botocore's own parser.
_ISO_TIMESTAMP = re.compile(
    r"\A(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?"
    r"(?:Z|[+-](\d{2}):?(\d{2}))?\Z", re.ASCII)


def _is_iso_timestamp(value: str) -> bool:
    """Whether ``value`` is an ISO 8601 timestamp whose fields are all in range (what
    botocore's parser then takes): a cheap check instead of a second full parse."""
    match = _ISO_TIMESTAMP.match(value)
    if match is None:
        return False
    year, month, day, hour, minute, second, zone_h, zone_m = (
        int(g) if g is not None else 0 for g in match.groups())
    if not (1 <= month <= 12 and hour <= 23 and minute <= 59 and second <= 59
            and zone_h <= 23 and zone_m <= 59 and year >= 1):
        return False
    return 1 <= day <= calendar.monthrange(year, month)[1]


def _is_number(value: Any) -> bool:
    # The JSON protocols send the non-finite values as these strings.
    if value in ("NaN", "Infinity", "-Infinity"):
        return True
    return not isinstance(value, bool) and isinstance(value, (int, float))


_CONTAINERS: dict[str, Callable[[Shape, Any, str, int], None]] = {
    "structure": _check_structure, "list": _check_list, "map": _check_map}
# A scalar's botocore type: what its JSON value must be, and its name in messages.
_SCALARS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "blob": (lambda v: isinstance(v, str), "a string"),
    "boolean": (lambda v: isinstance(v, bool), "a boolean"),
    "integer": (lambda v: not isinstance(v, bool) and isinstance(v, int), "an integer"),
    "long": (lambda v: not isinstance(v, bool) and isinstance(v, int), "an integer"),
    "float": (_is_number, "a number"),
    "double": (_is_number, "a number"),
}


def check_body(operation: OperationModel, body: bytes, headers: Any = None) -> None:
    """Raise :class:`MalformedResponse` unless ``body`` is a JSON object that fits the
    operation's output shape (the JSON type of every member it knows; unknown members are
    allowed) and holds the members of :data:`REQUIRED`."""
    length = (headers or {}).get("content-length")
    if length is not None and str(length).isdigit() and int(length) != len(body):
        raise MalformedResponse(f"the body is truncated: {len(body)} of {length} bytes "
                                "arrived")
    if not body.strip():
        raise MalformedResponse("the body is empty")
    try:
        value = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise MalformedResponse("the body is not UTF-8 text") from None
    except RecursionError:
        raise MalformedResponse("the body is JSON nested too deeply to read") from None
    except ValueError:
        raise MalformedResponse(f"the body is not JSON (it starts {_preview(body)!r})") \
            from None
    if b"\\u" in body and _has_surrogate(value):
        raise MalformedResponse("a string holds a lone surrogate (\\ud800-\\udfff), which is "
                                "not a character")
    shape = operation.output_shape
    if shape is None:
        return
    if not isinstance(value, dict):
        raise MalformedResponse(f"the body is {_json_type(value)}, not a JSON object")
    _check(shape, value, "", 0)
    for name in REQUIRED.get(operation.name, ()):
        outer, _, inner = name.partition("[].")
        if not inner:
            if value.get(name) is None:
                raise MalformedResponse(f"{name} is missing")
            continue
        for index, item in enumerate(value.get(outer) or ()):
            if isinstance(item, dict) and item.get(inner) is None:
                raise MalformedResponse(f"{outer}[{index}].{inner} is missing")


def check_response(operation_model: OperationModel, response_dict: dict[str, Any],
                   **_: Any) -> None:
    """A ``before-parse`` handler: check a successful JSON answer before botocore reads
    it. Error answers (status 300 and up) are left to botocore's error parsing."""
    service = operation_model.service_model
    protocol = getattr(service, "resolved_protocol", None) or service.metadata.get("protocol")
    if protocol not in JSON_PROTOCOLS:
        return
    if response_dict.get("status_code", 200) >= 300:
        return
    body = response_dict.get("body")
    if not isinstance(body, (bytes, bytearray)):
        return  # a streaming body: none of the operations read here has one
    check_body(operation_model, bytes(body), response_dict.get("headers"))


class WrongModel(BotoCoreError):  # type: ignore[misc,unused-ignore]
    """A Get answered with another model's document (or none)."""

    fmt = "{reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)
        self.reason = reason


def check_identity(raw: Any, summary: Mapping[str, Any] | None, identifier: str | None) -> None:
    """Raise :class:`WrongModel` unless ``raw`` is the document of the model asked for: the
    listed summary's ARN, the --model ARN, or the --model name. botocore makes ``{}`` of a
    body it cannot read, so a document is never trusted to be the one asked for."""
    if not isinstance(raw, Mapping):
        raise WrongModel(f"the answer is {type(raw).__name__}, not a model document")
    asked = (summary or {}).get("modelArn")
    if asked is None and identifier is not None and parse_arn(identifier) is not None:
        asked = identifier
    got_arn, got_name = raw.get("modelArn"), raw.get("modelName")
    if asked is not None:
        if got_arn != asked:
            what = f"is for {str(got_arn)[:200]!r}" if got_arn else "has no modelArn"
            raise WrongModel(f"the answer {what}, not the model asked for")
    elif got_name != identifier:
        what = f"is for a model named {str(got_name)[:200]!r}" if got_name \
            else "has no modelName"
        raise WrongModel(f"the answer {what}, not the model asked for")
    if not isinstance(got_arn, str) or parse_arn(got_arn) is None:
        raise WrongModel(f"the answer's modelArn {str(got_arn)[:200]!r} is not an ARN")
