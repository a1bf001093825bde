"""flask-smorest blueprints of the HTTP API. Views only orchestrate library calls."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api


def register(api: Api, app: Flask, *, docs: bool = True) -> None:
    """Register every blueprint on ``api`` (and the self-contained docs page on ``app``)."""
    from matcher.service.api import alterations, health, knowledgebase, reports, result_schemas
    from matcher.service.api.schemas import register_components

    register_components(api.spec)
    result_schemas.register(api.spec)
    api.register_blueprint(health.blp)
    api.register_blueprint(reports.blp)
    api.register_blueprint(knowledgebase.blp)
    api.register_blueprint(alterations.blp)
    if docs:
        from matcher.service.api import docs as docs_page

        app.register_blueprint(docs_page.bp)
