"""`bedrock-drift rules`: every kind and operator documented, every example runs as printed."""

from __future__ import annotations

import re

import pytest

from checker.checks import CHECKS
from checker.engine.evaluate import evaluate
from checker.lang.operators import OPERATORS
from checker.policy.loader import load_policy_text
from checker.policy.ruledocs import (
    KIND_SAMPLES,
    OPERATOR_EXAMPLES,
    Sample,
    describe,
    examples,
    markdown_reference,
)
from checker.results import Scanned
from checker.sources.files import model_input
from tests.support import FIXED_NOW, ROOT, run_main

EXAMPLES = examples()


@pytest.mark.parametrize(("topic", "policy_text", "samples"), EXAMPLES,
                         ids=[e[0] for e in EXAMPLES])
def test_every_printed_example_behaves_as_documented(topic: str, policy_text: str,
                                                     samples: tuple[Sample, ...]) -> None:
    # The example as printed: taken from the command's own output, not from the table.
    printed = describe(topic)
    block = printed.split("Example policy:\n", 1)[1].split("\n\n", 1)[0]
    assert block == "\n".join("  " + line for line in policy_text.splitlines())
    policy, problems = load_policy_text(policy_text.encode(), f"{topic}-example.yaml",
                                        lint=True)
    assert policy is not None and [str(p) for p in problems] == []
    [rule] = policy.rules
    inputs = [model_input({"modelName": f"sample-{i}", **s.document}, "sample")
              for i, s in enumerate(samples)]
    report = evaluate([policy], inputs, scanned=Scanned(("test",), (), ()), now=FIXED_NOW)
    got = [m.results[rule.qualified_id].value for m in report.models]
    assert got == [s.status for s in samples]
    # ...and the printed text says so, line by line.
    for sample in samples:
        assert re.search(rf"^  {sample.status} +{re.escape(sample.label)}$", printed, re.M)


def test_every_kind_and_operator_has_samples_that_pass_and_fail() -> None:
    assert set(KIND_SAMPLES) == set(CHECKS)
    assert set(OPERATOR_EXAMPLES) == set(OPERATORS)
    for topic, _, samples in EXAMPLES:
        statuses = {s.status for s in samples}
        assert {"pass", "fail"} <= statuses, topic


def test_overview_lists_every_kind_and_operator_with_its_summary() -> None:
    text = describe(None)
    for name, kind in CHECKS.items():
        assert re.search(rf"^  {name} +{re.escape(kind.summary)}$", text, re.M)
    for name, op in OPERATORS.items():
        assert re.search(rf"^  {name} +{re.escape(op.summary)}$", text, re.M)


@pytest.mark.parametrize("kind", list(CHECKS))
def test_kind_doc_shows_every_option_and_the_semantics(kind: str) -> None:
    text = describe(kind)
    assert text.startswith(f"{kind}: {CHECKS[kind].summary}\n")
    for option, schema in CHECKS[kind].schema.get("properties", {}).items():
        assert re.search(rf"^  {option} .*{re.escape(schema['description'])}$", text, re.M)
    flat = " ".join(text.split())
    assert " ".join(CHECKS[kind].semantics.split()) in flat


def test_hyperparameter_doc_names_missing_values_and_numeric_strings() -> None:
    text = " ".join(describe("hyperparameter").split())
    assert "Absent from both passes unless `required: true`" in text
    assert 'Numeric strings such as "0.0001" and "1e-4" are numbers' in text
    assert "required boolean, default false" in text


@pytest.mark.parametrize(("op", "missing"), [
    ("equals", "unknown"), ("not_equals", "true"), ("not_in", "true"), ("glob", "unknown"),
    ("min", "unknown"),
])
def test_operator_doc_says_what_a_missing_field_does(op: str, missing: str) -> None:
    text = " ".join(describe(op).split())
    assert f"On a missing field (absent or null) it is {missing}." in text


def test_unknown_topic(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_main(capsys, "rules", "hyperparamter")
    assert result.exit_code == 2
    assert "unknown check kind or operator 'hyperparamter' (did you mean 'hyperparameter'?)" \
        in result.stderr
    assert result.output == ""


def test_cli_rules(capsys: pytest.CaptureFixture[str]) -> None:
    overview = run_main(capsys, "rules")
    assert overview.exit_code == 0 and overview.output == describe(None)
    kind = run_main(capsys, "rules", "lambda_grader")
    assert kind.exit_code == 0 and kind.output == describe("lambda_grader")
    markdown = run_main(capsys, "rules", "--markdown")
    assert markdown.exit_code == 0 and markdown.output == markdown_reference()
    both = run_main(capsys, "rules", "glob", "--markdown")
    assert both.exit_code == 2


def test_markdown_examples_load() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", markdown_reference(), re.S)
    assert len(blocks) == len(CHECKS)
    for block in blocks:
        policy, problems = load_policy_text(block.encode(), "md.yaml")
        assert policy is not None and problems == []


def test_authoring_docs_hold_the_current_reference() -> None:
    """docs/authoring.md embeds `rules --markdown` between markers; regenerate it with
    `python -m checker rules --markdown` when a kind changes."""
    text = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    start = "<!-- rules-reference:start -->\n"
    end = "<!-- rules-reference:end -->"
    embedded = text.split(start, 1)[1].split(end, 1)[0]
    assert embedded.strip() == markdown_reference().strip()


@pytest.mark.parametrize("name", ["all_of", "any_of", "not"])
def test_logical_operators_are_documented(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support import run_cli

    code, out, _ = run_cli(["rules", name], capsys)
    assert code == 0
    assert out.startswith(f"{name}\n") and "unknown" in out
