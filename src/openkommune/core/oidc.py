"""A small OpenID Connect client (authorization code flow with PKCE) on joserfc (ADR 0021):
discovery, the authorization request (state, nonce, S256 code challenge kept in the session),
the code exchange (client_secret_basic) and the ID token checks: signature against the
provider's JWKS (RS256/ES256 only, never `none` or HMAC), issuer, audience (and `azp`),
expiry, issue time and nonce. Every failure raises `OIDCError` with a reason code.

Shared infrastructure: the company accounts (`companies`) and the staff login of member
organisations (`staffsso`) each build a `Provider` with their own session key."""

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

# The company accounts' session key (the default); other logins name their own.
SESSION_KEY = "openkommune.company_oidc"
ALLOWED_ALGORITHMS = ("RS256", "ES256")
LEEWAY_SECONDS = 60
REQUEST_MAX_AGE_SECONDS = 600
HTTP_TIMEOUT_SECONDS = 10
_CACHE_SECONDS = 3600


class OIDCError(Exception):
    """The login failed; `reason` is a short code for the audit record and the tests."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid profile email company"
    # Where the pending login (state, nonce, verifier) waits in the session.
    session_key: str = SESSION_KEY


_metadata: dict[str, tuple[float, dict]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def _get_json(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read())
    except (urllib.error.URLError, ValueError, TimeoutError) as error:
        raise OIDCError("provider_unreachable") from error


def metadata(provider: Provider) -> dict:
    cached = _metadata.get(provider.issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    data = _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
    if data.get("issuer") != provider.issuer:
        raise OIDCError("discovery_issuer_mismatch")
    _metadata[provider.issuer] = (time.monotonic() + _CACHE_SECONDS, data)
    return data


def _key_set(provider: Provider, *, refresh: bool = False) -> KeySet:
    cached = _keys.get(provider.issuer)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1]
    keys = KeySet.import_key_set(_get_json(metadata(provider)["jwks_uri"]))
    _keys[provider.issuer] = (time.monotonic() + _CACHE_SECONDS, keys)
    return keys


def forget_cached(issuer: str | None = None) -> None:
    for cache in (_metadata, _keys):
        if issuer is None:
            cache.clear()
        else:
            cache.pop(issuer, None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def authorization_url(session, provider: Provider, *, redirect_uri: str, next_url: str) -> str:
    """Start a login: fresh state, nonce and PKCE verifier in the session; the URL to send
    the browser to."""
    state, nonce, verifier = (secrets.token_urlsafe(32) for _i in range(3))
    session[provider.session_key] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "issuer": provider.issuer,
        "redirect_uri": redirect_uri,
        "next": next_url,
        "started": int(time.time()),
    }
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64(hashlib.sha256(verifier.encode("ascii")).digest()),
        "code_challenge_method": "S256",
    }
    return metadata(provider)["authorization_endpoint"] + "?" + urllib.parse.urlencode(params)


def _pending(session, provider: Provider, state: str) -> dict:
    pending = session.pop(provider.session_key, None)
    if not isinstance(pending, dict) or pending.get("issuer") != provider.issuer:
        raise OIDCError("no_pending_login")
    if not state or not secrets.compare_digest(str(pending["state"]), state):
        raise OIDCError("state_mismatch")
    if time.time() - pending["started"] > REQUEST_MAX_AGE_SECONDS:
        raise OIDCError("login_expired")
    return pending


def _exchange(provider: Provider, pending: dict, code: str) -> dict:
    body = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending["redirect_uri"],
            "code_verifier": pending["verifier"],
        }
    ).encode("ascii")
    credentials = ":".join(
        urllib.parse.quote(part, safe="") for part in (provider.client_id, provider.client_secret)
    )
    request = urllib.request.Request(  # noqa: S310 - the configured provider's https endpoint
        metadata(provider)["token_endpoint"],
        data=body,
        headers={
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise OIDCError("token_request_refused") from error
    except (urllib.error.URLError, ValueError, TimeoutError) as error:
        raise OIDCError("provider_unreachable") from error


def validate_id_token(provider: Provider, id_token: str, *, nonce: str, now=None) -> dict:
    """The ID token's claims after every check of OpenID Connect Core 3.1.3.7."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        raise OIDCError("id_token_missing")
    try:
        header = json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "=="))
    except ValueError as error:
        raise OIDCError("id_token_malformed") from error
    if header.get("alg") not in ALLOWED_ALGORITHMS:
        raise OIDCError("id_token_algorithm")
    try:
        try:
            token = jwt.decode(id_token, _key_set(provider), algorithms=ALLOWED_ALGORITHMS)
        except (JoseError, ValueError):
            # The provider may have rotated its keys: fetch them once more.
            token = jwt.decode(
                id_token, _key_set(provider, refresh=True), algorithms=ALLOWED_ALGORITHMS
            )
    except (JoseError, ValueError) as error:
        raise OIDCError("id_token_signature") from error
    claims = token.claims
    now = time.time() if now is None else now
    if claims.get("iss") != provider.issuer:
        raise OIDCError("id_token_issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if provider.client_id not in audiences:
        raise OIDCError("id_token_audience")
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise OIDCError("id_token_audience")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or exp + LEEWAY_SECONDS < now:
        raise OIDCError("id_token_expired")
    if not isinstance(iat, int | float) or iat - LEEWAY_SECONDS > now:
        raise OIDCError("id_token_issued_in_future")
    if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise OIDCError("id_token_nonce")
    if not claims.get("sub"):
        raise OIDCError("id_token_subject")
    return claims


def complete(session, provider: Provider, *, params) -> dict:
    """The browser came back: check state, exchange the code, validate the ID token."""
    pending = _pending(session, provider, params.get("state", ""))
    if params.get("error"):
        raise OIDCError("provider_error")
    if params.get("iss") and params["iss"] != provider.issuer:
        raise OIDCError("response_issuer")
    code = params.get("code")
    if not code:
        raise OIDCError("code_missing")
    tokens = _exchange(provider, pending, code)
    claims = validate_id_token(provider, tokens.get("id_token"), nonce=pending["nonce"])
    return claims | {"_next": pending["next"]}
