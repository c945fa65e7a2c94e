"""Deep checks: the customization or import job, the KMS key and the foundation model behind
a model, read once each.

A key shared by 500 models is described once, a job once, however many models and rules
refer to it: :class:`OnceCache` makes the first model that needs a resource fetch it while
the others wait for that answer. Fetches never raise; they return the value or the
(code, message) of the failure, which the model carries as an enrichment error, so only
the rules that need the key become ``error``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from checker.checks.base_model import base_model_names
from checker.documents import parse_arn, to_json_value
from checker.enrichments import ENRICHMENTS
from checker.results import ModelKind
from checker.sources.aws.clients import GET_API, NoClient
from checker.sources.aws.errors import error_code, error_message, failure
from checker.sources.aws.paging import list_pages
from checker.sources.aws.regions import Account
from checker.sources.aws.scheduler import Scheduler

T = TypeVar("T")
# The value fetched (None for "there is none"), or the failure as (code, message).
if TYPE_CHECKING:  # boto3-stubs (the test extras): mypy checks the calls against them
    from mypy_boto3_bedrock import BedrockClient
    from mypy_boto3_kms import KMSClient

Fetched = tuple[Any, tuple[str, str] | None]
# The largest page of KMS ListAliases.
KMS_PAGE_SIZE = 100


class DuplicateTagKey(Exception):
    """ListTagsForResource listed one key twice."""


class OnceCache(Generic[T]):
    """Each key's value computed once, however many threads ask for it at the same time.

    The first caller computes the value on its own thread; later callers wait for it. No
    thread ever waits for work that is merely queued, so a bounded thread pool cannot
    deadlock on it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Hashable, Future[T]] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key``, computing it with ``compute`` if no one has yet."""
        with self._lock:
            future = self._futures.get(key)
            owner = future is None
            if future is None:
                future = Future()
                self._futures[key] = future
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:
                future.set_exception(exc)
                raise
        return future.result()

    def __len__(self) -> int:
        with self._lock:
            return len(self._futures)


def plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An AWS response as JSON data: ``ResponseMetadata`` dropped, timestamps ISO-8601."""
    return {str(k): to_json_value(v) for k, v in raw.items() if k != "ResponseMetadata"}


def _the_job_asked(answer: Mapping[str, Any], job_arn: str, where: str,
                   api: str) -> Fetched:
    """The answer if it is about the job asked for (its ``jobArn``), else WrongJob."""
    got = answer.get("jobArn")
    if got != job_arn:
        return None, ("WrongJob", f"{where}: {api}: WrongJob: the answer is for "
                                  f"{str(got)[:200]!r}, not the job asked for")
    return plain(answer), None


def fetch_job(client: BedrockClient, job_arn: str, where: str) -> Fetched:
    """``job``: the GetModelCustomizationJob response for ``job_arn``."""
    api = f"GetModelCustomizationJob {job_arn}"
    try:
        answer = client.get_model_customization_job(jobIdentifier=job_arn)
    except (ClientError, BotoCoreError) as exc:
        return None, failure(where, api, exc)
    return _the_job_asked(answer, job_arn, where, api)


def fetch_import_job(client: BedrockClient, job_arn: str, where: str) -> Fetched:
    """``importJob``: the GetModelImportJob response for an imported model's ``jobArn``."""
    api = f"GetModelImportJob {job_arn}"
    try:
        answer = client.get_model_import_job(jobIdentifier=job_arn)
    except (ClientError, BotoCoreError) as exc:
        return None, failure(where, api, exc)
    return _the_job_asked(answer, job_arn, where, api)


def fetch_foundation_model(client: BedrockClient, model_arn: str, where: str) -> Fetched:
    """``baseModel``: GetFoundationModel's ``modelDetails`` for a foundation model ARN.

    The answer must be about the model asked for (its ``modelId`` and the ARN's id are the
    one asked) and carry its ``modelLifecycle`` with a ``status``: AWS always sends it, and
    without it a lifecycle rule would read "no end of life" and pass."""
    model_id = model_arn.split("foundation-model/", 1)[-1]
    api = f"GetFoundationModel {model_id}"
    try:
        details = client.get_foundation_model(modelIdentifier=model_id).get("modelDetails")
    except (ClientError, BotoCoreError) as exc:
        return None, failure(where, api, exc)
    if not isinstance(details, Mapping):
        return None, ("MalformedResponse", f"{where}: {api}: MalformedResponse: the answer "
                                           "has no modelDetails")
    got_id, got_arn = details.get("modelId"), details.get("modelArn")
    if got_id != model_id or not isinstance(got_arn, str) \
            or got_arn.split("foundation-model/", 1)[-1] != model_id \
            or parse_arn(got_arn) is None:
        return None, ("WrongModel", f"{where}: {api}: WrongModel: the answer is for "
                                    f"{str(got_id or got_arn)[:200]!r}, not the model asked "
                                    "for")
    lifecycle = details.get("modelLifecycle")
    if not isinstance(lifecycle, Mapping) or not lifecycle.get("status"):
        return None, ("MissingLifecycle", f"{where}: {api}: MissingLifecycle: the answer has "
                                          "no modelLifecycle status, so the model's lifecycle "
                                          "is unknown")
    return plain(details), None


def foundation_model_arn(base_arn: object, region: str) -> str | None:
    """The foundation model at the root of a base chain, as an ARN in ``region`` (the
    model's), or None if the base names none. A custom-model base names its foundation model
    in its ARN (``...:custom-model/<foundation id>/<id>``)."""
    if not isinstance(base_arn, str) or not base_arn:
        return None
    names = base_model_names(base_arn)
    parts = parse_arn(base_arn)
    if len(names) < 2 or parts is None:
        return None
    partition = parts[0]
    return f"arn:{partition}:bedrock:{parts[2] or region}::foundation-model/{names[1]}"


def fetch_kms_key(client: KMSClient, key_id: str, where: str) -> Fetched:
    """``kmsKey``: DescribeKey's KeyMetadata plus ``aliases``, the key's alias names."""
    try:
        metadata = plain(client.describe_key(KeyId=key_id).get("KeyMetadata") or {})
    except (ClientError, BotoCoreError) as exc:
        return None, failure(where, f"DescribeKey {key_id}", exc)
    aliases: list[str] = []
    try:
        # ListAliases wants the key id or ARN; the ARN also works for a key of another
        # account only if that account lets us, which a failure here reports.
        for page in list_pages(client, "list_aliases", token_key="Marker", size_key="Limit",
                               page_size=KMS_PAGE_SIZE, next_key="NextMarker",
                               KeyId=metadata.get("Arn") or key_id):
            aliases.extend(str(a["AliasName"]) for a in page["Aliases"] if a.get("AliasName"))
    except (ClientError, BotoCoreError) as exc:
        return None, failure(where, f"ListAliases {key_id}", exc)
    metadata["aliases"] = sorted(set(aliases))
    return metadata, None


# Keys read from a resource many models may share: the service and the reader.
SHARED_READERS: dict[str, tuple[str, Callable[[Any, str, str], Fetched]]] = {
    "job": ("bedrock", fetch_job),
    "kmsKey": ("kms", fetch_kms_key),
    "importJob": ("bedrock", fetch_import_job),
}


class Enricher:
    """The enrichment readers of a read: what a loaded rule needs beside the model's own
    document, each resource read once however many models share it."""

    def __init__(self, scheduler: Scheduler, needs: frozenset[str]) -> None:
        self.scheduler = scheduler
        self.needs = needs
        # A job, a key, an import job: once per account however many models share it.
        self.shared: dict[str, OnceCache[Fetched]] = {key: OnceCache() for key in SHARED_READERS}
        # baseModel: a foundation model once per region however many models and accounts
        # are built on it (once per account only where the first account's call failed).
        self.foundation_models: OnceCache[Fetched] = OnceCache()
        self.foundation_models_any: OnceCache[tuple[int, Fetched]] = OnceCache()

    def enrich(self, account: Account, region: str, kind: ModelKind, document: dict[str, Any],
               ident: str | None, client: Any) -> dict[str, tuple[str, str]]:
        """Add the keys the rules need to ``document``; the failures, by key."""
        errors: dict[str, tuple[str, str]] = {}
        model = ModelAt(account, region, kind, ident, client)
        for key in PLAN:
            if key in self.needs:
                READERS[key](self, model, document, errors)
        return errors

    def add_foundation_model(self, document: dict[str, Any],
                             errors: dict[str, tuple[str, str]], account: Account,
                             foundation: str) -> None:
        """``baseModel``: a foundation model is the same for every account, so it is read
        once per region by the first account that needs it; if that call failed, each
        other account reads it for itself (its own permissions may differ)."""
        region = foundation.split(":")[3]
        owner, (value, error) = self.foundation_models_any.get(
            foundation, lambda: (account.index, self._read_foundation_model(account, foundation,
                                                                            region)))
        if error is not None and owner != account.index:
            value, error = self.foundation_models.get(
                (account.index, foundation),
                lambda: self._read_foundation_model(account, foundation, region))
        if error is not None:
            errors["baseModel"] = error
        else:
            document["baseModel"] = copy.deepcopy(value)

    def _read_foundation_model(self, account: Account, foundation: str, region: str) -> Fetched:
        where = account.where(region)
        try:
            client = self.scheduler.client(account, "bedrock", region)
        except NoClient as exc:
            return None, (exc.code, f"{where}: {exc.code}: {exc.message}")
        return fetch_foundation_model(client, foundation, where)

    def add_shared(self, document: dict[str, Any], errors: dict[str, tuple[str, str]],
                   name: str, account: Account, resource: str, model_region: str) -> None:
        """Add ``name`` from a resource many models may share, read once per account."""
        service, fetch = SHARED_READERS[name]
        cache = self.shared[name]
        parts = parse_arn(resource)
        region = parts[2] if parts is not None and parts[2] else model_region
        where = account.where(region)

        def compute() -> Fetched:
            try:
                client = self.scheduler.client(account, service, region)
            except NoClient as exc:
                return None, (exc.code, f"{where}: {exc.code}: {exc.message}")
            return fetch(client, resource, where)

        value, error = cache.get((account.index, resource), compute)
        if error is not None:
            errors[name] = error
        else:
            # Each model gets its own copy: documents are handed out separately.
            document[name] = copy.deepcopy(value)


@dataclass(frozen=True)
class ModelAt:
    """The model being enriched: where it is, what it is and the client that read it."""

    account: Account
    region: str
    kind: ModelKind
    ident: str | None
    client: Any

    @property
    def where(self) -> str:
        return self.account.where(self.region)


Errors = dict[str, tuple[str, str]]


def read_tags(enricher: Enricher, model: ModelAt, document: dict[str, Any],
              errors: Errors) -> None:
    """``tags``: ListTagsForResource, once per model."""
    where, model_arn = model.where, document.get("modelArn")
    try:
        if not isinstance(model_arn, str):
            raise ValueError(f"{GET_API[model.kind][0]} returned no modelArn")
        response = model.client.list_tags_for_resource(resourceARN=model_arn)
        tags = {str(tag.get("key")): tag.get("value") for tag in response.get("tags", [])}
        if len(tags) != len(response.get("tags", [])):
            raise DuplicateTagKey(model_arn)
        document["tags"] = tags
    except DuplicateTagKey:
        errors["tags"] = ("DuplicateTagKey",
                          f"{where}: ListTagsForResource {model_arn}: DuplicateTagKey: "
                          "a tag key is listed twice, so its value is unknown")
    except (ClientError, BotoCoreError, ValueError) as exc:
        code = error_code(exc) if not isinstance(exc, ValueError) else "MissingModelArn"
        errors["tags"] = (code, f"{where}: ListTagsForResource {model_arn or model.ident}: "
                                f"{code}: {error_message(exc)}")


def read_job(enricher: Enricher, model: ModelAt, document: dict[str, Any],
             errors: Errors) -> None:
    """``job``: the customization job of the model's jobArn, once per job."""
    job_arn = document.get("jobArn")
    # An imported model's jobArn is its import job, not a customization job.
    if model.kind == "imported" or not isinstance(job_arn, str) or not job_arn:
        document["job"] = None
    else:
        enricher.add_shared(document, errors, "job", model.account, job_arn, model.region)


def read_kms_key(enricher: Enricher, model: ModelAt, document: dict[str, Any],
                 errors: Errors) -> None:
    """``kmsKey``: the model's KMS key, once per key and account."""
    key_id = document.get("modelKmsKeyArn")
    if not isinstance(key_id, str) or not key_id:
        document["kmsKey"] = None  # an AWS-owned key
    else:
        enricher.add_shared(document, errors, "kmsKey", model.account, key_id, model.region)


def read_import_job(enricher: Enricher, model: ModelAt, document: dict[str, Any],
                    errors: Errors) -> None:
    """``importJob``: an imported model's import job."""
    job_arn = document.get("jobArn")
    if model.kind != "imported":
        document["importJob"] = None
    elif not isinstance(job_arn, str) or not job_arn:
        errors["importJob"] = ("MissingJobArn", f"{model.where}: {GET_API[model.kind][0]} "
                                                f"{document.get('modelArn') or model.ident}: "
                                                "no jobArn, so its import job is unknown")
    else:
        enricher.add_shared(document, errors, "importJob", model.account, job_arn,
                            model.region)


def read_base_model(enricher: Enricher, model: ModelAt, document: dict[str, Any],
                    errors: Errors) -> None:
    """``baseModel``: the foundation model at the root of the model's base chain."""
    foundation = foundation_model_arn(document.get("baseModelArn"), model.region)
    if model.kind == "imported":
        document["baseModel"] = None  # an imported model has no base model
    elif foundation is None:
        errors["baseModel"] = ("NoFoundationModel",
                               f"{model.where}: {document.get('modelArn') or model.ident}: "
                               f"baseModelArn {document.get('baseModelArn')!r} names no "
                               "foundation model")
    else:
        enricher.add_foundation_model(document, errors, model.account, foundation)


# The reader of each key read per model (the others: context.LISTINGS and context.DERIVED,
# fetcher.SUMMARY_KEYS, posture.READERS), and the order they are read in: the table's.
READERS: dict[str, Callable[[Enricher, ModelAt, dict[str, Any], Errors], None]] = {
    "tags": read_tags,
    "job": read_job,
    "kmsKey": read_kms_key,
    "importJob": read_import_job,
    "baseModel": read_base_model,
}
PLAN = tuple(e.key for e in ENRICHMENTS if e.key in READERS)
