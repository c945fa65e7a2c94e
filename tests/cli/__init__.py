"""Tests of checker.cli: the command line."""
