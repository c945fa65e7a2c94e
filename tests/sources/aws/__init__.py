"""Tests of checker.sources.aws: the live AWS source."""
