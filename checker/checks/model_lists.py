"""Allowed and denied model lists, shared by base_model and teacher_model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checker.checks.base import PASSED, Outcome, failed, glob_list
from checker.lang.context import LoadContext
from checker.values import compile_arn_globs, show

LIST_SCHEMA_PROPERTIES = {
    "allowed": glob_list("Globs; the model must match one."),
    "denied": glob_list("Globs; the model must match none (denied wins over allowed)."),
}


# How many values a list remembers its outcome for.
_MEMO = 4096


class ModelList:
    """An allow-list and a deny-list of globs, judged against a model's candidate names."""

    def __init__(self, allowed: list[str] | None, denied: list[str] | None) -> None:
        self.allowed = allowed
        self.denied = denied
        self.allow: Callable[[str], Any] | None = compile_arn_globs(allowed) if allowed else None
        self.deny: Callable[[str], Any] | None = compile_arn_globs(denied) if denied else None
        parts = []
        if allowed:
            parts.append(f"one of {show(allowed)}")
        if denied:
            parts.append(f"none of {show(denied)}")
        self.expected = " and ".join(parts)
        self._memo: dict[tuple[str, str], Outcome] = {}

    def judge_value(self, field: str, value: str,
                    candidates: Callable[[str], list[str]]) -> Outcome:
        """``judge(field, value, candidates(value))``, worked out once per value: the same
        few base models and teachers recur across thousands of models, and an outcome
        depends on nothing else (it is immutable, so one can be shared)."""
        key = (field, value)
        outcome = self._memo.get(key)
        if outcome is None:
            outcome = self.judge(field, value, candidates(value))
            if len(self._memo) >= _MEMO:
                self._memo.clear()
            self._memo[key] = outcome
        return outcome

    def judge(self, field: str, value: str, candidates: list[str]) -> Outcome:
        if self.deny is not None:
            for name in candidates:
                if self.deny(name):
                    return failed(field, self.expected, value,
                                  f"{field} is {show(value)}, which is denied ({show(name)} "
                                  f"matches {show(self.denied)})")
        if self.allow is not None and not any(self.allow(name) for name in candidates):
            return failed(field, self.expected, value,
                          f"{field} is {show(value)}; expected {self.expected}")
        return PASSED


def check_list_options(name: str, raw: Any, ctx: LoadContext, path: tuple[Any, ...]) -> bool:
    if isinstance(raw, dict) and not raw.get("allowed") and not raw.get("denied"):
        ctx.error(path, f"{name} needs 'allowed' or 'denied' (a list of globs)")
        return False
    return True
