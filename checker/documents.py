"""Model documents: the GetCustomModel response as plain JSON data, plus the engine's keys."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from checker.enrichments import ENRICHMENTS

# Keys the engine adds by extra API calls (one record each in checker.enrichments). Absent
# means "not fetched"; a rule that needs an absent one is an error, never a pass.
ENRICHMENT_KEYS = tuple(e.key for e in ENRICHMENTS if e.resource == "model")
# Needs that are no document key: what a source must read to fill a key completely
# (``deployments.details``: GetCustomModelDeployment for the fields the listing lacks).
FETCH_HINTS = tuple(hint for e in ENRICHMENTS for hint, _ in e.hints)
# The settings of an account in a region that ``resource: account`` rules judge, each read by
# its own call only when a loaded account rule reads it (absent means "not fetched", too).
POSTURE_KEYS = tuple(e.key for e in ENRICHMENTS if e.resource == "account")
# A model's own account and region's settings, as a model rule reads them
# (``account.invocationLogging``): the account document under this key, read only for the
# settings model rules read; a need ``account.KEY`` per setting.
ACCOUNT_KEY = "account"

_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc)"
                  r":([a-z0-9-]+):([a-z0-9-]*):([0-9]*):(.+)$")


def parse_arn(arn: object) -> tuple[str, str, str, str, str] | None:
    """(partition, service, region, account, resource) of an ARN, or None if it is not one."""
    if not isinstance(arn, str):
        return None
    match = _ARN.match(arn)
    if match is None:
        return None
    partition, service, region, account, resource = match.groups()
    return partition, service, region, account, resource


def to_json_value(value: Any) -> Any:
    """Turn what boto3 or a YAML parser returns into JSON data (timestamps as ISO-8601)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
            return value.isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value


def normalize_document(raw: Mapping[str, Any], *, json_values: bool = False) -> dict[str, Any]:
    """A GetCustomModel response (or a document of one) as the engine sees it.

    Drops ``ResponseMetadata``, turns timestamps into strings, and adds ``region`` and
    ``accountId`` from ``modelArn`` unless the document already carries them. With
    ``json_values`` the values are known to be JSON data already (parsed JSON holds no
    timestamps), and the deep conversion is skipped.
    """
    if json_values:
        doc = {str(k): v for k, v in raw.items() if k != "ResponseMetadata"}
    else:
        doc = {str(k): to_json_value(v) for k, v in raw.items() if k != "ResponseMetadata"}
    parts = parse_arn(doc.get("modelArn"))
    if parts is not None:
        _, _, region, account, _ = parts
        if region and "region" not in doc:
            doc["region"] = region
        if account and "accountId" not in doc:
            doc["accountId"] = account
    return doc
