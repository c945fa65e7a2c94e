"""Policy variables: ``vars:`` defaults, ``${var.NAME}`` references, and overrides.

A policy declares its variables at the top (``vars: {account_id: "111122223333"}``) and uses
them inside any string value, whole or part. ``--var NAME=VALUE`` and ``--var-file FILE``
override the defaults. Substitution happens on the loaded YAML data, in place, before the
policy is compiled: every value keeps the line and column it was written at, so an error in a
substituted value still points at the reference in the file.

- A string that is exactly one reference (``"${var.keys}"``) becomes the variable's value with
  its type (a number, a boolean, a list of strings); inside a longer string a reference is
  replaced by the value's text (numbers and booleans as YAML writes them; a list is an error).
- ``$${`` is a literal ``${``: ``"$${var.x}"`` is the text ``${var.x}``. Any other ``${`` is an
  error, so a mistyped reference (``${vars.x}``) never passes through as text.
- A variable declared with a null default has no value until one is given; using it then is an
  error. Values under ``vars:`` are literal: they are not substituted themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from checker.errors import Problem
from checker.lang.context import LoadContext, did_you_mean, type_name
from checker.lang.yaml import Located, Path, YamlError, load_yaml
from checker.values import as_text

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# "$${" (an escaped "${"), or "${" and what follows up to the next "}" (or to the end).
_TOKEN = re.compile(r"\$\$\{|\$\{([^}]*)(\}?)")
_REFERENCE = re.compile(r"\s*var\.([A-Za-z_][A-Za-z0-9_]*)\s*")

Value = str | int | float | bool | list[Any] | None


class VariableError(ValueError):
    """A reference that cannot be substituted; the message says why."""


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def value_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a variable's value, or None if it can."""
    if value is None or _scalar(value):
        return None
    if isinstance(value, list):
        if all(_scalar(item) for item in value):
            return None
        return "a variable's list may hold only strings, numbers and booleans"
    return (f"a variable's value must be a string, number, boolean or list of those, not "
            f"{type_name(value)}")


def has_reference(text: str) -> bool:
    """Whether a string holds ``${`` (a reference, an escape or a mistake)."""
    return "${" in text


def substitute(text: str, values: Mapping[str, Any]) -> Any:
    """The string with every ``${var.NAME}`` replaced; raise VariableError if one cannot be.

    A string that is one whole reference yields the variable's value itself.
    """
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return text
    whole = len(tokens) == 1 and tokens[0].span() == (0, len(text)) and tokens[0].group(2)
    parts: list[str] = []
    last = 0
    for token in tokens:
        parts.append(text[last:token.start()])
        last = token.end()
        if token.group(0) == "$${":
            parts.append("${")
            continue
        value = _lookup(token, values)
        if whole:
            return value
        if isinstance(value, list):
            raise VariableError(f"variable '{_name(token)}' is a list: it can only stand alone "
                                f"in a string (\"${{var.{_name(token)}}}\"), not inside text")
        shown = as_text(value)
        assert shown is not None  # values are checked to be scalars or lists
        parts.append(shown)
    parts.append(text[last:])
    return "".join(parts)


def _name(token: re.Match[str]) -> str:
    match = _REFERENCE.fullmatch(token.group(1))
    return match.group(1) if match else token.group(1)


def _lookup(token: re.Match[str], values: Mapping[str, Any]) -> Any:
    inner = token.group(1)
    if not token.group(2):
        raise VariableError(f"unclosed '${{' in {token.group(0)!r}: write ${{var.NAME}}, or "
                            "$${ for a literal '${'")
    match = _REFERENCE.fullmatch(inner)
    if match is None:
        hint = ""
        loose = re.fullmatch(r"\s*[A-Za-z_]+\.([A-Za-z_][A-Za-z0-9_]*)\s*", inner) or \
            re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*", inner)
        if loose is not None:
            hint = f" (did you mean '${{var.{loose.group(1)}}}'?)"
        raise VariableError(f"'${{{inner}}}' is not a variable reference{hint}: write "
                            "${var.NAME}, or $${ for a literal '${'")
    name = match.group(1)
    if name not in values:
        known = sorted(values)
        declared = ("; declared: " + ", ".join(known)) if known else ""
        raise VariableError(f"undefined variable '{name}'" + did_you_mean(name, known)
                            + f"; declare it under 'vars:'{declared}")
    value = values[name]
    if value is None:
        raise VariableError(f"variable '{name}' has no value: give --var {name}=VALUE or "
                            "--var-file, or a default under 'vars:'")
    return value


def substitute_located(located: Located, values: Mapping[str, Any], ctx: LoadContext,
                       skip: Iterable[Path] = ()) -> None:
    """Substitute every string value of ``located`` in place, except under ``skip`` paths.

    Problems are recorded in ``ctx`` at the value's line and column.
    """
    skipped = set(skip)

    def walk(node: Any, path: Path) -> Any:
        if path in skipped:
            return node
        if isinstance(node, dict):
            for key in list(node):
                node[key] = walk(node[key], (*path, key))
            return node
        if isinstance(node, list):
            for index, item in enumerate(node):
                node[index] = walk(item, (*path, index))
            return node
        if isinstance(node, str) and has_reference(node):
            try:
                return substitute(node, values)
            except VariableError as exc:
                ctx.error(path, str(exc))
        return node

    located.data = walk(located.data, ())


def declared_variables(raw: Any, ctx: LoadContext) -> dict[str, Any]:
    """The ``vars:`` mapping of a policy's data, checked; problems go to ``ctx``."""
    if not isinstance(raw, dict) or "vars" not in raw:
        return {}
    declared = raw["vars"]
    if declared is None:
        return {}
    if not isinstance(declared, dict):
        ctx.error(("vars",), f"'vars' must be a mapping of variable names to default values, "
                             f"not {type_name(declared)}")
        return {}
    good: dict[str, Any] = {}
    for name, value in declared.items():
        if not NAME.fullmatch(name):
            ctx.error(("vars", name), f"variable name {name!r} may hold only letters, digits "
                                      "and '_', and must not start with a digit", key=True)
            continue
        why = value_problem(value)
        if why is not None:
            ctx.error(("vars", name), why)
            continue
        good[name] = value
    return good


def resolve_variables(located: Located, ctx: LoadContext,
                      overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Substitute a policy's variables in place; return the values used, by name.

    ``overrides`` (from ``--var`` and ``--var-file``) replace the defaults of the variables
    the policy declares; the others are ignored here (the caller reports the unused ones).
    """
    declared = declared_variables(located.data, ctx)
    values = dict(declared)
    for name, value in (overrides or {}).items():
        if name in values:
            values[name] = value
    substitute_located(located, values, ctx, skip=[("vars",)])
    return values


# --- overrides from the command line ----------------------------------------------------------

def parse_var_option(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` from ``--var`` (the value is a string); VariableError if malformed."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep:
        raise VariableError(f"--var {text!r}: expected NAME=VALUE")
    if not NAME.fullmatch(name):
        raise VariableError(f"--var {text!r}: {name!r} is not a variable name (letters, digits "
                            "and '_', not starting with a digit)")
    return name, value


def load_var_file(text: str, file: str) -> tuple[dict[str, Any], list[Problem]]:
    """The variables of a ``--var-file`` (a YAML mapping), and its problems."""
    try:
        located = load_yaml(text, file)
    except YamlError as exc:
        return {}, [exc.problem]
    ctx = LoadContext(located)
    if located.data is None:
        return {}, []
    if not isinstance(located.data, dict):
        ctx.error((), f"a variable file must be a mapping of variable names to values, not "
                      f"{type_name(located.data)}")
        return {}, ctx.problems
    values = declared_variables({"vars": located.data}, _Rebased(located, ctx))
    return values, ctx.problems


class _Rebased(LoadContext):
    """A context that reports ``("vars", name)`` paths at ``(name,)``: a var file is the
    ``vars:`` mapping itself."""

    def __init__(self, located: Located, parent: LoadContext) -> None:
        super().__init__(located, parent.problems, parent.needs)

    def error(self, path: Path, message: str, *, key: bool = False) -> None:
        super().error(path[1:] if path[:1] == ("vars",) else path, message, key=key)


def unused_overrides(names: Iterable[str], declared: Iterable[str]) -> list[str]:
    """Messages for override names no loaded policy declares, with a did-you-mean."""
    known = sorted(set(declared))
    return [f"variable '{name}' is not declared by any loaded policy"
            + did_you_mean(name, known) for name in names if name not in known]
