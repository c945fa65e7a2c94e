"""The HTML page, read by a real headless Chromium (Debian's `chromium`; .ci/run installs it).

Chromium dumps the DOM it built, takes a screenshot, and writes a network log: the DOM's
counts must match the JSON report, every value must arrive as text (never markup), and the
page must make no request of its own. Without Chromium the tests skip locally and fail in
CI, where a missing browser must not pass for a page that works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest

from checker.reports import render
from checker.reports.html import CONTENT_SECURITY_POLICY, esc
from checker.reports.json_report import report_dict
from checker.results import Report, Status
from tests.golden.cases import GoldenCase, render_case
from tests.support import report_fixtures as fx

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("chromium is not installed (.ci/run installs Debian's chromium package)",
                pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="chromium is not installed (apt-get install chromium)")


class Dom(HTMLParser):
    """Counts of elements by (tag, class) and the text of the DOM Chromium built."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.classes: Counter[str] = Counter()
        self.text: list[str] = []
        self.cards: dict[str, str] = {}
        self._card: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        values = dict(attrs)
        for name in (values.get("class") or "").split():
            self.classes[f"{tag}.{name}"] += 1
        if values.get("data-key"):
            self._card = values["data-key"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._card is not None and data.strip():
            self.cards[self._card] = data.strip()
            self._card = None


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked for (the browser's own requests have no origin)."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [event["params"]["url"] for event in log["events"]
            if event["type"] == start and event.get("params", {}).get("url")
            and event["params"].get("initiator") != "not an origin"]


def open_in_chromium(page: str, folder: Path) -> tuple[Dom, list[str], str]:
    """The DOM Chromium built from ``page``, the page's own requests, and its log."""
    assert CHROMIUM is not None
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "report.html"
    file.write_text(page, encoding="utf-8")
    netlog = folder / "netlog.json"
    common = [CHROMIUM, *FLAGS, "--enable-logging=stderr", "--v=0"]

    def chromium(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*common, *args, file.as_uri()], capture_output=True, text=True,
                              timeout=120, check=False)

    # The two browsers, each with its own profile, run side by side: a third of each run
    # is waiting, not work.
    with ThreadPoolExecutor(max_workers=2) as pool:
        dumping = pool.submit(chromium, f"--user-data-dir={folder / 'profile-dom'}",
                              f"--log-net-log={netlog}", "--dump-dom")
        shooting = pool.submit(chromium, f"--user-data-dir={folder / 'profile-shot'}",
                               "--window-size=1400,2400",
                               f"--screenshot={folder / 'screenshot.png'}")
        dump, shot = dumping.result(), shooting.result()
    assert dump.returncode == 0, dump.stderr[-2000:]
    assert shot.returncode == 0, shot.stderr[-2000:]
    dom = Dom()
    dom.feed(dump.stdout)
    return dom, page_requests(netlog), dump.stderr


def check_counts(report: Report, dom: Dom) -> None:
    data = report_dict(report)
    summary = data["summary"]
    assert dom.classes["tr.violation"] == len(data["violations"]) == summary["violations"]
    assert dom.classes["tr.waived"] == len(data["waived"]) == summary["waived"]
    assert dom.classes["tr.error-row"] == len(data["errors"]) == summary["errors"]
    assert dom.classes["li.warning"] == len(data["warnings"])
    assert dom.classes["li.idle"] == summary["not_evaluated"]
    assert dom.cards["models"] == str(summary["models"])
    assert dom.cards["violations"] == str(summary["violations"])
    assert dom.cards["errors"] == str(summary["errors"])
    statuses = Counter(status for m in data["models"] for status in m["results"].values())
    for status, css in (("pass", "pass"), ("fail", "fail"), ("waived", "waived"),
                        ("error", "error"), ("not_applicable", "na")):
        assert dom.classes[f"td.{css}"] == statuses[status], status
    assert dom.classes["th.model"] == len(data["models"])


def test_examples_page_in_chromium(tmp_path: Path) -> None:
    page = render_case(GoldenCase("x.html", "html", policies=("policies",)))
    dom, requests, log = open_in_chromium(page, tmp_path / "examples")
    assert requests == []
    assert "Content Security Policy" not in log  # the inline style was allowed by its hash
    assert dom.tags["script"] == 0 and dom.tags["img"] == 0 and dom.tags["link"] == 0
    assert dom.classes["tr.control"] > 0  # the shipped policies are mapped
    assert (tmp_path / "examples" / "screenshot.png").stat().st_size > 20_000


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(fx.rich_report(known=True), id="rich"),
        pytest.param(fx.empty_report(), id="empty"),
    ],
)
def test_counts_match_the_json_report(report: Report, tmp_path: Path) -> None:
    dom, requests, _ = open_in_chromium(render(report, "html"), tmp_path)
    check_counts(report, dom)
    assert requests == []
    if report.summary.models == 0:
        assert "No models were read" in "".join(dom.text)


def test_hostile_values_arrive_as_text(tmp_path: Path) -> None:
    report = fx.hostile_report()
    dom, requests, _ = open_in_chromium(render(report, "html"), tmp_path)
    text = "".join(dom.text)
    assert "<b>bold</b>" in text  # shown as the characters it is
    # Only our own: the legend, the cards and the warning codes.
    assert dom.tags["b"] == dom.classes["b.st"] + len(dom.cards) + dom.classes["li.warning"]
    assert requests == []
    check_counts(report, dom)


def test_the_network_check_sees_a_page_that_fetches(tmp_path: Path) -> None:
    page = '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>'
    _, requests, _ = open_in_chromium(page, tmp_path)
    assert requests == ["http://127.0.0.1:9/x.png"]


def test_page_is_strict_and_self_contained() -> None:
    page = render(fx.rich_report(), "html")
    assert CONTENT_SECURITY_POLICY.startswith("default-src 'none'")
    assert f'content="{CONTENT_SECURITY_POLICY}"' in page
    for fetching in ("<script", "<link", "<img", " src=", "url(", "@import"):
        assert fetching not in page
    assert esc('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"


def test_waivers_show_days_left() -> None:
    page = render(fx.rich_report(), "html")
    assert "Research sandbox, approved in SEC-1234" in page
    assert "65 days" in page  # 2026-11-27 to 2027-01-31


def test_matrix_is_capped_for_large_estates(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.reports import html as html_report
    monkeypatch.setattr(html_report, "MAX_MATRIX_MODELS", 3)
    refs = [fx.model(f"m{i}") for i in range(5)]
    report = fx.build_report(rules=(fx.KMS,), models={
        r: {fx.KMS.qualified_id: Status.FAIL if i == 4 else Status.PASS}
        for i, r in enumerate(refs)}, violations=[fx.finding(refs[4], fx.KMS)])
    page = render(report, "html")
    assert page.count('<th class="model"') == 3
    assert ">m4</th>" in page  # the failing model comes first
    assert "The 3 models listed first" in page

