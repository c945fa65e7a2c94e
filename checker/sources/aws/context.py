"""A model's surroundings: its deployments, provisioned throughputs and copy job.

Each is one paginated listing per account and region (``ListCustomModelDeployments``,
``ListProvisionedModelThroughputs``, ``ListModelCopyJobs``), started with the region's
model listing so it runs while the models are read, and joined to the models in memory
once every model is in: never a call per model. ``GetCustomModelDeployment`` is called per
deployment only when a rule reads a field the listing lacks (``deployments.details``).

A listing that fails makes its keys (and ``served``, derived from the deployments and the
throughputs) enrichment errors on each model of that account and region, so only the rules
that read them become ``error``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checker.results import ModelInput
from checker.sources.aws.clients import SERVICE, NoClient
from checker.sources.aws.enrich import plain
from checker.sources.aws.errors import failure
from checker.sources.aws.paging import list_pages
from checker.sources.aws.regions import Account
from checker.sources.aws.scheduler import Scheduler

Failure = tuple[str, str]
# What each listed status says about exposure (docs/context.md has the table and the AWS
# pages behind it). botocore's enums: CustomModelDeploymentStatus (Creating, Active, Failed)
# and ProvisionedModelStatus (Creating, InService, Updating, Failed). A provisioned
# throughput that is Updating keeps serving, the old model until the update is deployed
# (https://docs.aws.amazon.com/bedrock/latest/userguide/prov-thru-edit.html), so it serves
# both its modelArn and its desiredModelArn. A status in neither set (a missing one, or one
# AWS adds later) makes exposure unknown: never "not served".
SERVING = {"deployments": frozenset({"Active"}),
           "throughputs": frozenset({"InService", "Updating"})}
NOT_SERVING = {"deployments": frozenset({"Creating", "Failed"}),
               "throughputs": frozenset({"Creating", "Failed"})}


@dataclass(frozen=True)
class Listing:
    """The reader of a key listed once per account and region: the API, its paginator, the
    page member, and the fields of an item that name the models it is about."""

    api: str
    method: str
    member: str
    arn_fields: tuple[str, ...]


LISTINGS = {
    "deployments": Listing("ListCustomModelDeployments", "list_custom_model_deployments",
                           "modelDeploymentSummaries", ("modelArn",)),
    "throughputs": Listing("ListProvisionedModelThroughputs",
                           "list_provisioned_model_throughputs", "provisionedModelSummaries",
                           ("modelArn", "desiredModelArn")),
    "copyJob": Listing("ListModelCopyJobs", "list_model_copy_jobs", "modelCopyJobSummaries",
                       ("targetModelArn",)),
}
# Keys derived from listings, and the listings each needs (or hint: deployments.details).
DERIVED = {"served": ("deployments", "throughputs"),
           "deployments.details": ("deployments",)}


def listings_for(needs: frozenset[str]) -> tuple[str, ...]:
    """The listings the needs call for (``served`` needs deployments and throughputs)."""
    wanted = set(needs).union(*(DERIVED[key] for key in needs if key in DERIVED))
    return tuple(key for key in LISTINGS if key in wanted)


@dataclass
class RegionContext:
    """What the listings of one account and region found (filled by worker threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    listed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    failed: dict[str, Failure] = field(default_factory=dict)
    # GetCustomModelDeployment answers (or failures), by deployment ARN.
    details: dict[str, dict[str, Any] | Failure] = field(default_factory=dict)


class ModelContext:
    """A model's surroundings in a read: the listings of each account and region, joined
    to the models once every model is in."""

    def __init__(self, scheduler: Scheduler, needs: frozenset[str]) -> None:
        self.scheduler = scheduler
        self.needs = needs
        self.out = scheduler.out
        self.contexts: dict[tuple[int, str], RegionContext] = {}

    def start_context(self, account: Account) -> None:
        """Start the listings the rules need in each of the account's regions."""
        keys = listings_for(self.needs)
        if not keys:
            return
        for region in account.regions:
            context = self.contexts.setdefault((account.index, region), RegionContext())
            for key in keys:
                self.scheduler.submit(self.list_context, account, region, key, context)

    def list_context(self, account: Account, region: str, key: str,
                     context: RegionContext) -> None:
        listing = LISTINGS[key]
        api, method, member = listing.api, listing.method, listing.member
        items: list[dict[str, Any]] = []
        try:
            client = self.scheduler.client(account, SERVICE, region)
            # Every token seen once, a bound on pages (see paging.py).
            for page in list_pages(client, method):
                # Checked against botocore's shape first: the list is there (responses.py).
                items.extend(plain(item) for item in page[member])
        except NoClient as exc:
            with context.lock:
                context.failed[key] = (exc.code,
                                       f"{account.where(region)}: {exc.code}: {exc.message}")
            return
        except Exception as exc:  # any failure is this listing's error
            with context.lock:
                context.failed[key] = failure(account.where(region), api, exc)
            return
        with context.lock:
            context.listed[key] = items
        if key == "deployments" and "deployments.details" in self.needs:
            for item in items:
                arn = item.get("customModelDeploymentArn")
                if isinstance(arn, str) and arn:
                    self.scheduler.submit(self.get_deployment, account, region, arn, context)

    def get_deployment(self, account: Account, region: str, arn: str,
                       context: RegionContext) -> None:
        answer: dict[str, Any] | Failure
        try:
            client = self.scheduler.client(account, SERVICE, region)
            answer = plain(client.get_custom_model_deployment(
                customModelDeploymentIdentifier=arn))
        except NoClient as exc:
            answer = (exc.code, f"{account.where(region)}: {exc.code}: {exc.message}")
        except (ClientError, BotoCoreError) as exc:
            answer = failure(account.where(region), f"GetCustomModelDeployment {arn}", exc)
        with context.lock:
            context.details[arn] = answer

    def join_context(self) -> None:
        """Add the listed surroundings to every model read (after every task is done)."""
        keys = listings_for(self.needs)
        if not keys:
            return
        with self.out.lock:
            items = list(self.out.models.items())
        indexes = _Indexes(self.contexts)
        for sort_key, model in items:
            region = model.document.get("region")
            context = self.contexts.get((sort_key[0], str(region)))
            document = dict(model.document)
            errors = dict(model.enrichment_errors)
            if context is None:
                for key in (*keys, "served"):
                    errors[key] = ("NotListed", f"{region}: the listings of this region were "
                                                "not read, so the model's surroundings are "
                                                "unknown")
            else:
                _join(document, errors, context, indexes.get(sort_key[0], str(region)), keys,
                      "served" in self.needs)
            with self.out.lock:
                self.out.models[sort_key] = ModelInput(
                    document=document, kind=model.kind, origin=model.origin,
                    enrichment_errors=errors, unknown_fields=model.unknown_fields)


class _Indexes:
    """Each region's listings indexed by model ARN, built once."""

    def __init__(self, contexts: Mapping[tuple[int, str], RegionContext]) -> None:
        self.contexts = contexts
        self.built: dict[tuple[int, str], dict[str, dict[str, list[dict[str, Any]]]]] = {}

    def get(self, account: int, region: str) -> dict[str, dict[str, list[dict[str, Any]]]]:
        found = self.built.get((account, region))
        if found is None:
            found = _index(self.contexts[(account, region)])
            self.built[(account, region)] = found
        return found


def _index(context: RegionContext) -> dict[str, dict[str, list[dict[str, Any]]]]:
    by_key: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for key, items in context.listed.items():
        index: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            arns = {item.get(name) for name in LISTINGS[key].arn_fields}
            for arn in arns:
                if isinstance(arn, str) and arn:
                    index.setdefault(arn, []).append(item)
        by_key[key] = index
    return by_key


def _join(document: dict[str, Any], errors: dict[str, Failure], context: RegionContext,
          index: dict[str, dict[str, list[dict[str, Any]]]], keys: tuple[str, ...],
          served_needed: bool) -> None:
    arn = document.get("modelArn")
    for key in keys:
        if key in context.failed:
            errors[key] = context.failed[key]
            continue
        matched = index.get(key, {}).get(arn, []) if isinstance(arn, str) else []
        if key == "copyJob":
            document[key] = _copy_job(matched)
        elif key == "deployments" and context.details:
            detailed, problem = _with_details(matched, context.details)
            if problem is not None:
                errors[key] = problem
            else:
                document[key] = detailed
        else:
            document[key] = [dict(item) for item in matched]
    if served_needed:
        failed = next((context.failed[k] for k in ("deployments", "throughputs")
                       if k in context.failed), None)
        if failed is not None:
            errors["served"] = failed
        else:
            served = _served(index, arn)
            if isinstance(served, tuple):
                errors["served"] = served
            else:
                document["served"] = served


def _served(index: dict[str, dict[str, list[dict[str, Any]]]], arn: Any) -> bool | Failure:
    """True if a listed deployment or throughput serves the model, False if every one is in
    a state that does not, else the failure naming the state that leaves exposure unknown."""
    unknown: list[str] = []
    for key in ("deployments", "throughputs"):
        for item in index.get(key, {}).get(arn, []) if isinstance(arn, str) else []:
            status = item.get("status")
            if status in SERVING[key]:
                return True
            if status not in NOT_SERVING[key]:
                name = (item.get("customModelDeploymentArn") or item.get("provisionedModelArn")
                        or "an item")
                unknown.append(f"{LISTINGS[key].api} lists {str(name)[:200]} with status "
                               f"{str(status)[:40]!r}" if status is not None else
                               f"{LISTINGS[key].api} lists {str(name)[:200]} without a status")
    if unknown:
        return ("UnknownExposure", f"{arn}: {unknown[0]}, a state this tool does not know, "
                                   "so whether the model is served is unknown")
    return False


def _copy_job(matched: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The job that made the model: the completed one, else the latest."""
    if not matched:
        return None
    done: list[dict[str, Any]] = [job for job in matched if job.get("status") == "Completed"]
    done = done or matched

    def created(job: dict[str, Any]) -> str:
        return str(job.get("creationTime") or "")

    latest = max(done, key=created)
    return dict(latest)


def _with_details(matched: list[dict[str, Any]],
                  details: Mapping[str, dict[str, Any] | Failure]
                  ) -> tuple[list[dict[str, Any]], Failure | None]:
    out: list[dict[str, Any]] = []
    for item in matched:
        detail = details.get(str(item.get("customModelDeploymentArn")))
        if isinstance(detail, tuple):
            return [], detail
        out.append({**(detail or {}), **item})
    return out, None
