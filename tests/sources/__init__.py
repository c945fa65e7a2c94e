"""Tests of checker.sources: files, directories, plans, the read request."""
