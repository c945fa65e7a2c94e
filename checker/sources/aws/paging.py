"""Listings that always end: pages read one by one, each token seen once, a bound on pages.

botocore's paginator stops only when a page has no ``nextToken`` (it notices a token
repeated twice in a row, not a cycle ``t1, t2, t1``), so a broken or hostile endpoint can
keep it going forever. :func:`list_pages` stops at the first token seen before and at
:data:`MAX_PAGES`, raising :class:`EndlessListing` (a ``BotoCoreError``, reported as the
listing's error); the run's ``--timeout`` bounds it too, through the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError

from checker.sources.aws.clients import LIST_PAGE_SIZE

# A million models at 1,000 a page: far beyond any real account and region.
MAX_PAGES = 1000


class EndlessListing(BotoCoreError):  # type: ignore[misc,unused-ignore]
    """A listing whose tokens cycle or never end."""

    fmt = "{reason}"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)
        self.reason = reason


def list_pages(client: Any, method: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Each page of ``client.<method>`` (``ListCustomModels`` and the like), in order."""
    call = getattr(client, method)
    seen: set[str] = set()
    token: str | None = None
    for pages in range(1, MAX_PAGES + 1):
        request = dict(params, maxResults=LIST_PAGE_SIZE)
        if token is not None:
            request["nextToken"] = token
        page = call(**request)
        yield page
        token = page.get("nextToken")
        if not token:
            return
        if token in seen:
            raise EndlessListing(f"nextToken {token[:40]!r} came back after {pages} pages: "
                                 "the listing would never end")
        seen.add(token)
    raise EndlessListing(f"still a nextToken after {MAX_PAGES} pages "
                         f"({MAX_PAGES * LIST_PAGE_SIZE:,} models): the listing would never "
                         "end")
