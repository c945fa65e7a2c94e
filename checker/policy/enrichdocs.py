"""Reference text for the keys a source adds to a model document by extra calls.

`bedrock-drift rules deployments` (and each other key) prints what the key holds, the calls
that read it, when it is read, and every field path under it, taken from the same botocore
shapes the policy loader checks paths against.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.lang.shapes import known_paths, model_shape


@dataclass(frozen=True)
class Enrichment:
    calls: str
    text: str
    example: str


ENRICHMENTS: dict[str, Enrichment] = {
    "tags": Enrichment(
        "ListTagsForResource, once per model",
        "The model's tags, as a map of key to value.",
        "require: {field: tags.team, exists: true}"),
    "job": Enrichment(
        "GetModelCustomizationJob, once per job",
        "The customization job that made the model (null for imported models and models "
        "without a jobArn).",
        "require: {field: job.vpcConfig.subnetIds, exists: true}"),
    "kmsKey": Enrichment(
        "KMS DescribeKey and ListAliases, once per key and account",
        "The KMS key of modelKmsKeyArn: DescribeKey's KeyMetadata plus 'aliases' (null for an "
        "AWS-owned key).",
        "require: {field: kmsKey.KeyManager, equals: CUSTOMER}"),
    "ownerAccountId": Enrichment(
        "none (ListCustomModels' summary)",
        "The account that owns the model (a model shared into this account has another).",
        "require: {field: ownerAccountId, in: [\"111122223333\"]}"),
    "deployments": Enrichment(
        "ListCustomModelDeployments, once per account and region; GetCustomModelDeployment "
        "per deployment only when a rule reads description, modelDeploymentName or "
        "updateDetails",
        "The custom model deployments whose modelArn is this model, joined in memory: ARN, "
        "name, status, createdAt, lastUpdatedAt, failureMessage (and updateDetails when read); "
        "[] when none.",
        "require: {field: deployments[].status, not_equals: Failed}"),
    "throughputs": Enrichment(
        "ListProvisionedModelThroughputs, once per account and region",
        "The provisioned model throughputs whose modelArn or desiredModelArn is this model, "
        "joined in memory: status, model units, commitmentDuration, "
        "commitmentExpirationTime; [] when none.",
        "require: {field: throughputs[].commitmentExpirationTime, min_days_ahead: 30}"),
    "served": Enrichment(
        "the two listings above (no call of its own)",
        "true when a deployment is Active or a provisioned throughput is InService, according "
        "to the listings' status; else false. A rule's served_severity reads it too.",
        "require: {field: served, equals: false}"),
    "copyJob": Enrichment(
        "ListModelCopyJobs, once per account and region",
        "The model copy job whose targetModelArn is this model (the completed one if several), "
        "with sourceAccountId, sourceModelArn, targetModelKmsKeyArn and targetModelTags; null "
        "for a model that was not copied.",
        "require: {field: copyJob.sourceAccountId, not_in: [\"999999999999\"]}"),
    "importJob": Enrichment(
        "GetModelImportJob, once per imported model (--include-imported)",
        "For an imported model, the import job of its jobArn: vpcConfig, roleArn, "
        "importedModelKmsKeyArn, modelDataSource, ...; null for other kinds.",
        "require: {field: importJob.vpcConfig.subnetIds, exists: true}"),
    "baseModel": Enrichment(
        "GetFoundationModel, once per foundation model and region (once per account where "
        "the first account's call failed)",
        "The foundation model at the root of the model's base chain (a custom-model base is "
        "followed to its foundation model, named in its ARN): modelId, providerName, "
        "modelLifecycle (status, legacyTime, endOfLifeTime, ...).",
        "require: {field: baseModel.modelLifecycle.status, equals: ACTIVE}"),
}

SERVED_SEVERITY = (
    "served_severity: SEVERITY, a rule option beside severity. A violation on a model that is "
    "served (an Active deployment or an InService provisioned throughput) takes this severity; "
    "so does one whose exposure is unknown (an offline document without 'served', or a "
    "listing that failed, itself reported as an error), the worst case. Reports show "
    "'(served)' or '(exposure unknown)' beside it, every format's severity is the effective "
    "one, and --fail-on compares it. It never makes a rule an error. Loading one makes a live "
    "run read deployments and provisioned throughputs."
)


def enrichment_doc(name: str, wrap: object) -> list[str]:
    """The lines of `bedrock-drift rules NAME` for an added key; ``wrap`` wraps a paragraph."""
    assert callable(wrap)
    info = ENRICHMENTS[name]
    shape = model_shape().child(name)
    assert shape is not None
    fields = [name] if shape.type == "leaf" else [f"{name}{'' if p.startswith('[') else '.'}{p}"
                                                   for p in known_paths(shape)]
    if shape.type == "list":
        fields = [f"{name}[]", *fields]
    lines = [f"{name}: an added key", "", "What it holds:", *wrap(info.text), "",
             "Read by:", *wrap(info.calls + "; only when a loaded rule or scope reads it. If "
                               "it could not be read, only the rules that read it are errors."),
             "", "Example:", f"  {info.example}", "", "Field paths:"]
    lines += [f"  {path}" for path in fields]
    return lines
