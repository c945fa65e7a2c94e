"""One error hierarchy. Every error carries the exit code the CLI returns for it."""

from __future__ import annotations

from dataclasses import dataclass


class CheckerError(Exception):
    """Base of every error the CLI reports as one line (exit code 2 unless told otherwise)."""

    exit_code = 2

    def lines(self) -> list[str]:
        return [str(self)]


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located at a line and column (1-based)."""

    file: str
    line: int
    col: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}:{self.col}: {kind}{self.message}"


class PolicyError(CheckerError):
    """One or more problems in policy files; each is reported as FILE:LINE:COL: message."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.col, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class InputError(CheckerError):
    """A model document or other input file that cannot be used."""


class UsageError(CheckerError):
    """Options that do not fit together."""


class SourceError(CheckerError):
    """A model source (AWS, a file) failed as a whole before any model could be read."""
