"""The policy language: what a rule can say about a document, independent of any check.

Owns positioned YAML loading (every value keeps its file, line and column), field paths and
their check against botocore's Bedrock shapes, values and numbers, three-valued conditions and
their operator table, policy variables, the regex/glob intersection used by lints (and what
they ask of globs on ARNs, ``glob_lints``), and the
tracking of values unknown until apply. May import only the shared types (``checker.errors``,
``checker.results``, ``checker.documents``, ``checker.values``) and botocore's data loader;
never ``checks``, ``policy``, ``engine``, ``sources``, boto3 or click.
"""
