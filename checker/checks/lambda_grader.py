"""lambda_grader: a reinforcement fine-tuning grader Lambda is approved and pinned."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from checker.checks.base import (
    NOT_APPLICABLE,
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
from checker.lang.conditions import compile_pattern
from checker.lang.context import LoadContext
from checker.lang.glob_lints import (
    crossing_message,
    glob_can_match,
    lambda_arn_nfa,
    regex_can_match,
    relied_on_crossing,
)
from checker.lang.yaml import Path
from checker.values import compile_arn_globs, show

FIELD = "customizationConfig.rftConfig.graderConfig.lambdaGrader.lambdaArn"
_PINNED = re.compile(r"arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+:[0-9]+")


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if value is None:
            return None
        # Documents are plain dicts: test that first, the ABC check costs several times more.
        value = value.get(key) if type(value) is dict or isinstance(value, Mapping) else None
    return value


class LambdaGraderCheck(Check):
    def __init__(self, pattern: tuple[str, Callable[[str], Any]] | None,
                 allowed: list[str] | None, pinned: bool) -> None:
        self.pattern = pattern
        self.allowed = allowed
        self.match_allowed = compile_arn_globs(allowed) if allowed else None
        self.pinned = pinned
        parts = []
        if pattern is not None:
            parts.append(f"matching /{pattern[0]}/")
        if allowed:
            parts.append(f"one of {show(allowed)}")
        if pinned:
            parts.append("pinned to a published version (:<digits>)")
        self.expected = " and ".join(parts) or "a Lambda grader"

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        rft = _get(doc, "customizationConfig", "rftConfig")
        if rft is None and doc.get("customizationType") != "REINFORCEMENT_FINE_TUNING":
            return NOT_APPLICABLE
        arn = _get(rft, "graderConfig", "lambdaGrader", "lambdaArn")
        if arn is None:
            return failed(FIELD, self.expected, None,
                          "reinforcement fine-tuning without a Lambda grader "
                          f"({FIELD} missing)")
        if not isinstance(arn, str):
            return failed(FIELD, self.expected, arn, f"{FIELD}: not a string: {show(arn)}")
        if self.pattern is not None and self.pattern[1](arn) is None:
            return failed(FIELD, self.expected, arn,
                          f"grader {show(arn)} does not match /{self.pattern[0]}/ in full")
        if self.match_allowed is not None and not self.match_allowed(arn):
            return failed(FIELD, self.expected, arn,
                          f"grader {show(arn)} is not one of {show(self.allowed)}")
        if self.pinned and _PINNED.fullmatch(arn) is None:
            return failed(FIELD, self.expected, arn,
                          f"grader {show(arn)} is not pinned to a published version: an "
                          "unqualified, $LATEST or alias ARN can change the code under the model")
        return PASSED


def compile_check(raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Check | None:
    if raw is None:
        raw = {}
    if not validate_options(KIND, raw, ctx, path):
        return None
    pattern = None
    if "arn_pattern" in raw:
        pattern = compile_pattern(raw["arn_pattern"], ctx, (*path, "arn_pattern"), "arn_pattern")
        if pattern is None:
            return None
    return LambdaGraderCheck(pattern, raw.get("allowed"), bool(raw.get("pinned", False)))


def lint(options: Mapping[str, Any], path: Path, warn: Warn) -> None:
    """``allowed`` globs and an ``arn_pattern`` that cannot match a Lambda ARN (botocore's
    ``LambdaArn``), and globs that match one only by crossing ':'."""
    for where, glob in strings_in(options, path, ["allowed"]):
        if relied_on_crossing(glob, lambda_arn_nfa):
            warn(where, crossing_message("lambda_grader.allowed", glob))
        elif not glob_can_match(glob, lambda_arn_nfa):
            warn(where, f"lambda_grader.allowed glob {glob!r} cannot match any Lambda ARN "
                        "(arn:<partition>:lambda:<region>:<12-digit account>:function:<name>"
                        "[:<qualifier>])")
    pattern = options.get("arn_pattern")
    if isinstance(pattern, str) and not regex_can_match(pattern, lambda_arn_nfa):
        warn((*path, "arn_pattern"),
             f"lambda_grader.arn_pattern /{pattern}/ cannot match any Lambda ARN "
             "(arn:<partition>:lambda:<region>:<12-digit account>:function:<name>"
             "[:<qualifier>]), so this rule fails every RFT model")


_RFT_GRADER = "arn:aws:lambda:us-east-1:111122223333:function:approved-grader-fraud"
SAMPLES: tuple[Sample, ...] = (
    Sample("RFT graded by a published version",
           {"customizationType": "REINFORCEMENT_FINE_TUNING", "customizationConfig": {
               "rftConfig": {"graderConfig": {"lambdaGrader": {
                   "lambdaArn": _RFT_GRADER + ":3"}}}}}, "pass"),
    Sample("RFT graded by $LATEST",
           {"customizationType": "REINFORCEMENT_FINE_TUNING", "customizationConfig": {
               "rftConfig": {"graderConfig": {"lambdaGrader": {
                   "lambdaArn": _RFT_GRADER + ":$LATEST"}}}}}, "fail"),
    Sample("RFT without a grader", {"customizationType": "REINFORCEMENT_FINE_TUNING"},
           "fail"),
    Sample("a fine-tuned model", {"customizationType": "FINE_TUNING"}, "not_applicable"),
)

KIND = CheckKind(
    samples=SAMPLES,
    imported=False,
    name="lambda_grader",
    summary="A reinforcement fine-tuning grader Lambda is approved (and pinned to a version).",
    semantics=(
        "Applies to models whose customizationType is REINFORCEMENT_FINE_TUNING or that have "
        "customizationConfig.rftConfig (else not applicable). A missing grader is a violation. "
        "`arn_pattern` is a regex that must match the whole ARN, qualifier included; "
        "`allowed` globs see the whole ARN too. `pinned: true` demands a published version "
        "qualifier (:<digits>), since an unqualified, $LATEST or alias ARN can change code "
        "under the model."
    ),
    schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "arn_pattern": {"type": "string",
                            "description": "Regex the whole grader Lambda ARN must match."},
            "allowed": glob_list("Globs on the whole grader Lambda ARN."),
            "pinned": {"type": "boolean", "default": False,
                       "description": "Require a published version qualifier (:<digits>)."},
        },
    },
    example="""\
- id: rft-grader
  severity: high
  lambda_grader:
    arn_pattern: 'arn:aws:lambda:[a-z0-9-]+:111122223333:function:approved-grader-[a-z-]+:[0-9]+'
    pinned: true
""",
    compile=compile_check,
    empty_ok=True,
    lint=lint,
)
