"""How long the Lambda function takes: a cold start (interpreter, imports, policies, first
event) and each kind of event once warm, measured in-process.

Starts ``bedrock_stub.py`` (``--models`` models, ``--latency`` seconds added to every
request, in its own process) and points the function's clients at it with
``AWS_ENDPOINT_URL_BEDROCK``. Then, ``--repeat`` times, a fresh Python process (a cold
Lambda sandbox) times:

- ``import``: ``import checker.aws_lambda`` (boto3, botocore, the engine; what Lambda's
  init phase does with the handler module);
- ``first event``: the first invocation, a completed customization job (loads the bundled
  policies, makes the first boto3 client);

and, warm, the median of ``--events`` invocations of each kind:

- ``job completed``: the event names the model's ARN (GetCustomModel, ListTagsForResource);
- ``job completed, via job``: the ARN read from GetModelCustomizationJob first;
- ``CloudTrail request``: a CreateModelCustomizationJob request, judged as a planned model
  (no AWS call);
- ``scheduled``: every model of the region (ListCustomModels, then the models concurrently).

Policies: those ``examples/aws/build-lambda-zip.sh`` bundles by default
(``policies/baseline.yaml`` and ``policies/documented-limits.yaml``).
Run from the repository root:

    .venv/bin/python benchmarks/lambda_benchmark.py --models 200 --latency 0.05
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
START = time.perf_counter()  # as early as this process can look at a clock


def events(models: int) -> dict[str, dict[str, Any]]:
    sys.path.insert(0, str(HERE))
    from bedrock_stub import make_models

    model = make_models(max(models, 1))[0]
    sample = json.loads((ROOT / "tests" / "events" / "job_state_change.json").read_text())
    completed = json.loads(json.dumps(sample))
    completed["detail"].update(jobStatus="Completed", jobArn=model["jobArn"],
                               outputModelArn=model["modelArn"])
    via_job = json.loads(json.dumps(completed))
    via_job["detail"].update(outputModelArn="not-an-arn")
    del via_job["detail"]["jobName"]  # the stub knows jobs by ARN
    request = json.loads((ROOT / "tests" / "events" /
                          "cloudtrail_create_model_customization_job.json").read_text())
    scheduled = json.loads((ROOT / "tests" / "events" / "scheduled_event.json").read_text())
    return {"job completed": completed, "job completed, via job": via_job,
            "CloudTrail request": request, "scheduled": scheduled}


def sandbox(models: int, repeat: int) -> None:
    """One cold sandbox: print its timings as JSON."""
    import_start = time.perf_counter()
    from checker.aws_lambda import handler

    imported = time.perf_counter()
    cases = events(models)
    sink = io.StringIO()  # the log lines: not timed as terminal output

    def invoke(event: dict[str, Any]) -> float:
        start = time.perf_counter()
        with redirect_stdout(sink):
            result = handler(event, None)
        seconds = time.perf_counter() - start
        if result.get("summary") is None or result["summary"]["errors"]:
            raise SystemExit(f"the invocation did not judge: {result}")
        return seconds

    first = invoke(cases["job completed"])
    warm = {name: statistics.median(invoke(event) for _ in range(repeat))
            for name, event in cases.items()}
    import resource

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"before_import": import_start - START, "import": imported - import_start,
                      "first": first, "warm": warm, "peak_mib": peak_kib / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the Lambda handler, cold and warm.")
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5, help="cold sandboxes")
    parser.add_argument("--events", type=int, default=5, help="warm invocations per kind")
    parser.add_argument("--sandbox", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sandbox:
        sandbox(args.models, args.events)
        return

    stub = subprocess.Popen(
        [sys.executable, str(HERE / "bedrock_stub.py"), "--models", str(args.models),
         "--latency", str(args.latency), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert stub.stdout is not None
    line = stub.stdout.readline()
    if not line.startswith("listening on "):
        stub.kill()
        raise SystemExit(f"stub server did not start: {line!r}")
    workdir = Path(tempfile.mkdtemp(prefix="bedrock-drift-lambda-bench-"))
    env = {**os.environ, "AWS_ENDPOINT_URL_BEDROCK": line.split()[-1],
           "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": str(workdir / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
           "AWS_EC2_METADATA_DISABLED": "true", "LAMBDA_TASK_ROOT": str(ROOT),
           "BEDROCK_DRIFT_POLICIES": "policies/baseline.yaml,policies/documented-limits.yaml"}
    for name in ("AWS_PROFILE", "BEDROCK_DRIFT_REGIONS", "BEDROCK_DRIFT_PUBLISH",
                 "BEDROCK_DRIFT_REPORT_S3", "BEDROCK_DRIFT_INCLUDE_JOBS"):
        env.pop(name, None)
    runs: list[dict[str, Any]] = []
    bare: list[float] = []  # the interpreter alone: start, run nothing, exit
    try:
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
            bare.append(time.perf_counter() - start)
            done = subprocess.run([sys.executable, __file__, "--sandbox", "--models",
                                   str(args.models), "--events", str(args.events)],
                                  env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            runs.append(json.loads(done.stdout.splitlines()[-1]))
    finally:
        stub.terminate()
        stub.wait()

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"machine: {os.cpu_count()} CPUs ({platform.machine()}), Python "
          f"{platform.python_version()}, {platform.system()}")
    print(f"latency per request: {args.latency * 1000:.0f} ms, models in the region: "
          f"{args.models}, cold sandboxes: {args.repeat}, warm invocations per kind: "
          f"{args.events} (medians)")
    interpreter = statistics.median(bare)
    print(f"{'cold start':<28} {'ms':>8}")
    print(f"{'  interpreter start-up':<28} {interpreter * 1000:>8.1f}")
    print(f"{'  import checker.aws_lambda':<28} {med('import') * 1000:>8.1f}")
    print(f"{'  first event':<28} {med('first') * 1000:>8.1f}")
    total = interpreter + med('before_import') + med('import') + med('first')
    print(f"{'  total':<28} {total * 1000:>8.1f}")
    print(f"{'  peak memory (MiB)':<28} {med('peak_mib'):>8.0f}")
    print(f"{'warm, per event':<28} {'ms':>8}")
    for name in runs[0]["warm"]:
        value = statistics.median(r["warm"][name] for r in runs)
        print(f"{'  ' + name:<28} {value * 1000:>8.1f}")


if __name__ == "__main__":
    main()
