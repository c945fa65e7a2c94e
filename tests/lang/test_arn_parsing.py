"""ARNs are parsed, not pattern-matched (issue 22, item 5): every ARN-typed value of a model
document, a job request, a Terraform plan or a Lambda event must be a well-formed ARN of its
kind by botocore's own pattern, or the input is an error; and in globs on ARNs, ``*`` and
``?`` never cross ``:``, so a spliced account cannot reach an allow-list."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
from pathlib import Path

import botocore.session
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from checker.errors import InputError
from checker.lang.arns import arn_value_problem, document_arn_problem, request_arn_problem
from checker.sources import planned
from checker.sources.files import model_input
from checker.values import compile_arn_globs
from tests.support import ROOT, command_env, status_of

BIN = ROOT / ".venv" / "bin" / "bedrock-drift"
NOVA = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0:128k"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MODEL_ARN = ("arn:aws:bedrock:us-east-1:111122223333:custom-model/"
             "amazon.nova-micro-v1:0:128k/a1b2c3d4e5f6")


def test_the_patterns_are_botocores() -> None:
    """Nothing is copied: the check is the pattern the installed botocore gives."""
    model = botocore.session.get_session().get_service_model("bedrock")
    pattern = model.shape_for("KmsKeyArn").metadata["pattern"]
    for value in (KEY, KEY.replace(":111122223333:", ":999999999999:111122223333:")):
        accepted = re.fullmatch(pattern, value, re.ASCII) is not None
        assert (arn_value_problem(value, "KmsKeyArn", "k") is None) is accepted


# The examples, and their kin: each is refused, naming the field.
@pytest.mark.parametrize(("field", "value"), [
    ("baseModelArn", "ARN" + NOVA[3:]),
    ("baseModelArn", " " + NOVA),
    ("baseModelArn", NOVA + " "),
    ("baseModelArn", "x:foundation-model/amazon.nova-micro-v1:0:128k"),
    ("baseModelArn", "evil/" + NOVA),
    ("baseModelArn", NOVA.replace(":bedrock:", ":s3:")),
    ("baseModelArn", NOVA.replace("foundation-model", "foundation-modelx")),
    ("baseModelArn", "amazon.nova-micro-v1:0:128k "),
    ("baseModelArn", "amazon.nova-micro-v1:0:128k/x"),
    ("modelKmsKeyArn", KEY.replace(":111122223333:", ":999999999999:111122223333:")),
    ("modelKmsKeyArn", "alias/ml platform"),
    ("modelKmsKeyArn", "arn:aws:kms:us-east-1:111122223333:key/k"),  # not a key id
    ("modelKmsKeyArn", KEY.replace("arn:aws:kms", "arn:aws:kmsx")),
    ("modelKmsKeyArn", KEY + "\n"),
    ("modelArn", MODEL_ARN.replace(":111122223333:", ":1111222233334:")),
    ("modelArn", "arn:aws:bedrock:us-east-1:111122223333:model/x"),
    ("modelArn", " arn:aws:bedrock:us-east-1:111122223333:custom-model/x"),
    ("modelArn", "arn:aws:bedrock:us-east-1:11112222333\u0663:custom-model/x"),
    ("modelArn", "arn:aws:s3:us-east-1:111122223333:custom-model/x"),
    ("jobArn", "arn:aws:bedrock:us-east-1:111122223333:custom-model/x"),
])
def test_a_malformed_arn_in_a_document_is_refused(field: str, value: str) -> None:
    doc = {"modelArn": MODEL_ARN, "modelName": "m", "baseModelArn": NOVA,
           "modelKmsKeyArn": KEY, field: value}
    with pytest.raises(InputError) as info:
        model_input(doc, "m.json")
    message = str(info.value)
    assert message.startswith(f"m.json: model 'm': {field}: ") and "not a well-formed" in message
    assert "\n" not in message  # a newline in the value is escaped, not printed


def test_well_formed_documents_pass() -> None:
    doc = {"modelArn": MODEL_ARN, "modelName": "m", "baseModelArn": NOVA, "modelKmsKeyArn": KEY,
           "jobArn": "arn:aws:bedrock:us-east-1:111122223333:model-customization-job/"
                     "amazon.nova-micro-v1:0:128k/abcdef123456",
           "job": {"roleArn": "arn:aws:iam::111122223333:role/Bedrock"}}
    assert model_input(doc, "m.json").document["baseModelArn"] == NOVA
    # What a request may give (a bare id, a key alias) is accepted as such: the checks judge
    # it (an alias never matches an ARN glob).
    assert document_arn_problem({"baseModelArn": "amazon.nova-micro-v1:0:128k",
                                 "modelKmsKeyArn": "alias/ml-platform"}, "model") is None
    assert document_arn_problem({"modelArn": "arn:aws:bedrock:us-east-1:111122223333:"
                                 "imported-model/abcdef123456"}, "imported") is None
    # A planned model keeps the request's identifiers: a bare id and an alias are fine there.
    assert document_arn_problem({"baseModelArn": "amazon.nova-micro-v1:0:128k",
                                 "modelKmsKeyArn": "alias/ml"}, "planned") is None
    assert document_arn_problem({"baseModelArn": " amazon.nova-micro-v1:0:128k"},
                                "planned") is not None
    assert document_arn_problem({"jobArn": "arn:aws:bedrock:eu-west-1:111122223333:"
                                 "model-import-job/k4j3h2g1f0d9"}, "imported") is None


def test_job_roles_and_graders_are_checked_too() -> None:
    bad_role = {"job": {"roleArn": "arn:aws:iam::111122223333:user/Bedrock"}}
    assert "job.roleArn" in str(document_arn_problem(bad_role, "model"))
    grader = {"customizationConfig": {"rftConfig": {"graderConfig": {"lambdaGrader": {
        "lambdaArn": "arn:aws:lambda:us-east-1:111122223333:function:g:1:2"}}}}}
    assert "lambdaArn" in str(document_arn_problem(grader, "model"))


REQUEST = {"jobName": "j", "customModelName": "m",
           "roleArn": "arn:aws:iam::111122223333:role/Bedrock",
           "baseModelIdentifier": "amazon.nova-micro-v1:0:128k",
           "trainingDataConfig": {"s3Uri": "s3://bucket/train.jsonl"},
           "outputDataConfig": {"s3Uri": "s3://bucket/out/"}}


@pytest.mark.parametrize(("key", "value"), [
    ("baseModelIdentifier", "x:foundation-model/amazon.nova-micro-v1:0:128k"),
    ("baseModelIdentifier", " amazon.nova-micro-v1:0:128k"),
    ("customModelKmsKeyId", "ARN:aws:kms:us-east-1:111122223333:key/"
                            "1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("roleArn", "arn:aws:iam::111122223333:role"),
])
def test_a_malformed_identifier_in_a_job_request_is_refused(key: str, value: str) -> None:
    with pytest.raises(InputError, match=rf"^job\.json: {key}: .* is not a well-formed"):
        planned.request_to_inputs({**REQUEST, key: value}, "job.json")
    assert request_arn_problem("CreateModelCustomizationJob", REQUEST) is None


# --- globs on ARNs -----------------------------------------------------------------------

PART = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
ACCOUNT = st.text(alphabet="0123456789", min_size=12, max_size=12)


@settings(max_examples=300, deadline=None)
@given(PART, ACCOUNT, ACCOUNT, PART)
def test_a_spliced_account_never_matches(region: str, allowed: str, other: str,
                                         key: str) -> None:
    assume(allowed != other)
    match = compile_arn_globs([f"arn:aws:kms:*:{allowed}:key/*"])
    assert match(f"arn:aws:kms:{region}:{allowed}:key/{key}")
    assert not match(f"arn:aws:kms:{region}:{other}:key/{key}")
    assert not match(f"arn:aws:kms:{region}:{other}:{allowed}:key/{key}")
    assert not match(f"arn:aws:kms:{region}:{allowed}:{other}:key/{key}")


def _glob_part(draw: st.DrawFn) -> str:
    return draw(st.lists(st.sampled_from(["*", "?", "a", "b", "1", "-", "/"]), min_size=1,
                         max_size=5).map("".join))


@st.composite
def arn_globs(draw: st.DrawFn) -> str:
    return ":".join(_glob_part(draw) for _ in range(draw(st.integers(2, 7))))


@st.composite
def arns(draw: st.DrawFn) -> str:
    parts = [draw(st.text(alphabet="ab1-/", min_size=0, max_size=4)) for _ in
             range(draw(st.integers(2, 7)))]
    return ":".join(parts)


@settings(max_examples=500, deadline=None)
@given(arn_globs(), arns(), st.integers(0, 7), st.text(alphabet="ab1:", min_size=1,
                                                         max_size=4))
def test_splicing_never_widens_a_match(glob: str, value: str, at: int, extra: str) -> None:
    """A value a glob matches has the glob's colons where the glob has them (except what a
    final '*' takes); inserting text with a colon into a value the glob does not match can
    only make it match where the glob's final '*' (or the old, crossing reading) would."""
    match = compile_arn_globs([glob])
    matched = bool(match(value))
    # Whatever the new reading matches, the old one (fnmatch, * crossing :) matched too.
    if matched:
        assert fnmatch.fnmatchcase(value, glob)
    # Without a final '*', a match fixes the number of colons: a splice that adds one
    # never matches.
    if not glob.endswith("*") and ":" in extra:
        parts = value.split(":")
        at = min(at, len(parts))
        spliced = ":".join([*parts[:at], extra, *parts[at:]])
        if matched:
            assert not match(spliced)


@pytest.mark.parametrize(("glob", "value", "expected"), [
    ("arn:aws:kms:*", "arn:aws:kms:eu-west-1:111122223333:key/1a2b", "pass"),  # conformance
    ("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/1a2b",
     "pass"),
    ("arn:aws:kms:*:111122223333:key/*",
     "arn:aws:kms:us-east-1:999999999999:111122223333:key/1a2b", "fail"),
    ("arn:aws:kms:*:key/*", "arn:aws:kms:us-east-1:111122223333:key/1a2b", "fail"),
    ("arn:aws:kms:??-east-1:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/a",
     "pass"),
    ("arn:aws:kms:us-east-?:111122223333:key/*", "arn:aws:kms:us-east-:1:111122223333:key/a",
     "fail"),
])
def test_kms_allow_list_matches_each_part_on_its_own(glob: str, value: str,
                                                     expected: str) -> None:
    assert str(status_of({"kms_key": {"allowed": [glob]}}, {"modelKmsKeyArn": value})) == \
        expected
    assert str(status_of({"require": {"field": "modelKmsKeyArn", "glob": glob}},
                         {"modelKmsKeyArn": value})) == expected


def test_a_glob_on_a_field_that_is_not_an_arn_still_crosses() -> None:
    rule = {"require": {"field": "trainingDataConfig.s3Uri", "glob": "s3://b/*/x"}}
    assert str(status_of(rule, {"trainingDataConfig": {"s3Uri": "s3://b/a:b/x"}})) == "pass"


# --- validate says where a glob relied on crossing -----------------------------------------

def _validate(tmp_path: Path, rule: str) -> subprocess.CompletedProcess[str]:
    policy = tmp_path / "p.yaml"
    policy.write_text(f"version: 1\nname: p\nrules:\n  - id: r\n    severity: high\n"
                      f"    {rule}\n", encoding="utf-8")
    return subprocess.run([str(BIN), "validate", str(policy)], capture_output=True, text=True,
                          env=command_env(tmp_path), timeout=120)


@pytest.mark.parametrize("rule", [
    'kms_key: {allowed: ["arn:aws:kms:*:key/*"]}',
    'require: {field: modelKmsKeyArn, glob: "arn:aws:kms:*:key/*"}',
    'lambda_grader: {allowed: ["arn:aws:lambda:*:function:grader"]}',
])
def test_validate_warns_where_a_glob_relied_on_crossing(tmp_path: Path, rule: str) -> None:
    result = _validate(tmp_path, rule)
    assert result.returncode == 0
    assert "matches only if '*' or '?' crosses ':'" in result.stderr + result.stdout


@pytest.mark.parametrize("rule", [
    'kms_key: {allowed: ["arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:*"]}',
    'base_model: {allowed: ["arn:aws:bedrock:*::foundation-model/amazon.nova-*"]}',
])
def test_no_warning_for_part_by_part_globs(tmp_path: Path, rule: str) -> None:
    result = _validate(tmp_path, rule)
    assert result.returncode == 0 and "crosses" not in result.stderr + result.stdout


# --- through the installed command ---------------------------------------------------------

def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True,
                          env=command_env(tmp_path), timeout=120, cwd=tmp_path)


@pytest.mark.parametrize("base", ["ARN" + NOVA[3:], " " + NOVA,
                                  "x:foundation-model/amazon.nova-micro-v1:0:128k"])
def test_check_errors_a_document_with_a_malformed_base(tmp_path: Path, base: str) -> None:
    """The malformed model is that model's error (exit 2), never judged; the other models of
    the same file are judged as usual."""
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\nrules:\n  - id: base\n    severity: high\n"
                      "    base_model: {allowed: [\"amazon.nova-*\"]}\n", encoding="utf-8")
    model = tmp_path / "m.json"
    other_arn = MODEL_ARN.replace("custom-model/", "custom-model/other-")
    model.write_text(json.dumps([
        {"modelArn": MODEL_ARN, "modelName": "m", "baseModelArn": base},
        {"modelArn": other_arn, "modelName": "fine", "baseModelArn": NOVA}]), encoding="utf-8")
    result = _run(tmp_path, "check", "-p", str(policy), "--from", str(model), "-f", "json")
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert [e["code"] for e in report["errors"]] == ["MalformedArn"]
    (error,) = report["errors"]
    assert (error["model_name"], error["model_arn"]) == ("m", MODEL_ARN)
    assert error["message"] == (
        f"{model}: model 'm': baseModelArn: {json.dumps(base)} is not a well-formed "
        "BaseModelIdentifier (botocore's pattern for it); an ARN must name the right service "
        "and resource type, in lowercase 'arn:', with nothing before or after it")
    judged = {m["model_name"]: m["results"] for m in report["models"]}
    assert judged == {"fine": {"p/base": "pass"}}  # the malformed one is never a pass
    assert report["summary"]["result"] == "error"
    model.write_text(json.dumps({"modelArn": MODEL_ARN, "modelName": "m",
                                 "baseModelArn": NOVA}), encoding="utf-8")
    assert _run(tmp_path, "check", "-p", str(policy), "--from", str(model)).returncode == 0


def test_snapshot_refuses_to_record_a_malformed_model(tmp_path: Path) -> None:
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"modelArn": MODEL_ARN, "modelName": "m",
                                 "baseModelArn": " " + NOVA}), encoding="utf-8")
    state = tmp_path / "state.json"
    result = _run(tmp_path, "snapshot", "--from", str(model), "-o", str(state))
    assert result.returncode == 2
    assert "MalformedArn" in result.stderr or "not a well-formed" in result.stderr
    assert not state.exists()


def test_check_refuses_a_job_request_with_a_malformed_base(tmp_path: Path) -> None:
    request = tmp_path / "job.json"
    request.write_text(json.dumps({**REQUEST, "baseModelIdentifier":
                                   "x:foundation-model/amazon.nova-micro-v1:0:128k"}),
                       encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\nrules:\n  - id: base\n    severity: high\n"
                      "    base_model: {allowed: [\"amazon.nova-*\"]}\n", encoding="utf-8")
    result = _run(tmp_path, "check", "-p", str(policy), "--from", str(request))
    assert result.returncode == 2
    assert f"{request}: baseModelIdentifier: " in result.stderr
    assert "Traceback" not in result.stderr
