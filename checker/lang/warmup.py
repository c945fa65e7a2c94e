"""Every fact a run may read from botocore, asked for at once.

A run asks for the facts it needs as it goes (checker.lang.facts), so a cache file written by
one command holds what that command used: ``validate`` the policy language's shapes, ``check``
also the patterns of the ARNs it read. An image or a Lambda package whose cache folder is
read-only at run time must carry all of them, computed when it is built (``bedrock-drift
validate --cache-facts``): this asks for each.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.lang import arns, hyperparameters, regions, shapes


def ask_every_fact() -> None:
    """Compute (or read) every fact the package can ask botocore for."""
    regions.known_regions()
    hyperparameters.documented_hyperparameters()
    shapes.model_shape()
    shapes.account_shape()
    shapes.imported_model_fields()
    # The patterns of the ARNs the documents and requests hold, of the identifiers they may
    # give instead, and of those the glob lints read.
    names = {name for walked in arns.walked_shapes() for name in _arn_shapes(walked)}
    names.update(arns.IDENTIFIER_SHAPES)
    names.update(("KmsKeyArn", "LambdaArn", "TeacherModelIdentifier"))
    for name in sorted(names):
        shapes.shape_metadata("bedrock", name)


def _arn_shapes(shape: shapes.Shape, depth: int = 0) -> Iterator[str]:
    if depth > 20:
        return
    if shape.arn is not None:
        yield shape.arn
    for member in (shape.members or {}).values():
        yield from _arn_shapes(member, depth + 1)
    if shape.item is not None:
        yield from _arn_shapes(shape.item, depth + 1)
