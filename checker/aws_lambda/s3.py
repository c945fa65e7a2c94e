"""Policies read from S3 (``s3:GetObject``, ``s3:ListBucket`` for prefixes) and the JSON
report written there (``s3:PutObject``, only when ``BEDROCK_DRIFT_REPORT_S3`` is set)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checker.aws_lambda.config import ConfigError, S3Location, parse_s3_uri
from checker.errors import CheckerError, PolicyError, Problem
from checker.policy.loader import Policy, load_policies, load_policy_text

POLICY_SUFFIXES = (".yaml", ".yml")


def _failure(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error", {})
        code = error.get("Code") or type(exc).__name__
        return f"{code}: {' '.join(str(error.get('Message') or exc).split())}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def policy_keys(client: Any, location: S3Location) -> list[str]:
    """The policy objects a location names: the key itself, or every ``*.yaml``/``*.yml``
    under a prefix (``*_test.yaml`` suites left out), sorted. An empty prefix is an error."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not location.is_prefix:
        return [location.key]
    keys: list[str] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(
                Bucket=location.bucket, Prefix=location.key):
            for item in page.get("Contents", []):
                key = item["Key"]
                stem, dot, suffix = key.rpartition(".")
                if dot and f".{suffix}" in POLICY_SUFFIXES and not stem.endswith("_test"):
                    keys.append(key)
    except (ClientError, BotoCoreError) as exc:
        raise CheckerError(f"{location}: ListObjectsV2: {_failure(exc)}") from None
    if not keys:
        raise ConfigError(f"{location}: no policy files (*.yaml, *.yml) under this prefix")
    return sorted(keys)


def read_object(client: Any, bucket: str, key: str) -> bytes:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except (ClientError, BotoCoreError) as exc:
        raise CheckerError(f"s3://{bucket}/{key}: GetObject: {_failure(exc)}") from None
    return body


def load_all_policies(sources: Sequence[str], client_for_s3: Any) -> list[Policy]:
    """Every policy that ``sources`` names, in order: bundled paths through
    :func:`~checker.policy.loader.load_policies`, ``s3://`` URIs read object by object
    (messages name the ``s3://`` URI and line). Raises :class:`PolicyError` with every
    problem found, as ``check`` does."""
    policies: list[Policy] = []
    problems: list[Problem] = []
    local = [s for s in sources if not s.startswith("s3://")]
    if local:
        found, warnings = load_policies(local)
        policies.extend(found)
        problems.extend(warnings)
    seen = {p.name: p.file for p in policies}
    for source in sources:
        if not source.startswith("s3://"):
            continue
        location = parse_s3_uri(source, "BEDROCK_DRIFT_POLICIES")
        client = client_for_s3()
        for key in policy_keys(client, location):
            name = f"s3://{location.bucket}/{key}"
            policy, found_problems = load_policy_text(
                read_object(client, location.bucket, key), name)
            problems.extend(found_problems)
            if policy is None:
                continue
            if policy.name in seen:
                problems.append(Problem(name, 1, 1, f"policy name '{policy.name}' is already "
                                                    f"used by {seen[policy.name]}"))
                continue
            seen[policy.name] = name
            policies.append(policy)
    if any(not p.warning for p in problems):
        raise PolicyError(problems)
    return policies


def write_report(client: Any, location: S3Location, key_name: str, text: str) -> str:
    """Put one JSON report under the prefix; its ``s3://`` URI."""
    from botocore.exceptions import BotoCoreError, ClientError

    key = f"{location.key}{key_name}"
    try:
        client.put_object(Bucket=location.bucket, Key=key, Body=text.encode("utf-8"),
                          ContentType="application/json")
    except (ClientError, BotoCoreError) as exc:
        raise CheckerError(f"s3://{location.bucket}/{key}: PutObject: {_failure(exc)}") \
            from None
    return f"s3://{location.bucket}/{key}"
