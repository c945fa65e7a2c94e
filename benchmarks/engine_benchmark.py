"""Benchmark: the cost of 50 rules on 10,000 models, start-up and report writing included.

Generates (deterministically) a file of varied GetCustomModel documents and two policies: one
of 50 distinct rules using every check kind and operator, and one with a single trivial rule.
Then times the installed command on both, as a user or a CI job runs it::

    bedrock-drift check --from MODELS -p POLICY -f json -o OUT

The difference between the two runs is what the rules cost; the bare ``json.load`` of the
input shows how much of a run is only reading the file. The targets (medians of ``--repeat``
runs each): the 50-rule run takes at most 3 times a ``json.load`` of the input more than the
trivial one (judging at the speed of parsing, issue 25), and at most 1.5 s more (the older
target). It prints a markdown table for docs/speed.md and a PASS/MISSED line per target.

Then one phase alone, in-process: writing the JSON report. Each command's own Python runs the
check as the command does and, where the command writes its report, writes it ``--writes``
times (to the same file, as repeated runs do); the median of each policy's writes is printed.
Its budget (not a target of the issue's own: the part of the whole run's 3x-``json.load``
target, about 0.3 s, that writing could take if judging took the rest): the 50-rule report
(55 MB) written within 0.08 s of the 1-rule one (3.5 MB).

    python benchmarks/engine_benchmark.py [--models 10000] [--repeat 3] [--profile] [--keep]
                                          [--rates] [--command PATH] [--writes 5]

Standard library only (plus the installed ``bedrock-drift`` command, or the project itself
for ``--profile``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

TARGET_SECONDS = 1.5
TARGET_LOADS = 3  # the 50 rules' cost, in json.loads of the input
# The 50-rule report's writing beyond the 1-rule one's: a budget, the share of the 3x
# json.load target (about 0.3 s for the whole difference) left to writing.
WRITE_BUDGET_SECONDS = 0.08
SEED = 20261127
POLICY_NAME = "bench"

PLATFORM_ACCOUNT = "111122223333"
TEAM_ACCOUNT = "444455556666"
FOREIGN_ACCOUNT = "999999999999"
REGIONS = ["us-east-1", "us-east-1", "us-west-2", "us-west-2", "eu-west-1", "ap-northeast-1"]

# (foundation model id, weight) per customization type; a few are not on any allow-list.
BASES = {
    "FINE_TUNING": [
        ("amazon.titan-text-express-v1:0:8k", 5), ("amazon.titan-text-lite-v1:0:4k", 1),
        ("amazon.nova-micro-v1:0:128k", 3), ("amazon.nova-lite-v1:0:300k", 4),
        ("amazon.nova-pro-v1:0:300k", 2), ("meta.llama3-1-8b-instruct-v1:0:128k", 2),
        ("meta.llama2-13b-v1:0:4k", 1), ("cohere.command-light-text-v14:7:4k", 1),
        ("anthropic.claude-3-haiku-20240307-v1:0:200k", 2),
    ],
    "CONTINUED_PRE_TRAINING": [
        ("amazon.titan-text-express-v1:0:8k", 3), ("amazon.nova-lite-v1:0:300k", 3),
        ("amazon.nova-micro-v1:0:128k", 1), ("amazon.titan-text-lite-v1:0:4k", 1),
    ],
    "DISTILLATION": [
        ("amazon.nova-micro-v1:0:128k", 4), ("amazon.nova-lite-v1:0:300k", 4),
        ("meta.llama3-1-8b-instruct-v1:0:128k", 1),
    ],
    "REINFORCEMENT_FINE_TUNING": [
        ("amazon.nova-2-lite-v1:0:256k", 6), ("amazon.nova-lite-v1:0:300k", 1),
    ],
}
TYPES = [("FINE_TUNING", 35), ("CONTINUED_PRE_TRAINING", 15), ("DISTILLATION", 18),
         ("REINFORCEMENT_FINE_TUNING", 17), ("IMPORTED", 15)]
TEACHERS = [
    ("inference-profile/us.amazon.nova-pro-v1:0", 5),
    ("inference-profile/eu.amazon.nova-pro-v1:0", 2),
    ("foundation-model/amazon.nova-premier-v1:0", 2),
    ("inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0", 3),
    ("foundation-model/anthropic.claude-instant-v1", 1),
    ("inference-profile/us.amazon.nova-lite-v1:0", 1),
    ("foundation-model/meta.llama3-1-70b-instruct-v1:0", 1),
]
TEAMS = ["fraud", "support", "search", "chat", "legal", "research", "ads", "risk", "docs", "hr"]
PURPOSES = ["summarizer", "classifier", "assistant", "extractor", "router", "ranker", "qa",
            "translator", "grader", "tagger"]
UNICODE_NAMES = ["résumé-ranker", "摘要-模型", "модель-поиска", "données-clients", "검색-도우미",
                 "análise-de-risco", "zusammenfassung-größe"]
SUFFIX_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _suffix(rng: random.Random, n: int = 12) -> str:
    return "".join(rng.choices(SUFFIX_CHARS, k=n))


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _kms_key(rng: random.Random, region: str, account: str) -> str | None:
    roll = rng.random()
    if roll < 0.12:
        return None  # an AWS-owned key
    if roll < 0.20:
        return f"arn:aws:kms:{region}:{FOREIGN_ACCOUNT}:key/{_uuid(rng)}"
    if roll < 0.23:
        return f"arn:aws:kms:{region}:{account}:key/mrk-{_suffix(rng, 32)}"  # multi-region key
    owner = PLATFORM_ACCOUNT if rng.random() < 0.85 else TEAM_ACCOUNT
    return f"arn:aws:kms:{region}:{owner}:key/{_uuid(rng)}"


def _string_hyperparameters(rng: random.Random, kind: str) -> dict[str, str]:
    rate = _pick(rng, [("0.00001", 6), ("0.00005", 5), ("1e-5", 3), ("5e-6", 3), ("0.0001", 3),
                       ("0.0002", 1), ("0.001", 1), ("fast", 1), ("NaN", 1), ("1e-8", 1)])
    params = {
        "batchSize": str(_pick(rng, [(1, 2), (4, 3), (8, 5), (16, 3), (32, 2), (48, 1),
                                     ("auto", 1)])),
        "learningRate": rate,
    }
    if rng.random() < 0.93:  # else AWS applies its default
        params["epochCount"] = str(_pick(rng, [(1, 3), (2, 5), (3, 6), (5, 3), (8, 1), (0, 1)]))
    if kind != "CONTINUED_PRE_TRAINING" or rng.random() < 0.5:
        params["learningRateWarmupSteps"] = str(_pick(rng, [(0, 4), (10, 4), (50, 3),
                                                            (250, 1)]))
    return params


def _rft_hyperparameters(rng: random.Random) -> dict[str, Any]:
    params: dict[str, Any] = {
        "epochCount": _pick(rng, [(1, 2), (3, 5), (5, 2), (12, 1)]),
        "batchSize": _pick(rng, [(16, 2), (64, 5), (128, 2), (512, 1)]),
        "learningRate": _pick(rng, [(5e-05, 5), (1e-05, 4), (0.0001, 2), (0.0005, 1)]),
        "trainingSamplePerPrompt": _pick(rng, [(2, 2), (4, 6), (8, 3), (32, 1)]),
        "evalInterval": _pick(rng, [(10, 6), (20, 3), (1, 1)]),
    }
    if rng.random() < 0.6:
        params["reasoningEffort"] = _pick(rng, [("low", 3), ("medium", 4), ("high", 1)])
    if rng.random() < 0.5:
        params["inferenceMaxTokens"] = _pick(rng, [(4096, 4), (8192, 3), (16384, 1)])
    return params


def _grader(rng: random.Random, region: str) -> str | None:
    account = PLATFORM_ACCOUNT if rng.random() < 0.88 else FOREIGN_ACCOUNT
    name = _pick(rng, [("approved-grader-fraud", 8), ("approved-grader-support", 6),
                       ("audited-grader-math", 1), ("my-grader", 1)])
    qualifier = _pick(rng, [(f":{rng.randint(1, 40)}", 14), ("", 1), (":$LATEST", 1),
                            (":live", 1)])
    if rng.random() < 0.02:
        return None  # a grader config without a Lambda
    return f"arn:aws:lambda:{region}:{account}:function:{name}{qualifier}"


def _bucket_uri(rng: random.Random, approved: str, others: list[str], path: str) -> str:
    bucket = approved if rng.random() < 0.85 else rng.choice(others)
    return f"s3://{bucket}/{path}"


def _name(rng: random.Random, index: int, team: str) -> str:
    if rng.random() < 0.04:
        return f"{rng.choice(UNICODE_NAMES)}-{index}"
    purpose = rng.choice(PURPOSES)
    stage = _pick(rng, [("prod", 5), ("staging", 2), ("dev", 2), ("test", 1), ("tmp", 1)])
    return f"{stage}-{team}-{purpose}-{index}"


def _trained(rng: random.Random, kind: str, where: str, name: str, model_id: str,
             created: str) -> dict[str, Any]:
    """The ARNs, job and base of a model Bedrock trained (``where``: region:account)."""
    region = where.split(":")[0]
    base = _pick(rng, BASES[kind])
    if rng.random() < 0.08:  # trained on top of another custom model
        base_arn = f"arn:aws:bedrock:{where}:custom-model/{base}/{_suffix(rng)}"
    else:
        base_arn = f"arn:aws:bedrock:{region}::foundation-model/{base}"
    # Most teams name jobs after the model and date; some let a script pick a name.
    job = f"{name}-{created[:10]}" if rng.random() < 0.9 else f"job-{_suffix(rng, 8)}"
    return {
        "modelArn": f"arn:aws:bedrock:{where}:custom-model/{base}/{model_id}",
        "modelName": name,
        "jobName": job,
        "jobArn": f"arn:aws:bedrock:{where}:model-customization-job/{base}/{_suffix(rng)}",
        "baseModelArn": base_arn,
    }


def _distillation(rng: random.Random, region: str, account: str) -> dict[str, Any]:
    """A distilled model's customizationConfig: its teacher."""
    teacher = _pick(rng, TEACHERS)
    teacher_region = "us-east-1" if ".us." in f".{teacher}" else region
    # A foundation model's ARN names no account; an inference profile's names its owner.
    owner = "" if teacher.startswith("foundation-model/") else account
    identifier = (f"arn:aws:bedrock:{teacher_region}:{owner}:{teacher}"
                  if rng.random() < 0.8 else teacher.rsplit("/", 1)[1])
    return {"distillationConfig": {"teacherModelConfig": {
        "teacherModelIdentifier": identifier,
        "maxResponseLengthForInference": _pick(rng, [(1000, 5), (2000, 3), (256, 1)]),
    }}}


def _add_data_configs(rng: random.Random, doc: dict[str, Any], kind: str, team: str,
                      index: int, status: str) -> None:
    """A trained model's training, validation and output data, and its metrics."""
    others = ["chat-team-scratch", "tmp-exports", "acme-ml-training-data-copy"]
    if kind == "DISTILLATION" and rng.random() < 0.6:
        doc["trainingDataConfig"] = {"invocationLogsConfig": {
            "usePromptResponse": rng.random() < 0.3,
            "invocationLogSource": {"s3Uri": _bucket_uri(
                rng, "acme-ml-training-data", others, f"{team}/invocation-logs/")},
        }}
    else:
        doc["trainingDataConfig"] = {"s3Uri": _bucket_uri(
            rng, "acme-ml-training-data", others,
            f"{team}/train-{index}.jsonl" if rng.random() < 0.85 else f"{team}/data.jsonl")}
    if rng.random() < 0.55:
        count = _pick(rng, [(0, 1), (1, 6), (2, 3)])
        doc["validationDataConfig"] = {"validators": [
            {"s3Uri": _bucket_uri(rng, "acme-ml-validation-data", ["tmp-exports"],
                                  f"{team}/val-{i}.jsonl")} for i in range(count)]}
    doc["outputDataConfig"] = {"s3Uri": _bucket_uri(
        rng, "acme-ml-model-output", ["tmp-exports", "chat-team-scratch"], f"{team}/")}
    if status == "Active" and kind in ("FINE_TUNING", "CONTINUED_PRE_TRAINING"):
        doc["trainingMetrics"] = {"trainingLoss": round(rng.uniform(0.2, 2.9), 4)}
        if doc.get("validationDataConfig", {}).get("validators"):
            doc["validationMetrics"] = [
                {"validationLoss": round(rng.uniform(0.3, 3.3), 4)}
                for _ in doc["validationDataConfig"]["validators"]]


def make_document(rng: random.Random, index: int) -> dict[str, Any]:
    """One realistic GetCustomModel document (as `aws bedrock get-custom-model` prints it),
    with its tags."""
    kind = _pick(rng, TYPES)
    region = rng.choice(REGIONS)
    account = _pick(rng, [(PLATFORM_ACCOUNT, 8), (TEAM_ACCOUNT, 3), (FOREIGN_ACCOUNT, 1)])
    team = rng.choice(TEAMS)
    name = _name(rng, index, team)
    model_id = _suffix(rng)
    created = (f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T"
               f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
               "+00:00")
    status = _pick(rng, [("Active", 90), ("Creating", 5), ("Failed", 5)])
    doc: dict[str, Any] = {}
    if kind == "IMPORTED":
        doc["modelArn"] = f"arn:aws:bedrock:{region}:{account}:custom-model/{model_id}"
        doc["modelName"] = name
    else:
        doc.update(_trained(rng, kind, f"{region}:{account}", name, model_id, created))
    doc["customizationType"] = kind
    key = _kms_key(rng, region, account)
    if key is not None:
        doc["modelKmsKeyArn"] = key
    if kind in ("FINE_TUNING", "CONTINUED_PRE_TRAINING"):
        doc["hyperParameters"] = _string_hyperparameters(rng, kind)
    if kind != "IMPORTED":
        _add_data_configs(rng, doc, kind, team, index, status)
    if kind == "DISTILLATION":
        doc["customizationConfig"] = _distillation(rng, region, account)
    if kind == "REINFORCEMENT_FINE_TUNING":
        grader = _grader(rng, region)
        doc["customizationConfig"] = {"rftConfig": {
            "graderConfig": {"lambdaGrader": {"lambdaArn": grader}} if grader else {},
            "hyperParameters": _rft_hyperparameters(rng),
        }}
    doc["creationTime"] = created
    doc["modelStatus"] = status
    if status == "Failed":
        doc["failureMessage"] = _pick(rng, [("Insufficient permissions on the output bucket", 1),
                                            ("Training data validation failed", 1)])
    tags: dict[str, str] = {}
    if rng.random() < 0.92:
        tags["owner"] = f"{team}-ml" if rng.random() < 0.95 else f"{team} ml team"
    if rng.random() < 0.8:
        tags["cost.center"] = str(rng.randint(1000, 99999)) if rng.random() < 0.93 else "tbd"
    if rng.random() < 0.9:
        tags["env"] = name.split("-", 1)[0] if name[0].isascii() else "dev"
    if rng.random() < 0.85:
        tags["data-classification"] = _pick(rng, [("internal", 5), ("confidential", 3),
                                                  ("restricted", 2), ("public", 1)])
    # ListTagsForResource's shape and the plain object are both accepted; use both.
    doc["tags"] = ([{"key": k, "value": v} for k, v in tags.items()]
                   if rng.random() < 0.3 else tags)
    return doc


def make_documents(count: int) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    return [make_document(rng, i) for i in range(count)]


# --- the policies ------------------------------------------------------------------------

NOT_IMPORTED = {"field": "customizationType", "not_equals": "IMPORTED"}
TRAINED = {"field": "customizationType", "in": ["FINE_TUNING", "CONTINUED_PRE_TRAINING"]}
APPROVED_TRAINING = "s3://acme-ml-training-data/*"
APPROVED_OUTPUT = "s3://acme-ml-model-output/*"

# (id, severity, options): 50 distinct rules, every check kind, every operator, all_of/any_of/
# not, [] paths, quoted keys and `when` clauses.
RULES: list[tuple[str, str, dict[str, Any]]] = [
    # kms_key
    ("kms-required", "critical", {"kms_key": {}}),
    ("kms-platform-key", "critical",
     {"kms_key": {"allowed": [f"arn:aws:kms:*:{PLATFORM_ACCOUNT}:key/*"]}}),
    ("kms-own-region", "high",
     {"when": TRAINED,
      "kms_key": {"allowed": ["arn:aws:kms:us-east-1:*:key/*", "arn:aws:kms:us-west-2:*:key/*",
                              "arn:aws:kms:eu-west-1:*:key/*"]}}),
    ("kms-if-set-known-account", "medium",
     {"kms_key": {"required": False,
                  "allowed": [f"arn:aws:kms:*:{PLATFORM_ACCOUNT}:key/*",
                              f"arn:aws:kms:*:{TEAM_ACCOUNT}:key/*"]}}),
    # base_model
    ("base-approved-families", "high",
     {"when": NOT_IMPORTED,
      "base_model": {"allowed": ["amazon.titan-text-express-v1*", "amazon.nova-*",
                                 "meta.llama3-*", "anthropic.claude-3-haiku*"]}}),
    ("base-no-legacy", "medium",
     {"when": NOT_IMPORTED,
      "base_model": {"denied": ["amazon.titan-text-lite-v1*", "meta.llama2-*",
                                "cohere.command-light*"]}}),
    ("base-amazon-not-micro", "low",
     {"when": TRAINED,
      "base_model": {"allowed": ["amazon.*"], "denied": ["amazon.nova-micro*"]}}),
    ("base-distillation-student", "medium",
     {"when": {"field": "customizationType", "equals": "DISTILLATION"},
      "base_model": {"allowed": ["arn:aws:bedrock:*::foundation-model/amazon.nova-*",
                                 f"arn:aws:bedrock:*:{PLATFORM_ACCOUNT}:custom-model/*"]}}),
    ("base-rft", "high",
     {"when": {"field": "customizationType", "equals": "REINFORCEMENT_FINE_TUNING"},
      "base_model": {"allowed": ["amazon.nova-2-lite-v1*"]}}),
    # teacher_model
    ("teacher-approved", "high",
     {"teacher_model": {"allowed": ["amazon.nova-pro*", "amazon.nova-premier*",
                                    "anthropic.claude-3-5-sonnet*"]}}),
    ("teacher-denied", "medium",
     {"teacher_model": {"denied": ["*claude-instant*", "meta.llama3-1-70b*"]}}),
    ("teacher-profile-or-premier", "low",
     {"teacher_model": {"allowed": ["arn:aws:bedrock:*:*:inference-profile/*",
                                    "amazon.nova-premier*"],
                        "denied": ["us.amazon.nova-lite*"]}}),
    # hyperparameter
    ("lr-cap", "medium", {"hyperparameter": {"name": "learningRate", "max": 0.0001}}),
    ("lr-floor", "low", {"hyperparameter": {"name": "learningRate", "min": "1e-7"}}),
    ("epochs-range", "medium", {"hyperparameter": {"name": "epochCount", "min": 1, "max": 5}}),
    ("batch-size-allowed", "low",
     {"hyperparameter": {"name": "batchSize", "allowed": [1, 2, 4, 8, 16, 64, 128]}}),
    ("warmup-cap", "low", {"hyperparameter": {"name": "learningRateWarmupSteps", "max": "100"}}),
    ("epochs-required", "medium",
     {"when": {"field": "customizationType", "not_in": ["IMPORTED", "DISTILLATION"]},
      "hyperparameter": {"name": "epochCount", "required": True, "max": 10}}),
    ("samples-per-prompt", "low",
     {"hyperparameter": {"name": "trainingSamplePerPrompt", "min": 2, "max": 16}}),
    ("reasoning-effort", "low",
     {"hyperparameter": {"name": "reasoningEffort", "allowed": ["low", "medium"]}}),
    ("inference-tokens", "info",
     {"hyperparameter": {"name": "inferenceMaxTokens", "max": "8192"}}),
    ("eval-interval", "info", {"hyperparameter": {"name": "evalInterval", "min": 5}}),
    # lambda_grader
    ("grader-approved-pinned", "high",
     {"lambda_grader": {"arn_pattern": (r"arn:aws:lambda:[a-z0-9-]+:" + PLATFORM_ACCOUNT
                                        + r":function:approved-grader-[A-Za-z0-9-]+:[0-9]+"),
                        "pinned": True}}),
    ("grader-platform-account", "high",
     {"lambda_grader": {"allowed": [f"arn:aws:lambda:*:{PLATFORM_ACCOUNT}:function:*"]}}),
    ("grader-pinned", "medium", {"lambda_grader": {"pinned": True}}),
    ("grader-known-names", "low",
     {"lambda_grader": {"arn_pattern": (r"arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:"
                                        r"(approved|audited)-grader-[a-z-]+(:.+)?"),
                        "allowed": ["arn:aws:lambda:us-*", "arn:aws:lambda:eu-west-1:*"]}}),
    # require: every operator
    ("status-active", "info",
     {"when": {"field": "modelStatus", "not_equals": "Creating"},
      "require": {"field": "modelStatus", "equals": "Active"}}),
    ("not-failed", "low", {"require": {"field": "modelStatus", "not_equals": "Failed"}}),
    ("approved-regions", "high",
     {"require": {"field": "region", "in": ["us-east-1", "us-west-2", "eu-west-1"]}}),
    ("no-foreign-accounts", "critical",
     {"require": {"field": "accountId", "not_in": [FOREIGN_ACCOUNT]}}),
    ("name-format", "low",
     {"require": {"field": "modelName", "matches": "[a-z][a-z0-9-]{2,62}"}}),
    ("name-not-throwaway", "low",
     {"when": {"field": "tags.env", "equals": "prod"},
      "require": {"field": "modelName", "not_matches": "(?i).*(test|tmp|scratch).*"}}),
    ("output-bucket", "high",
     {"when": NOT_IMPORTED, "require": {"field": "outputDataConfig.s3Uri",
                                        "glob": APPROVED_OUTPUT}}),
    ("teacher-response-length", "low",
     {"when": {"field": "customizationConfig.distillationConfig", "exists": True},
      "require": {"field": ("customizationConfig.distillationConfig.teacherModelConfig"
                            ".maxResponseLengthForInference"), "min": 500}}),
    ("training-loss", "info",
     {"when": {"all_of": [{"field": "modelStatus", "equals": "Active"}, TRAINED]},
      "require": {"field": "trainingMetrics.trainingLoss", "max": 2.5}}),
    ("owner-tag", "medium", {"require": {"field": "tags.owner", "exists": True}}),
    ("no-failure-message", "info",
     {"require": {"field": "failureMessage", "exists": False}}),
    ("job-name-dated", "info",
     {"when": NOT_IMPORTED, "require": {"field": "jobName", "contains": "-2026-"}}),
    ("training-data-path", "low",
     {"when": TRAINED,
      "require": {"field": "trainingDataConfig.s3Uri", "contains": "/train-"}}),
    # [] paths
    ("validation-bucket", "medium",
     {"when": {"field": "validationDataConfig", "exists": True},
      "require": {"field": "validationDataConfig.validators[].s3Uri",
                  "glob": "s3://acme-ml-validation-data/*"}}),
    ("validation-loss", "info",
     {"when": {"field": "validationMetrics[].validationLoss", "exists": True},
      "require": {"field": "validationMetrics[].validationLoss", "max": 3}}),
    # all_of / any_of / not, quoted keys, several operators on one field
    ("data-buckets", "high",
     {"when": TRAINED,
      "require": {"all_of": [
          {"field": "trainingDataConfig.s3Uri", "glob": APPROVED_TRAINING},
          {"field": "outputDataConfig.s3Uri", "glob": APPROVED_OUTPUT}]}}),
    ("training-source", "high",
     {"when": NOT_IMPORTED,
      "require": {"any_of": [
          {"field": "trainingDataConfig.s3Uri", "glob": APPROVED_TRAINING},
          {"field": "trainingDataConfig.invocationLogsConfig.invocationLogSource.s3Uri",
           "glob": APPROVED_TRAINING}]}}),
    ("not-scratch-env", "medium",
     {"require": {"not": {"field": "tags.env", "in": ["tmp", "scratch"]}}}),
    ("cost-center", "low",
     {"when": {"field": "tags.env", "equals": "prod"},
      "require": {"field": 'tags."cost.center"', "matches": "[0-9]{4,6}"}}),
    ("prod-hardening", "high",
     {"when": {"any_of": [{"field": "tags.env", "equals": "prod"},
                          {"field": "modelName", "glob": "prod-*"}]},
      "require": {"all_of": [
          {"field": "accountId", "in": [PLATFORM_ACCOUNT, TEAM_ACCOUNT]},
          {"not": {"field": "modelKmsKeyArn", "exists": False}},
          {"any_of": [{"field": "tags.data-classification", "not_equals": "public"},
                      {"field": "customizationType", "equals": "IMPORTED"}]}]}}),
    ("epochs-listed", "low",
     {"when": TRAINED,
      "require": {"field": "hyperParameters.epochCount", "in": [1, 2, 3, "5"]}}),
    ("rft-learning-rate", "medium",
     {"when": {"field": "customizationConfig.rftConfig", "exists": True},
      "require": {"field": "customizationConfig.rftConfig.hyperParameters.learningRate",
                  "max": "1e-4", "not_equals": 0}}),
    ("kms-arn-shape", "low",
     {"when": {"field": "modelKmsKeyArn", "exists": True},
      "require": {"field": "modelKmsKeyArn",
                  "matches": r"arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}"}}),
    ("classification", "medium",
     {"when": {"not": {"field": "customizationType", "equals": "IMPORTED"}},
      "require": {"field": "tags.data-classification",
                  "in": ["internal", "confidential", "restricted"]}}),
]


def _yaml_value(value: Any) -> str:
    # JSON is YAML's flow syntax, so each value is written as JSON.
    return json.dumps(value, ensure_ascii=False)


def policy_yaml(name: str, rules: list[tuple[str, str, dict[str, Any]]],
                waivers: list[dict[str, Any]] | None = None) -> str:
    lines = ["version: 1", f"name: {name}",
             "description: Benchmark policy (generated by benchmarks/engine_benchmark.py).",
             "rules:"]
    for rule_id, severity, options in rules:
        lines.append(f"  - id: {rule_id}")
        lines.append(f"    title: {_yaml_value(rule_id.replace('-', ' ').capitalize())}")
        lines.append(f"    severity: {severity}")
        lines.append(f"    labels: [bench, {rule_id.split('-', 1)[0]}]")
        for key, value in options.items():
            lines.append(f"    {key}: {_yaml_value(value)}")
    if waivers:
        lines.append("waivers:")
        for waiver in waivers:
            first = True
            for key, value in waiver.items():
                lines.append(f"  {'- ' if first else '  '}{key}: {_yaml_value(value)}")
                first = False
    return "\n".join(lines) + "\n"


def full_policy() -> str:
    assert len(RULES) == 50 and len({r[0] for r in RULES}) == 50
    waivers = [{"rules": ["lr-cap", "epochs-range"], "models": ["*-research-*"],
                "accounts": [PLATFORM_ACCOUNT],
                "reason": "Research sandbox explores wider settings (SEC-1234).",
                "expires": "2099-12-31"}]
    return policy_yaml(POLICY_NAME, RULES, waivers)


def trivial_policy() -> str:
    return policy_yaml(POLICY_NAME, [("has-name", "low",
                                      {"require": {"field": "modelName", "exists": True}})])


# --- running and timing ------------------------------------------------------------------

def default_command() -> str:
    """The installed console script: the one beside this interpreter (a venv), else the one
    on PATH."""
    beside = Path(sys.executable).parent / "bedrock-drift"
    if beside.is_file():
        return str(beside)
    found = shutil.which("bedrock-drift")
    if found is None:
        sys.exit("bedrock-drift is not installed: pip install -e . first")
    return found


def label(command: str) -> str:
    """A short column name for a command: the checkout of .../CHECKOUT/VENV/bin/bedrock-drift."""
    path = Path(command).resolve()
    if path.parent.name in ("bin", "Scripts") and len(path.parents) > 3:
        return path.parents[2].name
    return path.name


def run(command: list[str],
        expect: tuple[int, ...]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in expect:
        sys.exit(f"{' '.join(command)}\nexited {done.returncode}, expected {expect}:\n"
                 f"{done.stderr[-2000:]}")
    return elapsed, done


def time_json_load(file: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with file.open(encoding="utf-8") as handle:
            json.load(handle)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def failure_rates(report_file: Path) -> tuple[dict[str, Any], Counter[str], Counter[str]]:
    report = json.loads(report_file.read_text(encoding="utf-8"))
    fails: Counter[str] = Counter()
    applicable: Counter[str] = Counter()
    for model in report["models"]:
        for rule, status in model["results"].items():
            if status in ("fail", "waived"):
                fails[rule] += 1
            if status != "not_applicable":
                applicable[rule] += 1
    return report["summary"], fails, applicable


def profile(command_args: list[str], top: int) -> None:
    """Run the check in this process under cProfile and print the hot spots."""
    import cProfile
    import pstats

    from checker.cli import main

    profiler = cProfile.Profile()
    profiler.enable()
    with contextlib.suppress(SystemExit):  # the command ends with sys.exit(code)
        main(command_args)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


# Run in the Python beside a command: its ``check``, with the report written ``writes`` times
# where the command writes it, each write timed (render_chunks and write_output, as ``check``
# calls them: the entries are made while they are written). Prints the seconds, one a line.
WRITE_PHASE = """\
import contextlib, sys, time
import checker.cli.check as check
writes = int(sys.argv[1])
write_output, render_chunks = check.write_output, check.render_chunks
def timed(text, output, *args, **kwargs):
    made = text
    for _ in range(writes):
        started = time.perf_counter()
        write_output(made, output, *args, **kwargs)
        print(f"write-seconds {time.perf_counter() - started:.6f}", file=sys.stderr)
        made = render_chunks(*rendered[-1][0], **rendered[-1][1])
def render(*args, **kwargs):
    rendered.append((args, kwargs))
    return render_chunks(*args, **kwargs)
rendered = []
check.write_output, check.render_chunks = timed, render
from checker.cli import main
with contextlib.suppress(SystemExit):
    main(sys.argv[2:])
"""


def time_writing(command: str, args: list[str], writes: int) -> list[float]:
    """The seconds of each of ``writes`` writes of the report of ``check ARGS``, run by the
    Python beside ``command`` (so a checkout's command times its own writer)."""
    python = Path(command).parent / Path(sys.executable).name
    if not python.is_file():
        python = Path(command).parent / "python"
    # Not from this checkout's folder: ``python -c`` would import the package found there.
    done = subprocess.run([str(python), "-c", WRITE_PHASE, str(writes), "check", *args],
                          capture_output=True, text=True, check=False, cwd=tempfile.gettempdir(),
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    seconds = [float(line.split()[1]) for line in done.stderr.splitlines()
               if line.startswith("write-seconds ")]
    if len(seconds) != writes:
        sys.exit(f"the write phase of {command} failed:\n{done.stderr[-2000:]}")
    return seconds


def print_table(commands: list[str], medians: dict[tuple[int, str], float],
                differences: list[float], loaded: float, repeat: int,
                summary: dict[str, Any]) -> None:
    """The figures as a markdown table, ready for docs/speed.md (one column per command)."""
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") \
        else "unknown"
    heading = " | ".join(f"[{i + 1}] {label(c)}" for i, c in enumerate(commands))
    print(f"| seconds (median of {repeat}) | {heading} |")
    print("|---|" + "---:|" * len(commands))
    print("| one trivial rule | " + " | ".join(
        f"{medians[(i, 'trivial')]:.2f}" for i in range(len(commands))) + " |")
    print(f"| 50 rules ({summary['violations']:,} violations, {summary['waived']:,} waived) | "
          + " | ".join(f"{medians[(i, 'full')]:.2f}" for i in range(len(commands))) + " |")
    print("| **difference** | " + " | ".join(f"**{d:.2f}**" for d in differences) + " |")
    print(f"| `json.load` of the input | {loaded:.2f} |" + " |" * (len(commands) - 1))
    print(f"| difference / `json.load` (target: at most {TARGET_LOADS}) | " + " | ".join(
        f"{d / loaded:.1f}" for d in differences) + " |")
    print(f"\nload average (1, 5, 15 min) at the end: {load}")


def print_write_table(commands: list[str], writing: dict[tuple[int, str], list[float]],
                      sizes: dict[str, int]) -> None:
    """The write phase as a markdown table, ready for docs/speed.md."""
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") \
        else "unknown"
    count = len(writing[(0, "full")])
    heading = " | ".join(f"[{i + 1}] {label(c)}" for i, c in enumerate(commands))
    print(f"| writing the JSON report, seconds (median of {count}) | {heading} |")
    print("|---|" + "---:|" * len(commands))
    for title, key in ((f"one trivial rule ({sizes['trivial'] / 1e6:.1f} MB)", "trivial"),
                       (f"50 rules ({sizes['full'] / 1e6:.1f} MB)", "full")):
        print(f"| {title} | " + " | ".join(
            f"{statistics.median(writing[(i, key)]):.3f}" for i in range(len(commands))) + " |")
    differences = [statistics.median(writing[(i, "full")])
                   - statistics.median(writing[(i, "trivial")]) for i in range(len(commands))]
    print(f"| **difference** (budget: at most {WRITE_BUDGET_SECONDS}) | " + " | ".join(
        f"**{d:.3f}**" for d in differences) + " |")
    print(f"\nload average (1, 5, 15 min) at the end: {load}")


def write_phase(commands: list[str], policies: dict[str, Path], models: Path, workdir: Path,
                writes: int) -> None:
    """Time writing the JSON report alone, per command and policy, and print the verdicts."""
    writing: dict[tuple[int, str], list[float]] = {}
    sizes: dict[str, int] = {}
    for index, command in enumerate(commands):
        for name, policy in policies.items():
            output = workdir / f"write-{index}-{name}.json"
            writing[(index, name)] = time_writing(
                command, ["--from", str(models), "-p", str(policy), "-f", "json", "-o",
                          str(output)], writes)
            sizes[name] = output.stat().st_size
    print()
    print(f"writing the JSON report in-process, {writes} writes each (the file replaced each "
          "time, as repeated runs do):")
    print()
    print_write_table(commands, writing, sizes)
    print()
    for index in range(len(commands)):
        full = statistics.median(writing[(index, "full")])
        trivial = statistics.median(writing[(index, "trivial")])
        verdict = "within" if full - trivial <= WRITE_BUDGET_SECONDS else "OVER"
        print(f"budget [{index + 1}] (the 50-rule report written within "
              f"{WRITE_BUDGET_SECONDS} s of the 1-rule one): {verdict} ({full:.3f} s against "
              f"{trivial:.3f} s: {full - trivial:.3f} s more)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=10_000, help="models to generate")
    parser.add_argument("--repeat", type=int, default=3, help="runs per policy (median)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the 50-rule run in-process (cProfile)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated files and print where they are")
    parser.add_argument("--rates", action="store_true",
                        help="print every rule's failure rate")
    parser.add_argument("--command", metavar="PATH", action="append",
                        help="a bedrock-drift to time (default: the one beside this Python); "
                             "repeat it to compare versions, e.g. another checkout's")
    parser.add_argument("--writes", type=int, default=5,
                        help="writes of each report in the write phase (median; 0: no phase)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bedrock-drift-bench-"))
    try:
        models = workdir / "models.json"
        start = time.perf_counter()
        models.write_text(json.dumps(make_documents(args.models), ensure_ascii=False),
                          encoding="utf-8")
        generated = time.perf_counter() - start
        full = workdir / "policy-50.yaml"
        full.write_text(full_policy(), encoding="utf-8")
        trivial = workdir / "policy-1.yaml"
        trivial.write_text(trivial_policy(), encoding="utf-8")

        commands = args.command or [default_command()]
        for policy in (full, trivial):  # both are named "bench": validate one at a time
            _, done = run([commands[0], "validate", str(policy)], expect=(0,))
            print(f"validate {policy.name}: {done.stdout.strip()}")
        size = models.stat().st_size / 1e6
        print(f"input: {args.models} models, {size:.1f} MB JSON (generated in {generated:.1f} s)")

        policies = {"trivial": trivial, "full": full}
        timings: dict[tuple[int, str], list[float]] = {}
        # Interleaved, so that drift in the machine's load hits every command and policy alike.
        for _ in range(args.repeat):
            for index, command in enumerate(commands):
                for name, policy in policies.items():
                    output = workdir / f"out-{index}-{name}.json"
                    elapsed, _ = run([command, "check", "--from", str(models), "-p",
                                      str(policy), "-f", "json", "-o", str(output)],
                                     expect=(0, 1))
                    timings.setdefault((index, name), []).append(elapsed)
        loaded = time_json_load(models, args.repeat)

        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"{platform.system()} {platform.machine()}, load average {load:.2f} (1 min)")
        print(f"command: bedrock-drift check --from MODELS -p POLICY -f json -o OUT "
              f"(median of {args.repeat})")
        for index, command in enumerate(commands):
            print(f"  [{index + 1}] {command}")
        print()
        medians = {key: statistics.median(times) for key, times in timings.items()}
        differences = [medians[(i, "full")] - medians[(i, "trivial")]
                       for i in range(len(commands))]
        heading = "".join(f"{f'[{i + 1}] {label(c)}':>22}" for i, c in enumerate(commands))
        print(f"{'seconds':<24}{heading}")
        for title, key in (("trivial rule (1)", "trivial"), ("50 rules", "full")):
            row = "".join(f"{medians[(i, key)]:>22.3f}" for i in range(len(commands)))
            print(f"{title:<24}{row}")
        print(f"{'difference':<24}" + "".join(f"{d:>22.3f}" for d in differences))
        print(f"{'json.load of the input':<24}{loaded:>22.3f}")
        print()
        for index in range(len(commands)):
            print(f"all runs [{index + 1}]: trivial "
                  f"{', '.join(f'{t:.3f}' for t in timings[(index, 'trivial')])}; 50 rules "
                  f"{', '.join(f'{t:.3f}' for t in timings[(index, 'full')])}")

        summary, fails, applicable = failure_rates(workdir / "out-0-full.json")
        count = summary["models"]
        # The rate among the models a rule judged: an RFT-only rule can only fail RFT models.
        rates = sorted(fails.get(rule, 0) / applicable[rule] for rule in applicable)
        in_band = sum(1 for r in rates if 0.05 <= r <= 0.30)
        print(f"50-rule report: {summary['violations']} violations, {summary['waived']} "
              f"waived, {summary['errors']} errors over {count} models "
              f"({summary['rules']} rules); failure rate per rule, among the models it "
              f"judged: min {rates[0]:.1%}, median {statistics.median(rates):.1%}, "
              f"max {rates[-1]:.1%}; {in_band} of {len(rates)} rules within 5-30%")
        if args.rates:
            for rule in sorted(applicable):
                print(f"  {rule:<40} judged {applicable[rule] / count:6.1%} of models, "
                      f"fails {fails.get(rule, 0) / applicable[rule]:6.1%} of those")
        print()
        print_table(commands, medians, differences, loaded, args.repeat, summary)
        print()
        for index, difference in enumerate(differences):
            verdict = "PASS" if difference <= TARGET_LOADS * loaded else "MISSED"
            print(f"target [{index + 1}] (50 rules at most {TARGET_LOADS}x json.load = "
                  f"{TARGET_LOADS * loaded:.3f} s more than 1): {verdict} "
                  f"({difference:.3f} s, {difference / loaded:.1f}x json.load)")
            verdict = "PASS" if difference <= TARGET_SECONDS else "MISSED"
            print(f"target [{index + 1}] (50 rules at most {TARGET_SECONDS} s more than 1): "
                  f"{verdict} ({difference:.3f} s)")

        if args.writes:
            write_phase(commands, policies, models, workdir, args.writes)

        if args.profile:
            print()
            profile(["check", "--from", str(models), "-p", str(full), "-f", "json", "-o",
                     str(workdir / "out-profile.json")], top=30)
    finally:
        if args.keep:
            print(f"files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
