"""Region names: the regions botocore's partition data lists, so a misspelt region
(``us-east1``) is a usage error at once, with a suggestion, instead of a run that retries an
endpoint that does not exist for twenty seconds.

botocore ships two lists, ``endpoints.json`` (per partition, with descriptions) and, in newer
releases, ``partitions.json``; a region either one lists is known. A region botocore does not
know yet can be allowed explicitly (``--allow-region``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache

# A region name as AWS spells them (us-east-1, us-gov-west-1, eu-isoe-west-1, ...).
REGION_SYNTAX = re.compile(r"[a-z]{2,}(-[a-z]+)+-[0-9]+")


@cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore's data lists (global pseudo-regions such as
    ``aws-global`` left out)."""
    from checker.lang.facts import facts

    # Kept with botocore's other facts: botocore's endpoints.json alone is 1.2 MB to parse.
    return frozenset(facts().get("regions", _botocore_regions))


def _botocore_regions() -> list[str]:
    from checker.lang.facts import service_loader

    loader = service_loader()
    names: set[str] = set()
    for partition in loader.load_data("endpoints").get("partitions", []):
        names.update(partition.get("regions", {}))
    try:
        partitions = loader.load_data("partitions").get("partitions", [])
    except Exception:  # an older botocore without partitions.json
        partitions = []
    for partition in partitions:
        names.update(partition.get("regions", {}))
    return sorted(n for n in names if REGION_SYNTAX.fullmatch(n))


def region_problem(name: str, allowed: Iterable[str] = (),
                   allow_with: str = "--allow-region {}") -> str | None:
    """Why ``name`` is not a region to read, with a suggestion; None when it is one botocore
    lists or one of ``allowed`` (well-formed region names botocore does not know yet)."""
    if name in known_regions():
        return None
    if not REGION_SYNTAX.fullmatch(name):
        return f"{name!r} is not a region name{_suggestion(name)}"
    if name in allowed:
        return None
    return (f"unknown region {name!r}{_suggestion(name)}: botocore does not list it (if it "
            f"is a new region, allow it with {allow_with.format(name)})")


def _suggestion(name: str) -> str:
    close = difflib.get_close_matches(name.strip().lower(), sorted(known_regions()), n=1,
                                      cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
