"""The Bedrock operations around a custom model, for ``bedrock_stub.py``.

Serves ``ListCustomModelDeployments``, ``GetCustomModelDeployment``,
``ListProvisionedModelThroughputs``, ``ListModelCopyJobs``, ``GetModelImportJob``,
``GetFoundationModel``, ``ListImportedModels`` and ``GetImportedModel`` from records held in
memory. Every response is built from botocore's own output shapes: a listing's summaries are
the records projected onto the summary shape's members (so a summary never carries a field
the real listing lacks, such as a deployment's ``updateDetails``), and a Get's answer onto
the Get output's members. moto implements none of these operations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote

# operation -> (list member, summary shape path) for the listings.
LISTINGS = {
    "ListCustomModelDeployments": "modelDeploymentSummaries",
    "ListProvisionedModelThroughputs": "provisionedModelSummaries",
    "ListModelCopyJobs": "modelCopyJobSummaries",
    "ListImportedModels": "modelSummaries",
}
ROUTES = {
    "/model-customization/custom-model-deployments": "ListCustomModelDeployments",
    "/provisioned-model-throughputs": "ListProvisionedModelThroughputs",
    "/model-copy-jobs": "ListModelCopyJobs",
    "/imported-models": "ListImportedModels",
}
GETS = {
    "/model-customization/custom-model-deployments/": "GetCustomModelDeployment",
    "/model-import-jobs/": "GetModelImportJob",
    "/foundation-models/": "GetFoundationModel",
    "/imported-models/": "GetImportedModel",
}

Answer = tuple[str, int, bytes, str | None]


@cache
def _service() -> Any:
    from botocore.loaders import create_loader
    from botocore.model import ServiceModel

    return ServiceModel(create_loader().load_service_model("bedrock", "service-2"), "bedrock")


@cache
def output_members(operation: str) -> tuple[str, ...]:
    """The top-level members of an operation's output shape."""
    return tuple(_service().operation_model(operation).output_shape.members)


@cache
def summary_members(operation: str) -> tuple[str, ...]:
    """The members of one summary of a listing, from botocore's shape."""
    listed = _service().operation_model(operation).output_shape.members[LISTINGS[operation]]
    return tuple(listed.member.members)


def project(record: dict[str, Any], members: tuple[str, ...]) -> dict[str, Any]:
    return {key: record[key] for key in members if key in record}


@dataclass
class Surroundings:
    """What the stub serves besides the custom models (empty: nothing deployed, ...)."""

    # Whole records (the Get answer's fields and the summary's), one per deployment.
    deployments: list[dict[str, Any]] = field(default_factory=list)
    throughputs: list[dict[str, Any]] = field(default_factory=list)
    copy_jobs: list[dict[str, Any]] = field(default_factory=list)
    import_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # by jobArn
    foundation_models: dict[str, dict[str, Any]] = field(default_factory=dict)  # by modelId
    imported_models: list[dict[str, Any]] = field(default_factory=list)
    # Operations answered with AccessDeniedException (a listing the role may not make).
    failing: set[str] = field(default_factory=set)

    def records(self, operation: str) -> list[dict[str, Any]]:
        return {"ListCustomModelDeployments": self.deployments,
                "ListProvisionedModelThroughputs": self.throughputs,
                "ListModelCopyJobs": self.copy_jobs,
                "ListImportedModels": self.imported_models}[operation]

    def route(self, method: str, path: str, query: dict[str, list[str]]) -> Answer | None:
        """The answer for a request this module serves, or None."""
        if method != "GET":
            return None
        path = unquote(path)
        operation = ROUTES.get(path)
        if operation is not None:
            if operation in self.failing:
                return denied(operation)
            return operation, 200, self.page(operation, query), None
        for prefix, operation in GETS.items():
            if path.startswith(prefix):
                if operation in self.failing:
                    return denied(operation)
                return self.get(operation, path[len(prefix):])
        return None

    def page(self, operation: str, query: dict[str, list[str]]) -> bytes:
        size = min(int(query.get("maxResults", ["100"])[0]), 1000)
        start = int(query.get("nextToken", ["0"])[0])
        records = self.records(operation)
        members = summary_members(operation)
        result: dict[str, Any] = {
            LISTINGS[operation]: [project(r, members) for r in records[start:start + size]]}
        if start + size < len(records):
            result["nextToken"] = str(start + size)
        return json.dumps(result).encode()

    def get(self, operation: str, ident: str) -> Answer:
        found: dict[str, Any] | None = None
        if operation == "GetCustomModelDeployment":
            found = next((d for d in self.deployments
                          if ident in (d.get("customModelDeploymentArn"),
                                       d.get("customModelDeploymentName"))), None)
        elif operation == "GetModelImportJob":
            found = self.import_jobs.get(ident)
        elif operation == "GetFoundationModel":
            details = self.foundation_models.get(ident.split("foundation-model/", 1)[-1])
            found = None if details is None else {"modelDetails": details}
        elif operation == "GetImportedModel":
            found = next((m for m in self.imported_models
                          if ident in (m.get("modelArn"), m.get("modelName"))), None)
        if found is None:
            return operation, 404, json.dumps({"message": f"no such resource {ident}"}).encode(), \
                "ResourceNotFoundException"
        return operation, 200, json.dumps(project(found, output_members(operation))).encode(), \
            None


def denied(operation: str) -> Answer:
    return operation, 403, json.dumps({"message": f"not authorized to perform {operation}"}
                                      ).encode(), "AccessDeniedException"


def foundation_model(model_id: str, region: str, *, status: str = "ACTIVE",
                     end_of_life: str | None = "2099-01-01T00:00:00Z") -> dict[str, Any]:
    """GetFoundationModel's modelDetails for ``model_id``."""
    lifecycle: dict[str, Any] = {"status": status, "startOfLifeTime": "2024-01-01T00:00:00Z"}
    if end_of_life is not None:
        lifecycle["endOfLifeTime"] = end_of_life
    return {"modelArn": f"arn:aws:bedrock:{region}::foundation-model/{model_id}",
            "modelId": model_id, "modelName": model_id, "providerName": "Amazon",
            "inputModalities": ["TEXT"], "outputModalities": ["TEXT"],
            "customizationsSupported": ["FINE_TUNING"],
            "inferenceTypesSupported": ["PROVISIONED"], "modelLifecycle": lifecycle}


def deployment(model_arn: str, name: str, region: str, account: str,
               status: str = "Active") -> dict[str, Any]:
    arn = f"arn:aws:bedrock:{region}:{account}:custom-model-deployment/{name}"
    return {"customModelDeploymentArn": arn, "customModelDeploymentName": name,
            "modelDeploymentName": name, "modelArn": model_arn, "status": status,
            "createdAt": "2026-02-01T00:00:00Z", "lastUpdatedAt": "2026-02-01T00:00:00Z",
            "description": "serves traffic",
            "updateDetails": {"modelArn": model_arn, "updateStatus": "UpdateCompleted"}}


def throughput(model_arn: str, name: str, region: str, account: str,
               status: str = "InService") -> dict[str, Any]:
    return {"provisionedModelName": name,
            "provisionedModelArn": f"arn:aws:bedrock:{region}:{account}:provisioned-model/{name}",
            "modelArn": model_arn, "desiredModelArn": model_arn,
            "foundationModelArn": f"arn:aws:bedrock:{region}::foundation-model/"
                                  "amazon.titan-text-express-v1:0:8k",
            "modelUnits": 1, "desiredModelUnits": 1, "status": status,
            "commitmentDuration": "OneMonth",
            "commitmentExpirationTime": "2027-01-01T00:00:00Z",
            "creationTime": "2026-02-01T00:00:00Z", "lastModifiedTime": "2026-02-01T00:00:00Z"}


def copy_job(model_arn: str, model_name: str, source_account: str, region: str,
             account: str, status: str = "Completed") -> dict[str, Any]:
    return {"jobArn": f"arn:aws:bedrock:{region}:{account}:model-copy-job/{model_name}",
            "status": status, "creationTime": "2026-01-15T00:00:00Z",
            "targetModelArn": model_arn, "targetModelName": model_name,
            "sourceAccountId": source_account,
            "sourceModelArn": f"arn:aws:bedrock:{region}:{source_account}:custom-model/"
                              f"amazon.titan-text-express-v1:0:8k/{model_name}",
            "sourceModelName": model_name,
            "targetModelKmsKeyArn": f"arn:aws:kms:{region}:{account}:key/copy",
            "targetModelTags": [{"key": "copied", "value": "true"}]}


def add_imported(surroundings: Surroundings, count: int, region: str, account: str) -> None:
    """``count`` Custom Model Import models, each with its import job (inside a VPC)."""
    for i in range(count):
        name = f"bench-imported-{i:05d}"
        job = f"arn:aws:bedrock:{region}:{account}:model-import-job/{i:012d}"
        surroundings.imported_models.append({
            "modelArn": f"arn:aws:bedrock:{region}:{account}:imported-model/{i:012d}",
            "modelName": name, "jobArn": job, "jobName": f"import-{name}",
            "creationTime": "2026-01-01T00:00:00Z", "modelArchitecture": "llama3",
            "modelKmsKeyArn": f"arn:aws:kms:{region}:{account}:key/imported",
            "modelDataSource": {"s3DataSource": {"s3Uri": f"s3://ml-approved-data/{name}/"}},
            "instructSupported": True})
        surroundings.import_jobs[job] = {
            "jobArn": job, "jobName": f"import-{name}", "importedModelName": name,
            "roleArn": f"arn:aws:iam::{account}:role/bedrock-import", "status": "Completed",
            "modelDataSource": {"s3DataSource": {"s3Uri": f"s3://ml-approved-data/{name}/"}},
            "creationTime": "2026-01-01T00:00:00Z",
            "vpcConfig": {"subnetIds": ["subnet-0123456789abcdef0"],
                          "securityGroupIds": ["sg-0123456789abcdef0"]},
            "importedModelKmsKeyArn": f"arn:aws:kms:{region}:{account}:key/imported"}


def make_surroundings(models: list[dict[str, Any]], region: str, account: str,
                      every: int = 1, imported: int = 0) -> Surroundings:
    """For the benchmark: every ``every``-th model deployed, provisioned and copied in;
    one foundation model for all of them; ``imported`` imported models."""
    surroundings = Surroundings()
    add_imported(surroundings, imported, region, account)
    for i, model in enumerate(models):
        if i % every:
            continue
        arn, name = model["modelArn"], model["modelName"]
        surroundings.deployments.append(deployment(arn, f"dep-{name}", region, account))
        surroundings.throughputs.append(throughput(arn, f"pt-{name}", region, account))
        surroundings.copy_jobs.append(copy_job(arn, name, account, region, account))
    fm = "amazon.titan-text-express-v1:0:8k"
    surroundings.foundation_models[fm] = foundation_model(fm, region)
    return surroundings
