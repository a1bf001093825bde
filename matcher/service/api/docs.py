"""Interactive API docs at ``/docs`` without any external resource (no CDN, no fonts).

A small page and script read ``/openapi.json``, list every operation with its parameters, and let
a user try a request with their API key (kept in the page only, sent as a Bearer header).
"""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("docs", __name__)

DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Matcher API</title>
<link rel="stylesheet" href="/docs/docs.css"></head>
<body><header><h1>Matcher API</h1>
<p>OpenAPI document: <a href="/openapi.json">/openapi.json</a>.
Requests below go to this server.</p>
<label>API key <input id="key" type="password" autocomplete="off" size="50"></label></header>
<main id="ops"><p>Loading…</p></main>
<script src="/docs/docs.js"></script></body></html>
"""

CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:70em;padding:0 1em}
details{border:1px solid #ccc;border-radius:4px;margin:.4em 0;padding:.3em .6em}
summary{cursor:pointer}.m{display:inline-block;width:4.5em;font-weight:bold}
pre{background:#f5f5f5;padding:.6em;overflow:auto;max-height:30em}
textarea{width:100%;height:8em;font-family:monospace}label{display:block;margin:.2em 0}
"""

SCRIPT = r"""'use strict';
(async function () {
  const ops = document.getElementById('ops');
  const spec = await (await fetch('/openapi.json')).json();
  ops.textContent = '';
  const el = (tag, text) => {
    const e = document.createElement(tag); if (text) e.textContent = text; return e;
  };
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const d = el('details'), s = el('summary');
      const m = el('span', method.toUpperCase()); m.className = 'm';
      s.append(m, path + '  ', el('em', op.summary || ''));
      d.append(s);
      if (op.description) d.append(el('p', op.description));
      const params = [...(item.parameters || []), ...(op.parameters || [])];
      const inputs = {};
      for (const p of params) {
        const l = el('label', p.name + ' (' + p.in + (p.required ? ', required' : '') + ') ');
        const i = el('input'); inputs[p.name] = [p, i]; l.append(i); d.append(l);
      }
      let body = null, ctype = null;
      if (op.requestBody) {
        ctype = el('select');
        for (const c of Object.keys(op.requestBody.content)) {
          if (c !== 'multipart/form-data') { const o = el('option', c); ctype.append(o); }
        }
        body = el('textarea');
        d.append(el('label', 'Content-Type '), ctype, body);
      }
      const go = el('button', 'Send'), out = el('pre');
      go.addEventListener('click', async () => {
        let url = path; const q = new URLSearchParams();
        for (const [name, [p, i]] of Object.entries(inputs)) {
          if (!i.value) continue;
          if (p.in === 'path') url = url.replace('{' + name + '}', encodeURIComponent(i.value));
          else if (p.in === 'query') q.append(name, i.value);
        }
        if ([...q].length) url += '?' + q;
        const headers = {};
        const key = document.getElementById('key').value;
        if (key) headers.Authorization = 'Bearer ' + key;
        const init = { method: method.toUpperCase(), headers };
        if (body && body.value) { init.body = body.value; headers['Content-Type'] = ctype.value; }
        const r = await fetch(url, init);
        const text = await r.text();
        const loc = r.headers.get('Location');
        out.textContent = r.status + ' ' + r.statusText + '\n' +
          (loc ? 'Location: ' + loc + '\n' : '') + '\n' + text;
      });
      d.append(go, out);
      ops.append(d);
    }
  }
})();
"""


def _resp(text: str, mimetype: str) -> Response:
    resp = Response(text, mimetype=mimetype)
    resp.headers["Content-Security-Policy"] = DOCS_CSP
    return resp


@bp.get("/docs")
def page() -> Response:
    """The docs page."""
    return _resp(PAGE, "text/html")


@bp.get("/docs/docs.js")
def script() -> Response:
    return _resp(SCRIPT, "text/javascript")


@bp.get("/docs/docs.css")
def css() -> Response:
    return _resp(CSS, "text/css")
