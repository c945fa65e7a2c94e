"""Tests of checker.engine: evaluation, applicability, baselines, merge."""
