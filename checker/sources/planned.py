"""Pre-deployment inputs: models that do not exist yet, as the documents they will have.

Pure converters from plain data to :class:`~checker.results.ModelInput` (kind ``planned``, no
ARN):

- a ``CreateModelCustomizationJob`` request as JSON (what
  ``aws bedrock create-model-customization-job --generate-cli-skeleton`` prints, filled in);
- a Terraform plan as JSON (``terraform show -json plan.out``): see
  :mod:`checker.sources.terraform`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.errors import InputError
from checker.lang.arns import request_arn_problem
from checker.lang.context import did_you_mean
from checker.results import ModelInput, ModelKind

PLANNED: ModelKind = "planned"

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
JOB_NAMES = {"modelName": "outputModelName", "modelKmsKeyArn": "outputModelKmsKeyArn",
              "baseModelArn": "baseModelArn", **{k: k for k in _SAME_NAME}}

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
    problem = request_arn_problem("CreateModelCustomizationJob", data)
    if problem is not None:
        # A base model or key that is not what it claims could pass an allow-list: refuse.
        raise InputError(f"{file}: {problem}")
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
    job: dict[str, Any] = {JOB_NAMES[k]: doc[k] for k in JOB_NAMES if k in doc}
    for key in ("jobName", "roleArn", "vpcConfig", "clientRequestToken"):
        if data.get(key) is not None:
            job[key] = data[key]
    doc["job"] = dict(sorted(job.items()))
    return [ModelInput(document=doc, kind=PLANNED, origin=file)]


