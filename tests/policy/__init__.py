"""Tests of checker.policy: loading, schema, lints, waivers, the shipped policies."""
