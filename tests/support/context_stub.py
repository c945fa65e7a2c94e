"""A Bedrock control plane for the operations moto does not implement.

moto implements none of ``ListCustomModelDeployments``, ``GetCustomModelDeployment``,
``ListProvisionedModelThroughputs``, ``ListModelCopyJobs``, ``GetModelImportJob`` or
``GetFoundationModel``, so these tests serve them (and the custom and imported models they
surround) from the benchmarks' stub (``benchmarks/bedrock_stub.py`` with
``benchmarks/bedrock_context.py``), whose answers are records projected onto botocore's
output shapes. It runs in a thread on a free port, answers each request from the data of
the region the request was signed for, and counts the calls per operation and region.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tests.support import ROOT, SERVER_POLL_INTERVAL

BENCHMARKS = ROOT / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

import bedrock_context  # noqa: E402
import bedrock_stub  # noqa: E402

ACCOUNT = bedrock_stub.ACCOUNT
Surroundings = bedrock_context.Surroundings


def model(name: str, region: str = "us-east-1", *, key: bool = True,
          base: str = "amazon.titan-text-express-v1:0:8k", **extra: Any) -> dict[str, Any]:
    """A GetCustomModel answer of the stub's account."""
    doc: dict[str, Any] = {
        "modelArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/{base}/{name}",
        "modelName": name,
        "jobArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:model-customization-job/{name}",
        "baseModelArn": f"arn:aws:bedrock:{region}::foundation-model/{base}",
        "customizationType": "FINE_TUNING",
        "hyperParameters": {"learningRate": "0.00001"},
        "trainingDataConfig": {"s3Uri": "s3://ml-approved-data/train.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://ml-approved-data/out/"},
        "creationTime": "2026-01-01T00:00:00Z",
        "modelStatus": "Active",
    }
    if key:
        doc["modelKmsKeyArn"] = f"arn:aws:kms:{region}:{ACCOUNT}:key/approved"
    doc.update(extra)
    return doc


@dataclass
class Running:
    url: str
    stubs: dict[str, Any]  # region -> Stub (the first one counts every call)

    @property
    def main(self) -> Any:
        return next(iter(self.stubs.values()))

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/__stats", timeout=10) as response:
            data: dict[str, Any] = json.loads(response.read())
        return data

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/__reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass


@contextmanager
def serve(regions: dict[str, tuple[list[dict[str, Any]], Any]]) -> Iterator[Running]:
    """Serve ``region -> (models, Surroundings)`` with no added latency."""
    stubs = {region: bedrock_stub.Stub(models, 0.0, None, surroundings=surroundings)
             for region, (models, surroundings) in regions.items()}
    first = next(iter(stubs.values()))
    first.regions = dict(stubs)
    server = bedrock_stub.Server(("127.0.0.1", 0), first)
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": SERVER_POLL_INTERVAL}, daemon=True)
    thread.start()
    try:
        yield Running(f"http://127.0.0.1:{server.server_address[1]}", stubs)
    finally:
        server.shutdown()
        server.server_close()
