"""The enrichments: keys a source adds to a document by extra calls, one record each.

Each record holds every fact about its key that is not the code that reads it: the botocore
shape a rule's field paths are checked against (``checker.lang.shapes`` builds it from
:class:`ShapeOf`), the IAM actions that read it (``bedrock-drift permissions``), its
reference text (``bedrock-drift rules KEY``), and the value an in-flight job carries for it
(a job is a model that does not exist yet). The readers live under ``checker/sources/aws``
(``enrich.READERS``, ``context.LISTINGS``, ``posture.READERS``); a test proves they read
exactly the keys of this table. Pure data: imports only the shared types.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.results import Resource


@dataclass(frozen=True)
class ShapeOf:
    """Where a key's shape comes from: the output of ``operation`` (or its ``member``; the
    element of that list with ``item``); ``many`` makes a list of it; ``merge`` adds the
    members of another operation's output (the listing's own win); ``extra`` adds free list
    members by name. ``operation=""`` is a leaf of ``scalar`` (``"map"``: a map of strings),
    or the structure of ``parts``."""

    operation: str = ""
    service: str = "bedrock"
    member: str | None = None
    item: bool = False
    many: bool = False
    merge: str | None = None
    extra: tuple[str, ...] = ()
    scalar: str | None = None
    # A structure of named parts, each a shape of its own (``invocationLogEncryption``: the
    # S3 answer for each bucket, the CloudWatch Logs group).
    parts: tuple[tuple[str, ShapeOf], ...] = ()


@dataclass(frozen=True)
class Doc:
    """The reference of a key, as ``bedrock-drift rules KEY`` prints it."""

    calls: str
    text: str
    example: str


class Absent:
    """A job leaves the key out (a rule that reads it is ``error``, as for a key not read)."""


class TheJob:
    """A job carries itself under the key."""


@dataclass(frozen=True)
class NotAvailable:
    """A job carries the key as an enrichment error (``NotAvailable``: why)."""

    message: str


# A job's value for a key: one of the above, or a JSON value it holds.
JobValue = Absent | TheJob | NotAvailable | list[object] | bool | None


@dataclass(frozen=True)
class Enrichment:
    key: str
    shape: ShapeOf
    actions: tuple[str, ...]
    doc: Doc | None
    job: JobValue = None
    resource: Resource = "model"
    # Needs that are no document key, with their actions: what a source must read to fill
    # the key completely (``deployments.details``: GetCustomModelDeployment for the fields
    # the listing lacks).
    hints: tuple[tuple[str, tuple[str, ...]], ...] = ()


ABSENT = Absent()
THE_JOB = TheJob()

ENRICHMENTS: tuple[Enrichment, ...] = (
    Enrichment(
        "tags", ShapeOf(scalar="map"), ("bedrock:ListTagsForResource",),
        Doc("ListTagsForResource, once per model",
            "The model's tags, as a map of key to value.",
            "require: {field: tags.team, exists: true}"),
        job=NotAvailable(
            "an in-flight job does not show the tags its model will get "
            "(GetModelCustomizationJob has no customModelTags), so rules on tags cannot judge "
            "it until the model exists")),
    Enrichment(
        "job", ShapeOf("GetModelCustomizationJob"), ("bedrock:GetModelCustomizationJob",),
        Doc("GetModelCustomizationJob, once per job",
            "The customization job that made the model (null for imported models and models "
            "without a jobArn).",
            "require: {field: job.vpcConfig.subnetIds, exists: true}"),
        job=THE_JOB),
    Enrichment(
        "kmsKey", ShapeOf("DescribeKey", service="kms", member="KeyMetadata",
                          extra=("aliases",)),
        ("kms:DescribeKey", "kms:ListAliases"),
        Doc("KMS DescribeKey and ListAliases, once per key and account",
            "The KMS key of modelKmsKeyArn: DescribeKey's KeyMetadata plus 'aliases' (null "
            "for an AWS-owned key).",
            "require: {field: kmsKey.KeyManager, equals: CUSTOMER}"),
        job=ABSENT),
    Enrichment(
        "ownerAccountId", ShapeOf(), (),
        Doc("none (ListCustomModels' summary)",
            "The account that owns the model (a model shared into this account has another).",
            "require: {field: ownerAccountId, in: [\"111122223333\"]}"),
        job=ABSENT),
    Enrichment(
        "deployments",
        ShapeOf("ListCustomModelDeployments", member="modelDeploymentSummaries", item=True,
                many=True, merge="GetCustomModelDeployment"),
        ("bedrock:ListCustomModelDeployments",),
        Doc("ListCustomModelDeployments, once per account and region; "
            "GetCustomModelDeployment per deployment only when a rule reads description, "
            "modelDeploymentName or updateDetails",
            "The custom model deployments whose modelArn is this model, joined in memory: ARN, "
            "name, status, createdAt, lastUpdatedAt, failureMessage (and updateDetails when "
            "read); [] when none.",
            "require: {field: deployments[].status, not_equals: Failed}"),
        job=[],
        hints=(("deployments.details", ("bedrock:ListCustomModelDeployments",
                                        "bedrock:GetCustomModelDeployment")),)),
    Enrichment(
        "throughputs",
        ShapeOf("ListProvisionedModelThroughputs", member="provisionedModelSummaries",
                item=True, many=True),
        ("bedrock:ListProvisionedModelThroughputs",),
        Doc("ListProvisionedModelThroughputs, once per account and region",
            "The provisioned model throughputs whose modelArn or desiredModelArn is this "
            "model, joined in memory: status, model units, commitmentDuration, "
            "commitmentExpirationTime; [] when none.",
            "require: {field: throughputs[].commitmentExpirationTime, min_days_ahead: 30}"),
        job=[]),
    Enrichment(
        "served", ShapeOf(scalar="boolean"),
        ("bedrock:ListCustomModelDeployments", "bedrock:ListProvisionedModelThroughputs"),
        Doc("the two listings above (no call of its own)",
            "true when a deployment is Active or a provisioned throughput is InService or "
            "Updating, according to the listings' status; false when every one is in a state "
            "that does not serve; an error when a state is one the tool does not know. A "
            "rule's served_severity reads it too.",
            "require: {field: served, equals: false}"),
        job=False),
    Enrichment(
        "copyJob", ShapeOf("ListModelCopyJobs", member="modelCopyJobSummaries", item=True),
        ("bedrock:ListModelCopyJobs",),
        Doc("ListModelCopyJobs, once per account and region",
            "The model copy job whose targetModelArn is this model (the completed one if "
            "several), with sourceAccountId, sourceModelArn, targetModelKmsKeyArn and "
            "targetModelTags; null for a model that was not copied.",
            "require: {field: copyJob.sourceAccountId, not_in: [\"999999999999\"]}"),
        job=None),
    Enrichment(
        "importJob", ShapeOf("GetModelImportJob"), ("bedrock:GetModelImportJob",),
        Doc("GetModelImportJob, once per imported model (--include-imported)",
            "For an imported model, the import job of its jobArn: vpcConfig, roleArn, "
            "importedModelKmsKeyArn, modelDataSource, ...; null for other kinds.",
            "require: {field: importJob.vpcConfig.subnetIds, exists: true}"),
        job=None),
    Enrichment(
        "baseModel", ShapeOf("GetFoundationModel", member="modelDetails"),
        ("bedrock:GetFoundationModel",),
        Doc("GetFoundationModel, once per foundation model and region (once per account "
            "where the first account's call failed)",
            "The foundation model at the root of the model's base chain (a custom-model base "
            "is followed to its foundation model, named in its ARN): modelId, providerName, "
            "modelLifecycle (status, legacyTime, endOfLifeTime, ...).",
            "require: {field: baseModel.modelLifecycle.status, equals: ACTIVE}"),
        job=NotAvailable(
            "the foundation model of an in-flight job is not read (GetFoundationModel is "
            "called for models only), so rules on baseModel cannot judge it until the model "
            "exists")),
    # Account settings, read when a resource: account rule (or a model rule, under
    # ``account.``) reads them.
    Enrichment(
        "invocationLogging",
        ShapeOf("GetModelInvocationLoggingConfiguration", member="loggingConfig"),
        ("bedrock:GetModelInvocationLoggingConfiguration",),
        Doc("GetModelInvocationLoggingConfiguration, once per account and region",
            "The model invocation logging configuration (loggingConfig): s3Config, "
            "cloudWatchConfig (with largeDataDeliveryS3Config), textDataDeliveryEnabled, ...; "
            "null when logging is off.",
            "require: {field: invocationLogging.textDataDeliveryEnabled, equals: true}"),
        resource="account"),
    Enrichment(
        "enforcedGuardrails",
        ShapeOf("ListEnforcedGuardrailsConfiguration", member="guardrailsConfig"),
        ("bedrock:ListEnforcedGuardrailsConfiguration",),
        Doc("ListEnforcedGuardrailsConfiguration, once per account and region, every page",
            "The guardrails enforced on the account's invocations (guardrailsConfig): "
            "guardrailArn, guardrailVersion, modelEnforcement, ...; [] when none.",
            "require: {field: \"enforcedGuardrails[].guardrailArn\", exists: true}"),
        resource="account"),
    Enrichment(
        "guardrails", ShapeOf("GetGuardrail", many=True),
        ("bedrock:ListEnforcedGuardrailsConfiguration", "bedrock:GetGuardrail"),
        Doc("ListEnforcedGuardrailsConfiguration, then GetGuardrail once per enforced "
            "guardrail at its enforced version, once per account and region",
            "The configuration of each enforced guardrail at the enforced version: "
            "contentPolicy (filters with type, inputStrength, outputStrength; PROMPT_ATTACK "
            "among them), sensitiveInformationPolicy (piiEntities and regexes with their "
            "actions), contextualGroundingPolicy (filters with thresholds), kmsKeyArn, ...; "
            "[] when none is enforced. A guardrail or version that cannot be read makes the "
            "key an error naming it.",
            "require: {field: \"guardrails[].kmsKeyArn\", exists: true}"),
        resource="account"),
    Enrichment(
        "invocationLogEncryption",
        ShapeOf(parts=(
            ("s3", ShapeOf("GetBucketEncryption", service="s3")),
            ("cloudWatch", ShapeOf("DescribeLogGroups", service="logs", member="logGroups",
                                   item=True)),
            ("largeDataS3", ShapeOf("GetBucketEncryption", service="s3")))),
        ("bedrock:GetModelInvocationLoggingConfiguration", "s3:GetEncryptionConfiguration",
         "logs:DescribeLogGroups"),
        Doc("GetModelInvocationLoggingConfiguration, then S3 GetBucketEncryption for its "
            "bucket and its large-data bucket and CloudWatch Logs DescribeLogGroups for its "
            "log group, once per account and region",
            "The encryption of the invocation logs' destinations: s3 and largeDataS3 are "
            "GetBucketEncryption's answer for invocationLogging.s3Config.bucketName and "
            "cloudWatchConfig.largeDataDeliveryS3Config.bucketName "
            "(ServerSideEncryptionConfiguration null when the bucket has no default "
            "encryption); cloudWatch is DescribeLogGroups' entry for the log group "
            "(logGroupName, kmsKeyId, ...). A destination that is not configured is null; "
            "logging off makes all three null. A bucket of another account (asked with "
            "ExpectedBucketOwner), or a group that is not found or cannot be described, makes "
            "the key an error naming it.",
            "require: {field: invocationLogEncryption.cloudWatch.kmsKeyId, exists: true}"),
        resource="account"),
    Enrichment(
        "vpcEndpoints",
        ShapeOf("DescribeVpcEndpoints", service="ec2", member="VpcEndpoints", item=True,
                many=True),
        ("ec2:DescribeVpcEndpoints",),
        Doc("EC2 DescribeVpcEndpoints, once per account and region, every page",
            "The interface VPC endpoints of the region for com.amazonaws.<region>.bedrock "
            "and com.amazonaws.<region>.bedrock-runtime: ServiceName, VpcId, State, "
            "PrivateDnsEnabled, ...; [] when none.",
            "require: {field: \"vpcEndpoints[].PrivateDnsEnabled\", equals: true}"),
        resource="account"),
    Enrichment(
        "broadAccess", ShapeOf("ListEntitiesForPolicy", service="iam"),
        ("iam:ListEntitiesForPolicy",),
        Doc("IAM ListEntitiesForPolicy for the AWS managed policy AmazonBedrockFullAccess, "
            "once per account (IAM is global: every region of an account has the same value)",
            "The principals the AWS managed policy AmazonBedrockFullAccess is attached to: "
            "PolicyUsers, PolicyGroups and PolicyRoles (each [] when none).",
            "require: {field: \"broadAccess.PolicyRoles[].RoleName\", exists: false}"),
        resource="account"),
    Enrichment(
        "apiKeys",
        ShapeOf("ListServiceSpecificCredentials", service="iam",
                member="ServiceSpecificCredentials", item=True, many=True),
        ("iam:ListServiceSpecificCredentials",),
        Doc("IAM ListServiceSpecificCredentials for bedrock.amazonaws.com with AllUsers, once "
            "per account (IAM is global), at most 100 pages of 1,000",
            "The long-term Bedrock API keys of every IAM user of the account: UserName, "
            "Status (Active or Inactive), CreateDate, ExpirationDate, "
            "ServiceSpecificCredentialId, ...; [] when none.",
            "require: {field: \"apiKeys[].Status\", not_equals: Active}"),
        resource="account"),
)
BY_KEY = {e.key: e for e in ENRICHMENTS}
