"""Print the service's OpenAPI document.

    python -m matcher.service.openapi > docs/openapi.json
"""

from __future__ import annotations

import json
import sys
import tempfile


def document() -> dict:
    """The OpenAPI document of an app built with default settings."""
    from matcher.service.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/spec.sqlite3", "LOG_LEVEL": "ERROR"})
        with app.test_client() as client:
            doc = client.get("/openapi.json").get_json()
        app.extensions["matcher"].store.engine.dispose()
    return doc


if __name__ == "__main__":
    sys.stdout.write(json.dumps(document(), indent=2) + "\n")
