"""Where model documents come from: files and plans (``--from``) or live AWS.

Owns the :class:`SourceResult` interface every source returns (defined in
:mod:`checker.results` so the pure core can take one without importing a source),
``files`` (model documents, snapshots, AWS CLI output), ``planned`` (job requests and
Terraform plans) and ``aws/``, the only package that imports boto3. May import the shared
types, ``lang`` and ``policy``; nothing in the core imports this package.
"""

from __future__ import annotations

from checker.results import SourceResult

__all__ = ["SourceResult"]
