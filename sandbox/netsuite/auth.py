"""Authentication, verified for real: TBA (OAuth 1.0a, HMAC-SHA256) and OAuth 2.0 M2M bearer tokens.

TBA is checked with oauthlib's server-side signature functions against the request as received (method,
URL, query parameters, form body), with NetSuite's extra rules: HMAC-SHA256 only (SHA1 is refused since
2023.1), realm = the account id upper case with ``_``, a nonce may be used once, and the timestamp must be
within 5 minutes. M2M: the token endpoint verifies a PS256/ES256 client-assertion JWT (PyJWT) against the
configured public key and hands out opaque bearer tokens that live ``token_ttl_seconds`` (60 min default).

Every failure is NetSuite's uninformative 401 INVALID_LOGIN_ATTEMPT; the real cause goes to the
sandbox-only ``X-Sandbox-Reason`` header and to the stats, for debugging.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import parse_qsl

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import Request
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature

from sandbox.netsuite.errors import unauthorized
from sandbox.netsuite.settings import RuntimeConfig, Settings
from sandbox.netsuite.stats import Stats

MAX_SKEW_SECONDS = 300
MAX_ASSERTION_LIFETIME = 3600
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RSA_ALGORITHMS = ("PS256", "PS384", "PS512")
EC_ALGORITHMS = ("ES256", "ES384", "ES512")
SCOPES = frozenset({"rest_webservices", "restlets", "suite_analytics"})
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"


class TokenError(Exception):
    """A rejected token request: OAuth ``error`` code, HTTP status and the (sandbox-only) reason."""

    def __init__(self, error: str, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
        self.status = status


@dataclass
class M2MKeys:
    """The certificate's public key, and the private key when the sandbox generated the pair itself."""

    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey
    private_key_pem: str | None
    algorithms: tuple[str, ...]

    @property
    def default_algorithm(self) -> str:
        return self.algorithms[0]


def load_or_generate_keys(path: str | None, key_type: str = "rsa") -> M2MKeys:
    """Read a PEM public key or X.509 certificate from ``path``, or generate a fresh pair (RSA or EC)."""
    if path:
        data = Path(path).read_bytes()
        if b"BEGIN CERTIFICATE" in data:
            public = x509.load_pem_x509_certificate(data).public_key()
        else:
            public = serialization.load_pem_public_key(data)
        if isinstance(public, rsa.RSAPublicKey):
            return M2MKeys(public, None, RSA_ALGORITHMS)
        if isinstance(public, ec.EllipticCurvePublicKey):
            return M2MKeys(public, None, EC_ALGORITHMS)
        raise ValueError("the M2M certificate must hold an RSA or EC public key")
    if key_type == "ec":
        private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = ec.generate_private_key(ec.SECP256R1())
        algorithms = EC_ALGORITHMS
    elif key_type == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        algorithms = RSA_ALGORITHMS
    else:
        raise ValueError("key type must be 'rsa' or 'ec'")
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return M2MKeys(private.public_key(), pem, algorithms)


class Authenticator:
    """Checks every NetSuite request (TBA header or bearer token) and runs the M2M token endpoint."""

    def __init__(self, settings: Settings, runtime: RuntimeConfig, stats: Stats, keys: M2MKeys) -> None:
        self.settings = settings
        self.runtime = runtime
        self.stats = stats
        self.keys = keys
        self._lock = threading.Lock()
        self._nonces: set[tuple[str, str, str]] = set()
        self._nonce_order: deque[tuple[float, tuple[str, str, str]]] = deque()
        self._tokens: dict[str, float] = {}

    # ---- FastAPI dependency --------------------------------------------------------------------------------
    async def __call__(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme = header.split(" ", 1)[0].lower()
        if scheme == "oauth":
            body = ""
            if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                body = (await request.body()).decode("utf-8", "replace")
            self.verify_tba(request.method, str(request.url), header, body)
        elif scheme == "bearer":
            self.verify_bearer(header.split(" ", 1)[1].strip() if " " in header else "")
        else:
            self._fail("no OAuth or Bearer Authorization header", "OAuth")

    def _fail(self, reason: str, scheme: str = "OAuth") -> NoReturn:
        self.stats.auth_failure(reason)
        raise unauthorized(reason, self.settings.realm, scheme)

    # ---- TBA -----------------------------------------------------------------------------------------------
    def verify_tba(
        self, method: str, url: str, header: str, body: str = "", now: float | None = None
    ) -> None:
        """Raise the 401 unless ``header`` is a valid NetSuite TBA signature of this request."""
        try:
            oauth = dict(
                signature.collect_parameters(
                    headers={"Authorization": header}, exclude_oauth_signature=False, with_realm=True
                )
            )
        except (ValueError, TypeError) as exc:
            self._fail(f"malformed OAuth header ({exc})")
        method_name = oauth.get("oauth_signature_method", "")
        if method_name != "HMAC-SHA256":
            self._fail(f"signature method {method_name or '(none)'} is not accepted; use HMAC-SHA256")
        if oauth.get("realm") != self.settings.realm:
            self._fail(f"realm {oauth.get('realm')!r} is not the account id {self.settings.realm!r}")
        if oauth.get("oauth_version", "1.0") != "1.0":
            self._fail("oauth_version must be 1.0")
        for name in (
            "oauth_consumer_key",
            "oauth_token",
            "oauth_nonce",
            "oauth_timestamp",
            "oauth_signature",
        ):
            if not oauth.get(name):
                self._fail(f"{name} is missing")
        if not secrets.compare_digest(oauth["oauth_consumer_key"], self.settings.consumer_key):
            self._fail("unknown consumer key")
        if not secrets.compare_digest(oauth["oauth_token"], self.settings.token_id):
            self._fail("unknown token id")
        now = time.time() if now is None else now
        try:
            stamp = int(oauth["oauth_timestamp"])
        except ValueError:
            self._fail("oauth_timestamp is not an integer")
        if abs(now - stamp) > MAX_SKEW_SECONDS:
            self._fail(f"timestamp is {int(now - stamp)} s off the server clock (more than 5 minutes)")
        query = url.split("?", 1)[1] if "?" in url else ""
        params = signature.collect_parameters(
            uri_query=query,
            body=parse_qsl(body, keep_blank_values=True),
            headers={"Authorization": header},
            exclude_oauth_signature=True,
            with_realm=False,
        )
        oauth_request = OAuthRequest(url, http_method=method)
        oauth_request.params = params
        oauth_request.signature = oauth["oauth_signature"]
        if not signature.verify_hmac_sha256(
            oauth_request, self.settings.consumer_secret, self.settings.token_secret
        ):
            self._fail("signature mismatch (wrong secret, URL, method or query parameters)")
        self._use_nonce((oauth["oauth_consumer_key"], oauth["oauth_token"], oauth["oauth_nonce"]), now)

    def _use_nonce(self, key: tuple[str, str, str], now: float) -> None:
        with self._lock:
            while self._nonce_order and self._nonce_order[0][0] < now - 2 * MAX_SKEW_SECONDS:
                self._nonces.discard(self._nonce_order.popleft()[1])
            if key in self._nonces:
                reused = True
            else:
                reused = False
                self._nonces.add(key)
                self._nonce_order.append((now, key))
        if reused:
            self._fail("nonce already used (sign every request, and every retry, afresh)")

    # ---- M2M -----------------------------------------------------------------------------------------------
    def verify_bearer(self, token: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            self._fail("unknown bearer token", "Bearer")
        if expiry <= now:
            self._fail("bearer token expired: request a new one (there is no refresh token)", "Bearer")

    def issue_token(self, form: dict[str, str], token_url: str, now: float | None = None) -> dict[str, str]:
        """The client-credentials grant with a JWT client assertion; raises :class:`TokenError`."""
        now = time.time() if now is None else now
        if form.get("grant_type") != "client_credentials":
            raise TokenError("unsupported_grant_type", f"grant_type {form.get('grant_type')!r}")
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise TokenError("invalid_request", "client_assertion_type must be " + CLIENT_ASSERTION_TYPE)
        assertion = form.get("client_assertion", "")
        claims = self._verify_assertion(assertion, token_url, now)
        scope = claims.get("scope")
        scopes = set(scope if isinstance(scope, list) else str(scope or "").replace(" ", ",").split(","))
        scopes.discard("")
        if not scopes or not scopes <= SCOPES or "rest_webservices" not in scopes:
            raise TokenError("invalid_scope", f"scope {scope!r}: expected rest_webservices")
        token = secrets.token_urlsafe(32)
        ttl = self.runtime.token_ttl_seconds
        with self._lock:
            self._tokens = {t: e for t, e in self._tokens.items() if e > now}
            self._tokens[token] = now + ttl
        self.stats.tokens_issued += 1
        # NetSuite sends expires_in as a string
        return {"access_token": token, "expires_in": str(ttl), "token_type": "bearer"}

    def _verify_assertion(self, assertion: str, token_url: str, now: float) -> dict[str, object]:
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise TokenError("invalid_request", f"client_assertion is not a JWT ({exc})") from exc
        alg = header.get("alg")
        if alg not in self.keys.algorithms:
            raise TokenError(
                "invalid_grant",
                f"alg {alg!r} not accepted; expected one of "
                f"{', '.join(self.keys.algorithms)} (RS256 is no longer accepted)",
            )
        if header.get("typ", "JWT").upper() != "JWT":
            raise TokenError("invalid_grant", "typ must be JWT")
        if header.get("kid") != self.settings.certificate_id:
            raise TokenError("invalid_grant", "kid is not the certificate id")
        try:
            claims = jwt.decode(
                assertion,
                self.keys.public_key,
                algorithms=[alg],
                audience=token_url,
                issuer=self.settings.client_id,
                leeway=5,
                options={"require": ["iss", "aud", "iat", "exp"]},
            )
        except jwt.InvalidAudienceError as exc:
            raise TokenError("invalid_grant", f"aud must be the token URL {token_url}") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenError("invalid_grant", "iss is not the client id") from exc
        except jwt.PyJWTError as exc:
            raise TokenError("invalid_grant", f"client assertion rejected: {exc}") from exc
        iat, exp = claims["iat"], claims["exp"]
        if not isinstance(iat, int | float) or not isinstance(exp, int | float):
            raise TokenError("invalid_grant", "iat and exp must be numbers")
        if exp - iat > MAX_ASSERTION_LIFETIME:
            raise TokenError("invalid_grant", "exp must be at most iat + 3600")
        if iat > now + MAX_SKEW_SECONDS:
            raise TokenError("invalid_grant", "iat is in the future")
        return claims
