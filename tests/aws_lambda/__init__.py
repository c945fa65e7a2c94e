"""Tests of checker.aws_lambda: the Lambda entry point and its package."""
