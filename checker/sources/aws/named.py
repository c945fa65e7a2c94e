"""``--model`` runs: models asked for by name or ARN instead of listed.

A name is looked up in each region given; an ARN only in its own region and account. The
owner account of a named model comes from one listing per account and region, and only when
a rule needs ``ownerAccountId``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from checker.documents import parse_arn
from checker.results import ModelInput, ModelKind, ReportError
from checker.sources.aws.clients import SERVICE, NoClient
from checker.sources.aws.enrich import OnceCache
from checker.sources.aws.errors import failure
from checker.sources.aws.paging import list_pages
from checker.sources.aws.regions import Account
from checker.sources.aws.scheduler import Scheduler

# What reads one model: (account, region, sort key, summary, identifier, kind).
FetchModel = Callable[[Account, str, tuple[int, ...], Mapping[str, Any] | None, str | None,
                       ModelKind], None]


class NamedModels:
    """The ``--model`` part of a read: models asked for by name or ARN."""

    def __init__(self, scheduler: Scheduler, *, needs: frozenset[str],
                 model_ids: Sequence[str], fetch_model: FetchModel) -> None:
        self.scheduler = scheduler
        self.accounts = scheduler.accounts
        self.out = scheduler.out
        self.needs = needs
        self.model_ids = list(dict.fromkeys(model_ids))
        self.fetch_model = fetch_model
        self.owners: OnceCache[dict[str, str] | tuple[str, str]] = OnceCache()

    def start_named(self, account: Account) -> None:
        """Start a Get for each --model this account may hold: a name in each of its
        regions, an ARN in its own region if it is this account's (or the account's id is
        unknown)."""
        for seq, ident in enumerate(self.model_ids):
            parts = parse_arn(ident)
            if parts is not None and parts[2]:
                if account.account_id and parts[3] and parts[3] != account.account_id:
                    continue
                regions = [parts[2]]
                kind: ModelKind = ("imported" if parts[4].startswith("imported-model/")
                                   else "model")
            else:
                regions, kind = account.name_regions, "model"
            with self.out.lock:
                self.out.listed += 1  # for the progress line: one model asked for
            for region in regions:
                with self.out.lock:
                    key = (account.index, seq, len(self.out.targets))
                    self.out.targets[key] = (account.index, region, ident)
                self.scheduler.submit(self.fetch_named, account, region, key, ident, kind)
        with self.out.lock:
            for region in account.regions:
                account.listings_left[region] = 0

    def fetch_named(self, account: Account, region: str, key: tuple[int, ...], ident: str,
                    kind: ModelKind) -> None:
        """A --model: the Get, then ownerAccountId from the listing if a rule needs it."""
        self.fetch_model(account, region, key, None, ident, kind)
        if "ownerAccountId" not in self.needs or kind == "imported":
            return
        with self.out.lock:
            model = self.out.models.get(key)
        if model is None:
            return
        owners = self.owners.get((account.index, region),
                                 lambda: self._list_owners(account, region))
        document = dict(model.document)
        errors = dict(model.enrichment_errors)
        if isinstance(owners, tuple):
            errors["ownerAccountId"] = owners
        elif document.get("modelArn") in owners:
            document["ownerAccountId"] = owners[document["modelArn"]]
        else:
            errors["ownerAccountId"] = (
                "NotListed",
                f"{account.where(region)}: ListCustomModels: NotListed: "
                f"{document.get('modelArn')} is not in the listing, so its owner account is "
                "unknown",
            )
        with self.out.lock:
            self.out.models[key] = ModelInput(
                document=document, kind=model.kind, origin=model.origin, enrichment_errors=errors
            )

    def _list_owners(self, account: Account, region: str) -> dict[str, str] | tuple[str, str]:
        """modelArn -> ownerAccountId for a region, or (code, message) if listing failed.
        Listed once per account and region, however many --model names it serves."""
        owners: dict[str, str] = {}
        try:
            client = self.scheduler.client(account, SERVICE, region)
            for page in list_pages(client, "list_custom_models"):
                for summary in page["modelSummaries"]:
                    if summary.get("modelArn") and summary.get("ownerAccountId"):
                        owners[summary["modelArn"]] = summary["ownerAccountId"]
        except NoClient as exc:
            return exc.code, f"{account.where(region)}: {exc.code}: {exc.message}"
        except Exception as exc:  # any failure is the listing's error
            return failure(account.where(region), "ListCustomModels", exc)
        return owners

    def named_errors(self) -> list[ReportError]:
        """A name looked up in several places is an error only when no place has it or a
        place could not answer; an ARN no given account holds is an error."""
        out = self.out
        by_key = dict(out.errors)
        found = {out.targets[key][2] for key in out.models if key in out.targets}
        targeted = {ident for _, _, ident in out.targets.values()}
        result = [e for key, e in sorted(out.errors, key=lambda item: item[0])
                  if key not in out.targets]
        for key in sorted(out.targets):
            error = by_key.get(key)
            if error is None:
                continue
            if error.code == "ResourceNotFoundException" and out.targets[key][2] in found:
                continue  # a name that exists in another of the given regions or accounts
            result.append(error)
        live = [a for a in self.accounts if not a.failed]
        for ident in self.model_ids:
            if ident not in targeted and live:
                parts = parse_arn(ident)
                result.append(ReportError(
                    code="AccountNotGiven",
                    message=f"{ident}: the model's account is none of the accounts read",
                    model_arn=ident, region=parts[2] if parts else None,
                    account_id=parts[3] if parts else None))
        return result
