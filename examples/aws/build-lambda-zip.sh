#!/usr/bin/env bash
# Build the Lambda deployment package (a zip) of bedrock-drift for examples/aws/template.yaml:
# the checker package, its dependencies as wheels for the Lambda runtime, and the policies to
# bundle (policies/ of the zip, where BEDROCK_DRIFT_POLICIES=policies finds them).
#
#   examples/aws/build-lambda-zip.sh [OUT.zip [POLICY_FILE_OR_DIR ...]]
#
# OUT.zip defaults to bedrock-drift-lambda.zip. The policies default to this repository's
# policies/baseline.yaml and policies/documented-limits.yaml, the shipped policies that judge
# planned models (CloudTrail requests) as well as live ones: policies/model-context.yaml reads
# keys only a live run fetches, so with it every request event would be an error, as
# `check --from` is. Folders give their *.yaml and *.yml files but *_test.yaml suites.
# The modules are compiled to bytecode for the runtime's Python (hash-based .pyc files that
# CPython uses without checking the source: the function's folder is read-only, so a package
# without them compiles every module again at each cold start). The Python that builds must
# therefore be the runtime's version: LAMBDA_PYTHON, read from examples/aws/template.yaml.
# The package also carries the facts of botocore's service models that a run reads
# (bedrock-drift-cache/, from `bedrock-drift validate --cache-facts` on the bundled policies).
# Environment:
#   PYTHON           the Python that runs pip and compiles the modules: the runtime's version,
#                    3.11 or later (default python3)
#   LAMBDA_PYTHON    the function's runtime version (default: the template's Runtime, 3.12)
#   LAMBDA_PLATFORM  manylinux2014_x86_64 (default) or manylinux2014_aarch64 for arm64
#   DEPS=0           leave the dependencies out (when a Lambda layer provides them)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-bedrock-drift-lambda.zip}
shift $(( $# > 0 ? 1 : 0 ))
if [ $# -eq 0 ]; then
  set -- "$root/policies/baseline.yaml" "$root/policies/documented-limits.yaml"
fi
python=${PYTHON:-python3}
template="$root/examples/aws/template.yaml"
runtime=${LAMBDA_PYTHON:-$(sed -n 's/^ *Runtime: *python\([0-9][0-9.]*\) *$/\1/p' "$template")}
if [ -z "$runtime" ]; then
  echo "build-lambda-zip.sh: $template: no Runtime: pythonX.Y; set LAMBDA_PYTHON" >&2
  exit 2
fi
building=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || {
  echo "build-lambda-zip.sh: $python: not a Python that runs (set PYTHON)" >&2
  exit 2
}
if [ "$building" != "$runtime" ]; then
  echo "build-lambda-zip.sh: the function runs Python $runtime (LAMBDA_PYTHON, default the" \
    "template's Runtime) but $python is Python $building: its bytecode would not be used;" \
    "set PYTHON to a python$runtime" >&2
  exit 2
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

if [ "${DEPS:-1}" != "0" ]; then
  # The runtime dependencies named in pyproject.toml, as binary wheels for Lambda's platform.
  "$python" - "$root/pyproject.toml" > "$stage/requirements.txt" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["dependencies"]))
PY
  "$python" -m pip install --quiet --disable-pip-version-check --no-compile \
    --no-warn-conflicts --target "$stage/package" --implementation cp \
    --python-version "$runtime" \
    --platform "${LAMBDA_PLATFORM:-manylinux2014_x86_64}" --only-binary=:all: \
    --requirement "$stage/requirements.txt"
fi
mkdir -p "$stage/package/policies"
cp -R "$root/checker" "$stage/package/checker"
# The shipped policies, where the wheel installs them: BEDROCK_DRIFT_POLICIES=builtin:NAME.
mkdir -p "$stage/package/checker/builtin_policies"
cp "$root/policies/__init__.py" "$root"/policies/*.yaml "$stage/package/checker/builtin_policies/"
for item in "$@"; do
  if [ -d "$item" ]; then
    find "$item" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' \) \
      ! -name '*_test.yaml' ! -name '*_test.yml' -exec cp {} "$stage/package/policies/" \;
  elif [ -f "$item" ]; then
    cp "$item" "$stage/package/policies/"
  else
    echo "build-lambda-zip.sh: $item: no such policy file or folder" >&2
    exit 2
  fi
done
if [ -z "$(ls -A "$stage/package/policies")" ]; then
  echo "build-lambda-zip.sh: no policy files to bundle" >&2
  exit 2
fi

# Bytecode for every module, compiled by the runtime's Python: unchecked hash-based .pyc files
# in __pycache__/, which the import system uses as they are (no source timestamp to match, so
# the zip's 2-second timestamps do not matter, and no cache to write). Paths in tracebacks are
# those of the function's folder, /var/task. Caches copied from elsewhere are dropped first.
find "$stage/package" \( -name __pycache__ -prune -exec rm -rf {} + \) -o \
  \( -name '*.pyc' -exec rm -f {} + \)
if ! "$python" -m compileall -q -j 0 --invalidation-mode unchecked-hash \
    -s "$stage/package" -p /var/task "$stage/package" >&2; then
  echo "build-lambda-zip.sh: a module does not compile with Python $building (above)" >&2
  exit 2
fi

# The facts of botocore's service models that a run reads (checker/lang/facts.py), worked out
# now by the package itself with the runtime's Python: a cold start reads them from
# bedrock-drift-cache/ (checker.aws_lambda points BEDROCK_DRIFT_CACHE_DIR there) instead of
# parsing botocore's models. This validates the bundled policies too. Where the package's
# binary wheels do not run on this machine (another LAMBDA_PLATFORM), it carries none and
# each cold start works them out, as before.
if PYTHONPATH="$stage/package" PYTHONDONTWRITEBYTECODE=1 "$python" -c \
    'import checker.cli.authoring, checker.lang.warmup' 2>/dev/null; then
  if ! BEDROCK_DRIFT_CACHE_DIR="$stage/package/bedrock-drift-cache" \
      PYTHONPATH="$stage/package" PYTHONDONTWRITEBYTECODE=1 \
      "$python" -m checker validate --cache-facts "$stage/package/policies" \
      > "$stage/validate.log" 2>&1; then
    echo "build-lambda-zip.sh: the bundled policies are not valid:" >&2
    cat "$stage/validate.log" >&2
    exit 2
  fi
else
  echo "build-lambda-zip.sh: the package does not run on this machine (LAMBDA_PLATFORM" \
    "${LAMBDA_PLATFORM:-manylinux2014_x86_64}): it carries no facts of botocore's models," \
    "so each cold start works them out" >&2
fi

# A zip with sorted entries.
"$python" - "$stage/package" "$out" <<'PY'
import os, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
    for folder, dirs, files in sorted(os.walk(source)):
        dirs[:] = sorted(dirs)
        for name in sorted(files):
            path = os.path.join(folder, name)
            archive.write(path, os.path.relpath(path, source))
PY
echo "$out"
