"""Terraform plans: the ``aws_bedrock_custom_model`` resources a plan creates, replaces or
updates, as the model documents they will have (kind ``planned``, no ARN).

The input is ``terraform show -json plan.out`` (Terraform's ``jsonplan`` format): every entry
of ``resource_changes`` of type ``aws_bedrock_custom_model`` whose actions include ``create``
or ``update`` is read from ``change.after``. What that format says beside the values is held
to:

- ``change.after_unknown`` marks values known only after apply (``true``, or a structure
  mirroring the value, down to one element of a list or set, whose place in ``after`` holds
  ``null``). Such a value is left out of the document and named in
  ``ModelInput.unknown_fields``: every rule that reads it is ``error``, and the rest of the
  model is still judged.
- ``customization_type`` is Optional and Computed, so unknown at create when not set. The
  resource has no ``customization_config``, so the job it starts can only fine-tune or
  continue pre-training: the unknown value is one of those two (``unknown_choices``), and a
  rule that comes out the same for both (is it reinforcement fine-tuning?) is judged.
- ``change.after_sensitive`` marks values the configuration declares sensitive: they are
  judged, and named in ``ModelInput.sensitive_fields`` so that nothing prints them.
- ``complete: false`` (Terraform 1.9+ deferred actions) and ``deferred_changes`` mean the plan
  does not say everything that will exist: that is an error naming the deferred addresses.
  So is ``errored`` other than ``false`` (Terraform 1.5+: the partial plan of a failed
  ``terraform plan``).
- On update the provider plans ``custom_model_arn`` unknown; the model's account and region
  come from ``change.before``, so account-scoped waivers still match.
- Each model keeps its instance address (``module.ml["prod"].aws_bedrock_custom_model.this
  ["summarizer"]``): ``for_each`` instances may share a model name.

Attribute names follow the provider's ``aws_bedrock_custom_model`` schema; document names
follow botocore's ``GetCustomModel`` and ``GetModelCustomizationJob`` shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker.documents import parse_arn
from checker.errors import InputError
from checker.lang.arns import document_arn_problem
from checker.lang.fields import document_problem
from checker.lang.unknowns import hide, secret_texts
from checker.results import SENSITIVE, ModelInput
from checker.sources.planned import JOB_NAMES, PLANNED

TERRAFORM_TYPE = "aws_bedrock_custom_model"
# Plans whose actions include "create" (create, replace) or "update" (the provider updates
# tags in place) describe a model as it will be; delete, no-op and read do not.
_JUDGED_ACTIONS = frozenset({"create", "update"})
# What CreateModelCustomizationJob can make without customizationConfig (which the resource
# does not have): DISTILLATION and REINFORCEMENT_FINE_TUNING need it, IMPORTED is not a job.
_TYPES_WITHOUT_CONFIG = ("FINE_TUNING", "CONTINUED_PRE_TRAINING")

Path = tuple[str, ...]
TfPath = tuple[str | int, ...]


def is_terraform_plan(data: Any) -> bool:
    """``terraform show -json`` of a plan (a state has ``values`` but no planned changes)."""
    return (isinstance(data, Mapping) and "format_version" in data
            and ("resource_changes" in data or "planned_values" in data))


def _child(value: Any, key: str | int) -> Any:
    if isinstance(key, int):
        if isinstance(value, list) and key < len(value):
            return value[key]
        # A single nested block is a list of one in plan JSON; accept an object too.
        return value if key == 0 and isinstance(value, Mapping) else None
    return value.get(key) if isinstance(value, Mapping) else None


def _marked(marker: Any) -> bool:
    """True when a marker (after_unknown, after_sensitive) marks this value or any part."""
    if marker is True:
        return True
    if isinstance(marker, Mapping):
        return any(_marked(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_marked(v) for v in marker)
    return False


def _walk(marker: Any, path: TfPath) -> Any:
    for key in path:
        if marker is True:
            return True
        marker = _child(marker, key)
    return marker


class _Resource:
    """One resource change: its planned attributes, and which are unknown or sensitive."""

    def __init__(self, after: Mapping[str, Any], change: Mapping[str, Any], where: str) -> None:
        self.after = after
        self.where = where
        unknown = change.get("after_unknown")
        self.unknown = unknown if isinstance(unknown, Mapping) else {}
        sensitive = change.get("after_sensitive")
        # `true` at the top would mark the whole object; an object mirrors the attributes.
        self.sensitive: Any = sensitive if isinstance(sensitive, (Mapping, bool)) else {}

    def get(self, *path: str | int) -> tuple[Any, bool]:
        """(value, unknown): unknown when this value or any part of it is known only after
        apply, so a set with one unknown element counts as unknown as a whole."""
        value: Any = self.after
        for key in path:
            value = _child(value, key)
        return value, _marked(_walk(self.unknown, path))

    def is_sensitive(self, *path: str | int) -> bool:
        return _marked(_walk(self.sensitive, path))

    def string_map(self, *path: str) -> tuple[dict[str, Any] | None, list[str], bool]:
        """A map attribute: its known entries, the keys known only after apply, and whether
        the whole map is unknown."""
        value, _ = self.get(*path)
        marker = _walk(self.unknown, path)
        if marker is True:
            return None, [], True
        unknown_keys = sorted(k for k, v in marker.items() if _marked(v)) \
            if isinstance(marker, Mapping) else []
        if value is None:
            return None, unknown_keys, False
        if not isinstance(value, Mapping):
            raise InputError(f"{self.where}: {'.'.join(path)} must be a map of strings, not "
                             f"{type(value).__name__}")
        known = {str(k): v for k, v in value.items() if k not in unknown_keys and v is not None}
        return known, unknown_keys, False


class _Builder:
    """Builds one planned model document: its values, unknown paths and sensitive paths."""

    def __init__(self, resource: _Resource) -> None:
        self.resource = resource
        self.doc: dict[str, Any] = {}
        self.unknown: list[Path] = []
        self.sensitive: list[Path] = []

    def put(self, path: Path, value: Any, unknown: bool, sensitive: bool = False) -> None:
        if unknown:
            self.unknown.append(path)
            return
        if value is None:
            return
        if sensitive:
            self.sensitive.append(path)
        target = self.doc
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value

    def attribute(self, path: Path, *source: str | int) -> None:
        value, unknown = self.resource.get(*source)
        self.put(path, value, unknown, self.resource.is_sensitive(*source))

    def put_map(self, path: Path, *source: str) -> bool:
        known, unknown_keys, whole = self.resource.string_map(*source)
        if whole:
            self.unknown.append(path)
            return True
        self.unknown.extend((*path, key) for key in unknown_keys)
        if known is not None:
            marker = _walk(self.resource.sensitive, source)
            if marker is True:
                self.sensitive.append(path)
            elif isinstance(marker, Mapping):
                self.sensitive.extend((*path, k) for k in known if _marked(marker.get(k)))
            self.put(path, known, False)
        return known is not None or bool(unknown_keys)


def _string_set(value: Any) -> Any:
    """A set of strings in a stable order; anything else as given (the document check
    refuses what is not a list of strings)."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)
    return value


def _validators(resource: _Resource) -> tuple[list[dict[str, Any]] | None, bool]:
    blocks, unknown = resource.get("validation_data_config", 0, "validator")
    if unknown:
        return None, True
    if not isinstance(blocks, list) or not blocks:
        return None, False
    return [{"s3Uri": b.get("s3_uri")} if isinstance(b, Mapping) else {} for b in blocks], False


def _plan_model(resource: _Resource, before: Any, update: bool) -> _Builder:
    build = _Builder(resource)
    for tf_name, doc_path in (("custom_model_name", ("modelName",)),
                              ("base_model_identifier", ("baseModelArn",)),
                              ("custom_model_kms_key_id", ("modelKmsKeyArn",)),
                              ("customization_type", ("customizationType",)),
                              ("region", ("region",))):
        build.attribute(doc_path, tf_name)
    build.put_map(("hyperParameters",), "hyperparameters")
    build.attribute(("trainingDataConfig", "s3Uri"), "training_data_config", 0, "s3_uri")
    build.attribute(("outputDataConfig", "s3Uri"), "output_data_config", 0, "s3_uri")
    validators, unknown = _validators(resource)
    build.put(("validationDataConfig", "validators"), validators, unknown,
              resource.is_sensitive("validation_data_config"))
    # tags_all is what the provider sends (tags merged with the provider's default_tags).
    tags_source = "tags_all" if "tags_all" in resource.after or "tags_all" in \
        resource.unknown else "tags"
    if not build.put_map(("tags",), tags_source):
        build.put(("tags",), {}, False)
    _account_and_region(build, resource, before, update)

    # What GetModelCustomizationJob will show for the job that builds the model.
    for doc_key, job_key in JOB_NAMES.items():
        if doc_key in build.doc:
            build.put(("job", job_key), build.doc[doc_key], False)
    for paths in (build.unknown, build.sensitive):
        paths.extend(("job", JOB_NAMES[p[0]], *p[1:]) for p in list(paths) if p[0] in JOB_NAMES)
    build.attribute(("job", "jobName"), "job_name")
    build.attribute(("job", "roleArn"), "role_arn")
    for tf_name, key in (("subnet_ids", "subnetIds"), ("security_group_ids",
                                                       "securityGroupIds")):
        value, unknown = resource.get("vpc_config", 0, tf_name)
        build.put(("job", "vpcConfig", key), None if unknown else _string_set(value), unknown,
                  resource.is_sensitive("vpc_config", 0, tf_name))
    build.doc.setdefault("job", {})
    return build


def _account_and_region(build: _Builder, resource: _Resource, before: Any,
                        update: bool) -> None:
    arn, arn_unknown = resource.get("custom_model_arn")
    if arn_unknown and update and isinstance(before, Mapping):
        # The provider plans custom_model_arn unknown on update, but an update changes tags
        # only: the model, and so its account and region, are those of the state.
        arn, arn_unknown = before.get("custom_model_arn"), False
    parts = parse_arn(arn) if not arn_unknown else None
    if parts is not None and "region" not in build.doc and ("region",) not in build.unknown \
            and parts[2]:
        build.doc["region"] = parts[2]
    if parts is not None and parts[3]:
        build.doc["accountId"] = parts[3]


def _deferred(data: Mapping[str, Any], file: str) -> None:
    """A plan that defers changes does not say everything that will exist: refuse it."""
    deferred = data.get("deferred_changes") or []
    if not isinstance(deferred, list):
        raise InputError(f"{file}: deferred_changes must be a list")
    addresses = []
    for item in deferred:
        change = item.get("resource_change") if isinstance(item, Mapping) else None
        if isinstance(change, Mapping):
            addresses.append((change.get("type"), str(change.get("address") or "?"),
                              item.get("reason")))
    models = [f"{address} ({reason})" if reason else address
              for kind, address, reason in addresses if kind == TERRAFORM_TYPE]
    if models:
        raise InputError(f"{file}: the plan defers {', '.join(models)}: a model that will "
                         "exist cannot be judged until Terraform plans it; apply the rest and "
                         "plan again")
    if data.get("complete") is False:
        others = ", ".join(a for _, a, _ in addresses) or "none listed"
        raise InputError(f"{file}: the plan is incomplete (complete: false; deferred: "
                         f"{others}): what it leaves out cannot be judged; apply and plan "
                         "again")


def plan_to_inputs(data: Mapping[str, Any], file: str) -> list[ModelInput]:
    """The models a Terraform plan creates, replaces or updates (kind ``planned``).

    Deleted, unchanged and data-source entries are skipped; so are deposed objects.
    """
    version = data.get("format_version")
    if not isinstance(version, str) or version.split(".")[0] != "1":
        # Terraform's own rule for its JSON format: reject an unsupported major version.
        raise InputError(f"{file}: Terraform JSON format_version {version!r} is not supported "
                         "(1.x is read)")
    if data.get("errored") is not False and "errored" in data:
        # Terraform 1.5+ saves the plan of a failed `terraform plan` too, marked errored: it
        # holds what was planned before the error, not everything that will exist.
        raise InputError(f"{file}: the plan errored (errored: {data.get('errored')!r}): Terraform "
                         "could not plan everything, so what it leaves out cannot be judged; "
                         "fix the plan's errors and plan again")
    _deferred(data, file)
    changes = data.get("resource_changes", [])
    if not isinstance(changes, list):
        raise InputError(f"{file}: resource_changes must be a list")
    models: list[ModelInput] = []
    for index, entry in enumerate(changes):
        if not (isinstance(entry, Mapping) and entry.get("type") == TERRAFORM_TYPE
                and entry.get("mode", "managed") == "managed" and "deposed" not in entry):
            continue
        change = entry.get("change")
        address = str(entry.get("address") or f"resource_changes[{index}]")
        where = f"{file}: {address}"
        if not isinstance(change, Mapping) or not isinstance(change.get("actions"), list):
            raise InputError(f"{where}: change.actions is missing")
        if not all(isinstance(action, str) for action in change["actions"]):
            raise InputError(f"{where}: change.actions must be a list of strings")
        actions = change["actions"]
        if not _JUDGED_ACTIONS & set(actions):
            continue
        after = change.get("after")
        if not isinstance(after, Mapping):
            raise InputError(f"{where}: change.after must be an object for actions {actions}")
        resource = _Resource(after, change, where)
        if resource.sensitive is True:
            raise InputError(f"{where}: the whole resource is marked sensitive; nothing of it "
                             "could be shown in a report")
        build = _plan_model(resource, change.get("before"), "update" in actions
                            and "create" not in actions)
        problem = document_problem(build.doc)
        if problem is not None:
            # Judging a malformed document could pass a gate it should fail: refuse it,
            # without printing a sensitive value.
            secrets = secret_texts(build.doc, build.sensitive)
            raise InputError(f"{where}: {hide(problem, secrets, SENSITIVE)}")
        problem = document_arn_problem(build.doc, PLANNED)
        if problem is not None:
            # An ARN that is not what it claims could pass an allow-list: this planned model
            # is never judged (an error of its own); the plan's others are.
            secrets = secret_texts(build.doc, build.sensitive)
            models.append(ModelInput(
                document={"modelName": build.doc.get("modelName")}, kind=PLANNED,
                origin=f"{file}#{address}", address=address,
                refused=("MalformedArn", f"{where}: {hide(problem, secrets, SENSITIVE)}")))
            continue
        choices: list[tuple[tuple[Path, ...], tuple[Any, ...]]] = []
        type_paths = tuple(p for p in (("customizationType",), ("job", "customizationType"))
                           if p in build.unknown)
        if type_paths:
            choices.append((type_paths, _TYPES_WITHOUT_CONFIG))
        models.append(ModelInput(document=build.doc, kind=PLANNED, origin=f"{file}#{address}",
                                 unknown_fields=tuple(build.unknown),
                                 unknown_choices=tuple(choices),
                                 sensitive_fields=tuple(dict.fromkeys(build.sensitive)),
                                 address=address))
    return models

