"""What a rule applies to, judged on what was read, and what it could not read.

Pure helpers of :mod:`checker.engine.evaluate`: a scope or ``when`` that reads a value known
only after apply (or an enrichment not fetched) counts as "applies", unless every value it
can take excludes the model; a rule whose check reads only fields a Custom Model Import model
cannot have does not apply to one; and the errors of a rule that needs what was not fetched
or read what is not known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from checker.documents import ACCOUNT_KEY, FETCH_HINTS
from checker.lang.shapes import imported_model_fields
from checker.lang.unknowns import Path, judge_unknowns, show_paths, tracked
from checker.policy.loader import Rule
from checker.results import ModelInput, ModelRef, ReportError


def reads_imported_fields(rule: Rule, doc: Mapping[str, Any]) -> bool:
    """Whether a rule's check reads any field a Custom Model Import model can have. One that
    reads only others (training data, modelStatus, customizationType, job) cannot apply to
    it: GetImportedModel has no such fields."""
    view, log = tracked(doc)
    rule.check.evaluate(view)
    fields = imported_model_fields()
    return any(path and path[0] in fields for path in log.paths)


def unread(item: ModelInput, needs: frozenset[str]) -> tuple[Path, ...]:
    """What applicability must treat as unknown: values known only after apply, and the
    needed enrichments that were not fetched (or failed) for this model."""
    missing = tuple((key,) for key in needs
                    if key not in item.document and key not in FETCH_HINTS)
    return (*item.unknown_fields, *missing) if missing else item.unknown_fields


def holds(test: Callable[[Mapping[str, Any]], bool], item: ModelInput,
          unknown: Sequence[Path]) -> bool:
    """A scope or ``when`` test; when it reads a field known only after apply, the doubt
    counts as "applies" (doubt widens what is judged, it never excuses a model), unless the
    field is one of a few values and the test excludes the model for every one of them."""
    if not unknown:
        return test(item.document)
    results, hits = judge_unknowns(test, item.document, unknown, item.unknown_choices)
    return bool(hits) or any(results)


def unjudged(item: ModelInput, hits: Sequence[Path], unknown: Sequence[Path]) -> tuple[str, str]:
    """The error code and message of a rule that read what is not known."""
    withheld = [p for p in hits if p in item.withheld_fields]
    if withheld:
        return ("SensitiveNotRecorded",
                f"the rule reads {show_paths(withheld)}, a sensitive value this snapshot does "
                "not record: judge the plan itself")
    if hits:
        return ("UnknownUntilApply", f"the rule reads {show_paths(hits)}, known only after "
                "apply: it cannot be judged before deployment")
    read = [p for paths, _ in item.unknown_choices for p in paths if p in unknown][:1]
    return ("UnknownUntilApply", f"the rule's result depends on {show_paths(read)}, known "
            "only after apply: it cannot be judged before deployment")


def not_fetched(rule: Rule, item: ModelInput, ref: ModelRef) -> ReportError | None:
    """The error of a rule that needs an enrichment this model does not have: its fetch
    failed, it is known only after apply, or it was not fetched at all."""
    doc = item.document
    for key in rule.needs:
        if key in doc or key in FETCH_HINTS or _has_setting(doc, key):
            continue
        if key in item.enrichment_errors:
            code, message = item.enrichment_errors[key]
        elif (key,) in item.unknown_fields:
            code = "UnknownUntilApply"
            message = (f"the rule reads {key}, known only after apply: it cannot be judged "
                       "before deployment")
        else:
            code = "NotFetched"
            message = (f"rule needs '{key}', which was not fetched for this model "
                       f"(the document has no '{key}' key)")
        return error_for(ref, rule.qualified_id, code, message)
    return None


def _has_setting(doc: Mapping[str, Any], key: str) -> bool:
    """``account.KEY``: the model's account document holds that setting."""
    prefix, _, setting = key.partition(".")
    account = doc.get(ACCOUNT_KEY) if prefix == ACCOUNT_KEY else None
    return isinstance(account, Mapping) and setting in account


def error_for(ref: ModelRef, rule_id: str | None, code: str, message: str) -> ReportError:
    """A report error about one model (and rule), its Terraform address included."""
    return ReportError(code=code, message=message, model_arn=ref.arn, model_name=ref.name,
                       region=ref.region, rule=rule_id, account_id=ref.account_id,
                       address=ref.address)
