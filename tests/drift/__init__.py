"""Tests of checker.drift: snapshots and diffs."""
