"""Shared fixtures: the project's YAML and a small frame of nasty NetSuite contacts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netsuite_acton.sync.config import ForwardConfig, SyncConfig, load_config
from netsuite_acton.sync.contract import CONTACT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
SYNC_YAML = ROOT / "include" / "sync.yaml"
T0 = pd.Timestamp("2026-01-01 12:00", tz="UTC")


@pytest.fixture(scope="session")
def config() -> SyncConfig:
    return load_config(SYNC_YAML)


@pytest.fixture(scope="session")
def forward(config: SyncConfig) -> ForwardConfig:
    return config.forward


def contacts(rows: list[dict]) -> pd.DataFrame:
    """Contacts in the hook's contract: every column present, defaults for the ones a test omits."""
    base = {
        "entityid": None,
        "firstname": None,
        "middlename": None,
        "lastname": None,
        "email": None,
        "phone": None,
        "mobilephone": None,
        "officephone": None,
        "title": None,
        "company": None,
        "companyname": None,
        "stage": None,
        "isinactive": False,
        "datecreated": T0,
        "lastmodifieddate": T0,
    }
    frame = pd.DataFrame([{**base, **row} for row in rows], columns=list(CONTACT_COLUMNS))
    frame["isinactive"] = frame["isinactive"].astype(bool)
    for column in ("datecreated", "lastmodifieddate"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


@pytest.fixture
def nasty() -> pd.DataFrame:
    """One row per kind of trouble seen in real NetSuite accounts."""
    return contacts(
        [
            {
                "id": "1",
                "email": "  Zoë.Ünï@Example.COM ",
                "firstname": " Zoë \n",
                "company": "10",
                "companyname": 'Acme, "Inc"',
                "stage": "CUSTOMER",
                "phone": "(415) 555-0123 ext. 22",
            },
            {"id": "2", "email": "bad@@example.com", "firstname": "Bad"},
            {"id": "3", "email": None, "firstname": "Nobody"},
            {"id": "4", "email": "=cmd@example.com", "company": "12", "stage": "LEAD"},
            {
                "id": "5",
                "email": "long@example.com",
                "firstname": "x" * 10_000,
                "company": "13",
                "stage": "LEAD",
                "title": "=cmd|' /C calc'!A0",
            },
            {"id": "6", "email": "inactive@example.com", "isinactive": True},
            {
                "id": "7",
                "email": "INTL@example.org",
                "phone": "+44 20 7946 0958",
                "mobilephone": "junk!!",
                "lastname": "Line1\nLine2\r\n\tEnd",
                "company": "14",
                "stage": "Prospect",
            },
            {"id": "8", "email": "   ", "firstname": "Blank"},
        ]
    )
