"""The web service: the Flask app factory (:mod:`.app`), the API blueprints (:mod:`.api`), API
keys (:mod:`.auth`), the report store and its migrations (:mod:`.store`, :mod:`.store_models`,
``migrations/``), settings (:mod:`.config`), JSON logging (:mod:`.logging`), re-matching of stored
reports (:mod:`.rematch`) and the OpenAPI document (:mod:`.openapi`).

:mod:`.state` holds what the app factory and the blueprints share (``state()``,
``problem_response``), so that neither imports the other.

May import: everything below it (base, ``reference``, ``kb``, the core) and ``matcher.client``.
Imported by: ``commands`` and ``cli`` only; nothing below imports it (tests/test_layout.py).
"""
