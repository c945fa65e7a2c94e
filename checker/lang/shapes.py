"""The field catalogue: what each document holds, read from botocore's service models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from checker.documents import ACCOUNT_KEY, ENRICHMENT_KEYS
from checker.enrichments import ENRICHMENTS, ShapeOf
from checker.lang.facts import facts


@dataclass(frozen=True)
class Shape:
    """A node of the field catalogue: a structure (members), a list, a map (free keys) or a leaf."""

    type: str  # structure | list | map | leaf
    members: Mapping[str, Shape] | None = None
    item: Shape | None = None
    scalar: str | None = None  # a leaf's botocore type (string, integer, ...); None: any
    # An ARN-typed string's botocore shape name (is_arn_shape): its globs never cross ':'.
    arn: str | None = None

    def child(self, key: str) -> Shape | None:
        if self.type == "structure" and self.members is not None:
            return self.members.get(key)
        if self.type == "map":
            return self.item
        return None


LEAF = Shape("leaf")


_FREE = Shape("map", item=LEAF)


def _from_botocore(shape: Any, depth: int = 0) -> Shape:
    if depth > 20:
        return LEAF
    if shape.type_name == "structure":
        return Shape("structure", members={k: _from_botocore(v, depth + 1)
                                           for k, v in shape.members.items()})
    if shape.type_name == "list":
        return Shape("list", item=_from_botocore(shape.member, depth + 1))
    if shape.type_name == "map":
        return Shape("map", item=_from_botocore(shape.value, depth + 1))
    return Shape("leaf", scalar=shape.type_name,
                 arn=shape.name if shape.type_name == "string" and is_arn_shape(shape.name)
                 else None)


def to_json(shape: Shape) -> dict[str, Any]:
    """A catalogue node as JSON (for the cache of botocore's facts)."""
    out: dict[str, Any] = {"t": shape.type}
    if shape.members is not None:
        out["m"] = {key: to_json(child) for key, child in shape.members.items()}
    if shape.item is not None:
        out["i"] = to_json(shape.item)
    if shape.scalar is not None:
        out["s"] = shape.scalar
    if shape.arn is not None:
        out["a"] = shape.arn
    return out


def from_json(data: dict[str, Any]) -> Shape:
    """The catalogue node :func:`to_json` wrote."""
    members = data.get("m")
    item = data.get("i")
    return Shape(data["t"],
                 members=None if members is None else {key: from_json(child)
                                                       for key, child in members.items()},
                 item=None if item is None else from_json(item),
                 scalar=data.get("s"), arn=data.get("a"))


def is_arn_shape(name: str) -> bool:
    """An ARN-typed botocore string shape: named ``...Arn`` or ``...Identifier``, or
    ``KmsKeyId`` (an ARN, a key id or an alias)."""
    return name.endswith(("Arn", "Identifier")) or name == "KmsKeyId"


def leaf_at(segments: list[str], root: Shape | None = None) -> Shape | None:
    """The catalogue node a path's keys lead to (lists stepped through), or None."""
    node: Shape | None = root or model_shape()
    for key in segments:
        if node is None:
            return None
        if node.type == "list":
            node = node.item
            if node is None:
                return None
        node = node.child(key)
    if node is not None and node.type == "list":
        node = node.item
    return node


@cache
def _service_model(service: str) -> Any:
    # botocore's loader reads the service model from its data files; no client, no network.
    # Parsed once per service: the Bedrock model alone takes some 25 ms to load.
    from botocore.model import ServiceModel

    from checker.lang.facts import service_loader

    return ServiceModel(service_loader().load_service_model(service, "service-2"), service)


@cache
def _output_shape(service: str, operation: str) -> Shape:
    return operation_shape(service, operation, "output")


@cache
def operation_shape(service: str, operation: str, which: str = "output") -> Shape:
    """The catalogue node of an operation's ``input`` or ``output`` (from botocore's
    service model, through the cache of botocore's facts)."""
    def compute() -> dict[str, Any]:
        model = _service_model(service).operation_model(operation)
        shape = model.input_shape if which == "input" else model.output_shape
        return to_json(Shape("structure", members={}) if shape is None
                       else _from_botocore(shape))

    return from_json(facts().get(f"{which} {service} {operation}", compute))


@cache
def shape_metadata(service: str, shape_name: str) -> dict[str, Any] | None:
    """The ``pattern``, ``max`` and ``min`` botocore's service model gives a named shape,
    with its members' names (``members``) for a structure; None when it has no such shape
    (through the cache of botocore's facts)."""
    def compute() -> dict[str, Any] | None:
        try:
            shape = _service_model(service).shape_for(shape_name)
        except Exception:  # botocore's NoShapeFoundError: an older botocore
            return None
        found = {key: shape.metadata[key] for key in ("pattern", "max", "min")
                 if key in shape.metadata}
        if shape.type_name == "structure":
            found["members"] = list(shape.members)
        return found

    found: dict[str, Any] | None = facts().get(f"shape {service} {shape_name}", compute)
    return found


def _item(service: str, operation: str, member: str) -> Shape:
    """The element shape of the list ``member`` of an operation's output."""
    listed = _output_shape(service, operation).child(member)
    assert listed is not None and listed.item is not None
    return listed.item


def shape_of(spec: ShapeOf) -> Shape:
    """The shape an enrichment record names (see :class:`checker.enrichments.ShapeOf`)."""
    if not spec.operation:
        if spec.parts:
            return Shape("structure", members={name: shape_of(part)
                                               for name, part in spec.parts})
        if spec.scalar == "map":
            return Shape("map", item=Shape("leaf", scalar="string"))
        return Shape("leaf", scalar=spec.scalar)
    if spec.item:
        assert spec.member is not None
        shape = _item(spec.service, spec.operation, spec.member)
    elif spec.member is not None:
        shape = _output_shape(spec.service, spec.operation).child(spec.member) or LEAF
    else:
        shape = _output_shape(spec.service, spec.operation)
    if spec.merge is not None or spec.extra:
        assert shape.members is not None
        merged = _output_shape(spec.service, spec.merge).members if spec.merge else {}
        shape = Shape("structure", members={**(merged or {}), **shape.members,
                                            **{name: Shape("list", item=LEAF)
                                               for name in spec.extra}})
    return Shape("list", item=shape) if spec.many else shape


# Fields of a deployment only GetCustomModelDeployment returns.
DEPLOYMENT_DETAIL_FIELDS = ("description", "updateDetails", "modelDeploymentName")


@cache
def enrichment_shapes(resource: str = "model") -> dict[str, Shape]:
    """What a rule sees under each key the sources add to a document of ``resource``."""
    return {e.key: shape_of(e.shape) for e in ENRICHMENTS if e.resource == resource}


@cache
def model_shape() -> Shape:
    """The shape of a model document: GetCustomModel's output (and GetImportedModel's) plus
    the engine's added keys."""
    base = _output_shape("bedrock", "GetCustomModel")
    imported = _output_shape("bedrock", "GetImportedModel")
    assert base.members is not None and imported.members is not None
    # A Custom Model Import model's document is the GetImportedModel output: its fields
    # (modelArchitecture, modelDataSource, ...) are valid paths too.
    members = {**imported.members, **base.members}
    # The keys of the ARN and of the listing's summary first, then the other added keys.
    members.update({"region": LEAF, "accountId": LEAF, "ownerAccountId": LEAF})
    members.update(enrichment_shapes())
    # The settings of the model's own account and region (``account.invocationLogging``).
    members[ACCOUNT_KEY] = account_shape()
    return Shape("structure", members=members)


@cache
def imported_model_fields() -> frozenset[str]:
    """The top-level fields a Custom Model Import model's document can have: botocore's
    GetImportedModel output and the engine's keys, but no ``job`` (its jobArn is an import
    job, never a customization job) and no ``baseModel`` (it has no base)."""
    imported = _output_shape("bedrock", "GetImportedModel")
    assert imported.members is not None
    # Of the engine's keys, all but the customization job and the base model (null for an
    # imported model): its tags, key, deployments, throughputs, import job, ...
    added = set(ENRICHMENT_KEYS) - {"job", "baseModel"}
    return frozenset({*imported.members, "region", "accountId", *added, ACCOUNT_KEY})


@cache
def account_shape() -> Shape:
    """The shape of an account document (``resource: account``): who and where, and the
    Bedrock settings of that account in that region, as botocore's model describes them."""
    return Shape("structure", members={
        "accountId": Shape("leaf", scalar="string"),
        "region": Shape("leaf", scalar="string"),
        **enrichment_shapes("account"),
    })


def known_paths(shape: Shape | None = None, prefix: str = "") -> list[str]:
    """Every path in the catalogue, maps shown as ``name.*``; for suggestions."""
    shape = shape or model_shape()
    out: list[str] = []
    if shape.type == "structure" and shape.members:
        for key, child in shape.members.items():
            path = f"{prefix}.{key}" if prefix else key
            out.append(path)
            out.extend(known_paths(child, path))
    elif shape.type == "list" and shape.item is not None:
        out.extend(known_paths(shape.item, prefix + "[]"))
    return out
