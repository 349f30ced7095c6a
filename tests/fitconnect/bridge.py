"""Real HTTP for an outside program (Node) into the test's own transaction.

pytest-django's `live_server` needs `transactional_db`, which empties every table after the
test and so removes the reference data imported once per session (tests/browser/conftest.py).
Instead, a small threaded HTTP server takes the program's requests and hands them to the test
thread, which runs them through Django's full request handling (test `Client` with CSRF
checks on) on the test's connection and hands the responses back. The program sees a normal
HTTP server; the rows of the test stay inside its rolled-back transaction.
"""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.test import Client

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply: queue.Queue = queue.Queue(maxsize=1)
        self.server.requests.put((self.command, self.path, dict(self.headers.items()), body, reply))
        status, headers, content = reply.get(timeout=60)
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *args):
        pass


def run_program(args: list[str], env: dict, *, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `args` with FC_BASE_ORIGIN in its environment pointing at the bridge; serve its
    requests in this thread until it exits."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests = queue.Queue()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = Client(enforce_csrf_checks=True)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        process = subprocess.Popen(
            args,
            env={**env, "FC_BASE_ORIGIN": origin},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            if time.monotonic() > deadline:
                process.kill()
                raise TimeoutError(f"{args[0]} did not finish within {timeout} s")
            try:
                method, path, headers, body, reply = server.requests.get(timeout=0.05)
            except queue.Empty:
                continue
            extra = {
                "HTTP_" + name.upper().replace("-", "_"): value
                for name, value in headers.items()
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-type"
            }
            response = client.generic(
                method,
                path,
                data=body,
                content_type=headers.get("Content-Type", headers.get("content-type", "")),
                **extra,
            )
            reply.put((response.status_code, list(response.items()), response.content))
        stdout, stderr = process.communicate()
        return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
    finally:
        server.shutdown()
        server.server_close()
