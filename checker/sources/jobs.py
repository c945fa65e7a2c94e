"""In-flight customization jobs, judged as the models they will produce (kind ``job``).

``job_input`` is pure: a ``GetModelCustomizationJob`` response in, a model input out.
``fetch_jobs`` reads the jobs still ``InProgress`` from live AWS (List/Get only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.documents import normalize_document, parse_arn
from checker.results import ModelInput

JOB = "job"
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
TAGS_NOT_AVAILABLE = (
    "NotAvailable",
    "an in-flight job does not show the tags its model will get (GetModelCustomizationJob "
    "has no customModelTags), so rules on tags cannot judge it until the model exists",
)


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
    doc["job"] = job
    errors = {"tags": TAGS_NOT_AVAILABLE} if "tags" in needs else {}
    return ModelInput(document=doc, kind=JOB, origin=origin, enrichment_errors=errors)
