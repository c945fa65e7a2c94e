"""The shipped policies and their unit tests, installed as ``checker.builtin_policies``.

This directory is their one copy: pyproject.toml maps the package onto it, so a wheel carries
them and ``-p builtin:NAME`` reads them (``checker/builtins.py``). No code lives here.
"""
