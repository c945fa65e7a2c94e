"""Tests of checker.reports: every report format."""
