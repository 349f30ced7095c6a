"""Start the Bezahldienst-Simulator as a separate process (tests, `make run`): on free ports,
with the given merchants and authentication; `Simulator.url` (the API) and
`Simulator.pages_url` once both listen."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

SERVER = Path(__file__).with_name("server.py")


class Simulator:
    def __init__(
        self,
        merchants: dict[str, str],
        *,
        auth: str,
        tls_cert: str = "",
        tls_key: str = "",
        client_ca: str = "",
        oauth_clients: dict[str, str] | None = None,
        token_ttl: int = 300,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        args = [sys.executable, str(SERVER), "--host", host, "--port", str(port)]
        args += ["--auth", auth, "--token-ttl", str(token_ttl)]
        for originator, secret in merchants.items():
            args += ["--merchant", f"{originator}={secret}"]
        for client_id, secret in (oauth_clients or {}).items():
            args += ["--oauth-client", f"{client_id}={secret}"]
        for option, value in (
            ("--tls-cert", tls_cert),
            ("--tls-key", tls_key),
            ("--client-ca", client_ca),
        ):
            if value:
                args += [option, value]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)  # noqa: S603 (own script)
        line = self.process.stdout.readline().strip()
        if not line.startswith("PAYSIM READY "):
            self.stop()
            raise RuntimeError(f"paysim did not start: {line!r}")
        self.url, self.pages_url = line.removeprefix("PAYSIM READY ").split()

    def settings(self, **values) -> dict:
        request = urllib.request.Request(  # noqa: S310 (our own http URL)
            f"{self.pages_url}/_sim/settings",
            data=json.dumps(values).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.pages_url}/_sim/stats", timeout=5) as response:  # noqa: S310
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
