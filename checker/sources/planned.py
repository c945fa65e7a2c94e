"""Pre-deployment inputs: models that do not exist yet, as the documents they will have.

Pure converters from plain data to :class:`~checker.results.ModelInput` (kind ``planned``, no
ARN):

- a ``CreateModelCustomizationJob`` request as JSON (what
  ``aws bedrock create-model-customization-job --generate-cli-skeleton`` prints, filled in);
- a Terraform plan as JSON (``terraform show -json plan.out``): every
  ``aws_bedrock_custom_model`` in ``resource_changes`` that is being created, replaced or
  updated, read from its ``change.after`` attributes.

A Terraform value that is known only after apply (``change.after_unknown``) is left out of
the document and named in ``ModelInput.unknown_fields``; the engine makes every rule that
reads such a field ``error`` ("known only after apply"), so an unknown value can never pass
a gate, nor fail it for the wrong reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checker.documents import parse_arn
from checker.errors import InputError
from checker.lang.context import did_you_mean
from checker.results import ModelInput

PLANNED = "planned"

# The members of botocore's CreateModelCustomizationJob input shape (a test keeps this list
# equal to the installed botocore's).
REQUEST_KEYS = (
    "jobName", "customModelName", "roleArn", "clientRequestToken", "baseModelIdentifier",
    "customizationType", "customModelKmsKeyId", "jobTags", "customModelTags",
    "trainingDataConfig", "validationDataConfig", "outputDataConfig", "hyperParameters",
    "vpcConfig", "customizationConfig",
)
# Request keys copied into the model document under the same name.
_SAME_NAME = ("customizationType", "hyperParameters", "customizationConfig",
              "trainingDataConfig", "validationDataConfig", "outputDataConfig")
# Model document keys that GetModelCustomizationJob shows under another name.
_JOB_NAMES = {"modelName": "outputModelName", "modelKmsKeyArn": "outputModelKmsKeyArn",
              "baseModelArn": "baseModelArn", **{k: k for k in _SAME_NAME}}

TERRAFORM_TYPE = "aws_bedrock_custom_model"
# Plans whose actions include "create" (create, replace) or "update" (the provider updates
# tags in place) describe a model as it will be; delete, no-op and read do not.
_JUDGED_ACTIONS = frozenset({"create", "update"})

Path = tuple[str, ...]


# --- CreateModelCustomizationJob requests ----------------------------------------------------

def is_job_request(data: Any) -> bool:
    """A CreateModelCustomizationJob request: names the model to create and its base."""
    return (isinstance(data, Mapping) and "customModelName" in data
            and "baseModelIdentifier" in data and "modelArn" not in data)


def _tags(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, list):
        raise InputError(f"{where} must be a list of {{key, value}}, not {type(raw).__name__}")
    tags: dict[str, Any] = {}
    for index, item in enumerate(raw):
        if not (isinstance(item, Mapping) and isinstance(item.get("key"), str)
                and "value" in item):
            raise InputError(f"{where} item {index + 1} must be {{\"key\": ..., "
                             "\"value\": ...}")
        tags[item["key"]] = item["value"]
    return tags


def request_to_inputs(data: Mapping[str, Any], file: str) -> list[ModelInput]:
    """The model a CreateModelCustomizationJob request will produce.

    ``customModelName`` becomes ``modelName``, ``baseModelIdentifier`` ``baseModelArn``,
    ``customModelKmsKeyId`` ``modelKmsKeyArn`` (as given: an alias or key id stays one),
    ``customModelTags`` ``tags``; the data configs, ``hyperParameters``,
    ``customizationType`` and ``customizationConfig`` keep their names; ``job`` is what
    GetModelCustomizationJob will show (``roleArn``, ``vpcConfig``, ``jobName``, ...). A key
    the request shape does not have is an error, since a misspelt key would silently drop a
    setting from the check.
    """
    for key in data:
        if key not in REQUEST_KEYS:
            raise InputError(f"{file}: unknown key {key!r} in a CreateModelCustomizationJob "
                             "request" + did_you_mean(key, REQUEST_KEYS))
    name = data["customModelName"]
    if not isinstance(name, str) or not name:
        raise InputError(f"{file}: customModelName must be a non-empty string")
    doc: dict[str, Any] = {"modelName": name, "baseModelArn": data["baseModelIdentifier"]}
    if data.get("customModelKmsKeyId") is not None:
        doc["modelKmsKeyArn"] = data["customModelKmsKeyId"]
    for key in _SAME_NAME:
        if data.get(key) is not None:
            doc[key] = data[key]
    if "hyperParameters" in doc and not isinstance(doc["hyperParameters"], Mapping):
        raise InputError(f"{file}: hyperParameters must be an object of strings")
    # Tags are known: the request says them all, and none given means the model has none.
    doc["tags"] = (_tags(data["customModelTags"], f"{file}: customModelTags")
                   if data.get("customModelTags") is not None else {})
    job: dict[str, Any] = {_JOB_NAMES[k]: doc[k] for k in _JOB_NAMES if k in doc}
    for key in ("jobName", "roleArn", "vpcConfig", "clientRequestToken"):
        if data.get(key) is not None:
            job[key] = data[key]
    doc["job"] = dict(sorted(job.items()))
    return [ModelInput(document=doc, kind=PLANNED, origin=file)]


# --- Terraform plans -------------------------------------------------------------------------

def is_terraform_plan(data: Any) -> bool:
    """``terraform show -json`` of a plan (a state has ``values`` but no planned changes)."""
    return (isinstance(data, Mapping) and "format_version" in data
            and ("resource_changes" in data or "planned_values" in data))


def _child(value: Any, key: str | int) -> Any:
    if isinstance(key, int):
        if isinstance(value, list) and key < len(value):
            return value[key]
        # A single nested block is a list of one in plan JSON; accept an object too.
        return value if key == 0 and isinstance(value, Mapping) else None
    return value.get(key) if isinstance(value, Mapping) else None


def _any_unknown(marker: Any) -> bool:
    if marker is True:
        return True
    if isinstance(marker, Mapping):
        return any(_any_unknown(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_any_unknown(v) for v in marker)
    return False


class _Resource:
    """One resource change's planned attributes and which of them are unknown."""

    def __init__(self, after: Mapping[str, Any], after_unknown: Any) -> None:
        self.after = after
        self.unknown_marks = after_unknown if isinstance(after_unknown, Mapping) else {}

    def get(self, *path: str | int) -> tuple[Any, bool]:
        """(value, unknown): unknown when this value or any part of it is known only after
        apply, so a list with one unknown element counts as unknown as a whole."""
        value: Any = self.after
        marker: Any = self.unknown_marks
        for key in path:
            if marker is True:
                return None, True
            value, marker = _child(value, key), _child(marker, key)
        return value, _any_unknown(marker)

    def string_map(self, *path: str) -> tuple[dict[str, Any] | None, list[str], bool]:
        """A map attribute: its known entries, the keys known only after apply, and whether
        the whole map is unknown."""
        value, _ = self.get(*path)
        marker: Any = self.unknown_marks
        for key in path:
            marker = _child(marker, key)
        if marker is True:
            return None, [], True
        unknown_keys = sorted(k for k, v in marker.items() if _any_unknown(v)) \
            if isinstance(marker, Mapping) else []
        if not isinstance(value, Mapping):
            return None, unknown_keys, False
        known = {k: v for k, v in value.items() if k not in unknown_keys and v is not None}
        return known, unknown_keys, False


class _Builder:
    """Builds one planned model document and the list of its unknown field paths."""

    def __init__(self) -> None:
        self.doc: dict[str, Any] = {}
        self.unknown: list[Path] = []

    def put(self, path: Path, value: Any, unknown: bool) -> None:
        if unknown:
            self.unknown.append(path)
            return
        if value is None:
            return
        target = self.doc
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value

    def put_map(self, path: Path, resource: _Resource, *source: str) -> bool:
        known, unknown_keys, whole = resource.string_map(*source)
        if whole:
            self.unknown.append(path)
            return True
        self.unknown.extend((*path, key) for key in unknown_keys)
        if known is not None:
            self.put(path, known, False)
        return known is not None or bool(unknown_keys)


def _validators(resource: _Resource) -> tuple[list[dict[str, Any]] | None, bool]:
    blocks, unknown = resource.get("validation_data_config", 0, "validator")
    if unknown:
        return None, True
    if not isinstance(blocks, list) or not blocks:
        return None, False
    return [{"s3Uri": b.get("s3_uri")} if isinstance(b, Mapping) else {} for b in blocks], False


def _plan_model(resource: _Resource) -> tuple[dict[str, Any], list[Path]]:
    build = _Builder()
    for tf_name, doc_path in (("custom_model_name", ("modelName",)),
                              ("base_model_identifier", ("baseModelArn",)),
                              ("custom_model_kms_key_id", ("modelKmsKeyArn",)),
                              ("customization_type", ("customizationType",)),
                              ("region", ("region",))):
        build.put(doc_path, *resource.get(tf_name))
    build.put_map(("hyperParameters",), resource, "hyperparameters")
    build.put(("trainingDataConfig", "s3Uri"), *resource.get("training_data_config", 0,
                                                             "s3_uri"))
    build.put(("outputDataConfig", "s3Uri"), *resource.get("output_data_config", 0, "s3_uri"))
    build.put(("validationDataConfig", "validators"), *_validators(resource))
    # tags_all is what the provider sends (tags merged with the provider's default_tags).
    tags_source = "tags_all" if "tags_all" in resource.after or "tags_all" in \
        resource.unknown_marks else "tags"
    if not build.put_map(("tags",), resource, tags_source):
        build.put(("tags",), {}, False)
    arn, arn_unknown = resource.get("custom_model_arn")
    parts = parse_arn(arn) if not arn_unknown else None
    if parts is not None and "region" not in build.doc and parts[2]:
        build.doc["region"] = parts[2]
    if parts is not None and parts[3]:
        build.doc["accountId"] = parts[3]

    # What GetModelCustomizationJob will show for the job that builds the model.
    for doc_key, job_key in _JOB_NAMES.items():
        if doc_key in build.doc:
            build.put(("job", job_key), build.doc[doc_key], False)
    build.unknown.extend(("job", _JOB_NAMES[p[0]], *p[1:]) for p in list(build.unknown)
                         if p[0] in _JOB_NAMES)
    build.put(("job", "jobName"), *resource.get("job_name"))
    build.put(("job", "roleArn"), *resource.get("role_arn"))
    for tf_name, key in (("subnet_ids", "subnetIds"), ("security_group_ids",
                                                       "securityGroupIds")):
        value, unknown = resource.get("vpc_config", 0, tf_name)
        build.put(("job", "vpcConfig", key), sorted(value) if isinstance(value, list)
                  else value, unknown)
    build.doc.setdefault("job", {})
    return build.doc, build.unknown


def plan_to_inputs(data: Mapping[str, Any], file: str) -> list[ModelInput]:
    """The models a Terraform plan creates, replaces or updates (kind ``planned``).

    Deleted, unchanged and data-source entries are skipped; so are deposed objects.
    """
    changes = data.get("resource_changes", [])
    if not isinstance(changes, list):
        raise InputError(f"{file}: resource_changes must be a list")
    models: list[ModelInput] = []
    for index, entry in enumerate(changes):
        if not (isinstance(entry, Mapping) and entry.get("type") == TERRAFORM_TYPE
                and entry.get("mode", "managed") == "managed" and "deposed" not in entry):
            continue
        change = entry.get("change")
        address = entry.get("address") or f"resource_changes[{index}]"
        if not isinstance(change, Mapping) or not isinstance(change.get("actions"), list):
            raise InputError(f"{file}: {address}: change.actions is missing")
        if not _JUDGED_ACTIONS & set(change["actions"]):
            continue
        after = change.get("after")
        if not isinstance(after, Mapping):
            raise InputError(f"{file}: {address}: change.after must be an object for "
                             f"actions {change['actions']}")
        doc, unknown = _plan_model(_Resource(after, change.get("after_unknown")))
        models.append(ModelInput(document=doc, kind=PLANNED, origin=f"{file}#{address}",
                                 unknown_fields=tuple(unknown)))
    return models


def unknown_field_names(paths: Sequence[Path]) -> list[str]:
    """Unknown field paths as dotted text, for messages."""
    return [".".join(path) for path in paths]
