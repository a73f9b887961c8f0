"""``python -m sandbox.acton --port 0``: serve the Act-On sandbox until SIGTERM (see README.md here)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from sandbox.acton.app import create_app
from sandbox.acton.settings import Settings
from sandbox.server import serve


def parse_args(argv: Sequence[str] | None = None) -> Settings:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.acton",
        description=__doc__,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=defaults.port, help="0 picks a free port")
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument(
        "--latency-ms", type=float, default=defaults.latency_ms, help="added to every API call"
    )
    parser.add_argument("--rate-per-second", type=int, default=defaults.rate_per_second)
    parser.add_argument("--daily-quota", type=int, default=defaults.daily_quota)
    parser.add_argument("--logins-per-hour", type=int, default=defaults.logins_per_hour)
    parser.add_argument("--token-ttl", type=float, default=defaults.token_ttl, help="access token seconds")
    parser.add_argument("--client-id", default=defaults.client_id)
    parser.add_argument("--client-secret", default=defaults.client_secret)
    parser.add_argument("--username", default=defaults.username)
    parser.add_argument("--password", default=defaults.password)
    parser.add_argument("--max-upload-mb", type=float, default=defaults.max_upload_mb)
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=defaults.job_seconds,
        help="a job reports pending, then running, for at least this long",
    )
    parser.add_argument("--score-field", default=defaults.score_field, help="default score heading of lists")
    parser.add_argument(
        "--lists", default="", help="comma-separated names of lists to seed, e.g. Customers,Leads"
    )
    parser.add_argument("--seed-records", type=int, default=10, help="records per seeded list")
    args = vars(parser.parse_args(argv))
    names = tuple(name.strip() for name in args.pop("lists").split(",") if name.strip())
    return Settings(**args, seed_lists=names)


def main(argv: Sequence[str] | None = None) -> None:
    settings = parse_args(argv)
    serve(create_app(settings), "acton", settings.host, settings.port)


if __name__ == "__main__":
    main()
