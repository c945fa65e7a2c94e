"""Drift: deterministic snapshots of what a source read, and Terraform-style plans between two.

Owns building snapshot files (``snapshot``) and comparing two sets of model documents into a
plan, with its text and JSON rendering (``diff``). Pure: takes a ``SourceResult`` or model
documents and returns data and text. May import the shared types; never ``sources``, boto3
or click.
"""
