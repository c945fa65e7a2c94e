"""The Lambda function's configuration, read from its environment variables.

``BEDROCK_DRIFT_POLICIES``
    Comma-separated policy files or folders bundled with the deployment package (relative
    paths are taken from the package's root, ``LAMBDA_TASK_ROOT``), or ``s3://bucket/key``
    URIs of policy files or prefixes. Default: ``policies``.
``BEDROCK_DRIFT_REGIONS``
    Comma-separated regions a scheduled run reads. Default: the function's own region.
``BEDROCK_DRIFT_ALLOW_REGIONS``
    Comma-separated region names to accept although botocore's partition data does not list
    them (regions newer than the packaged botocore). Any other unknown region is an error.
``BEDROCK_DRIFT_FAIL_ON``
    Lowest severity whose violations make the result ``fail``. Default: ``info``.
``BEDROCK_DRIFT_INCLUDE_JOBS``
    ``true`` to judge customization jobs that have not completed (as ``check
    --include-jobs`` does). Default: ``false``.
``BEDROCK_DRIFT_PUBLISH``
    ``securityhub`` to import the findings into Security Hub (the function's own account,
    each finding's region); empty for none.
``BEDROCK_DRIFT_REPORT_S3``
    ``s3://bucket/prefix/`` to also write each invocation's JSON report there.

Anything malformed is a :class:`ConfigError` raised before any model is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from checker.errors import CheckerError
from checker.lang.regions import REGION_SYNTAX, region_problem
from checker.results import SEVERITIES, Severity

DEFAULT_POLICIES = "policies"
BUILTIN_PREFIX = "builtin:"
PUBLISH_TARGETS = ("securityhub",)
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


class ConfigError(CheckerError):
    """An environment variable of the function that cannot be used."""


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/key``: a key, or a prefix when ``key`` is empty or ends with ``/``."""

    bucket: str
    key: str

    @property
    def is_prefix(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_s3_uri(uri: str, variable: str) -> S3Location:
    rest = uri[len("s3://"):] if uri.startswith("s3://") else None
    bucket, _, key = (rest or "").partition("/")
    if rest is None or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        raise ConfigError(f"{variable}: {uri!r} is not an s3://bucket/key URI")
    return S3Location(bucket, key)


@dataclass(frozen=True)
class Config:
    policies: tuple[str, ...]  # bundled paths (absolute) and s3:// URIs, in order
    regions: tuple[str, ...]
    fail_on: Severity = "info"
    include_jobs: bool = False
    publish: str | None = None
    report_s3: S3Location | None = None
    # Not an environment variable: what is left of the invocation's time, less a reserve for
    # judging, publishing and logging, so a slow AWS ends the read with errors (a failed
    # invocation) before Lambda stops the function without a word.
    run_timeout: float | None = None

    @property
    def s3_policies(self) -> tuple[S3Location, ...]:
        return tuple(parse_s3_uri(p, "BEDROCK_DRIFT_POLICIES") for p in self.policies
                     if p.startswith("s3://"))


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _policies(env: Mapping[str, str]) -> list[str]:
    """BEDROCK_DRIFT_POLICIES: bundled paths (from the task's root), builtin:NAME and s3://
    URIs."""
    root = env.get("LAMBDA_TASK_ROOT") or os.getcwd()
    policies: list[str] = []
    for item in _items(env.get("BEDROCK_DRIFT_POLICIES", DEFAULT_POLICIES)):
        if item.startswith("s3://"):
            parse_s3_uri(item, "BEDROCK_DRIFT_POLICIES")
            policies.append(item)
        elif item.startswith(BUILTIN_PREFIX):
            policies.append(item)  # a shipped policy, installed with the package
        elif "://" in item:
            raise ConfigError(f"BEDROCK_DRIFT_POLICIES: {item!r}: only bundled paths, "
                              "builtin:NAME and s3:// URIs are read")
        else:
            policies.append(os.path.join(root, item))
    if not policies:
        raise ConfigError("BEDROCK_DRIFT_POLICIES names no policy file, folder or s3:// URI")
    return policies


def read_config(env: Mapping[str, str] | None = None) -> Config:
    """The configuration from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    policies = _policies(env)

    regions = _items(env.get("BEDROCK_DRIFT_REGIONS", ""))
    if not regions:
        own = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if not own:
            raise ConfigError("no region: set BEDROCK_DRIFT_REGIONS (AWS_REGION is not set)")
        regions = [own]
    allowed = _items(env.get("BEDROCK_DRIFT_ALLOW_REGIONS", ""))
    for region in allowed:
        if not REGION_SYNTAX.fullmatch(region):
            raise ConfigError(f"BEDROCK_DRIFT_ALLOW_REGIONS: {region!r} is not a region name")
    for region in regions:
        if (problem := region_problem(region, allowed,
                                         allow_with="BEDROCK_DRIFT_ALLOW_REGIONS={}")) is not None:
            raise ConfigError(f"BEDROCK_DRIFT_REGIONS: {problem}")

    fail_on = env.get("BEDROCK_DRIFT_FAIL_ON", "").strip() or "info"
    if fail_on not in SEVERITIES:
        raise ConfigError(f"BEDROCK_DRIFT_FAIL_ON: {fail_on!r} is not one of "
                          f"{', '.join(SEVERITIES)}")

    jobs = env.get("BEDROCK_DRIFT_INCLUDE_JOBS", "").strip().lower()
    if jobs not in _TRUE + _FALSE:
        raise ConfigError(f"BEDROCK_DRIFT_INCLUDE_JOBS: {jobs!r} is neither true nor false")

    publish = env.get("BEDROCK_DRIFT_PUBLISH", "").strip() or None
    if publish is not None and publish not in PUBLISH_TARGETS:
        raise ConfigError(f"BEDROCK_DRIFT_PUBLISH: {publish!r} is not one of "
                          f"{', '.join(PUBLISH_TARGETS)} (or empty for none)")

    report = env.get("BEDROCK_DRIFT_REPORT_S3", "").strip()
    report_s3 = parse_s3_uri(report, "BEDROCK_DRIFT_REPORT_S3") if report else None
    if report_s3 is not None and not report_s3.is_prefix:
        raise ConfigError(f"BEDROCK_DRIFT_REPORT_S3: {report!r} must be a prefix ending "
                          "with / (one report is written per invocation)")
    return Config(policies=tuple(dict.fromkeys(policies)), regions=tuple(dict.fromkeys(regions)),
                  fail_on=fail_on, include_jobs=jobs in _TRUE, publish=publish,
                  report_s3=report_s3)
