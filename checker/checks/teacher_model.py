"""teacher_model: a distilled model was taught by an approved teacher."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.checks.base import (
    NOT_APPLICABLE,
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
from checker.lang.glob_lints import crossing_message, relied_on_crossing, teacher_model_nfa
from checker.lang.yaml import Path
from checker.values import show

FIELD = "customizationConfig.distillationConfig.teacherModelConfig.teacherModelIdentifier"
INFERENCE_PROFILE_PREFIXES = ("us.", "us-gov.", "eu.", "apac.", "jp.", "au.", "ca.", "global.")


def teacher_names(identifier: str) -> list[str]:
    """The full identifier, its part after the last '/', and that without a cross-region
    inference-profile prefix."""
    names = [identifier]
    last = identifier.rsplit("/", 1)[-1]
    if last != identifier:
        names.append(last)
    for prefix in INFERENCE_PROFILE_PREFIXES:
        if last.startswith(prefix):
            names.append(last[len(prefix):])
            break
    return names


class TeacherModelCheck(Check):
    def __init__(self, models: ModelList) -> None:
        self.models = models

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        config = doc.get("customizationConfig")
        distillation = config.get("distillationConfig") if config is not None and isinstance(
            config, Mapping) else None
        if distillation is None:
            return NOT_APPLICABLE
        teacher = distillation.get("teacherModelConfig") if isinstance(
            distillation, Mapping) else None
        identifier = teacher.get("teacherModelIdentifier") if isinstance(
            teacher, Mapping) else None
        if identifier is None:
            return failed(FIELD, self.models.expected, None, f"{FIELD}: field missing")
        if not isinstance(identifier, str):
            return failed(FIELD, self.models.expected, identifier,
                          f"{FIELD}: not a string: {show(identifier)}")
        return self.models.judge_value(FIELD, identifier, teacher_names)


def compile_check(raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Check | None:
    if not validate_options(KIND, raw, ctx, path) or not check_list_options(
            "teacher_model", raw, ctx, path):
        return None
    return TeacherModelCheck(ModelList(raw.get("allowed"), raw.get("denied")))


def lint(options: Mapping[str, Any], path: Path, warn: Warn) -> None:
    """Globs that match a teacher model identifier (botocore's ``TeacherModelIdentifier``)
    only by crossing ':'."""
    for where, glob in strings_in(options, path, ["allowed", "denied"]):
        if relied_on_crossing(glob, teacher_model_nfa):
            warn(where, crossing_message(f"teacher_model.{where[-2]}", glob))


SAMPLES: tuple[Sample, ...] = (
    Sample("distilled from a cross-region Nova Pro profile",
           {"customizationConfig": {"distillationConfig": {"teacherModelConfig": {
               "teacherModelIdentifier": "arn:aws:bedrock:us-east-1:111122223333:"
                                         "inference-profile/us.amazon.nova-pro-v1:0"}}}},
           "pass"),
    Sample("distilled from an unapproved teacher",
           {"customizationConfig": {"distillationConfig": {"teacherModelConfig": {
               "teacherModelIdentifier": "meta.llama3-1-70b-instruct-v1:0"}}}}, "fail"),
    Sample("not a distilled model", {"customizationType": "FINE_TUNING"}, "not_applicable"),
)

KIND = CheckKind(
    samples=SAMPLES,
    imported=False,
    name="teacher_model",
    summary="A distilled model was taught by an approved teacher model.",
    semantics=(
        "Applies to models with customizationConfig.distillationConfig (else not applicable). "
        "The teacher identifier is matched as the full identifier, its part after the last "
        "'/', and that part without a cross-region inference-profile prefix (us., us-gov., "
        "eu., apac., jp., au., ca., global.). A distillation without a teacher is a violation."
    ),
    schema={"type": "object", "additionalProperties": False,
            "properties": LIST_SCHEMA_PROPERTIES},
    example="""\
- id: approved-teachers
  teacher_model:
    allowed: ["amazon.nova-pro*", "anthropic.claude-3-5-sonnet*"]
""",
    compile=compile_check,
    lint=lint,
)
