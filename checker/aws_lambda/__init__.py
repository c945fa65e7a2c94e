"""The AWS Lambda entry point, ``checker.aws_lambda.handler`` (keep that path stable:
templates and users name it).

Judges each Bedrock custom model in the account the moment it is created: the function runs
on the customization job's ``Completed`` state change, on CloudTrail records of the calls
that create models (judged as planned models), and on a schedule (a full ``check`` of the
configured regions); with ``BEDROCK_DRIFT_PUBLISH=securityhub`` the findings go to Security
Hub through :func:`checker.publish.publish_report`. Configuration comes from environment
variables (:mod:`checker.aws_lambda.config`).

A layer-7 edge: may import boto3 and everything below it, never click.
"""

from __future__ import annotations

import os
from typing import Any

# The facts of botocore's service models that the package carries (``validate
# --cache-facts`` at build time, examples/aws/build-lambda-zip.sh): a cold start reads them
# rather than parsing the models (checker.lang.facts). The folder is read-only: a fact not
# in it is computed, never written.
CACHE_FOLDER = "bedrock-drift-cache"
_carried = os.path.join(os.environ.get("LAMBDA_TASK_ROOT") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), CACHE_FOLDER)
if os.path.isdir(_carried):
    os.environ.setdefault("BEDROCK_DRIFT_CACHE_DIR", _carried)

from checker.aws_lambda.run import handle  # noqa: E402  (after the cache folder is set)


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    """Judge what ``event`` names and return ``{"result", "summary", "models", "report",
    "published"}``, ``summary`` being the JSON report's ``summary`` object. Violations are a
    successful invocation with ``summary["result"] == "fail"``; anything ``check`` would
    exit 2 for (an unreadable model, a broken policy, a bad configuration, a finding
    Security Hub refused) raises, after logging one structured JSON line, so EventBridge's
    retries and dead-letter queue see it."""
    return handle(event, context)


__all__ = ["handler"]
