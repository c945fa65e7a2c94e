"""The defaults of a live read, in a module of their own that imports nothing: the command
line's options show them without importing boto3 or botocore (``--version``, ``validate``
and ``check --from`` never read AWS)."""

from __future__ import annotations

# Enough concurrency to hide a real AWS round trip (tens of ms from inside a region,
# ~100 ms from a laptop) for hundreds of models, yet small enough that adaptive retry
# mode can settle under Bedrock's control-plane request quotas. docs/speed.md
# has the measurements behind the choice.
DEFAULT_WORKERS = 32
DEFAULT_MAX_ATTEMPTS = 10
# The default of --timeout: far beyond any real run, short of a CI job's own limit.
DEFAULT_RUN_TIMEOUT = 1800.0
# botocore's socket read timeout of every client (and the default of --read-timeout).
DEFAULT_READ_TIMEOUT = 30.0
