"""The Flask app factory of the Matcher service.

``create_app(config)`` loads the settings (:mod:`matcher.service.config`), the knowledge base
(once, into
``app.extensions["matcher"]``), the report store and the flask-smorest ``Api`` with its
blueprints, and turns every error into ``application/problem+json`` (RFC 9457)::

    app = create_app({"DATABASE_URL": "sqlite:///var/dev.sqlite3"})
"""

from __future__ import annotations

import io
import re
import socket
import threading
import time
import uuid
from typing import Any

from apispec import APISpec
from flask import Flask, Response, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, RequestTimeout

from matcher import __version__
from matcher.errors import MAX_LISTED, MatcherError
from matcher.match_cache import MatchCache
from matcher.service import logging as mlog
from matcher.service.api.schemas import ProblemSchema
from matcher.service.config import load_config
from matcher.service.state import (
    PROBLEM_JSON,
    ServiceState,
    flatten_messages,
    problem_response,
)
from matcher.service.store import Store

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class _DeadlineInput:
    """wsgi.input wrapper: the whole body must arrive before a deadline (slow uploads -> 408).

    ``expired`` is set by the watchdog of :class:`_UploadDeadline` when it cut a body that was
    still trickling in: what was read then is not the body, and the answer is 408.
    """

    def __init__(self, stream: Any, deadline: float, expired: threading.Event | None = None):
        self._stream = stream
        self._deadline = deadline
        self._expired = expired

    def _check(self) -> None:
        if time.monotonic() > self._deadline or (self._expired and self._expired.is_set()):
            raise RequestTimeout("the request body took too long to arrive")

    def _timed(self, method: Any, *args: Any) -> bytes:
        """``method(*args)`` of the stream, as 408 when the deadline passed before or during it
        (a read the watchdog ended returns short or fails: either way not the body)."""
        self._check()
        try:
            data = method(*args)
        except (TimeoutError, OSError, ValueError) as exc:
            self._check()
            if isinstance(exc, TimeoutError):
                raise RequestTimeout("the request body took too long to arrive") from exc
            raise
        self._check()
        return data

    def read(self, *args: Any) -> bytes:
        return self._timed(self._stream.read, *args)

    def readline(self, *args: Any) -> bytes:
        return self._timed(self._stream.readline, *args)

    def __iter__(self):  # noqa: ANN204
        return iter(self.readline, b"")


class _UploadDeadline:
    """WSGI middleware bounding the time a client may take to send its request body, and reading
    a body of unknown length (``Transfer-Encoding: chunked``) whole before the app sees it.

    Werkzeug caps a chunked body at ``MAX_CONTENT_LENGTH`` by reading *up to* the limit and
    stopping there, without an error: a larger upload would reach the app cut at the limit and
    be stored as if the lab had sent it. So a body without ``Content-Length`` is read here, at
    most one byte past the limit. Over the limit, the request is marked and answered 413 before
    any view runs; within it, the app gets the whole body with its true ``Content-Length``, so
    every content type (raw, JSON, multipart, gzip) is read whole or refused, never cut.
    """

    def __init__(self, wsgi_app: Any, seconds: float, max_length: int):
        self.wsgi_app = wsgi_app
        self.seconds = seconds
        self.max_length = max_length

    def __call__(self, environ: dict, start_response: Any) -> Any:
        sock = environ.get("gunicorn.socket")
        expired = threading.Event()
        watchdog = None
        if sock is not None:
            # Each recv may wait at most this long; the deadline bounds the sum. A client that
            # trickles its body (a byte every few seconds) never lets one recv time out, and the
            # server reads on until it has the length it asked for: a watchdog stops reading at
            # the deadline (shutdown of the socket's read side; the 408 is still written).
            sock.settimeout(self.seconds)
            if environ.get("CONTENT_LENGTH") not in (None, "", "0") or _has_unsized_body(environ):
                watchdog = threading.Timer(self.seconds, _stop_reading, (sock, expired))
                watchdog.daemon = True
                watchdog.start()
        stream = _DeadlineInput(environ["wsgi.input"], time.monotonic() + self.seconds, expired)
        environ["wsgi.input"] = stream
        if not environ.get("CONTENT_LENGTH") and _has_unsized_body(environ):
            try:
                body = _read_at_most(stream, self.max_length + 1)
            except RequestTimeout:
                environ[BODY_TIMEOUT] = True
                body = b""
            if len(body) > self.max_length:
                environ[BODY_TOO_LARGE] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            if watchdog is not None:
                watchdog.cancel()


def _stop_reading(sock: Any, expired: threading.Event) -> None:
    """The upload deadline passed: mark the body cut and end the reads waiting on it."""
    expired.set()
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:  # already closed
        pass


BODY_TOO_LARGE = "matcher.body_too_large"
BODY_TIMEOUT = "matcher.body_timeout"


def _has_unsized_body(environ: dict) -> bool:
    """A body whose length is only known once read: chunked, or one the server terminates."""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return chunked or bool(environ.get("wsgi.input_terminated"))


def _read_at_most(stream: Any, limit: int) -> bytes:
    """Read until the end of the body or until ``limit`` bytes, whichever comes first."""
    parts: list[bytes] = []
    size = 0
    while size < limit:
        chunk = stream.read(min(1 << 16, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


class _Api(Api):
    """flask-smorest's Api documenting our error shape (problem+json) for every error answer,
    under the content type it is served with (``application/problem+json``)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON  # the error responses only
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        self.spec.__class__ = _StableNamesSpec


# Python 3.13 renamed two HTTP statuses after RFC 9110 (413 CONTENT_TOO_LARGE, 422
# UNPROCESSABLE_CONTENT); flask-smorest names response components after http.HTTPStatus. The
# document uses the RFC 9110 names on every supported Python, so it does not change with the
# interpreter (tests/test_api_service.py compares it with docs/openapi.json).
_RFC9110_NAMES = {
    "REQUEST_ENTITY_TOO_LARGE": "CONTENT_TOO_LARGE",
    "UNPROCESSABLE_ENTITY": "UNPROCESSABLE_CONTENT",
    "Request Entity Too Large": "Content Too Large",
    "Unprocessable Entity": "Unprocessable Content",
}


def _rfc9110(node: Any) -> Any:
    if isinstance(node, dict):
        return {_RFC9110_NAMES.get(k, k): _rfc9110(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_rfc9110(v) for v in node]
    if isinstance(node, str):
        if node in _RFC9110_NAMES:
            return _RFC9110_NAMES[node]
        if node.startswith("#/components/responses/"):
            name = node.rsplit("/", 1)[1]
            return node[: -len(name)] + _RFC9110_NAMES.get(name, name)
    return node


class _StableNamesSpec(APISpec):
    def to_dict(self) -> dict:
        return _rfc9110(super().to_dict())


def create_app(config: dict[str, Any] | None = None, *, kb: Any = None) -> Flask:
    """Build the service: settings, KB (loaded once), store, API, error handlers and logging.

    ``kb`` lets a caller hand over an already loaded knowledge base (tests, benchmarks).
    """
    cfg = load_config(config)
    app = Flask("matcher")
    # "/v1/reports//x" is no report id (empty part): a 404, not a redirect to "/v1/reports/x"
    app.url_map.merge_slashes = False
    app.config.update(
        MAX_CONTENT_LENGTH=cfg["MAX_CONTENT_LENGTH"],
        API_TITLE="Matcher",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
        API_SPEC_OPTIONS={
            "info": {
                "description": "Submit a tumor's molecular report; get back a ranked, cited list "
                               "of targeted therapies and trials. See docs/api.md.",
                "license": {"name": "MIT"},
            },
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "A lab's API key (matcher keys create --lab NAME)."},
            }},
        },
    )
    app.config["MATCHER"] = cfg
    mlog.configure(cfg["LOG_LEVEL"])

    if kb is None:
        from matcher.kb.loader import load_kb
        from matcher.kb.trials import with_trial_status

        # Trial statuses from the last `matcher trials refresh`, when there was one.
        kb = with_trial_status(load_kb(cfg["KB_DIR"], imported=cfg["KB_IMPORTED"]))
    store = Store(cfg["DATABASE_URL"], store_content=cfg["STORE_CONTENT"],
                  group_commit=cfg["GROUP_COMMIT"])
    app.extensions["matcher"] = ServiceState(kb=kb, store=store, config=cfg,
                                             match_cache=MatchCache(cfg["MATCH_CACHE_SIZE"]))

    api = _Api(app)
    from matcher.service.api import register

    register(api, app, docs=cfg["DOCS"])
    _install_handlers(app)
    _install_hooks(app)
    app.wsgi_app = _UploadDeadline(  # type: ignore[method-assign]
        app.wsgi_app, cfg["UPLOAD_TIMEOUT"], cfg["MAX_CONTENT_LENGTH"])
    return app


def _install_handlers(app: Flask) -> None:
    log = mlog.get_logger()

    @app.errorhandler(MatcherError)
    def _matcher_error(exc: MatcherError) -> Response:
        if exc.status >= 500:
            log.error("internal error", extra={"event": "error", "error_type": type(exc).__name__})
            return problem_response({"title": exc.title, "detail": "internal error"}, exc.status)
        mlog.bind(outcome=type(exc).__name__)
        headers = {"WWW-Authenticate": 'Bearer realm="matcher"'} if exc.status == 401 else None
        return problem_response(exc.to_problem(), exc.status, headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        doc: dict[str, Any] = {"title": exc.name, "detail": exc.description}
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages") if isinstance(data, dict) else None
        if messages:  # webargs/marshmallow validation (flask-smorest aborts 422 with these)
            doc["title"] = "Invalid request"
            doc["detail"] = "the request failed validation"
            problems = flatten_messages(messages)
            doc["errors"] = [p.to_dict() for p in problems[:MAX_LISTED]]
            if len(problems) > MAX_LISTED:
                doc["errors_total"] = len(problems)
        if status == 413:
            doc["detail"] = (f"request body over the limit of {app.config['MAX_CONTENT_LENGTH']} "
                             "bytes (MATCHER_MAX_CONTENT_LENGTH)")
        headers = {}
        if "Allow" in dict(exc.get_headers()):
            headers["Allow"] = dict(exc.get_headers())["Allow"]
        return problem_response(doc, status, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Type and frames go to the log; the client gets no traceback and no exception text.
        log.error("unhandled exception", exc_info=exc, extra={"event": "error"})
        return problem_response({"title": "Internal Server Error",
                                 "detail": "an unexpected error occurred; quote the request_id"},
                                500)


def _libc_trim():  # noqa: ANN202
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_MALLOC_TRIM = _libc_trim()


def trim_heap() -> None:
    """Give the memory a large request freed back to the operating system.

    glibc keeps freed memory in its arenas (one per thread that allocated, with gthread workers)
    instead of returning it, so a worker that matched a large report stayed that much larger
    (issue 16: "workers keep ~2 GB after large requests"). ``malloc_trim(0)`` returns the free
    pages of every arena; it takes a few milliseconds and runs after the requests that match.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _install_hooks(app: Flask) -> None:
    log = mlog.get_logger()

    @app.before_request
    def _start() -> None:
        mlog.clear()
        rid = request.headers.get("X-Request-ID", "")
        g.request_id = rid if _REQUEST_ID_RE.fullmatch(rid) else uuid.uuid4().hex
        g.started = time.perf_counter()
        mlog.bind(request_id=g.request_id)
        # A chunked body that went past the limit or the deadline (see _UploadDeadline).
        if request.environ.get(BODY_TOO_LARGE):
            raise RequestEntityTooLarge()
        if request.environ.get(BODY_TIMEOUT):
            raise RequestTimeout("the request body took too long to arrive")

    @app.after_request
    def _finish(resp: Response) -> Response:
        rid = getattr(g, "request_id", None)
        if rid:
            resp.headers["X-Request-ID"] = rid
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Cache-Control", "no-store")
        started = getattr(g, "started", None)
        rule = request.url_rule.rule if request.url_rule else None
        log.info("request", extra={
            "event": "request", "method": request.method, "route": rule,
            "status": resp.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            "outcome": mlog.context().get("outcome"),
        })
        return resp

    @app.teardown_request
    def _clear(_exc: BaseException | None) -> None:
        mlog.clear()
        if request.method == "POST" or request.args.get("kb") == "current":
            trim_heap()  # the requests that read and match a report
