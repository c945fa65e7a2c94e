"""base_model: the model was built from an approved base model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.checks.base import (
    Check,
    CheckKind,
    Outcome,
    Sample,
    Warn,
    failed,
    strings_in,
    validate_options,
)
from checker.checks.model_lists import LIST_SCHEMA_PROPERTIES, ModelList, check_list_options
from checker.lang.context import LoadContext
from checker.lang.glob_lints import (
    base_model_nfa,
    crossing_message,
    glob_can_match,
    relied_on_crossing,
)
from checker.lang.yaml import Path
from checker.values import show

FIELD = "baseModelArn"


def base_model_names(arn: str) -> list[str]:
    """The names a base-model glob is matched against.

    The full ARN; the model id after ``foundation-model/``; and, when the base is itself a
    custom model (``...:custom-model/<foundation id>/<id>``), that foundation id. A bare id (as
    a planned job may give) is itself.
    """
    names = [arn]
    if "foundation-model/" in arn:
        names.append(arn.split("foundation-model/", 1)[1])
    elif ":custom-model/" in arn:
        rest = arn.split(":custom-model/", 1)[1]
        if "/" in rest:
            names.append(rest.rsplit("/", 1)[0])
    return names


class BaseModelCheck(Check):
    def __init__(self, models: ModelList) -> None:
        self.models = models

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        arn = doc.get(FIELD)
        if arn is None:
            return failed(FIELD, self.models.expected, None,
                          f"{FIELD} missing: the base model cannot be judged (exempt models "
                          "without one, such as IMPORTED ones, with `when`)")
        if not isinstance(arn, str):
            return failed(FIELD, self.models.expected, arn, f"{FIELD}: not a string: {show(arn)}")
        return self.models.judge_value(FIELD, arn, base_model_names)


def compile_check(raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Check | None:
    if not validate_options(KIND, raw, ctx, path) or not check_list_options(
            "base_model", raw, ctx, path):
        return None
    return BaseModelCheck(ModelList(raw.get("allowed"), raw.get("denied")))


def lint(options: Mapping[str, Any], path: Path, warn: Warn) -> None:
    """Globs that match no foundation model id of the documented families, in any form a
    base model takes (bare id, foundation-model ARN, custom-model ARN), or match one only by
    crossing ':'."""
    for where, glob in strings_in(options, path, ["allowed", "denied"]):
        if relied_on_crossing(glob, base_model_nfa):
            warn(where, crossing_message(f"base_model.{where[-2]}", glob))
        elif not glob_can_match(glob, base_model_nfa):
            warn(where, f"base_model.{where[-2]} glob {glob!r} matches no foundation model of "
                        "the documented families (as a model id, a foundation-model ARN or a "
                        "custom-model ARN); check the spelling, or ignore this if it names a "
                        "newer model")


SAMPLES: tuple[Sample, ...] = (
    Sample("a Nova Lite base",
           {"customizationType": "FINE_TUNING",
            "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/"
                            "amazon.nova-lite-v1:0:300k"}, "pass"),
    Sample("a Nova Micro base (denied wins over allowed)",
           {"customizationType": "FINE_TUNING",
            "baseModelArn": "arn:aws:bedrock:us-east-1::foundation-model/"
                            "amazon.nova-micro-v1:0:128k"}, "fail"),
    Sample("an imported model (exempted by when)",
           {"customizationType": "IMPORTED"}, "not_applicable"),
)

KIND = CheckKind(
    samples=SAMPLES,
    imported=False,
    name="base_model",
    summary="The model was built from an approved base model.",
    semantics=(
        "A glob matches if it matches any of: the full baseModelArn; the model id after "
        "`foundation-model/` (e.g. amazon.titan-text-express-v1:0:8k, so write "
        "amazon.titan-text-express-v1* to allow every version); and, when the base is itself "
        "a custom model (...:custom-model/<foundation id>/<id>), that foundation id. Where "
        "`allowed` and `denied` both match, `denied` wins. No baseModelArn (an IMPORTED model, "
        "say) is a violation: exempt such models with `when`."
    ),
    schema={"type": "object", "additionalProperties": False,
            "properties": LIST_SCHEMA_PROPERTIES},
    example="""\
- id: approved-base-models
  severity: high
  when: {field: customizationType, not_equals: IMPORTED}
  base_model:
    allowed: ["amazon.titan-text-express-v1*", "amazon.nova-*"]
    denied: ["amazon.nova-micro*"]
""",
    compile=compile_check,
    lint=lint,
)
