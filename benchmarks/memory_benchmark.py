"""Peak memory and time of ``bedrock-drift check --from FILE`` on one large file, per format,
and of merging the JSON reports of many shards.

    python benchmarks/memory_benchmark.py [--models 100000] [--formats json asff ...]
                                          [--repeat 1] [--shards 100] [--no-merge]
                                          [--workdir DIR]

Writes one JSON file holding a list of ``--models`` GetCustomModel documents (about 1 KB
each: 100,000 make about 95 MB) and a four-rule policy that most models pass (one in seven
has a KMS key of another account). Then, each in a fresh process:

- a whole-file ``json.load`` of that file: the memory a reader that is not streamed needs
  for the documents alone;
- ``bedrock-drift check --from FILE -p POLICY -f FORMAT -o OUT`` per format: the peak RSS
  (the kernel's high-water mark of the process), the wall time, the bytes written, and the
  seconds spent writing the report (reading and judging are the same for every format).

Targets (issue 25, item 5): the JSON run within 300 MB peak; every other format within
1.2x the JSON run's peak memory and within 2x its writing seconds per output byte.

Then ``--shards`` shards (the models dealt out in contiguous slices, one file each) are
checked with ``-f json`` in-process, and ``bedrock-drift merge`` of their reports is timed
in a fresh process; the merged verdicts (summary, violations, errors) are compared with the
single run's. Run from the repository root; prints the load average with the figures and a
ready-to-paste markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MEMORY_TARGET_MB = 300.0
MEMORY_RATIO = 1.2
TIME_RATIO = 2.0

POLICY = """\
version: 1
name: bench-baseline
rules:
  - id: kms-required
    severity: critical
    kms_key:
      allowed: ["arn:aws:kms:*:111122223333:key/*"]
  - id: approved-base-models
    base_model:
      allowed: ["amazon.titan-text-express-v1*"]
  - id: learning-rate-cap
    hyperparameter: {name: learningRate, max: 0.0001}
  - id: owner-tag
    require: {field: tags.owner, exists: true}
"""

# Runs a command and prints its peak RSS (KB) as the last line of stderr: the kernel's
# accounting of the one child this process waited for.
MEASURE = """\
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(f"maxrss-kb {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""

# The installed command's entry point, with the seconds spent making and writing reports
# (render_chunks, and write_output, where a streamed report is made as it is written)
# printed at exit.
CHECK = """\
import atexit, functools, sys, time
import checker.cli.check as check
spent = [0.0]
def timed(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
    return wrapper
check.write_output = timed(check.write_output)
check.render_chunks = timed(check.render_chunks)
atexit.register(lambda: print(f"write-seconds {spent[0]:.3f}", file=sys.stderr))
from checker.cli import main
sys.argv[0] = "bedrock-drift"
main()
"""

LOAD = """\
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
print(len(data))
"""


def document(index: int) -> dict[str, Any]:
    account = "111122223333"
    key = (f"arn:aws:kms:us-east-1:{account if index % 7 else '444455556666'}:key/"
           "8f1c2d3e-4a5b-6c7d-8e9f-0a1b2c3d4e5f")
    base = "amazon.titan-text-express-v1:0:8k"
    return {
        "modelArn": f"arn:aws:bedrock:us-east-1:{account}:custom-model/{base}/m{index:011d}",
        "modelName": f"model-{index:06d}",
        "jobName": f"model-{index:06d}-ft-2026-10-02",
        "jobArn": f"arn:aws:bedrock:us-east-1:{account}:model-customization-job/{base}/"
                  f"j{index:011d}",
        "baseModelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{base}",
        "customizationType": "FINE_TUNING",
        "modelKmsKeyArn": key,
        "hyperParameters": {"epochCount": str(1 + index % 5), "batchSize": "8",
                            "learningRate": "0.00001", "learningRateWarmupSteps": "10"},
        "trainingDataConfig": {"s3Uri": "s3://acme-ml-training-data/summarizer/train.jsonl"},
        "outputDataConfig": {"s3Uri": "s3://acme-ml-model-output/summarizer/"},
        "trainingMetrics": {"trainingLoss": 0.4172},
        "creationTime": "2026-10-02T14:21:07.512000+00:00",
        "modelStatus": "Active",
        "tags": {"owner": "ml-platform", "data-classification": "internal"},
    }


def write_models(path: Path, start: int, stop: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[\n")
        for index in range(start, stop):
            handle.write(json.dumps(document(index)))
            handle.write(",\n" if index < stop - 1 else "\n")
        handle.write("]\n")


def measured(command: list[str]) -> tuple[float, float, str, int]:
    """(peak RSS in MB, wall seconds, stderr, exit code) of ``command`` in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                          text=True, cwd=REPO)
    seconds = time.perf_counter() - started
    lines = done.stderr.strip().splitlines()
    peak = int(lines[-1].split()[1]) / 1024 if lines and lines[-1].startswith("maxrss-kb") \
        else float("nan")
    return peak, seconds, done.stderr, done.returncode


def write_seconds(stderr: str) -> float:
    for line in stderr.splitlines():
        if line.startswith("write-seconds "):
            return float(line.split()[1])
    raise SystemExit(f"no write time in the run's stderr:\n{stderr[-2000:]}")


def verdicts(report: dict[str, Any]) -> tuple[Any, ...]:
    """What a report judged, without when or from which files."""
    def key(item: dict[str, Any]) -> str:
        return json.dumps(item, sort_keys=True)

    summary = dict(report["summary"])
    return (summary, sorted(map(key, report["violations"])), sorted(map(key, report["errors"])),
            sorted(map(key, report["models"])))


def run_formats(args: argparse.Namespace, work: Path, models: Path,
                policy: Path) -> dict[str, dict[str, float]]:
    """Each format's figures: the medians of ``--repeat`` runs, the formats taking turns
    (JSON, then each other, then JSON again...), so that a change in the machine's load
    weighs on every format alike; the peak is the largest of the runs."""
    peak, seconds, _, _ = measured([sys.executable, "-c", LOAD, str(models)])
    print(f"json.load of the whole file: {peak:.0f} MB peak, {seconds:.1f} s")
    runs: dict[str, list[dict[str, float]]] = {fmt: [] for fmt in args.formats}
    for _ in range(args.repeat):
        for fmt in args.formats:
            out = work / f"report.{fmt}"
            command = [sys.executable, "-c", CHECK, "check", "--from", str(models), "-p",
                       str(policy), "-f", fmt, "-o", str(out)]
            peak, seconds, stderr, code = measured(command)
            if code not in (0, 1):
                raise SystemExit(f"{fmt}: exit {code}\n{stderr[-2000:]}")
            run = {"peak": peak, "seconds": seconds, "bytes": out.stat().st_size,
                   "write": write_seconds(stderr)}
            runs[fmt].append(run)
            print(f"{fmt:<6} peak {peak:7.0f} MB  wall {seconds:6.1f} s  writing "
                  f"{run['write']:6.2f} s  {run['bytes'] / 1e6:8.1f} MB out", flush=True)
            if fmt != "json":
                out.unlink()
    return {fmt: {"peak": max(run["peak"] for run in done),
                  "seconds": statistics.median(run["seconds"] for run in done),
                  "bytes": done[-1]["bytes"],
                  "write": statistics.median(run["write"] for run in done)}
            for fmt, done in runs.items()}


def format_table(figures: dict[str, dict[str, float]], models: int) -> list[str]:
    base = figures["json"]
    base_rate = base["write"] / base["bytes"]
    rows = ["| format | peak RSS | x JSON | wall s | writing s | output MB | "
            "writing s/MB | x JSON per byte | target |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    verdicts_ = []
    for fmt, fig in figures.items():
        memory = fig["peak"] / base["peak"]
        rate = fig["write"] / fig["bytes"] / base_rate
        if fmt == "json":
            ok = fig["peak"] <= MEMORY_TARGET_MB
            target = f"<= {MEMORY_TARGET_MB:.0f} MB: {'PASS' if ok else 'MISSED'}"
        else:
            ok = memory <= MEMORY_RATIO and rate <= TIME_RATIO
            target = (f"<= {MEMORY_RATIO}x memory, <= {TIME_RATIO:.0f}x s/byte: "
                      f"{'PASS' if ok else 'MISSED'}")
        verdicts_.append(f"{'PASS' if ok else 'MISSED'}: {fmt}, {models:,} models from one file: "
                         f"{fig['peak']:.0f} MB peak ({memory:.2f}x JSON), "
                         f"{rate:.2f}x JSON's writing time per output byte")
        rows.append(f"| {fmt} | {fig['peak']:.0f} MB | {memory:.2f} | {fig['seconds']:.1f} | "
                    f"{fig['write']:.2f} | {fig['bytes'] / 1e6:.1f} | "
                    f"{fig['write'] / fig['bytes'] * 1e6:.3f} | {rate:.2f} | {target} |")
    return [*rows, "", *verdicts_]


def run_merge(args: argparse.Namespace, work: Path, policy: Path) -> list[str]:
    """Check ``--shards`` slices of the estate in-process, merge their JSON reports in a
    fresh process, and compare the merged verdicts with one run over every model."""
    sys.path.insert(0, str(REPO))
    from checker.cli.inputs import load
    from checker.reports import render
    from checker.run import judge
    from checker.sources.files import load_documents

    policies = load((str(policy),), {}, quiet=True)
    shard_dir = work / "shards"
    shard_dir.mkdir(exist_ok=True)
    per = -(-args.models // args.shards)
    reports = []
    started = time.perf_counter()
    for shard in range(args.shards):
        models = shard_dir / f"models-{shard:03d}.json"
        write_models(models, shard * per, min(args.models, (shard + 1) * per))
        report = judge(policies, load_documents([str(models)]), "info")
        path = shard_dir / f"report-{shard:03d}.json"
        path.write_text(render(report, "json"), encoding="utf-8")
        reports.append(str(path))
        models.unlink()
    print(f"{args.shards} shard reports written in {time.perf_counter() - started:.1f} s")
    merged = work / "merged.json"
    peak, seconds, stderr, code = measured(
        [str(BIN / "bedrock-drift"), "merge", *reports, "-f", "json", "-o", str(merged)])
    if code not in (0, 1):
        raise SystemExit(f"merge: exit {code}\n{stderr[-2000:]}")
    single = json.loads((work / "report.json").read_text(encoding="utf-8")) \
        if (work / "report.json").exists() else None
    same = "not compared (no single JSON run)"
    if single is not None:
        same = "the same" if verdicts(json.loads(merged.read_text(encoding="utf-8"))) == \
            verdicts(single) else "DIFFERENT"
    size = sum(Path(r).stat().st_size for r in reports) / 1e6
    print(f"merge of {args.shards} shards ({size:.0f} MB of reports): {seconds:.1f} s, "
          f"{peak:.0f} MB peak; verdicts {same} as one run over every model")
    return ["| shards | reports MB | merge s | merge peak RSS | verdicts vs one run |",
            "|---:|---:|---:|---:|---|",
            f"| {args.shards} | {size:.0f} | {seconds:.1f} | {peak:.0f} MB | {same} |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--formats", nargs="*", default=["json", "asff", "ocsf", "sarif",
                                                          "junit"])
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per format, in turns; the medians are reported")
    parser.add_argument("--shards", type=int, default=100)
    parser.add_argument("--no-merge", action="store_true")
    parser.add_argument("--workdir", help="keep the files here (default: a temporary folder)")
    args = parser.parse_args()
    if "json" not in args.formats:
        args.formats.insert(0, "json")
    with tempfile.TemporaryDirectory() as temp:
        work = Path(args.workdir or temp)
        work.mkdir(parents=True, exist_ok=True)
        models, policy = work / "models.json", work / "policy.yaml"
        write_models(models, 0, args.models)
        policy.write_text(POLICY, encoding="utf-8")
        print(f"{args.models:,} models in one file: {models.stat().st_size / 1e6:.0f} MB; "
              f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
        rows = format_table(run_formats(args, work, models, policy), args.models)
        merge_rows = [] if args.no_merge else run_merge(args, work, policy)
        print(f"\nload average while measured: {os.getloadavg()}\n")
        print("\n".join(rows))
        if merge_rows:
            print()
            print("\n".join(merge_rows))


if __name__ == "__main__":
    main()
