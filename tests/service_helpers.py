"""Helpers of the HTTP service tests: sample bytes, and real `matcher serve` processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "vcf_samples"


def sample_bytes(name: str = "atc_braf_v600e.json") -> bytes:
    return (SAMPLES / name).read_bytes()


def upload_head(server, length: int = 5000) -> bytes:
    """The request line and headers of a JSON upload of ``length`` bytes to ``server``."""
    return (b"POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + server.key.encode() + b"\r\n"
            b"Content-Length: " + str(length).encode() + b"\r\n\r\n")


def assert_timely_408(reply: bytes, waited: float) -> None:
    """A 408 problem+json, answered within 10 s of the body starting to arrive."""
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert b"application/problem+json" in reply
    assert waited < 10


# ------------------------------------------------------------------------------ real servers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A `matcher serve` process group on a loopback port."""

    url: str
    proc: subprocess.Popen
    workdir: Path
    key: str | None = None
    log: Path | None = None
    extra: dict = field(default_factory=dict)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def start_server(workdir: Path, db_url: str, *, workers: int = 2, env: dict | None = None,
                 wait: float = 40.0, demo_key: bool = True) -> Server:
    """Start `python -m matcher.cli serve` in its own process group; wait for /readyz."""
    port = free_port()
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "MATCHER_DATABASE_URL": db_url,
                "MATCHER_BIND": f"127.0.0.1:{port}", "MATCHER_WORKERS": str(workers),
                "MATCHER_LOG_LEVEL": "WARNING", **(env or {})}
    err = workdir / f"serve-{port}.err"
    args = [sys.executable, "-m", "matcher.cli", "serve"]
    if not demo_key:
        args.append("--no-demo-key")
    with (workdir / f"serve-{port}.out").open("w") as out, err.open("w") as errf:
        proc = subprocess.Popen(args, cwd=workdir, env=full_env, stdout=out, stderr=errf,
                                start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", proc, workdir, log=err)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"matcher serve exited {proc.returncode}: {err.read_text()[-2000:]}")
        try:
            if requests.get(server.url + "/readyz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError(f"matcher serve not ready: {err.read_text()[-2000:]}")
    found = re.search(r"mk_[A-Za-z0-9_-]{40,}", (workdir / f"serve-{port}.out").read_text())
    server.key = found.group(0) if found else None
    return server
