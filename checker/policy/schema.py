"""The JSON Schema of policy files, built from the check kinds so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

from checker.checks import CHECKS
from checker.checks.base import NUMBER_SCHEMA
from checker.checks.inventory import INVENTORY_SCHEMA
from checker.lang.operators import OPERATORS
from checker.policy.frameworks import catalog
from checker.results import SEVERITIES

SCHEMA_ID = "https://bedrock-drift.dev/schemas/policy-v1.json"

_SCALAR = {"type": ["string", "number", "boolean"]}
_OPERATOR_SCHEMAS: dict[str, dict[str, Any]] = {
    "scalar": _SCALAR,
    "list": {"type": "array", "minItems": 1, "items": _SCALAR},
    "regex": {"type": "string", "format": "regex"},
    "string": {"type": "string"},
    "number": NUMBER_SCHEMA,
    "boolean": {"type": "boolean"},
    "days": {"type": "integer", "minimum": 0},
}


def _condition_defs() -> dict[str, Any]:
    field_condition = {
        "type": "object",
        "description": "{field: PATH, OP: VALUE}; several operators in one mapping must all hold.",
        "required": ["field"],
        "minProperties": 2,
        "additionalProperties": False,
        "properties": {
            "field": {"type": "string", "description": "Dotted field path; [] for every "
                                                       "element; quote keys with dots."},
            **{name: {**_OPERATOR_SCHEMAS[op.arg], "description": op.summary}
               for name, op in OPERATORS.items()},
        },
    }
    ref = {"$ref": "#/$defs/condition"}
    return {
        "condition": {
            "description": "A condition: true, false or unknown (a value of the wrong type).",
            "oneOf": [
                field_condition,
                {"type": "object", "additionalProperties": False, "required": ["all_of"],
                 "properties": {"all_of": {"type": "array", "minItems": 1, "items": ref,
                                           "description": "Every part holds."}}},
                {"type": "object", "additionalProperties": False, "required": ["any_of"],
                 "properties": {"any_of": {"type": "array", "minItems": 1, "items": ref,
                                           "description": "At least one part holds."}}},
                {"type": "object", "additionalProperties": False, "required": ["not"],
                 "properties": {"not": {**ref, "description": "The part does not hold "
                                                              "(unknown stays unknown)."}}},
            ],
        }
    }


def _check_property(name: str) -> dict[str, Any]:
    kind = CHECKS[name]
    schema = {**kind.schema, "description": f"{kind.summary} {kind.semantics}"}
    if kind.empty_ok:
        return {"description": schema["description"], "anyOf": [{"type": "null"}, schema]}
    return schema


# A string that is one whole variable reference stands for any value the variable may hold;
# editors must not flag `max: "${var.rate}"` or `allowed: "${var.keys}"`.
VAR_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"
VAR_REFERENCE = {
    "type": "string",
    "pattern": r"^\$\{\s*var\.[A-Za-z_][A-Za-z0-9_]*\s*\}$",
    "description": "A variable reference standing for the whole value: \"${var.NAME}\".",
}
_VAR_VALUE = {"type": ["string", "number", "boolean"]}


def _vars_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Variables and their defaults, used as ${var.NAME} in any string value "
                       "and overridden with --var NAME=VALUE or --var-file FILE. A null default "
                       "must be given a value. Write $${ for a literal ${.",
        "propertyNames": {"pattern": VAR_NAME_PATTERN},
        "additionalProperties": {
            "anyOf": [_VAR_VALUE, {"type": "null"},
                      {"type": "array", "items": _VAR_VALUE}],
        },
    }


def _is_leaf(schema: dict[str, Any]) -> bool:
    """A schema for a value a variable could stand for (not a mapping of options)."""
    if "$ref" in schema or schema.get("type") == "object" or "properties" in schema:
        return False
    if "anyOf" in schema or "oneOf" in schema:
        return all(_is_leaf(s) for s in schema.get("anyOf", schema.get("oneOf", [])))
    items = schema.get("items")
    return not (isinstance(items, dict) and not _is_leaf(items))


def _takes_any_string(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and not ({"pattern", "enum", "format", "const"}
                                                    & set(schema))


def _allow_references(schema: dict[str, Any]) -> dict[str, Any]:
    """Let every leaf value of ``schema`` also be a whole-value variable reference."""
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {key: _reference_or(value)
                             for key, value in out["properties"].items()}
    for key in ("oneOf", "anyOf", "allOf"):
        if isinstance(out.get(key), list):
            out[key] = [_allow_references(s) for s in out[key]]
    if isinstance(out.get("items"), dict):
        out["items"] = _reference_or(out["items"])
    if isinstance(out.get("$defs"), dict):
        out["$defs"] = {key: _allow_references(value) for key, value in out["$defs"].items()}
    return out


def _reference_or(schema: dict[str, Any]) -> dict[str, Any]:
    inner = _allow_references(schema)
    if not _is_leaf(schema) or _takes_any_string(schema):
        return inner
    wrapped: dict[str, Any] = {"anyOf": [inner, {"$ref": "#/$defs/var_reference"}]}
    if "description" in inner:
        wrapped = {"description": inner["description"], **wrapped}
    return wrapped


def policy_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one policy file.

    Every leaf value may also be a whole-value variable reference ("${var.NAME}").
    """
    return _allow_references(_policy_schema())


def _policy_schema() -> dict[str, Any]:
    text = {"type": "string", "minLength": 1}
    name = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"}
    rule = {
        "type": "object",
        "required": ["id"],
        "additionalProperties": False,
        "oneOf": [{"required": [kind]} for kind in CHECKS],
        "properties": {
            # GitHub code scanning takes a rule name of 255 characters, descriptions of 1024
            # and 20 tags (SARIF adds "security" to the labels): more is refused here.
            "id": {**name, "maxLength": 255,
                   "description": "Unique within the policy; reported as policy/id."},
            "title": {**text, "maxLength": 1024,
                      "description": "One line, shown in every report."},
            "description": {**text, "maxLength": 1024},
            "severity": {"enum": list(SEVERITIES), "default": "medium"},
            "served_severity": {"enum": list(SEVERITIES),
                                "description": "The severity of violations on a model that is "
                                               "served (an Active deployment or provisioned "
                                               "throughput), and where that is unknown."},
            "labels": {"type": "array", "items": {"type": "string"}, "maxItems": 19,
                       "description": "Free-form (e.g. CIS-3.1); carried into every report. "
                                      "At most 19: SARIF adds a security tag, and GitHub "
                                      "refuses more than 20."},
            "remediation": {**text, "description": "How to fix a violation."},
            "link": {"type": "string", "description": "A page that explains the rule."},
            "compliance": {
                "type": "object", "minProperties": 1,
                "description": "Controls of compliance frameworks this rule checks: "
                               "{FRAMEWORK: [control id, ...]}.",
                "propertyNames": {"enum": list(catalog())},
                "additionalProperties": {"type": "array", "minItems": 1,
                                         "items": {"type": "string"}},
            },
            "when": {"$ref": "#/$defs/condition",
                     "description": "The rule applies only where this holds (unknown counts "
                                    "as true)."},
            **{kind: _check_property(kind) for kind in CHECKS},
        },
    }
    waiver = {
        "type": "object",
        "required": ["rules", "reason", "expires"],
        "anyOf": [{"required": ["models"]}, {"required": ["accounts"]},
                  {"required": ["regions"]}],
        "description": "A model policy's waiver names models (and optionally accounts); an "
                       "account policy's names accounts and/or regions.",
        "additionalProperties": False,
        "properties": {
            "rules": {"type": "array", "minItems": 1, "items": {"type": "string"},
                      "description": "Rule ids of this policy, or [\"*\"]."},
            "models": {"type": "array", "minItems": 1, "items": {"type": "string"},
                       "description": "Globs on modelName or modelArn (exact case)."},
            "accounts": {"type": "array", "minItems": 1, "items": {"type": "string"},
                         "description": "Account ids (quoted)."},
            "regions": {"type": "array", "minItems": 1, "items": {"type": "string"},
                        "description": "Regions (resource: account policies only)."},
            "reason": {**text, "description": "Why, and who approved it."},
            "expires": {"type": "string", "format": "date",
                        "description": "YYYY-MM-DD; applies through the end of that day, UTC."},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "bedrock-drift policy",
        "type": "object",
        "required": ["version", "name"],
        "anyOf": [{"required": ["rules"]}, {"required": ["inventory"]}],
        "additionalProperties": False,
        "properties": {
            "version": {"const": 1},
            "name": {**name, "description": "Unique across loaded policies."},
            "description": text,
            "resource": {"enum": ["model", "account"], "default": "model",
                         "description": "What each rule judges: every model, or the Bedrock "
                                        "settings of every account and region read "
                                        "({accountId, region, invocationLogging, "
                                        "enforcedGuardrails}; require rules only)."},
            "vars": _vars_schema(),
            "scope": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "names": {"type": "array", "minItems": 1, "items": {"type": "string"},
                              "description": "Globs on modelName, matched ignoring case."},
                    "when": {"$ref": "#/$defs/condition"},
                },
            },
            "rules": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/rule"}},
            "inventory": INVENTORY_SCHEMA,
            "waivers": {"type": "array", "items": {"$ref": "#/$defs/waiver"}},
        },
        "$defs": {**_condition_defs(), "rule": rule, "waiver": waiver,
                  "var_reference": VAR_REFERENCE},
    }
