"""Reference text for `bedrock-drift rules`: check kinds and operators, with examples.

Everything printed comes from where the JSON Schema comes from: each check kind's
``CheckKind`` (summary, semantics, options schema with descriptions, example) in
``checker/checks/``, with the sample models each example is shown on), ``OPERATORS`` in
``checker/lang/operators.py``, and the enrichments' records in ``checker/enrichments.py``
(through ``enrichdocs``). This module only adds the operators' samples and the overview; a
test loads every example and checks that it yields on its samples what the text says.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any

from checker.checks import CHECKS
from checker.checks.base import NUMBER_SCHEMA, CheckKind, Sample
from checker.errors import UsageError
from checker.lang.context import did_you_mean
from checker.lang.operators import LOGICAL, OPERATORS, Operator
from checker.policy.enrichdocs import ENRICHMENTS, SERVED_SEVERITY, enrichment_doc

WIDTH = 92
EXAMPLE_POLICY = "example"


# The models each kind's example is shown on: in each kind's record (``CheckKind.samples``).
KIND_SAMPLES: dict[str, tuple[Sample, ...]] = {name: kind.samples for name, kind in CHECKS.items()}


@dataclass(frozen=True)
class OperatorExample:
    field: str
    samples: tuple[Sample, ...]
    # The operator's own example value unless given here (when it names a field this build
    # cannot read yet).
    value: Any = None


# The field each operator's example condition is written on, and the models it is shown on.
OPERATOR_EXAMPLES: dict[str, OperatorExample] = {
    "equals": OperatorExample("modelStatus", (
        Sample('modelStatus "Active"', {"modelStatus": "Active"}, "pass"),
        Sample('modelStatus "Failed"', {"modelStatus": "Failed"}, "fail"),
        Sample("no modelStatus (unknown)", {}, "fail"),
    )),
    "not_equals": OperatorExample("modelStatus", (
        Sample('modelStatus "Active"', {"modelStatus": "Active"}, "pass"),
        Sample('modelStatus "Failed"', {"modelStatus": "Failed"}, "fail"),
        Sample("no modelStatus (there is no such value)", {}, "pass"),
    )),
    "in": OperatorExample("customizationType", (
        Sample('customizationType "DISTILLATION"', {"customizationType": "DISTILLATION"},
               "pass"),
        Sample('customizationType "IMPORTED"', {"customizationType": "IMPORTED"}, "fail"),
    )),
    "not_in": OperatorExample("customizationType", (
        Sample('customizationType "FINE_TUNING"', {"customizationType": "FINE_TUNING"}, "pass"),
        Sample('customizationType "IMPORTED"', {"customizationType": "IMPORTED"}, "fail"),
        Sample("no customizationType", {}, "pass"),
    )),
    "matches": OperatorExample("modelArn", (
        Sample("a model of account 111122223333",
               {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/"
                            "amazon.nova-lite-v1:0:300k/a1b2c3d4e5f6"}, "pass"),
        Sample("a model of another account",
               {"modelArn": "arn:aws:bedrock:us-east-1:999999999999:custom-model/"
                            "amazon.nova-lite-v1:0:300k/a1b2c3d4e5f6"}, "fail"),
    ), value="arn:aws:bedrock:[a-z0-9-]+:111122223333:custom-model/.+"),
    "not_matches": OperatorExample("modelName", (
        Sample('modelName "research-llm"', {"modelName": "research-llm"}, "pass"),
        Sample('modelName "prod-llm"', {"modelName": "prod-llm"}, "fail"),
    )),
    "glob": OperatorExample("trainingDataConfig.s3Uri", (
        Sample("s3://ml-approved-data/a/train.jsonl",
               {"trainingDataConfig": {"s3Uri": "s3://ml-approved-data/a/train.jsonl"}},
               "pass"),
        Sample("s3://ml-approved-data-copy/train.jsonl",
               {"trainingDataConfig": {"s3Uri": "s3://ml-approved-data-copy/train.jsonl"}},
               "fail"),
    )),
    "min": OperatorExample("hyperParameters.epochCount", (
        Sample('epochCount "2"', {"hyperParameters": {"epochCount": "2"}}, "pass"),
        Sample('epochCount "0"', {"hyperParameters": {"epochCount": "0"}}, "fail"),
        Sample('epochCount "Auto" (not a number)', {"hyperParameters": {"epochCount": "Auto"}},
               "fail"),
    )),
    "max": OperatorExample("hyperParameters.learningRate", (
        Sample('learningRate "1e-5"', {"hyperParameters": {"learningRate": "1e-5"}}, "pass"),
        Sample('learningRate "0.001"', {"hyperParameters": {"learningRate": "0.001"}}, "fail"),
    )),
    "exists": OperatorExample("modelKmsKeyArn", (
        Sample("a key ARN", {"modelKmsKeyArn": "arn:aws:kms:us-east-1:111122223333:key/"
                                                "1234abcd-12ab-34cd-56ef-1234567890ab"},
               "pass"),
        Sample("no key", {}, "fail"),
    )),
    "min_days_ahead": OperatorExample("baseModel.modelLifecycle.endOfLifeTime", (
        Sample("end of life on 2099-01-01", {"baseModel": {"modelLifecycle": {
            "status": "ACTIVE", "endOfLifeTime": "2099-01-01T00:00:00Z"}}}, "pass"),
        Sample("end of life on 2025-01-01 (in the past)", {"baseModel": {"modelLifecycle": {
            "status": "LEGACY", "endOfLifeTime": "2025-01-01T00:00:00Z"}}}, "fail"),
        Sample("no end of life announced (field missing)",
               {"baseModel": {"modelLifecycle": {"status": "ACTIVE"}}}, "fail"),
    )),
    "max_days_ago": OperatorExample("creationTime", (
        Sample("created 2001-01-01", {"creationTime": "2001-01-01T00:00:00Z"}, "fail"),
        Sample('creationTime "last week" (not a timestamp)', {"creationTime": "last week"},
               "fail"),
        Sample("created after the run's date (clock skew: 0 days ago)",
               {"creationTime": "2099-01-01T00:00:00Z"}, "pass"),
    )),
    "contains": OperatorExample("modelName", (
        Sample('modelName "prod-summarizer"', {"modelName": "prod-summarizer"}, "pass"),
        Sample('modelName "prod-chat"', {"modelName": "prod-chat"}, "fail"),
    )),
}


# --- text ---------------------------------------------------------------------------------

def _wrap(text: str, indent: str = "  ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False)


def overview() -> str:
    """`bedrock-drift rules`: every check kind and operator, one line each."""
    width = max(len(n) for n in (*CHECKS, *OPERATORS)) + 2
    lines = ["Check kinds (each rule has exactly one):"]
    lines += [f"  {name:<{width}}{kind.summary}" for name, kind in CHECKS.items()]
    lines += ["", "Operators, in conditions {field: PATH, OP: VALUE} (require, when, scope.when):"]
    lines += [f"  {name:<{width}}{op.summary}" for name, op in OPERATORS.items()]
    lines += ["", "Combine conditions with " + ", ".join(f"{{{k}: ...}}" for k in LOGICAL) + ".",
              "", "Added keys, read by extra calls only when a rule or scope refers to them:",
              "  " + ", ".join(ENRICHMENTS),
              "A rule's served_severity raises the severity of violations on served models.",
              "Run 'bedrock-drift rules NAME' for a kind's or operator's options, semantics and "
              "example, an added key's fields, or served_severity."]
    return "\n".join(lines) + "\n"


def _type_of(schema: dict[str, Any]) -> str:
    if schema.get("oneOf") == NUMBER_SCHEMA["oneOf"]:
        return "number"
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {}).get("type", "value")
        items = " | ".join(items) if isinstance(items, list) else items
        return f"list of {items}"
    if isinstance(kind, list):
        return " | ".join(kind)
    return str(kind or "value")


def options_lines(kind: CheckKind) -> list[str]:
    """One line per option, from the kind's JSON Schema."""
    properties: dict[str, Any] = kind.schema.get("properties", {})
    if not properties:
        return _wrap("A CONDITION: {field: PATH, OP: VALUE} with OP one of "
                     + ", ".join(OPERATORS) + ", or "
                     + ", ".join(f"{{{k}: ...}}" for k in LOGICAL)
                     + " (see 'bedrock-drift rules OPERATOR').")
    required = set(kind.schema.get("required", []))
    rows = []
    for name, schema in properties.items():
        notes = [_type_of(schema)]
        if name in required:
            notes.append("required")
        if "default" in schema:
            notes.append(f"default {json.dumps(schema['default'])}")
        rows.append((name, ", ".join(notes), schema.get("description", "")))
    width = max(len(r[0]) for r in rows) + 2
    type_width = max(len(r[1]) for r in rows) + 2
    return [f"  {n:<{width}}{t:<{type_width}}{d}".rstrip() for n, t, d in rows]


def example_policy(rule_yaml: str) -> str:
    """A rule (a YAML list item) wrapped into a complete policy file."""
    return (f"version: 1\nname: {EXAMPLE_POLICY}\nrules:\n"
            + textwrap.indent(rule_yaml.rstrip("\n") + "\n", "  "))


def operator_rule(name: str) -> str:
    """The example rule of an operator: a `require` on its example field."""
    op = OPERATORS[name]
    example = OPERATOR_EXAMPLES[name]
    value = json.dumps(op.example if example.value is None else example.value)
    return f"- id: {name.replace('_', '-')}-example\n  require: {{field: {example.field}, " \
           f"{name}: {value}}}\n"


def _samples_lines(samples: tuple[Sample, ...]) -> list[str]:
    width = max(len(s.status) for s in samples) + 2
    return [f"  {s.status:<{width}}{s.label}" for s in samples]


def kind_doc(name: str) -> str:
    """`bedrock-drift rules KIND`: options, semantics, an example policy and what it yields."""
    kind = CHECKS[name]
    lines = [f"{name}: {kind.summary}", "", "Options:", *options_lines(kind)]
    for key, why in kind.not_supported_yet.items():
        lines += _wrap(f"{key}: not supported yet ({why}).")
    lines += ["", "Semantics:", *_wrap(kind.semantics), "", "Example policy:"]
    lines += ["  " + line for line in example_policy(kind.example).splitlines()]
    lines += ["", "On these models, its rule yields:", *_samples_lines(KIND_SAMPLES[name])]
    return "\n".join(lines) + "\n"


def _missing_text(op: Operator) -> str:
    if op.name == "exists":
        return "exists: false is true and exists: true is false on a missing field."
    state = {True: "true", False: "false", None: "unknown"}[op.missing]
    return f"On a missing field (absent or null) it is {state}."


def operator_doc(name: str) -> str:
    """`bedrock-drift rules OPERATOR`: what it tests, on a missing field, and an example."""
    op = OPERATORS[name]
    example = OPERATOR_EXAMPLES[name]
    lines = [f"{name}: {op.summary}", "", "Semantics:"]
    lines += _wrap(f"Takes {_ARG_TEXT[op.arg]}. {_missing_text(op)} A value of the wrong type "
                   "for the operator makes it unknown. In a check or require only true passes; "
                   "in when and scope.when unknown counts as true.")
    lines += ["", "Example policy:"]
    lines += ["  " + line for line in example_policy(operator_rule(name)).splitlines()]
    lines += ["", "On these models, its rule yields:", *_samples_lines(example.samples)]
    return "\n".join(lines) + "\n"


_ARG_TEXT = {
    "scalar": "a string, number or boolean (numbers compare numerically when both sides are "
              "numbers, else as exact strings)",
    "list": "a non-empty list of strings, numbers or booleans",
    "regex": "a regular expression that must match the whole value",
    "string": "a glob (case-sensitive, whole value; * crosses '/', and ':' except on ARN "
              "fields)",
    "number": "a number (YAML number, or a string such as \"1e-4\")",
    "days": "a whole number of days, 0 or more; the value must be an ISO 8601 timestamp as "
            "AWS returns it (2026-03-01T12:00:00Z, an offset such as -05:00, or a plain date; "
            "no zone means UTC), anything else is not a timestamp and fails. Days are UTC "
            "calendar days between the value's date and the run's date (the date of 'now' in "
            "policy tests), so the boundary day holds",
    "boolean": "true or false",
}


LOGICAL_DOCS = {
    "all_of": "{all_of: [CONDITION, ...]}: every part holds. False if any part is false, "
              "else unknown if any part is unknown, else true.",
    "any_of": "{any_of: [CONDITION, ...]}: at least one part holds. True if any part is true, "
              "else unknown if any part is unknown, else false.",
    "not": "{not: CONDITION}: the part does not hold. Not of unknown stays unknown, so a "
           "value of the wrong type never turns into a pass. Over an every-element path "
           "(validators[].s3Uri) the 'every element must hold' comes first and 'not' negates "
           "the whole: {not: {field: validationDataConfig.validators[].s3Uri, glob: "
           "'s3://scratch/*'}} is true when at least one validator is outside s3://scratch/, "
           "not when none is inside it. For \"no element ...\" put the negative operator on "
           "the field, which every element must then meet: {field: "
           "validationDataConfig.validators[].s3Uri, not_matches: 's3://scratch/.*'} (also "
           "not_equals, not_in). validate warns about a 'not' over an every-element path.",
}


def topics() -> list[str]:
    return [*CHECKS, *OPERATORS, *LOGICAL_DOCS, *ENRICHMENTS, "served_severity"]


def describe(name: str | None) -> str:
    """The text `bedrock-drift rules [NAME]` prints; UsageError for an unknown name."""
    if name is None:
        return overview()
    if name in CHECKS:
        return kind_doc(name)
    if name in OPERATORS:
        return operator_doc(name)
    if name in LOGICAL_DOCS:
        lines = [name, "", *_wrap(LOGICAL_DOCS[name]), "",
                 *_wrap("In a check or require only true passes; in when and scope.when "
                        "unknown counts as true. 'bedrock-drift rules require' shows a "
                        "working example.")]
        return "\n".join(lines) + "\n"
    if name in ENRICHMENTS:
        return "\n".join(enrichment_doc(name, _wrap)) + "\n"
    if name == "served_severity":
        return "\n".join(["served_severity", "", *_wrap(SERVED_SEVERITY)]) + "\n"
    raise UsageError(f"unknown check kind or operator '{name}'" + did_you_mean(name, topics())
                     + "; one of " + ", ".join(topics()))


def examples() -> list[tuple[str, str, tuple[Sample, ...]]]:
    """Every example policy `rules` prints: (topic, policy YAML, samples it is shown on)."""
    found = [(name, example_policy(kind.example), KIND_SAMPLES[name])
             for name, kind in CHECKS.items()]
    found += [(name, example_policy(operator_rule(name)), OPERATOR_EXAMPLES[name].samples)
              for name in OPERATORS]
    return found


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "or").replace("*", "\\*")


def _prose(text: str) -> str:
    """Plain text as Markdown: '*', '<' and '>' outside `code` escaped."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # the even parts are outside backticks
        parts[i] = parts[i].replace("*", "\\*").replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts)


def markdown_reference() -> str:
    """The same reference as Markdown, for the README (`bedrock-drift rules --markdown`)."""
    out = ["| check | what it checks |", "|---|---|"]
    out += [f"| [`{name}`](#{name}) | {kind.summary} |"
            for name, kind in CHECKS.items()]
    out += ["", "| operator | true when |", "|---|---|"]
    out += [f"| `{name}` | {_cell(op.summary)} |" for name, op in OPERATORS.items()]
    for name, kind in CHECKS.items():
        out += ["", f"#### {name}", "", kind.summary, ""]
        properties: dict[str, Any] = kind.schema.get("properties", {})
        if properties:
            required = set(kind.schema.get("required", []))
            out += ["| option | type | description |", "|---|---|---|"]
            for option, schema in properties.items():
                notes = [_type_of(schema).replace(" | ", " or ")]
                if option in required:
                    notes.append("required")
                if "default" in schema:
                    notes.append(f"default `{json.dumps(schema['default'])}`")
                out.append(f"| `{option}` | {', '.join(notes)} | "
                           f"{_cell(schema.get('description', ''))} |")
            out.append("")
        out += [_prose(kind.semantics), "", "```yaml",
                example_policy(kind.example).rstrip("\n"), "```",
                "", "| model | result |", "|---|---|"]
        out += [f"| {_cell(s.label)} | `{s.status}` |" for s in KIND_SAMPLES[name]]
    return "\n".join(out) + "\n"
