"""require: any condition on the model document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.checks.base import PASSED, Check, CheckKind, Outcome, Sample, failed
from checker.lang.conditions import Condition, compile_condition, named_keys
from checker.lang.context import LoadContext
from checker.lang.operators import OPERATORS


class RequireCheck(Check):
    def __init__(self, condition: Condition) -> None:
        self.condition = condition
        self.named = named_keys(condition)
        self.test = condition.tri

    def evaluate(self, doc: Mapping[str, Any]) -> Outcome:
        if self.test(doc) is True:
            return PASSED
        return self.explain(doc)

    def explain(self, doc: Mapping[str, Any]) -> Outcome:
        """The failure of a document whose condition was tested and is not true (the
        engine's quick way has just tested it: not tested again)."""
        why = self.condition.why(doc)
        return failed(why.field, why.expected, why.actual, why.message)


def compile_check(raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> Check | None:
    condition = compile_condition(raw, ctx, path)
    return None if condition is None else RequireCheck(condition)


SAMPLES: tuple[Sample, ...] = (
    Sample("fine-tuned on approved data",
           {"customizationType": "FINE_TUNING",
            "trainingDataConfig": {"s3Uri": "s3://ml-approved-data/train.jsonl"}}, "pass"),
    Sample("fine-tuned on other data",
           {"customizationType": "FINE_TUNING",
            "trainingDataConfig": {"s3Uri": "s3://scratch/train.jsonl"}}, "fail"),
    Sample("fine-tuned, no training data (field missing)",
           {"customizationType": "FINE_TUNING"}, "fail"),
    Sample("a distilled model (exempted by when)", {"customizationType": "DISTILLATION"},
           "not_applicable"),
)

KIND = CheckKind(
    samples=SAMPLES,
    account=True,
    name="require",
    summary="Any condition on the model document must hold.",
    semantics=(
        "A condition is {field: PATH, OP: VALUE} with OP one of " + ", ".join(OPERATORS)
        + ", or {all_of: [...]}, {any_of: [...]}, {not: CONDITION}. It is true, false or "
        "unknown (a value of the wrong type for the operator). Only true passes; false and "
        "unknown are violations that say why (\"field missing\", \"not a number: 'fast'\")."
    ),
    schema={"$ref": "#/$defs/condition"},
    example="""\
- id: training-data-bucket
  when: {field: customizationType, in: [FINE_TUNING, CONTINUED_PRE_TRAINING]}
  require: {field: trainingDataConfig.s3Uri, glob: "s3://ml-approved-data/*"}
""",
    compile=compile_check,
    validate_with_schema=False,
)
