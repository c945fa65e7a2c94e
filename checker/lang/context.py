"""What compiling one policy file needs: where things stand in it, and the problems found."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checker.errors import Problem
from checker.lang.fields import (
    FieldPath,
    PathSyntaxError,
    check_path,
    enrichments_of,
    parse_path,
)
from checker.lang.hyperparameters import documented_hyperparameters
from checker.lang.shapes import Shape
from checker.lang.yaml import Located, Path


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """' (did you mean 'x'?)' when a known name is close to ``word``, else ''."""
    options = list(options)
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    if not close:
        by_case = {o.lower(): o for o in options}
        close = [by_case[str(word).lower()]] if str(word).lower() in by_case else []
    return f" (did you mean '{close[0]}'?)" if close else ""


@dataclass
class LoadContext:
    """Collects located problems while a policy file is compiled, so all are reported at once."""

    located: Located
    problems: list[Problem] = field(default_factory=list)
    needs: set[str] = field(default_factory=set)
    # What field paths are checked against: a model document's shape unless set (an
    # account policy's documents have another).
    shape: Shape | None = None

    @property
    def file(self) -> str:
        return self.located.file

    def error(self, path: Path, message: str, *, key: bool = False) -> None:
        self.problems.append(self.located.problem(path, message, key=key))

    def warn(self, path: Path, message: str, *, key: bool = False) -> None:
        self.problems.append(self.located.problem(path, message, key=key, warning=True))

    def unknown_keys(self, mapping: dict[str, Any], path: Path, allowed: Iterable[str],
                     what: str) -> None:
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                self.error((*path, key), f"unknown key '{key}' in {what}"
                           + did_you_mean(key, allowed), key=True)

    def field_path(self, raw: Any, path: Path) -> FieldPath | None:
        """Parse and check a field path; record the enrichments it needs."""
        if not isinstance(raw, str):
            self.error(path, f"'field' must be a string, not {type_name(raw)}")
            return None
        try:
            parsed = parse_path(raw)
        except PathSyntaxError as exc:
            self.error(path, str(exc))
            return None
        reason = check_path(parsed, self.shape)
        if reason is not None:
            self.error(path, reason)
            return None
        self.needs |= enrichments_of(parsed)
        self._undocumented_hyperparameter(parsed, path)
        return parsed

    def _undocumented_hyperparameter(self, parsed: FieldPath, path: Path) -> None:
        keys = [s.key for s in parsed.segments]
        for prefix in (["hyperParameters"], ["customizationConfig", "rftConfig",
                                             "hyperParameters"]):
            if len(keys) > len(prefix) and keys[:len(prefix)] == prefix:
                name = keys[len(prefix)]
                known = documented_hyperparameters()
                if name not in known:
                    self.warn(path, f"'{name}' is not a hyperparameter AWS documents for any "
                                    "customization type" + did_you_mean(name, sorted(known))
                                    + ": a misspelt name matches nothing")


def type_name(value: Any, *, mapping: str = "a mapping") -> str:
    """What a value is, in words: YAML says mapping, JSON answers say ``mapping="an object"``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return mapping
    return type(value).__name__
