"""Tests of checker.policytest: the policy unit-test runner."""
