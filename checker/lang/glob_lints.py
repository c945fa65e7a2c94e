"""What the lints ask of a glob or a regex on ARNs: can it match any ARN of the shape
botocore's Bedrock service model gives, and did it match only because ``*`` or ``?`` crossed
``:`` (which globs on ARNs no longer do)? The check kinds' lints (``CheckKind.lint``) and the
policy linter both ask it."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from checker.lang.foundation_models import FOUNDATION_MODEL_IDS, id_forms
from checker.lang.regex import Nfa, Unsupported, glob_nfa, intersects, regex_nfa

# Used when botocore's service model has no pattern for the shape (it always has, today).
KMS_KEY_ARN_SHAPE = r"arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}"
LAMBDA_ARN_SHAPE = (r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:"
                    r"[a-zA-Z0-9-_\.]+(:(\$LATEST|[a-zA-Z0-9-_]+))?")


@cache
def botocore_pattern(shape: str, fallback: str) -> str:
    """The ``pattern`` botocore's Bedrock service model gives a string shape."""
    from checker.lang.shapes import shape_metadata

    # None: an older botocore without the shape (the documented shape will do).
    pattern = (shape_metadata("bedrock", shape) or {}).get("pattern")
    return pattern if isinstance(pattern, str) and pattern else fallback


@cache
def kms_key_arn_nfa() -> Nfa:
    return regex_nfa(botocore_pattern("KmsKeyArn", KMS_KEY_ARN_SHAPE))


@cache
def lambda_arn_nfa() -> Nfa:
    return regex_nfa(botocore_pattern("LambdaArn", LAMBDA_ARN_SHAPE))


@cache
def base_model_nfa() -> Nfa:
    """Every known foundation model id, in each form a base model (or planned job) names it."""
    ids = "|".join(re.escape(form) for model in FOUNDATION_MODEL_IDS for form in id_forms(model))
    partition = r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}"
    return regex_nfa(rf"({ids})|{partition}::foundation-model/({ids})"
                     rf"|{partition}:[0-9]{{12}}:custom-model/({ids})/[a-z0-9]{{12}}")


@cache
def teacher_model_nfa() -> Nfa:
    return regex_nfa(botocore_pattern("TeacherModelIdentifier", r".+"))


@cache
def pattern_nfa(shape: str) -> Nfa:
    """The ARNs of a botocore shape (any ARN when botocore gives it no pattern)."""
    return regex_nfa(botocore_pattern(shape, r"arn:[^:]+:[^:]+:[^:]*:[^:]*:.+"))


def glob_can_match(glob: str, target: Callable[[], Nfa]) -> bool:
    """Whether an ARN glob (``*`` and ``?`` within one ARN part) can match a target."""
    try:
        return intersects(glob_nfa(glob, arn=True), target())
    except Unsupported:
        return True


def relied_on_crossing(glob: str, target: Callable[[], Nfa]) -> bool:
    """Whether a glob matches the target only when ``*`` or ``?`` may cross ``:`` (as globs
    on ARNs once did): it can no longer match any of it."""
    try:
        return intersects(glob_nfa(glob), target()) and \
            not intersects(glob_nfa(glob, arn=True), target())
    except Unsupported:
        return False


def regex_can_match(pattern: str, target: Callable[[], Nfa]) -> bool:
    try:
        return intersects(regex_nfa(pattern), target())
    except Unsupported:  # lookarounds and the like: do not guess
        return True


def crossing_message(what: str, glob: str) -> str:
    return (f"{what} glob {glob!r} matches only if '*' or '?' crosses ':', which globs on "
            "ARNs never do: each '*' stays within one ARN part (region, account, ...), and "
            "only a final '*' matches the rest; write the parts out (e.g. "
            "'arn:aws:kms:*:111122223333:key/*'), so this rule no longer matches what it did")
