"""The check kinds, in one visible table.

Owns one module per check kind (each declares its options' JSON Schema beside its logic),
the ``CHECKS`` table that registers them, and the inventory rules over a whole run
(``inventory``). May import ``lang`` and the shared types; never ``policy``, ``engine``,
``sources``, ``reports``, boto3 or click.
"""

from __future__ import annotations

from typing import Literal

from checker.checks import (
    base_model,
    hyperparameter,
    kms_key,
    lambda_grader,
    require,
    teacher_model,
)
from checker.checks.base import Check, CheckKind, Outcome

# The check kinds' names, as a rule spells them (a test proves CHECKS has exactly these).
CheckKindName = Literal["kms_key", "base_model", "teacher_model", "hyperparameter",
                        "lambda_grader", "require"]

CHECKS: dict[str, CheckKind] = {
    kind.name: kind
    for kind in (
        kms_key.KIND,
        base_model.KIND,
        teacher_model.KIND,
        hyperparameter.KIND,
        lambda_grader.KIND,
        require.KIND,
    )
}

__all__ = ["CHECKS", "Check", "CheckKind", "CheckKindName", "Outcome"]
