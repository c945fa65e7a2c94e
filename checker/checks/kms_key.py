"""kms_key: the model is encrypted with a customer-managed KMS key from an approved list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from checker.checks.base import (
    PASSED,
    Check,
    CheckKind,
    Outcome,
    Sample,
    Warn,
    failed,
    glob_list,
    strings_in,
    validate_options,
)
from checker.lang.context import LoadContext
from checker.lang.glob_lints import (
    crossing_message,
    glob_can_match,
    kms_key_arn_nfa,
    relied_on_crossing,
)
from checker.lang.yaml import Path
from checker.values import compile_arn_globs, compile_globs, show

FIELD = "modelKmsKeyArn"


def _is_key_arn(key: str) -> bool:
    """An ARN that names a key, not an alias ARN (``arn:aws:kms:...:alias/x``, which
    CreateModelCustomizationJob and Terraform accept and which names whatever key the alias
    points at when the job runs)."""
    if not key.startswith("arn:"):
        return False
    resource = key.split(":", 5)[5] if key.count(":") >= 5 else ""
    return not resource.startswith("alias/")


class KmsKeyCheck(Check):
    def __init__(self, required: bool, allowed: list[str] | None, aliases: list[str] | None,
                 customer_managed: bool) -> None:
        self.required = required
        self.allowed = allowed
        self.match: Callable[[str], Any] | None = compile_arn_globs(allowed) if allowed else None
        self.aliases = aliases
        self.match_alias: Callable[[str], Any] | None = compile_globs(aliases) if aliases \
            else None
        self.customer_managed = customer_managed
        parts = []
        if allowed:
            parts.append(f"one of {show(allowed)}")
        if aliases:
            parts.append(f"a key with an alias in {show(aliases)}")
        if customer_managed:
            parts.append("a customer-managed key")
        self.expected = " and ".join(parts) or "a customer-managed KMS key"

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        key = doc.get(FIELD)
        if key is None:
            if not self.required:
                return PASSED
            return failed(FIELD, self.expected, None,
                          f"{FIELD} missing: the model is encrypted with an AWS-owned key")
        if not isinstance(key, str):
            return failed(FIELD, self.expected, key, f"{FIELD}: not a string: {show(key)}")
        if self.match is not None:
            if not _is_key_arn(key):
                return failed(FIELD, self.expected, key,
                              f"{FIELD} is {show(key)}, a key alias or id that cannot be "
                              "matched against ARN globs offline; give the key ARN")
            if not self.match(key):
                return failed(FIELD, self.expected, key,
                              f"{FIELD} is {show(key)}; expected {self.expected}")
        if self.match_alias is not None or self.customer_managed:
            return self._judge_key_metadata(doc.get("kmsKey"), key)
        return PASSED

    def _judge_key_metadata(self, metadata: Any, key: str) -> Outcome:
        if not isinstance(metadata, Mapping):
            return failed("kmsKey", self.expected, metadata,
                          f"no KMS key metadata for {show(key)} (DescribeKey returned nothing)")
        if self.customer_managed and metadata.get("KeyManager") != "CUSTOMER":
            manager = metadata.get("KeyManager")
            return failed("kmsKey.KeyManager", "CUSTOMER", manager,
                          f"key {show(key)} is managed by {show(manager)}, not by the customer")
        if self.match_alias is not None:
            aliases = metadata.get("aliases")
            names = [a for a in aliases if isinstance(a, str)] if isinstance(aliases, list) \
                else []
            if not any(self.match_alias(name) for name in names):
                return failed("kmsKey.aliases", f"an alias in {show(self.aliases)}", aliases,
                              f"key {show(key)} has aliases {show(names)}; expected one in "
                              f"{show(self.aliases)}")
        return PASSED


def compile_check(raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Check | None:
    if raw is None:
        raw = {}
    if not validate_options(KIND, raw, ctx, path):
        return None
    aliases = raw.get("aliases")
    customer_managed = bool(raw.get("customer_managed", False))
    if aliases or customer_managed:
        # These read KMS DescribeKey and ListAliases: fetched only when a rule needs them.
        ctx.needs.add("kmsKey")
    return KmsKeyCheck(raw.get("required", True), raw.get("allowed"), aliases, customer_managed)


def lint(options: Mapping[str, Any], path: Path, warn: Warn) -> None:
    """``allowed`` globs that cannot match a KMS key ARN (botocore's ``KmsKeyArn``), or
    match one only by crossing ':'."""
    for where, glob in strings_in(options, path, ["allowed"]):
        if relied_on_crossing(glob, kms_key_arn_nfa):
            warn(where, crossing_message("kms_key.allowed", glob))
        elif not glob_can_match(glob, kms_key_arn_nfa):
            warn(where, f"kms_key.allowed glob {glob!r} cannot match any KMS key ARN "
                        "(arn:<partition>:kms:<region>:<12-digit account>:key/<key id>), so "
                        "this rule fails every model with a key")


SAMPLES: tuple[Sample, ...] = (
    Sample("a key of the approved account",
           {"modelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-"
                              "56ef-1234567890ab"}, "pass"),
    Sample("no modelKmsKeyArn (an AWS-owned key)", {}, "fail"),
    Sample("a key alias, which cannot be matched offline",
           {"modelKmsKeyArn": "alias/ml-platform"}, "fail"),
)

KIND = CheckKind(
    samples=SAMPLES,
    name="kms_key",
    summary="The model is encrypted with a customer-managed KMS key, from an approved list.",
    semantics=(
        "Looks at modelKmsKeyArn. Absent means the model is encrypted with an AWS-owned key: "
        "a violation while `required` is true (the default). With `allowed`, the key ARN must "
        "match one of the globs. A key given as an alias, an alias ARN or a bare key id (as a "
        "planned job may give it) cannot be matched against ARN globs offline: that is a "
        "violation saying so. "
        "`aliases` and `customer_managed` judge the key itself, from KMS DescribeKey and its "
        "aliases (the `kmsKey` key, fetched only when such a rule is loaded)."
    ),
    schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "required": {"type": "boolean", "default": True,
                         "description": "A customer-managed key must be set (default true)."},
            "allowed": glob_list("Globs on the key ARN, e.g. arn:aws:kms:*:111122223333:key/*."),
            "aliases": glob_list("Globs on the key's alias names (alias/ml-platform); the key "
                                 "must have one. Reads KMS (DescribeKey, ListAliases)."),
            "customer_managed": {"type": "boolean", "default": False,
                                 "description": "The key's KeyManager must be CUSTOMER. Reads "
                                                "KMS DescribeKey."},
        },
    },
    example="""\
- id: kms-required
  title: Encrypted with an approved customer-managed KMS key
  severity: critical
  kms_key:
    allowed: ["arn:aws:kms:*:111122223333:key/*"]
""",
    compile=compile_check,
    empty_ok=True,
    lint=lint,
)
