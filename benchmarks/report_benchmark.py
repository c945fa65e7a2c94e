"""How long each report format takes to write for a large estate, and what publishing costs.

    python benchmarks/report_benchmark.py [--models 10000] [--rules 50] [--formats ...]
                                          [--repeat N] [--error-share 0.002] [--no-publish]

Builds a report directly (no engine): ``--models`` models judged by ``--rules`` rules in two
policies, about 4% of (model, rule) pairs failing, 0.5% waived, 0.2% errors and 20% not
applicable, every rule mapped to a compliance control (``--error-share`` raises the errors,
where per-error work shows). Prints, per format, the seconds to render and the size of the
output. Then publishes the report to an in-memory Security Hub
(no network) twice and prints the API calls each run made.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.publish import publish_report
from checker.reports import RENDERERS, render
from checker.results import (
    Finding,
    ModelRef,
    ModelResult,
    PolicyInfo,
    Report,
    ReportError,
    RuleInfo,
    Scanned,
    Status,
    Summary,
    WaiverInfo,
)

ACCOUNT, REGION = "111122223333", "us-east-1"
CONTROLS = ["SC-28", "SC-12", "CM-6", "SR-3", "AC-3"]


def build(models: int, rules: int, seed: int = 7, error_share: float = 0.002) -> Report:
    rng = random.Random(seed)
    infos = [RuleInfo(policy=f"policy-{i % 2}", id=f"rule-{i:02d}",
                      severity=("info", "low", "medium", "high", "critical")[i % 5],
                      title=f"Rule number {i}", labels=("bench",), kind="require",
                      file=f"policies/policy-{i % 2}.yaml", line=10 + i,
                      remediation="Fix the model.",
                      compliance=(("NIST-800-53-r5", (CONTROLS[i % len(CONTROLS)],)),))
             for i in range(rules)]
    waiver = WaiverInfo(reason="Accepted in SEC-1", expires=date(2027, 6, 30),
                        policy="policy-0", file="policies/policy-0.yaml", line=99)
    results, violations, waived, errors = [], [], [], []
    for m in range(models):
        name = f"team-{m % 40}-model-{m:05d}"
        ref = ModelRef(arn=f"arn:aws:bedrock:{REGION}:{ACCOUNT}:custom-model/{name}/x{m}",
                       name=name, account_id=ACCOUNT, region=REGION)
        statuses: dict[str, Status] = {}
        for info in infos:
            roll = rng.random()
            status = (Status.FAIL if roll < 0.04 else Status.WAIVED if roll < 0.045
                      else Status.ERROR if roll < 0.045 + error_share
                      else Status.NOT_APPLICABLE if roll < 0.245 + error_share
                      else Status.PASS)
            statuses[info.qualified_id] = status
            if status in (Status.FAIL, Status.WAIVED):
                finding = Finding(model=ref, rule=info, field="hyperParameters.learningRate",
                                  expected="<= 0.0001", actual="0.001", message="too high",
                                  waiver=waiver if status is Status.WAIVED else None)
                (violations if status is Status.FAIL else waived).append(finding)
            elif status is Status.ERROR:
                errors.append(ReportError(code="AccessDeniedException", message="no tags",
                                          model_arn=ref.arn, model_name=name, region=REGION,
                                          rule=info.qualified_id, account_id=ACCOUNT))
        worst = ("error" if Status.ERROR in statuses.values() else "fail"
                 if Status.FAIL in statuses.values() else "pass")
        results.append(ModelResult(model=ref, result=worst, results=statuses))
    policies = tuple(PolicyInfo(name=f"policy-{p}", file=f"policies/policy-{p}.yaml",
                                sha256="0" * 64,
                                rules=tuple(i for i in infos if i.policy == f"policy-{p}"))
                     for p in range(2))
    summary = Summary(models=models, policies=2, rules=rules, violations=len(violations),
                      waived=len(waived), errors=len(errors), not_evaluated=0, result="error")
    return Report(tool_version="0.1.0", generated_at="2026-11-27T12:00:00Z",
                  scanned=Scanned(("aws",), (ACCOUNT,), (REGION,)), policies=policies,
                  models=tuple(results), violations=tuple(violations), waived=tuple(waived),
                  warnings=(), errors=tuple(errors), summary=summary)


class MemoryHub:
    """Security Hub in memory: BatchImportFindings and GetFindings, counting calls."""

    def __init__(self) -> None:
        self.findings: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, int] = {}
        self.meta = type("Meta", (), {"events": type("Events", (), {
            "register": staticmethod(lambda *a, **k: None)})()})()

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def get_findings(self, **params: Any) -> dict[str, Any]:
        self._count("GetFindings")
        active = [f for f in self.findings.values() if f["RecordState"] == "ACTIVE"]
        start = int(params.get("NextToken") or 0)
        page = active[start:start + 100]
        answer: dict[str, Any] = {"Findings": page}
        if start + 100 < len(active):
            answer["NextToken"] = str(start + 100)
        return answer

    def batch_import_findings(self, Findings: list[dict[str, Any]]) -> dict[str, Any]:
        self._count("BatchImportFindings")
        for finding in Findings:
            self.findings[finding["Id"]] = finding
        return {"FailedCount": 0, "SuccessCount": len(Findings), "FailedFindings": []}

    def get_caller_identity(self) -> dict[str, str]:
        return {"Account": ACCOUNT}


class MemorySession:
    region_name = REGION
    events = type("Events", (), {"register": staticmethod(lambda *a, **k: None)})()

    def __init__(self, hub: MemoryHub) -> None:
        self.hub = hub

    def get_credentials(self) -> object:
        return object()

    def client(self, service: str, **_: Any) -> MemoryHub:
        return self.hub


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--formats", nargs="*", default=sorted(RENDERERS))
    parser.add_argument("--no-publish", action="store_true")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every format; the median is printed (default 1)")
    parser.add_argument("--error-share", type=float, default=0.002,
                        help="share of (model, rule) pairs that are errors (default 0.002)")
    args = parser.parse_args()
    started = time.perf_counter()
    report = build(args.models, args.rules, error_share=args.error_share)
    # As `bedrock-drift check` does once the models are read: the collector stops walking
    # the long-lived report while a writer makes its many small objects.
    gc.freeze()
    print(f"{args.models} models x {args.rules} rules: {len(report.violations)} violations, "
          f"{len(report.waived)} waived, {len(report.errors)} errors "
          f"(built in {time.perf_counter() - started:.1f} s)")
    # Wall and CPU seconds: on a shared machine the wall time also counts the others' work.
    print(f"{'format':<10} {'seconds':>8} {'cpu s':>8} {'MB':>8}")
    # Rounds of every format in turn, the median of each: one slow moment on a shared
    # machine does not land on one format only.
    seconds: dict[str, list[float]] = {fmt: [] for fmt in args.formats}
    cpu: dict[str, list[float]] = {fmt: [] for fmt in args.formats}
    sizes: dict[str, int] = {}
    for _ in range(args.repeat):
        for fmt in args.formats:
            started, cpu_started = time.perf_counter(), time.process_time()
            out = render(report, fmt)
            seconds[fmt].append(time.perf_counter() - started)
            cpu[fmt].append(time.process_time() - cpu_started)
            sizes[fmt] = len(out.encode("utf-8"))
            del out
    for fmt in args.formats:
        print(f"{fmt:<10} {statistics.median(seconds[fmt]):>8.2f} "
              f"{statistics.median(cpu[fmt]):>8.2f} {sizes[fmt] / 1e6:>8.1f}")
    if args.no_publish:
        return
    hub = MemoryHub()
    for run in ("first", "second"):
        hub.calls.clear()
        started = time.perf_counter()
        result = publish_report(report, lambda _: MemorySession(hub))
        print(f"publish ({run}): {time.perf_counter() - started:.1f} s, {result.imported} "
              f"imported, {result.unchanged} unchanged, {result.archived} archived, "
              f"{len(result.errors)} errors, calls {dict(sorted(hub.calls.items()))}")


if __name__ == "__main__":
    main()
