"""Start the Bezahldienst-Simulator as a separate process (tests, `make run`): on a free
port, with the given merchants; `Simulator.url` once it listens."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

SERVER = Path(__file__).with_name("server.py")


class Simulator:
    def __init__(self, merchants: dict[str, str], host: str = "127.0.0.1", port: int = 0):
        args = [sys.executable, str(SERVER), "--host", host, "--port", str(port)]
        for originator, secret in merchants.items():
            args += ["--merchant", f"{originator}={secret}"]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)  # noqa: S603 (own script)
        line = self.process.stdout.readline().strip()
        if not line.startswith("PAYSIM READY "):
            self.stop()
            raise RuntimeError(f"paysim did not start: {line!r}")
        self.url = line.removeprefix("PAYSIM READY ")

    def settings(self, **values) -> dict:
        request = urllib.request.Request(  # noqa: S310 (our own http URL)
            f"{self.url}/_sim/settings",
            data=json.dumps(values).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
