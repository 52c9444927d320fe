"""The report's HTML: one file, no network.

Every text comes through :func:`esc` (``html.escape`` with quotes): experiment names and tags are user content.
CSS and JS are inline and allowed by their SHA-256 under a Content-Security-Policy of ``default-src 'none'``, so
even markup that slipped through could neither run a script nor load anything. Charts are inline SVG drawn here
(attributes only, no style attributes, which the policy would refuse). Sections are ``<details>`` (collapse
without script); the script sorts tables (click a header; tables marked ``data-sort-col`` are sorted on load)
and marks ``<body data-ready="1">`` when it has run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any

from mlflow_upgrade.compat import verdict_rows
from mlflow_upgrade.compat.models import display_rows
from mlflow_upgrade.upgrade.estimate import human

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em 2em;color:#1b1f23}
h1{font-size:1.5em;margin:.2em 0}details.section{border:1px solid #d0d7de;border-radius:6px;margin:.8em 0;
padding:.3em 1em}details.section>summary{font-weight:600;font-size:1.15em;cursor:pointer;padding:.3em 0}
.state{font-size:.8em;font-weight:400;margin-left:.6em;padding:0 .5em;border-radius:8px;background:#eaeef2}
.state.bad{background:#ffd7d5}.state.good{background:#d3f5dc}.state.notrun{background:#fff1c2}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border-bottom:1px solid #eaeef2;padding:.2em .5em;
text-align:left;vertical-align:top}th{cursor:pointer;background:#f6f8fa;user-select:none}
td.num{text-align:right;font-variant-numeric:tabular-nums}pre{background:#f6f8fa;padding:.6em;overflow:auto;
white-space:pre-wrap}code{background:#f6f8fa;padding:0 .2em}.muted{color:#57606a}.fail{color:#b3261e}
.ok{color:#1a7f37}.warn{color:#9a6700}svg text{font:11px system-ui,sans-serif}nav button{margin-right:.5em}
"""

JS = """
(function(){
  function key(td){var v=td.getAttribute('data-value');return v!==null&&v!==''&&!isNaN(+v)?+v:td.textContent;}
  function sortTable(table,col,dir){
    var body=table.tBodies[0];if(!body)return;var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=key(a.cells[col]),y=key(b.cells[col]);
      var c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y));
      return dir==='desc'?-c:c;});
    rows.forEach(function(r){body.appendChild(r);});
    table.setAttribute('data-sorted',col+':'+dir);
  }
  var tables=document.querySelectorAll('table.sortable'),sorted=0;
  Array.prototype.forEach.call(tables,function(t){
    Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){
      th.addEventListener('click',function(){
        var d=t.getAttribute('data-sorted')===i+':asc'?'desc':'asc';sortTable(t,i,d);});
    });
    var c=t.getAttribute('data-sort-col');
    if(c!==null){sortTable(t,+c,t.getAttribute('data-sort-dir')||'asc');sorted++;}
  });
  function all(open){Array.prototype.forEach.call(document.querySelectorAll('details.section'),
    function(d){d.open=open;});}
  document.getElementById('expand-all').addEventListener('click',function(){all(true);});
  document.getElementById('collapse-all').addEventListener('click',function(){all(false);});
  document.getElementById('js-status').textContent=tables.length+' sortable tables, '+sorted+' sorted on load';
  document.body.setAttribute('data-ready','1');
})();
"""

SECTIONS = (("store", "Store"), ("plan", "Plan"), ("preflight", "Preflight"), ("compat", "Client/server compatibility"),
            ("models", "Model inventory"), ("codemod", "Code findings (codemod)"), ("diffcheck", "Diffcheck"),
            ("runbook", "Runbook"))
NOT_RUN_HINT = {"compat": "mlflow-upgrade compat --json > compat.json, then --compat-json compat.json",
                "models": "mlflow-upgrade models --json > models.json, then --models-json models.json",
                "codemod": "give code paths with --code PATH",
                "diffcheck": "mlflow-upgrade diffcheck URI --json > diffcheck.json, then --diffcheck-json "
                             "diffcheck.json (or --diffcheck)",
                "preflight": "the plan ran without its preflight"}
BAR = "#4c78a8"
# compat's verdicts and the model inventory's statuses (the stacked charts' categories), lower-cased
VERDICT_COLORS = {"safe": "#54a24b", "caution": "#f2b701", "breaking": "#e45756", "loads": "#54a24b",
                  "loads with warnings": "#f2b701", "will not load": "#e45756"}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def html_page(data: dict[str, Any]) -> str:
    sections = data["sections"]
    csp = (f"default-src 'none'; style-src '{_sha256(CSS)}'; script-src '{_sha256(JS)}'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    body = "".join(_section(name, title, sections.get(name)) for name, title in SECTIONS)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"  # built here: no quote, no user text
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>MLflow upgrade report: {esc(data['store'])}</title><style>{CSS}</style></head>"
        "<body data-ready=\"0\">"
        f"<header><h1>MLflow upgrade report</h1><p><code>{esc(data['store'])}</code> · {esc(data['tool'])}"
        f"{_headline(sections)}</p><nav><button id=\"expand-all\" type=\"button\">expand all</button>"
        "<button id=\"collapse-all\" type=\"button\">collapse all</button>"
        "<span id=\"js-status\" class=\"muted\">(scripts did not run)</span></nav></header>"
        f"{body}<script>{JS}</script></body></html>\n"
    )


def _headline(sections: dict[str, Any]) -> str:
    p = sections.get("plan") or {}
    book = sections.get("runbook") or {}
    return (f"<br>MLflow {esc(p.get('written_by') or '?')} → {esc(p.get('installed_mlflow'))}: "
            f"<b>{esc(p.get('pending'))}</b> pending revision(s), estimated {esc(human(p.get('estimate_seconds') or 0))}, "
            f"mode <b>{esc(book.get('mode'))}</b>")


def _section(name: str, title: str, value: Any) -> str:
    if value is None:
        state, cls = "not run", "notrun"
        inner = f"<p class=\"muted\">Not run. To include it: <code>{esc(NOT_RUN_HINT.get(name, ''))}</code></p>"
    else:
        state, cls = _state(name, value)
        inner = RENDERERS[name](value)
    return (f"<details class=\"section\" id=\"sec-{name}\" data-section=\"{name}\" data-state=\"{esc(state)}\" open>"
            f"<summary>{esc(title)}<span class=\"state {cls}\">{esc(state)}</span></summary>{inner}</details>")


def _state(name: str, value: dict[str, Any]) -> tuple[str, str]:
    if name == "preflight":
        return ("ok", "good") if value.get("ok") else ("failed", "bad")
    if name == "diffcheck":
        n = len(value.get("differences") or [])
        return ("no differences", "good") if not n else (f"{n} difference(s)", "bad")
    if name == "codemod":
        n = (value.get("summary") or {}).get("findings", 0)
        return (f"{n} finding(s)", "bad" if n else "good")
    if name == "plan":
        return (f"{value.get('pending')} pending", "")
    if name == "runbook":
        return (str(value.get("mode")), "")
    return ("included", "")


# ---- tables and charts -----------------------------------------------------------------------------------------
def table(headers: list[str], rows: list[list[Any]], *, numeric: set[int] = frozenset(), sort_col: int | None = None,
          sort_dir: str = "asc", table_id: str = "") -> str:
    attrs = f" id=\"{esc(table_id)}\"" if table_id else ""
    if sort_col is not None:
        attrs += f" data-sort-col=\"{sort_col}\" data-sort-dir=\"{sort_dir}\""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i in numeric:
                cells.append(f"<td class=\"num\" data-value=\"{esc(cell)}\">{esc(_fmt(cell))}</td>")
            else:
                cells.append(f"<td>{esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class=\"sortable\"{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def bar_chart(chart_id: str, title: str, items: list[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per (label, value)."""
    if not items:
        return ""
    width, label_w, row_h = 760, 230, 18
    top = max(v for _, v in items) or 1
    height = row_h * len(items) + 24
    parts = [f"<svg id=\"{esc(chart_id)}\" class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" "
             f"height=\"{height}\" role=\"img\" aria-label=\"{esc(title)}\"><title>{esc(title)}</title>"]
    for i, (label, value) in enumerate(items):
        y = 18 + i * row_h
        w = max(1.0, (width - label_w - 90) * value / top) if value else 0
        parts.append(f"<text x=\"{label_w - 6}\" y=\"{y + 12}\" text-anchor=\"end\">{esc(label[:38])}</text>"
                     f"<rect class=\"bar\" x=\"{label_w}\" y=\"{y + 2}\" width=\"{w:.1f}\" height=\"{row_h - 5}\" "
                     f"fill=\"{BAR}\" data-label=\"{esc(label)}\" data-value=\"{esc(value)}\"></rect>"
                     f"<text x=\"{label_w + w + 4:.1f}\" y=\"{y + 12}\">{esc(_fmt(value))}{esc(unit)}</text>")
    parts.append(f"<text x=\"0\" y=\"12\" font-weight=\"600\">{esc(title)}</text></svg>")
    return "".join(parts)


def stacked_chart(chart_id: str, title: str, rows: dict[str, dict[str, int]]) -> str:
    """One bar per row label, split by category (verdicts per client)."""
    if not rows:
        return ""
    width, label_w, row_h = 760, 230, 20
    top = max(sum(c.values()) for c in rows.values()) or 1
    height = row_h * len(rows) + 40
    parts = [f"<svg id=\"{esc(chart_id)}\" class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" "
             f"height=\"{height}\" role=\"img\" aria-label=\"{esc(title)}\"><title>{esc(title)}</title>"
             f"<text x=\"0\" y=\"12\" font-weight=\"600\">{esc(title)}</text>"]
    for i, (label, counts) in enumerate(sorted(rows.items())):
        y, x = 20 + i * row_h, float(label_w)
        parts.append(f"<text x=\"{label_w - 6}\" y=\"{y + 13}\" text-anchor=\"end\">{esc(label[:38])}</text>")
        for verdict, n in sorted(counts.items()):
            w = (width - label_w - 20) * n / top
            color = VERDICT_COLORS.get(verdict.lower(), "#9d9d9d")
            parts.append(f"<rect class=\"bar\" x=\"{x:.1f}\" y=\"{y + 2}\" width=\"{w:.1f}\" height=\"{row_h - 6}\" "
                         f"fill=\"{color}\" data-label=\"{esc(label)}\" data-verdict=\"{esc(verdict)}\" "
                         f"data-value=\"{n}\"><title>{esc(verdict)}: {n}</title></rect>")
            x += w
    parts.append("</svg>")
    return "".join(parts)


# ---- sections --------------------------------------------------------------------------------------------------
def _store(value: dict[str, Any]) -> str:
    tracking = value.get("tracking") or {}
    counts = {t: c.get("rows", 0) for t, c in (tracking.get("counts") or {}).items()}
    facts = [("store", value.get("store")), ("dialect", tracking.get("dialect")),
             ("revision", tracking.get("revision")), ("written by", tracking.get("written_by")),
             ("installed MLflow", tracking.get("installed_mlflow")), ("status", tracking.get("status"))]
    out = ["<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts) + "</dl>"]
    out += [f"<p class=\"warn\">{esc(n)}</p>" for n in tracking.get("notes") or []]
    items = sorted(counts.items(), key=lambda kv: -kv[1])
    out.append(bar_chart("chart-rows", "Rows per table", [(t, n) for t, n in items if n][:25]))
    out.append(table(["table", "rows"], [[t, n] for t, n in sorted(counts.items())], numeric={1}, sort_col=1,
                     sort_dir="desc", table_id="table-rows"))
    exps = value.get("experiments") or []
    out.append(f"<h3>Experiments ({len(exps)})</h3>")
    out.append(table(["id", "name", "stage", "tags"],
                     [[e["experiment_id"], e["name"], e["lifecycle_stage"],
                       "; ".join(f"{k}={v}" for k, v in (e.get("tags") or {}).items())] for e in exps],
                     table_id="table-experiments"))
    return "".join(out)


def _plan(value: dict[str, Any]) -> str:
    revs = value.get("revisions") or []
    out = [f"<p>{esc(value.get('pending'))} revision(s) from <code>{esc(value.get('current_revision'))}</code> to "
           f"<code>{esc(value.get('target_revision'))}</code>, estimated {esc(human(value.get('estimate_seconds') or 0))}"
           f"; {'rolling-safe' if value.get('rolling_safe') else '<b>not rolling-safe</b>'}.</p>"]
    classes: dict[str, int] = {}
    for r in revs:
        classes[r.get("classification") or "?"] = classes.get(r.get("classification") or "?", 0) + 1
    out.append("<p>Risk classes: " + ", ".join(f"<span data-risk=\"{esc(k)}\">{esc(k)} {n}</span>"
                                                 for k, n in sorted(classes.items())) + "</p>")
    out.append(bar_chart("chart-estimate", "Estimated time per revision (s)",
                         [(f"{r['index']}. {r['revision']}", round(r.get("estimate_seconds") or 0, 3)) for r in revs],
                         " s"))
    out.append(table(["#", "revision", "release", "class", "rolling-safe", "1 txn", "est. s", "what it does"],
                     [[r["index"], r["revision"], r.get("introduced_in"), r.get("classification"),
                       _yes(r.get("rolling_safe")), _yes(r.get("transactional")),
                       round(r.get("estimate_seconds") or 0, 3), r.get("message")] for r in revs],
                     numeric={0, 6}, table_id="table-plan"))
    out += [f"<p class=\"warn\">{esc(n)}</p>" for n in value.get("notes") or []]
    return "".join(out)


def _yes(value: Any) -> str:
    return "?" if value is None else "yes" if value else "no"


def _preflight(value: dict[str, Any]) -> str:
    return table(["check", "status", "message"],
                 [[c["name"], c["status"], c["message"]] for c in value.get("checks") or []], table_id="table-preflight")


def _generic(rows: list[dict[str, Any]], table_id: str) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [k for k, v in row.items() if k not in columns and not isinstance(v, (dict, list))]
    columns = columns[:8]
    return table(columns, [[row.get(c) for c in columns] for row in rows], table_id=table_id)


def _compat(value: dict[str, Any]) -> str:
    rows = verdict_rows(value)
    per_client: dict[str, dict[str, int]] = {}
    for r in rows:
        counts = per_client.setdefault(str(r["client"]), {})
        counts[str(r["verdict"])] = counts.get(str(r["verdict"]), 0) + 1
    out = [stacked_chart("chart-verdicts", "Verdicts per client", per_client), _generic(rows, "table-compat")]
    if not rows:
        out.append(_json_block(value))
    return "".join(out)


def _models(value: dict[str, Any]) -> str:
    rows = display_rows(value)
    if not rows:
        return "<p>No logged or registered model in this store.</p>"
    per_status: dict[str, dict[str, int]] = {"models": {}}
    for row in rows:
        per_status["models"][row["status"]] = per_status["models"].get(row["status"], 0) + 1
    columns = list(rows[0])
    return (stacked_chart("chart-models", "Models by verdict on the target", per_status)
            + table(columns, [[row[c] for c in columns] for row in rows], table_id="table-models"))


def _codemod(value: dict[str, Any]) -> str:
    s = value.get("summary") or {}
    out = [f"<p>{esc(value.get('files_scanned'))} file(s) scanned: {esc(s.get('findings'))} finding(s), "
           f"{esc(s.get('fixable'))} fixable with <code>mlflow-upgrade codemod fix</code>.</p>"]
    out.append(table(["code", "path", "line", "message", "fixable"],
                     [[f["code"], f["path"], f["line"], f["message"], _yes(f.get("fixable"))]
                      for f in value.get("findings") or []], numeric={2}, table_id="table-codemod"))
    return "".join(out)


def _diffcheck(value: dict[str, Any]) -> str:
    t = value.get("timings") or {}
    out = [f"<p>MLflow {esc(value.get('old_release'))} and {esc(value.get('target_release'))} on a copy: "
           f"{len(value.get('calls') or [])} calls compared in {esc(t.get('total_s'))} s.</p>"]
    diffs = value.get("differences") or []
    out.append(table(["call", "field", "what", "old", "new"],
                     [[d["call"], d["path"], d["kind"], d["old"], d["new"]] for d in diffs],
                     table_id="table-differences") if diffs else "<p class=\"ok\">No differences.</p>")
    if value.get("additions"):
        out.append("<h3>Additions (fields only the target returns)</h3><ul>"
                   + "".join(f"<li>{esc(a)}</li>" for a in value["additions"]) + "</ul>")
    out += [f"<p class=\"muted\">{esc(s)}</p>" for s in value.get("skipped") or []]
    return "".join(out)


def _runbook(value: dict[str, Any]) -> str:
    out = [f"<p>Mode <b>{esc(value.get('mode'))}</b>; expected downtime "
           f"{esc(human(value.get('downtime_seconds') or 0)) if value.get('mode') == 'stop-the-world' else 'none'}.</p>"]
    for title, steps in (("Steps", value.get("steps") or []), ("Rollback", value.get("rollback") or [])):
        out.append(f"<h3>{esc(title)}</h3><ol class=\"steps\">")
        for step in steps:
            out.append(f"<li><b>{esc(step['title'])}</b> — {esc(step['why'])}")
            if step.get("items"):
                out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in step["items"]) + "</ul>")
            if step.get("commands"):
                out.append(f"<pre>{esc(chr(10).join(step['commands']))}</pre>")
            out.append("</li>")
        out.append("</ol>")
    return "".join(out)


def _json_block(value: Any) -> str:
    return f"<pre>{esc(json.dumps(value, indent=2, ensure_ascii=False, default=str))}</pre>"


RENDERERS = {"store": _store, "plan": _plan, "preflight": _preflight, "compat": _compat, "models": _models,
             "codemod": _codemod, "diffcheck": _diffcheck, "runbook": _runbook}
