"""What a start would otherwise work out again on every run, kept on disk between runs:
what the policy language reads from botocore's service models, and which rule options
jsonschema found valid.

Reading botocore's service models costs more than the rest of a start put together:
importing botocore's loader and model modules (most of botocore), then parsing the Bedrock,
KMS, S3, CloudWatch Logs, EC2 and IAM models (EC2's alone takes 0.1 s). What the language
takes from them is small and changes only with botocore: the shapes of some operations'
inputs and outputs (as :class:`~checker.lang.shapes.Shape` trees), and the ``pattern`` and
``max`` of some string shapes. Each fact is computed from botocore the first time it is asked
for and kept in one JSON file per botocore version (and place: its folder, or "beside" this
package), the models a user added in ``AWS_DATA_PATH``'s folders or ``~/.aws/models``
(which botocore loads before its own), package version and version of this code, in
``$BEDROCK_DRIFT_CACHE_DIR``, else ``$XDG_CACHE_HOME/bedrock-drift``, else
``~/.cache/bedrock-drift``; a later run reads the file instead of botocore. An empty
``BEDROCK_DRIFT_CACHE_DIR`` turns the file off. A file that cannot be read or written is
ignored: the facts are computed again, never wrong.

Importing jsonschema (0.05 s) is the other large cost of loading a policy; a kind's options
that its JSON Schema accepted are recorded by a digest of the schema and the options (plain
JSON values only), so a policy loaded before imports jsonschema only for options it has not
seen. Options that are not valid always go through jsonschema, for its messages.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker import __version__

JSON = Any
CACHE_DIR_VARIABLE = "BEDROCK_DRIFT_CACHE_DIR"
_VERSION = re.compile(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)


def botocore_version() -> str | None:
    """The installed botocore's version and where it is, read from its ``__init__.py``
    without importing it (importing botocore is what the cache saves); None when it cannot
    be found."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        return None
    try:
        text = Path(spec.origin).read_text(encoding="utf-8")
    except OSError:
        return None
    found = _VERSION.search(text)
    if not found:
        return None
    return f"{found.group(1)}@{botocore_place(Path(spec.origin).parent, Path(__file__))}"


def botocore_place(botocore: Path, facts_module: Path) -> str:
    """Where a botocore is, as the cache's key says it: "beside" when it is installed in
    the same folder as this package (a venv's site-packages, a Lambda package, an image), so
    facts computed where a package is built are read where it runs; else its folder."""
    try:
        beside = botocore.resolve().parent == facts_module.resolve().parents[2]
    except (OSError, IndexError):
        beside = False
    return "beside" if beside else str(botocore)


def service_loader() -> Any:
    """botocore's loader of service models and data, reading the folders that the
    ``AWS_DATA_PATH`` variable names before its own, as a boto3 session's clients do (they
    also read a profile's ``data_path`` in ``~/.aws/config``, which this does not)."""
    from botocore.loaders import create_loader

    return create_loader(os.environ.get(DATA_PATH_VARIABLE))


DATA_PATH_VARIABLE = "AWS_DATA_PATH"


def _model_folders() -> list[Path]:
    """The folders botocore's loader reads before its own service models: those
    ``AWS_DATA_PATH`` names (in order), then ``~/.aws/models``."""
    named = os.environ.get(DATA_PATH_VARIABLE)
    extra = [Path(os.path.expanduser(os.path.expandvars(path)))
             for path in named.split(os.pathsep)] if named else []
    return [*extra, Path(os.path.expanduser("~")) / ".aws" / "models"]


def customer_models() -> str:
    """What botocore's loader reads before its own service models, from the folders of the
    models a user adds (``AWS_DATA_PATH``'s, ``~/.aws/models``: a preview of a newer API,
    say): a digest of their names and contents, or "" when there are none (the usual case:
    one look at the folder)."""
    digest = hashlib.sha256()
    found = False
    for number, root in enumerate(_model_folders()):
        try:
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                digest.update(f"{number}\0{file.relative_to(root)}\0".encode())
                digest.update(hashlib.sha256(file.read_bytes()).digest())
                found = True
        except OSError:
            return "unreadable"  # a key of its own, never that of the models alone
    return digest.hexdigest() if found else ""


def cache_dir(environ: os._Environ[str] | dict[str, str] | None = None) -> Path | None:
    """The folder of the cache file, or None when the cache is off."""
    env = os.environ if environ is None else environ
    if CACHE_DIR_VARIABLE in env:
        return Path(env[CACHE_DIR_VARIABLE]) if env[CACHE_DIR_VARIABLE] else None
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "bedrock-drift"
    home = env.get("HOME")
    return Path(home) / ".cache" / "bedrock-drift" if home else None


def _code_digest() -> str:
    """What the facts are computed with: this package's version, and the source of the
    modules that compute them (so a changed conversion never reads an older file)."""
    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).parent
    for name in ("facts.py", "shapes.py", "regions.py"):
        with contextlib.suppress(OSError):
            digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


class Facts:
    """The facts of one botocore and one version of this code: a dict of JSON values by key,
    read from the cache file when first asked for, written back at exit when new ones were
    computed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._facts: dict[str, JSON] | None = None
        self._added = False
        self._lock = threading.Lock()
        self.computed = 0  # facts this process computed (not read from the file)

    def _read(self) -> dict[str, JSON]:
        if self._facts is None:
            self._facts = {}
            if self.path is not None:
                with contextlib.suppress(OSError, ValueError):
                    read = json.loads(self.path.read_text(encoding="utf-8"))
                    if isinstance(read, dict):
                        self._facts = read
        return self._facts

    def get(self, key: str, compute: Callable[[], JSON]) -> JSON:
        """The fact ``key``: from the file, else ``compute()`` (kept for the next run)."""
        with self._lock:
            facts = self._read()
            if key in facts:
                return facts[key]
        value = compute()
        with self._lock:
            self.computed += 1
            facts[key] = value
            if not self._added:
                self._added = True
                atexit.register(self.write)
        return value

    def known(self, key: str) -> bool:
        """Whether the fact ``key`` is recorded (from the file or this run)."""
        with self._lock:
            return key in self._read()

    def add(self, key: str, value: JSON) -> None:
        """Record the fact ``key`` (kept for the next run)."""
        self.get(key, lambda: value)

    def write(self, *, strict: bool = False) -> None:
        """Write the facts to the file (atomically) if new ones were computed; nothing when
        it cannot be written (``strict``: raise OSError then)."""
        with self._lock:
            if self.path is None or not self._added or self._facts is None:
                return
            text = json.dumps(self._facts, separators=(",", ":"), sort_keys=True)
            self._added = False
        with contextlib.suppress(*(() if strict else (OSError,))):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".facts-")
            try:
                # Readable by all, as a file open() makes: an image's facts are written at
                # build time by one user and read by another (nothing in them is secret).
                os.fchmod(fd, 0o644)
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temporary, self.path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                if strict:
                    raise


_FACTS: Facts | None = None


def facts() -> Facts:
    """The facts of the installed botocore (one per process)."""
    global _FACTS
    if _FACTS is None:
        folder, version = cache_dir(), botocore_version()
        path = None
        if folder is not None and version is not None:
            key = hashlib.sha256(f"{version} {_code_digest()}{customer_models()}".encode()
                                 ).hexdigest()[:24]
            path = folder / f"botocore-facts-{key}.json"
        _FACTS = Facts(path)
    return _FACTS


def accepted_key(schema: JSON, instance: Any) -> str | None:
    """The key of "``schema`` accepts ``instance``"; None when ``instance`` is not plain
    JSON (a value JSON would write the same as a value of another type is not recorded)."""
    try:
        text = json.dumps([schema, instance], sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        return None
    if not _plain(instance):
        return None
    return "accepts " + hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any, depth: int = 0) -> bool:
    """Only dict (of str keys), list, str, int, float, bool and None, exactly those types."""
    if depth > 50:
        return False
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    if kind is list:
        return all(_plain(v, depth + 1) for v in value)
    return kind in (str, int, float, bool, type(None))
