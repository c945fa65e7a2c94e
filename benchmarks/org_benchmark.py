"""How long ``check --organization`` takes for a whole estate, against the latency floor.

Starts ``bedrock_stub.py --accounts N`` (an organization of N accounts, each with ``--models``
models in every region, ``--latency`` seconds added to every request), then runs the
installed ``bedrock-drift check --organization --role-name bench`` in two regions with a
policy that judges every model (base model) and every account and region (invocation
logging and an enforced guardrail), ``--repeat`` times in fresh processes.

The latency floor is what ``--workers`` requests in flight allow at best: the discovery
round trips that must follow each other (``GetCallerIdentity``, then ``ListAccounts`` pages
of 20), then every other call spread over the workers,
``(1 + ceil(N / 20) + ceil(calls / workers)) x latency``. The stub counts every call it
answers, so the table also shows that nothing was read twice. Run from the repository root:

    .venv/bin/python benchmarks/org_benchmark.py --accounts 200 --models 5 --latency 0.1
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scale_benchmark import (  # noqa: E402
    StubServer,
    Variant,
    check_command,
    environment,
    machine_line,
    timed_run,
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
REGIONS = ("us-east-1", "us-west-2")


def expected_calls(accounts: int, models: int, regions: int) -> dict[str, int]:
    """Every call the run needs, once each."""
    reads = accounts * regions
    return {"GetCallerIdentity": 2,  # discovery, and the calling account's own id
            "ListAccounts": math.ceil(accounts / 20),
            "AssumeRole": accounts - 1,
            "ListCustomModels": reads, "GetCustomModel": reads * models,
            "GetModelInvocationLoggingConfiguration": reads,
            "ListEnforcedGuardrailsConfiguration": reads}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--models", type=int, default=5, help="per account and region")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--check-command", default=None, metavar="CMD")
    args = parser.parse_args()
    from checker.sources.aws import DEFAULT_WORKERS

    workers = args.workers or DEFAULT_WORKERS
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        policies = workdir / "policies"
        policies.mkdir()
        (policies / "models.yaml").write_text(POLICY)
        (policies / "accounts.yaml").write_text(ACCOUNT_POLICY)
        stub = StubServer(args.models, args.latency, None,
                          extra=("--accounts", str(args.accounts)))
        env = environment(stub.url, workdir) | {"AWS_ENDPOINT_URL_STS": stub.url,
                                                "AWS_ENDPOINT_URL_ORGANIZATIONS": stub.url}
        options = ["--region", REGIONS[1], "--organization", "--role-name", "bench",
                   *(["--workers", str(args.workers)] if args.workers else [])]
        variant = Variant("org", check_command(policies, options, args.check_command),
                          False, True)
        print(machine_line())
        try:
            for _ in range(args.repeat):
                run = timed_run(variant, env, stub)
                variant.runs.append(run)
                print(f"  {run.wall:.2f} s, {run.models} judged, {sum(run.calls.values()):,} "
                      f"calls, client CPU {run.client_cpu:.1f} s, server CPU "
                      f"{run.stub_cpu:.1f} s {run.failure}", flush=True)
        finally:
            stub.stop()
    needed = expected_calls(args.accounts, args.models, len(REGIONS))
    total = sum(needed.values())
    chain = 1 + math.ceil(args.accounts / 20)
    floor = (chain + math.ceil((total - chain) / workers)) * args.latency
    wall = statistics.median(r.wall for r in variant.runs)
    exact = all(r.calls == needed and not r.failure for r in variant.runs)
    print("| accounts x regions | models | latency | workers | API calls | calls as needed"
          " | check (median) | latency floor | check / floor |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|")
    print(f"| {args.accounts} x {len(REGIONS)} | {args.accounts * len(REGIONS) * args.models:,}"
          f" | {args.latency * 1000:.0f} ms | {workers} | {total:,} | "
          f"{'yes' if exact else 'NO: ' + str(variant.runs[0].calls)} | {wall:.2f} s | "
          f"{floor:.2f} s | **{wall / floor:.2f}** |")


if __name__ == "__main__":
    main()
