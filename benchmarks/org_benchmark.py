"""How long ``check --organization`` takes for a whole estate, against the latency floor and
a bare boto3 loop.

Starts ``bedrock_stub.py --accounts N`` (an organization of N accounts, each with ``--models``
models in every region, ``--latency`` seconds added to every request), then runs the
installed ``bedrock-drift check --organization --role-name bench`` in ``--regions`` regions
with a policy that judges every model (base model) and, with ``--account-policy``, every
account and region too (invocation logging and an enforced guardrail: two more calls per
account and region), ``--repeat`` times in fresh processes.

The bare loop is what a user would write with boto3 for the same read: a pool of
``--workers`` threads (each with its own boto3 session, as boto3 asks: a session is not
thread-safe), one task per account that assumes the role and, in each region, makes a
Bedrock client with the role's credentials that lists the models and gets each one (the
calling account read with its own credentials). A new ``boto3.Session`` per account would
be slower still: each loads the service and endpoint data again.

The latency floor is what ``--workers`` requests in flight allow at best: the discovery
round trips that must follow each other (``GetCallerIdentity``, then ``ListAccounts`` pages
of 20), then every other call spread over the workers: for N accounts, R regions and M
models, ``(1 + ceil(N / 20) + ceil((N - 1 + N x R + N x R x M) / workers)) x latency``. The
stub counts every call it answers, so the table also shows that nothing was read twice;
the peak memory (RSS) of each process, and the most threads it had at once (sampled from
``/proc`` every 20 ms, on Linux), are measured too. Run from the repository root:

    .venv/bin/python benchmarks/org_benchmark.py --accounts 1000 --regions 4 --models 1
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_benchmark import (  # noqa: E402
    StubServer,
    check_command,
    environment,
    machine_line,
)

POLICY = """\
version: 1
name: bench-models
rules:
  - id: titan-only
    base_model: {allowed: ["amazon.titan-text-express-v1*"]}
"""
ACCOUNT_POLICY = """\
version: 1
name: bench-accounts
resource: account
rules:
  - id: logging
    require: {field: invocationLogging.textDataDeliveryEnabled, equals: true}
  - id: guardrail
    require: {field: "enforcedGuardrails[].guardrailArn", exists: true}
"""
# us-east-1 first (check_command reads it), then Bedrock's other regions.
ALL_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "eu-central-1",
               "us-east-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
               "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1", "ap-northeast-2",
               "eu-south-1", "us-west-1", "ap-northeast-3", "me-central-1", "il-central-1")
RUN_TIMEOUT = 1800.0
TARGET = 1.3
MEMORY_TARGET_MB = 1024
# A run's threads: its workers, the watchdog of deadlines, the main thread (and this slack).
THREAD_SLACK = 3


def expected_calls(accounts: int, models: int, regions: int,
                   posture: bool) -> dict[str, int]:
    """Every call the run needs, once each."""
    reads = accounts * regions
    calls = {"GetCallerIdentity": 2,  # discovery, and the calling account's own id
             "ListAccounts": math.ceil(accounts / 20),
             "AssumeRole": accounts - 1,
             "ListCustomModels": reads, "GetCustomModel": reads * models}
    if posture:
        calls |= {"GetModelInvocationLoggingConfiguration": reads,
                  "ListEnforcedGuardrailsConfiguration": reads}
    return calls


def latency_floor(accounts: int, models: int, regions: int, workers: int, latency: float,
                  posture: bool) -> float:
    parallel = accounts - 1 + accounts * regions * (1 + models + (2 if posture else 0))
    return (1 + math.ceil(accounts / 20) + math.ceil(parallel / workers)) * latency


# -- the bare loop (run in its own process) -------------------------------------------------


def bare_loop(regions: list[str], workers: int) -> str:
    """The organization read as a user would write it with boto3; ``models errors``."""
    import threading

    import boto3.session
    from botocore.config import Config

    config = Config(retries={"mode": "adaptive", "total_max_attempts": 10},
                    connect_timeout=5, read_timeout=30, max_pool_connections=max(workers, 10))
    base = boto3.session.Session()
    sts = base.client("sts", config=config)
    caller = sts.get_caller_identity()["Account"]
    org = base.client("organizations", region_name="us-east-1", config=config)
    ids = [a["Id"] for page in org.get_paginator("list_accounts").paginate()
           for a in page["Accounts"] if a.get("State", a.get("Status")) == "ACTIVE"]

    local = threading.local()

    def read(account: str) -> tuple[int, int]:
        models = errors = 0
        if not hasattr(local, "session"):
            local.session = boto3.session.Session()
        try:
            if account == caller:
                credentials = {}
            else:
                keys = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/bench",
                                       RoleSessionName="bench")["Credentials"]
                credentials = {"aws_access_key_id": keys["AccessKeyId"],
                               "aws_secret_access_key": keys["SecretAccessKey"],
                               "aws_session_token": keys["SessionToken"]}
        except Exception:
            return 0, 1
        for region in regions:
            try:
                client = local.session.client("bedrock", region_name=region, config=config,
                                              **credentials)
                for page in client.get_paginator("list_custom_models").paginate():
                    for summary in page["modelSummaries"]:
                        try:
                            client.get_custom_model(modelIdentifier=summary["modelArn"])
                            models += 1
                        except Exception:
                            errors += 1
            except Exception:
                errors += 1
        return models, errors

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(read, ids))
    return f"{sum(m for m, _ in results)} {sum(e for _, e in results)}"


# -- timing one process ---------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    calls: dict[str, int]
    models: int = 0
    errors: int = 0
    failure: str = ""
    threads: int = 0  # the most alive at once (0: not measurable here)


def thread_count(pid: int) -> int:
    """The threads of process ``pid`` now (0 where /proc does not say)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def timed(cmd: list[str], env: dict[str, str], stub: StubServer, is_check: bool) -> Run:
    """Run ``cmd`` once in a fresh process against a reset stub: its wall time, CPU and
    peak RSS (its own, from wait4)."""
    stub.reset()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        deadline = start + RUN_TIMEOUT
        threads = 0
        while True:
            threads = max(threads, thread_count(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024
    run = Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime,
              peak_mb=usage.ru_maxrss * 1024 / scale / 1024, calls=stub.stats()["calls"],
              threads=threads)
    if is_check:
        try:
            report: Any = json.loads(stdout)
            run.models = int(report["summary"]["models"])
            run.errors = len(report.get("errors", []))
        except (ValueError, KeyError):
            run.failure = f"check exited {proc.returncode}: {stderr[-800:]}"
    else:
        try:
            run.models, run.errors = (int(word) for word in stdout.split())
        except ValueError:
            run.failure = f"bare loop failed ({proc.returncode}): {stderr[-800:]}"
    if run.errors and not run.failure:
        run.failure = f"{run.errors} errors"
    return run


def series(name: str, cmd: list[str], env: dict[str, str], stub: StubServer, repeat: int,
           is_check: bool) -> list[Run]:
    runs = []
    for _ in range(repeat):
        run = timed(cmd, env, stub, is_check)
        runs.append(run)
        print(f"  {name}: {run.wall:.2f} s, {run.models:,} models, "
              f"{sum(run.calls.values()):,} calls, CPU {run.cpu:.1f} s, peak RSS "
              f"{run.peak_mb:,.0f} MB, threads {run.threads or '-'} {run.failure}", flush=True)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=["bare"], help=argparse.SUPPRESS)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--regions", type=int, default=2, help="regions read per account")
    parser.add_argument("--models", type=int, default=5, help="per account and region")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--account-policy", action="store_true",
                        help="judge every account and region too (2 more calls each)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare boto3 loop")
    parser.add_argument("--bare-repeat", type=int, default=None,
                        help="runs of the bare loop (default: --repeat)")
    parser.add_argument("--check-command", default=None, metavar="CMD")
    args = parser.parse_args()
    from checker.sources.aws import DEFAULT_WORKERS

    workers = args.workers or DEFAULT_WORKERS
    if not 1 <= args.regions <= len(ALL_REGIONS):
        parser.error(f"--regions: 1 to {len(ALL_REGIONS)}")
    regions = list(ALL_REGIONS[:args.regions])
    if args.mode == "bare":
        print(bare_loop(regions, workers))
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        policies = workdir / "policies"
        policies.mkdir()
        (policies / "models.yaml").write_text(POLICY)
        if args.account_policy:
            (policies / "accounts.yaml").write_text(ACCOUNT_POLICY)
        stub = StubServer(args.models, args.latency, None,
                          extra=("--accounts", str(args.accounts)))
        env = environment(stub.url, workdir) | {"AWS_ENDPOINT_URL_STS": stub.url,
                                                "AWS_ENDPOINT_URL_ORGANIZATIONS": stub.url}
        options = [*(o for r in regions[1:] for o in ("--region", r)), "--organization",
                   "--role-name", "bench",
                   *(["--workers", str(args.workers)] if args.workers else [])]
        check = check_command(policies, options, args.check_command)
        bare = [sys.executable, __file__, "bare", "--regions", str(args.regions),
                "--workers", str(workers)]
        print(machine_line())
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min)")
        try:
            check_runs = series("check", check, env, stub, args.repeat, True)
            bare_runs = ([] if args.no_bare
                         else series("bare boto3 loop", bare, env, stub,
                                args.bare_repeat or args.repeat, False))
        finally:
            stub.stop()
    report(args, workers, regions, check_runs, bare_runs)


def report(args: argparse.Namespace, workers: int, regions: list[str], check_runs: list[Run],
           bare_runs: list[Run]) -> None:
    needed = expected_calls(args.accounts, args.models, len(regions), args.account_policy)
    floor = latency_floor(args.accounts, args.models, len(regions), workers, args.latency,
                          args.account_policy)
    wall = statistics.median(r.wall for r in check_runs)
    peak = max(r.peak_mb for r in check_runs)
    threads = max(r.threads for r in check_runs)
    exact = all(r.calls == needed and not r.failure for r in check_runs)
    bare = statistics.median(r.wall for r in bare_runs) if bare_runs else None
    bare_peak = max(r.peak_mb for r in bare_runs) if bare_runs else None
    print(f"load after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (uptime)")
    print("| accounts x regions x models | latency | workers | API calls | calls as needed"
          " | check (median) | peak RSS | bare boto3 loop | bare peak RSS | latency floor"
          " | check / floor | bare / floor | check's threads (most) |")
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    bare_text = f"{bare:.2f} s" if bare is not None else "-"
    bare_peak_text = f"{bare_peak:,.0f} MB" if bare_peak is not None else "-"
    bare_ratio = f"{bare / floor:.2f}" if bare is not None else "-"
    print(f"| {args.accounts:,} x {len(regions)} x {args.models}"
          f"{' + account policy' if args.account_policy else ''} | "
          f"{args.latency * 1000:.0f} ms | {workers} | {sum(needed.values()):,} | "
          f"{'yes' if exact else 'NO: ' + str(check_runs[0].calls)} | {wall:.2f} s | "
          f"{peak:,.0f} MB | {bare_text} | {bare_peak_text} | {floor:.2f} s | "
          f"**{wall / floor:.2f}** | {bare_ratio} | {threads or '-'} |")
    verdict = "PASS" if wall / floor <= TARGET and exact else "MISSED"
    print(f"{verdict}: check within {TARGET}x the latency floor ({wall / floor:.2f}x)")
    if bare is not None:
        verdict = "PASS" if wall <= bare else "MISSED"
        print(f"{verdict}: check never slower than the bare boto3 loop ({wall / bare:.2f}x)")
    verdict = "PASS" if peak < MEMORY_TARGET_MB else "MISSED"
    print(f"{verdict}: check's peak memory under 1 GB ({peak:,.0f} MB)")
    if threads:
        verdict = "PASS" if threads <= workers + THREAD_SLACK else "MISSED"
        print(f"{verdict}: check's threads within the workers + {THREAD_SLACK} "
              f"({threads} for {workers} workers)")


if __name__ == "__main__":
    main()
