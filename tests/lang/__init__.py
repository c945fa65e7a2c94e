"""Tests of checker.lang: the policy language's values and operators."""
