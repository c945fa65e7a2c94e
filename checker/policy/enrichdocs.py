"""Reference text for the keys a source adds to a model document by extra calls (the text
itself is in each key's record in :mod:`checker.enrichments`).

`bedrock-drift rules deployments` (and each other key) prints what the key holds, the calls
that read it, when it is read, and every field path under it, taken from the same botocore
shapes the policy loader checks paths against.
"""

from __future__ import annotations

from checker.enrichments import BY_KEY, Doc
from checker.enrichments import ENRICHMENTS as ALL
from checker.lang.shapes import account_shape, known_paths, model_shape

# The reference of each key a model document may gain, from the enrichments' records.
ENRICHMENTS: dict[str, Doc] = {e.key: e.doc for e in ALL if e.doc is not None}

SERVED_SEVERITY = (
    "served_severity: SEVERITY, a rule option beside severity. A violation on a model that is "
    "served (an Active deployment, an InService or Updating provisioned throughput) takes this "
    "severity; "
    "so does one whose exposure is unknown (an offline document without 'served', or a "
    "listing that failed, itself reported as an error), the worst case. Reports show "
    "'(served)' or '(exposure unknown)' beside it, every format's severity is the effective "
    "one, and --fail-on compares it. It never makes a rule an error. Loading one makes a live "
    "run read deployments and provisioned throughputs."
)


def enrichment_doc(name: str, wrap: object) -> list[str]:
    """The lines of `bedrock-drift rules NAME` for an added key; ``wrap`` wraps a paragraph."""
    assert callable(wrap)
    info = ENRICHMENTS[name]
    account = BY_KEY[name].resource == "account"
    shape = (account_shape() if account else model_shape()).child(name)
    assert shape is not None
    fields = [name] if shape.type == "leaf" else [f"{name}{'' if p.startswith('[') else '.'}{p}"
                                                   for p in known_paths(shape)]
    if shape.type == "list":
        fields = [f"{name}[]", *fields]
    kind = ("a key of an account document (resource: account), and of a model's "
            f"'account' (account.{name})" if account else "an added key")
    lines = [f"{name}: {kind}", "", "What it holds:", *wrap(info.text), "",
             "Read by:", *wrap(info.calls + "; only when a loaded rule or scope reads it. If "
                               "it could not be read, only the rules that read it are errors."),
             "", "Example:", f"  {info.example}", "", "Field paths:"]
    lines += [f"  {path}" for path in fields]
    return lines
