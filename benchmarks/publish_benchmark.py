"""What publishing a large report costs against a Security Hub that behaves as AWS documents.

    python benchmarks/publish_benchmark.py [--models 10000] [--rules 50] [--latency 0.05]

Builds the report of ``benchmarks/report_benchmark.py`` (``--models`` x ``--rules``, about
4% failing, 0.5% waived, 0.2% errors), as a live read of one account and region, writes it
as a JSON report, and runs the installed ``bedrock-drift publish`` on it twice against the
stand-in hub of the test suite (``tests/support/securityhub_standin.py``: normalised severity and
``aws/`` product fields added, ``Workflow`` kept on import) with ``--latency`` seconds added
to every request. Prints, per run, the wall time, the CPU time of the command (user +
system), its peak memory, the API calls the hub served and the findings it imported.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from report_benchmark import ACCOUNT, REGION, build  # noqa: E402

from checker.reports.json_report import render_json  # noqa: E402
from tests.support.securityhub_standin import endpoint_env, running  # noqa: E402

COMMAND = Path(sys.executable).parent / "bedrock-drift"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds added to every request the hub serves")
    args = parser.parse_args()
    report = build(args.models, args.rules)
    report = replace(report, scanned=replace(report.scanned, reads=((ACCOUNT, REGION),)))
    failing = len(report.violations) + len(report.waived) + len(report.errors)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.json"
        path.write_text(render_json(report), encoding="utf-8")
        print(f"report: {args.models:,} models x {args.rules} rules, {failing:,} findings "
              f"not passing, {path.stat().st_size / 1e6:.0f} MB of JSON; "
              f"{args.latency * 1000:.0f} ms per request")
        with running(latency=args.latency) as (hub, url):
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update(endpoint_env(url, ACCOUNT), AWS_CONFIG_FILE=str(Path(tmp) / "none"),
                       AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "none"),
                       AWS_EC2_METADATA_DISABLED="true")
            for run in ("first", "second"):
                hub.calls.clear()
                events = hub.imported_events
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                done = subprocess.run([str(COMMAND), "publish", str(path)], env=env,
                                      capture_output=True, text=True, check=False)
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                summary = done.stderr.strip().splitlines()[-1] if done.stderr else ""
                print(f"{run}: exit {done.returncode}, wall {wall:.1f} s, CPU {cpu:.1f} s, "
                      f"peak memory {after.ru_maxrss / 1024:.0f} MB (largest child so far), "
                      f"hub calls {dict(sorted(hub.calls.items()))}, findings imported "
                      f"{hub.imported_events - events:,}")
                print(f"  {summary}")
                if done.returncode != 0:
                    print(done.stderr[-2000:])


if __name__ == "__main__":
    main()
