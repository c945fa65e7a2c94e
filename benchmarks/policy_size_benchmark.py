"""Benchmark: how long a policy file takes to refuse, or to load, by its size.

A flat policy (one rule per line, as a generator or a careless merge would write) is written
at each size; ``load_policies`` is timed on it in a fresh process (wall time, CPU time and
peak memory), and so is the installed ``bedrock-drift validate`` for the largest one.
Files above the limit (checker.policy.loader.MAX_POLICY_BYTES) are refused before parsing.

    python benchmarks/policy_size_benchmark.py [--sizes 28000,262144,1048000,3700000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from checker.errors import PolicyError
from checker.policy.loader import load_policies
wall, cpu = time.perf_counter(), time.process_time()
try:
    policies, _ = load_policies([{path!r}])
    outcome = f"loaded, {{sum(len(p.rules) for p in policies):,}} rules"
except PolicyError as exc:
    outcome = "refused: " + exc.problems[0].message
print(json.dumps({{"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "outcome": outcome}}))
"""


def flat_policy(size: int) -> str:
    lines = ["version: 1", "name: big", "rules:"]
    text = "\n".join(lines) + "\n"
    parts = [text]
    total, i = len(text), 0
    while total < size:
        line = f"  - {{id: r{i}, severity: low, require: {{field: modelName, exists: true}}}}\n"
        parts.append(line)
        total += len(line)
        i += 1
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="28000,262144,1048000,3700000")
    args = parser.parse_args()
    print("| file size | outcome | wall | CPU | peak memory |")
    print("| ---: | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(folder) / f"flat-{size}.yaml"
            path.write_text(flat_policy(size), encoding="utf-8")
            done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT),
                                                                     path=str(path))],
                                  capture_output=True, text=True, check=True)
            got = json.loads(done.stdout)
            print(f"| {path.stat().st_size:,} B | {got['outcome'][:60]} | "
                  f"{got['wall'] * 1000:,.0f} ms | {got['cpu'] * 1000:,.0f} ms | "
                  f"{got['rss_kb'] / 1024:,.0f} MB |")
        command = ROOT / ".venv" / "bin" / "bedrock-drift"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        subprocess.run([str(command), "validate", str(path)], capture_output=True, check=False)
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        print(f"\n`bedrock-drift validate` of the {path.stat().st_size:,}-byte file, start to "
              f"exit: {wall * 1000:,.0f} ms wall, {cpu * 1000:,.0f} ms CPU")


if __name__ == "__main__":
    main()
