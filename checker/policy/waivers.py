"""Waivers kept in their own file (``--waivers FILE``), apart from the policies.

A security team can own the exceptions while policy authors own the rules. The file is::

    version: 1                      # optional
    waivers:
      - rules: [bedrock-baseline/learning-rate-cap, tagging/*]   # policy/rule ids
        models: ["research-*"]
        accounts: ["111122223333"]  # optional
        reason: Research sandbox, approved in SEC-1234
        expires: 2027-01-31

Each entry means exactly what a waiver inside a policy means; an entry naming rules of
two policies becomes one waiver per policy (and is reported per policy when it expires or
matches nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from checker.errors import PolicyError
from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.lang.yaml import load_yaml_file
from checker.policy.loader import Policy
from checker.policy.waiving import Waiver, compile_waiver

FILE_KEYS = ("version", "waivers")


def load_waiver_file(path: str, policies: Sequence[Policy]) -> list[Policy]:
    """The policies with the file's waivers added; PolicyError (exit 2) lists every problem."""
    located = load_yaml_file(path, "the waivers file")
    ctx = LoadContext(located)
    added = _compile(located.data, ctx, policies)
    errors = [p for p in ctx.problems if not p.warning]
    if errors:
        # A waiver naming rules of two policies is compiled twice: report each problem once.
        raise PolicyError(list(dict.fromkeys(ctx.problems)))
    return [replace(p, waivers=p.waivers + tuple(added.get(p.name, ()))) for p in policies]


def _compile(raw: Any, ctx: LoadContext, policies: Sequence[Policy]) -> dict[str, list[Waiver]]:
    if not isinstance(raw, dict):
        ctx.error((), f"a waivers file must be a mapping with a 'waivers' list, not "
                      f"{type_name(raw)}")
        return {}
    ctx.unknown_keys(raw, (), FILE_KEYS, "the waivers file")
    if "version" in raw and (raw["version"] != 1 or isinstance(raw["version"], bool)):
        ctx.error(("version",), f"unsupported waivers file version {raw['version']!r}; "
                                "this tool reads version 1")
    items = raw.get("waivers")
    if not isinstance(items, list):
        ctx.error(("waivers",) if "waivers" in raw else (),
                  "'waivers' must be a list of waivers")
        return {}
    by_name = {p.name: p for p in policies}
    known_ids = [r.qualified_id for p in policies for r in p.rules]
    added: dict[str, list[Waiver]] = {}
    for index, item in enumerate(items):
        path = ("waivers", index)
        if not isinstance(item, dict):
            ctx.error(path, f"a waiver must be a mapping, not {type_name(item)}")
            continue
        per_policy = _split_rules(item.get("rules"), ctx, path, by_name, known_ids)
        if per_policy is None:
            # Still check the other keys, so every problem is reported in one go.
            compile_waiver({**item, "rules": ["*"]}, ctx, path, "?", set())
            continue
        for policy_name, rule_ids in per_policy.items():
            policy = by_name[policy_name]
            waiver = compile_waiver(
                {**item, "rules": rule_ids}, ctx, path, policy_name,
                {r.info.id for r in policy.rules}, policy.resource,
            )
            if waiver is not None:
                added.setdefault(policy_name, []).append(waiver)
    return added


def _split_rules(
    raw: Any,
    ctx: LoadContext,
    path: tuple[Any, ...],
    policies: dict[str, Policy],
    known_ids: list[str],
) -> dict[str, list[str]] | None:
    """``policy/rule`` ids grouped by policy (``policy/*`` means all its rules)."""
    if not isinstance(raw, list) or not raw:
        ctx.error((*path, "rules") if raw is not None else path,
                  "'rules' must be a non-empty list of policy/rule ids")
        return None
    grouped: dict[str, list[str]] = {}
    good = True
    for i, item in enumerate(raw):
        where = (*path, "rules", i)
        if not isinstance(item, str) or "/" not in item:
            ctx.error(where, f"waiver rule {item!r} must be a policy/rule id "
                             "(e.g. bedrock-baseline/kms-required, or bedrock-baseline/*)"
                      + did_you_mean(str(item), known_ids))
            good = False
            continue
        policy_name, _, rule_id = item.partition("/")
        policy = policies.get(policy_name)
        if policy is None:
            ctx.error(where, f"waiver names policy '{policy_name}', which is not loaded"
                      + did_you_mean(policy_name, policies))
            good = False
            continue
        if rule_id != "*" and rule_id not in {r.info.id for r in policy.rules}:
            ctx.error(where, f"waiver names rule '{item}', which is not loaded"
                      + did_you_mean(item, known_ids))
            good = False
            continue
        grouped.setdefault(policy_name, []).append(rule_id)
    return grouped if good else None
