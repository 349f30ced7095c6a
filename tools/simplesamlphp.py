"""A local SimpleSAMLphp identity provider as the stand-in for BundID (tests and `make run`).

Test-Identitätsanbieter — keine echte BundID. Debian's `simplesamlphp` and `php-cli` must be
installed (`make simplesamlphp`); this module writes a configuration directory, generates the
identity provider's key pair there at run time (no private key is kept in the repository) and
serves SimpleSAMLphp with PHP's built-in web server:

    python -m tools.simplesamlphp serve --sp-metadata FILE --port 8091 [--directory DIR]

The identity provider sends what BundID sends (see docs/identity.md): the attributes under
their OIDs (`attrname-format:uri`), the level as `AuthnContextClassRef` `STORK-QAA-Level-N`,
each attribute marked with the akdb trust level, the assertion signed and encrypted for the
service provider, and it requires signed AuthnRequests. Test identities, one per level (user
name = password): `untergeordnet` (1), `normal` (2), `substantiell` (3), `hoch` (4).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SSP_ROOT = Path("/usr/share/simplesamlphp")
INSTALL_HINT = "run `make simplesamlphp` (installs Debian's simplesamlphp and php-cli)"

BPK2 = "urn:oid:1.3.6.1.4.1.25484.494450.3"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
EMAIL = "urn:oid:0.9.2342.19200300.100.1.3"
BIRTH_DATE = "urn:oid:1.2.40.0.10.2.1.1.55"
BIRTH_PLACE = "urn:oid:1.3.6.1.5.5.7.9.2"
STREET = "urn:oid:2.5.4.16"
POSTAL_CODE = "urn:oid:2.5.4.17"
LOCALITY = "urn:oid:2.5.4.7"
COUNTRY = "urn:oid:1.2.40.0.10.2.1.1.225599"

# Demo identities (invented people), one per STORK-QAA level; the password is the user name.
IDENTITIES = {
    "untergeordnet": (
        1,
        {
            BPK2: "DEMO-bPK2-untergeordnet-0001",
            EMAIL: "ute.untergeordnet@demo.invalid",
        },
    ),
    "normal": (
        2,
        {
            BPK2: "DEMO-bPK2-normal-0002",
            GIVEN_NAME: "Norbert",
            SURNAME: "Normal",
            EMAIL: "norbert.normal@demo.invalid",
        },
    ),
    "substantiell": (
        3,
        {
            BPK2: "DEMO-bPK2-substantiell-0003",
            GIVEN_NAME: "Susanne",
            SURNAME: "Substantiell",
            EMAIL: "susanne.substantiell@demo.invalid",
            BIRTH_DATE: "1985-03-14",
            STREET: "Marktstraße 3",
            POSTAL_CODE: "53111",
            LOCALITY: "Bonn",
            COUNTRY: "D",
        },
    ),
    "hoch": (
        4,
        {
            BPK2: "DEMO-bPK2-hoch-0004",
            GIVEN_NAME: "Erika",
            SURNAME: "Mustermann",
            EMAIL: "erika.mustermann@demo.invalid",
            BIRTH_DATE: "1964-08-12",
            BIRTH_PLACE: "Berlin",
            STREET: "Heidestraße 17",
            POSTAL_CODE: "51147",
            LOCALITY: "Köln",
            COUNTRY: "D",
        },
    ),
}


class SimpleSamlPhpError(RuntimeError):
    pass


def php_binary() -> str | None:
    return shutil.which("php")


def installed() -> bool:
    return php_binary() is not None and (SSP_ROOT / "www" / "index.php").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _php(value) -> str:
    """A Python value as PHP literal (str, int, bool, list, dict)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(_php(item) for item in value) + "]"
    if isinstance(value, dict):
        return "[" + ", ".join(f"{_php(k)} => {_php(v)}" for k, v in value.items()) + "]"
    raise TypeError(type(value))


def generate_key_pair(key: Path, certificate: Path, common_name: str) -> None:
    """An RSA key and a self-signed certificate (ten years) made with openssl."""
    subprocess.run(  # noqa: S603 - fixed arguments, our own paths
        [
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-sha256",
            "-days", "3650", "-subj", f"/CN={common_name}",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def write_configuration(directory: Path, base_url: str, sp_metadata_xml: Path) -> None:
    """The configuration directory of one test identity provider at `base_url`."""
    directory = Path(directory)
    for sub in ("config", "metadata", "cert", "data", "tmp", "sessions", "log"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    key, certificate = directory / "cert" / "idp.key", directory / "cert" / "idp.crt"
    if not key.exists():
        generate_key_pair(key, certificate, "Test-IdP OpenKommune (keine echte BundID)")
    if not Path(sp_metadata_xml).exists():
        Path(sp_metadata_xml).write_text(
            '<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>\n',
            encoding="utf-8",
        )
    base_url = base_url.rstrip("/") + "/"
    config = {
        "baseurlpath": base_url,
        "certdir": str(directory / "cert") + "/",
        "loggingdir": str(directory / "log") + "/",
        "datadir": str(directory / "data") + "/",
        "tempdir": str(directory / "tmp"),
        "metadatadir": str(directory / "metadata") + "/",
        "technicalcontact_name": "OpenKommune test IdP",
        "technicalcontact_email": "test-idp@demo.invalid",
        "secretsalt": secrets.token_hex(16),
        "auth.adminpassword": secrets.token_hex(16),
        "admin.protectindexpage": True,
        "admin.protectmetadata": False,
        "admin.checkforupdates": False,
        "enable.saml20-idp": True,
        "enable.shib13-idp": False,
        "logging.handler": "file",
        "logging.logfile": "simplesamlphp.log",
        "showerrors": True,
        "language.default": "de",
        "store.type": "phpsession",
        "session.phpsession.savepath": str(directory / "sessions"),
        "session.cookie.secure": False,
        "session.cookie.samesite": None,
        "module.enable": {"exampleauth": True, "core": True, "saml": True, "admin": True},
        "metadata.sources": [
            {"type": "flatfile"},
            {"type": "xml", "file": str(sp_metadata_xml)},
        ],
        "metadata.sign.enable": True,
        "metadata.sign.privatekey": str(key),
        "metadata.sign.certificate": str(certificate),
        "metadata.sign.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    }
    config_php = "<?php\n// Test-Identitätsanbieter — keine echte BundID (generated).\n$config = "
    (directory / "config" / "config.php").write_text(
        config_php + _php(config) + ";\n", encoding="utf-8"
    )
    users = {}
    for name, (level, attributes) in IDENTITIES.items():
        values = {oid: [value] for oid, value in attributes.items()}
        values["stork-level"] = [f"STORK-QAA-Level-{level}"]
        users[f"{name}:{name}"] = values
    (directory / "config" / "authsources.php").write_text(
        "<?php\n$config = "
        + _php(
            {"admin": ["core:AdminPassword"], "bundid-test": {0: "exampleauth:UserPass", **users}}
        )
        + ";\n",
        encoding="utf-8",
    )
    # The level of the identity becomes the AuthnContextClassRef, as BundID sends it.
    level_filter = (
        "$state['saml:AuthnContextClassRef'] = $attributes['stork-level'][0];"
        " unset($attributes['stork-level']);"
    )
    idp = {
        "host": "__DEFAULT__",
        "privatekey": str(key),
        "certificate": str(certificate),
        "auth": "bundid-test",
        "attributes.NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
        "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
        "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "assertion.encryption": True,
        "validate.authnrequest": True,
        "validate.logout": True,
        "sign.logout": True,
        "saml20.sign.response": True,
        "saml20.sign.assertion": True,
        "authproc": {"50": {"class": "core:PHP", "code": level_filter}},
    }
    (directory / "metadata" / "saml20-idp-hosted.php").write_text(
        "<?php\n$metadata['__DYNAMIC:1__'] = " + _php(idp) + ";\n",
        encoding="utf-8",
    )


def metadata_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/saml2/idp/metadata.php"


class Server:
    """SimpleSAMLphp under `php -S` on 127.0.0.1:`port`, configured in `directory`."""

    def __init__(self, directory: Path, port: int):
        self.directory = Path(directory)
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/"
        self.process: subprocess.Popen | None = None

    def start(self, sp_metadata_xml: Path, timeout: float = 20.0) -> None:
        if not installed():
            raise SimpleSamlPhpError(f"SimpleSAMLphp is not installed: {INSTALL_HINT}")
        write_configuration(self.directory, self.base_url, sp_metadata_xml)
        env = dict(os.environ, SIMPLESAMLPHP_CONFIG_DIR=str(self.directory / "config"))
        log = open(self.directory / "log" / "php-server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - Debian's php, our configuration
            [php_binary(), "-S", f"127.0.0.1:{self.port}", "-t", str(SSP_ROOT / "www")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SimpleSamlPhpError("php -S ended at start, see log/php-server.log")
            try:
                # Our own http:// address on 127.0.0.1.
                with urllib.request.urlopen(metadata_url(self.base_url), timeout=2) as answer:  # noqa: S310
                    if answer.status == 200 and b"EntityDescriptor" in answer.read(4096):
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SimpleSamlPhpError("SimpleSAMLphp did not answer in time")

    def metadata(self) -> bytes:
        with urllib.request.urlopen(metadata_url(self.base_url), timeout=5) as answer:  # noqa: S310
            return answer.read()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve until Ctrl+C")
    serve.add_argument("--sp-metadata", required=True, type=Path)
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--directory", type=Path, default=REPOSITORY / "var" / "simplesamlphp")
    serve.add_argument("--idp-metadata-out", type=Path)
    args = parser.parse_args(argv)
    server = Server(args.directory, args.port or free_port())
    server.start(args.sp_metadata.resolve())
    if args.idp_metadata_out:
        args.idp_metadata_out.write_bytes(server.metadata())
    print(f"Test-Identitätsanbieter — keine echte BundID: {server.base_url}", flush=True)
    try:
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
