"""Loading policy files: YAML with positions in, compiled policies or located problems out."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from checker import builtins
from checker.checks import CHECKS, Check, is_check_kind
from checker.checks.inventory import RESERVED_IDS, compile_inventory
from checker.documents import POSTURE_KEYS
from checker.errors import CheckerError, PolicyError, Problem
from checker.lang.conditions import Condition, NamedKey, compile_condition, named_keys
from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.lang.shapes import account_shape
from checker.lang.variables import resolve_variables
from checker.lang.yaml import Located, YamlError, load_yaml, not_utf8
from checker.paths import expand_paths
from checker.policy.frameworks import Compliance, check_compliance
from checker.policy.lints import DEFAULT_WAIVER_HORIZON_DAYS, lint_policy
from checker.policy.waiving import (
    Waiver,
    compile_waivers,
    string_field,
    string_list,
)
from checker.results import RESOURCES, SEVERITIES, Resource, RuleInfo
from checker.values import compile_glob_nocase

POLICY_KEYS = ("version", "name", "description", "resource", "vars", "scope", "rules",
               "inventory", "waivers")
# What a policy's rules judge (RESOURCES): each model (the default), or the settings of each
# account and region read.

# Kinds a resource: account policy may hold (from each kind's record).
ACCOUNT_CHECKS = tuple(name for name, kind in CHECKS.items() if kind.account)
SCOPE_KEYS = ("names", "when")
RULE_META_KEYS = ("id", "title", "description", "severity", "served_severity", "labels",
                  "remediation", "link", "compliance", "when")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Rule:
    info: RuleInfo
    check: Check
    when: Condition | None
    needs: frozenset[str]  # added keys (tags, job, ...) this rule or its policy's scope reads
    # The tag and hyperparameter keys the rule (its check and its `when`) names.
    named: tuple[NamedKey, ...] = ()

    @property
    def qualified_id(self) -> str:
        return self.info.qualified_id


@dataclass(frozen=True)
class Policy:
    name: str
    description: str | None
    file: str
    sha256: str
    scope_names: tuple[str, ...] | None
    scope_when: Condition | None
    rules: tuple[Rule, ...]
    waivers: tuple[Waiver, ...]
    scope_match: Callable[[str], Any] | None = None
    # The value each declared variable had when the policy was loaded (defaults, overridden
    # by --var and --var-file).
    variables: Mapping[str, Any] = field(default_factory=dict)
    resource: Resource = "model"

    def in_scope(self, doc: Mapping[str, Any]) -> bool:
        """Scope names ignore case; an unknown scope ``when`` counts as in scope."""
        if self.scope_match is not None:
            name = doc.get("modelName")
            if isinstance(name, str) and not self.scope_match(name):
                return False
        return not (self.scope_when is not None and self.scope_when.test(doc) is False)


# --- files -----------------------------------------------------------------------------------

def policy_files(paths: Iterable[str]) -> list[str]:
    """The policy files a list of files and directories names (directories: *.yaml, *.yml
    in them, sorted, except *_test.yaml); ``builtin:NAME`` names a shipped policy, and
    keeps that name (read it through :func:`checker.builtins.real_path`)."""
    return builtins.expand(list(paths), lambda files: expand_paths(
        files, lambda p: p.suffix in (".yaml", ".yml") and not p.stem.endswith("_test"),
        what="policy files (*.yaml, *.yml)", noun="policy file"))


# A policy file larger than this is refused before it is parsed: the shipped policies are
# under 30 KB, and a flat multi-megabyte YAML file takes PyYAML tens of seconds and hundreds
# of megabytes to compose. docs/policies.md states the limit.
MAX_POLICY_BYTES = 256 * 1024


def too_large(file: str) -> Problem:
    return Problem(file, 1, 1, f"the file is larger than {MAX_POLICY_BYTES // 1024:,} KiB, "
                               "too large to be a policy file; refused before parsing")


def load_policies(paths: Sequence[str], variables: Mapping[str, Any] | None = None,
                  *, lint: bool = False,
                  waiver_horizon: int = DEFAULT_WAIVER_HORIZON_DAYS,
                  ) -> tuple[list[Policy], list[Problem]]:
    """Load and compile every policy; raise PolicyError with every problem found.

    ``variables`` override the defaults of the variables a policy declares; ``lint`` adds
    the cheap lints as warnings. Returns the policies and the warnings (problems that do not
    stop a run).
    """
    policies: list[Policy] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for file in policy_files(paths):
        try:
            with open(builtins.real_path(file), "rb") as handle:
                # One byte past the limit says the file is too large, without reading it all.
                data = handle.read(MAX_POLICY_BYTES + 1)
        except OSError as exc:
            raise CheckerError(f"{file}: cannot read: {exc.strerror or exc}") from None
        policy, found = load_policy_text(data, file, variables, lint=lint,
                                         waiver_horizon=waiver_horizon)
        problems.extend(found)
        if policy is not None:
            if policy.name in seen:
                problems.append(Problem(file, 1, 1, f"policy name '{policy.name}' is already "
                                                    f"used by {seen[policy.name]}"))
            else:
                seen[policy.name] = file
                policies.append(policy)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise PolicyError(problems)
    return policies, problems


def load_policy_text(data: bytes, file: str, variables: Mapping[str, Any] | None = None,
                     *, lint: bool = False,
                     waiver_horizon: int = DEFAULT_WAIVER_HORIZON_DAYS,
                     ) -> tuple[Policy | None, list[Problem]]:
    """Compile one policy file's bytes; the policy (None if it has errors) and its problems.

    Variables are substituted before compiling (see checker.lang.variables); ``lint`` adds the
    cheap lints (see checker.policy.lints) as warnings. More than MAX_POLICY_BYTES is refused
    before anything is parsed.
    """
    if len(data) > MAX_POLICY_BYTES:
        return None, [too_large(file)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [not_utf8(data, exc, file)]
    try:
        located = load_yaml(text, file)
    except YamlError as exc:
        return None, [exc.problem]
    ctx = LoadContext(located)
    values = resolve_variables(located, ctx, variables)
    if any(not p.warning for p in ctx.problems):
        # A value that could not be substituted would only cause confusing follow-on errors.
        return None, ctx.problems
    policy = _compile_policy(located, ctx, hashlib.sha256(data).hexdigest())
    if any(not p.warning for p in ctx.problems) or policy is None:
        return None, ctx.problems
    policy = replace(policy, variables=values)
    if lint:
        ctx.problems.extend(lint_policy(located, waiver_horizon=waiver_horizon))
    return policy, ctx.problems


# --- compiling -------------------------------------------------------------------------------

def _compile_policy(located: Located, ctx: LoadContext, sha256: str) -> Policy | None:
    raw = located.data
    if not isinstance(raw, dict):
        ctx.error((), f"a policy file must be a mapping with version, name and rules, not "
                      f"{type_name(raw)}")
        return None
    ctx.unknown_keys(raw, (), POLICY_KEYS, "the policy")
    if "version" not in raw:
        ctx.error((), "missing required key 'version' (write 'version: 1')")
    elif raw["version"] != 1 or isinstance(raw["version"], bool):
        ctx.error(("version",), f"unsupported policy version {raw['version']!r}; this tool "
                               "reads version 1")
    name = string_field(raw, "name", ctx, (), required=True)
    if name is not None and not NAME_PATTERN.fullmatch(name):
        ctx.error(("name",), f"policy name {name!r} may hold only letters, digits, '.', '_' and "
                             "'-', and must start with a letter or digit")
    description = string_field(raw, "description", ctx, ())
    resource = _resource(raw, ctx)

    scope_names, scope_when, scope_needs = _compile_scope(raw.get("scope"), ctx)
    policy_name = name or "?"
    rules = _compile_rules(raw, ctx, policy_name, scope_needs)
    if "inventory" in raw and resource == "model":
        rules.extend(Rule(info=info, check=check, when=None, needs=frozenset(scope_needs))
                     for info, check in compile_inventory(raw["inventory"], ctx, policy_name))
    waivers = compile_waivers(raw.get("waivers"), ctx, policy_name, {r.info.id for r in rules},
                               resource)
    if name is None:
        return None
    return Policy(
        name=name,
        description=description,
        file=ctx.file,
        sha256=sha256,
        scope_names=tuple(scope_names) if scope_names is not None else None,
        scope_when=scope_when,
        rules=tuple(rules),
        waivers=tuple(waivers),
        scope_match=_scope_matcher(scope_names),
        resource=resource,
    )


def _resource(raw: Mapping[str, Any], ctx: LoadContext) -> Resource:
    """The policy's ``resource``; for ``account``, what such a policy may not hold is
    refused and its field paths are checked against the account document's shape."""
    given = raw.get("resource", "model")
    resource = next((r for r in RESOURCES if r == given), None)
    if resource is None:
        ctx.error(("resource",), f"'resource' must be one of {', '.join(RESOURCES)}, not "
                                 f"{given!r}" + did_you_mean(str(given), RESOURCES))
        return "model"
    if resource == "account":
        ctx.shape = account_shape()
        for key, why in (("scope", "scope selects models"),
                         ("inventory", "inventory judges the set of models")):
            if key in raw:
                ctx.error((key,), f"'{key}' does not apply to a 'resource: account' policy "
                                  f"({why})", key=True)
    return resource


def _scope_matcher(names: list[str] | None) -> Callable[[str], Any] | None:
    if names is None:
        return None
    matchers = [compile_glob_nocase(n) for n in names]
    return lambda value: any(m(value) for m in matchers)


def _compile_scope(raw: Any, ctx: LoadContext) -> tuple[list[str] | None, Condition | None,
                                                        set[str]]:
    if raw is None:
        return None, None, set()
    if not isinstance(raw, dict):
        ctx.error(("scope",), f"'scope' must be a mapping with 'names' and/or 'when', not "
                              f"{type_name(raw)}")
        return None, None, set()
    ctx.unknown_keys(raw, ("scope",), SCOPE_KEYS, "scope")
    names = string_list(raw, "names", ctx, ("scope",)) if "names" in raw else None
    before = set(ctx.needs)
    ctx.needs.clear()
    when = compile_condition(raw["when"], ctx, ("scope", "when")) if "when" in raw else None
    needs = set(ctx.needs)
    ctx.needs = before | needs
    return names, when, needs


def _compile_rules(raw: Mapping[str, Any], ctx: LoadContext, policy: str,
                   scope_needs: set[str]) -> list[Rule]:
    rules_raw = raw.get("rules")
    if "rules" not in raw:
        if "inventory" not in raw:
            ctx.error((), "missing required key 'rules' (a list of rules)")
        return []
    if not isinstance(rules_raw, list) or not rules_raw:
        ctx.error(("rules",), "'rules' must be a non-empty list of rules")
        return []
    rules: list[Rule] = []
    ids: dict[str, int] = {}
    for index, item in enumerate(rules_raw):
        rule = _compile_rule(item, ctx, ("rules", index), policy, scope_needs)
        if rule is None:
            continue
        if rule.info.id in RESERVED_IDS:
            ctx.error(("rules", index, "id"), f"rule id '{rule.info.id}' is reserved for the "
                                               "policy's inventory section")
            continue
        if rule.info.id in ids:
            ctx.error(("rules", index, "id"), f"duplicate rule id '{rule.info.id}' (first at "
                                              f"line {ids[rule.info.id]})")
            continue
        ids[rule.info.id] = rule.info.line
        rules.append(rule)
    return rules


# What GitHub code scanning refuses in a SARIF rule ("SARIF support for code scanning"):
# more than 20 tags (the SARIF report adds "security" to the labels), a name over 255
# characters, descriptions over 1024.
MAX_LABELS = 19
MAX_RULE_ID = 255
MAX_DESCRIPTION = 1024


def _within_github_limits(ctx: LoadContext, path: tuple[Any, ...], rule_id: str | None,
                          labels: list[Any], title: str | None,
                          description: str | None) -> None:
    if len(labels) > MAX_LABELS:
        ctx.error((*path, "labels"), f"{len(labels)} labels, more than {MAX_LABELS}: GitHub "
                  "code scanning refuses a rule with more than 20 tags (SARIF adds "
                  "'security')")
    if rule_id is not None and len(rule_id) > MAX_RULE_ID:
        ctx.error((*path, "id"), f"rule id of {len(rule_id)} characters, more than "
                  f"{MAX_RULE_ID} (GitHub code scanning's limit)")
    for key, value in (("title", title), ("description", description)):
        if value is not None and len(value) > MAX_DESCRIPTION:
            ctx.error((*path, key), f"'{key}' of {len(value)} characters, more than "
                      f"{MAX_DESCRIPTION} (GitHub code scanning's limit)")


def _compile_rule(raw: Any, ctx: LoadContext, path: tuple[Any, ...], policy: str,
                  scope_needs: set[str]) -> Rule | None:
    if not isinstance(raw, dict):
        ctx.error(path, f"a rule must be a mapping with 'id' and one check, not "
                        f"{type_name(raw)}")
        return None
    known = (*RULE_META_KEYS, *CHECKS)
    kinds = [k for k in raw if is_check_kind(k)]
    for key in raw:
        if key not in known:
            ctx.error((*path, key), f"unknown key '{key}' in rule" + did_you_mean(key, known)
                      + ("" if kinds else "; checks: " + ", ".join(CHECKS)), key=True)
    rule_id = string_field(raw, "id", ctx, path, required=True)
    if rule_id is not None and not NAME_PATTERN.fullmatch(rule_id):
        ctx.error((*path, "id"), f"rule id {rule_id!r} may hold only letters, digits, '.', '_' "
                                 "and '-', and must start with a letter or digit")
        rule_id = None
    if not kinds:
        if all(k in known for k in raw):
            ctx.error(path, "rule has no check: add exactly one of " + ", ".join(CHECKS))
        return None
    if len(kinds) > 1:
        ctx.error((*path, kinds[1]), f"a rule has exactly one check, but this one has "
                                     f"{' and '.join(kinds)}: split it into rules", key=True)
        return None
    kind = kinds[0]
    if ctx.shape is not None and kind not in ACCOUNT_CHECKS:
        ctx.error((*path, kind), f"{kind} judges a model, not an account: a 'resource: "
                                 f"account' policy has only {', '.join(ACCOUNT_CHECKS)} rules",
                  key=True)
        return None
    severity = raw.get("severity", "medium")
    if severity not in SEVERITIES:
        ctx.error((*path, "severity"), f"unknown severity {severity!r}"
                  + did_you_mean(str(severity), SEVERITIES) + "; one of " + ", ".join(SEVERITIES))
    served_severity = raw.get("served_severity")
    if served_severity is not None and served_severity not in SEVERITIES:
        ctx.error((*path, "served_severity"), f"unknown severity {served_severity!r}"
                  + did_you_mean(str(served_severity), SEVERITIES) + "; one of "
                  + ", ".join(SEVERITIES))
    labels = raw.get("labels", [])
    if not isinstance(labels, list) or not all(isinstance(x, (str, int, float)) for x in labels):
        ctx.error((*path, "labels"), "'labels' must be a list of strings")
        labels = []
    title = string_field(raw, "title", ctx, path)
    description = string_field(raw, "description", ctx, path)
    _within_github_limits(ctx, path, rule_id, labels, title, description)
    remediation = string_field(raw, "remediation", ctx, path)
    link = string_field(raw, "link", ctx, path)
    compliance: Compliance = ()
    if "compliance" in raw:
        compliance, problems = check_compliance(raw["compliance"])
        for where, message in problems:
            ctx.error((*path, "compliance", *where), message, key=len(where) == 1)

    saved = set(ctx.needs)
    ctx.needs.clear()
    when = compile_condition(raw["when"], ctx, (*path, "when")) if "when" in raw else None
    check = CHECKS[kind].compile(raw[kind], ctx, (*path, kind))
    needs = frozenset(ctx.needs | scope_needs)
    ctx.needs = saved | set(needs)
    if rule_id is None or check is None or severity not in SEVERITIES or (
            served_severity is not None and served_severity not in SEVERITIES):
        return None
    line, _ = ctx.located.where(path)
    info = RuleInfo(
        policy=policy,
        id=rule_id,
        severity=severity,
        title=title or rule_id,
        labels=tuple(str(x) for x in labels),
        kind=kind,
        file=ctx.file,
        line=line,
        description=description,
        remediation=remediation,
        link=link,
        compliance=compliance,
        served_severity=served_severity,
    )
    named = tuple(dict.fromkeys((*check.named, *named_keys(when))))
    return Rule(info=info, check=check, when=when, needs=needs, named=named)


def needed_enrichments(policies: Iterable[Policy]) -> frozenset[str]:
    """The added keys any loaded rule or scope reads, so sources fetch only those; and
    ``served`` where a rule has a ``served_severity`` (the exposure that picks it)."""
    needs: set[str] = set()
    for policy in policies:
        for rule in policy.rules:
            needs.update(rule.needs)
            if rule.info.served_severity is not None:
                needs.add("served")
    return frozenset(needs)


def account_settings(policies: Iterable[Policy]) -> frozenset[str] | None:
    """The account settings (``invocationLogging``, ``enforcedGuardrails``) loaded account
    rules read; None when no ``resource: account`` policy is loaded (no account document
    is made at all)."""
    account = [p for p in policies if p.resource == "account"]
    if not account:
        return None
    return needed_enrichments(account) & frozenset(POSTURE_KEYS)

