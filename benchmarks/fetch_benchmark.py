"""How fast ``bedrock-drift check`` reads a live account, against a bare boto3 loop.

Starts ``bedrock_stub.py`` (N models served from memory, ``--latency`` seconds added to
every request, in its own process so its CPU does not compete with the client's), then
times, each ``--repeat`` times, in fresh processes:

- ``check``: the installed ``bedrock-drift check --region us-east-1 -f json -p POLICY``
  with default settings, the endpoint given by ``AWS_ENDPOINT_URL_BEDROCK``;
- ``fetch``: ``checker.sources.aws.fetch_models`` alone (no policy, no report);
- ``bare``: a boto3 loop making the same calls (one paginated ListCustomModels, then
  GetCustomModel for every model in a thread pool of the same size, same client config)
  and nothing else: the floor this machine can reach.

Every variant is a new Python process, so each includes interpreter start-up and the
import of boto3. Run from the repository root:

    .venv/bin/python benchmarks/fetch_benchmark.py --models 1000 --latency 0.1
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
POLICY = """\
version: 1
name: bench-baseline
rules:
  - id: kms-required
    severity: critical
    kms_key:
      allowed: ["arn:aws:kms:*:123456789012:key/*"]
  - id: approved-base-models
    base_model:
      allowed: ["amazon.titan-text-express-v1*"]
  - id: learning-rate-cap
    hyperparameter: {name: learningRate, max: 0.0001}
"""
TAG_RULE = """\
  - id: team-tag
    require: {field: tags.team, exists: true}
"""


def bare_loop(workers: int, max_attempts: int, tags: bool) -> int:
    """The floor: the same Bedrock calls with the same concurrency, nothing else."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "adaptive", "total_max_attempts": max_attempts},
                    connect_timeout=5, read_timeout=30,
                    max_pool_connections=max(workers, 10))
    client = boto3.session.Session().client("bedrock", region_name="us-east-1", config=config)
    arns = [summary["modelArn"]
            for page in client.get_paginator("list_custom_models").paginate(
                PaginationConfig={"PageSize": 1000})
            for summary in page["modelSummaries"]]

    def one(arn: str) -> Any:
        doc = client.get_custom_model(modelIdentifier=arn)
        if tags:
            doc["tags"] = client.list_tags_for_resource(resourceARN=arn)["tags"]
        return doc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        docs = list(pool.map(one, arns))
    return len(docs)


def fetch_only(workers: int, tags: bool) -> int:
    """fetch_models with its defaults (but ``workers``), and nothing after it."""
    from checker.sources.aws import default_session_factory, fetch_models

    result = fetch_models(default_session_factory, profile=None, regions=["us-east-1"],
                          model_ids=(), needs=frozenset({"tags"} if tags else ()),
                          workers=workers)
    if result.errors:
        raise SystemExit(f"errors: {result.errors[:3]}")
    return len(result.models)


def start_stub(models: int, latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "bedrock_stub.py"), "--models", str(models),
         "--latency", str(latency), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"stub server did not start: {line!r}")
    return proc, line.split()[-1]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description="Time bedrock-drift check against a bare loop.")
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None,
                        help="passed to check as --workers (default: the tool's default)")
    parser.add_argument("--tags", action="store_true",
                        help="add a rule on tags, so every model also needs ListTagsForResource")
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fetch-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    from checker.sources.aws import DEFAULT_MAX_ATTEMPTS, DEFAULT_WORKERS

    workers = args.workers or DEFAULT_WORKERS
    if args.bare:
        print(bare_loop(workers, DEFAULT_MAX_ATTEMPTS, args.tags))
        return
    if args.fetch_only:
        print(fetch_only(workers, args.tags))
        return

    command = shutil.which("bedrock-drift", path=str(Path(sys.executable).parent))
    stub, url = start_stub(args.models, args.latency)
    workdir = Path(tempfile.mkdtemp(prefix="bedrock-drift-bench-"))
    policy = workdir / "bench.yaml"
    policy.write_text(POLICY + (TAG_RULE if args.tags else ""))
    env = {**os.environ,
           "AWS_ENDPOINT_URL_BEDROCK": url, "AWS_ACCESS_KEY_ID": "bench",
           # The calling account's id from the stub (uncounted), never from AWS's STS.
           "AWS_ENDPOINT_URL_STS": url,
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": str(workdir / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    env.pop("AWS_PROFILE", None)
    workers_option = ["--workers", str(args.workers)] if args.workers else []
    tags_option = ["--tags"] if args.tags else []
    variants: dict[str, list[str]] = {
        "bare": [sys.executable, __file__, "--bare", *workers_option, *tags_option],
        "fetch": [sys.executable, __file__, "--fetch-only", *workers_option, *tags_option],
    }
    if command and importlib.util.find_spec("checker.cli") is not None:
        variants["check"] = [command, "check", "--region", "us-east-1", "-f", "json",
                             "-p", str(policy), *workers_option]
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for _ in range(args.repeat):
            for name, cmd in variants.items():
                seconds, done = timed(cmd, env)
                check_output(name, done, args.models)
                times[name].append(seconds)
    finally:
        stub.terminate()
        stub.wait()

    bare = statistics.median(times["bare"])
    print(f"machine: {os.cpu_count()} CPUs ({platform.machine()}), Python "
          f"{platform.python_version()}, {platform.system()}")
    print(f"models: {args.models}, latency per request: {args.latency * 1000:.0f} ms, "
          f"workers: {workers}, repeats: {args.repeat} (median shown)")
    calls_per_model = 2 if args.tags else 1
    print(f"API calls: 1 list page + {args.models * calls_per_model} "
          f"({'GetCustomModel + ListTagsForResource' if args.tags else 'GetCustomModel'})")
    floor = (1 + args.models / workers * calls_per_model) * args.latency
    print(f"latency floor ((list pages + calls / workers) x latency): {floor:.2f} s")
    print(f"{'variant':<8} {'median s':>9} {'min s':>7} {'x bare':>7}")
    for name in ("check", "fetch", "bare"):
        if name in times:
            med = statistics.median(times[name])
            print(f"{name:<8} {med:>9.2f} {min(times[name]):>7.2f} {med / bare:>7.2f}")
    if "check" not in times:
        print("(bedrock-drift is not installed next to this Python: check not timed)")


def check_output(name: str, done: subprocess.CompletedProcess[str], models: int) -> None:
    """Refuse to time a run that did not read every model."""
    if name == "check":
        if done.returncode not in (0, 1):
            raise SystemExit(f"check exited {done.returncode}: {done.stderr[-2000:]}")
        try:
            report: Any = json.loads(done.stdout)
        except ValueError:
            raise SystemExit(f"check printed no JSON report: {done.stderr[-2000:]}") from None
        read = report["summary"]["models"]
        if read != models or report["summary"]["errors"]:
            raise SystemExit(f"check read {read} models, errors: {report['errors'][:3]}")
        return
    if done.returncode != 0 or done.stdout.strip() != str(models):
        raise SystemExit(f"{name} failed ({done.returncode}): {done.stdout[-500:]} "
                         f"{done.stderr[-2000:]}")


if __name__ == "__main__":
    main()
