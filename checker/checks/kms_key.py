"""kms_key: the model is encrypted with a customer-managed KMS key from an approved list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from checker.checks.base import (
    PASSED,
    Check,
    CheckKind,
    Outcome,
    failed,
    glob_list,
    validate_options,
)
from checker.context import LoadContext
from checker.values import compile_globs, show

FIELD = "modelKmsKeyArn"


class KmsKeyCheck(Check):
    def __init__(self, required: bool, allowed: list[str] | None) -> None:
        self.required = required
        self.allowed = allowed
        self.match: Callable[[str], Any] | None = compile_globs(allowed) if allowed else None
        self.expected = f"one of {show(allowed)}" if allowed else "a customer-managed KMS key"

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        key = doc.get(FIELD)
        if key is None:
            if not self.required:
                return PASSED
            return failed(FIELD, self.expected, None,
                          f"{FIELD} missing: the model is encrypted with an AWS-owned key")
        if not isinstance(key, str):
            return failed(FIELD, self.expected, key, f"{FIELD}: not a string: {show(key)}")
        if self.match is None:
            return PASSED
        if not key.startswith("arn:"):
            return failed(FIELD, self.expected, key,
                          f"{FIELD} is {show(key)}, a key alias or id that cannot be matched "
                          "against ARN globs offline; give the key ARN")
        if self.match(key):
            return PASSED
        return failed(FIELD, self.expected, key, f"{FIELD} is {show(key)}; "
                                                 f"expected {self.expected}")


def compile_check(raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Check | None:
    if raw is None:
        raw = {}
    if not validate_options(KIND, raw, ctx, path):
        return None
    return KmsKeyCheck(raw.get("required", True), raw.get("allowed"))


KIND = CheckKind(
    name="kms_key",
    summary="The model is encrypted with a customer-managed KMS key, from an approved list.",
    semantics=(
        "Looks at modelKmsKeyArn. Absent means the model is encrypted with an AWS-owned key: "
        "a violation while `required` is true (the default). With `allowed`, the key ARN must "
        "match one of the globs. A key given as an alias or bare key id (as a planned job may "
        "give it) cannot be matched against ARN globs offline: that is a violation saying so."
    ),
    schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "required": {"type": "boolean", "default": True,
                         "description": "A customer-managed key must be set (default true)."},
            "allowed": glob_list("Globs on the key ARN, e.g. arn:aws:kms:*:111122223333:key/*."),
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
    not_supported_yet={
        "aliases": "matching key aliases needs KMS lookups that are not implemented yet",
        "customer_managed": "checking the key manager needs KMS DescribeKey, not implemented "
                            "yet",
    },
)
