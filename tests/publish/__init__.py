"""Tests of checker.publish: findings into Security Hub."""
