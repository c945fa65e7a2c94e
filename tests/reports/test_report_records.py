"""ASFF and OCSF write a passed outcome's record from its rule's template (streamed.Records):
the text is the one their dicts are written as, whatever the model, the rule and the
values (shapes, cut texts, hashed ids, escapes, braces and percent signs)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from checker.reports.asff import _ENCODE, asff_chunks, asff_findings, dumps_array
from checker.reports.ocsf import ocsf_chunks, ocsf_events
from checker.reports.streamed import Template, hole
from checker.results import ModelRef, Report, ReportError, Status
from tests.support import report_fixtures as fx


@pytest.mark.parametrize("value", [
    {"a": "plain", "b": [1, 2.5, None, True], "c": {"d": "{x} %s %(y)s {{"}},
    {"only": "one"},
    {"none": []},
    [fx.HOSTILE, "\u00e9\u6a21\ud83d\ude00", {"": ""}],
])
def test_a_filled_template_is_the_text_of_the_value_filled(value: Any) -> None:
    leaves: dict[str, Any] = {}

    def holed(item: Any, path: str) -> Any:
        # Every string or number leaf a hole named after where it is.
        if isinstance(item, dict):
            return {key: holed(val, f"{path}_{n}") for n, (key, val) in enumerate(item.items())}
        if isinstance(item, list):
            return [holed(val, f"{path}_{n}") for n, val in enumerate(item)]
        leaves[path] = item
        return hole(path)

    template = Template(holed(value, "h"), _ENCODE)
    texts = {name: _ENCODE(leaf) for name, leaf in leaves.items()}
    assert template(texts) == _ENCODE(value)
    # The template's own text, filled with what stood there, again.
    assert template({**texts, "unused": '"x"'}) == json.dumps(value, ensure_ascii=False)


def _estate() -> Report:
    """Passed, failed, waived, unjudged and not applicable outcomes of many models of every
    shape, two policies, one model that could not be read."""
    long_rule = replace(fx.rule("long-policy", "r" * 600, "critical", title="t" * 300,
                                labels=("a", "b"), remediation="{fix} %s",
                                link="https://example.com/{x}"),
                        description="d")
    rules = (fx.KMS, fx.BASE, fx.TAGS, long_rule,
             replace(fx.LR, title="", labels=(fx.HOSTILE,)))
    refs = [
        fx.PROD, fx.PLANNED, fx.model(None), fx.model("acct", kind="account"),
        replace(fx.model("addressed"), address='module.m["{a}"]'),
        replace(fx.model("planned-addressed", arn=False), address="aws_x.y"),
        fx.model("name " + fx.HOSTILE + " \u2603 \u6a21\u578b"),
        fx.model("n" * 3000),
        replace(fx.model("elsewhere"), region=None, account_id=None),
        fx.model("{braces} %(percent)s"),
    ]
    statuses = [Status.PASS, Status.NOT_APPLICABLE, Status.PASS, Status.PASS, Status.PASS]
    models: dict[ModelRef, dict[str, Status]] = {}
    for number, ref in enumerate(refs * 3):
        ref = replace(ref, name=f"{ref.name}-{number}") if number >= len(refs) else ref
        models[ref] = {rule.qualified_id: statuses[(number + n) % len(statuses)]
                       for n, rule in enumerate(rules)}
    first = refs[0]
    models[first][fx.KMS.qualified_id] = Status.FAIL
    models[first][fx.BASE.qualified_id] = Status.WAIVED
    models[first][fx.TAGS.qualified_id] = Status.ERROR
    return fx.build_report(
        rules=rules, models=models,
        violations=[fx.finding(first, fx.KMS, actual=0.1)],
        waived=[fx.finding(first, fx.BASE, waiver=fx.WAIVER)],
        errors=[ReportError(model_arn=first.arn, model_name=first.name,
                            account_id=first.account_id, region=first.region,
                            rule=fx.TAGS.qualified_id, code="Boom", message="no"),
                ReportError(model_arn=f"{first.arn}-gone", model_name="gone",
                            account_id=fx.ACCOUNT, region=fx.REGION, rule=None,
                            code="AccessDenied", message="denied")])


def test_asff_is_the_text_of_its_findings() -> None:
    report = _estate()
    text = "".join(asff_chunks(report))
    assert text == dumps_array(asff_findings(report))
    assert len(json.loads(text)) > 100


def test_ocsf_is_the_text_of_its_events() -> None:
    report = _estate()
    text = "".join(ocsf_chunks(report))
    assert text == dumps_array(ocsf_events(report))
    assert len(json.loads(text)) > 100


@pytest.mark.parametrize("chunks", [asff_chunks, ocsf_chunks])
def test_records_are_written_a_batch_at_a_time(chunks: Any, monkeypatch: Any) -> None:
    from checker.reports import streamed

    report = _estate()
    whole = "".join(chunks(report))
    for batch in (1, 2, 7, 10_000):
        monkeypatch.setattr(streamed, "BATCH", batch)
        pieces = list(chunks(report))
        assert "".join(pieces) == whole
        assert len(pieces) >= min(len(json.loads(whole)) // batch, 3)
    empty = fx.empty_report()
    assert "".join(chunks(empty)) == "[]\n"
