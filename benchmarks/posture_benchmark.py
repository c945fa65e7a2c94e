"""What the account around the models costs: ``check --organization`` with and without the
account-posture and model-posture policies, against the latency floor.

Starts ``bedrock_stub.py --accounts N`` (an organization of N accounts, ``--models`` models in
each of two regions, ``--latency`` seconds added to every request; the stub answers the
settings around the models too), then times the installed ``bedrock-drift check
--organization --role-name bench``, ``--repeat`` times each in fresh processes:

- ``base``: a model rule (base model) and an account policy reading the invocation logging
  and the enforced guardrails (what ``org_benchmark.py`` runs);
- ``posture``: the same model rule with ``builtin:account-posture`` and
  ``builtin:model-posture``: every setting (the guardrail's configuration, the encryption of
  the S3, large-data S3 and CloudWatch destinations, the VPC endpoints, the broad policy's
  attachments, the API keys), read once per account and region (IAM's once per account) and
  shared by the account and the model rules.

The extra calls are ``GetGuardrail``, two ``GetBucketEncryption``, ``DescribeLogGroups`` and
``DescribeVpcEndpoints`` per account and region, ``ListEntitiesForPolicy`` and
``ListServiceSpecificCredentials`` per account. Latency floor of a run, as in
``org_benchmark.py``: ``(chain + ceil((calls - chain) / workers)) x latency``, where the
chain is the discovery round trips (``GetCallerIdentity``, the ``ListAccounts`` pages) plus,
for ``posture``, the one round that must wait for another answer (``GetGuardrail`` after
the enforced guardrails, the encryption after the logging configuration). The extra cost
per account and region is the difference of the medians divided by accounts x regions.
Run from the repository root:

    .venv/bin/python benchmarks/posture_benchmark.py --accounts 1 --latency 0.1
    .venv/bin/python benchmarks/posture_benchmark.py --accounts 50 --latency 0.1
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

MODELS = """\
version: 1
name: bench-models
rules:
  - id: titan-only
    base_model: {allowed: ["amazon.titan-text-express-v1*"]}
"""
ACCOUNTS = """\
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


def expected_calls(accounts: int, models: int, regions: int, posture: bool) -> dict[str, int]:
    """Every call a run needs, once each."""
    reads = accounts * regions
    calls = {"GetCallerIdentity": 2, "ListAccounts": math.ceil(accounts / 20),
             "AssumeRole": accounts - 1, "ListCustomModels": reads,
             "GetCustomModel": reads * models,
             "GetModelInvocationLoggingConfiguration": reads,
             "ListEnforcedGuardrailsConfiguration": reads}
    if posture:
        calls |= {"GetGuardrail": reads, "GetBucketEncryption": 2 * reads,
                  "DescribeLogGroups": reads, "DescribeVpcEndpoints": reads,
                  "ListEntitiesForPolicy": accounts, "ListServiceSpecificCredentials": accounts}
        # model-posture reads 'served': the two listings of each account and region.
        calls |= {"ListCustomModelDeployments": reads, "ListProvisionedModelThroughputs": reads}
    return {operation: count for operation, count in calls.items() if count}


def floor(calls: dict[str, int], accounts: int, workers: int, latency: float,
          posture: bool) -> float:
    chain = 1 + math.ceil(accounts / 20) + (1 if posture else 0)
    total = sum(calls.values())
    return (chain + math.ceil((total - chain) / workers)) * latency


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--models", type=int, default=5, help="per account and region")
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check-command", default=None, metavar="CMD")
    args = parser.parse_args()
    from checker.sources.aws import DEFAULT_WORKERS

    workers = DEFAULT_WORKERS
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        base_dir, posture_dir = workdir / "base", workdir / "posture"
        base_dir.mkdir()
        posture_dir.mkdir()
        (base_dir / "models.yaml").write_text(MODELS)
        (base_dir / "accounts.yaml").write_text(ACCOUNTS)
        (posture_dir / "models.yaml").write_text(MODELS)
        stub = StubServer(args.models, args.latency, None,
                          extra=("--accounts", str(args.accounts), "--context", "0"))
        env = environment(stub.url, workdir) | {
            f"AWS_ENDPOINT_URL_{service}": stub.url
            for service in ("STS", "ORGANIZATIONS", "S3", "CLOUDWATCH_LOGS", "EC2", "IAM")}
        options = ["--region", REGIONS[1], "--organization", "--role-name", "bench"]
        variants = [
            Variant("base", check_command(base_dir, options, args.check_command), False, True),
            Variant("posture", check_command(
                posture_dir, [*options, "-p", "builtin:account-posture", "-p",
                              "builtin:model-posture"], args.check_command), False, True)]
        print(machine_line())
        try:
            for _ in range(args.repeat):
                for variant in variants:
                    run = timed_run(variant, env, stub)
                    variant.runs.append(run)
                    print(f"  {variant.name}: {run.wall:.2f} s, {sum(run.calls.values()):,} "
                          f"calls, client CPU {run.client_cpu:.2f} s, server CPU "
                          f"{run.stub_cpu:.2f} s {run.failure}", flush=True)
        finally:
            stub.stop()
    reads = args.accounts * len(REGIONS)
    print("| run | accounts x regions | latency | workers | API calls | calls as needed "
          "| wall (median) | client CPU (median) | latency floor | wall / floor |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|---:|")
    walls = {}
    floors = {}
    for variant in variants:
        posture = variant.name == "posture"
        needed = expected_calls(args.accounts, args.models, len(REGIONS), posture)
        floors[variant.name] = floor(needed, args.accounts, workers, args.latency, posture)
        walls[variant.name] = statistics.median(r.wall for r in variant.runs)
        cpu = statistics.median(r.client_cpu for r in variant.runs)
        exact = all(r.calls == needed and not r.failure for r in variant.runs)
        print(f"| {variant.name} | {args.accounts} x {len(REGIONS)} | "
              f"{args.latency * 1000:.0f} ms | {workers} | {sum(needed.values()):,} | "
              f"{'yes' if exact else 'NO: ' + str(variant.runs[0].calls)} | "
              f"{walls[variant.name]:.2f} s | {cpu:.2f} s | {floors[variant.name]:.2f} s | "
              f"{walls[variant.name] / floors[variant.name]:.2f} |")
    extra = walls["posture"] - walls["base"]
    extra_floor = floors["posture"] - floors["base"]
    print(f"\nextra per account and region: {extra / reads * 1000:.0f} ms "
          f"(floor {extra_floor / reads * 1000:.0f} ms); whole run: +{extra:.2f} s "
          f"(floor +{extra_floor:.2f} s)")


if __name__ == "__main__":
    main()
