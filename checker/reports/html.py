"""A single self-contained HTML page for a security review.

The headline result, what was read (accounts, regions, policy hashes), the errors, the
compliance summary when rules are mapped, a models x rules matrix coloured by status, the
violations grouped by severity and then by model, the waivers with days until they expire,
the warnings, and the models nothing judged. No script and no fetch of any kind: inline CSS
allowed by its hash in a strict Content-Security-Policy (``default-src 'none'``), so the
page can be attached to a ticket and opened anywhere. Every value is escaped. It prints
(landscape, colours kept).
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable
from datetime import date

from checker import TOOL_NAME
from checker.policy.frameworks import catalog
from checker.reports.compliance import control_results, mapped_frameworks, rule_tallies
from checker.reports.wording import (
    NO_MODELS,
    SEVERITIES_DESCENDING,
    error_subject,
    format_value,
    headline,
    plural,
)
from checker.results import Finding, ModelRef, Report, Status
from checker.values import escape_controls

# Rows of the matrix at most: models with a violation or an error come first, so a large
# estate's page stays openable and still shows every model that needs attention first.
MAX_MATRIX_MODELS = 2000
MAX_VALUE = 400

CELL = {Status.PASS: ("pass", "\u2713", "pass"), Status.FAIL: ("fail", "\u2717", "violation"),
        Status.WAIVED: ("waived", "W", "waived"), Status.ERROR: ("error", "!", "error"),
        Status.NOT_APPLICABLE: ("na", "\u00b7", "not applicable")}
RESULT_CLASS = {"pass": "pass", "fail": "fail", "error": "error"}

CSS = """
:root{--pass:#1a7f37;--fail:#cf222e;--waived:#9a6700;--error:#8250df;--na:#8c959f;
--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
margin:0 auto;max-width:1400px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid
var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
h4{font-size:14px;margin:12px 0 4px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}
.badge.error{background:var(--error)}
.headline{font-size:15px;margin:6px 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0 16px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:110px;
background:var(--soft)}.card b{display:block;font-size:20px}
.card.critical b,.card.high b{color:var(--fail)}.card.errors b{color:var(--error)}
.warn{border-left:4px solid var(--error);background:#fbefff;padding:8px 12px;margin:8px 0}
table{border-collapse:collapse;margin:6px 0 12px;width:100%}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
.muted{color:var(--muted)}.sev{font-weight:600;text-transform:uppercase;font-size:12px}
.sev.critical,.sev.high{color:var(--fail)}.sev.medium{color:var(--waived)}
.scroll{overflow-x:auto}.matrix{width:auto}.matrix th.model{white-space:nowrap}
.matrix td.cell{text-align:center;width:26px;padding:2px;font-weight:700;
color:#fff}.matrix th.rule{text-align:center;padding:2px 4px}
td.cell.pass{background:var(--pass)}td.cell.fail{background:var(--fail)}
td.cell.waived{background:var(--waived)}td.cell.error{background:var(--error)}
td.cell.na{background:#eaeef2;color:var(--na)}
.st{font-weight:600}.st.passed{color:var(--pass)}.st.failed{color:var(--fail)}
.st.not_evaluated{color:var(--error)}
.legend span{display:inline-block;margin-right:12px}
@media print{body{padding:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
@page{size:landscape;margin:12mm}
"""


def csp_hash(text: str) -> str:
    """The CSP source expression allowing an inline element with exactly ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src {csp_hash(CSS)}; img-src 'none'; "
                           "base-uri 'none'; form-action 'none'")


def esc(value: object, limit: int | None = MAX_VALUE) -> str:
    """Text for HTML content or a quoted attribute: escaped, controls replaced, capped."""
    text = escape_controls(str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return html.escape(text, quote=True)


def _code(value: object) -> str:
    return f"<code>{esc(value)}</code>"


def render_html(report: Report, *, color: bool = False) -> str:
    """The report as one self-contained HTML page. ``color`` is ignored."""
    summary = report.summary
    result = summary.result
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{TOOL_NAME}: {esc(result.upper())} ({esc(report.generated_at)})</title>",
        f"<style>{CSS}</style></head><body>",
        f'<header><h1>{TOOL_NAME} review <span class="badge {RESULT_CLASS.get(result, "error")}"'
        f' id="result">{esc(result.upper())}</span></h1>',
        f'<p class="headline" id="headline">{esc(headline(report), None)}</p>',
    ]
    if summary.models == 0:
        parts.append(f'<p class="warn" id="no-models">{esc(NO_MODELS)}</p>')
    if summary.errors:
        parts.append('<p class="warn">Errors mean some models or rules were not judged: the '
                     "run cannot be trusted.</p>")
    parts += _cards(report)
    parts.append("</header>")
    parts += _scanned(report)
    parts += _errors(report)
    parts += _compliance(report)
    parts += _matrix(report)
    parts += _violations(report)
    parts += _waived(report)
    parts += _warnings(report)
    parts += _not_evaluated(report)
    parts.append(f'<footer class="muted"><p>{TOOL_NAME} {esc(report.tool_version)}, '
                 f"{esc(report.generated_at)}; fails on {esc(report.fail_on)} and above."
                 "</p></footer></body></html>")
    return "\n".join(parts) + "\n"


def _cards(report: Report) -> list[str]:
    summary = report.summary
    counts = dict.fromkeys(SEVERITIES_DESCENDING, 0)
    for finding in report.violations:
        counts[finding.severity] += 1
    cards = [("models", "Models read", summary.models), ("rules", "Rules", summary.rules),
             ("violations", "Violations", summary.violations)]
    cards += [(severity, severity.capitalize(), counts[severity])
              for severity in SEVERITIES_DESCENDING]
    cards += [("waived", "Waived", summary.waived), ("errors", "Errors", summary.errors),
              ("not-evaluated", "Not evaluated", summary.not_evaluated)]
    out = ['<div class="cards">']
    out += [f'<div class="card {key}" data-key="{key}"><b>{value}</b>{label}</div>'
            for key, label, value in cards]
    return [*out, "</div>"]


def _scanned(report: Report) -> list[str]:
    scanned = report.scanned
    out = ["<h2>What was read</h2>", "<table><tbody>"]
    for label, values in (("Sources", scanned.sources), ("Accounts", scanned.accounts),
                          ("Regions", scanned.regions)):
        out.append(f"<tr><th>{label}</th><td>{esc(', '.join(values) or '(none)', None)}"
                   "</td></tr>")
    if report.framework:
        out.append(f"<tr><th>Framework</th><td>{esc(report.framework)} (only its rules "
                   "ran)</td></tr>")
    out.append("</tbody></table>")
    out += ['<table id="policies"><thead><tr><th>Policy</th><th>File</th><th>Rules</th>'
            "<th>SHA-256</th></tr></thead><tbody>"]
    out += [f"<tr><td>{esc(p.name)}</td><td>{_code(p.file)}</td><td>{len(p.rules)}</td>"
            f"<td>{_code(p.sha256)}</td></tr>" for p in report.policies]
    return [*out, "</tbody></table>"]


def _errors(report: Report) -> list[str]:
    if not report.errors:
        return []
    out = [f'<h2 id="errors">Errors ({len(report.errors)})</h2>',
           "<table><thead><tr><th>Code</th><th>About</th><th>Account</th><th>Message</th>"
           "</tr></thead><tbody>"]
    out += [f'<tr class="error-row"><td>{_code(e.code)}</td><td>{esc(error_subject(e))}</td>'
            f"<td>{esc(e.account_id or '')}</td><td>{esc(e.message)}</td></tr>"
            for e in report.errors]
    return [*out, "</tbody></table>"]


def _compliance(report: Report) -> list[str]:
    frameworks = mapped_frameworks(report)
    if not frameworks:
        return []
    out = ['<h2 id="compliance">Compliance</h2>',
           '<p class="muted">A control fails when any rule mapped to it has an unwaived '
           "violation; it is not evaluated when a rule could not be judged or judged no "
           "model.</p>"]
    tallies = rule_tallies(report)
    for key in frameworks:
        framework = catalog()[key]
        results = control_results(report, key, tallies)
        out.append(f'<h3>{esc(framework.title)} <span class="muted">({esc(key)}, '
                   f"{esc(framework.version)})</span></h3>")
        out.append(f'<table class="controls" data-framework="{esc(key)}"><thead><tr>'
                   "<th>Control</th><th>Status</th><th>Rules</th><th>Passed</th>"
                   "<th>Failed</th><th>Waived</th><th>Errors</th></tr></thead><tbody>")
        for r in results:
            title = f" {esc(r.title)}" if r.title else ""
            out.append(f'<tr class="control"><td>{_code(r.control)}{title}</td>'
                       f'<td class="st {r.status}">{r.status.replace("_", " ")}</td>'
                       f"<td>{'<br>'.join(_code(rule) for rule in r.rules)}</td>"
                       f"<td>{r.passed}</td><td>{r.failed}</td><td>{r.waived}</td>"
                       f"<td>{r.errors}</td></tr>")
        out.append("</tbody></table>")
    return out


def _matrix(report: Report) -> list[str]:
    rules = report.rules
    if not rules or not report.models:
        return []
    order = {"error": 0, "fail": 1, "pass": 2, "not_applicable": 3}
    models = sorted(report.models, key=lambda m: order.get(m.result, 0))
    shown = models[:MAX_MATRIX_MODELS]
    out = ['<h2 id="matrix">Models and rules</h2>', '<p class="legend">']
    out += [f'<span><b class="st">{glyph}</b> {word}</span>'
            for _, glyph, word in CELL.values()]
    out.append("</p>")
    if len(shown) < len(models):
        out.append(f'<p class="warn">The {len(shown)} models listed first (those with errors '
                   f"and violations first) of {len(models)}; the JSON report has all.</p>")
    out.append('<div class="scroll"><table class="matrix"><thead><tr><th>Model</th>')
    out += [f'<th class="rule" title="{esc(r.qualified_id)}">{i}</th>'
            for i, r in enumerate(rules, 1)]
    out.append("</tr></thead><tbody>")
    ids = [r.qualified_id for r in rules]
    for result in shown:
        cells = []
        for rule_id in ids:
            status = result.results.get(rule_id, Status.NOT_APPLICABLE)
            css, glyph, word = CELL[status]
            cells.append(f'<td class="cell {css}" title="{word}">{glyph}</td>')
        out.append(f'<tr><th class="model" title="{esc(result.model.fingerprint_key)}">'
                   f"{esc(result.model.display_name, 80)}</th>{''.join(cells)}</tr>")
    out.append("</tbody></table></div>")
    out.append('<ol class="rules muted">')
    out += [f"<li>{_code(r.qualified_id)} {esc(r.title)}</li>" for r in rules]
    return [*out, "</ol>"]


def _model_facts(ref: ModelRef) -> str:
    facts = [x for x in (ref.arn, ref.kind if ref.kind != "model" else None, ref.account_id,
                         ref.region) if x]
    return f' <span class="muted">{esc(" · ".join(facts), None)}</span>' if facts else ""


def _violations(report: Report) -> list[str]:
    if not report.violations:
        return []
    out = [f'<h2 id="violations">Violations ({len(report.violations)})</h2>']
    for severity in SEVERITIES_DESCENDING:
        findings = [f for f in report.violations if f.severity == severity]
        if not findings:
            continue
        out.append(f'<h3><span class="sev {severity}">{severity}</span> '
                   f"({len(findings)})</h3>")
        for ref, group in _by_model(findings):
            out.append(f"<h4>{esc(ref.display_name)}{_model_facts(ref)}</h4>")
            out.append("<table><thead><tr><th>Rule</th><th>Field</th><th>Expected</th>"
                       "<th>Actual</th><th>Remediation</th></tr></thead><tbody>")
            for f in group:
                known = ' <span class="muted">(known)</span>' if f.known else ""
                if f.exposure is not None:
                    known += f' <span class="muted">{esc(f.exposure_note.strip())}</span>'
                out.append(
                    f'<tr class="violation" data-severity="{severity}">'
                    f"<td>{esc(f.rule.title)}<br>{_code(f.rule.qualified_id)}{known}</td>"
                    f"<td>{_code(f.field) if f.field else '—'}</td>"
                    f"<td>{_code(f.expected) if f.expected is not None else '—'}</td>"
                    f"<td>{_code(format_value(f.actual))}<br>"
                    f'<span class="muted">{esc(f.message)}</span></td>'
                    f"<td>{esc(f.rule.remediation or '—')}</td></tr>")
            out.append("</tbody></table>")
    return out


def _by_model(findings: Iterable[Finding]) -> list[tuple[ModelRef, list[Finding]]]:
    groups: dict[str, tuple[ModelRef, list[Finding]]] = {}
    for finding in findings:
        groups.setdefault(finding.model.fingerprint_key, (finding.model, []))[1].append(finding)
    return list(groups.values())


def _waived(report: Report) -> list[str]:
    if not report.waived:
        return []
    today = date.fromisoformat(report.generated_at[:10])
    out = [f'<h2 id="waived">Waived ({len(report.waived)})</h2>',
           "<table><thead><tr><th>Model</th><th>Rule</th><th>Reason</th><th>Expires</th>"
           "<th>Days left</th></tr></thead><tbody>"]
    for f in report.waived:
        waiver = f.waiver
        reason = esc(waiver.reason) if waiver else "—"
        expires = waiver.expires.isoformat() if waiver else "—"
        days = plural((waiver.expires - today).days, "day") if waiver else "—"
        out.append(f'<tr class="waived"><td>{esc(f.model.display_name)}</td>'
                   f"<td>{_code(f.rule.qualified_id)}</td><td>{reason}</td>"
                   f"<td>{expires}</td><td>{days}</td></tr>")
    return [*out, "</tbody></table>"]


def _warnings(report: Report) -> list[str]:
    if not report.warnings:
        return []
    out = [f'<h2 id="warnings">Warnings ({len(report.warnings)})</h2>', "<ul>"]
    out += [f'<li class="warning"><b>{esc(w.code)}</b>: {esc(w.message)}</li>'
            for w in report.warnings]
    return [*out, "</ul>"]


def _not_evaluated(report: Report) -> list[str]:
    idle = [m.model for m in report.models if m.result == "not_applicable"]
    if not idle:
        return []
    out = [f'<h2 id="not-evaluated">Not evaluated ({len(idle)})</h2>',
           "<p>No loaded rule applied to these models, so nothing judged them:</p><ul>"]
    out += [f'<li class="idle">{esc(ref.display_name)}{_model_facts(ref)}</li>'
            for ref in idle]
    return [*out, "</ul>"]
