"""How long the Lambda function takes: a cold start (interpreter, imports, policies, first
event) and each kind of event once warm, measured in-process, from the deployment package.

Builds the package with ``examples/aws/build-lambda-zip.sh`` (or takes ``--zip``) using
``--python``, which must be the template's runtime version (the package's bytecode is that
version's), and unpacks it into a folder made read-only, as Lambda's ``/var/task`` is. Every
sandbox runs that Python with ``PYTHONDONTWRITEBYTECODE=1`` and only the package on its path.

First the import alone, ``--imports`` fresh processes for each way of starting, interleaved:

- ``zip as built``: the read-only package, with the bytecode it carries;
- ``zip without bytecode``: the same package, its ``__pycache__`` folders removed (as the
  package was before it carried bytecode: every module compiled at each cold start);
- ``bytecode cached``: the package without bytecode in a writable folder, bytecode written by
  one import beforehand and used by the timed ones (a developer's machine, the best case).

Then, from the package as built, it starts ``bedrock_stub.py`` (``--models`` models,
``--latency`` seconds added to every request, in its own process) and points the
function's clients at it with ``AWS_ENDPOINT_URL_BEDROCK``. Then, ``--repeat`` times, a fresh
Python process (a cold Lambda sandbox) times:

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

    .venv/bin/python benchmarks/lambda_benchmark.py --models 200 --latency 0.05 \
        --python python3.12
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import stat
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
                               outputModelArn=model["modelArn"],
                               outputModelName=model["modelName"])
    # The function reads the job, as GetModelCustomizationJob names it; the stub knows jobs
    # by ARN, not by name.
    del completed["detail"]["jobName"]
    via_job = json.loads(json.dumps(completed))
    via_job["detail"].update(outputModelArn="not-an-arn")
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


IMPORT_PROBE = (
    "import time\n"
    "wall, cpu = time.perf_counter(), time.process_time()\n"
    "import checker.aws_lambda\n"
    "wall, cpu = time.perf_counter() - wall, time.process_time() - cpu\n"
    "import importlib.util, json, sys\n"
    "print(json.dumps({'wall': wall, 'cpu': cpu, 'file': checker.aws_lambda.__file__,\n"
    "                  'bytecode': importlib.util.cache_from_source(checker.aws_lambda.__file__),\n"
    "                  'dont_write': sys.flags.dont_write_bytecode}))\n")


def read_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def unpack(python: str, package: Path | None, workdir: Path) -> dict[str, Path]:
    """The three folders: the package as built (read-only), without its bytecode (read-only)
    and without bytecode but writable (for the cached imports)."""
    if package is None:
        package = workdir / "function.zip"
        done = subprocess.run(["bash", str(ROOT / "examples" / "aws" / "build-lambda-zip.sh"),
                               str(package)], env={**os.environ, "PYTHON": python},
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(done.stderr.strip().splitlines()[-1])
    import zipfile

    built = workdir / "built"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(built)
    bare = workdir / "without-bytecode"
    shutil.copytree(built, bare)
    for cache in sorted(bare.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)
    cached = workdir / "cached"
    shutil.copytree(bare, cached)
    read_only(built)
    read_only(bare)
    return {"zip as built": built, "zip without bytecode": bare, "bytecode cached": cached}


def import_times(python: str, folders: dict[str, Path], env: dict[str, str],
                 imports: int) -> dict[str, list[dict[str, Any]]]:
    """``imports`` fresh processes per folder, interleaved so that the machine's load falls
    on each alike. Checks that the read-only folders are left as they were."""
    def probe(name: str, folder: Path) -> dict[str, Any]:
        run_env = {**env, "PYTHONPATH": str(folder), "LAMBDA_TASK_ROOT": str(folder)}
        if name == "bytecode cached":
            run_env.pop("PYTHONDONTWRITEBYTECODE", None)
        done = subprocess.run([python, "-c", IMPORT_PROBE], cwd=folder, env=run_env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
        found: dict[str, Any] = json.loads(done.stdout)
        if not found["file"].startswith(str(folder)):
            raise SystemExit(f"checker was imported from {found['file']}, not {folder}")
        return found

    before = {name: files(folder) for name, folder in folders.items()}
    probe("bytecode cached", folders["bytecode cached"])  # writes the cache
    if not Path(probe("bytecode cached", folders["bytecode cached"])["bytecode"]).is_file():
        raise SystemExit("the cached import wrote no bytecode")
    times: dict[str, list[dict[str, Any]]] = {name: [] for name in folders}
    for _ in range(imports):
        for name, folder in folders.items():
            times[name].append(probe(name, folder))
    for name in ("zip as built", "zip without bytecode"):
        if files(folders[name]) != before[name]:
            raise SystemExit(f"importing from {name} wrote to the read-only folder")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the Lambda handler, cold and warm.")
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5, help="cold sandboxes")
    parser.add_argument("--events", type=int, default=5, help="warm invocations per kind")
    parser.add_argument("--imports", type=int, default=20,
                        help="fresh processes timing the import alone, per way of starting")
    parser.add_argument("--python", default=sys.executable,
                        help="the runtime's Python (the template's version), e.g. python3.12")
    parser.add_argument("--zip", type=Path, help="a package built already (default: build one)")
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
    try:
        folders = unpack(args.python, args.zip, workdir)
    except BaseException:
        stub.kill()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    task = folders["zip as built"]
    # The stub answers STS too: no request may wait on a name lookup of AWS's endpoints.
    env = {**os.environ, "AWS_ENDPOINT_URL_BEDROCK": line.split()[-1],
           "AWS_ENDPOINT_URL_STS": line.split()[-1],
           "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": str(workdir / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
           "AWS_EC2_METADATA_DISABLED": "true", "LAMBDA_TASK_ROOT": str(task),
           "PYTHONPATH": str(task), "PYTHONDONTWRITEBYTECODE": "1",
           "BEDROCK_DRIFT_POLICIES": "policies/baseline.yaml,policies/documented-limits.yaml"}
    # No home (Lambda gives none) and no cache of this machine's: a sandbox has only what
    # the package carries (its bytecode, and the facts of botocore's models).
    for name in ("AWS_PROFILE", "PYTHONHOME", "VIRTUAL_ENV", "BEDROCK_DRIFT_REGIONS",
                 "BEDROCK_DRIFT_PUBLISH", "BEDROCK_DRIFT_REPORT_S3",
                 "BEDROCK_DRIFT_INCLUDE_JOBS", "BEDROCK_DRIFT_CACHE_DIR", "HOME",
                 "XDG_CACHE_HOME"):
        env.pop(name, None)
    runs: list[dict[str, Any]] = []
    bare: list[float] = []  # the interpreter alone: start, run nothing, exit
    try:
        imports = import_times(args.python, folders, env, args.imports)
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run([args.python, "-c", "pass"], env=env, check=True)
            bare.append(time.perf_counter() - start)
            done = subprocess.run([args.python, __file__, "--sandbox", "--models",
                                   str(args.models), "--events", str(args.events)],
                                  env=env, cwd=task, capture_output=True, text=True,
                                  check=False)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            runs.append(json.loads(done.stdout.splitlines()[-1]))
        version = subprocess.run([args.python, "-c", "import platform; "
                                  "print(platform.python_version())"], env=env,
                                 capture_output=True, text=True, check=True).stdout.strip()
    finally:
        stub.terminate()
        stub.wait()
        writable(workdir)
        shutil.rmtree(workdir, ignore_errors=True)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(f"machine: {os.cpu_count()} CPUs ({platform.machine()}), Python {version}, "
          f"{platform.system()}, load average {os.getloadavg()[0]:.1f}")
    print(f"import checker.aws_lambda alone, {args.imports} fresh processes each (medians)")
    print(f"{'':<28} {'wall ms':>8} {'CPU ms':>8} {'/ cached':>9}")
    cached_wall = statistics.median(t["wall"] for t in imports["bytecode cached"])
    for name, found in imports.items():
        wall = statistics.median(t["wall"] for t in found)
        cpu = statistics.median(t["cpu"] for t in found)
        print(f"{'  ' + name:<28} {wall * 1000:>8.1f} {cpu * 1000:>8.1f} "
              f"{wall / cached_wall:>8.2f}x")
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
