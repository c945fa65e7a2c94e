"""Listings that always end: pages read one by one, each token seen once, a bound on pages.

Every listing the tool makes goes through :func:`list_pages` (the models, imported models,
deployments, provisioned throughputs, copy and customization jobs, enforced guardrails, KMS
aliases, Organizations accounts and OUs); each page is first checked against botocore's
output shape, required members included, by the client's ``before-parse`` handler
(``responses.py``), so a page that is ``{}``, a null list or an HTML proxy page is an error,
never "none".

botocore's paginator stops only when a page has no ``nextToken`` (it notices a token
repeated twice in a row, not a cycle ``t1, t2, t1``), so a broken or hostile endpoint can
keep it going forever. :func:`list_pages` stops at the first token seen before and at
:data:`MAX_PAGES`, raising :class:`EndlessListing` (a ``BotoCoreError``, reported as the
listing's error); the run's ``--timeout`` bounds it too, through the client (each page is a
request, and no request starts or outlives the run's deadline: ``deadlines.py``). A listing
that fails on any page is an error as a whole: no caller keeps the pages before it.
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


def list_pages(client: Any, method: str, *, token_key: str = "nextToken",
               size_key: str | None = "maxResults", page_size: int | None = None,
               max_pages: int | None = None, next_key: str | None = None,
               **params: Any) -> Iterator[dict[str, Any]]:
    """Each page of ``client.<method>`` (``ListCustomModels`` and the like), in order.

    ``token_key`` and ``size_key`` name the paging members of the request (``NextToken`` and
    ``MaxResults`` for AWS Organizations, whose pages hold 20 at most; ``Marker`` and
    ``Limit`` for KMS; ``size_key=None`` for a listing that takes no page size), and
    ``next_key`` the answer's token when it is named otherwise (KMS's ``NextMarker``).
    """
    call = getattr(client, method)
    bound = MAX_PAGES if max_pages is None else max_pages
    size = LIST_PAGE_SIZE if page_size is None else page_size
    seen: set[str] = set()
    token: str | None = None
    for pages in range(1, bound + 1):
        request = dict(params)
        if size_key is not None:
            request[size_key] = size
        if token is not None:
            request[token_key] = token
        page = call(**request)
        yield page
        token = page.get(next_key or token_key)
        if not token:
            return
        if token in seen:
            raise EndlessListing(f"{token_key} {token[:40]!r} came back after {pages} pages: "
                                 "the listing would never end")
        seen.add(token)
    raise EndlessListing(f"still a {token_key} after {bound} pages "
                         f"({bound * size:,} items): the listing would never end")
