"""Cheap lints `validate` runs after a policy compiles: mistakes that are valid syntax but
make a rule fail (or apply) in a way its author cannot have meant. Each is a warning.

- a ``kms_key.allowed`` glob no KMS key ARN can match (botocore's ``KmsKeyArn`` pattern);
- a glob on ARNs (``kms_key``, ``lambda_grader``, ``base_model``, ``teacher_model`` lists, a
  ``glob`` on an ARN-typed field) that matched only because ``*`` or ``?`` crossed ``:``,
  which globs on ARNs no longer do;
- a ``lambda_grader.arn_pattern`` or ``allowed`` glob no Lambda ARN can match (botocore's
  ``LambdaArn`` pattern);
- a ``base_model`` glob that matches no foundation model id of the documented families, in any
  form a base model takes (bare id, foundation-model ARN, custom-model ARN);
- a rule ``when`` (or a part of its ``all_of``) that repeats the policy's ``scope.when``;
- a ``not`` over a condition on an every-element path (``validators[].s3Uri``): it is true
  when *some* element fails the condition, which reads like "no element matches" but is not;
- a waiver that waives every rule (``rules: ["*"]``) for every model (a ``models`` glob that
  matches any name, no ``accounts``), or one that expires further ahead than the waiver
  horizon (``validate --waiver-horizon DAYS``, 365 by default).

They work on the policy's data after variables are substituted, so a variable's value is
linted where the reference stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timezone
from functools import cache
from typing import Any

import botocore.session

from checker.errors import Problem
from checker.lang.fields import PathSyntaxError, parse_path
from checker.lang.foundation_models import FOUNDATION_MODEL_IDS, id_forms
from checker.lang.regex import Nfa, Unsupported, glob_nfa, intersects, regex_nfa
from checker.lang.shapes import leaf_at
from checker.lang.yaml import Located, Path
from checker.values import parse_day

# Used when botocore's service model has no pattern for the shape (it always has, today).
KMS_KEY_ARN_SHAPE = r"arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}"
LAMBDA_ARN_SHAPE = (r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:"
                    r"[a-zA-Z0-9-_\.]+(:(\$LATEST|[a-zA-Z0-9-_]+))?")


@cache
def botocore_pattern(shape: str, fallback: str) -> str:
    """The ``pattern`` botocore's Bedrock service model gives a string shape."""
    try:
        model = botocore.session.get_session().get_service_model("bedrock")
        pattern = model.shape_for(shape).metadata.get("pattern")
    except Exception:  # an older botocore without the shape: the documented shape will do
        return fallback
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


def _glob_can_match(glob: str, target: Callable[[], Nfa]) -> bool:
    """Whether an ARN glob (``*`` and ``?`` within one ARN part) can match a target."""
    try:
        return intersects(glob_nfa(glob, arn=True), target())
    except Unsupported:
        return True


def _relied_on_crossing(glob: str, target: Callable[[], Nfa]) -> bool:
    """Whether a glob matches the target only when ``*`` or ``?`` may cross ``:`` (as globs
    on ARNs once did): it can no longer match any of it."""
    try:
        return intersects(glob_nfa(glob), target()) and \
            not intersects(glob_nfa(glob, arn=True), target())
    except Unsupported:
        return False


@cache
def teacher_model_nfa() -> Nfa:
    return regex_nfa(botocore_pattern("TeacherModelIdentifier", r".+"))


def crossing_message(what: str, glob: str) -> str:
    return (f"{what} glob {glob!r} matches only if '*' or '?' crosses ':', which globs on "
            "ARNs never do: each '*' stays within one ARN part (region, account, ...), and "
            "only a final '*' matches the rest; write the parts out (e.g. "
            "'arn:aws:kms:*:111122223333:key/*'), so this rule no longer matches what it did")


def _regex_can_match(pattern: str, target: Callable[[], Nfa]) -> bool:
    try:
        return intersects(regex_nfa(pattern), target())
    except Unsupported:  # lookarounds and the like: do not guess
        return True


# Operators whose negation every element can be asked to meet instead of a `not` over them.
NEGATABLE = {"equals": "not_equals", "in": "not_in", "matches": "not_matches",
             "glob": "not_matches (as a regex)", "contains": "a not over each element's own "
             "field", "exists": "exists with the other value"}


class _Linter:
    def __init__(self, located: Located) -> None:
        self.located = located
        self.problems: list[Problem] = []

    def warn(self, path: Path, message: str) -> None:
        self.problems.append(self.located.problem(path, message, warning=True))

    def globs(self, rule: dict[str, Any], path: Path, kind: str,
              keys: Iterable[str]) -> Iterable[tuple[Path, str]]:
        options = rule.get(kind)
        if not isinstance(options, dict):
            return
        for key in keys:
            values = options.get(key)
            if isinstance(values, list):
                for index, value in enumerate(values):
                    if isinstance(value, str):
                        yield (*path, kind, key, index), value

    def rule(self, rule: dict[str, Any], path: Path, scope_when: Any) -> None:
        self.arn_globs(rule, path)
        self.grader_pattern(rule, path)
        self.model_globs(rule, path)
        for key in ("require", "when"):
            if key in rule:
                self.arn_field_globs(rule[key], (*path, key))
        if scope_when is not None and "when" in rule:
            self.repeated_scope(rule["when"], (*path, "when"), scope_when)
        for key in ("require", "when"):
            if key in rule:
                self.not_over_elements(rule[key], (*path, key))

    def arn_globs(self, rule: dict[str, Any], path: Path) -> None:
        """The KMS key and Lambda grader allow-lists: globs that cannot match, or match only
        by crossing ':'."""
        for where, glob in self.globs(rule, path, "kms_key", ["allowed"]):
            if _relied_on_crossing(glob, kms_key_arn_nfa):
                self.warn(where, crossing_message("kms_key.allowed", glob))
            elif not _glob_can_match(glob, kms_key_arn_nfa):
                self.warn(where, f"kms_key.allowed glob {glob!r} cannot match any KMS key ARN "
                                 "(arn:<partition>:kms:<region>:<12-digit account>:key/<key "
                                 "id>), so this rule fails every model with a key")
        for where, glob in self.globs(rule, path, "lambda_grader", ["allowed"]):
            if _relied_on_crossing(glob, lambda_arn_nfa):
                self.warn(where, crossing_message("lambda_grader.allowed", glob))
            elif not _glob_can_match(glob, lambda_arn_nfa):
                self.warn(where, f"lambda_grader.allowed glob {glob!r} cannot match any Lambda "
                                 "ARN (arn:<partition>:lambda:<region>:<12-digit account>:"
                                 "function:<name>[:<qualifier>])")

    def grader_pattern(self, rule: dict[str, Any], path: Path) -> None:
        grader = rule.get("lambda_grader")
        if isinstance(grader, dict) and isinstance(grader.get("arn_pattern"), str):
            pattern = grader["arn_pattern"]
            if not _regex_can_match(pattern, lambda_arn_nfa):
                self.warn((*path, "lambda_grader", "arn_pattern"),
                          f"lambda_grader.arn_pattern /{pattern}/ cannot match any Lambda ARN "
                          "(arn:<partition>:lambda:<region>:<12-digit account>:function:<name>"
                          "[:<qualifier>]), so this rule fails every RFT model")

    def model_globs(self, rule: dict[str, Any], path: Path) -> None:
        for where, glob in self.globs(rule, path, "base_model", ["allowed", "denied"]):
            if _relied_on_crossing(glob, base_model_nfa):
                self.warn(where, crossing_message(f"base_model.{where[-2]}", glob))
            elif not _glob_can_match(glob, base_model_nfa):
                self.warn(where, f"base_model.{where[-2]} glob {glob!r} matches no foundation "
                                 "model of the documented families (as a model id, a "
                                 "foundation-model ARN or a custom-model ARN); check the "
                                 "spelling, or ignore this if it names a newer model")
        for where, glob in self.globs(rule, path, "teacher_model", ["allowed", "denied"]):
            if _relied_on_crossing(glob, teacher_model_nfa):
                self.warn(where, crossing_message(f"teacher_model.{where[-2]}", glob))

    def arn_field_globs(self, condition: Any, path: Path) -> None:
        """Warn at each ``glob`` on an ARN-typed field that matched ARNs only by crossing
        ':'."""
        if isinstance(condition, list):
            for index, part in enumerate(condition):
                self.arn_field_globs(part, (*path, index))
            return
        if not isinstance(condition, dict):
            return
        glob, field = condition.get("glob"), condition.get("field")
        shape = _arn_shape_of(field) if isinstance(field, str) else None
        if isinstance(glob, str) and shape is not None and \
                _relied_on_crossing(glob, lambda: _pattern_nfa(shape)):
            self.warn((*path, "glob"), crossing_message(f"the {field}", glob))
        for key in ("all_of", "any_of", "not"):
            if key in condition:
                self.arn_field_globs(condition[key], (*path, key))

    def not_over_elements(self, condition: Any, path: Path) -> None:
        """Warn at each ``not`` whose condition reads a ``[]`` path with a positive
        operator."""
        if isinstance(condition, list):
            for index, part in enumerate(condition):
                self.not_over_elements(part, (*path, index))
            return
        if not isinstance(condition, dict):
            return
        inner = condition.get("not")
        if isinstance(inner, dict) and isinstance(inner.get("field"), str) \
                and "[]" in inner["field"]:
            ops = [op for op in inner if op in NEGATABLE]
            if ops:
                better = ", ".join(f"{op} -> {NEGATABLE[op]}" for op in ops)
                self.warn((*path, "not"),
                          f"'not' over the every-element path {inner['field']!r} is true when "
                          "at least one element fails the condition, not when no element "
                          "meets it; for \"no element ...\" put the negative operator on the "
                          f"field ({better}), which every element must then meet "
                          "('bedrock-drift rules not')")
        for key in ("all_of", "any_of", "not"):
            if key in condition:
                self.not_over_elements(condition[key], (*path, key))

    def repeated_scope(self, when: Any, path: Path, scope_when: Any) -> None:
        scope_parts = [scope_when]
        if isinstance(scope_when, dict) and isinstance(scope_when.get("all_of"), list):
            scope_parts += scope_when["all_of"]
        if when in scope_parts:
            self.warn(path, "this when repeats the policy's scope.when: every model the rule "
                            "sees is already in scope; remove it")
            return
        if isinstance(when, dict) and isinstance(when.get("all_of"), list):
            for index, part in enumerate(when["all_of"]):
                if part in scope_parts:
                    self.warn((*path, "all_of", index),
                              "this part of the when repeats the policy's scope.when; "
                              "remove it")


def _arn_shape_of(text: str) -> str | None:
    """The botocore shape name of an ARN-typed field, else None."""
    try:
        parsed = parse_path(text)
    except PathSyntaxError:
        return None
    leaf = leaf_at([segment.key for segment in parsed.segments])
    return leaf.arn if leaf is not None else None


@cache
def _pattern_nfa(shape: str) -> Nfa:
    return regex_nfa(botocore_pattern(shape, r"arn:[^:]+:[^:]+:[^:]*:[^:]*:.+"))


DEFAULT_WAIVER_HORIZON_DAYS = 365


def _matches_everything(glob: str) -> bool:
    return glob.strip("*") == ""


def lint_waivers(raw: dict[str, Any], linter: _Linter, horizon_days: int,
                 today: date) -> None:
    """Warn at each waiver that switches a policy off (every rule, every model) or that lasts
    longer than the horizon."""
    waivers = raw.get("waivers")
    if not isinstance(waivers, list):
        return
    for index, waiver in enumerate(waivers):
        if not isinstance(waiver, dict):
            continue
        path: Path = ("waivers", index)
        rules, models = waiver.get("rules"), waiver.get("models", ["*"])
        every_rule = isinstance(rules, list) and any(
            isinstance(r, str) and _matches_everything(r) for r in rules)
        every_model = isinstance(models, list) and any(
            isinstance(m, str) and _matches_everything(m) for m in models)
        if every_rule and every_model and waiver.get("accounts") is None \
                and waiver.get("regions") is None:
            linter.warn(path, "this waiver waives every rule for every model: the policy "
                              "judges nothing while it lasts; name the rules and the models")
        expires = waiver.get("expires")
        day = expires if isinstance(expires, date) else \
            parse_day(expires) if isinstance(expires, str) else None
        if day is not None and (day - today).days > horizon_days:
            linter.warn((*path, "expires"),
                        f"this waiver lasts until {day.isoformat()}, {(day - today).days:,} "
                        f"days from today, beyond the {horizon_days}-day waiver horizon "
                        "(validate --waiver-horizon DAYS): review it sooner")


def lint_policy(located: Located, *,
                waiver_horizon: int = DEFAULT_WAIVER_HORIZON_DAYS) -> list[Problem]:
    """The lint warnings for one compiled policy's data (``located``, after substitution)."""
    raw = located.data
    linter = _Linter(located)
    if not isinstance(raw, dict):
        return []
    lint_waivers(raw, linter, waiver_horizon, datetime.now(timezone.utc).date())
    if not isinstance(raw.get("rules"), list):
        return sorted(linter.problems, key=lambda p: (p.line, p.col))
    scope = raw.get("scope")
    scope_when = scope.get("when") if isinstance(scope, dict) else None
    for index, rule in enumerate(raw["rules"]):
        if isinstance(rule, dict):
            linter.rule(rule, ("rules", index), scope_when)
    return sorted(linter.problems, key=lambda p: (p.line, p.col))
