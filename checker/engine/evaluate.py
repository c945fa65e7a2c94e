"""The engine: judge every model against every loaded rule. Plain data in, a Report out."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, NamedTuple

from checker import __version__
from checker.checks import CHECKS
from checker.checks.base import Outcome
from checker.checks.inventory import EXISTING_KINDS, RequiredCheck, missing_required
from checker.checks.require import RequireCheck
from checker.collector import collector_paused
from checker.documents import FETCH_HINTS
from checker.engine.applicability import (
    error_for,
    holds,
    not_fetched,
    reads_imported_fields,
    unjudged,
    unread,
)
from checker.errors import UsageError
from checker.lang.conditions import Test
from checker.lang.context import did_you_mean
from checker.lang.dates import judging_on
from checker.lang.unknowns import hide, hide_value, judge_unknowns, secret_texts
from checker.policy.frameworks import catalog, controls_of
from checker.policy.loader import Policy, Rule
from checker.policy.waiving import Waiver
from checker.results import (
    SENSITIVE,
    SEVERITY_RANK,
    Finding,
    ModelInput,
    ModelRef,
    ModelResult,
    ModelResultValue,
    PolicyInfo,
    Report,
    ReportError,
    ReportWarning,
    Result,
    Scanned,
    Severity,
    Status,
    Summary,
)

_PASS, _FAIL, _NA, _WAIVED, _ERROR = (Status.PASS, Status.FAIL, Status.NOT_APPLICABLE,
                                      Status.WAIVED, Status.ERROR)
# Check kinds that judge how a model was trained: a Custom Model Import model has no base
# model, hyperparameters, grader or teacher, so they do not apply to it (kms_key and
# require do). Kinds whose fields an imported model does not have (from each kind's record).
NOT_FOR_IMPORTED = frozenset(name for name, kind in CHECKS.items() if not kind.imported)
# A model's result: the worst status of its rules (a waived rule counts as passed).
_MODEL_RESULTS: dict[Status, ModelResultValue] = {
    Status.PASS: "pass", Status.FAIL: "fail", Status.ERROR: "error",
    Status.NOT_APPLICABLE: "not_applicable"}


def select_rules(policies: Sequence[Policy], include: Sequence[str] = (),
                 exclude: Sequence[str] = ()) -> list[Policy]:
    """Keep the rules whose ``policy/rule`` id matches an ``include`` glob (all when none is
    given) and no ``exclude`` glob. A pattern that selects nothing is a usage error."""
    all_ids = [r.qualified_id for p in policies for r in p.rules]
    for pattern in (*include, *exclude):
        if not any(fnmatch.fnmatchcase(i, pattern) for i in all_ids):
            raise UsageError(f"--rule/--skip-rule {pattern!r} matches no loaded rule "
                             "(use policy/rule ids, e.g. bedrock-baseline/kms-required)")

    def keep(rule: Rule) -> bool:
        qid = rule.qualified_id
        if include and not any(fnmatch.fnmatchcase(qid, p) for p in include):
            return False
        return not any(fnmatch.fnmatchcase(qid, p) for p in exclude)

    selected = [replace(p, rules=tuple(r for r in p.rules if keep(r))) for p in policies]
    return [p for p in selected if p.rules]


def select_framework(policies: Sequence[Policy], framework: str) -> list[Policy]:
    """Keep only the rules mapped to ``framework`` (a key of the frameworks catalog).

    An unknown framework, or one no loaded rule maps to, is a usage error: a gate limited to
    a framework must not silently judge nothing.
    """
    known = catalog()
    if framework not in known:
        raise UsageError(f"unknown --framework {framework!r}" + did_you_mean(framework, known)
                         + "; known: " + ", ".join(known))
    selected = [replace(p, rules=tuple(r for r in p.rules
                                       if controls_of(r.info.compliance, framework)))
                for p in policies]
    selected = [p for p in selected if p.rules]
    if not selected:
        raise UsageError(f"no loaded rule is mapped to {framework} (add "
                         f"'compliance: {{{framework}: [...]}}' to the rules that check it)")
    return selected


def model_ref(item: ModelInput) -> ModelRef:
    doc = item.document
    arn = doc.get("modelArn")
    name = doc.get("modelName")
    account = doc.get("accountId") or doc.get("ownerAccountId")
    region = doc.get("region")
    if item.kind == "account":
        # One account's settings in one region: named as reports show it.
        name = f"account {account} {region}"
    return ModelRef(
        arn=arn if isinstance(arn, str) else None,
        name=name if isinstance(name, str) else None,
        account_id=account if isinstance(account, str) else None,
        region=region if isinstance(region, str) else None,
        kind=item.kind,
        origin=item.origin,
        address=item.address,
    )


class _Ready(NamedTuple):
    """A rule made ready for the loop over models: everything that does not depend on the
    model worked out once (its id, its ``when`` and check as plain functions)."""

    rule_id: str
    when: Test | None
    # A require check's condition: the rule passes when it is true (no Outcome made).
    passes: Test | None
    # The check's outcome; for a require check, the failure of a condition not true.
    evaluate: Callable[[Mapping[str, Any]], Outcome]
    named: bool
    # By the model's kind: the check judges no model of this kind (not_applicable).
    kinds: frozenset[str] | None
    rule: Rule


def _ready(rule: Rule) -> _Ready:
    check = rule.check
    passes: Test | None = None
    evaluate: Callable[[Mapping[str, Any]], Outcome] = check.evaluate
    if isinstance(check, RequireCheck):
        passes, evaluate = check.test, check.explain
    return _Ready(rule.qualified_id, rule.when.tri if rule.when is not None else None,
                  passes, evaluate, bool(rule.named), check.kinds, rule)


class _Judge:
    """Holds the running tallies while models are judged."""

    def __init__(self, policies: Sequence[Policy], today: Any) -> None:
        self.policies = policies
        self.today = today
        self.violations: list[Finding] = []
        self.waived: list[Finding] = []
        self.errors: list[ReportError] = []
        self.used_waivers: set[int] = set()
        self.warnings: list[ReportWarning] = []
        self.live_waivers = {
            id(p): [w for w in p.waivers if not w.expired(today)] for p in policies
        }
        # Every model is judged by every rule of the model policies, every account document
        # by those of the account policies: work the ids out once, not per document.
        # The scope's enrichments are among every rule's needs.
        self.plans = {resource: [(p, [_ready(r) for r in p.rules],
                                  frozenset.intersection(*(r.needs for r in p.rules))
                                  if p.rules else frozenset[str]())
                                 for p in policies if p.resource == resource]
                      for resource in ("model", "account")}
        # The added keys any rule needs: a document that has them all (the usual case) lets
        # every rule go the quick way.
        self.all_needs = frozenset(key for p in policies for r in p.rules for key in r.needs
                                   if key not in FETCH_HINTS)
        self.secrets: tuple[str, ...] = ()
        self.shown = ModelRef(None, None, None, None)
        self.served_rules = [r.qualified_id for p in policies for r in p.rules
                             if r.info.served_severity is not None]
        self.exposure_failures: set[str] = set()
        # Per rule that names tag or hyperparameter keys: the models it judged, and the
        # labels of the keys some judged model set.
        self.named_judged: dict[str, int] = {}
        self.named_seen: dict[str, set[str]] = {}
        # The rules still looking for a key: once every label of a rule is seen, it can
        # never be warned about, and its models are no longer looked at (nor counted).
        self.labels = {r.qualified_id: len({k.label for k in r.named})
                       for p in policies for r in p.rules if r.named}
        self.noting = set(self.labels)

    def judge(self, item: ModelInput) -> ModelResult:
        doc = item.document
        ref = model_ref(item)
        # Values Terraform marks sensitive are judged but never shown: every finding and
        # error about this model is masked, and so is its name if that is sensitive.
        self.secrets = secret_texts(doc, item.sensitive_fields) if item.sensitive_fields \
            else ()
        self.shown = ref if not self.secrets else replace(
            ref, name=hide_value(ref.name, self.secrets, SENSITIVE))
        results: dict[str, Status] = {}
        if item.refused is not None:
            return self._refused(item)
        # A plain document (no value known only after apply, not an imported model) goes the
        # quick way; the others, rule by rule, the careful way.
        plain = not item.unknown_fields and not item.withheld_fields and \
            item.kind != "imported"
        unmet = frozenset(k for k in self.all_needs if k not in doc) if plain else None
        for policy, rules, scope_needs in self.plans[
                "account" if item.kind == "account" else "model"]:
            if unmet is None or not self._judge_quickly(policy, rules, scope_needs, item, ref,
                                                         unmet, results):
                self._judge_carefully(policy, rules, scope_needs, item, ref, results)
        self.exposure_errors(item, ref)
        # The model's result: the worst status of its rules (a waived rule counts as passed).
        statuses = set(results.values())
        worst = (_ERROR if _ERROR in statuses else _FAIL if _FAIL in statuses
                 else _NA if statuses <= {_NA} else _PASS)
        return ModelResult(model=self.shown, result=_MODEL_RESULTS[worst], results=results)

    def _refused(self, item: ModelInput) -> ModelResult:
        """A model its source refused (a malformed ARN): that model's error on every rule,
        never judged on what is left of its document. Sources report such a model
        themselves and never hand it here; this keeps the engine fail-closed if one does."""
        assert item.refused is not None
        code, message = item.refused
        self.errors.append(error_for(self.shown, None, code, message))
        kind = "account" if item.kind == "account" else "model"
        results = {ready.rule_id: _ERROR for _, rules, _ in self.plans[kind] for ready in rules}
        return ModelResult(model=self.shown, result=_MODEL_RESULTS[_ERROR], results=results)

    def _judge_quickly(self, policy: Policy, rules: Sequence[_Ready],
                       scope_needs: frozenset[str], item: ModelInput, ref: ModelRef,
                       unmet: frozenset[str], results: dict[str, Status]) -> bool:
        """Judge a plain document by every rule of a policy, or return False (nothing
        recorded) for the careful way when its scope cannot be judged."""
        doc = item.document
        try:
            in_scope = holds(policy.in_scope, item, unread(item, scope_needs))
        except Exception:  # each rule records the error the careful way
            return False
        if not in_scope:
            for ready in rules:
                results[ready.rule_id] = _NA
            return True
        kind = item.kind
        noting = self.noting
        for rule_id, when, passes, evaluate, named, kinds, rule in rules:
            if kinds is not None and kind not in kinds:
                results[rule_id] = _NA
                continue
            if unmet and not unmet.isdisjoint(rule.needs):
                # An enrichment this rule needs is missing: applicability and the error.
                results[rule_id] = self._judge_one(policy, rule, rule_id, ref, item, in_scope)
                continue
            try:
                if when is not None and when(doc) is False:
                    status = _NA
                else:
                    if passes is not None and passes(doc) is True:
                        status = _PASS
                        if named and rule_id in noting:
                            self._note_named(rule, rule_id, doc)
                    else:
                        outcome = evaluate(doc)
                        if named and rule_id in noting:
                            self._note_named(rule, rule_id, doc)
                        status = outcome.status
                        if status is _FAIL:
                            status = self._failed(policy, rule, ref, outcome, doc)
            except Exception as exc:  # a malformed document must never pass a gate
                self._add_error(rule_id, "EvaluationError",
                                f"could not judge: {type(exc).__name__}: {exc}")
                status = _ERROR
            results[rule_id] = status
        return True

    def _judge_carefully(self, policy: Policy, rules: Sequence[_Ready],
                         scope_needs: frozenset[str], item: ModelInput, ref: ModelRef,
                         results: dict[str, Status]) -> None:
        """Judge a document by every rule of a policy, each rule on its own: values known
        only after apply, enrichments not fetched, imported models."""
        in_scope: bool | None = None
        for ready in rules:
            rule = ready.rule
            if item.kind == "imported" and rule.info.kind in NOT_FOR_IMPORTED:
                status = _NA  # before the fetch check: nothing is missing that applies
            else:
                try:
                    if in_scope is None:
                        in_scope = holds(policy.in_scope, item, unread(item, scope_needs))
                except Exception as exc:  # a malformed document must never pass a gate
                    self._add_error(ready.rule_id, "EvaluationError",
                                    f"could not judge: {type(exc).__name__}: {exc}")
                    status = _ERROR
                else:
                    status = self._judge_one(policy, rule, ready.rule_id, ref, item, in_scope)
            results[ready.rule_id] = status

    def _judge_one(self, policy: Policy, rule: Rule, rule_id: str, ref: ModelRef,
                   item: ModelInput, in_scope: bool) -> Status:
        try:
            return self._judge_rule(policy, rule, ref, item, in_scope)
        except Exception as exc:  # a malformed document must never pass a gate
            self._add_error(rule_id, "EvaluationError",
                            f"could not judge: {type(exc).__name__}: {exc}")
            return _ERROR

    def _add_error(self, rule_id: str | None, code: str, message: str) -> None:
        self.errors.append(error_for(self.shown, rule_id, code,
                                  hide(message, self.secrets, SENSITIVE)))

    def _judge_rule(self, policy: Policy, rule: Rule, ref: ModelRef, item: ModelInput,
                    in_scope: bool) -> Status:
        # Applicability first, judged on the fields that were read: a rule whose scope or
        # `when` excludes the model is not_applicable even when its check needs an enrichment
        # that was not fetched. A `when` that reads an unfetched or unknown field applies.
        if not in_scope:
            return _NA
        if rule.check.kinds is not None and ref.kind not in rule.check.kinds:
            return _NA
        when = rule.when
        if when is not None:
            doubtful = unread(item, rule.needs) if rule.needs else item.unknown_fields
            # Fields known only after apply are rare (plans): test plain documents directly.
            applies = (holds(lambda d: when.test(d) is not False, item, doubtful) if doubtful
                       else when.test(item.document) is not False)
            if not applies:
                return _NA
        if item.kind == "imported" and not reads_imported_fields(rule, item.document):
            return _NA
        missing = not_fetched(rule, item, self.shown) if rule.needs else None
        if missing is not None:
            self.errors.append(missing)
            return _ERROR
        # Fields known only after apply (or withheld) are rare: plain documents go straight on.
        if item.unknown_fields or item.withheld_fields:
            unknown = (*item.unknown_fields, *item.withheld_fields)
            outcomes, hits = judge_unknowns(rule.check.evaluate, item.document, unknown,
                                            item.unknown_choices)
            if hits or any(o != outcomes[0] for o in outcomes):
                self._add_error(rule.qualified_id, *unjudged(item, hits, unknown))
                return _ERROR
            outcome = outcomes[0]
        else:
            outcome = rule.check.evaluate(item.document)
        if rule.named:
            self._note_named(rule, rule.qualified_id, item.document)
        status = outcome.status
        if status is not _FAIL:
            return status
        return self._failed(policy, rule, ref, outcome, item.document)

    def _failed(self, policy: Policy, rule: Rule, ref: ModelRef, outcome: Outcome,
                doc: Mapping[str, Any]) -> Status:
        """A failed check: a violation, or waived."""
        waiver = self._waiver_for(policy, rule, ref)
        finding = _finding(self.shown, rule, outcome, waiver, doc, self.secrets)
        if waiver is not None:
            self.waived.append(finding)
            return _WAIVED
        self.violations.append(finding)
        return _FAIL

    def _note_named(self, rule: Rule, rule_id: str, doc: Mapping[str, Any]) -> None:
        if rule_id not in self.noting:
            return  # every label seen: no warning can come of it
        self.named_judged[rule_id] = self.named_judged.get(rule_id, 0) + 1
        seen = self.named_seen.get(rule_id)
        if seen is None:
            seen = self.named_seen[rule_id] = set()
        for key in rule.named:
            if key.label not in seen and key.present(doc):
                seen.add(key.label)
        if len(seen) == self.labels[rule_id]:
            self.noting.discard(rule_id)

    def named_warnings(self) -> list[ReportWarning]:
        """A rule whose tag or hyperparameter key no model it judged sets: most likely a
        misspelt name, which matches nothing (and so passes, or fails, every model alike)."""
        warnings: list[ReportWarning] = []
        for policy in self.policies:
            for rule in policy.rules:
                judged = self.named_judged.get(rule.qualified_id, 0)
                if not judged:
                    continue
                seen = self.named_seen.get(rule.qualified_id, set())
                for label in dict.fromkeys(k.label for k in rule.named):
                    if label not in seen:
                        warnings.append(ReportWarning(
                            "rule-matched-nothing",
                            f"{rule.qualified_id} ({rule.info.file}:{rule.info.line}): "
                            f"{label} is set in none of the {judged:,} model"
                            f"{'s' if judged != 1 else ''} it judged; check the name"))
        return warnings

    def exposure_errors(self, item: ModelInput, ref: ModelRef) -> None:
        """Where a rule's severity depends on exposure that could not be read, say so once
        per failure (a listing of a region fails for every model in it)."""
        if not self.served_rules or "served" not in item.enrichment_errors:
            return
        code, message = item.enrichment_errors["served"]
        if message in self.exposure_failures:
            return
        self.exposure_failures.add(message)
        self.errors.append(ReportError(
            code=code, message=f"{message} (exposure unknown: violations of "
                               f"{', '.join(self.served_rules)} take their served_severity)",
            region=ref.region, account_id=ref.account_id))

    def judge_missing(self, models: Sequence[ModelResult]) -> None:
        """Inventory ``required`` over the whole set: a name that no judged model matches
        is a violation whose model is that name."""
        existing = [m for m in models if m.model.kind in EXISTING_KINDS]
        for policy in self.policies:
            for rule in policy.rules:
                if not isinstance(rule.check, RequiredCheck):
                    continue
                if models and not existing:
                    # A plan or a job request is not an inventory: nothing says what exists.
                    self.warnings.append(ReportWarning(
                        "inventory-not-judged",
                        f"{rule.qualified_id}: only planned models or jobs were read, so "
                        "whether the required models exist was not judged"))
                    continue
                judged = [m.model.name for m in existing
                          if m.results.get(rule.qualified_id, _NA) is not _NA]
                for missing in missing_required(rule.info, rule.check, judged):
                    ref = missing.model
                    waiver = self._waiver_for(policy, rule, ref)
                    finding = Finding(
                        model=ref, rule=rule.info, field="modelName", expected="present",
                        actual=None,
                        message=f"required model {missing.name!r} was not found among the "
                                f"{len(existing):,} models read",
                        waiver=waiver.info if waiver is not None else None)
                    (self.waived if waiver is not None else self.violations).append(finding)

    def _waiver_for(self, policy: Policy, rule: Rule, ref: ModelRef) -> Waiver | None:
        for waiver in self.live_waivers[id(policy)]:
            if waiver.covers(rule.info.id, ref.name, ref.arn, ref.account_id, ref.region):
                self.used_waivers.add(id(waiver))
                return waiver
        return None

    def waiver_warnings(self, models_judged: int) -> list[ReportWarning]:
        """Expired waivers; and stale ones, that matched nothing although the run judged
        models with at least one of their rules (a waiver of a rule that --rule/--skip-rule
        left out, or of a run that read no model, proves nothing either way)."""
        warnings: list[ReportWarning] = []
        for policy in self.policies:
            loaded = {rule.info.id for rule in policy.rules}
            for waiver in policy.waivers:
                ran = "*" in waiver.rules or any(r in loaded for r in waiver.rules)
                where = f"{waiver.info.file}:{waiver.info.line}"
                rules = ", ".join(waiver.rules)
                if waiver.expired(self.today):
                    warnings.append(ReportWarning(
                        "waiver-expired",
                        f"{where}: waiver for {policy.name} rules [{rules}] expired on "
                        f"{waiver.info.expires.isoformat()} and no longer applies "
                        f"(reason was: {waiver.info.reason})"))
                elif id(waiver) not in self.used_waivers and ran and models_judged:
                    warnings.append(ReportWarning(
                        "waiver-stale",
                        f"{where}: waiver for {policy.name} rules [{rules}] matched no "
                        "violation; remove it or fix its rules/models"))
        return warnings


def _keys_not_fetched(errors: Sequence[ReportError]) -> list[ReportWarning]:
    """One warning that sums up the ``NotFetched`` errors: documents from files lack keys only
    a live run fetches, so the rules that read them were not judged (and say so, exit 2)."""
    missing = [e for e in errors if e.code == "NotFetched"]
    if not missing:
        return []
    policies = sorted({e.rule.split("/")[0] for e in missing if e.rule})
    return [ReportWarning(
        "keys-not-fetched",
        f"{len(missing)} results were not judged because the documents lack keys a live run "
        f"fetches (policies: {', '.join(policies)}): read the models from AWS, add the keys "
        "to the documents, or judge documents and plans with policies that need no such key "
        "(bedrock-drift validate FILE says what a policy fetches)")]


def _accounts_not_judged(policies: Sequence[Policy],
                         models: Sequence[ModelResult]) -> list[ReportWarning]:
    """A warning for each account policy when no account document was judged (model
    documents from files, say: account settings are read from live AWS only)."""
    if any(m.model.kind == "account" for m in models):
        return []
    return [ReportWarning("account-rules-not-judged",
                          f"{p.name}: no account settings were read (they are read from "
                          "live AWS only), so this resource: account policy judged nothing")
            for p in policies if p.resource == "account"]


def exposure_of(doc: Mapping[str, Any]) -> str | None:
    """"served", None (known not served) or "unknown" (not read, or not a boolean)."""
    served = doc.get("served")
    if served is True:
        return "served"
    return None if served is False else "unknown"


def _finding(ref: ModelRef, rule: Rule, outcome: Outcome, waiver: Waiver | None,
             doc: Mapping[str, Any], secrets: Sequence[str] = ()) -> Finding:
    severity, exposure = rule.info.severity, None
    if rule.info.served_severity is not None:
        exposure = exposure_of(doc)
        if exposure is not None:
            severity = rule.info.served_severity
    if secrets:
        # Values Terraform marks sensitive: judged, never shown.
        outcome = replace(outcome, expected=hide_value(outcome.expected, secrets, SENSITIVE),
                          actual=hide_value(outcome.actual, secrets, SENSITIVE),
                          message=hide(outcome.message, secrets, SENSITIVE))
    # Made as Finding(...) makes it, its fields set at once: a frozen dataclass's __init__
    # sets each of them through object.__setattr__, twice the time, once per failure.
    # A test holds the two ways to the same finding, every field set.
    finding: Finding = _new(Finding)
    finding.__dict__.update(
        model=ref, rule=rule.info, field=outcome.field, expected=outcome.expected,
        actual=outcome.actual, message=outcome.message,
        waiver=waiver.info if waiver is not None else None, known=False, severity=severity,
        exposure=exposure)
    return finding


_new = object.__new__


def summarize(models: Sequence[ModelResult], violations: Sequence[Finding],
              waived: Sequence[Finding], errors: Sequence[ReportError], policies: int,
              rules: int, fail_on: Severity) -> Summary:
    """The summary, whose ``result`` agrees with the exit code: errors win, then violations
    at or above ``fail_on`` that a baseline does not already know."""
    floor = SEVERITY_RANK[fail_on]
    gating = any(SEVERITY_RANK[v.severity] >= floor and not v.known for v in violations)
    result: Result = "error" if errors else "fail" if gating else "pass"
    return Summary(
        models=len(models),
        policies=policies,
        rules=rules,
        violations=len(violations),
        waived=len(waived),
        errors=len(errors),
        not_evaluated=sum(1 for m in models if m.result == "not_applicable"),
        result=result,
    )


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def evaluate(
    policies: Sequence[Policy],
    inputs: Iterable[ModelInput],
    *,
    scanned: Scanned,
    source_errors: Sequence[ReportError] = (),
    extra_warnings: Sequence[ReportWarning] = (),
    fail_on: Severity = "info",
    now: datetime | None = None,
) -> Report:
    """Judge every model against every rule of every policy and build the report."""
    now = now or utc_now()
    judge = _Judge(policies, now.astimezone(timezone.utc).date())
    with judging_on(now), collector_paused():
        models = tuple(judge.judge(item) for item in inputs)
    judge.judge_missing(models)
    errors = (*source_errors, *judge.errors)
    warnings = (*extra_warnings, *judge.warnings, *_accounts_not_judged(policies, models),
                *_keys_not_fetched(judge.errors), *judge.waiver_warnings(len(models)),
                *judge.named_warnings())
    rules = sum(len(p.rules) for p in policies)
    summary = summarize(models, judge.violations, judge.waived, errors, len(policies), rules,
                        fail_on)
    return Report(
        tool_version=__version__,
        generated_at=now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        scanned=scanned,
        policies=tuple(PolicyInfo(p.name, p.file, p.sha256, tuple(r.info for r in p.rules),
                                  dict(p.variables))
                       for p in policies),
        models=models,
        violations=tuple(judge.violations),
        waived=tuple(judge.waived),
        warnings=tuple(warnings),
        errors=tuple(errors),
        summary=summary,
        fail_on=fail_on,
    )
