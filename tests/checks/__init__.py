"""Tests of checker.checks: the check kinds."""
