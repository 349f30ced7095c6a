"""RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30 seconds), written here from the RFC so the tests
compute codes independently of the library the platform uses (django-otp)."""

import base64
import hashlib
import hmac
import struct
import time


def secret_bytes(secret_b32: str) -> bytes:
    text = "".join(secret_b32.split()).upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def time_step(at: float | None = None, *, step: int = 30) -> int:
    return int((time.time() if at is None else at) // step)


def totp_at_step(secret_b32: str, counter: int, *, digits: int = 6) -> str:
    """RFC 4226 HOTP of `counter` (RFC 6238: the counter is the time step)."""
    digest = hmac.new(secret_bytes(secret_b32), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def totp_now(secret_b32: str) -> str:
    return totp_at_step(secret_b32, time_step())
