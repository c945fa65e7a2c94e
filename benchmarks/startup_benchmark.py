"""How long the command takes to start, against ``python -c "import boto3"``.

Pre-commit hooks and CI steps run ``bedrock-drift`` many times; each run pays for the
interpreter and its imports before any work. The target: ``--version``, ``validate`` and
``check --from`` each within 1.3x the whole-process wall time of ``python -c "import
boto3"`` (the least any tool built on boto3 pays), as the command a user installs runs them.

Every run is a fresh process; the commands are interleaved (one run of each per round, so a
change of load on the machine touches them all alike) for ``--runs`` rounds, and each
command's median is compared with the median of ``import boto3``. Timed:

- ``python -c "import boto3"``: the reference;
- ``bedrock-drift --version``;
- ``bedrock-drift validate policies/baseline.yaml``;
- ``bedrock-drift check --from examples/models -p policies/baseline.yaml -f json -o
  /dev/null`` (8 shipped example models).

Before the timed rounds, each command runs once untimed: the bytecode of every module is
written (as a package installer does; with ``PYTHONDONTWRITEBYTECODE`` set, this script
compiles ``checker/`` itself) and the facts a start keeps (checker/lang/facts.py: botocore's
shapes, the accepted rule options) are in the cache folder, as on any machine after its
first run. ``--cold`` removes that cache before every run instead (the first run after an
install or a botocore upgrade) and reports it beside the target.

Prints the load average at the start and at the end, each median with its ratio and a
PASS/MISSED line per target, and a markdown table for docs/speed.md. Run from the
repository root (with the package installed in .venv):

    .venv/bin/python benchmarks/startup_benchmark.py --runs 30
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.3


def commands(tool: str) -> dict[str, list[str]]:
    return {
        'python -c "import boto3"': [sys.executable, "-c", "import boto3"],
        "bedrock-drift --version": [tool, "--version"],
        "bedrock-drift validate": [tool, "validate", "policies/baseline.yaml"],
        "bedrock-drift check --from": [tool, "check", "--from", "examples/models", "-p",
                                       "policies/baseline.yaml", "-f", "json", "-o",
                                       os.devnull],
    }


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr!r}")
    return elapsed


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="rounds (fresh processes each)")
    parser.add_argument("--cold", action="store_true",
                        help="remove the cache of botocore's facts before every run")
    args = parser.parse_args()

    tool = str(Path(sys.executable).parent / "bedrock-drift")
    cache = Path(tempfile.mkdtemp(prefix="startup-benchmark-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["BEDROCK_DRIFT_CACHE_DIR"] = str(cache)
    if sys.flags.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE"):
        compileall.compile_dir(ROOT / "checker", quiet=1)
    runs = commands(tool)
    print(f"load average at the start: {load()}; {os.cpu_count()} cores; Python "
          f"{sys.version.split()[0]}; {args.runs} rounds; "
          f"{'cold (no cache of botocore facts)' if args.cold else 'cache of botocore facts warm'}")
    for argv in runs.values():  # bytecode and, unless --cold, the facts' cache
        timed(argv, env)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.runs):
        for name, argv in runs.items():
            if args.cold:
                shutil.rmtree(cache, ignore_errors=True)
            times[name].append(timed(argv, env))
    shutil.rmtree(cache, ignore_errors=True)
    print(f"load average at the end: {load()}")

    names = list(runs)
    reference = statistics.median(times[names[0]])
    print()
    print("| command | median wall | min | ratio to `import boto3` | target |")
    print("|---|---:|---:|---:|---|")
    verdicts = []
    for name in names:
        median = statistics.median(times[name])
        ratio = median / reference
        if name == names[0]:
            target = "reference"
        else:
            verdict = "PASS" if ratio <= TARGET else "MISSED"
            target = f"{verdict} (within {TARGET}x)"
            verdicts.append(f"{verdict}: {name} is {ratio:.2f}x `import boto3` "
                            f"({median * 1000:.0f} ms vs {reference * 1000:.0f} ms; target "
                            f"{TARGET}x)")
        print(f"| `{name}` | {median * 1000:.0f} ms | {min(times[name]) * 1000:.0f} ms | "
              f"{ratio:.2f}x | {target} |")
    print()
    for line in verdicts:
        print(line)


if __name__ == "__main__":
    main()
