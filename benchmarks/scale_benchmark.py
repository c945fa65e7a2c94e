"""How ``bedrock-drift check`` scales with the number of models, and under a request quota.

Starts ``bedrock_stub.py`` in its own process (N models served from memory, ``--latency``
seconds added to every request, optionally a token-bucket request quota), then runs, each
in a fresh process and ``--repeat`` times, interleaved:

- ``check``: the installed ``bedrock-drift check --region us-east-1 -f json -p POLICY``
  with default settings (unless ``--workers``/``--max-attempts`` are given), once with a
  policy that has no tag rule and once with a policy that has one;
- ``bare``: a boto3 loop making only the same calls (ListCustomModels pages, then
  GetCustomModel, plus ListTagsForResource for the tag policy) from a thread pool of the
  same size, with the same client configuration, and nothing else: the machine floor.

For every run the stub counts the calls it answered, per operation (and the throttled
ones), and its own CPU time, so the table shows that the server was not the bottleneck;
the client's CPU time comes from the kernel's accounting of the child process.

Three modes. ``speed`` (default): the table of wall times against the machine floor and the
latency floor ``(list pages + N x calls per model) / workers x latency`` (and the same in
whole round trips: one for the first page, then ``ceil((calls - 1) / workers)``). ``quota``: the
stub throttles beyond ``--quota`` requests a second; ``check`` must judge every model with
no error, and its wall time is compared with the quota floor ``calls / quota``; each
``--setting WORKERS:ATTEMPTS`` adds a row with those options. ``calls``: one run per
policy (no tag rule, a tag rule, rules on the KMS key and the job, ``--keys`` distinct keys),
the calls made against the calls needed. Run from the repository root:

    .venv/bin/python benchmarks/scale_benchmark.py speed --models 200 1000 5000 --latency 0.1
    .venv/bin/python benchmarks/scale_benchmark.py speed --models 1000 --latency 0.5 --repeat 1
    .venv/bin/python benchmarks/scale_benchmark.py quota --models 1000 --quota 20 \\
        --setting 32:10 --setting 8:10
    .venv/bin/python benchmarks/scale_benchmark.py calls --models 1000 --keys 10
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fetch_benchmark import POLICY, TAG_RULE  # noqa: E402

PAGE_SIZE = 1000  # ListCustomModels' largest page, as the tool asks for
OPERATIONS = ("ListCustomModels", "GetCustomModel", "ListTagsForResource",
              "GetModelCustomizationJob", "DescribeKey", "ListAliases")
SHORT = {"ListCustomModels": "List", "GetCustomModel": "Get", "ListTagsForResource": "Tags",
         "GetModelCustomizationJob": "Job", "DescribeKey": "DescribeKey",
         "ListAliases": "ListAliases"}
# Rules on the deep checks: the model's KMS key (DescribeKey and its aliases) and its job.
DEEP_RULES = """\
  - id: key-alias
    kms_key: {aliases: ["alias/ml-*"], customer_managed: true}
  - id: job-in-vpc
    require: {field: job.vpcConfig.subnetIds, exists: true}
"""
RUN_TIMEOUT = 540.0  # seconds: a run that has not ended by then is reported as a failure


# -- the machine floor, run in its own process --------------------------------------------


def bare_loop(workers: int, max_attempts: int, tags: bool) -> str:
    """The same calls as the tool, from a pool of ``workers`` threads, and nothing else.

    The listing runs in the pool like the tool's does, and each page's GetCustomModel calls
    start as soon as the page arrives. Returns ``models errors`` for the parent to check.
    """
    import boto3.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    config = Config(retries={"mode": "adaptive", "total_max_attempts": max_attempts},
                    connect_timeout=5, read_timeout=30,
                    max_pool_connections=max(workers, 10))
    client = boto3.session.Session().client("bedrock", region_name="us-east-1", config=config)
    futures: list[Future[bool]] = []

    def one(arn: str) -> bool:
        try:
            doc = client.get_custom_model(modelIdentifier=arn)
            if tags:
                doc["tags"] = client.list_tags_for_resource(resourceARN=arn)["tags"]
        except (BotoCoreError, ClientError):
            return False
        return True

    with ThreadPoolExecutor(max_workers=workers) as pool:
        def lister() -> None:
            paginator = client.get_paginator("list_custom_models")
            for page in paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE}):
                for summary in page["modelSummaries"]:
                    futures.append(pool.submit(one, summary["modelArn"]))

        pool.submit(lister).result()
        results = [future.result() for future in futures]
    return f"{sum(results)} {results.count(False)}"


# -- the stub server ------------------------------------------------------------------------


class StubServer:
    """``bedrock_stub.py`` in its own process, and its counters."""

    def __init__(self, models: int, latency: float, quota: float | None,
                 throttle_status: int | None = None, keys: int = 1,
                 extra: tuple[str, ...] = ()) -> None:
        cmd = [sys.executable, str(HERE / "bedrock_stub.py"), "--models", str(models),
               "--latency", str(latency), "--port", "0", "--keys", str(keys), *extra]
        if quota is not None:
            cmd += ["--quota", str(quota)]
        if throttle_status is not None:
            cmd += ["--throttle-status", str(throttle_status)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise SystemExit(f"stub server did not start: {line!r}")
        self.url = line.split()[-1]

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/__stats", timeout=10) as response:
            data: dict[str, Any] = json.load(response)
        return data

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/__reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


# -- one timed run --------------------------------------------------------------------------


@dataclass
class Run:
    """What one process did, as seen from outside it."""

    wall: float
    client_cpu: float
    stub_cpu: float
    calls: dict[str, int]
    throttled: dict[str, int]
    models: int
    errors: int
    failure: str = ""


@dataclass
class Variant:
    """A command to time, and how to read what it judged."""

    name: str
    cmd: list[str]
    tags: bool
    is_check: bool
    runs: list[Run] = field(default_factory=list)


def timed_run(variant: Variant, env: dict[str, str], stub: StubServer) -> Run:
    """Run ``variant`` once in a fresh process against a reset stub."""
    stub.reset()
    before_stub = stub.stats()["cpu_seconds"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        done = subprocess.run(variant.cmd, env=env, capture_output=True, text=True,
                              check=False, timeout=RUN_TIMEOUT)
        stdout, stderr, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        stdout, stderr, code = "", str(exc.stderr or ""), -1
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = stub.stats()
    run = Run(wall=wall,
              client_cpu=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
              stub_cpu=stats["cpu_seconds"] - before_stub, calls=stats["calls"],
              throttled=stats["throttled"], models=0, errors=0)
    if code == -1:
        run.failure = f"timed out after {RUN_TIMEOUT:.0f} s"
    elif variant.is_check:
        read_report(run, stdout, stderr, code)
    else:
        try:
            run.models, run.errors = (int(word) for word in stdout.split())
        except ValueError:
            run.failure = f"bare loop failed ({code}): {stderr[-1000:]}"
    return run


def read_report(run: Run, stdout: str, stderr: str, code: int) -> None:
    """Models judged and errors, from check's JSON report."""
    try:
        report: Any = json.loads(stdout)
    except ValueError:
        run.failure = f"check exited {code} without a JSON report: {stderr[-1000:]}"
        return
    run.models = int(report["summary"]["models"])
    run.errors = len(report.get("errors", []))
    if run.errors:
        first = report["errors"][0]
        run.failure = f"{run.errors} errors, e.g. {first.get('message', first)}"


# -- the tables -----------------------------------------------------------------------------


def machine_line() -> str:
    import boto3
    import botocore

    return (f"machine: nproc {os.cpu_count()} ({platform.machine()}, {platform.system()}), "
            f"Python {platform.python_version()}, boto3 {boto3.__version__}, "
            f"botocore {botocore.__version__}")


def calls_text(calls: dict[str, int]) -> str:
    return " + ".join(f"{calls[op]:,} {SHORT[op]}" for op in OPERATIONS if calls.get(op))


def expected_calls(models: int, tags: bool) -> dict[str, int]:
    """What the policy needs: the list pages, one Get per model, one tag call if tags."""
    calls = {"ListCustomModels": max(1, math.ceil(models / PAGE_SIZE)),
             "GetCustomModel": models}
    if tags:
        calls["ListTagsForResource"] = models
    return calls


def median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.wall)[len(runs) // 2]


def speed_rows(models: int, latency: float, workers: int, variants: list[Variant]) -> list[str]:
    rows = []
    bare = {v.tags: statistics.median(r.wall for r in v.runs) for v in variants
            if not v.is_check}
    for variant in variants:
        if not variant.is_check:
            continue
        run = median_run(variant.runs)
        wall = statistics.median(r.wall for r in variant.runs)
        expected = expected_calls(models, variant.tags)
        total = sum(expected.values())
        latency_floor = total / workers * latency
        # The same, in whole round trips: the first page before any Get, then every other
        # call spread over the workers. 200 models on 32 workers take 7 rounds, not 6.25.
        round_floor = (1 + math.ceil((total - 1) / workers)) * latency
        bare_variant = next(v for v in variants if not v.is_check and v.tags == variant.tags)
        bare_run = median_run(bare_variant.runs)
        status = "ok"
        if any(r.failure for r in variant.runs):
            status = next(r.failure for r in variant.runs if r.failure)
        elif any(r.calls != expected for r in variant.runs):
            status = f"calls {calls_text(run.calls)} != needed {calls_text(expected)}"
        elif any(r.models != models for r in variant.runs):
            status = f"judged {run.models} of {models}"
        stub_load = max(r.stub_cpu / r.wall for r in variant.runs + bare_variant.runs)
        policy = "tag rule" if variant.tags else "no tag rule"
        rows.append(
            f"| {models:,} | {latency * 1000:.0f} ms | {policy} | {calls_text(run.calls)}"
            f" | {wall:.2f} s | {bare[variant.tags]:.2f} s"
            f" | **{wall / bare[variant.tags]:.2f}** | {latency_floor:.2f} s"
            f" | **{wall / latency_floor:.2f}** | {round_floor:.2f} s ({wall / round_floor:.2f})"
            f" | {run.client_cpu:.1f} s / {bare_run.client_cpu:.1f} s"
            f" | {stub_load * 100:.0f}% | {status} |")
    return rows


SPEED_HEADER = (
    "| models | latency | policy | API calls (check, counted by the server) | check | bare boto3"
    " | check / bare | latency floor | check / latency floor | whole-round floor (check / it)"
    " | client CPU check / bare | server CPU (max) | result |\n"
    "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")


def quota_row(label: str, models: int, quota: float, tags: bool, runs: list[Run]) -> str:
    run = median_run(runs)
    needed = sum(expected_calls(models, tags).values())
    floor = needed / quota
    throttled = sum(run.throttled.values())
    worst = max(runs, key=lambda r: r.wall)
    failed = [r for r in runs if r.failure or r.models != models]
    status = "ok" if not failed else (
        f"{len(failed)} of {len(runs)} runs failed: "
        + (failed[0].failure or f"judged {failed[0].models}"))
    return (f"| {label} | {run.wall:.1f} s | {worst.wall:.1f} s | {floor:.1f} s"
            f" | **{run.wall / floor:.2f}** ({worst.wall / floor:.2f})"
            f" | {run.models:,} | {run.errors} | {calls_text(run.calls)} | {throttled:,}"
            f" | {run.client_cpu:.1f} s | {status} |")


QUOTA_HEADER = (
    "| settings | check (median) | slowest | quota floor | check / floor (slowest)"
    " | models judged | errors | API calls (counted by the server) | of which throttled"
    " | client CPU | result |\n"
    "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|")


# -- main -----------------------------------------------------------------------------------


def environment(url: str, workdir: Path) -> dict[str, str]:
    """Only the stub: fake credentials, no profile, no instance metadata."""
    env = {**os.environ,
           "AWS_ENDPOINT_URL_BEDROCK": url, "AWS_ENDPOINT_URL_KMS": url,
           # The stub answers GetCallerIdentity too (uncounted): a run never reaches AWS's STS.
           "AWS_ENDPOINT_URL_STS": url,
           "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": str(workdir / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    for name in ("AWS_PROFILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    return env


def check_command(policy: Path, options: list[str], command: str | None = None) -> list[str]:
    """The check command line; ``command`` replaces the installed ``bedrock-drift``."""
    if command:
        base = shlex.split(command)
    else:
        found = shutil.which("bedrock-drift", path=str(Path(sys.executable).parent))
        if found is None:
            raise SystemExit("bedrock-drift is not installed next to this Python")
        base = [found]
    return [*base, "check", "--region", "us-east-1", "-f", "json", "-p", str(policy), *options]


def bare_command(workers: int, attempts: int, tags: bool) -> list[str]:
    return [sys.executable, __file__, "bare", "--workers", str(workers), "--max-attempts",
            str(attempts), *(["--tags"] if tags else [])]


def run_speed(args: argparse.Namespace, workdir: Path) -> None:
    from checker.sources.aws import DEFAULT_MAX_ATTEMPTS, DEFAULT_WORKERS

    workers = args.workers or DEFAULT_WORKERS
    attempts = args.max_attempts or DEFAULT_MAX_ATTEMPTS
    options = [*(["--workers", str(args.workers)] if args.workers else []),
               *(["--max-attempts", str(args.max_attempts)] if args.max_attempts else [])]
    plain, tagged = workdir / "bench.yaml", workdir / "bench-tags.yaml"
    plain.write_text(POLICY)
    tagged.write_text(POLICY + TAG_RULE)
    print(machine_line())
    print(f"workers {workers}, max attempts {attempts}, repeats {args.repeat} (median shown)")
    rows = []
    for models in args.models:
        stub = StubServer(models, args.latency, None)
        env = environment(stub.url, workdir)
        variants = [Variant("bare", bare_command(workers, attempts, False), False, False),
                    Variant("check", check_command(plain, options, args.check_command),
                            False, True),
                    Variant("bare+tags", bare_command(workers, attempts, True), True, False),
                    Variant("check+tags", check_command(tagged, options, args.check_command),
                            True, True)]
        try:
            for _ in range(args.repeat):
                for variant in variants:
                    run = timed_run(variant, env, stub)
                    variant.runs.append(run)
                    print(f"  {models} models, {variant.name}: {run.wall:.2f} s, "
                          f"{calls_text(run.calls)}, client CPU {run.client_cpu:.1f} s, "
                          f"server CPU {run.stub_cpu:.1f} s {run.failure}", flush=True)
        finally:
            stub.stop()
        rows += speed_rows(models, args.latency, workers, variants)
    print(SPEED_HEADER)
    print("\n".join(rows))


def run_quota(args: argparse.Namespace, workdir: Path) -> None:
    policy = workdir / "bench.yaml"
    policy.write_text(POLICY + (TAG_RULE if args.tags else ""))
    print(machine_line())
    print(f"{args.models} models, latency {args.latency * 1000:.0f} ms, quota {args.quota:g} "
          f"requests/s (token bucket, {args.quota:g} deep), throttled with HTTP "
          f"{args.throttle_status}, {'a' if args.tags else 'no'} tag rule, "
          f"repeats {args.repeat}")
    stub = StubServer(args.models, args.latency, args.quota, args.throttle_status)
    env = environment(stub.url, workdir)
    settings: list[tuple[str, list[str]]] = [("defaults", [])]
    for setting in args.setting:
        workers, _, attempts = setting.partition(":")
        options = ["--workers", workers] + (["--max-attempts", attempts] if attempts else [])
        settings.append((f"--workers {workers}"
                         + (f" --max-attempts {attempts}" if attempts else ""), options))
    rows = []
    try:
        for label, options in settings:
            variant = Variant(label, check_command(policy, options, args.check_command),
                              args.tags, True)
            for _ in range(args.repeat):
                run = timed_run(variant, env, stub)
                variant.runs.append(run)
                print(f"  {label}: {run.wall:.1f} s, {run.models} models, {run.errors} errors, "
                      f"{calls_text(run.calls)}, throttled {sum(run.throttled.values())}, "
                      f"server CPU {run.stub_cpu:.1f} s {run.failure}", flush=True)
            rows.append(quota_row(label, args.models, args.quota, args.tags, variant.runs))
    finally:
        stub.stop()
    print(QUOTA_HEADER)
    print("\n".join(rows))


def run_calls(args: argparse.Namespace, workdir: Path) -> None:
    """One check per policy; the calls each made, against the calls it needs."""
    policies = {"no tag rule": POLICY, "tag rule": POLICY + TAG_RULE,
                "key and job rules": POLICY + DEEP_RULES}
    needed = {"no tag rule": expected_calls(args.models, False),
              "tag rule": expected_calls(args.models, True),
              "key and job rules": {**expected_calls(args.models, False),
                                    "GetModelCustomizationJob": args.models,
                                    "DescribeKey": args.keys, "ListAliases": args.keys}}
    print(machine_line())
    print(f"{args.models} models, {args.keys} distinct KMS keys, one job per model, "
          f"latency {args.latency * 1000:.0f} ms")
    stub = StubServer(args.models, args.latency, None, keys=args.keys)
    env = environment(stub.url, workdir)
    rows: list[str] = []
    try:
        for label, text in policies.items():
            policy = workdir / f"{len(rows)}.yaml"
            policy.write_text(text)
            variant = Variant(label, check_command(policy, [], args.check_command),
                              label == "tag rule", True)
            run = timed_run(variant, env, stub)
            ok = run.calls == needed[label] and not run.failure and run.models == args.models
            rows.append(f"| {label} | {calls_text(needed[label])} | {calls_text(run.calls)}"
                        f" | {run.wall:.2f} s | {'ok' if ok else run.failure or 'MORE CALLS'} |")
    finally:
        stub.stop()
    print("| policy | calls needed | calls made (counted by the server) | check | result |\n"
          "|---|---|---|---:|---|")
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="mode")
    speed = sub.add_parser("speed", help="wall time against the machine and latency floors")
    speed.add_argument("--models", type=int, nargs="+", default=[200, 1000, 5000])
    speed.add_argument("--latency", type=float, default=0.1)
    speed.add_argument("--repeat", type=int, default=3)
    speed.add_argument("--workers", type=int, default=None,
                       help="passed to check as --workers (default: the tool's default)")
    speed.add_argument("--max-attempts", type=int, default=None)
    speed.add_argument("--check-command", default=None, metavar="CMD",
                       help="run CMD instead of the installed bedrock-drift (a candidate build)")
    quota = sub.add_parser("quota", help="a request quota: every model judged, how fast")
    quota.add_argument("--models", type=int, default=1000)
    quota.add_argument("--latency", type=float, default=0.1)
    quota.add_argument("--quota", type=float, default=20.0)
    quota.add_argument("--repeat", type=int, default=1)
    quota.add_argument("--tags", action="store_true", help="add a rule on tags")
    quota.add_argument("--check-command", default=None, metavar="CMD",
                       help="run CMD instead of the installed bedrock-drift (a candidate build)")
    quota.add_argument("--throttle-status", type=int, default=429,
                       help="HTTP status of a throttled answer (Bedrock's model says 429)")
    quota.add_argument("--setting", action="append", default=[],
                       metavar="WORKERS[:ATTEMPTS]", help="also run check with these options")
    calls = sub.add_parser("calls", help="the calls each policy makes, against what it needs")
    calls.add_argument("--models", type=int, default=1000)
    calls.add_argument("--keys", type=int, default=10)
    calls.add_argument("--latency", type=float, default=0.1)
    calls.add_argument("--check-command", default=None, metavar="CMD")
    bare = sub.add_parser("bare", help=argparse.SUPPRESS)
    bare.add_argument("--workers", type=int, required=True)
    bare.add_argument("--max-attempts", type=int, required=True)
    bare.add_argument("--tags", action="store_true")
    args = parser.parse_args()
    if args.mode == "bare":
        print(bare_loop(args.workers, args.max_attempts, args.tags))
        return
    workdir = Path(tempfile.mkdtemp(prefix="bedrock-drift-bench-"))
    try:
        if args.mode == "quota":
            run_quota(args, workdir)
        elif args.mode == "calls":
            run_calls(args, workdir)
        else:
            if args.mode is None:
                args = parser.parse_args(["speed", *sys.argv[1:]])
            run_speed(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
