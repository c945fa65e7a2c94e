"""A minimal Bedrock control plane served from memory, with a fixed delay per request.

Answers ``ListCustomModels``, ``GetCustomModel`` and ``ListTagsForResource`` for N
generated models, after sleeping ``--latency`` seconds on every request (the round trip
to a real AWS endpoint). It exists for the fetch benchmark: moto's server spends several
milliseconds of CPU per request, which on a small machine would measure moto instead of
the client. Not for tests; those use moto.

    python benchmarks/bedrock_stub.py --models 1000 --latency 0.1 --port 0

prints ``listening on http://127.0.0.1:PORT`` once it accepts requests.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, unquote

from werkzeug.serving import make_server

ACCOUNT = "123456789012"
REGION = "us-east-1"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def make_models(count: int, region: str = REGION) -> list[dict[str, Any]]:
    """``count`` GetCustomModel documents, as AWS returns them (without metadata)."""
    models = []
    for i in range(count):
        name = f"bench-model-{i:05d}"
        models.append({
            "modelArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/"
                        f"amazon.titan-text-express-v1:0:8k/{i:012d}",
            "modelName": name,
            "jobName": f"job-{name}",
            "jobArn": f"arn:aws:bedrock:{region}:{ACCOUNT}:model-customization-job/"
                      f"amazon.titan-text-express-v1:0:8k/{i:012d}",
            "baseModelArn": f"arn:aws:bedrock:{region}::foundation-model/"
                            "amazon.titan-text-express-v1:0:8k",
            "customizationType": "FINE_TUNING",
            "modelKmsKeyArn": f"arn:aws:kms:{region}:{ACCOUNT}:key/"
                              "1234abcd-12ab-34cd-56ef-1234567890ab",
            "hyperParameters": {"epochCount": "2", "batchSize": "1",
                                "learningRate": "0.00001" if i % 10 else "0.001"},
            "trainingDataConfig": {"s3Uri": "s3://ml-approved-data/train.jsonl"},
            "outputDataConfig": {"s3Uri": "s3://ml-approved-data/out/"},
            "trainingMetrics": {"trainingLoss": 0.25},
            "validationMetrics": [],
            "creationTime": "2026-01-01T00:00:00Z",
            "modelStatus": "Active",
        })
    return models


class BedrockStub:
    """The WSGI app. Counts the requests it answers, per operation."""

    def __init__(self, models: list[dict[str, Any]], latency: float) -> None:
        self.models = models
        self.by_id = {m["modelArn"]: m for m in models} | {m["modelName"]: m for m in models}
        self.latency = latency
        self.lock = threading.Lock()
        self.calls: dict[str, int] = {}

    def _count(self, operation: str) -> None:
        with self.lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        time.sleep(self.latency)
        method = environ["REQUEST_METHOD"]
        path = unquote(environ.get("PATH_INFO", ""))
        body: dict[str, Any] = {"message": f"no route for {method} {path}"}
        status = "404 Not Found"
        error = "ResourceNotFoundException"
        if method == "GET" and path == "/custom-models":
            self._count("ListCustomModels")
            status, body = "200 OK", self.list_page(parse_qs(environ.get("QUERY_STRING", "")))
        elif method == "GET" and path.startswith("/custom-models/"):
            self._count("GetCustomModel")
            model = self.by_id.get(path[len("/custom-models/"):])
            if model is not None:
                status, body = "200 OK", model
        elif method == "POST" and path == "/listTagsForResource":
            self._count("ListTagsForResource")
            status, body = "200 OK", {"tags": [{"key": "team", "value": "ml"}]}
        headers = [("Content-Type", "application/json")]
        if not status.startswith("200"):
            headers.append(("x-amzn-ErrorType", error))
        data = json.dumps(body).encode()
        headers.append(("Content-Length", str(len(data))))
        start_response(status, headers)
        return [data]

    def list_page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        size = min(int(query.get("maxResults", ["100"])[0]), 1000)
        start = int(query.get("nextToken", ["0"])[0])
        page = self.models[start:start + size]
        result: dict[str, Any] = {"modelSummaries": [
            {key: m[key] for key in ("modelArn", "modelName", "creationTime", "baseModelArn",
                                     "customizationType", "modelStatus")}
            | {"ownerAccountId": ACCOUNT}
            for m in page
        ]}
        if start + size < len(self.models):
            result["nextToken"] = str(start + size)
        return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    # One log line per request would cost the server CPU and could fill a pipe.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = BedrockStub(make_models(args.models), args.latency)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    # Enough backlog for every client connection opening at once.
    server.socket.listen(256)
    print(f"listening on http://127.0.0.1:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print(json.dumps(app.calls), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
