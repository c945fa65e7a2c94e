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

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Path = tuple[str, ...]

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
