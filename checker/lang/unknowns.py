"""Which fields a rule read, so values known only after apply can never decide a gate.

A planned model (a Terraform plan) may have fields whose values are unknown until apply.
They are absent from its document; judged as absent, a check could pass (an absent
hyperparameter means "AWS default") or fail for the wrong reason. So the engine hands the
check a read-recording view of the document and asks afterwards whether any read touched
an unknown field: then the rule is ``error``, and for ``when`` and ``scope.when`` the doubt
counts as "applies".

The view is a ``dict`` subclass, so every check sees an ordinary mapping (``isinstance``,
``.get``, JSON encoding all work); only planned models with unknown fields get one.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

Path = tuple[str, ...]
T = TypeVar("T")

_ABSENT: Any = object()


class ReadLog:
    """The field paths read through a :class:`TrackedDocument`."""

    def __init__(self) -> None:
        self.paths: set[Path] = set()

    def touches(self, unknown: Sequence[Path]) -> list[Path]:
        """The unknown paths that a read reached: the same field, one inside it, or a
        container holding it that was read as a whole (or found missing)."""
        hits = []
        for target in unknown:
            for read in self.paths:
                shorter = min(len(read), len(target))
                if read[:shorter] == target[:shorter]:
                    hits.append(target)
                    break
        return hits


class TrackedDocument(dict):  # type: ignore[type-arg]
    """A mapping that records each field read. Walking into a nested object records
    nothing by itself (the reads inside it do); a scalar, a list, a missing key, or
    iterating the object records the path."""

    def __init__(self, data: Mapping[str, Any], log: ReadLog, path: Path = ()) -> None:
        super().__init__(data)
        self._log = log
        self._path = path

    def _wrap(self, key: Any, value: Any) -> Any:
        path = (*self._path, str(key))
        if isinstance(value, Mapping) and value:
            return TrackedDocument(value, self._log, path)
        self._log.paths.add(path)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        value = dict.get(self, key, _ABSENT)
        if value is _ABSENT:
            self._log.paths.add((*self._path, str(key)))
            return default
        return self._wrap(key, value)

    def __getitem__(self, key: Any) -> Any:
        if not dict.__contains__(self, key):
            self._log.paths.add((*self._path, str(key)))
        return self._wrap(key, dict.__getitem__(self, key))

    def __contains__(self, key: object) -> bool:
        self._log.paths.add((*self._path, str(key)))
        return dict.__contains__(self, key)

    def _whole(self) -> None:
        self._log.paths.add(self._path)

    def __iter__(self) -> Iterator[Any]:
        self._whole()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._whole()
        return dict.__len__(self)

    def keys(self) -> Any:
        self._whole()
        return dict.keys(self)

    def values(self) -> Any:
        self._whole()
        return dict.values(self)

    def items(self) -> Any:
        self._whole()
        return dict.items(self)


def tracked(doc: Mapping[str, Any]) -> tuple[TrackedDocument, ReadLog]:
    """A read-recording view of a document, and the log it writes to."""
    log = ReadLog()
    return TrackedDocument(doc, log), log


def show_paths(paths: Sequence[Path]) -> str:
    return ", ".join(".".join(p) for p in paths)


# --- values that are one of a few -------------------------------------------------------------

# Groups of unknown paths that will all hold one value, and the values it can be.
Choices = Sequence[tuple[Sequence[Path], Sequence[Any]]]


def with_value(doc: Mapping[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of the document with ``value`` at ``path`` (objects on the way copied)."""
    copy = dict(doc)
    if len(path) == 1:
        copy[path[0]] = value
        return copy
    inner = copy.get(path[0])
    copy[path[0]] = with_value(inner if isinstance(inner, Mapping) else {}, path[1:], value)
    return copy


def judge_unknowns(test: Callable[[Mapping[str, Any]], T], doc: Mapping[str, Any],
                   unknown: Sequence[Path], choices: Choices = ()) -> tuple[list[T], list[Path]]:
    """Run ``test`` on the document as far as it is known.

    Returns the results and the unknown paths it could not do without. When the test reads
    no unknown field, that is one result and no path. When every unknown field it reads has
    a known set of possible values, it is run once per value (each group of paths sharing a
    value set together) and all the results come back, for the caller to see whether they
    agree. Otherwise no result, and the paths it read.
    """
    view, log = tracked(doc)
    result = test(view)
    hits = log.touches(unknown)
    if not hits:
        return [result], []
    groups = [(paths, values) for paths, values in choices
              if any(path in hits for path in paths)]
    covered = {path for paths, _ in groups for path in paths}
    if not groups or any(hit not in covered for hit in hits):
        return [], hits
    rest = [path for path in unknown if path not in covered]
    results: list[T] = []
    for combination in itertools.product(*(values for _, values in groups)):
        variant: Mapping[str, Any] = doc
        for (paths, _), value in zip(groups, combination, strict=True):
            for path in paths:
                variant = with_value(variant, path, value)
        found, missing = judge_unknowns(test, variant, rest)
        if missing:
            return [], [*hits, *missing]
        results.extend(found)
    return results, []


# --- sensitive values ---------------------------------------------------------------------

def _get_path(doc: Any, path: Path) -> Any:
    for key in path:
        doc = doc.get(key) if isinstance(doc, Mapping) else None
    return doc


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif value is not None:
        yield value


def secret_texts(doc: Mapping[str, Any], paths: Sequence[Path]) -> tuple[str, ...]:
    """The texts of the values at sensitive paths, as they could appear in a message (raw and
    JSON-quoted), longest first so a longer secret is hidden before a part of it."""
    texts: set[str] = set()
    for path in paths:
        for leaf in _leaves(_get_path(doc, path)):
            raw = leaf if isinstance(leaf, str) else json.dumps(leaf)
            if raw:
                texts.add(raw)
                texts.add(json.dumps(raw, ensure_ascii=False))
    return tuple(sorted(texts, key=len, reverse=True))


def hide(text: str, secrets: Sequence[str], mask: str) -> str:
    """``text`` with every secret replaced by ``mask`` (one pass, longest secret first, so
    the mask itself is never rewritten)."""
    if not secrets or not any(s in text for s in secrets):
        return text
    return re.sub("|".join(re.escape(s) for s in secrets), mask, text)


def hide_value(value: Any, secrets: Sequence[str], mask: str) -> Any:
    """A value shown in a report: the mask if it is or holds a secret."""
    if value is None or not secrets:
        return value
    if isinstance(value, str):
        return mask if any(s in value for s in secrets) else value
    text = json.dumps(value, ensure_ascii=False, default=str)
    return mask if any(s in text for s in secrets) else value


def redact_document(doc: Mapping[str, Any], paths: Sequence[Path],
                    mask: str) -> dict[str, Any]:
    """A copy of the document with the value at each sensitive path replaced by the mask."""
    copy = dict(doc)
    for path in paths:
        if _get_path(copy, path) is not None:
            copy = with_value(copy, path, mask)
    return copy
