"""The shipped policies, named ``builtin:NAME`` wherever a command takes a policy file.

They install with the package as the data package ``checker.builtin_policies`` (pyproject.toml
maps it onto ``policies/`` of the repository, their one copy), so a user of the wheel has
them without a checkout. ``builtin:baseline`` names ``baseline.yaml`` (and, for ``test``, its
``baseline_test.yaml``); ``builtin:all`` names every one, as the ``policies/`` directory
does. Reports and messages name them ``builtin:NAME`` (``builtin:NAME_test`` for a test
file), never by where the package happens to be installed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from checker.errors import UsageError

PREFIX = "builtin:"
ALL = "all"
PACKAGE = "checker.builtin_policies"
TEST_SUFFIX = "_test"


@functools.cache
def directory() -> Path | None:
    """Where the shipped policies are installed; None if this copy has none (the package
    was copied without them)."""
    try:
        root = resources.files(PACKAGE)
    except ModuleNotFoundError:
        return None
    path = Path(str(root))
    return path if path.is_dir() else None


def names() -> list[str]:
    """The shipped policies' names (``baseline``, ...), sorted."""
    found = directory()
    if found is None:
        return []
    return sorted(p.stem for p in found.glob("*.yaml") if not p.stem.endswith(TEST_SUFFIX))


def is_builtin(arg: str) -> bool:
    return arg.startswith(PREFIX)


def _unknown(arg: str) -> UsageError:
    known = names()
    if not known:
        return UsageError(f"{arg}: the shipped policies are not installed with this copy of "
                          "bedrock-drift (install the package, or give a policy file)")
    listed = ", ".join(PREFIX + name for name in known)
    what = f"{PREFIX} alone names no policy" if arg == PREFIX else \
        f"{arg}: no such shipped policy"
    return UsageError(f"{what}; the shipped policies are {listed} ({PREFIX}{ALL} names "
                      "every one)")


def _file(name: str, test: bool) -> Path:
    found = directory()
    assert found is not None
    return found / f"{name}{TEST_SUFFIX if test else ''}.yaml"


def real_path(file: str) -> str:
    """The file to read for a name :func:`expand` returned (a ``builtin:`` name or a path);
    a ``builtin:`` name of no shipped file is a UsageError."""
    if not is_builtin(file):
        return file
    name = file[len(PREFIX):]
    test = name.endswith(TEST_SUFFIX)
    stem = name[: -len(TEST_SUFFIX)] if test else name
    if stem not in names():
        raise _unknown(file)
    return str(_file(stem, test))


def expand(paths: Sequence[str], expand_files: Callable[[Sequence[str]], list[str]], *,
           tests: bool = False) -> list[str]:
    """``expand_files`` over ``paths`` in which ``builtin:NAME`` stands for the shipped
    policy (``tests``: its test file) and ``builtin:all`` for every one; the files that came
    from a ``builtin:`` argument keep a ``builtin:`` name. A name that is not shipped is a
    UsageError listing those that are."""
    real: list[str] = []
    shown: dict[str, str] = {}
    for arg in paths:
        if not is_builtin(arg):
            real.append(arg)
            continue
        name = arg[len(PREFIX):]
        known = names()
        if name == ALL and known:
            chosen = known
            found = directory()
            assert found is not None
            real.append(str(found))
        elif name in known:
            chosen = [name]
            real.append(str(_file(name, tests)))
        else:
            raise _unknown(arg)
        for stem in chosen:
            shown[str(_file(stem, tests))] = f"{PREFIX}{stem}{TEST_SUFFIX if tests else ''}"
    return [shown.get(file, file) for file in expand_files(real)]
