"""The ``--from`` source: model documents read from JSON or YAML files."""

from __future__ import annotations

import codecs
import json
import re
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.documents import normalize_document, to_json_value
from checker.errors import InputError
from checker.lang.arns import document_arn_problem
from checker.lang.fields import document_problem
from checker.lang.yaml import SURROGATE, YamlError, load_yaml, value_problem
from checker.paths import expand_paths
from checker.results import (
    KINDS,
    PLAN_KEY,
    SNAPSHOT_SCHEMA_VERSION,
    ModelInput,
    ModelKind,
    ReportError,
    SourceResult,
)
from checker.sources import planned, terraform
from checker.values import exact_float

SUFFIXES = (".json", ".yaml", ".yml")


def document_files(paths: Iterable[str]) -> list[str]:
    """The files a list of files and directories names (directories: *.json, *.yaml, *.yml
    in them, sorted)."""
    return expand_paths(paths, lambda p: p.suffix in SUFFIXES,
                        what="model documents (*.json, *.yaml, *.yml)", error=InputError)


class DuplicateKeyError(ValueError):
    """A JSON object that repeats a key."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads silently keeps the last of two equal keys, which can hide a value (a
    # foreign KMS key followed by an approved one, say): refuse such a file instead.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(f"duplicate key {key!r} in a JSON object; JSON readers "
                                        "would silently keep only the last one")
            seen.add(key)
    return obj


def _json_number(text: str) -> float | str:
    """A JSON number with a fraction or exponent: a float when one holds it exactly, else its
    text, which is compared as the exact number written (``1e-400`` is not 0.0, and
    ``0.10000000000000000001`` is not 0.1)."""
    value = float(text)
    return value if exact_float(text, value) else text


def read_data(file: str, *, json_only: bool = False) -> Any:
    """Parse a JSON or YAML file into JSON data (YAML timestamps become ISO-8601 strings);
    InputError naming the file (and line). ``json_only`` for files that must be JSON."""
    try:
        raw = Path(file).read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if json_only or file.endswith(".json") or text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text, object_pairs_hook=_unique_keys, parse_float=_json_number)
        except DuplicateKeyError as exc:
            raise InputError(f"{file}: {exc}") from None
        except json.JSONDecodeError as exc:
            if json_only or file.endswith(".json"):
                raise InputError(f"{file}:{exc.lineno}:{exc.colno}: invalid JSON: "
                                 f"{exc.msg}") from None
        except RecursionError:
            raise InputError(f"{file}: invalid JSON: nested deeper than can be read") from None
        except ValueError as exc:  # an integer past Python's digit limit
            raise InputError(f"{_digits_at(text, file)}invalid JSON: "
                             f"{value_problem(exc)}") from None
        else:
            _refuse_surrogates(text, data, file)
            return data
    try:
        return to_json_value(load_yaml(text, file).data)
    except YamlError as exc:
        raise InputError(str(exc.problem)) from None


_LONG_DIGITS = re.compile(r"[0-9]{1000,}")
_SURROGATE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([dD][89a-fA-F][0-9a-fA-F]{2})")


def _where(text: str, offset: int, file: str) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"{file}:{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}: "


def _digits_at(text: str, file: str) -> str:
    """``FILE:LINE:COL: `` of the first very long run of digits, else ``FILE: ``."""
    match = _LONG_DIGITS.search(text)
    return _where(text, match.start(), file) if match else f"{file}: "


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _refuse_surrogates(text: str, data: Any, file: str) -> None:
    """A lone surrogate escape ("\\ud800" without its pair) makes a string that is not text:
    no report could print it. Refused, at the escape."""
    if "\\u" not in text or not _SURROGATE_ESCAPE.search(text) or not _has_surrogate(data):
        return
    escapes = list(_SURROGATE_ESCAPE.finditer(text))
    for index, match in enumerate(escapes):
        high = match.group(2)[1].lower() in "89ab"
        start = match.start() + len(match.group(1))
        after = escapes[index + 1] if index + 1 < len(escapes) else None
        paired = after is not None and after.start() + len(after.group(1)) == start + 6 \
            and after.group(2)[1].lower() in "cdef"
        before = escapes[index - 1] if index else None
        follows = before is not None and before.end() == start + 0 and \
            before.group(2)[1].lower() in "89ab"
        if (high and not paired) or (not high and not follows):
            raise InputError(f"{_where(text, start, file)}invalid JSON: \\u{match.group(2)} "
                             "is a lone surrogate, not a character")
    raise InputError(f"{file}: invalid JSON: a string holds a lone surrogate, not a character")


@dataclass(frozen=True)
class Shape:
    """A kind of file ``--from`` accepts: how to recognise it and turn it into model inputs."""

    name: str
    detect: Callable[[Any], bool]
    convert: Callable[[Any, str], list[ModelInput]]


def _is_model_document(data: Any) -> bool:
    return isinstance(data, Mapping) and ("modelArn" in data or "modelName" in data)


def _kind_of(doc: Mapping[str, Any]) -> ModelKind:
    arn = doc.get("modelArn")
    return "imported" if isinstance(arn, str) and ":imported-model/" in arn else "model"


def _tags_as_object(doc: dict[str, Any], file: str) -> tuple[str, str] | None:
    """Accept tags as ListTagsForResource prints them ([{key, value}]) as well as an object.
    A key given twice is the (code, message) of an error of the model's tag rules: which of
    the two values holds is unknown."""
    tags = doc.get("tags")
    if isinstance(tags, list):
        converted: dict[str, Any] = {}
        for item in tags:
            if not (isinstance(item, Mapping) and isinstance(item.get("key"), str)):
                raise InputError(f"{file}: model {doc.get('modelName')!r}: 'tags' must be an "
                                 "object or a list of {key, value}")
            if item["key"] in converted:
                del doc["tags"]
                return ("DuplicateTagKey",
                        f"{file}: model {_name_of(doc)}: tag key {item['key']!r} is given "
                        "twice, so its value is unknown")
            converted[item["key"]] = item.get("value")
        doc["tags"] = converted
    elif tags is not None and not isinstance(tags, Mapping):
        raise InputError(f"{file}: model {doc.get('modelName')!r}: 'tags' must be an object")
    return None


def model_input(doc: Mapping[str, Any], file: str, *, json_values: bool = False) -> ModelInput:
    """A model document as the engine sees it; ``json_values`` when it is JSON data already
    (as everything read_data returns is). An ARN-typed field that is not a well-formed ARN of
    its kind is refused (checker.lang.arns)."""
    normalized = normalize_document(doc, json_values=json_values)
    tag_error = _tags_as_object(normalized, file)
    kind = _kind_of(normalized)
    problem = document_problem(normalized)
    if problem is not None:
        # Judging a malformed document could pass a gate it should fail: refuse it.
        raise InputError(f"{file}: model {_name_of(normalized)}: {problem}")
    problem = document_arn_problem(normalized, kind)
    if problem is not None:
        # An ARN that is not what it claims could pass an allow-list: this model is never
        # judged (an error of its own); the others of the file are.
        raise RefusedModel(f"{file}: model {_name_of(normalized)}: {problem}", normalized,
                           kind, file)
    return ModelInput(document=normalized, kind=kind, origin=file,
                      enrichment_errors={"tags": tag_error} if tag_error else {})


class RefusedModel(InputError):
    """A model document with an ARN-typed field that is not a well-formed ARN."""

    def __init__(self, message: str, document: Mapping[str, Any], kind: ModelKind,
                 origin: str) -> None:
        super().__init__(message)
        self.refused = ModelInput(document=document, kind=kind, origin=origin,
                                  refused=("MalformedArn", message))


def _taken(doc: Mapping[str, Any], file: str) -> ModelInput:
    """``model_input`` for a document of a file: a refused model comes back marked, for the
    source to report as that model's error."""
    try:
        return model_input(doc, file, json_values=True)
    except RefusedModel as refused:
        return refused.refused


def _name_of(doc: Mapping[str, Any]) -> str:
    name = doc.get("modelName") or doc.get("modelArn")
    return repr(name) if isinstance(name, str) else "(unnamed)"


def _one(data: Any, file: str) -> list[ModelInput]:
    return [_taken(data, file)]


def _documents(items: Sequence[Any], file: str, where: str) -> list[ModelInput]:
    models = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise InputError(f"{file}: {where}item {index + 1} is not an object (a model "
                             "document)")
        if not _is_model_document(item):
            raise InputError(f"{file}: {where}item {index + 1} is not a GetCustomModel "
                             "document (it has neither modelArn nor modelName)")
        models.append(_taken(item, file))
    return models


def _is_list_of_documents(data: Any) -> bool:
    return isinstance(data, list) and bool(data)


def _is_snapshot(data: Any) -> bool:
    return isinstance(data, Mapping) and "schema_version" in data and isinstance(
        data.get("models"), list)


def _snapshot(data: Any, file: str) -> list[ModelInput]:
    if data["schema_version"] != SNAPSHOT_SCHEMA_VERSION:
        raise InputError(f"{file}: snapshot schema_version {data['schema_version']!r} is not "
                         f"supported; this tool reads version {SNAPSHOT_SCHEMA_VERSION}")
    entries = data["models"]
    facts = [_plan_facts(e, file, i) if isinstance(e, Mapping) else {}
             for i, e in enumerate(entries)]
    # A sensitive value is not in the snapshot (it shows as "(sensitive)"): drop the mask, so
    # that the rules that read it are errors rather than judges of the mask.
    entries = [_without(e, f["withheld"]) if f else e
               for e, f in zip(entries, facts, strict=True)]
    models = []
    for item, fact in zip(_documents(entries, file, "models: "), facts, strict=True):
        # The snapshot stores each model's kind beside its fields; it is not a field.
        document = dict(item.document)
        kind = document.pop("kind", None)
        if kind not in KINDS or kind == "account":  # account settings are read live only
            kind = item.kind
        models.append(ModelInput(document=document, kind=kind, origin=file,
                                 enrichment_errors=item.enrichment_errors,
                                 unknown_fields=fact.get("unknown", ()),
                                 unknown_choices=fact.get("choices", ()),
                                 withheld_fields=fact.get("withheld", ()),
                                 address=fact.get("address"), refused=item.refused))
    return models


def _path_list(value: Any, where: str) -> tuple[tuple[str, ...], ...]:
    if not (isinstance(value, list) and all(
            isinstance(p, list) and p and all(isinstance(k, str) for k in p) for p in value)):
        raise InputError(f"{where} must be a list of field paths (lists of keys)")
    return tuple(tuple(p) for p in value)


def _plan_facts(entry: Mapping[str, Any], file: str, index: int) -> dict[str, Any]:
    """The ``plan`` facts of a snapshot entry (see drift.snapshot.plan_facts), checked."""
    raw = entry.get(PLAN_KEY)
    if raw is None:
        return {}
    where = f"{file}: models: item {index + 1}: {PLAN_KEY}"
    if not isinstance(raw, Mapping):
        raise InputError(f"{where} must be an object")
    unknown_keys = set(raw) - {"address", "unknown", "choices", "sensitive"}
    if unknown_keys:
        raise InputError(f"{where}: unknown key {sorted(unknown_keys)[0]!r}")
    facts: dict[str, Any] = {
        "unknown": _path_list(raw.get("unknown", []), f"{where}.unknown"),
        "withheld": _path_list(raw.get("sensitive", []), f"{where}.sensitive"),
    }
    address = raw.get("address")
    if address is not None and not isinstance(address, str):
        raise InputError(f"{where}.address must be a string")
    facts["address"] = address
    choices = []
    for group in raw.get("choices", []):
        if not (isinstance(group, Mapping) and isinstance(group.get("values"), list)):
            raise InputError(f"{where}.choices must be a list of {{paths, values}}")
        paths = _path_list(group.get("paths"), f"{where}.choices.paths")
        if not set(paths) <= set(facts["unknown"]):
            raise InputError(f"{where}.choices names a field that is not unknown")
        choices.append((paths, tuple(group["values"])))
    facts["choices"] = tuple(choices)
    return facts


def _without(entry: Mapping[str, Any], paths: Sequence[tuple[str, ...]]) -> dict[str, Any]:
    copy = {k: v for k, v in entry.items() if k != PLAN_KEY}
    for path in paths:
        parent: Any = copy
        for key in path[:-1]:
            child = parent.get(key) if isinstance(parent, dict) else None
            if not isinstance(child, Mapping):
                parent = None
                break
            parent[key] = dict(child)
            parent = parent[key]
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return copy


# Recognised in order; the first whose ``detect`` holds converts the file.
SHAPES: list[Shape] = [
    Shape("a snapshot (bedrock-drift snapshot)", _is_snapshot, _snapshot),
    Shape("a CreateModelCustomizationJob request (aws bedrock create-model-customization-job "
          "--generate-cli-skeleton, filled in)", planned.is_job_request,
          planned.request_to_inputs),
    Shape("a Terraform plan (terraform show -json plan.out)", terraform.is_terraform_plan,
          terraform.plan_to_inputs),
    Shape("a GetCustomModel document (aws bedrock get-custom-model)", _is_model_document, _one),
    Shape("a list of GetCustomModel documents", _is_list_of_documents,
          lambda data, file: _documents(data, file, "")),
]


def convert(data: Any, file: str) -> list[ModelInput]:
    """Turn one file's data (JSON data, as read_data returns it) into model inputs, or say
    which shapes are accepted."""
    if isinstance(data, list) and not data:
        raise InputError(f"{file}: no model documents (the list is empty)")
    for shape in SHAPES:
        if shape.detect(data):
            return shape.convert(data, file)
    if data is None:
        raise InputError(f"{file}: no model documents (the file is empty)")
    hint = ""
    if isinstance(data, Mapping) and "modelSummaries" in data:
        hint = (" This looks like ListCustomModels output, which holds summaries only; give "
                "the GetCustomModel document of each model.")
    accepted = "; ".join(s.name for s in SHAPES)
    raise InputError(f"{file}: not a model document.{hint} Accepted: {accepted}")


# How much of a file the streaming reader decodes at a time.
CHUNK_CHARS = 1 << 20
_SPACE = re.compile(r"[ \t\n\r]*")


class _NotStreamed(Exception):
    """The file is not a well-formed list of model documents that reads one by one: it is
    read whole instead, which finds (and words) its problem as it always has."""


def _chunks(file: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        with open(file, "rb") as handle:
            while block := handle.read(CHUNK_CHARS):
                yield decoder.decode(block)
            yield decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        raise _NotStreamed from None


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_float=_json_number)


class _Window:
    """A sliding window over a file's text: what is parsed is dropped from the front, more
    text is read at the back as an element needs it."""

    def __init__(self, file: str) -> None:
        self.chunks = _chunks(file)
        self.text, self.pos, self.done = "", 0, False

    def more(self) -> bool:
        chunk = None if self.done else next(self.chunks, None)
        if chunk is None:
            self.done = True
            return False
        self.text = self.text[self.pos:] + chunk
        self.pos = 0
        return True

    def head(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos:self.pos + 1]

    def value(self) -> Any:
        """Parse the value at the window's position, reading more text while it ends at the
        window's edge (where it may go on: a number, or a value cut in two)."""
        self.head()
        while True:
            text, start = self.text, self.pos
            try:
                item, stop = _DECODER.raw_decode(text, start)
            except (json.JSONDecodeError, RecursionError, ValueError) as exc:
                if not isinstance(exc, DuplicateKeyError) and self.more():
                    continue
                raise _NotStreamed from None
            if stop >= len(text) and self.more():
                continue
            if "\\u" in text[start:stop] and _SURROGATE_ESCAPE.search(text, start, stop) \
                    and _has_surrogate(item):
                raise _NotStreamed
            self.pos = stop
            return item


def _list_items(file: str) -> Iterator[Any]:
    """The elements of a file holding one JSON array, parsed one at a time from a sliding
    window of the text, so that the whole text and the whole list are never in memory at
    once. Every element is parsed as ``read_data`` parses it (exact numbers, duplicate keys
    refused); anything else (not an array, a syntax error, a lone surrogate, a number past
    the digit limit) raises _NotStreamed, for the whole-file read to report."""
    window = _Window(file)
    if window.head() != "[":
        raise _NotStreamed
    window.pos += 1
    if window.head() == "]":
        raise _NotStreamed  # an empty list: no model documents
    while True:
        yield window.value()
        head = window.head()
        window.pos += 1
        if head == "]":
            if window.head() != "":
                raise _NotStreamed  # text after the array
            return
        if head != ",":
            raise _NotStreamed


def read_models(file: str) -> list[ModelInput]:
    """The model inputs of one file (see convert)."""
    return convert(read_data(file), file)


def _starts_list(file: str) -> bool:
    try:
        with open(file, "rb") as handle:
            head = handle.read(64).lstrip(b"\xef\xbb\xbf").lstrip()
    except OSError:
        return False
    return head.startswith(b"[")


class StoredModels(Sequence[ModelInput]):
    """The models read from files, each kept as the compact JSON text of its document until
    it is judged, and made into a :class:`ModelInput` again each time it is taken: a JSON
    text takes a third of the memory of the parsed document (its dicts and strings), and an
    estate of 100,000 models is judged one model at a time, never all of them parsed at
    once. A model with facts beyond its document (a plan's unknown fields, say) is kept as
    it is."""

    def __init__(self) -> None:
        self._items: list[ModelInput | tuple[str, ModelKind, str, Any]] = []

    def append(self, model: ModelInput) -> None:
        if model == ModelInput(model.document, model.kind, model.origin,
                               model.enrichment_errors):
            # Parsed JSON holds str keys, exact floats and no lone surrogates, so its text
            # reads back as the same document.
            self._items.append((json.dumps(model.document, ensure_ascii=False,
                                           separators=(",", ":")),
                                model.kind, model.origin, model.enrichment_errors or None))
        else:
            self._items.append(model)

    def _model(self, item: ModelInput | tuple[str, ModelKind, str, Any]) -> ModelInput:
        if isinstance(item, ModelInput):
            return item
        text, kind, origin, errors = item
        return ModelInput(document=json.loads(text), kind=kind, origin=origin,
                          enrichment_errors=errors or {})

    def __len__(self) -> int:
        return len(self._items)

    def extend(self, other: StoredModels) -> None:
        self._items.extend(other._items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._model(item) for item in self._items[index]]
        return self._model(self._items[index])

    def __iter__(self) -> Iterator[ModelInput]:
        return map(self._model, self._items)


class _Taken:
    """What the files read so far hold: the models (kept compact), where each ARN was given,
    the accounts and regions, and the refused models' errors."""

    def __init__(self) -> None:
        self.models = StoredModels()
        self.errors: list[ReportError] = []
        self.places: MutableMapping[str, str] = {}
        self.accounts: set[str] = set()
        self.regions: set[str] = set()

    def take(self, model: ModelInput, place: str) -> None:
        """Keep one model read at ``place``; InputError for a model given twice."""
        arn = model.document.get("modelArn")
        if isinstance(arn, str):
            if arn in self.places:
                raise InputError(f"{place}: model {arn} is also given in {self.places[arn]}: "
                                 "give each model once, or one of the two is judged as the "
                                 "other")
            self.places[arn] = place
        if model.refused is not None:
            self.errors.append(_refused_error(model))
            return
        if isinstance(account := model.document.get("accountId"), str):
            self.accounts.add(account)
        if isinstance(region := model.document.get("region"), str):
            self.regions.add(region)
        self.models.append(model)

    def take_file(self, found: list[ModelInput], file: str) -> None:
        for index, model in enumerate(found):
            self.take(model, file if len(found) == 1 else f"{file} (model {index + 1})")

    def stream(self, file: str) -> bool:
        """Take the models of a file holding a JSON list of documents element by element,
        each parsed, checked and kept compact before the next is read: a 100,000-model file
        is never one string, one list of data or one list of documents. False, with nothing
        taken, when the file is not such a list or anything in it is wrong (a syntax error,
        an element that is not a model, a model given twice): read whole, it reports its
        problem exactly as any file does."""
        local = _Taken()
        local.places = ChainMap({}, self.places)  # a model of an earlier file is seen too
        try:
            for index, item in enumerate(_list_items(file)):
                if not _is_model_document(item):
                    raise _NotStreamed
                local.take(_taken(item, file), f"{file} (model {index + 1})")
        except (_NotStreamed, InputError):
            return False
        found = local.places.maps[0]
        if len(local.models) + len(local.errors) == 1 and found:
            # The file's only model is named by the file alone.
            found = dict.fromkeys(found, file)
        self.places.update(found)
        self.models.extend(local.models)
        self.errors.extend(local.errors)
        self.accounts |= local.accounts
        self.regions |= local.regions
        return True


def _streams(file: str) -> bool:
    return file.endswith(".json") or _starts_list(file)


def load_documents(paths: Sequence[str]) -> SourceResult:
    """Read every model document the paths name."""
    taken = _Taken()
    for file in document_files(paths):
        if not (_streams(file) and taken.stream(file)):
            taken.take_file(read_models(file), file)
    return SourceResult(models=taken.models, sources=tuple(paths),
                        accounts=tuple(sorted(taken.accounts)),
                        regions=tuple(sorted(taken.regions)), errors=tuple(taken.errors))


def _refused_error(model: ModelInput) -> ReportError:
    """A refused model as the report shows it: an error of that model, never a pass."""
    assert model.refused is not None
    code, message = model.refused
    name, arn = model.document.get("modelName"), model.document.get("modelArn")
    return ReportError(code=code, message=message,
                       model_name=name if isinstance(name, str) else None,
                       model_arn=arn if isinstance(arn, str) else None,
                       address=model.address)
