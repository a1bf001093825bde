"""Progress on stderr for long runs: which phase, and for how long, once it takes a moment.

Auto mode shows nothing for runs under ``delay`` seconds and nothing when stderr is not a
terminal (logs and pipes stay clean); forced mode prints one line per phase.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """A context manager: ``with Progress() as p: p.phase("reading"); ...``."""

    def __init__(self, enabled: bool | None = None, *, stream: TextIO | None = None,
                 delay: float = 1.0, interval: float = 0.5):
        self.stream = stream or sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.live = tty and enabled is not False  # redraw one line in place
        self.lines = enabled is True and not tty  # forced, not a terminal: plain lines
        self.delay = 0.0 if enabled else delay
        self.interval = interval
        self._text = ""
        self._start = time.monotonic()
        self._phase_start = self._start
        self._shown = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self.live:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        with self._lock:
            if self._shown and self.live:
                self.stream.write(f"\r\033[K[matcher] done in {self._elapsed():.1f} s\n")
                self.stream.flush()
            elif self.lines:
                self.stream.write(f"[matcher] done in {self._elapsed():.1f} s\n")
                self.stream.flush()

    def phase(self, text: str) -> None:
        """Start a new phase (e.g. 'reading wgs.vcf.gz (54 MB)')."""
        with self._lock:
            self._text = text
            self._phase_start = time.monotonic()
            if self.lines:
                self.stream.write(f"[matcher] {text}\n")
                self.stream.flush()

    def _elapsed(self) -> float:
        return time.monotonic() - self._start

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            with self._lock:
                self.stream.write(f"\r\033[K[matcher] {self._text} … "
                                  f"{time.monotonic() - self._phase_start:.0f} s")
                self.stream.flush()
                self._shown = True
            self._stop.wait(self.interval)
