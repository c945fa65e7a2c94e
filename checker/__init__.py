"""bedrock-drift: a policy engine and drift checker for Amazon Bedrock custom models.

The package is layered; a layer imports only from the layers below it, and
``tests/product/test_layering.py`` enforces that on every run:

- L0, shared types: ``errors``, ``results``, ``documents``, ``values``, ``paths``,
  ``collector``.
- L1, ``lang``: the policy language (positioned YAML, field paths, conditions, variables).
- L2, ``checks``: one module per check kind, the ``CHECKS`` table, inventory rules.
- L3, ``policy``: policy and waiver files into ``Policy`` objects; lints, schema, reference.
- L4, ``engine`` (pure evaluation), ``reports`` (a ``Report`` into text), ``sources``
  (files, plans, and ``sources.aws``, the only boto3 user).
- L5, ``drift`` (snapshots and plans), ``policytest`` (``*_test.yaml`` suites), ``publish``
  (the one part that writes to AWS: Security Hub) and ``run`` (one request read and judged,
  for the command line and the Lambda function alike).
- L6, ``cli``: click, all I/O and exit codes.
- L7, ``aws_lambda`` (the Lambda entry point: an edge like ``cli``, boto3 allowed, never
  click) and ``__main__``.

The core (``lang``, ``checks``, ``policy``, ``engine``, ``drift``, ``reports``) never imports
``sources``, boto3 or click.
"""

__version__ = "0.1.0"
TOOL_NAME = "bedrock-drift"
INFORMATION_URI = "https://github.com/bedrock-drift/bedrock-drift"
