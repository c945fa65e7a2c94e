"""The --from source: every accepted shape, and a clear one-line error for every bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.errors import InputError
from checker.sources.files import load_documents

DOC = {"modelArn": "arn:aws:bedrock:eu-west-1:111122223333:custom-model/x/abc",
       "modelName": "ünïcode-模型", "customizationType": "FINE_TUNING"}


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("name", "content", "count"), [
    ("one.json", DOC, 1),
    ("list.json", [DOC, {**DOC, "modelName": "b", "modelArn": DOC["modelArn"] + "b"}], 2),
    ("cli.json", {**DOC, "ResponseMetadata": {"HTTPStatusCode": 200}}, 1),
    ("snap.json", {"schema_version": 1,
                   "models": [DOC, {**DOC, "modelArn": DOC["modelArn"] + "b"}]}, 2),
    ("one.yaml", "modelName: a\ncreationTime: 2026-01-02T03:04:05Z\n", 1),
    ("list.yml", "- modelName: a\n- modelName: b\n", 2),
], ids=["document", "list", "aws cli output", "snapshot", "yaml", "yaml list"])
def test_accepted_shapes(tmp_path: Path, name: str, content: Any, count: int) -> None:
    result = load_documents([write(tmp_path, name, content)])
    assert len(result.models) == count
    assert all("ResponseMetadata" not in m.document for m in result.models)


def test_document_is_normalised(tmp_path: Path) -> None:
    yaml_doc = ("modelArn: arn:aws-cn:bedrock:cn-north-1:111122223333:custom-model/x/y\n"
                "modelName: a\ncreationTime: 2026-01-02T03:04:05Z\n"
                "tags: [{key: owner, value: ml}]\n")
    (item,) = load_documents([write(tmp_path, "a.yaml", yaml_doc)]).models
    assert item.document["creationTime"] == "2026-01-02T03:04:05Z"
    assert item.document["region"] == "cn-north-1"
    assert item.document["accountId"] == "111122223333"
    assert item.document["tags"] == {"owner": "ml"}
    assert item.kind == "model"


def test_directory_reads_every_document_sorted(tmp_path: Path) -> None:
    write(tmp_path, "b.json", {**DOC, "modelName": "b"})
    write(tmp_path, "a.yaml", "modelName: a\n")
    write(tmp_path, "notes.txt", "not read")
    result = load_documents([str(tmp_path)])
    assert [m.document["modelName"] for m in result.models] == ["a", "b"]
    assert result.regions == ("eu-west-1",)
    assert result.accounts == ("111122223333",)


ERRORS = [
    ("bad.json", '{"modelName": "a",}', r"bad\.json:1:19: invalid JSON: Expecting property name"),
    ("bad.yaml", "modelName: [a\n", r"bad\.yaml:2:1: invalid YAML"),
    ("empty.json", "[]", r"empty\.json: no model documents \(the list is empty\)"),
    ("empty.yaml", "", r"empty\.yaml: no model documents \(the file is empty\)"),
    ("scalar.json", "42", r"scalar\.json: not a model document\. Accepted: "),
    ("item.json", [DOC, 7], r"item\.json: item 2 is not an object"),
    ("noid.json", [{"foo": 1}], r"noid\.json: item 1 is not a GetCustomModel document"),
    ("summaries.json", {"modelSummaries": []}, r"looks like ListCustomModels output"),
    ("dupe.yaml", "modelName: a\nmodelName: b\n", r"dupe\.yaml:2:1: duplicate key 'modelName'"),
    ("tags.json", {**DOC, "tags": "owner=me"}, r"'tags' must be an object"),
    ("latin1.json", None, r"latin1\.json: not UTF-8 text"),
    ("dupe.json", '{"modelName": "a", "modelKmsKeyArn": "x", "modelKmsKeyArn": "y"}',
     r"dupe\.json: duplicate key 'modelKmsKeyArn' in a JSON object"),
    ("hp.json", {**DOC, "hyperParameters": "x"},
     r"hp\.json: model 'ünïcode-模型': hyperParameters must be an object, not 'x'"),
    ("key.json", {**DOC, "modelKmsKeyArn": 5},
     r"key\.json: model 'ünïcode-模型': modelKmsKeyArn must be a string, not 5"),
    ("lr.json", {**DOC, "hyperParameters": {"learningRate": ["0.1"]}},
     r"hyperParameters\.learningRate must be a single value, not a list"),
    ("validators.yaml", "modelName: a\nvalidationDataConfig: {validators: {s3Uri: x}}\n",
     r"validationDataConfig\.validators must be a list"),
    ("flag.json", {**DOC, "trainingDataConfig": {"invocationLogsConfig": {
        "usePromptResponse": "yes"}}}, r"usePromptResponse must be true or false, not 'yes'"),
    ("tagvalue.json", {**DOC, "tags": {"owner": {"name": "x"}}},
     r"tags\.owner must be a single value, not an object"),
]


@pytest.mark.parametrize(("name", "content", "message"), [e[:3] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_bad_input(tmp_path: Path, name: str, content: Any, message: str) -> None:
    if content is None:
        (tmp_path / name).write_bytes(b'{"modelName": "caf\xe9"}')
        path = str(tmp_path / name)
    else:
        path = write(tmp_path, name, content)
    with pytest.raises(InputError, match=message) as info:
        load_documents([path])
    assert "\n" not in str(info.value)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        load_documents([str(tmp_path / "nope.json")])


def test_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no model documents"):
        load_documents([str(tmp_path)])


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "locked.json", DOC)

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(InputError, match=r"locked\.json: cannot read: Permission denied"):
        load_documents([path])
