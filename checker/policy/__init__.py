"""Policy files into ``Policy`` objects, and everything said about them offline.

Owns loading and validating policy files (``loader``), one waiver and its compiling
(``waiving``), waiver files (``waivers``), lints (``lints``), the JSON Schema built from the
check kinds (``schema``) and the built-in reference of check kinds and operators
(``ruledocs``). May import ``lang``,
``checks`` and the shared types; never ``engine``, ``sources``, ``reports``, boto3 or click.
"""
