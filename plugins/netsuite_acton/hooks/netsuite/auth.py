"""Connection settings and request signing for NetSuite: TBA (OAuth 1.0a) and OAuth 2.0 M2M.

TBA is signed by requests-oauthlib on every request it prepares, so every retry gets a fresh nonce and
timestamp (NetSuite rejects a reused nonce). M2M exchanges a PS256 (or ES256) client-assertion JWT for a
60-minute bearer token, reused by all threads until shortly before it expires: there is no refresh token.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from requests_oauthlib import OAuth1

from netsuite_acton.hooks.connection_fields import tls_verify
from netsuite_acton.hooks.netsuite.errors import NetSuiteConfigError, error_from_response

TOKEN_ENDPOINT = "/services/rest/auth/oauth2/v1/token"  # noqa: S105 (a path, not a secret)
M2M_SCOPE = "rest_webservices"
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_]+$")
_REQUIRED = {
    "tba": ("consumer_key", "consumer_secret", "token_id", "token_secret"),
    "m2m": ("client_id", "certificate_id", "private_key"),
}
_SECRET_FIELDS = ("consumer_secret", "token_id", "token_secret", "private_key")
#: Client-assertion algorithms NetSuite accepts (RS256 no longer is).
M2M_ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


def default_base_url(account_id: str) -> str:
    """``https://<account id, lower, _ as ->.suitetalk.api.netsuite.com``; Oracle prefers explicit URLs."""
    return f"https://{account_id.lower().replace('_', '-')}.suitetalk.api.netsuite.com"


def _as_int(extra: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = extra.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NetSuiteConfigError(f"connection extra '{name}' must be an integer") from None
    if not low <= number <= high:
        raise NetSuiteConfigError(f"connection extra '{name}' must be between {low} and {high}")
    return number


@dataclass(frozen=True)
class NetSuiteSettings:
    """What the hook needs from the Airflow connection, validated once. Secrets are kept out of ``repr``."""

    account_id: str
    base_url: str
    auth_method: str
    timezone: ZoneInfo
    max_concurrency: int = 4
    timeout: float = 120.0
    verify: bool | str = True
    credentials: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def realm(self) -> str:
        """The OAuth 1.0a realm: the account id in upper case, underscore kept."""
        return self.account_id.upper()

    @property
    def token_url(self) -> str:
        return f"{self.base_url}{TOKEN_ENDPOINT}"

    def secret_values(self) -> list[str]:
        """Values to mask wherever text from the server is shown."""
        return [self.credentials[name] for name in _SECRET_FIELDS if self.credentials.get(name)]

    @classmethod
    def from_connection(cls, host: str | None, extra: Mapping[str, Any]) -> NetSuiteSettings:
        """Validate the connection (host + extra); errors name the missing or bad fields, never values."""
        account_id = str(extra.get("account_id") or "").strip()
        if not _ACCOUNT_ID.match(account_id):
            raise NetSuiteConfigError("connection extra 'account_id' is missing or not a NetSuite account id")
        method = str(extra.get("auth_method") or "tba").strip().lower()
        if method not in _REQUIRED:
            raise NetSuiteConfigError("connection extra 'auth_method' must be 'tba' or 'm2m'")
        missing = [name for name in _REQUIRED[method] if not str(extra.get(name) or "").strip()]
        if missing:
            raise NetSuiteConfigError(f"NetSuite {method.upper()} connection lacks: {', '.join(missing)}")
        tz_name = str(extra.get("timezone") or "America/Los_Angeles").strip()
        try:
            timezone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise NetSuiteConfigError(
                f"connection extra 'timezone' is not an IANA time zone: {tz_name}"
            ) from None
        credentials = {name: str(extra[name]).strip() for name in _REQUIRED[method]}
        algorithm = str(extra.get("algorithm") or "").strip().upper()
        if method == "m2m" and algorithm:
            if algorithm not in M2M_ALGORITHMS:
                raise NetSuiteConfigError(
                    f"connection extra 'algorithm' must be one of {', '.join(M2M_ALGORITHMS)}"
                )
            credentials["algorithm"] = algorithm
        base = (host or "").strip().rstrip("/")
        if base and "://" not in base:
            base = f"https://{base}"
        return cls(
            account_id=account_id,
            base_url=base or default_base_url(account_id),
            auth_method=method,
            timezone=timezone,
            max_concurrency=_as_int(extra, "max_concurrency", 4, 1, 100),
            timeout=float(_as_int(extra, "timeout", 120, 1, 900)),
            verify=tls_verify(extra.get("verify")),
            credentials=credentials,
        )


def load_private_key(pem: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """Parse the PEM key once (literal ``\\n`` from one-line forms accepted); errors never show the key."""
    if "\\n" in pem and "\n" not in pem:
        pem = pem.replace("\\n", "\n")
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise NetSuiteConfigError(
            "connection extra 'private_key' is not an unencrypted PEM private key"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise NetSuiteConfigError("connection extra 'private_key' must be an RSA (PS256) or EC (ES256) key")
    return key


def _algorithm_for(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, wanted: str | None) -> str:
    """PS256 for RSA keys, ES256 for EC keys, unless the connection names a compatible algorithm."""
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    if not wanted:
        return "PS256" if is_rsa else "ES256"
    if wanted.startswith("PS") != is_rsa:
        raise NetSuiteConfigError(f"algorithm {wanted} does not match the private key's type")
    return wanted


class M2MBearerAuth(requests.auth.AuthBase):
    """Bearer auth whose token comes from NetSuite's client-credentials grant with a JWT assertion.

    Thread-safe: one token is fetched and shared; it is renewed ``refresh_margin`` seconds before it
    expires, or at once after :meth:`invalidate` (the hook calls it when NetSuite answers 401).
    """

    def __init__(
        self,
        settings: NetSuiteSettings,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = settings.token_url
        self.client_id = settings.credentials["client_id"]
        self.certificate_id = settings.credentials["certificate_id"]
        self._key = load_private_key(settings.credentials["private_key"])
        self._algorithm = _algorithm_for(self._key, settings.credentials.get("algorithm"))
        self._secrets = settings.secret_values()
        self._timeout = settings.timeout
        self._verify = settings.verify
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._http = requests.Session()
        self.fetch_count = 0

    def client_assertion(self) -> str:
        """The signed JWT NetSuite expects: kid = certificate id, iss = client id, aud = token URL, ≤ 1 h."""
        now = int(self._clock())
        claims = {
            "iss": self.client_id,
            "scope": M2M_SCOPE,
            "aud": self.token_url,
            "iat": now,
            "exp": now + 3600,
            "jti": uuid.uuid4().hex,
        }
        headers = {"kid": self.certificate_id, "typ": "JWT"}
        return jwt.encode(claims, self._key, algorithm=self._algorithm, headers=headers)

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - self._refresh_margin:
                self._token, self._expires_at = self._fetch()
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        response = self._http.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": self.client_assertion(),
            },
            timeout=self._timeout,
            verify=self._verify,
        )
        if not response.ok:
            raise error_from_response(response, self._secrets)
        body = response.json()
        self.fetch_count += 1
        return str(body["access_token"]), self._clock() + float(body.get("expires_in") or 3600)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request


def make_auth(settings: NetSuiteSettings) -> requests.auth.AuthBase:
    """The requests auth for the connection's method: OAuth1 HMAC-SHA256 with realm, or M2M bearer."""
    if settings.auth_method == "m2m":
        return M2MBearerAuth(settings)
    creds = settings.credentials
    return OAuth1(
        client_key=creds["consumer_key"],
        client_secret=creds["consumer_secret"],
        resource_owner_key=creds["token_id"],
        resource_owner_secret=creds["token_secret"],
        signature_method="HMAC-SHA256",
        realm=settings.realm,
    )
