"""Crafting bad SAML responses from a real one of the test IdP: decrypt the assertion with the
service provider's key, change it, sign it again with the test IdP's key (xmlsec1), encrypt
it again for the service provider (RSA-OAEP + AES-CBC, as SimpleSAMLphp does) and sign the
response again, so that each test fails for the one reason it is about."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asymmetric_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ENCRYPTED = re.compile(r"<saml:EncryptedAssertion>.*?</saml:EncryptedAssertion>", re.S)
CIPHER_VALUE = re.compile(r"<xenc:CipherValue>\s*(.*?)\s*</xenc:CipherValue>", re.S)
SIGNATURE = re.compile(r"<ds:Signature\b.*?</ds:Signature>", re.S)
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"


def decode(saml_response: str) -> str:
    return base64.b64decode(saml_response).decode("utf-8")


def encode(xml: str) -> str:
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


def decrypt_assertion(response_xml: str, sp_key: Path) -> str:
    """The plaintext assertion inside the response's EncryptedAssertion."""
    block = ENCRYPTED.search(response_xml).group(0)
    key_value, data_value = CIPHER_VALUE.findall(block)
    private_key = serialization.load_pem_private_key(Path(sp_key).read_bytes(), password=None)
    session_key = private_key.decrypt(
        base64.b64decode(key_value),
        asymmetric_padding.OAEP(
            mgf=asymmetric_padding.MGF1(hashes.SHA1()),  # noqa: S303 - rsa-oaep-mgf1p
            algorithm=hashes.SHA1(),  # noqa: S303
            label=None,
        ),
    )
    data = base64.b64decode(data_value)
    iv, cipher_text = data[:16], data[16:]
    decryptor = Cipher(algorithms.AES(session_key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(cipher_text) + decryptor.finalize()
    return plain[: -plain[-1]].decode("utf-8")


def encrypt_assertion(assertion_xml: str, sp_certificate: Path) -> str:
    """An EncryptedAssertion element (aes256-cbc, key by rsa-oaep-mgf1p) for the SP."""
    certificate = x509.load_pem_x509_certificate(Path(sp_certificate).read_bytes())
    session_key = os.urandom(32)
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(assertion_xml.encode("utf-8")) + padder.finalize()
    encryptor = Cipher(algorithms.AES(session_key), modes.CBC(iv)).encryptor()
    cipher_text = iv + encryptor.update(padded) + encryptor.finalize()
    encrypted_key = certificate.public_key().encrypt(
        session_key,
        asymmetric_padding.OAEP(
            mgf=asymmetric_padding.MGF1(hashes.SHA1()),  # noqa: S303
            algorithm=hashes.SHA1(),  # noqa: S303
            label=None,
        ),
    )
    return (
        "<saml:EncryptedAssertion>"
        '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" '
        'xmlns:dsig="http://www.w3.org/2000/09/xmldsig#" '
        'Type="http://www.w3.org/2001/04/xmlenc#Element">'
        '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>'
        "<dsig:KeyInfo><xenc:EncryptedKey>"
        '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>'
        "<xenc:CipherData><xenc:CipherValue>"
        + base64.b64encode(encrypted_key).decode()
        + "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></dsig:KeyInfo>"
        "<xenc:CipherData><xenc:CipherValue>"
        + base64.b64encode(cipher_text).decode()
        + "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>"
        "</saml:EncryptedAssertion>"
    )


def sign(xml: str, key: Path, certificate: Path, *, element: str) -> str:
    """Sign again the first ds:Signature (template) in `xml` with xmlsec1; `element` is
    'assertion' or 'response', the element whose ID attribute the reference names."""
    namespace, name = {
        "assertion": (ASSERTION_NS, "Assertion"),
        "response": (PROTOCOL_NS, "Response"),
    }[element]
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "in.xml"
        target = Path(directory) / "out.xml"
        source.write_text(xml, encoding="utf-8")
        subprocess.run(
            [
                "/usr/bin/xmlsec1", "--sign", "--privkey-pem", f"{key},{certificate}",
                "--id-attr:ID", f"{namespace}:{name}", "--output", str(target), str(source),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        signed = target.read_text(encoding="utf-8")
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", signed)


def replace_assertion(response_xml: str, new_block: str) -> str:
    return ENCRYPTED.sub(lambda _match: new_block, response_xml, count=1)


class Crafter:
    """Bound to one test IdP and the SP's keys."""

    def __init__(self, idp_key: Path, idp_certificate: Path, sp_keys: dict):
        self.idp_key = idp_key
        self.idp_certificate = idp_certificate
        self.sp_key = Path(sp_keys["ENCRYPTION_KEY_FILE"])
        self.sp_certificate = Path(sp_keys["ENCRYPTION_CERT_FILE"])

    def assertion(self, saml_response: str) -> str:
        return decrypt_assertion(decode(saml_response), self.sp_key)

    def rebuild(
        self,
        saml_response: str,
        change=lambda assertion: assertion,
        *,
        resign_assertion: bool = True,
        encrypt: bool = True,
        change_response=lambda response: response,
        key: Path | None = None,
        certificate: Path | None = None,
    ) -> str:
        """The response with its assertion changed by `change`, signed again (unless not
        wanted), encrypted again (unless not wanted), and the response signed again."""
        key = key or self.idp_key
        certificate = certificate or self.idp_certificate
        response_xml = decode(saml_response)
        assertion = change(decrypt_assertion(response_xml, self.sp_key))
        if resign_assertion and SIGNATURE.search(assertion):
            assertion = sign(assertion, key, certificate, element="assertion")
        block = encrypt_assertion(assertion, self.sp_certificate) if encrypt else assertion
        response_xml = change_response(replace_assertion(response_xml, block))
        return encode(sign(response_xml, key, certificate, element="response"))
