"""The gunicorn worker of ``matcher serve``: threads (``gthread``), and a timeout on headers.

A sync worker serves one connection at a time, so a few clients sending their headers slowly
hold every worker before any authentication (issue 16, finding 5). With threads, a slow client
holds one thread of ``MATCHER_THREADS``; gunicorn's gthread already waits for a connection's
first bytes off-thread. Here each read of the request line and headers may also wait at most
``MATCHER_HEADER_TIMEOUT`` seconds: a client that stalls longer is disconnected (the body is
bounded by ``MATCHER_UPLOAD_TIMEOUT`` in the app). A reverse proxy that buffers requests is still
the production answer (docs/deploy.md).
"""

from __future__ import annotations

from gunicorn.workers.gthread import ThreadWorker


class MatcherWorker(ThreadWorker):
    """gthread with a per-read timeout while the request line and headers arrive."""

    header_timeout: float = 10.0  # set from MATCHER_HEADER_TIMEOUT by matcher serve

    def handle(self, conn):  # noqa: ANN001, ANN201 - gunicorn's signature
        # gunicorn 27 initialises a connection in this thread; older releases did it before
        # (then the per-read bound is MATCHER_UPLOAD_TIMEOUT's, set by the app on the socket).
        if not getattr(conn, "initialized", True) and "init" not in vars(conn):
            init = conn.init

            def init_with_timeout() -> None:
                init()  # makes the socket blocking (no timeout): arm ours after it
                conn.sock.settimeout(self.header_timeout)

            conn.init = init_with_timeout
        return super().handle(conn)
