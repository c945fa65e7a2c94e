"""Field paths: parsing, resolving against a model document, and checking against AWS's shapes.

A path is dotted keys (``hyperParameters.learningRate``); ``[]`` after a key means every
element of that list (``validationDataConfig.validators[].s3Uri``); a key with dots or spaces
is quoted (``tags."cost.center"``). Paths are checked when a policy is loaded, against
botocore's own Bedrock service model, so a typo cannot silently make a rule never match.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.documents import ACCOUNT_KEY, ENRICHMENT_KEYS, POSTURE_KEYS
from checker.lang.shapes import (
    DEPLOYMENT_DETAIL_FIELDS,
    LEAF,
    Shape,
    known_paths,
    model_shape,
)


class PathSyntaxError(ValueError):
    """A field path that cannot be parsed."""


@dataclass(frozen=True)
class Segment:
    key: str
    each: bool = False  # followed by []

    def __str__(self) -> str:
        plain = self.key and all(c not in self.key for c in '.[]" ')
        text = self.key if plain else '"' + self.key.replace('"', '\\"') + '"'
        return text + ("[]" if self.each else "")


@dataclass(frozen=True)
class FieldPath:
    text: str
    segments: tuple[Segment, ...]

    @property
    def root(self) -> str:
        return self.segments[0].key

    def __str__(self) -> str:
        return self.text


def parse_path(text: str) -> FieldPath:
    """Parse a dotted field path; raise PathSyntaxError with a reason if it is malformed."""
    if not isinstance(text, str) or not text:
        raise PathSyntaxError("a field path must be a non-empty string")
    segments: list[Segment] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            j = i + 1
            key_chars: list[str] = []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                key_chars.append(text[j])
                j += 1
            if j >= n:
                raise PathSyntaxError(f"unclosed quote in field path {text!r}")
            key = "".join(key_chars)
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in '.[]"':
                j += 1
            key = text[i:j]
            if not key.strip() or key != key.strip():
                raise PathSyntaxError(f"empty or padded key in field path {text!r}"
                                      " (quote keys with spaces: tags.\"my key\")")
            i = j
        each = False
        if text.startswith("[]", i):
            each = True
            i += 2
        segments.append(Segment(key, each))
        if i == n:
            break
        if text[i] != ".":
            raise PathSyntaxError(f"unexpected {text[i]!r} at position {i + 1} of field path "
                                  f"{text!r}")
        i += 1
        if i == n:
            raise PathSyntaxError(f"field path {text!r} ends with a dot")
    return FieldPath(text, tuple(segments))


class _Missing:
    """The value of a field that is absent or null."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

Resolver = Callable[[Mapping[str, Any]], list[Any]]


def compile_value_resolver(path: FieldPath) -> Callable[[Mapping[str, Any]], Any]:
    """A function returning the one value a path without ``[]`` selects (MISSING when absent
    or null)."""
    if any(s.each for s in path.segments):
        raise ValueError(f"{path.text} selects every element of a list")
    keys = tuple(s.key for s in path.segments)

    def resolve_value(doc: Mapping[str, Any]) -> Any:
        value: Any = doc
        for key in keys:
            # Documents are plain dicts: test that first, the ABC check costs several times more.
            if type(value) is not dict and not isinstance(value, Mapping):
                return MISSING
            value = value.get(key)
            if value is None:
                return MISSING
        return value

    return resolve_value


def compile_resolver(path: FieldPath) -> Resolver:
    """A function returning the values a path selects in a document.

    Without ``[]`` that is one value (MISSING when absent or null). With ``[]`` it is one value
    per element; an empty or missing list yields a single MISSING, since "every element holds"
    must not be vacuously true.
    """
    segments = path.segments
    if not any(s.each for s in segments):
        resolve_value = compile_value_resolver(path)

        def resolve_plain(doc: Mapping[str, Any]) -> list[Any]:
            return [resolve_value(doc)]

        return resolve_plain

    def resolve_each(doc: Mapping[str, Any]) -> list[Any]:
        values: list[Any] = [doc]
        for segment in segments:
            next_values: list[Any] = []
            for value in values:
                if value is MISSING or not isinstance(value, Mapping):
                    next_values.append(MISSING)
                    continue
                child = value.get(segment.key)
                if child is None:
                    next_values.append(MISSING)
                elif segment.each:
                    if isinstance(child, list) and child:
                        next_values.extend(MISSING if c is None else c for c in child)
                    else:
                        next_values.append(MISSING)
                else:
                    next_values.append(child)
            values = next_values
        return values

    return resolve_each


# --- the catalogue of real field paths -------------------------------------------------------


def check_path(path: FieldPath, shape: Shape | None = None) -> str | None:
    """Why a path names no real field (with a suggestion), or None if it is fine."""
    node = shape or model_shape()
    walked = ""
    for index, segment in enumerate(path.segments):
        if node.type == "list":
            return f"'{walked}' is a list: write '{walked}[]' to look at every element"
        child = node.child(segment.key)
        if child is None:
            if node.type == "leaf":
                return f"'{walked}' is a single value and has no field '{segment.key}'"
            return f"unknown field '{path.text}'" + _suggest(path, index, node, shape)
        here = str(Segment(segment.key)) if not walked else f"{walked}.{Segment(segment.key)}"
        if segment.each:
            if child.type != "list":
                return f"'{here}' is not a list: remove '[]'"
            child = child.item or LEAF
            here += "[]"
        node = child
        walked = here
    # A path may end on a list: `contains` and `exists` judge the list as a whole.
    return None


def _suggest(path: FieldPath, index: int, node: Shape, root: Shape | None = None) -> str:
    """A " (did you mean ...?)" for a path whose segment ``index`` is not a member of ``node``."""
    options = list(node.members or {})
    key = path.segments[index].key
    close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
    if not close:
        by_case = {o.lower(): o for o in options}
        close = [by_case[key.lower()]] if key.lower() in by_case else []
    if close:
        fixed = list(path.segments)
        fixed[index] = Segment(close[0], fixed[index].each)
        return " (did you mean '" + ".".join(str(s) for s in fixed) + "'?)"
    full = difflib.get_close_matches(path.text, known_paths(root), n=1, cutoff=0.6)
    return f" (did you mean '{full[0]}'?)" if full else ""


def enrichments_of(path: FieldPath) -> frozenset[str]:
    """The added keys (fetched by extra calls) that a path needs: a model's enrichments (for a
    deployment field only GetCustomModelDeployment returns, also the hint
    ``deployments.details``), or an account document's settings."""
    found = frozenset({path.root}) & frozenset((*ENRICHMENT_KEYS, *POSTURE_KEYS))
    if path.root == ACCOUNT_KEY:
        # A model rule on its own account's settings: ``account.invocationLogging`` needs
        # that setting of the model's account and region; ``account.region`` the document.
        setting = path.segments[1].key if len(path.segments) > 1 else None
        return frozenset({f"{ACCOUNT_KEY}.{setting}" if setting in POSTURE_KEYS
                          else ACCOUNT_KEY})
    if (path.root == "deployments" and len(path.segments) > 1
            and path.segments[1].key in DEPLOYMENT_DETAIL_FIELDS):
        found |= {"deployments.details"}
    return found


# --- documents that do not have the shape AWS gives them ----------------------------------

_NUMERIC = frozenset({"integer", "long", "float", "double"})


def _scalar_problem(value: Any, scalar: str | None, in_map: bool) -> str | None:
    if scalar is None or value is None:
        return None
    if isinstance(value, (dict, list)):
        return f"must be a single value, not {'an object' if isinstance(value, dict) else 'a list'}"
    if scalar in ("string", "timestamp"):
        # Map values (hyperParameters, tags) are strings at AWS; a number written without
        # quotes in a YAML document means the same.
        if isinstance(value, str) or (in_map and isinstance(value, (int, float))
                                      and not isinstance(value, bool)):
            return None
        return f"must be a string, not {value!r}"
    if scalar in _NUMERIC:
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return None  # a string that is not a number is judged (and fails) by the rules
        return f"must be a number, not {value!r}"
    if scalar == "boolean" and not isinstance(value, bool):
        return f"must be true or false, not {value!r}"
    return None


def document_problem(doc: Mapping[str, Any], shape: Shape | None = None) -> str | None:
    """Where a model document does not have the shape of AWS's response, or None.

    Containers must be what AWS returns (an object where AWS gives an object, a list where it
    gives a list) and single values of the right kind, so a malformed document is refused
    instead of judged. Keys AWS does not know are left alone; null is allowed anywhere.
    """
    return _problem(doc, shape or model_shape(), "", in_map=False)


def _problem(value: Any, shape: Shape, path: str, *, in_map: bool) -> str | None:
    if value is None:
        return None
    if shape.type == "structure":
        if not isinstance(value, Mapping):
            return f"{path or 'the document'} must be an object, not {value!r}"
        for key, child in (shape.members or {}).items():
            if key in value:
                found = _problem(value[key], child, f"{path}.{key}" if path else key,
                                 in_map=False)
                if found:
                    return found
        return None
    if shape.type == "map":
        if not isinstance(value, Mapping):
            return f"{path} must be an object, not {value!r}"
        item = shape.item or LEAF
        for key, child_value in value.items():
            found = _problem(child_value, item, f"{path}.{key}", in_map=True)
            if found:
                return found
        return None
    if shape.type == "list":
        if not isinstance(value, list):
            return f"{path} must be a list, not {value!r}"
        item = shape.item or LEAF
        for index, element in enumerate(value):
            found = _problem(element, item, f"{path}[{index}]", in_map=False)
            if found:
                return found
        return None
    reason = _scalar_problem(value, shape.scalar, in_map)
    return f"{path} {reason}" if reason else None
