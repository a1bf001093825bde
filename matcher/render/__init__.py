"""Renderers of a ``MatchResult``: one module per format, each a pure function of the result.

* :func:`matcher.render.text.render_text` — terminal text (80 columns, optional ANSI colour);
* :func:`matcher.render.html.render_html` — the oncologist's match summary page, with ``CSP``;
* :func:`matcher.render.fhir.to_fhir` — FHIR R4 Genomics Reporting Bundle (a dict);
* :func:`matcher.render.json.render_json` — the documented JSON result, compact or full view
  (:mod:`matcher.render.compact`: the views of schema 2 and the detail between them).

Import the module you need; this package imports nothing heavy itself.

May import: the base modules (``matcher.model``). Imported by: ``pipeline`` callers, ``service``
and ``commands``. Never imports ``service``, Flask or SQLAlchemy (tests/test_layout.py).
"""
