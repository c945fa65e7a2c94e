"""The JSON report written a batch of entries at a time, as UTF-8: the text json.dumps writes.

``json_chunks`` makes the report's long lists (models, violations, waived, errors) a batch
at a time, one orjson call each, and hands the bytes to the file as they are; the text must
be ``json.dumps(report_dict(report), indent=2, ensure_ascii=False)`` character for character
across batch boundaries, for any finding's ``actual``, and where a batch falls back to the
pure-Python writer (a value orjson refuses or writes differently).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.reports import json_report, render_chunks
from checker.reports.atomic import Utf8Pieces, write_atomic
from checker.reports.json_report import dumps_indented, json_chunks, render_json, report_dict
from checker.reports.streamed import slots, spliced
from checker.results import Report, Status
from tests.support import report_fixtures as fx

P, F, N, W, E = (Status.PASS, Status.FAIL, Status.NOT_APPLICABLE, Status.WAIVED,
                 Status.ERROR)
RULES = [fx.rule("bench", f"rule-{i}", ("low", "high")[i % 2], labels=("a", "模型")[:i % 3],
                 remediation="Fix it." if i % 2 else None) for i in range(3)]


def expected_text(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


def written(report: Report, tmp_path: Path) -> bytes:
    target = tmp_path / "report.json"
    write_atomic(target, json_chunks(report))
    return target.read_bytes()


def many(count: int, actual: Any = "x", *, every: int = 1) -> Report:
    """``count`` models, each failing the second rule (``actual`` on every ``every``-th
    model, a string on the others) and waived on the third."""
    models = {}
    violations, waived = [], []
    for index in range(count):
        ref = fx.model(f"model-{index:05d}-{'ü' if index % 7 == 0 else 'u'}")
        models[ref] = {RULES[0].qualified_id: P, RULES[1].qualified_id: F,
                       RULES[2].qualified_id: W if index % 3 else N}
        violations.append(fx.finding(ref, RULES[1], actual=actual if index % every == 0
                                     else f"value {index}", message=f"bad \"{index}\"\n"))
        if index % 3:
            waived.append(fx.finding(ref, RULES[2], actual=index, waiver=fx.WAIVER))
    return fx.build_report(rules=RULES, models=models, violations=violations, waived=waived)


@pytest.mark.parametrize("count", [0, 1, json_report.BATCH - 1, json_report.BATCH,
                                   json_report.BATCH + 1, 2 * json_report.BATCH + 7])
def test_a_report_of_many_entries_is_written_as_json_dumps_writes_it(
        count: int, tmp_path: Path) -> None:
    report = many(count, actual=1e-05, every=3)
    text = expected_text(report)
    assert written(report, tmp_path) == text.encode("utf-8")
    assert render_json(report) == text
    assert "".join(render_chunks(report, "json")) == text


@pytest.mark.parametrize("actual", [
    2**70,  # past orjson's 64 bits
    {1: "int key"},  # json turns it into a string
    Status.FAIL,  # an enum
    OrderedDict([("b", 1), ("a", 0.1)]),  # a dict subclass
    [float("nan"), float("inf"), -0.0, 1e16],
    {"deep": [[], {}, [{"x": [1, "2", 5e-324]}]]},
    "\u2028 \x00 \"quoted\" \\",
], ids=["big-int", "int-key", "enum", "ordered-dict", "odd-floats", "nested", "escapes"])
def test_a_batch_orjson_would_write_otherwise_falls_back_and_is_exact(
        actual: Any, tmp_path: Path) -> None:
    # One odd value in the second batch of violations: every batch is still json's text.
    report = many(json_report.BATCH + 3, actual=actual, every=json_report.BATCH + 1)
    text = expected_text(report)
    assert written(report, tmp_path) == text.encode("utf-8")
    assert render_json(report) == text


def test_a_value_json_refuses_is_refused() -> None:
    report = many(3, actual={1, 2})
    with pytest.raises(TypeError):
        json.dumps(report_dict(report))
    with pytest.raises(TypeError):
        render_json(report)


def test_a_lone_surrogate_is_text_as_json_writes_it_but_no_utf8(tmp_path: Path) -> None:
    report = many(2, actual="\udc80")
    assert render_json(report) == expected_text(report)
    with pytest.raises(UnicodeEncodeError):
        written(report, tmp_path)


@pytest.mark.parametrize("make", [fx.rich_report, fx.hostile_report, fx.empty_report,
                                  fx.clean_report], ids=["rich", "hostile", "empty", "clean"])
def test_the_report_fixtures_are_written_as_json_dumps_writes_them(make: Any,
                                                                   tmp_path: Path) -> None:
    report = make()
    assert written(report, tmp_path) == expected_text(report).encode("utf-8")


def test_utf8_pieces_are_written_as_bytes_and_read_as_text(tmp_path: Path) -> None:
    pieces = Utf8Pieces(lambda: [b"{\n", memoryview(b"  \xe6\xa8\xa1: 1"), "\n}\n"])
    assert list(pieces) == ["{\n", "  模: 1", "\n}\n"]
    assert list(pieces) == ["{\n", "  模: 1", "\n}\n"]  # made again each time
    write_atomic(tmp_path / "r.json", pieces)
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == "{\n  模: 1\n}\n"


_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=8)
_entries = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2**70, 2**70), _text),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(_text, children, max_size=3)),
    max_leaves=10)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(_text, _entries, max_size=4), max_size=12),
       st.integers(1, 3), st.integers(1, 5))
def test_entries_spliced_into_a_list_at_any_depth_read_as_json_writes_them(
        entries: list[dict[str, Any]], depth: int, batch: int) -> None:
    # Entries of strings, integers and containers (floats are made exact by the report's
    # own entry makers), lone surrogates and integers past 64 bits included: the batches
    # orjson refuses are written by the pure-Python writer.
    place = slots(1)

    def nest(value: Any) -> Any:
        for level in range(depth):
            value = {f"level{level}": value, "after": level}
        return value

    text = dumps_indented(nest([place[0]])) + "\n"
    original = json_report.BATCH
    json_report.BATCH = batch
    try:
        pieces = list(spliced(text, place, [
            lambda indent: json_report._batches(dict, entries, indent)]))
    finally:
        json_report.BATCH = original
    made = "".join(p if isinstance(p, str) else str(p, "utf-8") for p in pieces)
    assert made == json.dumps(nest(entries), indent=2, ensure_ascii=False) + "\n"


def test_a_top_level_list_is_not_spliced() -> None:
    with pytest.raises(ValueError, match="inside an object"):
        list(json_report._batches(dict, [{}], 2))
