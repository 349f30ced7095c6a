"""The reverse proxy of `openkommune serve --layout split` (ADR 0016): nginx from Debian
(`make nginx`), configured from `nginx.conf.template` beside this module.

`render_config` fills the template with the addresses of the front and of the two gunicorn
pools and writes it, with nginx's temporary folders, into serve's run directory; `command`
is how serve starts it (in the foreground, logging to stderr).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
DEFAULT_NGINX = "/usr/sbin/nginx"
# nginx's worker user when the supervisor runs as root (Debian's nginx-common creates it).
ROOT_WORKER_USER = "www-data"


class ProxyUnavailable(RuntimeError):
    pass


def nginx_binary(configured: str | None = None) -> str:
    candidate = configured or shutil.which("nginx") or DEFAULT_NGINX
    if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
        raise ProxyUnavailable(
            f"nginx fehlt ({candidate}): `make nginx` installiert es (Debian nginx-light); "
            "ohne Proxy: OPENKOMMUNE_SERVE_LAYOUT=single / nginx is missing: run `make nginx`, "
            "or serve a single pool with OPENKOMMUNE_SERVE_LAYOUT=single."
        )
    return candidate


def trusted_networks(values: list[str]) -> list[str]:
    """The outer load balancers' addresses or networks, checked (a typo must not trust all)."""
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError as error:
            raise ValueError(f"OPENKOMMUNE_PROXY_TRUSTED: {value!r} is no address") from error
    return networks


def render_config(
    run_dir: Path,
    *,
    listen: list[str],
    reader: str,
    writer: str,
    trusted: list[str] = (),
    worker_processes: int = 1,
    max_body_size: str = "100m",
    read_timeout: int = 70,
) -> Path:
    """Write nginx.conf for these addresses into `run_dir`; returns its path."""
    run_dir.mkdir(parents=True, exist_ok=True)
    # nginx's workers (not root) must reach their temporary folders below it.
    run_dir.chmod(0o755)
    networks = trusted_networks(list(trusted))
    real_ip = ""
    if networks:
        real_ip = "".join(f"    set_real_ip_from {n};\n" for n in networks)
        real_ip += "    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n"
    values = {
        "RUN_DIR": str(run_dir),
        "WORKER_PROCESSES": str(worker_processes),
        "USER": f"user {ROOT_WORKER_USER};" if os.geteuid() == 0 else "",
        "MAX_BODY_SIZE": max_body_size,
        "READ_TIMEOUT": f"{read_timeout}s",
        "READER": reader,
        "WRITER": writer,
        "LISTEN": "".join(f"        listen {address};\n" for address in listen).rstrip("\n"),
        "REAL_IP": real_ip.rstrip("\n"),
        "TRUSTED_GEO": "".join(f"        {n} 1;\n" for n in networks).rstrip("\n"),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text:
        raise ValueError("nginx.conf.template has a placeholder serve does not fill")
    path = run_dir / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


def command(binary: str, config: Path) -> list[str]:
    return [binary, "-e", "stderr", "-p", str(config.parent), "-c", str(config)]
