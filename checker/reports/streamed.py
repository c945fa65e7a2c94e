"""Writing a JSON document whose long lists are written a batch of entries at a time.

``dumps_indented`` writes a whole value at once. A report's long lists (a model per model
read, a finding per violation) are left out of the value as slots, the rest written as one
text, and the entries written in their place, a batch at a time, as UTF-8: the text of a
nested value is its own text with every line break indented one level deeper, as
``json.dumps(indent=2)`` writes it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence

from checker.reports.atomic import Piece
from checker.reports.json_report import dumps_indented

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
