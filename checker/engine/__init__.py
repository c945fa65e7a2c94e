"""Pure evaluation: policies and model documents in, a ``Report`` out.

Owns ``evaluate`` and the rule selection (``evaluate``), baselines and strict waivers
(``baseline``), and combining the JSON reports of sharded runs (``merge``). Takes plain data
and returns frozen results; may import ``policy``, ``checks``, ``lang`` and the shared types,
never ``sources``, ``reports``, boto3 or click.
"""
