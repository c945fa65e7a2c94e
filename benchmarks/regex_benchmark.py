"""Benchmark: policy regexes on RE2 (what the tool uses) against Python's ``re``.

Three measurements, printed as Markdown tables for docs/speed.md:

1. the regexes of the shipped policies (``matches``, ``not_matches``, ``arn_pattern``):
   compile time, and the time of one match on a value that passes and one that fails, with
   ``re`` and with the tool's matcher (RE2, each different value matched afresh);
2. the ReDoS case: ``([a-z0-9]+-?)+`` against ``"a" * n + "!"``, which makes a backtracking
   engine try every way of splitting the run of letters: ``re`` doubles its time with each
   added character, RE2 stays linear;
3. the same on a 1,000-character value through a whole ``check`` of one model.

    python benchmarks/regex_benchmark.py [--repeat 2000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.values import compile_regex  # noqa: E402

HOSTILE = "([a-z0-9]+-?)+"
KEYS = ("matches", "not_matches", "arn_pattern")
SAMPLES = {
    "baseModelArn": ("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
                     "arn:aws:bedrock:us-east-1::foundation-model/evil.model-v9"),
    "number": ("12", "12a"),
    "lambda": ("arn:aws:lambda:us-east-1:111122223333:function:approved-grader-a:3",
               "arn:aws:lambda:us-east-1:111122223333:function:other:3"),
}


def shipped_patterns() -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in KEYS and isinstance(value, str):
                    found.append(value.replace("${var.account_id}", "111122223333"))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for file in sorted((ROOT / "policies").glob("*.yaml")):
        walk(yaml.safe_load(file.read_text()))
    return list(dict.fromkeys(found))


def per_call(fn: Any, repeat: int) -> float:
    """Median microseconds of one call of fn(), over a few batches of ``repeat`` calls."""
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            fn()
        batches.append((time.perf_counter() - started) / repeat * 1e6)
    return statistics.median(batches)


def samples_for(pattern: str) -> tuple[str, str]:
    if "lambda" in pattern:
        return SAMPLES["lambda"]
    if pattern.startswith("[0-9]"):
        return SAMPLES["number"]
    return SAMPLES["baseModelArn"]


def shipped(repeat: int) -> None:
    patterns = shipped_patterns()
    print(f"Shipped policies: {len(patterns)} distinct regexes\n")
    print("| | `re` | RE2 (the tool) |\n| --- | ---: | ---: |")
    re_compile = sum(per_call(lambda p=p: (re.purge(), re.compile(p)), 50) for p in patterns)
    re2_compile = sum(per_call(lambda p=p: (re.purge(), compile_regex(p)), 50)
                      for p in patterns)
    print(f"| compile all, uncached (validate, check start-up; the tool checks the syntax "
          f"with re too) | {re_compile:,.0f} µs | "
          f"{re2_compile:,.0f} µs |")
    re_match = re2_match = 0.0
    for pattern in patterns:
        compiled = re.compile(pattern).fullmatch
        for value in samples_for(pattern):
            re_match += per_call(lambda v=value, c=compiled: c(v), repeat)
            # A fresh matcher each call would time the compile: vary the value instead, so
            # every call misses the matcher's memory of answers.
            matcher = compile_regex(pattern)
            it = iter([f"{value}{i}" for i in range(repeat * 5)])
            re2_match += per_call(lambda m=matcher, i=it: m(next(i)), repeat)
    count = 2 * len(patterns)
    print(f"| one match (mean of {count}: a passing and a failing value each) | "
          f"{re_match / count:.2f} µs | {re2_match / count:.2f} µs |\n")


def redos() -> None:
    python = re.compile(HOSTILE).fullmatch
    ours = compile_regex(HOSTILE)
    print(f"ReDoS: `{HOSTILE}` against `\"a\" * n + \"!\"` (no match)\n")
    print("| n | `re` | RE2 (the tool) |\n| ---: | ---: | ---: |")
    n = 16
    while True:
        value = "a" * n + "!"
        started = time.perf_counter()
        python(value)
        took = time.perf_counter() - started
        started = time.perf_counter()
        ours(value)
        ours_took = time.perf_counter() - started
        print(f"| {n} | {took * 1000:,.1f} ms | {ours_took * 1000:.3f} ms |")
        if took > 2:
            break
        n += 2
    per_char = took / 2 ** n
    for big in (1000, 100_000):
        value = "a" * big + "!"
        started = time.perf_counter()
        ours(value)
        ours_took = time.perf_counter() - started
        years = f"~{per_char * 2.0 ** big / 3.15e7:.0e} years (extrapolated)" \
            if big <= 1000 else "never, in practice"
        print(f"| {big:,} | {years} | {ours_took * 1000:.3f} ms |")
    print()


def whole_check() -> None:
    from datetime import datetime, timezone

    from checker.engine.evaluate import evaluate
    from checker.policy.loader import load_policy_text
    from checker.results import ModelInput, Scanned

    text = ("version: 1\nname: p\nrules:\n  - id: r\n    require: {field: modelName, "
            f"matches: '{HOSTILE}'}}\n")
    policy, problems = load_policy_text(text.encode(), "p.yaml")
    assert policy is not None, problems
    doc = {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/m",
           "modelName": "a" * 1000 + "!"}
    started = time.perf_counter()
    report = evaluate([policy], [ModelInput(document=doc, origin="bench")],
                      scanned=Scanned(("bench",), (), ()),
                      now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    took = time.perf_counter() - started
    print(f"Judging one model whose name is 1,000 letters and a '!' against a `matches: "
          f"'{HOSTILE}'` rule: {took * 1000:.2f} ms, result {report.models[0].result}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    shipped(args.repeat)
    redos()
    whole_check()


if __name__ == "__main__":
    main()
