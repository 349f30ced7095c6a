"""Run a command (the demo server of `make run`) with the local SimpleSAMLphp test identity
provider as its BundID: Test-Identitätsanbieter — keine echte BundID.

    python -m tools.bundid_dev --base-url http://127.0.0.1:8000 -- gunicorn ...

Generates the service provider's key pairs under var/bundid/ (never used in production),
starts SimpleSAMLphp on a free port (tools/simplesamlphp.py), gives the command the
OPENKOMMUNE_BUNDID_* environment and stops the identity provider when the command ends.
Without SimpleSAMLphp installed (`make simplesamlphp`) the command runs without BundID."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from tools import simplesamlphp

REPOSITORY = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--directory", type=Path, default=REPOSITORY / "var" / "bundid")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command to run is needed after --")
    if not simplesamlphp.installed():
        print(f"BundID-Test-IdP nicht verfügbar: {simplesamlphp.INSTALL_HINT}", file=sys.stderr)
        return subprocess.call(command)  # noqa: S603 - the Makefile's command
    from openkommune.identity.saml import ensure_development_keys

    directory = args.directory
    keys = ensure_development_keys(directory / "sp-keys")
    server = simplesamlphp.Server(directory / "simplesamlphp", simplesamlphp.free_port())
    sp_metadata = directory / "sp-metadata.xml"
    server.start(sp_metadata)
    try:
        idp_metadata = directory / "idp-metadata.xml"
        idp_metadata.write_bytes(server.metadata())
        env = dict(
            os.environ,
            OPENKOMMUNE_BUNDID_IDP_METADATA_FILE=str(idp_metadata),
            OPENKOMMUNE_BUNDID_BASE_URL=args.base_url.rstrip("/"),
            OPENKOMMUNE_BUNDID_TEST_IDP="true",
            OPENKOMMUNE_BUNDID_ORGANIZATION_DISPLAY_NAME="OpenKommune (Demo)",
            **{f"OPENKOMMUNE_BUNDID_{name}": value for name, value in keys.items()},
        )
        subprocess.run(  # noqa: S603 - our own management command
            [
                sys.executable, "-m", "openkommune.cli", "bundid_sp_metadata",
                "--base-url", args.base_url, "--output", str(sp_metadata),
            ],
            env=env,
            check=True,
        )  # fmt: skip
        print(
            f"Test-Identitätsanbieter — keine echte BundID: {server.base_url} "
            "(Test-Identitäten: hoch, substantiell, normal, untergeordnet; Passwort = Name)",
            flush=True,
        )
        return subprocess.call(command, env=env)  # noqa: S603
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
