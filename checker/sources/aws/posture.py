"""Account settings: one document per account and region read, for ``resource: account``
policies and for model rules that read their own account's settings (``account.KEY``).

The document is ``{accountId, region, <setting>...}`` with the settings loaded rules read,
each read only then, once per account and region (the IAM ones, global, once per account):

- ``invocationLogging``: ``GetModelInvocationLoggingConfiguration``'s ``loggingConfig``
  (``null`` when logging is off);
- ``enforcedGuardrails``: ``ListEnforcedGuardrailsConfiguration``'s ``guardrailsConfig``
  (every page);
- ``guardrails``: ``GetGuardrail`` for each enforced guardrail, at the enforced version;
- ``invocationLogEncryption``: S3 ``GetBucketEncryption`` for the logging bucket and the
  large-data bucket, CloudWatch Logs ``DescribeLogGroups`` for the log group;
- ``vpcEndpoints``: EC2 ``DescribeVpcEndpoints``, the interface endpoints of ``bedrock`` and
  ``bedrock-runtime`` in the region;
- ``broadAccess``: IAM ``ListEntitiesForPolicy`` for ``AmazonBedrockFullAccess``;
- ``apiKeys``: IAM ``ListServiceSpecificCredentials`` for ``bedrock.amazonaws.com``, every
  user's.

Every listing goes through the bounded pager (``paging.list_pages``). A failed read leaves
the key out and carries the failure, naming the account, region, resource and API, as an
enrichment error, so only the rules that read it become ``error``. The account's id comes
from its role ARN or, for the default credentials, ``sts:GetCallerIdentity``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from checker.documents import ACCOUNT_KEY
from checker.results import ModelInput, ReportError
from checker.sources.aws.clients import SERVICE, NoClient
from checker.sources.aws.enrich import OnceCache, plain
from checker.sources.aws.errors import error_code, failure
from checker.sources.aws.paging import list_pages
from checker.sources.aws.regions import Account, sts_region
from checker.sources.aws.scheduler import Scheduler

LOGGING_API = "GetModelInvocationLoggingConfiguration"
GUARDRAILS_API = "ListEnforcedGuardrailsConfiguration"
# The AWS managed policy whose attachments ``broadAccess`` lists.
FULL_ACCESS_POLICY = "AmazonBedrockFullAccess"
# The IAM service name of long-term Bedrock API keys (service-specific credentials).
API_KEY_SERVICE = "bedrock.amazonaws.com"
# apiKeys: at most this many pages of 1,000 keys per account; past it the key is an error.
API_KEY_PAGES = 100
# The interface endpoints vpcEndpoints lists, by the last part of their service name.
ENDPOINT_SERVICES = ("bedrock", "bedrock-runtime")


class Unreadable(Exception):
    """A setting that could not be read: the (code, message) of the failure, the message
    naming the account, region, resource and API."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RegionSkipped(Exception):
    """With --all-regions, the region answered as not enabled: skipped with a warning."""


class Ask:
    """One account and region being read: its clients, its name in messages, and the
    settings other readers build on (read once)."""

    def __init__(self, postures: Postures, account: Account, region: str, ident: str) -> None:
        self.postures = postures
        self.account = account
        self.region = region
        self.ident = ident
        self.where = (account.where(region) if account.label is not None
                      else f"{ident}/{region}")
        # Each setting read once, whichever task asks first (the others wait for it).
        self.values: OnceCache[tuple[bool, Any]] = OnceCache()
        # The document being built, one task per setting; the last one to finish keeps it.
        self.lock = threading.Lock()
        self.document: dict[str, Any] = {"accountId": ident, "region": region}
        self.errors: dict[str, tuple[str, str]] = {}
        self.left = 0
        self.skipped = False

    def client(self, service: str) -> Any:
        return self.postures.scheduler.client(self.account, service, self.region)

    def shared(self, key: str) -> Any:
        """Another setting's value (read once for this account and region); raises
        :class:`Unreadable` with its failure."""
        return self.postures.value(self, key)

    def failed(self, api: str, exc: Exception) -> Unreadable:
        return Unreadable(*failure(self.where, api, exc))


def read_logging(ask: Ask) -> Any:
    """``invocationLogging``: the logging configuration, or None when logging is off."""
    config = ask.client(SERVICE).get_model_invocation_logging_configuration().get(
        "loggingConfig")
    return plain(config) if config else None


def read_enforced(ask: Ask) -> list[Any]:
    """``enforcedGuardrails``: every enforced guardrail configuration, across pages (the
    shared bounded pager: a cycling token or a broken page is an error, never fewer)."""
    pages = list_pages(ask.client(SERVICE), "list_enforced_guardrails_configuration",
                       size_key=None)
    return [plain(item) for page in pages for item in page["guardrailsConfig"]]


def read_guardrails(ask: Ask) -> list[Any]:
    """``guardrails``: GetGuardrail for each enforced guardrail at its enforced version."""
    client = ask.client(SERVICE)
    found: list[Any] = []
    seen: set[tuple[str, str | None]] = set()
    for item in ask.shared("enforcedGuardrails"):
        ident = item.get("guardrailArn") or item.get("guardrailId")
        version = item.get("guardrailVersion")
        if not isinstance(ident, str) or not ident:
            raise Unreadable("NoGuardrail", f"{ask.where}: {GUARDRAILS_API}: an enforced "
                             "guardrail names no guardrailArn or guardrailId")
        if (ident, version) in seen:
            continue
        seen.add((ident, version))
        params = {"guardrailIdentifier": ident}
        if version:
            params["guardrailVersion"] = str(version)
        try:
            found.append(plain(client.get_guardrail(**params)))
        except (ClientError, BotoCoreError) as exc:
            raise ask.failed(f"GetGuardrail {ident} version {version or 'DRAFT'}",
                             exc) from None
    return found


def bucket_encryption(ask: Ask, bucket: object) -> dict[str, Any] | None:
    """GetBucketEncryption's answer for a logging bucket; None when none is configured."""
    if not isinstance(bucket, str) or not bucket:
        return None
    try:
        # ExpectedBucketOwner: a bucket of another account is an error, not a pass.
        answer = ask.client("s3").get_bucket_encryption(Bucket=bucket,
                                                        ExpectedBucketOwner=ask.ident)
    except ClientError as exc:
        if error_code(exc) == "ServerSideEncryptionConfigurationNotFoundError":
            return {"ServerSideEncryptionConfiguration": None}
        raise ask.failed(f"GetBucketEncryption s3://{bucket}", exc) from None
    except BotoCoreError as exc:
        raise ask.failed(f"GetBucketEncryption s3://{bucket}", exc) from None
    return {"ServerSideEncryptionConfiguration":
            plain(answer).get("ServerSideEncryptionConfiguration")}


def log_group(ask: Ask, name: object) -> dict[str, Any] | None:
    """DescribeLogGroups' entry for the logging group; None when none is configured."""
    if not isinstance(name, str) or not name:
        return None
    api = f"DescribeLogGroups {name}"
    try:
        for page in list_pages(ask.client("logs"), "describe_log_groups", size_key="limit",
                               page_size=50, logGroupNamePrefix=name):
            for group in page.get("logGroups") or []:
                if group.get("logGroupName") == name:
                    return plain(group)
    except (ClientError, BotoCoreError) as exc:
        raise ask.failed(api, exc) from None
    raise Unreadable("LogGroupNotFound", f"{ask.where}: {api}: LogGroupNotFound: no log "
                     "group of that name in this account and region")


def read_log_encryption(ask: Ask) -> dict[str, Any]:
    """``invocationLogEncryption``: the encryption of each logging destination."""
    config = ask.shared("invocationLogging") or {}
    s3 = config.get("s3Config") or {}
    cloudwatch = config.get("cloudWatchConfig") or {}
    large = cloudwatch.get("largeDataDeliveryS3Config") or {}
    return {"s3": bucket_encryption(ask, s3.get("bucketName")),
            "cloudWatch": log_group(ask, cloudwatch.get("logGroupName")),
            "largeDataS3": bucket_encryption(ask, large.get("bucketName"))}


def read_endpoints(ask: Ask) -> list[Any]:
    """``vpcEndpoints``: the region's interface endpoints of Bedrock and its runtime."""
    names = [f"com.amazonaws.{ask.region}.{service}" for service in ENDPOINT_SERVICES]
    pages = list_pages(ask.client("ec2"), "describe_vpc_endpoints", token_key="NextToken",
                       size_key="MaxResults", page_size=1000,
                       Filters=[{"Name": "service-name", "Values": names},
                                {"Name": "vpc-endpoint-type", "Values": ["Interface"]}])
    return [plain(item) for page in pages for item in page.get("VpcEndpoints") or []
            if item.get("ServiceName") in names]


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def read_broad_access(ask: Ask) -> dict[str, list[Any]]:
    """``broadAccess``: the principals AmazonBedrockFullAccess is attached to."""
    arn = f"arn:{partition(ask.region)}:iam::aws:policy/{FULL_ACCESS_POLICY}"
    found: dict[str, list[Any]] = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []}
    for page in list_pages(ask.client("iam"), "list_entities_for_policy", token_key="Marker",
                           size_key="MaxItems", page_size=1000, PolicyArn=arn):
        for member, items in found.items():
            items.extend(plain(item) for item in page.get(member) or [])
    return found


def read_api_keys(ask: Ask) -> list[Any]:
    """``apiKeys``: every user's long-term Bedrock API keys, at most API_KEY_PAGES pages."""
    pages = list_pages(ask.client("iam"), "list_service_specific_credentials",
                       token_key="Marker", size_key="MaxItems", page_size=1000,
                       max_pages=API_KEY_PAGES, ServiceName=API_KEY_SERVICE, AllUsers=True)
    return [plain(item) for page in pages
            for item in page.get("ServiceSpecificCredentials") or []]


@dataclass(frozen=True)
class Reader:
    """How a setting is read: the call its errors name, the function, and whether it is
    read per region or once per account (IAM is global)."""

    api: str
    read: Callable[[Ask], Any]
    scope: Literal["region", "account"] = "region"


READERS = {
    "invocationLogging": Reader(LOGGING_API, read_logging),
    "enforcedGuardrails": Reader(GUARDRAILS_API, read_enforced),
    "guardrails": Reader("GetGuardrail", read_guardrails),
    "invocationLogEncryption": Reader("GetBucketEncryption/DescribeLogGroups",
                                      read_log_encryption),
    "vpcEndpoints": Reader("DescribeVpcEndpoints", read_endpoints),
    "broadAccess": Reader(f"ListEntitiesForPolicy {FULL_ACCESS_POLICY}", read_broad_access,
                          "account"),
    "apiKeys": Reader(f"ListServiceSpecificCredentials {API_KEY_SERVICE}", read_api_keys,
                      "account"),
}


def model_settings(needs: frozenset[str]) -> frozenset[str] | None:
    """The settings model rules read (``account.KEY``), or None when none reads ``account``."""
    if not any(n == ACCOUNT_KEY or n.startswith(ACCOUNT_KEY + ".") for n in needs):
        return None
    return frozenset(n.split(".", 1)[1] for n in needs if n.startswith(ACCOUNT_KEY + "."))


class Postures:
    """The account settings of a read: one document per account and region."""

    def __init__(self, scheduler: Scheduler, posture: frozenset[str] | None,
                 needs: frozenset[str] = frozenset()) -> None:
        self.scheduler = scheduler
        # The settings loaded account rules read; None: no account policy is loaded.
        self.posture = posture
        # What model rules read under ``account``: None if nothing; else the settings (an
        # empty set: only ``account.accountId`` or ``account.region``). Their documents are
        # kept for the models, not judged themselves unless an account policy is loaded.
        self.models_need = model_settings(needs)
        self.for_models = self.models_need or frozenset()
        self.callers: OnceCache[str | tuple[str, str]] = OnceCache()
        self.globals: OnceCache[tuple[bool, Any]] = OnceCache()

    @property
    def keys(self) -> frozenset[str]:
        return (self.posture or frozenset()) | self.for_models

    def start_posture(self, account: Account) -> None:
        if self.posture is None and self.models_need is None:
            return
        for pos, region in enumerate(account.regions):
            self.scheduler.submit(self.read_posture, account, pos, region)

    def account_of(self, account: Account, region: str) -> str | tuple[str, str]:
        """The account's id, or the (code, message) of the failure to learn it."""
        if account.account_id is not None:
            return account.account_id

        def ask() -> str | tuple[str, str]:
            try:
                sts = self.scheduler.clients.get(account, "sts",
                                       sts_region(account, account))
                return str(sts.get_caller_identity()["Account"])
            except (ClientError, BotoCoreError, ResponseParserError, ValueError) as exc:
                return failure(account.where(region), "GetCallerIdentity", exc)
        return self.callers.get(account.index, ask)

    def value(self, ask: Ask, key: str) -> Any:
        """A setting's value for ``ask``'s account and region, read once (IAM's once per
        account); raises :class:`Unreadable` (or :class:`RegionSkipped`)."""
        if READERS[key].scope == "account":
            ok, held = self.globals.get((ask.account.index, key),
                                        lambda: self._guarded(ask, key))
        else:
            ok, held = ask.values.get(key, lambda: self._guarded(ask, key))
        if not ok:
            raise held
        return held

    def _guarded(self, ask: Ask, key: str) -> tuple[bool, Any]:
        reader = READERS[key]
        try:
            return True, reader.read(ask)
        except Unreadable as exc:
            return False, exc
        except NoClient as exc:
            return False, Unreadable(exc.code, f"{ask.where}: {exc.code}: {exc.message}")
        except (ClientError, BotoCoreError) as exc:
            if reader.scope == "region" and self.scheduler.skip_region(
                    ask.account, ask.region, reader.api, exc):
                raise RegionSkipped from None
            return False, ask.failed(reader.api, exc)
        except ResponseParserError as exc:  # an answer that is not the service's format
            return False, ask.failed(reader.api, exc)

    def read_posture(self, account: Account, pos: int, region: str) -> None:
        ident = self.account_of(account, region)
        if isinstance(ident, tuple):
            code, message = ident
            self.scheduler.add_error((account.index, pos, -1), ReportError(
                code=code, message=f"{message} (the account's settings were not judged)",
                region=region))
            self._keep(account, pos, ModelInput(
                document={"region": region}, kind="account", origin=f"aws:?:{region}",
                enrichment_errors={key: (code, message) for key in self.keys}), judged=False)
            return
        ask = Ask(self, account, region, ident)
        keys = sorted(self.keys)
        if not keys:
            self._keep(account, pos, ModelInput(document=dict(ask.document), kind="account",
                                                origin=f"aws:{ident}:{region}"))
            return
        ask.left = len(keys)
        # One task per setting: the reads of a region run side by side, as its regions do.
        for key in keys:
            self.scheduler.submit(self.read_setting, ask, pos, key)

    def read_setting(self, ask: Ask, pos: int, key: str) -> None:
        outcome: tuple[str, Any] = ("skipped", None)
        try:
            outcome = ("value", self.value(ask, key))
        except Unreadable as exc:
            outcome = ("error", (exc.code, exc.message))
        except RegionSkipped:
            pass  # not enabled for the account: skipped with a warning
        with ask.lock:
            kind, found = outcome
            if kind == "value":
                ask.document[key] = found
            elif kind == "error":
                ask.errors[key] = found
            else:
                ask.skipped = True
            ask.left -= 1
            last = ask.left == 0
        if last and not ask.skipped:
            # In a stable order (the key order), whichever read finished first.
            self._keep(ask.account, pos, ModelInput(
                document={k: ask.document[k] for k in ("accountId", "region", *sorted(
                    set(ask.document) - {"accountId", "region"}))}, kind="account",
                origin=f"aws:{ask.ident}:{ask.region}", enrichment_errors=dict(ask.errors)))

    def _keep(self, account: Account, pos: int, posture: ModelInput,
              judged: bool = True) -> None:
        with self.scheduler.out.lock:
            self.scheduler.out.settings[(account.index, account.regions[pos])] = posture
            if judged and self.posture is not None:
                self.scheduler.out.postures[(account.index, pos)] = ModelInput(
                    document={k: v for k, v in posture.document.items()
                              if k in ("accountId", "region") or k in self.posture},
                    kind="account", origin=posture.origin,
                    enrichment_errors={k: v for k, v in posture.enrichment_errors.items()
                                       if k in self.posture})

    def join_models(self) -> None:
        """Give every model read its account and region's settings (``account``), each
        setting that could not be read as the enrichment error ``account.KEY``; after every
        task is done."""
        if self.models_need is None:
            return
        out = self.scheduler.out
        with out.lock:
            items = list(out.models.items())
            settings = dict(out.settings)
        for sort_key, model in items:
            region = str(model.document.get("region"))
            joined = with_account(model, settings.get((sort_key[0], region)), self.for_models)
            with out.lock:
                out.models[sort_key] = joined


def with_account(model: ModelInput, settings: ModelInput | None,
                 keys: frozenset[str]) -> ModelInput:
    """``model`` with its account and region's settings under ``account`` (only ``keys``,
    the settings model rules read), each setting that could not be read as the enrichment
    error ``account.KEY``; all of them errors when ``settings`` were not read."""
    region = str(model.document.get("region"))
    document = dict(model.document)
    errors = dict(model.enrichment_errors)
    if settings is None or "accountId" not in settings.document:
        # Not read (a region skipped), or the account's id could not be learnt.
        failed = ("NotRead", f"{region}: the settings of the model's account in this "
                  "region were not read")
        if settings is not None and settings.enrichment_errors:
            failed = next(iter(settings.enrichment_errors.values()))
        for key in (ACCOUNT_KEY, *(f"{ACCOUNT_KEY}.{k}" for k in keys)):
            errors[key] = failed
    else:
        document[ACCOUNT_KEY] = {k: v for k, v in settings.document.items()
                                 if k in ("accountId", "region") or k in keys}
        for key in keys:
            if key in settings.enrichment_errors:
                errors[f"{ACCOUNT_KEY}.{key}"] = settings.enrichment_errors[key]
    return replace(model, document=document, enrichment_errors=errors)
