"""The check kinds, in one visible table.

Owns one module per check kind (each declares its options' JSON Schema beside its logic),
the ``CHECKS`` table that registers them, and the inventory rules over a whole run
(``inventory``). May import ``lang`` and the shared types; never ``policy``, ``engine``,
``sources``, ``reports``, boto3 or click.
"""

from __future__ import annotations

from checker.checks import (
    base_model,
    hyperparameter,
    kms_key,
    lambda_grader,
    require,
    teacher_model,
)
from checker.checks.base import Check, CheckKind, Outcome

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

__all__ = ["CHECKS", "Check", "CheckKind", "Outcome"]
