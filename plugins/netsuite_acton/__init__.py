"""NetSuite ↔ Act-On provider: hooks, operators and pure sync logic for Airflow.

``get_provider_info`` is the ``apache_airflow_provider`` entry point: it registers the ``netsuite``
and ``acton`` connection types, with declarative form fields, so they appear in the Airflow UI.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def _secret(label: str, description: str, multiline: bool = False) -> dict[str, Any]:
    return {
        "label": label,
        "description": description,
        "schema": {"type": ["string", "null"], "format": "multiline" if multiline else "password"},
    }


def _text(label: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": ["string", "null"], **schema}}


def _integer(label: str, description: str, default: int, minimum: int, maximum: int) -> dict[str, Any]:
    return {
        "label": label,
        "description": description,
        "schema": {"type": ["integer", "null"], "default": default, "minimum": minimum, "maximum": maximum},
    }


NETSUITE_CONN_FIELDS: dict[str, dict[str, Any]] = {
    "account_id": _text("Account ID", "NetSuite account id, e.g. 1234567 or 1234567_SB1.", minLength=1),
    "auth_method": {
        "label": "Auth method",
        "description": "tba = token-based auth (OAuth 1.0a); m2m = OAuth 2.0 client credentials.",
        "schema": {"type": "string", "enum": ["tba", "m2m"], "default": "tba"},
    },
    "consumer_key": _text("Consumer key", "TBA: the integration record's consumer key."),
    "consumer_secret": _secret("Consumer secret", "TBA: the integration record's consumer secret."),
    "token_id": _secret("Token ID", "TBA: the access token id."),
    "token_secret": _secret("Token secret", "TBA: the access token secret."),
    "client_id": _text("Client ID", "M2M: the integration record's client id."),
    "certificate_id": _text("Certificate ID", "M2M: the id NetSuite gave the uploaded certificate."),
    "private_key": _secret("Private key (PEM)", "M2M: PEM private key of the certificate.", multiline=True),
    "timezone": _text(
        "Time zone",
        "The integration user's time zone preference (IANA name); SuiteQL datetimes are in it.",
        default="America/Los_Angeles",
    ),
    "max_concurrency": _integer(
        "Max concurrency", "Requests in flight at once; keep below the account's limit.", 4, 1, 100
    ),
    "timeout": _integer("Timeout (s)", "Per-request timeout in seconds.", 120, 1, 900),
    "verify": {
        "label": "Verify TLS",
        "description": "Verify TLS certificates (leave on in production).",
        "schema": {"type": "boolean", "default": True},
    },
}

ACTON_CONN_FIELDS: dict[str, dict[str, Any]] = {
    "client_id": _text("Client ID", "Act-On API application client id."),
    "client_secret": _secret("Client secret", "Act-On API application client secret."),
    "region": {
        "label": "Region",
        "description": "us = api.actonsoftware.com, eu = api-eu.actonsoftware.com (ignored if Host is set).",
        "schema": {"type": "string", "enum": ["us", "eu"], "default": "us"},
    },
    "calls_per_second": _integer("Calls per second", "Client-side rate limit (Act-On allows 5).", 4, 1, 5),
    "timeout": _integer("Timeout (s)", "Per-request timeout in seconds.", 120, 1, 900),
    "verify": {
        "label": "Verify TLS",
        "description": "Verify TLS certificates (leave on in production).",
        "schema": {"type": "boolean", "default": True},
    },
}


def get_provider_info() -> dict[str, Any]:
    """Describe the provider to Airflow's ProvidersManager."""
    return {
        "package-name": "netsuite-acton-sync",
        "name": "NetSuite and Act-On",
        "description": "Hooks and operators that sync NetSuite contacts with Act-On marketing lists.",
        "versions": [__version__],
        "connection-types": [
            {
                "connection-type": "netsuite",
                "hook-class-name": "netsuite_acton.hooks.netsuite.NetSuiteHook",
                "hook-name": "NetSuite",
                "ui-field-behaviour": {
                    "hidden-fields": ["login", "password", "port", "schema"],
                    "relabeling": {"host": "Base URL (optional override)"},
                    "placeholders": {"host": "https://1234567-sb1.suitetalk.api.netsuite.com"},
                },
                "conn-fields": NETSUITE_CONN_FIELDS,
            },
            {
                "connection-type": "acton",
                "hook-class-name": "netsuite_acton.hooks.acton.ActOnHook",
                "hook-name": "Act-On",
                "ui-field-behaviour": {
                    "hidden-fields": ["port", "schema"],
                    "relabeling": {"host": "Base URL (optional override)", "login": "Username"},
                    "placeholders": {"host": "https://api.actonsoftware.com"},
                },
                "conn-fields": ACTON_CONN_FIELDS,
            },
        ],
    }
