"""One waiver: what it covers, and compiling it from a policy's ``waivers`` (or, through
``checker.policy.waivers``, a waiver file's). Also the string helpers the loader shares."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.results import WaiverInfo
from checker.values import compile_globs, parse_day

WAIVER_KEYS = ("rules", "models", "accounts", "reason", "expires")
ACCOUNT_WAIVER_KEYS = ("rules", "accounts", "regions", "reason", "expires")


@dataclass(frozen=True)
class Waiver:
    rules: tuple[str, ...]
    models: tuple[str, ...]
    accounts: tuple[str, ...] | None
    info: WaiverInfo
    match_model: Callable[[str], Any]
    # Account policies: the regions waived (None: every region); ``models`` is empty.
    regions: tuple[str, ...] | None = None
    resource: str = "model"

    def covers(self, rule_id: str, name: str | None, arn: str | None,
               account: str | None, region: str | None = None) -> bool:
        if "*" not in self.rules and rule_id not in self.rules:
            return False
        if self.accounts is not None and account not in self.accounts:
            return False
        if self.resource == "account":
            return self.regions is None or region in self.regions
        return bool((name is not None and self.match_model(name))
                    or (arn is not None and self.match_model(arn)))

    def expired(self, today: date) -> bool:
        """A waiver applies through the end of its ``expires`` day, UTC."""
        return today > self.info.expires


def string_field(raw: Mapping[str, Any], key: str, ctx: LoadContext, path: tuple[Any, ...],
            required: bool = False) -> str | None:
    if key not in raw or raw[key] is None:
        if required:
            ctx.error(path, f"missing required key '{key}'")
        return None
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        ctx.error((*path, key), f"'{key}' must be a non-empty string, not {type_name(value)}")
        return None
    return value


def string_list(raw: Mapping[str, Any], key: str, ctx: LoadContext,
                 path: tuple[Any, ...]) -> list[str] | None:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        ctx.error((*path, key) if key in raw else path,
                  f"'{key}' must be a non-empty list of strings")
        return None
    good = True
    for i, item in enumerate(value):
        if not isinstance(item, str):
            hint = " (quote account ids and numbers)" if isinstance(item, (int, float)) else ""
            ctx.error((*path, key, i), f"'{key}' items must be strings, not "
                                       f"{type_name(item)}{hint}")
            good = False
    return value if good else None


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        # YYYY-MM-DD only, the same day on every Python version (see values.parse_day).
        return parse_day(value)
    return None


def compile_waivers(raw: Any, ctx: LoadContext, policy: str,
                     rule_ids: set[str], resource: str = "model") -> list[Waiver]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        ctx.error(("waivers",), "'waivers' must be a list")
        return []
    waivers: list[Waiver] = []
    for index, item in enumerate(raw):
        waiver = compile_waiver(item, ctx, ("waivers", index), policy, rule_ids, resource)
        if waiver is not None:
            waivers.append(waiver)
    return waivers


def compile_waiver(raw: Any, ctx: LoadContext, path: tuple[Any, ...], policy: str,
                   rule_ids: set[str], resource: str = "model") -> Waiver | None:
    """Compile one waiver of ``policy``, whose rule ids are ``rule_ids``; a waiver of an
    account policy names accounts and/or regions instead of models."""
    if not isinstance(raw, dict):
        ctx.error(path, f"a waiver must be a mapping, not {type_name(raw)}")
        return None
    account = resource == "account"
    ctx.unknown_keys(raw, path, ACCOUNT_WAIVER_KEYS if account else WAIVER_KEYS,
                     "a waiver of an account policy" if account else "waiver")
    rules = string_list(raw, "rules", ctx, path)
    models = [] if account else string_list(raw, "models", ctx, path)
    accounts = string_list(raw, "accounts", ctx, path) if "accounts" in raw else None
    regions = string_list(raw, "regions", ctx, path) if account and "regions" in raw else None
    if account and "accounts" not in raw and "regions" not in raw:
        ctx.error(path, "a waiver of an account policy needs 'accounts' and/or 'regions'")
        return None
    reason = string_field(raw, "reason", ctx, path, required=True)
    expires = None
    if "expires" not in raw:
        ctx.error(path, "missing required key 'expires' (a date, YYYY-MM-DD): every waiver "
                        "must end")
    else:
        expires = parse_date(raw["expires"])
        if expires is None:
            ctx.error((*path, "expires"), f"'expires' must be a date (YYYY-MM-DD), not "
                                          f"{raw['expires']!r}")
    for i, rule in enumerate(rules or []):
        if rule != "*" and rule not in rule_ids:
            ctx.error((*path, "rules", i), f"waiver names rule '{rule}', which policy "
                                           f"'{policy}' does not have"
                      + did_you_mean(rule, rule_ids))
    if rules is None or models is None or reason is None or expires is None or (
            "accounts" in raw and accounts is None) or (account and "regions" in raw
                                                        and regions is None):
        return None
    line, _ = ctx.located.where(path)
    return Waiver(
        rules=tuple(rules),
        models=tuple(models),
        accounts=tuple(accounts) if accounts is not None else None,
        info=WaiverInfo(reason=reason, expires=expires, policy=policy, file=ctx.file, line=line),
        match_model=compile_globs(models),
        regions=tuple(regions) if regions is not None else None,
        resource=resource,
    )
