"""Account configuration: fixed at start (``Settings``), tunable at runtime (``RuntimeConfig``).

The defaults are the documented interface: tests, the demo and the benchmarks rely on them, and the
credentials are deliberately, obviously fake (they only ever unlock this local stand-in).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

DEFAULT_ACCOUNT_ID = "1234567_SB1"
DEFAULT_CONSUMER_KEY = "sandbox-consumer-key"
DEFAULT_CONSUMER_SECRET = "sandbox-consumer-secret"
DEFAULT_TOKEN_ID = "sandbox-token-id"
DEFAULT_TOKEN_SECRET = "sandbox-token-secret"
DEFAULT_CLIENT_ID = "sandbox-client-id"
DEFAULT_CERTIFICATE_ID = "sandbox-certificate-id"

#: What ``fail_next`` may schedule: the faults the rates draw, and the two answers NetSuite gives when over
#: the concurrency limit (429 CONCURRENCY_LIMIT_EXCEEDED, 401 INVALID_LOGIN_ATTEMPT).
FAULT_KINDS = ("500", "503", "dropped", "429", "401")
#: What ``lose_next_creates`` may schedule: a create that commits, then its answer is lost (a gateway's 502,
#: or the connection dropped): the client cannot tell whether the record exists.
LOST_ANSWER_KINDS = ("502", "dropped")


@dataclass
class RuntimeConfig:
    """Knobs that ``POST /_sandbox/config`` may change while the sandbox runs."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    concurrency_limit: int = 5
    retry_after: int | None = None  # seconds in a Retry-After header on 429; None sends none (as NetSuite)
    error_500_rate: float = 0.0
    error_503_rate: float = 0.0
    drop_rate: float = 0.0  # close the socket without any response
    slow_rate: float = 0.0
    slow_ms: float = 2000.0
    unauthorized_under_load_rate: float = 0.0  # share of over-limit requests answered 401 instead of 429
    mutator_per_second: float = 0.0
    token_ttl_seconds: int = 3600
    require_transient: bool = True  # SuiteQL without `Prefer: transient` -> 400
    # faults for the next governed requests, one each, in order, before any rate: tests need certainty
    fail_next: list[str] = field(default_factory=list)
    # the next successful creates (POST record/v1/customer) commit, then their answer is lost, one each
    lose_next_creates: list[str] = field(default_factory=list)

    def update(self, changes: dict[str, object]) -> None:
        """Apply a partial update; unknown keys and out-of-range values raise ``ValueError``."""
        known = {f.name: f for f in fields(self)}
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        merged = {**asdict(self), **changes}
        candidate = RuntimeConfig(**merged)
        candidate.validate()
        for key in changes:
            setattr(self, key, getattr(candidate, key))

    def validate(self) -> None:
        for name in (
            "error_500_rate",
            "error_503_rate",
            "drop_rate",
            "slow_rate",
            "unauthorized_under_load_rate",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a number between 0 and 1")
        if not isinstance(self.concurrency_limit, int) or self.concurrency_limit < 1:
            raise ValueError("concurrency_limit must be an integer >= 1")
        for name in ("latency_ms", "jitter_ms", "slow_ms", "mutator_per_second"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number >= 0")
        if self.retry_after is not None and (not isinstance(self.retry_after, int) or self.retry_after < 0):
            raise ValueError("retry_after must be null or an integer >= 0")
        if not isinstance(self.token_ttl_seconds, int) or self.token_ttl_seconds < 1:
            raise ValueError("token_ttl_seconds must be an integer >= 1")
        if not isinstance(self.fail_next, list) or not all(kind in FAULT_KINDS for kind in self.fail_next):
            allowed = ", ".join(f'"{kind}"' for kind in FAULT_KINDS)
            raise ValueError(f"fail_next must be a list of fault kinds, each one of {allowed}")
        if not isinstance(self.lose_next_creates, list) or not all(
            kind in LOST_ANSWER_KINDS for kind in self.lose_next_creates
        ):
            allowed = ", ".join(f'"{kind}"' for kind in LOST_ANSWER_KINDS)
            raise ValueError(f"lose_next_creates must be a list, each one of {allowed}")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Settings:
    """Everything the CLI sets. ``runtime`` holds the initial values of the tunable knobs."""

    host: str = "127.0.0.1"
    port: int = 8701
    contacts: int = 10_000
    seed: int = 42
    account_id: str = DEFAULT_ACCOUNT_ID
    timezone: str = "America/Los_Angeles"
    date_format: str = "M/D/YYYY"
    consumer_key: str = DEFAULT_CONSUMER_KEY
    consumer_secret: str = DEFAULT_CONSUMER_SECRET
    token_id: str = DEFAULT_TOKEN_ID
    token_secret: str = DEFAULT_TOKEN_SECRET
    client_id: str = DEFAULT_CLIENT_ID
    certificate_id: str = DEFAULT_CERTIFICATE_ID
    public_key_path: str | None = None  # PEM public key or X.509 certificate for M2M; None generates a pair
    m2m_key_type: str = "rsa"  # for the generated pair: "rsa" (PS256) or "ec" (ES256)
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)

    @property
    def realm(self) -> str:
        """The OAuth realm NetSuite expects: the account id upper case, with ``_`` (not ``-``)."""
        return self.account_id.upper().replace("-", "_")
