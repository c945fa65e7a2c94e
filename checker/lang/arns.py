"""ARNs are parsed, not pattern-matched by the rules alone: every ARN-typed value a model
document, a plan or a request gives is checked against the ``pattern`` botocore's service
model gives that member (read from botocore, not copied). A value that is not a well-formed
ARN (or identifier) of the right service and resource type makes the input an error, so a
leading space, ``ARN:aws:...`` or a prefix before ``foundation-model/amazon.nova-...`` can
never reach an allow-list.

ARN-typed members are those whose botocore shape is named ``...Arn`` or ``...Identifier``,
and ``KmsKeyId`` (an ARN, a key id or an alias).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import cache
from typing import Any

from checker.lang.shapes import Shape, operation_shape, shape_metadata
from checker.values import show

Path = tuple[str, ...]

# Where a document holds what a request gave rather than what GetCustomModel shows: a base
# model and a KMS key may be named by the request's identifiers (a bare model id, a key id or
# alias), which the kms_key and base_model checks judge as such (an alias never matches an
# ARN glob). Still no leading space, no "ARN:", nothing before "foundation-model/".
_IDENTIFIERS: dict[Path, str] = {
    ("baseModelArn",): "BaseModelIdentifier", ("modelKmsKeyArn",): "KmsKeyId",
    ("job", "baseModelArn"): "BaseModelIdentifier", ("job", "outputModelKmsKeyArn"): "KmsKeyId"}
# A document's own identity (its ARN, its job's): no allow-list judges it, and test stand-ins
# (moto) make such ARNs outside botocore's patterns. They must still be ARNs of the right
# partition, service, region, 12-digit account and resource type, with nothing around them.
_IDENTITY: dict[Path, tuple[str, ...]] = {
    ("modelArn",): ("custom-model", "imported-model"),
    ("jobArn",): ("model-customization-job", "model-import-job"),
    ("job", "jobArn"): ("model-customization-job",),
    ("job", "outputModelArn"): ("custom-model",),
    # CreateModelCopyJob's source: read live by GetCustomModel, whose answer must be about it.
    ("sourceModelArn",): ("custom-model",),
}
_IDENTITY_ARN = re.compile(r"arn:aws(-[a-z]+)*:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:"
                           r"([a-z-]+)/[!-~]+", re.ASCII)


def identity_problem(value: Any, types: tuple[str, ...], where: str) -> str | None:
    """Why ``value`` is not a Bedrock ARN of one of the resource ``types``, or None."""
    if not isinstance(value, str):
        return None
    match = _IDENTITY_ARN.fullmatch(value) if len(value) <= 2048 else None
    if match is None or match.group(2) not in types:
        return (f"{where}: {_shown(value)} is not a well-formed ARN of a Bedrock "
                f"{' or '.join(types)} (arn:<partition>:bedrock:<region>:<12-digit account>:"
                f"{types[0]}/...)")
    return None


def _shown(value: str) -> str:
    return show(value) if len(value) <= 200 else show(value[:197] + "...")


# Off while documents are only compared, never judged (``diff``), and for policy unit tests,
# whose cases show a rule what it would do with any value.
_CHECKING: ContextVar[bool] = ContextVar("checking_arns", default=True)


@contextlib.contextmanager
def arn_checks_off() -> Iterator[None]:
    """Read documents without the ARN checks (what is read is compared, not judged)."""
    token = _CHECKING.set(False)
    try:
        yield
    finally:
        _CHECKING.reset(token)


@cache
def _matcher(service: str, shape_name: str) -> tuple[re.Pattern[str], int | None] | None:
    metadata = shape_metadata(service, shape_name) or {}
    pattern = metadata.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        return None
    # botocore's patterns are Java's: \d and \w are ASCII.
    maximum = metadata.get("max")
    return re.compile(pattern, re.ASCII), maximum if isinstance(maximum, int) else None


def arn_value_problem(value: Any, shape_name: str, where: str,
                      service: str = "bedrock") -> str | None:
    """Why ``value`` is not a well-formed ``shape_name`` (botocore's pattern), or None."""
    if not isinstance(value, str):
        return None  # the shape check says what a non-string is
    matcher = _matcher(service, shape_name)
    if matcher is None:
        return None
    pattern, maximum = matcher
    # The length bound first, so no regex ever runs over a huge value.
    if (maximum is not None and len(value) > maximum) or pattern.fullmatch(value) is None:
        return (f"{where}: {_shown(value)} is not a well-formed {shape_name} (botocore's "
                "pattern for it); an ARN must name the right service and resource type, in "
                "lowercase 'arn:', with nothing before or after it")
    return None


def _walk(value: Any, shape: Shape, path: Path, overrides: Mapping[Path, str],
          depth: int = 0) -> str | None:
    if value is None or depth > 20:
        return None
    where = ".".join(path)
    if path in _IDENTITY:
        return identity_problem(value, _IDENTITY[path], where)
    if path in overrides:
        return arn_value_problem(value, overrides[path], where)
    # The catalogue's nodes (checker.lang.shapes), made from botocore's shapes.
    kind = shape.type
    if kind == "structure" and shape.members is not None and isinstance(value, Mapping):
        for key, member in shape.members.items():
            if key in value:
                found = _walk(value[key], member, (*path, key), overrides, depth + 1)
                if found:
                    return found
    elif kind == "list" and shape.item is not None and isinstance(value, list):
        for index, item in enumerate(value):
            found = _walk(item, shape.item, (*path[:-1], f"{path[-1]}[{index}]")
                          if path else (f"[{index}]",), overrides, depth + 1)
            if found:
                return found
    elif kind == "map" and shape.item is not None and isinstance(value, Mapping):
        for key, item in value.items():
            found = _walk(item, shape.item, (*path, str(key)), overrides, depth + 1)
            if found:
                return found
    elif shape.arn is not None:  # a string shape is_arn_shape names
        return arn_value_problem(value, shape.arn, where)
    return None


def document_arn_problem(doc: Mapping[str, Any], kind: str) -> str | None:
    """The first ARN-typed field of a model document (GetCustomModel's members, GetImported-
    Model's for an imported model, GetModelCustomizationJob's under ``job``) that is not
    well-formed, in words; None when every one is. ``kind`` is the document's kind (model,
    job, planned, imported)."""
    if not _CHECKING.get():
        return None
    overrides = _IDENTIFIERS
    output = "GetImportedModel" if kind == "imported" else "GetCustomModel"
    found = _walk(doc, operation_shape("bedrock", output), (), overrides)
    if found is None and isinstance(doc.get("job"), Mapping):
        job = operation_shape("bedrock", "GetModelCustomizationJob")
        found = _walk(doc["job"], job, ("job",), overrides)
    return found


# The documents and requests whose ARN-typed members are checked.
DOCUMENT_OPERATIONS = ("GetCustomModel", "GetImportedModel", "GetModelCustomizationJob")
REQUEST_OPERATIONS = ("CreateModelCustomizationJob", "CreateModelCopyJob",
                      "CreateModelImportJob", "CreateCustomModel")
IDENTIFIER_SHAPES = tuple(sorted(set(_IDENTIFIERS.values())))


def walked_shapes() -> list[Shape]:
    """The shapes the ARN checks walk (checker.lang.warmup asks for every fact in them)."""
    return [*(operation_shape("bedrock", o) for o in DOCUMENT_OPERATIONS),
            *(operation_shape("bedrock", o, "input") for o in REQUEST_OPERATIONS)]


def request_arn_problem(operation: str, data: Mapping[str, Any]) -> str | None:
    """The first ARN-typed member of a Bedrock request (``CreateModelCustomizationJob``, ...)
    that is not well-formed, in words; None when every one is."""
    if not _CHECKING.get():
        return None
    return _walk(data, operation_shape("bedrock", operation, "input"), (), {})
