"""How fast ``bedrock-drift check`` reads models in their context, against a bare boto3 loop.

The ``scale_benchmark.py`` machinery (the stub in its own process, fresh processes, the
calls counted by the server, client CPU from the kernel) with a policy that has a rule on
every key a model's context adds: ``deployments``, ``throughputs``, ``served``, ``copyJob``,
``importJob``, ``baseModel``. The stub serves ``--models`` custom models (every
``--every``-th deployed, provisioned and copied in), ``--imported`` imported models with
their import jobs, and one foundation model.

- ``check``: ``bedrock-drift check --region us-east-1 --include-imported -f json -p POLICY``
  with default settings;
- ``bare``: a boto3 loop making only the same calls from a thread pool of the same size,
  with the same client configuration: the three listings of the region and the one
  GetFoundationModel, started at once; ListCustomModels and each page's GetCustomModel
  calls; ListImportedModels and, per imported model, GetImportedModel then
  GetModelImportJob. It joins nothing: the floor of the calls alone.

Latency floor: (calls / workers) x latency; whole-round floor: one round for the first
pages, then ``ceil((calls - listings) / workers)`` rounds, plus one for the import jobs
that wait on their model's Get. Run from the repository root:

    .venv/bin/python benchmarks/context_benchmark.py --models 900 --imported 100 --latency 0.1
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_benchmark import (  # noqa: E402
    PAGE_SIZE,
    StubServer,
    Variant,
    check_command,
    environment,
    machine_line,
    median_run,
    timed_run,
)

FM = "amazon.titan-text-express-v1:0:8k"
# The target: within this many times the latency floor.
TARGET = 1.3
POLICY = """\
version: 1
name: bench-context
rules:
  - id: kms-required
    severity: high
    served_severity: critical
    kms_key: {}
  - id: deployments-healthy
    require: {field: "deployments[].status", not_equals: Failed}
    when: {field: "deployments[]", exists: true}
  - id: commitment-ahead
    when: {field: "throughputs[]", exists: true}
    require: {field: "throughputs[].commitmentExpirationTime", min_days_ahead: 0}
  - id: not-served
    severity: info
    require: {field: served, exists: true}
  - id: copied-from-approved
    when: {field: copyJob, exists: true}
    require: {field: copyJob.sourceAccountId, in: ["123456789012"]}
  - id: import-in-vpc
    when: {field: modelArn, matches: ".*:imported-model/.*"}
    require: {field: "importJob.vpcConfig.subnetIds[]", exists: true}
  - id: base-model-active
    when: {field: modelArn, not_matches: ".*:imported-model/.*"}
    require: {field: baseModel.modelLifecycle.status, equals: ACTIVE}
"""
LISTINGS = (("list_custom_model_deployments", "modelDeploymentSummaries"),
            ("list_provisioned_model_throughputs", "provisionedModelSummaries"),
            ("list_model_copy_jobs", "modelCopyJobSummaries"))
SHORT = {"ListCustomModels": "List", "GetCustomModel": "Get",
         "ListImportedModels": "ListImported", "GetImportedModel": "GetImported",
         "GetModelImportJob": "ImportJob", "ListCustomModelDeployments": "Deployments",
         "ListProvisionedModelThroughputs": "Throughputs", "ListModelCopyJobs": "CopyJobs",
         "GetFoundationModel": "FoundationModel"}


def bare_loop(workers: int, max_attempts: int) -> str:
    """The same calls as the tool, from a pool of ``workers`` threads, and nothing else."""
    import boto3.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    config = Config(retries={"mode": "adaptive", "total_max_attempts": max_attempts},
                    connect_timeout=5, read_timeout=30,
                    max_pool_connections=max(workers, 10))
    client = boto3.session.Session().client("bedrock", region_name="us-east-1", config=config)
    futures: list[Future[bool]] = []

    def call(fn: Any) -> bool:
        try:
            fn()
        except (BotoCoreError, ClientError):
            return False
        return True

    def listing(method: str, member: str) -> bool:
        def pages() -> None:
            for page in client.get_paginator(method).paginate(
                    PaginationConfig={"PageSize": PAGE_SIZE}):
                list(page.get(member, []))
        return call(pages)

    def imported(arn: str) -> bool:
        def both() -> None:
            job = client.get_imported_model(modelIdentifier=arn)["jobArn"]
            client.get_model_import_job(jobIdentifier=job)
        return call(both)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        side = [pool.submit(listing, method, member) for method, member in LISTINGS]
        side.append(pool.submit(call, lambda: client.get_foundation_model(modelIdentifier=FM)))

        def models(method: str, one: Any) -> None:
            for page in client.get_paginator(method).paginate(
                    PaginationConfig={"PageSize": PAGE_SIZE}):
                for summary in page["modelSummaries"]:
                    futures.append(pool.submit(one, summary["modelArn"]))

        custom = pool.submit(models, "list_custom_models", lambda arn: call(
            lambda: client.get_custom_model(modelIdentifier=arn)))
        own = pool.submit(models, "list_imported_models", imported)
        custom.result()
        own.result()
        results = [future.result() for future in futures]
        side_ok = all(future.result() for future in side)
    return f"{sum(results)} {results.count(False) + (0 if side_ok else 1)}"


def needed(models: int, imported: int) -> dict[str, int]:
    return {"ListCustomModels": max(1, math.ceil(models / PAGE_SIZE)), "GetCustomModel": models,
            "ListImportedModels": max(1, math.ceil(imported / PAGE_SIZE)),
            "GetImportedModel": imported, "GetModelImportJob": imported,
            "ListCustomModelDeployments": 1, "ListProvisionedModelThroughputs": 1,
            "ListModelCopyJobs": 1, "GetFoundationModel": 1}


def calls_text(calls: dict[str, int]) -> str:
    return " + ".join(f"{calls[op]:,} {short}" for op, short in SHORT.items() if calls.get(op))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--models", type=int, default=900, help="custom models")
    parser.add_argument("--imported", type=int, default=100, help="imported models")
    parser.add_argument("--every", type=int, default=3,
                        help="every N-th custom model deployed, provisioned and copied")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check-command", default=None, metavar="CMD")
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    from checker.sources.aws import DEFAULT_MAX_ATTEMPTS, DEFAULT_WORKERS

    workers = args.workers or DEFAULT_WORKERS
    if args.bare:
        print(bare_loop(workers, DEFAULT_MAX_ATTEMPTS))
        return
    workdir = Path(tempfile.mkdtemp(prefix="bedrock-drift-bench-"))
    policy = workdir / "context.yaml"
    policy.write_text(POLICY)
    total = args.models + args.imported
    stub = StubServer(args.models, args.latency, None,
                      extra=("--context", str(args.every), "--imported", str(args.imported)))
    # The calling account's id (GetCallerIdentity, one call the stub does not count) from
    # the stub, never from AWS's STS.
    env = environment(stub.url, workdir) | {"AWS_ENDPOINT_URL_STS": stub.url}
    variants = [Variant("bare", [sys.executable, __file__, "--bare"], False, False),
                Variant("check", [*check_command(policy, ["--include-imported"],
                                                 args.check_command)], False, True)]
    print(machine_line())
    print(f"{args.models} custom + {args.imported} imported models, one in {args.every} "
          f"served and copied, latency {args.latency * 1000:.0f} ms, workers {workers}, "
          f"repeats {args.repeat} (median shown)")
    try:
        for _ in range(args.repeat):
            for variant in variants:
                run = timed_run(variant, env, stub)
                variant.runs.append(run)
                print(f"  {variant.name}: {run.wall:.2f} s, {calls_text(run.calls)}, client "
                      f"CPU {run.client_cpu:.1f} s, server CPU {run.stub_cpu:.1f} s "
                      f"{run.failure}", flush=True)
    finally:
        stub.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    expected = needed(args.models, args.imported)
    calls = sum(expected.values())
    floor = calls / workers * args.latency
    # First round: every listing at once; then the Gets in whole rounds over the workers;
    # then the import jobs' last round, which waits on their models' Gets.
    rounds = 1 + math.ceil((calls - 6) / workers) + (1 if args.imported else 0)
    round_floor = rounds * args.latency
    check, bare = variants[1], variants[0]
    wall = statistics.median(r.wall for r in check.runs)
    bare_wall = statistics.median(r.wall for r in bare.runs)
    status = "ok"
    for run in check.runs:
        if run.failure:
            status = run.failure
        elif run.calls != expected:
            status = f"calls {calls_text(run.calls)} != needed {calls_text(expected)}"
        elif run.models != total:
            status = f"judged {run.models} of {total}"
    for run in bare.runs:
        if run.calls != expected:
            status = f"bare made {calls_text(run.calls)}"
    med = median_run(check.runs)
    print("| models | latency | API calls (check, counted by the server) | check | bare boto3 "
          "| check / bare | latency floor | check / latency floor | whole-round floor "
          "(check / it) | client CPU check / bare | result |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    print(f"| {total:,} | {args.latency * 1000:.0f} ms | {calls_text(med.calls)} | {wall:.2f} s"
          f" | {bare_wall:.2f} s | **{wall / bare_wall:.2f}** | {floor:.2f} s"
          f" | **{wall / floor:.2f}** | {round_floor:.2f} s ({wall / round_floor:.2f})"
          f" | {med.client_cpu:.1f} s / {median_run(bare.runs).client_cpu:.1f} s | {status} |")
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (uptime)")
    verdict = "PASS" if wall / floor <= TARGET and status == "ok" else "MISSED"
    print(f"{verdict}: check within {TARGET}x the latency floor ({wall / floor:.2f}x)")


if __name__ == "__main__":
    main()
