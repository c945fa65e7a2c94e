"""Compliance frameworks: the catalog, the rule's `compliance:` key, --framework and the
per-control summary."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from checker.policy.frameworks import catalog, check_compliance
from checker.policy.loader import load_policies, load_policy_text
from checker.reports.compliance import FAILED, NOT_EVALUATED, PASSED, control_results
from checker.results import ReportError, Status
from tests.support import ROOT, run_cli
from tests.support import report_fixtures as fx

EXAMPLES = str(ROOT / "examples" / "models")
BASELINE = str(ROOT / "policies" / "baseline.yaml")
HEAD = "version: 1\nname: p\nrules:\n  - id: a\n    require: {field: modelName, exists: true}\n"


def test_catalog_has_the_frameworks_the_issue_names() -> None:
    frameworks = catalog()
    assert list(frameworks) == ["NIST-800-53-r5", "ISO-27001-2022", "NIST-AI-RMF-1.0",
                                "ISO-42001-2023", "OWASP-LLM-2025"]
    for framework in frameworks.values():
        assert framework.title and framework.version
        assert framework.source.startswith("https://")
    assert len(frameworks["ISO-27001-2022"].controls or {}) == 93
    assert len(frameworks["ISO-42001-2023"].controls or {}) == 38
    assert len(frameworks["NIST-AI-RMF-1.0"].controls or {}) == 72
    assert len(frameworks["OWASP-LLM-2025"].controls or {}) == 10
    assert len(frameworks["NIST-800-53-r5"].families) == 20


def test_every_title_names_a_valid_control() -> None:
    for framework in catalog().values():
        for control in framework.titles:
            assert framework.check_control(control) is None, (framework.key, control)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"NIST-800-53-r4": ["SC-28"]},
                     "unknown compliance framework 'NIST-800-53-r4' (did you mean "
                     "'NIST-800-53-r5'?)", id="framework-typo"),
        pytest.param({"nist-800-53-r5": ["SC-28"]},
                     "(did you mean 'NIST-800-53-r5'?)", id="framework-case"),
        pytest.param({"NIST-800-53-r5": ["XX-1"]}, "unknown control family 'XX'",
                     id="800-53-family"),
        pytest.param({"NIST-800-53-r5": ["SC28"]}, "is not a NIST-800-53-r5 control id",
                     id="800-53-format"),
        pytest.param({"ISO-27001-2022": ["A.8.99"]},
                     "unknown control 'A.8.99' of ISO-27001-2022 (did you mean 'A.8.9'?)",
                     id="27001-list"),
        pytest.param({"OWASP-LLM-2025": ["LLM3:2025"]}, "(did you mean 'LLM03:2025'?)",
                     id="owasp"),
        pytest.param({"NIST-AI-RMF-1.0": ["MEASURE 9.1"]}, "unknown control 'MEASURE 9.1'",
                     id="ai-rmf"),
        pytest.param({"ISO-42001-2023": []}, "takes a non-empty list", id="empty-list"),
        pytest.param({"ISO-42001-2023": "A.7.5"}, "takes a non-empty list", id="not-a-list"),
        pytest.param({"ISO-42001-2023": ["A.7.5", "A.7.5"]}, "listed twice", id="twice"),
        pytest.param(["SC-28"], "'compliance' must be a mapping", id="not-a-mapping"),
    ],
)
def test_bad_mappings_are_refused(raw: object, message: str) -> None:
    _, problems = check_compliance(raw)
    assert any(message in text for _, text in problems), problems


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param({"NIST-800-53-r5": ["SC-28", "SC-28(1)", "AC-2(12)"]}, id="800-53"),
        pytest.param({"ISO-27001-2022": ["A.5.1", "A.8.34"]}, id="27001-ends"),
        pytest.param({"NIST-AI-RMF-1.0": ["GOVERN 1.7", "MANAGE 4.3"]}, id="ai-rmf"),
        pytest.param({"ISO-42001-2023": ["A.6.1.2", "A.10.4"]}, id="42001"),
        pytest.param({"OWASP-LLM-2025": ["LLM10:2025"]}, id="owasp"),
    ],
)
def test_good_mappings_load(raw: dict[str, list[str]]) -> None:
    mapping, problems = check_compliance(raw)
    assert problems == []
    assert mapping == tuple((k, tuple(v)) for k, v in raw.items())


def test_loader_reports_file_line_col() -> None:
    text = (HEAD + "    compliance:\n      ISO-27001-2022: [A.8.24, A.9.1]\n"
            "      NIST-800-53: [SC-28]\n")
    policy, problems = load_policy_text(text.encode(), "p.yaml")
    assert policy is None
    assert sorted(str(p) for p in problems) == [
        "p.yaml:7:32: unknown control 'A.9.1' of ISO-27001-2022 (did you mean 'A.8.1'?)",
        "p.yaml:8:7: unknown compliance framework 'NIST-800-53' (did you mean "
        "'NIST-800-53-r5'?); known: NIST-800-53-r5, ISO-27001-2022, NIST-AI-RMF-1.0, "
        "ISO-42001-2023, OWASP-LLM-2025",
    ]


def test_loader_keeps_the_mapping_on_the_rule() -> None:
    text = HEAD + "    compliance: {NIST-800-53-r5: [SC-28], OWASP-LLM-2025: [LLM03:2025]}\n"
    policy, problems = load_policy_text(text.encode(), "p.yaml")
    assert policy is not None, problems
    assert policy.rules[0].info.compliance == (("NIST-800-53-r5", ("SC-28",)),
                                               ("OWASP-LLM-2025", ("LLM03:2025",)))


AI_FRAMEWORKS = {"NIST-AI-RMF-1.0", "ISO-42001-2023", "OWASP-LLM-2025"}
# Only data-provenance, evaluation and supply-chain rules are mapped to the AI frameworks.
AI_MAPPED = {"approved-base-models", "rft-grader", "training-data-bucket",
             "validation-data-bucket"}
# ... and, of the account's settings, the guardrail filters, to the OWASP LLM risks they
# mitigate (prompt injection, sensitive information disclosure, misinformation).
GUARDRAILS_MAPPED = {"guardrail-prompt-attack-high", "guardrail-sensitive-information",
                     "guardrail-contextual-grounding", "behind-prompt-attack-guardrail"}


def test_shipped_policies_are_mapped_as_documented() -> None:
    policies, _ = load_policies([str(ROOT / "policies")])
    mapped = {r.info.id: dict(r.info.compliance) for p in policies for r in p.rules
              if r.info.compliance}
    assert set(mapped["kms-required"]) == {"NIST-800-53-r5", "ISO-27001-2022"}
    assert "SC-28" in mapped["kms-required"]["NIST-800-53-r5"]
    assert {rule for rule, m in mapped.items() if set(m) & AI_FRAMEWORKS} == \
        AI_MAPPED | GUARDRAILS_MAPPED
    assert all(set(mapped[rule]) & AI_FRAMEWORKS == {"OWASP-LLM-2025"}
               for rule in GUARDRAILS_MAPPED)
    # Hyperparameter opinions and documented limits are no framework's control.
    assert not any(r.info.compliance for p in policies
                   if p.name in ("conservative-training", "documented-limits")
                   for r in p.rules)


def mapped_report(statuses: dict[str, Status]) -> fx.Report:
    kms = replace(fx.KMS, compliance=(("NIST-800-53-r5", ("SC-28", "SC-12")),))
    base = replace(fx.BASE, compliance=(("NIST-800-53-r5", ("SC-28", "SR-3")),))
    return fx.build_report(rules=(kms, base),
                           models={fx.PROD: {kms.qualified_id: statuses["kms"],
                                             base.qualified_id: statuses["base"]},
                                   fx.CLEAN: {kms.qualified_id: Status.PASS,
                                              base.qualified_id: Status.PASS}})


@pytest.mark.parametrize(
    ("kms", "base", "expected"),
    [
        pytest.param(Status.PASS, Status.PASS, {"SC-12": PASSED, "SC-28": PASSED,
                                                "SR-3": PASSED}, id="all-pass"),
        pytest.param(Status.FAIL, Status.PASS, {"SC-12": FAILED, "SC-28": FAILED,
                                                "SR-3": PASSED}, id="one-rule-fails"),
        pytest.param(Status.PASS, Status.ERROR, {"SC-12": PASSED, "SC-28": NOT_EVALUATED,
                                                 "SR-3": NOT_EVALUATED}, id="error"),
        pytest.param(Status.FAIL, Status.ERROR, {"SC-12": FAILED, "SC-28": FAILED,
                                                 "SR-3": NOT_EVALUATED}, id="fail-wins"),
        pytest.param(Status.WAIVED, Status.PASS, {"SC-12": PASSED, "SC-28": PASSED,
                                                  "SR-3": PASSED}, id="waived"),
    ],
)
def test_control_status(kms: Status, base: Status, expected: dict[str, str]) -> None:
    results = control_results(mapped_report({"kms": kms, "base": base}), "NIST-800-53-r5")
    assert [r.control for r in results] == ["SC-12", "SC-28", "SR-3"]
    assert {r.control: r.status for r in results} == expected


def test_a_control_no_model_was_judged_by_is_not_evaluated() -> None:
    report = mapped_report({"kms": Status.NOT_APPLICABLE, "base": Status.NOT_APPLICABLE})
    report = replace(report, models=report.models[:1])
    statuses = {r.control: r.status for r in control_results(report, "NIST-800-53-r5")}
    assert statuses == {"SC-12": NOT_EVALUATED, "SC-28": NOT_EVALUATED, "SR-3": NOT_EVALUATED}


def test_an_unread_region_leaves_no_control_passed() -> None:
    report = mapped_report({"kms": Status.PASS, "base": Status.PASS})
    report = replace(report, errors=(ReportError(code="AccessDenied", message="x",
                                                 region="eu-west-1"),))
    assert {r.status for r in control_results(report, "NIST-800-53-r5")} == {NOT_EVALUATED}


def test_framework_option_runs_only_mapped_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["check", "-p", BASELINE, "--from", EXAMPLES, "-f", "json",
                            "--framework", "OWASP-LLM-2025"], capsys)
    report = json.loads(out)
    assert code == 1
    assert report["framework"] == "OWASP-LLM-2025"
    assert report["summary"]["rules"] == 4
    assert {r["id"] for p in report["policies"] for r in p["rules"]} == AI_MAPPED
    (summary,) = report["compliance"]
    assert summary["framework"] == "OWASP-LLM-2025"
    assert [c["control"] for c in summary["results"]] == ["LLM03:2025", "LLM04:2025"]
    assert sum(summary["controls"].values()) == 2


@pytest.mark.parametrize(
    ("framework", "message"),
    [
        pytest.param("OWASP-LLM", "unknown --framework 'OWASP-LLM' (did you mean "
                                  "'OWASP-LLM-2025'?)", id="typo"),
    ],
)
def test_framework_option_refuses_unknown_names(framework: str, message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["check", "-p", BASELINE, "--from", EXAMPLES, "--framework",
                            framework], capsys)
    assert code == 2
    assert message in err


def test_framework_no_rule_maps_to_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    policy = str(ROOT / "policies" / "documented-limits.yaml")
    code, _, err = run_cli(["check", "-p", policy, "--from", EXAMPLES, "--framework",
                            "ISO-42001-2023"], capsys)
    assert code == 2
    assert "no loaded rule is mapped to ISO-42001-2023" in err


def test_json_report_carries_the_mapping_and_merge_keeps_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_cli(["check", "-p", BASELINE, "--from", EXAMPLES, "-f", "json"], capsys)
    report = json.loads(out)
    assert "compliance" not in report  # the per-control summary comes with --framework
    kms = next(r for r in report["policies"][0]["rules"] if r["id"] == "kms-required")
    assert kms["compliance"]["NIST-800-53-r5"] == ["SC-28", "SC-28(1)", "SC-12"]
    from checker.reports.json_reader import read_report
    back = read_report(report, "r.json")
    rule = next(r for r in back.rules if r.id == "kms-required")
    assert dict(rule.compliance)["ISO-27001-2022"] == ("A.8.24",)
