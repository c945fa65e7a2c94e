"""A user name and password in an endpoint URL (``AWS_ENDPOINT_URL=https://user:pass@host``)
never appear in a report, a log line or an error (issue 22, item 9): botocore repeats the
URL in its connection errors, so every message is redacted where it is made."""

from __future__ import annotations

import io
import json
import socket
import subprocess
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.aws_lambda.run import log_line
from checker.results import ReportError, ReportWarning
from checker.sources.aws.errors import one_line
from checker.values import redact_userinfo
from tests.support import ROOT, command_env

BIN = ROOT / ".venv" / "bin" / "bedrock-drift"
SECRET = "s3cr3t-P4ss"
USER = "alice.admin"


@pytest.mark.parametrize(("text", "expected"), [
    ('Could not connect to the endpoint URL: "https://alice:pw@host:9/x"',
     'Could not connect to the endpoint URL: "https://***@host:9/x"'),
    ("http://u@h/ and HTTPS://a:b:c@h2", "http://***@h/ and HTTPS://***@h2"),
    ("mail alice@example.com, no URL", "mail alice@example.com, no URL"),
    ("https://host/path@v2", "https://host/path@v2"),  # an @ after the host is not userinfo
])
def test_redact_userinfo(text: str, expected: str) -> None:
    assert redact_userinfo(text) == expected


USERINFO = st.text(alphabet=st.characters(blacklist_characters="\x00/?#@\"'<> \t\n\r\x0b\x0c"
                                                                "\x1c\x1d\x1e\x1f\x85\xa0",
                                          blacklist_categories=("Cs", "Zs", "Zl", "Zp")),
                   min_size=1, max_size=30)


@given(user=USERINFO, before=st.text(max_size=20), after=st.text(max_size=20))
def test_no_userinfo_survives(user: str, before: str, after: str) -> None:
    text = f"{before} https://{user}@host.example/p {after}"
    assert f"https://{user}@" not in redact_userinfo(text)


def test_every_sink_redacts() -> None:
    url = f"https://{USER}:{SECRET}@127.0.0.1:9/custom-models"
    assert SECRET not in one_line(f"Could not connect to the endpoint URL: \"{url}\"")
    assert SECRET not in ReportError("EndpointConnectionError", url).message
    assert SECRET not in ReportWarning("w", url).message
    out = io.StringIO()
    with redirect_stdout(out):
        log_line({"errors": [url]})
    assert SECRET not in out.getvalue() and "***@127.0.0.1" in out.getvalue()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown", "github", "html",
                                 "csv", "asff", "ocsf"])
def test_installed_command_never_shows_them(tmp_path: Path, fmt: str) -> None:
    env = command_env(tmp_path, AWS_DEFAULT_REGION="us-east-1",
                      AWS_ENDPOINT_URL=f"https://{USER}:{SECRET}@127.0.0.1:{_closed_port()}")
    done = subprocess.run([str(BIN), "check", "-p", str(ROOT / "policies" / "baseline.yaml"),
                           "--max-attempts", "1", "--timeout", "30", "-f", fmt,
                           "--report", f"json:{tmp_path / 'r.json'}"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    written = (tmp_path / "r.json").read_text(encoding="utf-8")
    for text in (done.stdout, done.stderr, written):
        assert SECRET not in text and USER not in text
    assert "***@127.0.0.1" in json.dumps(json.loads(written)["errors"])
