"""``python -m sandbox.netsuite --port P ...``: serve the NetSuite sandbox until SIGTERM.

Prints one line when ready: ``netsuite sandbox ready at http://HOST:PORT`` (``--port 0`` picks a free port).
Every flag and its default is listed in README.md; credentials default to obviously fake values.
"""

from __future__ import annotations

import argparse

from sandbox.netsuite.app import create_app
from sandbox.netsuite.settings import RuntimeConfig, Settings
from sandbox.netsuite.timefmt import DATE_FORMATS
from sandbox.server import serve


def parse_args(argv: list[str] | None = None) -> Settings:
    defaults = Settings()
    runtime = RuntimeConfig()
    p = argparse.ArgumentParser(prog="python -m sandbox.netsuite", description=__doc__.splitlines()[0])
    p.add_argument(
        "--port", type=int, default=defaults.port, help="0 picks a free port (default %(default)s)"
    )
    p.add_argument("--host", default=defaults.host)
    p.add_argument(
        "--contacts", type=int, default=defaults.contacts, help="seeded contacts (default %(default)s)"
    )
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--latency-ms", type=float, default=runtime.latency_ms)
    p.add_argument("--jitter-ms", type=float, default=runtime.jitter_ms)
    p.add_argument("--concurrency-limit", type=int, default=runtime.concurrency_limit)
    p.add_argument("--retry-after", type=int, default=None, help="send Retry-After: N on 429 (default: none)")
    p.add_argument("--mutator-per-second", type=float, default=runtime.mutator_per_second)
    p.add_argument(
        "--token-ttl", type=int, default=runtime.token_ttl_seconds, help="M2M token lifetime, seconds"
    )
    p.add_argument("--account-id", default=defaults.account_id)
    p.add_argument("--timezone", default=defaults.timezone)
    p.add_argument("--date-format", default=defaults.date_format, choices=DATE_FORMATS)
    p.add_argument("--consumer-key", default=defaults.consumer_key)
    p.add_argument("--consumer-secret", default=defaults.consumer_secret)
    p.add_argument("--token-id", default=defaults.token_id)
    p.add_argument("--token-secret", default=defaults.token_secret)
    p.add_argument("--client-id", default=defaults.client_id)
    p.add_argument("--certificate-id", default=defaults.certificate_id)
    p.add_argument(
        "--public-key", default=None, help="PEM public key or certificate for M2M (default: generate)"
    )
    p.add_argument(
        "--m2m-key-type",
        choices=("rsa", "ec"),
        default=defaults.m2m_key_type,
        help="type of the generated M2M key pair: rsa (PS256) or ec (ES256)",
    )
    a = p.parse_args(argv)
    runtime = RuntimeConfig(
        latency_ms=a.latency_ms,
        jitter_ms=a.jitter_ms,
        concurrency_limit=a.concurrency_limit,
        retry_after=a.retry_after,
        mutator_per_second=a.mutator_per_second,
        token_ttl_seconds=a.token_ttl,
    )
    return Settings(
        host=a.host,
        port=a.port,
        contacts=a.contacts,
        seed=a.seed,
        account_id=a.account_id,
        timezone=a.timezone,
        date_format=a.date_format,
        consumer_key=a.consumer_key,
        consumer_secret=a.consumer_secret,
        token_id=a.token_id,
        token_secret=a.token_secret,
        client_id=a.client_id,
        certificate_id=a.certificate_id,
        public_key_path=a.public_key,
        m2m_key_type=a.m2m_key_type,
        runtime=runtime,
    )


def main(argv: list[str] | None = None) -> None:
    settings = parse_args(argv)
    app = create_app(settings)
    print(
        f"netsuite sandbox: {settings.contacts} contacts loaded in {app.state.load_seconds:.1f} s "
        f"(account {settings.account_id}, time zone {settings.timezone})",
        flush=True,
    )
    serve(app, "netsuite", settings.host, settings.port)


if __name__ == "__main__":
    main()
