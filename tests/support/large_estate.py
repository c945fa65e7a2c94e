"""A synthetic estate big enough to cross every consumer's limit: 10,000 models judged by
the shipped baseline policy with the engine, built once per test session.

Every model breaks some of the baseline's rules, in a mix that varies with its number, so
the report holds critical, high and medium violations, waived ones and passing models; at
10,000 models it carries more than 25,000 results (GitHub's per-run SARIF limit), a Markdown
report of many MiB (the job summary's limit is 1 MiB) and far more than ten annotations of
each level (GitHub's per-step limit).
"""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from checker.cli import run_check
from checker.policy.loader import load_policies
from checker.policy.waivers import load_waiver_file
from checker.results import Report
from checker.sources.files import load_documents
from tests.support import ROOT

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)
MODELS = 10_000
ACCOUNTS = ("111122223333", "444455556666")
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


# Critical violations waived for one team in forty: waived, not open.
WAIVERS = """\
waivers:
  - rules: [bedrock-baseline/kms-required]
    models: ["team-3-*"]
    reason: Keys move to the platform account in SEC-2024.
    expires: 2027-06-30
"""


def document(number: int) -> dict[str, object]:
    """The GetCustomModel document of model ``number``: which rules it breaks varies."""
    account = ACCOUNTS[number % len(ACCOUNTS)]
    region = REGIONS[number % len(REGIONS)]
    base = ("meta.llama3-1-8b-instruct-v1:0:128k" if number % 3 == 0
            else "amazon.titan-text-express-v1:0:8k")
    name = f"team-{number % 40}-model-{number:05d}"
    doc: dict[str, object] = {
        "modelArn": f"arn:aws:bedrock:{region}:{account}:custom-model/{base}/m{number:07d}",
        "modelName": name,
        "jobName": f"{name}-job",
        "jobArn": f"arn:aws:bedrock:{region}:{account}:model-customization-job/{base}/"
                  f"j{number:07d}",
        "baseModelArn": f"arn:aws:bedrock:{region}::foundation-model/{base}",
        "customizationType": "FINE_TUNING",
        "hyperParameters": {"epochCount": "2", "batchSize": "8",
                            "learningRate": "0.001" if number % 2 else "0.00001"},
        "trainingDataConfig": {"s3Uri": "s3://acme-ml-training-data/x/train.jsonl"
                               if number % 4 else "s3://scratch/train.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://acme-ml-model-output/x/" if number % 5
                             else "s3://scratch/out/"},
        "creationTime": "2026-07-30T16:40:00+00:00",
        "modelStatus": "Active",
        "tags": {"data-classification": "internal"} if number % 7 else
                {"owner": "team", "data-classification": "internal"},
    }
    if number % 11 == 0:
        doc["modelKmsKeyArn"] = (f"arn:aws:kms:{region}:111122223333:key/"
                                 f"{number:08d}-1111-2222-3333-444455556666")
    return doc


def write_estate(folder: Path) -> tuple[Path, Path]:
    """The estate's model documents (one JSON file) and waivers file, written to ``folder``."""
    models = folder / "models.json"
    models.write_text(json.dumps([document(n) for n in range(MODELS)]), encoding="utf-8")
    waivers = folder / "waivers.yaml"
    waivers.write_text(WAIVERS, encoding="utf-8")
    return models, waivers


@lru_cache(maxsize=1)
def large_report() -> Report:
    """The judged estate (built once: a few seconds)."""
    with tempfile.TemporaryDirectory(prefix="bedrock-drift-estate-") as folder:
        models, waivers = write_estate(Path(folder))
        policies, _ = load_policies([str(ROOT / "policies" / "baseline.yaml")])
        policies = load_waiver_file(str(waivers), policies)
        return run_check(policies, load_documents([str(models)]), "info", now=NOW)
