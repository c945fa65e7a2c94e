"""Writing a JSON document whose long lists are written entry by entry.

``dumps_indented`` writes a whole value at once. A report's long lists (a model per model
read, a finding per violation) are left out of the value as slots, the rest written as one
text, and each entry written on its own, in its place: the text of a nested value is its own
text with every line break indented one level deeper, as ``json.dumps(indent=2)`` writes it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence

from checker.reports.json_report import dumps_indented

# Entries per piece written.
BATCH = 500


def slots(count: int) -> list[str]:
    """Strings that stand for ``count`` lists in a value: a NUL and a random token are in
    no text of a report."""
    token = secrets.token_hex(16)
    return [f"\0{token}/{number}\0" for number in range(count)]


def spliced(text: str, slot_strings: Sequence[str],
            entries: Sequence[Iterable[str]]) -> Iterator[str]:
    """``text`` (dumps_indented of a value in which each slot string is the one element of a
    list) with each slot's list replaced by the texts of ``entries`` (each entry as
    dumps_indented writes it alone), in pieces: what dumps_indented writes for the value with
    those lists in it."""
    rest = text
    for slot, texts in zip(slot_strings, entries, strict=True):
        head, rest = rest.split(dumps_indented(slot), 1)
        inner = head[head.rindex("\n") + 1:]
        close = rest.index("]") + 1
        deeper = "\n" + inner
        pending = [head[:-len(inner) - 2]]  # up to the list's "[\n" + indent
        separator = "[" + deeper
        for entry in texts:
            pending.append(separator + entry.replace("\n", deeper))
            separator = "," + deeper
            if len(pending) >= BATCH:
                yield "".join(pending)
                pending = []
        # An empty list is written "[]"; else the list's own closing line.
        pending.append("[]" if separator[0] == "[" else rest[:close])
        yield "".join(pending)
        rest = rest[close:]
    yield rest
