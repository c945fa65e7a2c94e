"""The facts a start keeps on disk (checker/lang/facts.py): botocore's shapes and patterns,
and the rule options jsonschema accepted. A run that finds them imports neither botocore nor
jsonschema to load a policy, and judges exactly as a run that computed them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from checker.lang import facts as facts_module
from checker.lang.facts import Facts, accepted_key, botocore_version, cache_dir
from checker.lang.shapes import from_json, model_shape, operation_shape, to_json
from tests.support import ROOT

EXAMPLES = str(ROOT / "examples" / "models")
BASELINE = str(ROOT / "policies" / "baseline.yaml")

# Runs the command in this interpreter, then prints the top-level packages it imported.
IMPORTED = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})),
                              file=sys.stderr))
from checker.cli import main
main(sys.argv[1:])
"""


def run_and_list_imports(tmp_path: Path, *args: str,
                         cache: Path | None = None) -> tuple[int, str, set[str]]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "BEDROCK_DRIFT_CACHE_DIR": str(cache or tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", IMPORTED, *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    *_, last = done.stderr.strip().splitlines()
    return done.returncode, done.stdout, set(json.loads(last))


def test_the_catalogue_reads_back_as_it_was_written() -> None:
    shape = model_shape()
    assert from_json(json.loads(json.dumps(to_json(shape)))) == shape
    job = operation_shape("bedrock", "CreateModelCustomizationJob", "input")
    assert from_json(to_json(job)) == job and job.members and "baseModelIdentifier" in job.members


def test_a_second_run_reads_no_botocore_and_no_jsonschema_and_judges_the_same(
        tmp_path: Path) -> None:
    args = ("check", "-p", BASELINE, "--from", EXAMPLES, "-f", "json")
    code, first, imported = run_and_list_imports(tmp_path, *args)
    assert code == 1 and {"botocore", "jsonschema"} <= imported
    (written,) = (tmp_path / "cache").iterdir()
    assert written.name.startswith("botocore-facts-")
    code, second, imported = run_and_list_imports(tmp_path, *args)
    assert code == 1 and not {"boto3", "botocore", "jsonschema"} & imported, imported
    assert json.loads(second)["models"] == json.loads(first)["models"]


def test_an_unreadable_cache_is_computed_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    run_and_list_imports(tmp_path, "validate", BASELINE, cache=cache)
    (written,) = cache.iterdir()
    written.write_text("{not json")
    code, out, imported = run_and_list_imports(tmp_path, "validate", BASELINE, cache=cache)
    assert code == 0 and "botocore" in imported, out
    assert json.loads(written.read_text())  # written again, whole


def test_an_empty_cache_setting_turns_it_off(tmp_path: Path) -> None:
    assert cache_dir({"BEDROCK_DRIFT_CACHE_DIR": "", "HOME": str(tmp_path)}) is None
    assert cache_dir({"HOME": "/h"}) == Path("/h/.cache/bedrock-drift")
    assert cache_dir({"HOME": "/h", "XDG_CACHE_HOME": "/x"}) == Path("/x/bedrock-drift")
    assert cache_dir({"BEDROCK_DRIFT_CACHE_DIR": "/c", "HOME": "/h"}) == Path("/c")


def test_the_file_is_kept_per_botocore(tmp_path: Path) -> None:
    import botocore

    version = botocore_version()
    assert version is not None and version.startswith(f"{botocore.__version__}@")


def test_facts_are_written_once_whole_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "facts.json"
    facts = Facts(path)
    assert facts.get("a", lambda: [1, "x"]) == [1, "x"]
    facts.add("b", True)
    facts.write()
    again = Facts(path)
    assert again.known("a") and again.known("b") and not again.known("c")
    assert again.get("a", lambda: "never computed") == [1, "x"]
    # A folder that cannot be made: nothing written, nothing raised.
    blocked = tmp_path / "file"
    blocked.write_text("")
    stuck = Facts(blocked / "facts.json")
    stuck.add("a", 1)
    stuck.write()
    assert stuck.known("a")


def test_only_plain_json_options_are_recorded() -> None:
    schema = {"type": "object"}
    assert accepted_key(schema, {"a": [1, 2.5, "x", None, True]}) is not None
    # Values JSON writes alike but that are not alike: never recorded.
    assert accepted_key(schema, {"a": 1}) != accepted_key(schema, {"a": 1.0})
    assert accepted_key(schema, {"a": 1}) != accepted_key(schema, {"a": True})
    assert accepted_key(schema, {"a": (1, 2)}) is None
    assert accepted_key(schema, {1: "a"}) is None

    class Text(str):
        pass

    assert accepted_key(schema, {"a": Text("x")}) is None
    assert accepted_key(schema, {"a": float("nan")}) is None


def test_one_facts_object_per_process() -> None:
    assert facts_module.facts() is facts_module.facts()


def test_a_botocore_beside_the_package_is_keyed_by_that_not_by_its_folder(
        tmp_path: Path) -> None:
    """A package built in one folder and run from another (a Lambda package built in a
    temporary folder, run from /var/task) reads the facts it was built with."""
    from checker.lang.facts import botocore_place

    for root in (tmp_path / "build" / "package", tmp_path / "var" / "task"):
        (root / "botocore").mkdir(parents=True)
        (root / "checker" / "lang").mkdir(parents=True)
        module = root / "checker" / "lang" / "facts.py"
        assert botocore_place(root / "botocore", module) == "beside"
    elsewhere = tmp_path / "venv" / "botocore"
    elsewhere.mkdir(parents=True)
    module = tmp_path / "var" / "task" / "checker" / "lang" / "facts.py"
    assert botocore_place(elsewhere, module) == str(elsewhere)


ASK_EVERY_FACT = """
from checker.lang.facts import facts
from checker.lang.warmup import ask_every_fact
ask_every_fact()
print(facts().computed)
"""


def test_cache_facts_keeps_every_fact_a_run_reads(tmp_path: Path) -> None:
    """``validate --cache-facts``: the file it writes holds every fact the package asks
    botocore for (the policies', and those of reading documents, requests and regions), so
    a process with a read-only cache computes none; readable by another user (an image's
    run-time user)."""
    cache = tmp_path / "cache"
    code, out, _ = run_and_list_imports(tmp_path, "validate", "--cache-facts", BASELINE,
                                        cache=cache)
    (written,) = cache.iterdir()
    assert code == 0 and out.splitlines()[-1] == f"facts kept in {written}", out
    assert written.stat().st_mode & 0o777 == 0o644
    kept = json.loads(written.read_text())
    assert "regions" in kept and "input bedrock CreateModelCustomizationJob" in kept
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BEDROCK_DRIFT_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", ASK_EVERY_FACT], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "0"
    # The same without the file: every fact is computed (the probe sees computing).
    env["BEDROCK_DRIFT_CACHE_DIR"] = str(tmp_path / "empty")
    done = subprocess.run([sys.executable, "-c", ASK_EVERY_FACT], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    assert int(done.stdout) == len([k for k in kept if not k.startswith("accepts ")])
    # A run of the policy that read the kept facts computes nothing either.
    code, _, imported = run_and_list_imports(tmp_path, "check", "-p", BASELINE, "--from",
                                             EXAMPLES, "-f", "json", cache=cache)
    assert code == 1 and "botocore" not in imported
    assert json.loads(written.read_text()) == kept


def test_cache_facts_without_a_cache_folder_or_one_it_cannot_write_is_an_error(
        tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "BEDROCK_DRIFT_CACHE_DIR": ""}
    done = subprocess.run([sys.executable, "-m", "checker", "validate", "--cache-facts",
                           BASELINE], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("--cache-facts: no cache folder to keep them in (set "
                                        "BEDROCK_DRIFT_CACHE_DIR to a folder)"), done.stderr
    blocked = tmp_path / "file"
    blocked.write_text("")
    env["BEDROCK_DRIFT_CACHE_DIR"] = str(blocked / "cache")
    done = subprocess.run([sys.executable, "-m", "checker", "validate", "--cache-facts",
                           BASELINE], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{blocked / 'cache'}/botocore-facts-" in done.stderr
    assert ": cannot write the facts: " in done.stderr, done.stderr


def test_every_request_the_function_judges_is_among_those_whose_facts_are_kept() -> None:
    from checker.aws_lambda.events import CREATE_CALLS
    from checker.lang.arns import REQUEST_OPERATIONS

    assert set(CREATE_CALLS) == set(REQUEST_OPERATIONS)


SHOW_RFT_MEMBERS = """
from checker.lang.shapes import shape_metadata
print(" ".join(shape_metadata("bedrock", "RFTHyperParameters")["members"]))
"""


def _rft_members(env: dict[str, str], code: str = SHOW_RFT_MEMBERS) -> list[str]:
    """The members of RFTHyperParameters as a fresh process reads them, in ``env``."""
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.split()


def _add_preview_member(models: Path) -> None:
    """Put in ``models`` (a folder botocore reads service models from) the Bedrock model
    with one more member of RFTHyperParameters, ``previewKnob``: a preview of a newer API."""
    import gzip

    import botocore

    (shipped,) = (Path(botocore.__file__).parent / "data" / "bedrock").iterdir()
    model = json.loads(gzip.decompress((shipped / "service-2.json.gz").read_bytes()))
    model["shapes"]["RFTHyperParameters"]["members"]["previewKnob"] = {"shape": "String"}
    preview = models / "bedrock" / shipped.name
    preview.mkdir(parents=True)
    (preview / "service-2.json").write_text(json.dumps(model), encoding="utf-8")


def test_facts_are_never_read_for_service_models_botocore_no_longer_loads(
        tmp_path: Path) -> None:
    """botocore loads a service's model from ~/.aws/models before its own (a preview of a
    newer API, say): the same botocore then has other shapes, and facts computed without
    that model must not be read with it."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "BEDROCK_DRIFT_CACHE_DIR": str(tmp_path / "cache")}
    before = _rft_members(env)
    assert "previewKnob" not in before and list((tmp_path / "cache").iterdir())
    _add_preview_member(tmp_path / ".aws" / "models")
    assert _rft_members(env) == [*before, "previewKnob"]


def test_service_models_on_aws_data_path_are_read_as_the_clients_read_them(
        tmp_path: Path) -> None:
    """AWS_DATA_PATH names more folders of service models, read before botocore's own (as
    ~/.aws/models is): the shapes a policy is checked against are the ones the clients
    parse with, and facts computed without those models are not read with them."""
    data = tmp_path / "data"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "BEDROCK_DRIFT_CACHE_DIR": str(tmp_path / "cache"),
           "AWS_DATA_PATH": f"{tmp_path / 'nowhere'}{os.pathsep}{data}"}
    before = _rft_members(env)
    assert "previewKnob" not in before and list((tmp_path / "cache").iterdir())
    _add_preview_member(data)
    assert _rft_members(env) == [*before, "previewKnob"]
    # The clients read the same folders: botocore's own session, given the same variable.
    clients = ("import boto3; print(' '.join(boto3.session.Session()._session"
               ".get_service_model('bedrock').shape_for('RFTHyperParameters').members))")
    assert _rft_members(env, clients) == [*before, "previewKnob"]
