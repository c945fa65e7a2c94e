"""The JSON report (schema_version 1): a stable interface and an audit record."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from json.encoder import encode_basestring
from typing import Any

import orjson

from checker import TOOL_NAME
from checker.collector import collector_paused
from checker.reports.atomic import Piece, Utf8Pieces
from checker.reports.compliance import compliance_dict
from checker.results import (
    SCHEMA_VERSION,
    Finding,
    ModelResult,
    Report,
    ReportError,
    RuleInfo,
    Status,
)

# Status.value through the enum machinery, once per model and rule, is measurably slow.
_STATUS_TEXT = {status: status.value for status in Status}


def finding_dict(finding: Finding) -> dict[str, Any]:
    return _finding_data(finding, list(finding.rule.labels), finding.actual)


def _finding_entry(finding: Finding) -> dict[str, Any]:
    """finding_dict for orjson, made quicker: the labels given as they are (a tuple, which
    orjson writes as a list, as json does) and ``actual``, the one field that may hold a
    float, as orjson writes exactly what json does (_exact)."""
    return _finding_data(finding, finding.rule.labels, exact_actual(finding.actual))


def _finding_data(finding: Finding, labels: Sequence[str], actual: Any) -> dict[str, Any]:
    model, rule = finding.model, finding.rule
    data: dict[str, Any] = {
        "model_arn": model.arn,
        "model_name": model.name,
        "account_id": model.account_id,
        "region": model.region,
        "kind": model.kind,
        "policy": rule.policy,
        "rule": rule.id,
        "severity": finding.severity,
        "title": rule.title,
        "labels": labels,
        "field": finding.field,
        "expected": finding.expected,
        "actual": actual,
        "message": finding.message,
    }
    # The keys a finding has only sometimes, after the others.
    if model.address:
        data["address"] = model.address
    if finding.exposure is not None:
        # The severity above is the rule's served_severity: say why.
        data["exposure"] = finding.exposure
        data["rule_severity"] = rule.severity
    if rule.remediation:
        data["remediation"] = rule.remediation
    if finding.known:
        data["known"] = True
    if finding.waiver is not None:
        data["waiver"] = {"reason": finding.waiver.reason,
                          "expires": finding.waiver.expires.isoformat()}
    return data


def exact_actual(actual: Any) -> Any:
    """A finding's ``actual`` (a string or None, mostly) as orjson writes exactly what json
    does (_exact)."""
    return actual if actual is None or type(actual) is str else _exact(actual)




def rule_dict(rule: RuleInfo) -> dict[str, Any]:
    data: dict[str, Any] = {"id": rule.id, "severity": rule.severity, "title": rule.title,
                            "labels": list(rule.labels), "kind": rule.kind, "line": rule.line}
    if rule.served_severity is not None:
        data["served_severity"] = rule.served_severity
    if rule.compliance:
        data["compliance"] = {key: list(controls) for key, controls in rule.compliance}
    if rule.remediation:
        data["remediation"] = rule.remediation
    if rule.link:
        data["link"] = rule.link
    return data


def error_dict(error: ReportError) -> dict[str, Any]:
    data = {
        "model_arn": error.model_arn,
        "model_name": error.model_name,
        "account_id": error.account_id,
        "region": error.region,
        "rule": error.rule,
        "code": error.code,
        "message": error.message,
    }
    if error.address:
        data["address"] = error.address
    return data


def model_dict(result: ModelResult) -> dict[str, Any]:
    model = result.model
    data = {"model_arn": model.arn, "model_name": model.name,
            "account_id": model.account_id, "region": model.region,
            "kind": model.kind, "result": result.result,
            "results": {rule: _STATUS_TEXT[status] for rule, status in result.results.items()}}
    if model.address:
        # A planned model's Terraform address: for_each instances may share a name.
        data["address"] = model.address
    return data


def _model_entry(result: ModelResult) -> dict[str, Any]:
    """model_dict for orjson: the statuses given as they are (str enums, which orjson
    writes as their text) rather than copied into a new dict of texts."""
    model = result.model
    data = {"model_arn": model.arn, "model_name": model.name,
            "account_id": model.account_id, "region": model.region,
            "kind": model.kind, "result": result.result, "results": result.results}
    if model.address:
        data["address"] = model.address
    return data


def _eager(make: Callable[[Any], dict[str, Any]], items: Sequence[Any]) -> list[dict[str, Any]]:
    return [make(item) for item in items]


# How a long list of entries is given: built now (_eager), or left as a slot for
# entries written in its place (json_chunks).
Entries = Callable[[Callable[[Any], dict[str, Any]], Sequence[Any]], Any]


def report_dict(report: Report, *, with_compliance: bool = True) -> dict[str, Any]:
    """The report as JSON data, keys in the documented order (``compliance``, derived from
    the rest, left out without ``with_compliance``)."""
    return _report_data(report, _eager, with_compliance=with_compliance)


def _scanned(report: Report) -> dict[str, Any]:
    scanned = report.scanned
    data: dict[str, Any] = {"sources": list(scanned.sources),
                            "accounts": list(scanned.accounts),
                            "regions": list(scanned.regions)}
    org = scanned.organization
    if org is not None:
        data["organization"] = {"id": org.id, "ous": list(org.ous),
                                "accounts": {"read": list(org.read),
                                             "skipped": list(org.skipped),
                                             "failed": list(org.failed)}}
    if scanned.models:
        data["models"] = list(scanned.models)
    if scanned.include_imported:
        data["include_imported"] = True
    if scanned.reads:
        data["reads"] = [{"account_id": account, "region": region}
                         for account, region in scanned.reads]
    return data


def _report_data(report: Report, entries: Entries, *, with_compliance: bool = True,
                 model_entry: Callable[[ModelResult], dict[str, Any]] = model_dict
                 ) -> dict[str, Any]:
    summary = report.summary
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "generated_at": report.generated_at,
        "scanned": _scanned(report),
        "fail_on": report.fail_on,
        "rule_filters": {"rule": list(report.rule_filters.rule),
                         "skip_rule": list(report.rule_filters.skip_rule)},
        "policies": [
            {"name": p.name, "file": p.file, "sha256": p.sha256,
             "rules": [rule_dict(r) for r in p.rules],
             "variables": dict(p.variables)}
            for p in report.policies
        ],
        "summary": {
            "models": summary.models,
            "policies": summary.policies,
            "rules": summary.rules,
            "violations": summary.violations,
            "waived": summary.waived,
            "errors": summary.errors,
            "not_evaluated": summary.not_evaluated,
            "result": summary.result,
        },
        "models": entries(model_entry, report.models),
        "violations": entries(finding_dict, report.violations),
        "waived": entries(finding_dict, report.waived),
        "warnings": [{"code": w.code, "message": w.message} for w in report.warnings],
        "errors": entries(error_dict, report.errors),
    }
    if report.framework is not None:
        data["framework"] = report.framework
        if with_compliance:
            data["compliance"] = compliance_dict(report)
    return data


def render_json(report: Report, *, color: bool = False) -> str:
    # The pieces json_chunks writes, put together. The entries make no reference cycles:
    # the cycle collector, which would walk every one made so far again and again, is off
    # meanwhile (write_output pauses it the same way while a report is streamed).
    with collector_paused():
        return "".join(json_chunks(report))


def json_chunks(report: Report, *, color: bool = False) -> Utf8Pieces:
    """The text of render_json in pieces (UTF-8 as made; ``str`` when iterated): the report
    around its four long lists (models, violations, waived, errors), then their entries
    made and written in their place, a batch at a time."""
    return Utf8Pieces(lambda: _json_blocks(report))


def _json_blocks(report: Report) -> Iterator[Piece]:
    from checker.reports.streamed import Batches, slots, spliced

    places = slots(4)
    lists: list[Batches] = []

    def slot(make: Callable[[Any], dict[str, Any]], items: Sequence[Any]) -> list[str]:
        lists.append(lambda indent: _batches(make, items, indent))
        return [places[len(lists) - 1]]

    text = dumps_indented(_report_data(report, slot)) + "\n"
    return spliced(text, places, lists)


# The entry makers whose entries orjson writes as json writes report_dict's: a model's
# statuses given as they are (str enums, which orjson writes as their text).
_QUICK: dict[Callable[[Any], dict[str, Any]], Callable[[Any], dict[str, Any]]] = {
    model_dict: _model_entry, finding_dict: _finding_entry}
# Entries per batch: one orjson call each.
BATCH = 500
# The indentation of a report's top-level list's entries.
_INDENT = 4


def _batches(make: Callable[[Any], dict[str, Any]], items: Sequence[Any],
             indent: int, quick: Callable[[Any], dict[str, Any]] | None = None
             ) -> Iterator[Piece]:
    """The entries made of ``items``, BATCH at a time, as they stand in their list (items
    indented by ``indent``: streamed.Batches), each batch written by one orjson call.

    The entries are made by ``make``'s quicker twin (_QUICK), for orjson: strings, None,
    booleans, integers that count, a model's statuses (str enums, which orjson writes as
    their text, as json does) and a finding's ``actual`` made exact (_exact); the text is
    json's. A batch orjson refuses (a lone surrogate, an integer past 64 bits, an unusual
    ``actual``) is written entry by entry by dumps_indented, the entries made by ``make``
    itself, as report_dict makes them: as text (a lone surrogate is text, but no UTF-8).
    Another writer's ``quick`` (SARIF's results) makes its entries for orjson the same way,
    raising _Unusual (or TypeError) where ``make``'s must be written by dumps_indented."""
    if indent < _INDENT or indent % 2:
        raise ValueError("the entries of a list inside an object or a list only, "
                         "indented as json.dumps(indent=2) indents")
    quick = quick or _QUICK.get(make, make)
    deeper = "\n" + " " * (indent - _INDENT)
    # The entries' list in as many objects as put its entries at ``indent`` in orjson's text
    # (two spaces a level): written where they stand, never indented again.
    depth = indent // 2 - 1
    opened, closed = _frame(depth)
    for start in range(0, len(items), BATCH):
        part = items[start:start + BATCH]
        try:
            # A view of the entries in orjson's text: not a copy.
            yield memoryview(orjson.dumps(_wrapped([quick(item) for item in part], depth),
                                          option=_ORJSON))[opened:-closed]
        except (TypeError, _Unusual):
            block = ",".join([
                "\n    " + dumps_indented(make(item)).replace("\n", "\n    ")
                for item in part])
            yield block.replace("\n", deeper) if depth > 1 else block


def _wrapped(entries: list[Any], depth: int) -> Any:
    """``entries`` in ``depth`` objects, each under the key ""."""
    value: Any = entries
    for _ in range(depth):
        value = {"": value}
    return value


@functools.lru_cache(maxsize=16)
def _frame(depth: int) -> tuple[int, int]:
    """How many bytes of orjson's text of _wrapped(entries, depth) are before the first
    entry's line break, and after the last entry."""
    text = orjson.dumps(_wrapped([0], depth), option=_ORJSON)
    return text.index(b"[") + 1, len(text) - text.index(b"0") - 1


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, character for character.

    With ``indent`` the standard library leaves its C encoder for a pure-Python one, which
    made writing a large report (10,000 models) cost more than judging them. orjson (C, via
    Rust) writes the same text for strings, integers, lists and objects; floats, which it
    spells its own way (``0.00001`` for ``1e-05``), are handed to it already written as
    ``float.__repr__`` does, so every number reads back as exactly the value it was. What
    orjson refuses (integers past 64 bits, lone surrogates, non-string keys, types json
    does not know) goes to the pure-Python writer below, which refuses what json refuses.
    """
    try:
        return orjson.dumps(_exact(value), option=_ORJSON).decode()
    except (TypeError, _Unusual):  # orjson.JSONEncodeError is a TypeError
        parts: list[str] = []
        _write(value, parts.append, "")
        return "".join(parts)


# What json refuses (datetimes, dataclasses) must not be written by orjson either.
_ORJSON = (orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME
           | orjson.OPT_PASSTHROUGH_DATACLASS)


class _Unusual(Exception):
    """A value orjson could write differently from json: the pure-Python writer writes it."""


def _exact(value: Any) -> Any:
    """``value`` as orjson writes exactly as json does: floats become their text; a value that
    needs nothing is returned as it is (not copied). Raises
    _Unusual where only the pure-Python writer can be exact (or refuse as json does)."""
    kind = type(value)
    if kind is str or value is None or kind is bool or kind is int:
        return value
    if kind is dict:
        changed: dict[str, Any] | None = None
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual  # json turns them into strings, maybe into duplicates
            exact = _exact(item)
            if exact is not item:
                if changed is None:
                    changed = dict(value)
                changed[key] = exact
        return value if changed is None else changed
    if kind is list or kind is tuple:
        items = [_exact(item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, float):
        return orjson.Fragment(_float(value))
    if isinstance(value, (str, int, dict, list, tuple)):
        raise _Unusual  # subclasses: enums, OrderedDict, named tuples
    raise TypeError(f"Object of type {kind.__name__} is not JSON serializable")


_INFINITY = float("inf")
_ONLY_STRINGS = {str}


def _float(value: float) -> str:
    # As json.dumps writes floats (allow_nan=True).
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    # As json.dumps turns the keys it accepts into strings.
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _write(value: Any, out: Callable[[str], None], indent: str) -> None:
    # The same type tests, in the same order, as json.encoder's _iterencode.
    if isinstance(value, str):
        out(encode_basestring(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(int.__repr__(value))
    elif isinstance(value, float):
        out(_float(value))
    elif isinstance(value, (list, tuple)):
        _write_list(value, out, indent)
    elif isinstance(value, dict):
        _write_dict(value, out, indent)
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _write_list(value: Any, out: Callable[[str], None], indent: str) -> None:
    if not value:
        out("[]")
        return
    inner = indent + "  "
    separator = "[\n" + inner
    for item in value:
        if type(item) is str:  # labels, say
            out(separator + encode_basestring(item))
        else:
            out(separator)
            _write(item, out, inner)
        separator = ",\n" + inner
    out("\n" + indent + "]")


def _write_dict(value: dict[Any, Any], out: Callable[[str], None], indent: str) -> None:
    if not value:
        out("{}")
        return
    inner = indent + "  "
    if set(map(type, value.values())) == _ONLY_STRINGS:  # a model's results, say
        lines = (",\n" + inner).join([
            f"{encode_basestring(key if type(key) is str else _key(key))}: "
            f"{encode_basestring(item)}" for key, item in value.items()])
        out(f"{{\n{inner}{lines}\n{indent}}}")
        return
    separator = "{\n" + inner
    for key, item in value.items():
        name = encode_basestring(key if type(key) is str else _key(key))
        # Most values are strings or null: one piece instead of a recursive call.
        if type(item) is str:
            out(f"{separator}{name}: {encode_basestring(item)}")
        elif item is None:
            out(f"{separator}{name}: null")
        else:
            out(f"{separator}{name}: ")
            _write(item, out, inner)
        separator = ",\n" + inner
    out("\n" + indent + "}")
