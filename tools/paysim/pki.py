"""Test certificates for the Bezahldienst-Simulator's mutual TLS (tests and the demo only):
a test CA, the simulator's server certificate for 127.0.0.1/localhost and client
certificates, generated with `cryptography` when needed — private keys are never committed.

    python -m tools.paysim.pki var/paysim

writes `ca.pem`, `server.pem`, `server-key.pem`, `client.pem` and `client-key.pem` there
(kept if already present and valid for another day).
"""

from __future__ import annotations

import datetime
import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LABEL = "paysim test CA (simulator only, no real money)"


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OpenKommune Test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def authority(common_name: str = LABEL) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Issued(certificate, key)


def issue(
    ca: Issued,
    common_name: str,
    *,
    server: bool = False,
    valid_from: datetime.datetime | None = None,
    valid_days: float = 365,
) -> Issued:
    """A certificate signed by `ca`: for the server (127.0.0.1 and localhost) or a client."""
    key = ec.generate_private_key(ec.SECP256R1())
    start = valid_from or datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


def write(directory: Path) -> Path:
    """The demo's files in `directory` (made afresh unless all are there and valid)."""
    directory.mkdir(parents=True, exist_ok=True)
    names = ["ca.pem", "server.pem", "server-key.pem", "client.pem", "client-key.pem"]
    if all((directory / name).exists() for name in names):
        certificate = x509.load_pem_x509_certificate((directory / "client.pem").read_bytes())
        if certificate.not_valid_after_utc > datetime.datetime.now(
            datetime.UTC
        ) + datetime.timedelta(days=1):
            return directory
    ca = authority()
    server = issue(ca, "Bezahldienst-Simulator", server=True)
    client = issue(ca, "OpenKommune Demo (Client)")
    texts = [
        ca.certificate_pem,
        server.certificate_pem,
        server.key_pem,
        client.certificate_pem,
        client.key_pem,
    ]
    for name, text in zip(names, texts, strict=True):
        (directory / name).write_text(text)
    for name in ("server-key.pem", "client-key.pem"):
        (directory / name).chmod(0o600)
    return directory


if __name__ == "__main__":
    print(write(Path(sys.argv[1] if len(sys.argv) > 1 else "var/paysim")))
