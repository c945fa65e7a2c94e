"""Benchmark: writing one judged report in every format, 10,000 models x 50 rules.

Judges the engine benchmark's generated models (``engine_benchmark.make_documents``) with its
50-rule policy once, in process, then times each report writer on that same report (median
of ``--repeat`` runs). Two reports: the models as generated (their tags read), and the same
models with no tags read, so that every rule on tags is an ``error`` (about 10,000 errors),
which is where per-error work shows. The target: JUnit takes at most twice the time of JSON
(SARIF, which writes half as many bytes again through the same writer as JSON, is shown).

    python benchmarks/report_benchmark.py [--models 10000] [--repeat 3]

Needs the project importable (``pip install -e .``).
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engine_benchmark

from checker.engine.evaluate import evaluate
from checker.policy.loader import load_policies
from checker.reports import RENDERERS
from checker.results import ModelInput, Report, Scanned
from checker.sources.files import model_input

TARGET_RATIO = 2.0


def build_reports(count: int) -> dict[str, Report]:
    with tempfile.TemporaryDirectory() as tmp:
        policy = Path(tmp) / "bench.yaml"
        policy.write_text(engine_benchmark.full_policy(), encoding="utf-8")
        policies, _ = load_policies([str(policy)])
    documents = engine_benchmark.make_documents(count)
    with_tags = [model_input(doc, "bench.json", json_values=True) for doc in documents]
    without_tags = [ModelInput(document={k: v for k, v in m.document.items() if k != "tags"},
                               kind=m.kind, origin=m.origin) for m in with_tags]
    scanned = Scanned(("bench.json",), (), ())
    return {"tags read": evaluate(policies, with_tags, scanned=scanned),
            "no tags read": evaluate(policies, without_tags, scanned=scanned)}


def median_seconds(render: Callable[[], str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        render()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="json,junit,sarif,text,markdown,github")
    args = parser.parse_args()
    reports = build_reports(args.models)
    # As `bedrock-drift check` does once the models are read: the collector stops walking
    # the long-lived report while a writer makes its many small objects.
    gc.freeze()
    print(f"Python {platform.python_version()}, {platform.machine()}; "
          f"{args.models:,} models x 50 rules; median of {args.repeat}")
    print("| report | format | seconds | / JSON | size |")
    print("|---|---|---:|---:|---:|")
    worst = {"junit": 0.0, "sarif": 0.0}
    for name, report in reports.items():
        base = 0.0
        for fmt in args.formats.split(","):
            seconds = median_seconds(lambda fmt=fmt, report=report: RENDERERS[fmt](report),
                                     args.repeat)
            size = len(RENDERERS[fmt](report).encode())
            if fmt == "json":
                base = seconds
            ratio = seconds / base if base else float("nan")
            if fmt in worst:
                worst[fmt] = max(worst[fmt], ratio)
            print(f"| {name} ({report.summary.errors:,} errors) | {fmt} | {seconds:.2f} | "
                  f"{ratio:.2f} | {size / 1e6:.1f} MB |")
    verdict = "met" if worst["junit"] <= TARGET_RATIO else "MISSED"
    print(f"\nJUnit at most {worst['junit']:.2f}x JSON (target {TARGET_RATIO}x): {verdict}; "
          f"SARIF at most {worst['sarif']:.2f}x")


if __name__ == "__main__":
    main()
