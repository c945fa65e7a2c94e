"""Benchmark: what each of the 50 rules of ``engine_benchmark.py`` costs, rule by rule.

Generates the same 10,000 documents and 50-rule policy as ``engine_benchmark.py``, reads
them as ``check --from`` does, and times, in this process, the engine's quick way of judging
every model by each rule (its ``when``, its check, and a failure's finding with the waiver
looked up): the rule is judged 5 times per model and once, and the difference, over 4, is
what it adds to a run (the cost of calling the loop for one rule left out). Then the loop
with no rule and with the 50 rules, the figure a run sees. ``time.process_time()``, best of
``--repeat`` (the machine may be shared), the collector paused as ``check`` pauses it.
Prints a markdown table, most costly first, with each rule's check kind, failures and
microseconds per model, then the totals by check kind.

    python benchmarks/rule_costs.py [--models 10000] [--repeat 3] [--top 50]

The project itself (installed, e.g. ``pip install -e .``) plus the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_benchmark import full_policy, make_documents

from checker.collector import collector_paused
from checker.engine.evaluate import _Judge, model_ref
from checker.lang.dates import judging_on
from checker.policy.loader import load_policies
from checker.results import ModelInput
from checker.sources.aws.request import ReadRequest
from checker.sources.read import read

# How many more times each rule is judged per model to time it (see ``measure``).
EXTRA = 4


def _inputs(models: int, workdir: Path) -> tuple[list[Any], list[ModelInput]]:
    documents = workdir / "models.json"
    documents.write_text(json.dumps(make_documents(models), ensure_ascii=False),
                         encoding="utf-8")
    policy_file = workdir / "policy-50.yaml"
    policy_file.write_text(full_policy(), encoding="utf-8")
    policies, _ = load_policies([str(policy_file)])
    source = read(ReadRequest(from_paths=(str(documents),)))
    return policies, list(source.models)


def _loop(judge: _Judge, policy: Any, rules: list[Any], scope_needs: frozenset[str],
          prepared: list[tuple[ModelInput, Any, frozenset[str]]]) -> float:
    """CPU seconds of judging every prepared model by ``rules`` the quick way."""
    judge.violations.clear()
    judge.waived.clear()
    judge.errors.clear()
    quickly = judge._judge_quickly
    started = time.process_time()
    for item, ref, unmet in prepared:
        judge.shown = ref
        quickly(policy, rules, scope_needs, item, ref, unmet, {})
    return time.process_time() - started


def measure(policies: list[Any], items: list[ModelInput],
            repeat: int) -> tuple[list[tuple[str, str, float, int]], float, float]:
    """Per rule: (id, check kind, CPU seconds, failures); and the seconds of the loop with
    no rule and with all 50."""
    now = datetime.now(timezone.utc)
    judge = _Judge(policies, now.date())
    [(policy, rules, scope_needs)] = judge.plans["model"]
    plain = [i for i in items if not i.unknown_fields and not i.withheld_fields
             and i.kind != "imported" and i.refused is None]
    prepared = [(item, model_ref(item),
                 frozenset(k for k in judge.all_needs if k not in item.document))
                for item in plain]

    def best(chosen: list[Any]) -> tuple[float, int]:
        seconds = min(_loop(judge, policy, chosen, scope_needs, prepared)
                      for _ in range(repeat))
        return seconds, len(judge.violations) + len(judge.waived)

    with judging_on(now), collector_paused():
        empty, _ = best([])
        everything, _ = best(rules)
        costs = []
        for ready in rules:
            once, failures = best([ready])
            # The rule judged 1 + EXTRA times per model, less once: what it costs inside the
            # loop over rules, without the cost of a call of the loop for one rule.
            more, _ = best([ready] * (1 + EXTRA))
            costs.append((ready.rule_id.split("/", 1)[1], ready.rule.info.kind,
                          (more - once) / EXTRA, failures))
    return costs, empty, everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per rule (best of)")
    parser.add_argument("--top", type=int, default=50, help="rules in the table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bedrock-drift-rules-") as workdir:
        policies, items = _inputs(args.models, Path(workdir))
    costs, empty, everything = measure(policies, items, args.repeat)
    costs.sort(key=lambda c: -c[2])
    total = sum(c[2] for c in costs)
    print("| rule | check | failures | CPU ms | µs per model | share |")
    print("|---|---|---:|---:|---:|---:|")
    for rule_id, kind, seconds, failures in costs[:args.top]:
        print(f"| {rule_id} | {kind} | {failures:,} | {seconds * 1e3:.1f} | "
              f"{seconds / len(items) * 1e6:.2f} | {seconds / total:.1%} |")
    print()
    by_kind: dict[str, float] = defaultdict(float)
    for _, kind, seconds, _ in costs:
        by_kind[kind] += seconds
    print("| check kind | CPU ms |")
    print("|---|---:|")
    for kind, seconds in sorted(by_kind.items(), key=lambda kv: -kv[1]):
        print(f"| {kind} | {seconds * 1e3:.1f} |")
    print()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"{len(items):,} models; the loop with no rule {empty:.3f} s, the 50 rules together "
          f"{everything:.3f} s ({everything - empty:.3f} s beyond it); the rules' own costs "
          f"add up to {total:.3f} s; best of {args.repeat}, load average {load}")


if __name__ == "__main__":
    main()
