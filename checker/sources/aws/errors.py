"""AWS failures as one report line, and the call-recording test hook.

Shared by the live source's modules, so every message has the same shape:
``<where>: <API> <resource>: <code>: <AWS's message on one line>``.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from botocore.exceptions import ClientError

from checker.values import redact_userinfo

# Test hook: when set, every AWS operation the tool makes is appended to this file as
# ``service:Operation`` (one line each), so the end-to-end tests can prove that the tool
# only reads. Nothing else is written; it is off unless the variable is set.
RECORD_CALLS_ENV = "BEDROCK_DRIFT_RECORD_CALLS"
_record_lock = threading.Lock()


def one_line(text: object) -> str:
    """Collapse whitespace so an AWS message fits on one report line; the user name and
    password of an endpoint URL (AWS_ENDPOINT_URL=https://user:pass@host) become ***."""
    return redact_userinfo(" ".join(str(text).split()))


def error_code(exc: Exception) -> str:
    """The AWS error code of a client error, or the botocore exception's class name."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else "ClientError"
    return type(exc).__name__


def error_message(exc: Exception) -> str:
    """AWS's message for a client error (else the exception's text), on one line."""
    if isinstance(exc, ClientError):
        message = exc.response.get("Error", {}).get("Message")
        if message:
            return one_line(message)
    return one_line(exc)


def failure(where: str, api: str, exc: Exception) -> tuple[str, str]:
    """(code, message) of a failed call: ``<where>: <api>: <code>: <message>``."""
    code = error_code(exc)
    return code, f"{where}: {api}: {code}: {error_message(exc)}"


def record_calls(session: Any) -> None:
    """Register the call-recording hook on ``session`` when ``BEDROCK_DRIFT_RECORD_CALLS``
    names a file (see RECORD_CALLS_ENV); a no-op otherwise."""
    path = os.environ.get(RECORD_CALLS_ENV)
    if not path:
        return

    def record(model: Any, **_: Any) -> None:
        line = f"{model.service_model.service_name}:{model.name}\n"
        with _record_lock, open(path, "a", encoding="utf-8") as out:
            out.write(line)

    session.events.register("before-call", record)
