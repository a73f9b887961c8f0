"""Shared plumbing of the sandboxes: serve a FastAPI app until SIGTERM and announce the base URL.

The one line printed on stdout when the server is ready (``<name> sandbox ready at http://host:port``)
is a stable interface: :mod:`sandbox.launcher`, the tests, the demo and the benchmarks wait for it.
``--port 0`` picks a free port, and the line tells which.
"""

from __future__ import annotations

import ipaddress
import sys
import threading
import time

import uvicorn
from fastapi import HTTPException, Request

READY_MARKER = "sandbox ready at"


def require_loopback(request: Request) -> None:
    """FastAPI dependency for the admin API: only callers on this machine may use it."""
    host = request.client.host if request.client else ""
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise HTTPException(status_code=403, detail="the sandbox admin API answers loopback callers only")


def serve(app: object, name: str, host: str, port: int) -> None:
    """Run ``app`` with uvicorn until SIGTERM/SIGINT; print the ready line once sockets are bound."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, timeout_keep_alive=30, backlog=2048
    )
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.02)
        bound = server.servers[0].sockets[0].getsockname()
        print(f"{name} {READY_MARKER} http://{host}:{bound[1]}", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    sys.stdout.flush()
