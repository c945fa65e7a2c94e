"""Writing a JSON document whose long lists are written a batch of entries at a time.

``dumps_indented`` writes a whole value at once. A report's long lists (a model per model
read, a finding per violation) are left out of the value as slots, the rest written as one
text, and the entries written in their place, a batch at a time, as UTF-8: the text of a
nested value is its own text with every line break indented one level deeper, as
``json.dumps(indent=2)`` writes it.

A long array of records most of which differ in a few leaves only (ASFF's findings and
OCSF's events, one per model and rule) is written from templates: ``Template`` is the text
of a value with holes, written once and filled many times, and ``Records`` writes the
records of (model, rule) outcomes with one template per rule.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from checker.reports.atomic import Piece
from checker.reports.json_report import dumps_indented
from checker.reports.outcomes import RuleOutcome
from checker.results import ModelRef, Status

# The entries of one list, given the indentation of its items (a number of spaces): texts
# (UTF-8 bytes, or str) that, put one after the other, are the items as they stand in the
# list between its brackets, each after a line break, separated by commas (each text starts
# with a line break; none ends with a comma).
Batches = Callable[[int], Iterable[Piece]]


def slots(count: int) -> list[str]:
    """Strings that stand for ``count`` lists in a value: a NUL and a random token are in
    no text of a report."""
    token = secrets.token_hex(16)
    return [f"\0{token}/{number}\0" for number in range(count)]


def spliced(text: str, slot_strings: Sequence[str],
            batches: Sequence[Batches]) -> Iterator[Piece]:
    """``text`` (dumps_indented of a value in which each slot string is the one element of a
    list) with each slot's list replaced by the texts of its ``batches``, in pieces: what
    dumps_indented writes for the value with those lists in it."""
    rest = text
    for slot, entries in zip(slot_strings, batches, strict=True):
        head, rest = rest.split(dumps_indented(slot), 1)
        inner = head[head.rindex("\n") + 1:]
        close = rest.index("]") + 1
        yield head[:-len(inner) - 2]  # up to the list's "[\n" + indent
        separator = "["
        for block in entries(len(inner)):
            yield separator
            yield block
            separator = ","
        # An empty list is written "[]"; else the list's own closing line.
        yield "[]" if separator == "[" else rest[:close]
        rest = rest[close:]
    yield rest


# Holes in a value made into a Template: a NUL and a random token are in no text of a report.
_HOLE = secrets.token_hex(16)
_HOLES = re.compile(r'"\\u0000' + _HOLE + r'/(\w+)\\u0000"')


def hole(name: str) -> str:
    """A leaf of a value made into a Template that stands for the text named ``name``
    (letters, digits, underscores)."""
    return f"\0{_HOLE}/{name}\0"


class Template:
    """The text ``encode`` writes for ``value``, in which some leaves are holes
    (``hole(name)``): written once, and filled many times with the texts (already written by
    ``encode``) of the records of a kind that differ in those leaves alone. A record of
    ASFF or OCSF is mostly the same for every record of its rule, or of its model: written
    this way, only what differs is written per record."""

    def __init__(self, value: Any, encode: Callable[[Any], str]) -> None:
        parts = _HOLES.split(encode(value))
        # The texts between the holes, and the holes' names: [text, name, ..., name, text].
        names = parts[1::2]
        self._get: Callable[[Mapping[str, str]], Iterable[str]] = (
            itemgetter(*names) if len(names) > 1
            else lambda texts: [texts[name] for name in names])
        self._buffer = parts

    def __call__(self, texts: Mapping[str, str]) -> str:
        """The text with each hole's named text in its place (``texts`` may hold more)."""
        pieces: list[str] = []
        self.into(pieces, texts)
        return "".join(pieces)

    def into(self, pieces: list[str], texts: Mapping[str, str]) -> None:
        """Add the pieces of the filled text to ``pieces``: joined with others, the text is
        never a string of its own."""
        self._buffer[1::2] = self._get(texts)
        pieces += self._buffer


# Records per piece of a streamed array of records.
BATCH = 500


class Records:
    """The text of each (model, rule) outcome's record (ASFF, OCSF), as ``encode`` writes
    the dict ``record`` makes of it. A passed outcome's record (most of them) is its
    template filled: the template made once per rule and shape (``shape``), from the first
    such record with the leaves that differ from model to model made holes (``holed``), and
    filled with the model's texts (``model_texts``, written once per model: a model's
    outcomes come one after the other) and the record's own (``record_texts``)."""

    def __init__(self, record: Callable[[RuleOutcome], dict[str, Any]],
                 encode: Callable[[Any], str]) -> None:
        self.record, self.encode = record, encode
        self.templates: dict[tuple[Any, ...], Template] = {}
        self.model: ModelRef | None = None
        self.texts: dict[str, str] = {}
        self.model_shape: Any = None

    def chunks(self, outcomes: Iterable[RuleOutcome]) -> Iterator[str]:
        """A JSON array of the outcomes' records, one a line (``[]`` for none), a batch of
        BATCH records a piece."""
        pieces = ["[\n"]
        count = 0
        for outcome in outcomes:
            self.into(pieces, outcome)
            pieces.append(",\n")
            count += 1
            if count % BATCH == 0:
                pieces[-1] = ""
                yield "".join(pieces)
                pieces = [",\n"]
        if count % BATCH:
            pieces[-1] = ""
            yield "".join(pieces)
        yield "\n]\n" if count else "[]\n"

    def into(self, pieces: list[str], outcome: RuleOutcome) -> None:
        """Add the pieces of the outcome's record to ``pieces``."""
        if outcome.status is not Status.PASS:
            pieces.append(self.encode(self.record(outcome)))
            return
        model = outcome.model
        if model is not self.model:
            self.model, self.texts = model, self.model_texts(model)
            self.model_shape = self.shape(model)
        shape = (id(outcome.rule), self.model_shape)
        template = self.templates.get(shape)
        if template is None:
            template = self.templates[shape] = Template(
                self.holed(self.record(outcome)), self.encode)
        self.record_texts(outcome, self.texts)
        template.into(pieces, self.texts)

    def shape(self, model: ModelRef) -> Any:
        """What of the model, besides the texts of its holes, a passed record's text depends
        on (with its rule)."""
        return None

    def holed(self, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` with the leaves that differ from model to model made holes."""
        raise NotImplementedError

    def model_texts(self, model: ModelRef) -> dict[str, str]:
        """The texts of the holes that depend on the model alone."""
        raise NotImplementedError

    def record_texts(self, outcome: RuleOutcome, texts: dict[str, str]) -> None:
        """Put the texts of the holes that depend on the model and the rule in ``texts``."""
        raise NotImplementedError
