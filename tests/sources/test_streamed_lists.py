"""A --from file holding a list of documents is read element by element: the same models,
the same errors, as reading the file whole; a window cut anywhere changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.errors import InputError
from checker.sources import files
from checker.sources.files import StoredModels, convert, load_documents, read_data

ARN = "arn:aws:bedrock:eu-west-1:111122223333:custom-model/x/m"


def doc(index: int, **extra: Any) -> dict[str, Any]:
    return {"modelArn": f"{ARN}{index}", "modelName": f"模型-{index}",
            "hyperParameters": {"learningRate": "0.00001", "epochCount": str(index)},
            "trainingMetrics": {"trainingLoss": 0.4172, "huge": 12345678901234567890},
            "tags": [{"key": "owner", "value": "ml"}], **extra}


def whole(path: str) -> Any:
    """What the whole-file reader makes of the file: its models, or its error."""
    taken = files._Taken()
    try:
        taken.take_file(convert(read_data(path), path), path)
    except InputError as exc:
        return str(exc)
    return [m.document for m in taken.models]


def streamed(path: str) -> Any:
    try:
        source = load_documents([path])
    except InputError as exc:
        return str(exc)
    assert source.errors == ()
    return [m.document for m in source.models]


@pytest.fixture(params=[1, 2, 7, 64, 1 << 20])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Windows of a few characters cut every element, number and escape somewhere."""
    monkeypatch.setattr(files, "CHUNK_CHARS", request.param)
    return int(request.param)


@pytest.mark.parametrize("text", [
    json.dumps([doc(i) for i in range(5)]),
    json.dumps([doc(i) for i in range(5)], indent=2),
    "\ufeff \n[ " + " ,\n ".join(json.dumps(doc(i)) for i in range(3)) + " ]\n\n",
    json.dumps([doc(1, note="\\u00e9 \"quoted\" \\ backslash \U0001f600 \ud83d\ude00")]),
    json.dumps([doc(1, exact=1)]).replace('"exact": 1', '"exact": 1e-400'),
])
def test_the_models_are_those_of_the_whole_file(tmp_path: Path, window: int,
                                                 text: str) -> None:
    path = tmp_path / "models.json"
    path.write_text(text, encoding="utf-8")
    assert streamed(str(path)) == whole(str(path))
    assert isinstance(load_documents([str(path)]).models, StoredModels)


@pytest.mark.parametrize("text", [
    "[" + json.dumps(doc(1)) + "," + json.dumps(doc(2))[:-1] + ", \"modelName\": \"b\"}]",
    "[" + json.dumps(doc(1)) + ",]",
    "[" + json.dumps(doc(1)) + "] trailing",
    "[" + json.dumps(doc(1)) + " " + json.dumps(doc(2)) + "]",
    "[" + json.dumps(doc(1)) + ", 5]",
    "[" + json.dumps(doc(1)) + ", {\"other\": 1}]",
    "[" + json.dumps(doc(1)) + ", " + json.dumps(doc(1)) + "]",
    "[" + json.dumps(doc(1)) + ", " + json.dumps(doc(2, tags=7)) + "]",
    "[" + json.dumps(doc(1)) + ",\n " + json.dumps(doc(2, x="SUR")).replace("SUR", "\\ud800") + "]",
    "[" + json.dumps(doc(1)) + ",\n " + json.dumps(doc(2)).replace("0.4172", "1" * 5000)
    + "]",
    "[]",
    "[" + json.dumps(doc(1)),
])
def test_a_problem_anywhere_reads_as_it_does_in_the_whole_file(
        tmp_path: Path, window: int, text: str) -> None:
    path = tmp_path / "models.json"
    path.write_text(text, encoding="utf-8")
    expected = whole(str(path))
    assert isinstance(expected, str), expected
    assert streamed(str(path)) == expected


def test_a_model_given_again_in_a_later_file_names_both_places(tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    first.write_text(json.dumps([doc(1)]), encoding="utf-8")
    second = tmp_path / "b.json"
    second.write_text(json.dumps([doc(2), doc(1)]), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_documents([str(first), str(second)])
    assert str(raised.value) == (f"{second} (model 2): model {ARN}1 is also given in "
                                 f"{first}: give each model once, or one of the two is "
                                 "judged as the other")


def test_stored_models_read_back_as_they_were_taken(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    path.write_text(json.dumps([doc(i) for i in range(3)]), encoding="utf-8")
    models = load_documents([str(path)]).models
    assert len(models) == 3
    assert [m.document["modelName"] for m in models] == ["模型-0", "模型-1", "模型-2"]
    assert models[1].document["tags"] == {"owner": "ml"}
    assert [m.document for m in models[1:]] == [m.document for m in list(models)[1:]]
    assert models[0].origin == str(path) and models[0].kind == "model"
