"""Tests of the whole product, of no one package: docs, packaging, CI, the layering and structure
guards, end to end."""
