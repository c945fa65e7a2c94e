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
# Environment:
#   PYTHON           the Python (3.11 or later) that runs pip (default python3)
#   LAMBDA_PYTHON    the function's runtime version (default 3.12, as in the template)
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
    --python-version "${LAMBDA_PYTHON:-3.12}" \
    --platform "${LAMBDA_PLATFORM:-manylinux2014_x86_64}" --only-binary=:all: \
    --requirement "$stage/requirements.txt"
fi
mkdir -p "$stage/package/policies"
cp -R "$root/checker" "$stage/package/checker"
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

# A zip with sorted entries and no caches.
"$python" - "$stage/package" "$out" <<'PY'
import os, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
    for folder, dirs, files in sorted(os.walk(source)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            path = os.path.join(folder, name)
            archive.write(path, os.path.relpath(path, source))
PY
echo "$out"
