"""Deterministic, messy seed data: N contacts and their companies, the way real CRMs look.

Same ``(contacts, seed)`` -> same data, byte for byte, so tests can name ids and counts. Work is done per
column with numpy (no per-row Python logic except final string assembly), so a million contacts take
seconds. The messiness rates are part of the interface (README.md lists them): tests of the validation
and cleaning steps rely on them being present at about these rates.

Entity ids are shared by customers and contacts (as in NetSuite) and have gaps, so id ranges are not dense.
Timestamps are UTC epoch seconds, spread over 2016-01-01 .. 2026-01-01 (a fixed end keeps data stable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from sandbox.netsuite.schema import STAGES

CUSTOMERS_PER_CONTACT = 0.1
START = int(datetime(2016, 1, 1, tzinfo=UTC).timestamp())
END = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())

# Documented rates (share of contacts unless noted). Flags are drawn independently, so some overlap.
RATES: dict[str, float] = {
    "unaffiliated": 0.15,  # no company
    "stage_customer": 0.40,  # of companies
    "stage_prospect": 0.35,  # of companies
    "stage_lead": 0.25,  # of companies
    "email_missing": 0.03,
    "email_invalid": 0.02,
    "email_duplicate": 0.02,  # copies another contact's email
    "email_mixed_case": 0.10,
    "email_padded": 0.03,  # leading/trailing spaces or tabs
    "unicode_name": 0.10,
    "name_punctuation": 0.005,  # quotes, commas, newlines in names
    "name_csv_injection": 0.001,  # names starting with = + - @
    "firstname_missing": 0.01,
    "middlename_present": 0.30,
    "inactive": 0.05,
    "phone_present": 0.80,
    "mobilephone_present": 0.40,
    "officephone_present": 0.30,
    "homephone_present": 0.10,
    "title_present": 0.75,
    "score_present": 0.30,
    "recently_modified": 0.15,  # lastmodifieddate in the last 60 days before 2026-01-01
    "soft_opt_out": 0.02,  # globalsubscriptionstatus 2 (contacts and companies); the rest 1, Soft Opt-In
    "confirmed_opt_out": 0.005,  # globalsubscriptionstatus 4
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_ASCII = _words(
    """
    James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard
    Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony Betty Mark
    Margaret Donald Sandra Steven Ashley Paul Kimberly Andrew Emily Joshua Donna Kenneth Michelle
    Kevin Dorothy Brian Carol George Amanda Timothy Melissa Ronald Deborah Edward Stephanie Jason
    Rebecca Jeffrey Sharon Ryan Laura Jacob Cynthia Gary Kathleen Nicholas Amy Eric Angela Priya Wei
    Aisha Omar Hiroshi Yuki Carlos Lucia Ahmed Fatima Ivan Olga Raj Ananya Kwame Amara
    """
)
FIRST_UNICODE = _words(
    """
    José Zoë Łukasz Søren Françoise Jürgen Ñandú Ægir Björk Chloé Dóra Émile İsmail Miloš Renée
    Siobhán Þór Ülkü Zdeněk Ana-María 李 王芳 さくら Дмитрий Анна Μαρία Νίκος محمد אביגיל
    """
)
LAST_ASCII = _words(
    """
    Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
    Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris
    Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill
    Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Patel Kim Chen
    Singh Kumar Okafor Mensah Tanaka Sato Ivanov Novak Kowalski Cohen Murphy Kelly
    """
)
LAST_UNICODE = _words(
    """
    Müller Gómez Ødegaard Núñez Łęcki Çelik Dvořák Šimić Żukowski Fernández Jørgensen Ångström
    Þórsson Öztürk Nguyễn Trần Иванова Παπαδόπουλος 山田 김 García-Márquez D'Alessandro
    """
)
PUNCTUATED = (
    "O'Brien",
    "Smith, Jr.",
    'Van "The Man" Dyke',
    "Ann\nMarie",
    "D'Angelo, III",
    'Jo "JJ" Jones',
    "Line1\r\nLine2",
    "Comma, Separated, Name",
)
CSV_INJECTION = (
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.invalid","Click")',
)
TITLES = (
    "CEO",
    "CTO",
    "CFO",
    "VP Sales",
    "VP Marketing",
    "Marketing Manager",
    "Sales Manager",
    "Account Executive",
    "Software Engineer",
    "Office Manager",
    "Purchasing Agent",
    "Director of Operations",
    "Consultant",
    "Head of IT",
    "Product Manager",
    "Analyst",
    "Owner",
    "Founder",
    "Procurement Lead",
    "Intern",
)
FREE_MAIL = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "proton.me",
    "aol.com",
    "gmx.de",
)
COMPANY_WORDS = _words(
    """
    Acme Northwind Contoso Fabrikam Globex Initech Umbrella Stark Wayne Tyrell Cyberdyne Soylent
    Hooli Vandelay Wonka Gringotts Oceanic Aperture Massive Dynamic Blue Sun Vertex Pinnacle Summit
    Harbor Cedar Maple Granite Silver Golden Atlas Orion Nova Apex Zenith Quantum Lumen Helix Polar
    Prairie Coastal Redwood Falcon Beacon Meridian
    """
)
COMPANY_KINDS = (
    "Analytics",
    "Logistics",
    "Foods",
    "Systems",
    "Health",
    "Labs",
    "Energy",
    "Media",
    "Partners",
    "Manufacturing",
    "Software",
    "Consulting",
    "Retail",
    "Bank",
    "Robotics",
    "Design",
)
COMPANY_SUFFIX = ("Inc.", "LLC", "Ltd", "GmbH", "Corp.", "Co.", "S.A.", "AG", "", "Group", ", Inc.", "BV")
PHONE_FORMATS = (
    "({a}) {e}-{n}",
    "{a}-{e}-{n}",
    "{a}.{e}.{n}",
    "{a}{e}{n}",
    "+1 {a} {e} {n}",
    "+1-{a}-{e}-{n}",
    "1 ({a}) {e}-{n}",
    "{a}-{e}-{n} x{x}",
    "+44 20 7{e} {n}",
    "+49 30 {e}{n}",
    "{e}-{n}",
    "n/a",
)
INVALID_EMAILS = (
    "{l}@",
    "{l}.gmail.com",
    "{l} {l}@gmail.com",
    "{l}@@gmail.com",
    "{l}@gmail",
    "@gmail.com",
    "{l}@gmail..com",
    "{l}@gmail.com.",
    "mailto:{l}@gmail.com",
    "{l},{l}@gmail.com",
)


@dataclass
class SeedData:
    """Columns by SuiteQL name (lists of equal length); ``None`` is SQL NULL."""

    contacts: dict[str, list[object]]
    customers: dict[str, list[object]]


def _ascii_slug(name: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum()) or "user"


def _pick(rng: np.random.Generator, pool: tuple[str, ...] | list[str], n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def _null_unless(values: np.ndarray, present: np.ndarray) -> list[object]:
    out = values.astype(object)
    out[~present] = None
    return out.tolist()


def _phones(rng: np.random.Generator, n: int, rate: float) -> list[object]:
    area = rng.integers(201, 990, n)
    exch = rng.integers(200, 1000, n)
    line = rng.integers(0, 10_000, n)
    ext = rng.integers(10, 1000, n)
    fmt = rng.integers(0, len(PHONE_FORMATS), n)
    present = rng.random(n) < rate
    return [
        PHONE_FORMATS[f].format(a=a, e=e, n=f"{ln:04d}", x=x) if p else None
        for f, a, e, ln, x, p in zip(
            fmt.tolist(),
            area.tolist(),
            exch.tolist(),
            line.tolist(),
            ext.tolist(),
            present.tolist(),
            strict=True,
        )
    ]


def _timestamps(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    created = rng.integers(START, END - 86_400 * 90, n)
    modified = created + (rng.random(n) * (END - created)).astype(np.int64)
    recent = rng.random(n) < RATES["recently_modified"]
    modified[recent] = END - rng.integers(1, 86_400 * 60, int(recent.sum()))
    modified = np.maximum(modified, created)
    return created, modified


def _subscription_statuses(seed: int, salt: int, n: int) -> list[object]:
    """Mostly 1 (Soft Opt-In), some 2 and 4, from a generator of their own.

    Separate from the main generator so adding this column left every other seeded value as it was.
    """
    u = np.random.default_rng([seed, salt]).random(n)
    soft = RATES["soft_opt_out"]
    return np.where(u < soft, 2, np.where(u < soft + RATES["confirmed_opt_out"], 4, 1)).tolist()


def _customers(rng: np.random.Generator, ids: np.ndarray) -> dict[str, list[object]]:
    m = len(ids)
    names = [
        f"{a} {k} {s}".replace(" , ", ", ").strip()
        for a, k, s in zip(
            _pick(rng, COMPANY_WORDS, m),
            _pick(rng, COMPANY_KINDS, m),
            _pick(rng, COMPANY_SUFFIX, m),
            strict=True,
        )
    ]
    # make names unique the way admins do: a trailing number
    names = [f"{name} {i}" if i % 7 == 0 else name for i, name in enumerate(names)]
    u = rng.random(m)
    stage_keys = np.where(
        u < RATES["stage_customer"],
        "CUSTOMER",
        np.where(u < RATES["stage_customer"] + RATES["stage_prospect"], "PROSPECT", "LEAD"),
    )
    created, modified = _timestamps(rng, m)
    domains = [_ascii_slug(name)[:24] + ".com" for name in names]
    return {
        "id": ids.tolist(),
        "entityid": names,
        "companyname": names,
        "searchstage": [STAGES[k][0] for k in stage_keys.tolist()],
        "entitystatus": [STAGES[k][1] for k in stage_keys.tolist()],
        "email": [f"info@{d}" for d in domains],
        "phone": _phones(rng, m, 0.9),
        "isinactive": np.where(rng.random(m) < 0.02, "T", "F").tolist(),
        "datecreated": created.tolist(),
        "lastmodifieddate": modified.tolist(),
        "custentity_acton_lead_score": _null_unless(rng.integers(0, 101, m), rng.random(m) < 0.2),
    }


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    first = _pick(rng, FIRST_ASCII, n)
    last = _pick(rng, LAST_ASCII, n)
    uni_first = rng.random(n) < RATES["unicode_name"]
    first[uni_first] = _pick(rng, FIRST_UNICODE, int(uni_first.sum()))
    uni_last = rng.random(n) < RATES["unicode_name"]
    last[uni_last] = _pick(rng, LAST_UNICODE, int(uni_last.sum()))
    middle = _pick(rng, [chr(c) + "." for c in range(65, 91)] + ["Lee", "Ann", "Marie", "José"], n)
    middle[rng.random(n) >= RATES["middlename_present"]] = None
    return first, middle, last


def _emails(
    rng: np.random.Generator, n: int, first: np.ndarray, last: np.ndarray, domain: np.ndarray
) -> list[object]:
    slug_first = {name: _ascii_slug(name) for name in set(first.tolist())}
    slug_last = {name: _ascii_slug(name) for name in set(last.tolist())}
    style = rng.integers(0, 4, n).tolist()
    emails: list[object] = []
    for i, (f, la, d, s) in enumerate(
        zip(first.tolist(), last.tolist(), domain.tolist(), style, strict=True)
    ):
        sf, sl = slug_first[f], slug_last[la]
        local = (f"{sf}.{sl}", f"{sf[0]}{sl}", f"{sf}_{sl}", f"{sf}{sl}")[s]
        emails.append(f"{local}{i}@{d}")  # the index keeps emails unique unless duplicated on purpose
    arr = np.asarray(emails, dtype=object)
    mixed = np.flatnonzero(rng.random(n) < RATES["email_mixed_case"])
    arr[mixed] = [e.title() if k % 2 else e.upper() for k, e in enumerate(arr[mixed].tolist())]
    padded = np.flatnonzero(rng.random(n) < RATES["email_padded"])
    pads = (" {} ", "{} ", "\t{}", "  {}\t")
    arr[padded] = [pads[k % 4].format(e) for k, e in enumerate(arr[padded].tolist())]
    dup = np.flatnonzero(rng.random(n) < RATES["email_duplicate"])
    arr[dup] = arr[rng.integers(0, n, len(dup))]
    invalid = np.flatnonzero(rng.random(n) < RATES["email_invalid"])
    arr[invalid] = [
        INVALID_EMAILS[k % len(INVALID_EMAILS)].format(l=f"{slug_first[first[i]]}{i}")
        for k, i in enumerate(invalid.tolist())
    ]
    arr[rng.random(n) < RATES["email_missing"]] = None
    return arr.tolist()


def generate(contacts: int, seed: int = 42) -> SeedData:
    """``contacts`` contacts plus about a tenth as many companies, deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    n = max(0, int(contacts))
    m = round(n * CUSTOMERS_PER_CONTACT) if n else 0
    ids = 1000 + np.cumsum(rng.integers(1, 4, n + m))  # shared entity id space with gaps
    is_customer = np.zeros(n + m, dtype=bool)
    is_customer[rng.choice(n + m, m, replace=False)] = True
    customers = _customers(rng, ids[is_customer])
    customers["globalsubscriptionstatus"] = _subscription_statuses(seed, 2, m)
    contact_ids = ids[~is_customer]

    first, middle, last = _names(rng, n)
    punct = rng.random(n) < RATES["name_punctuation"]
    last[punct] = _pick(rng, PUNCTUATED, int(punct.sum()))
    inject = rng.random(n) < RATES["name_csv_injection"]
    first[inject] = _pick(rng, CSV_INJECTION, int(inject.sum()))

    affiliated = (rng.random(n) >= RATES["unaffiliated"]) & (m > 0)
    company_idx = rng.integers(0, max(m, 1), n)
    company = np.asarray(customers["id"] or [0], dtype=object)[company_idx]
    company[~affiliated] = None
    company_domain = np.asarray([e.split("@", 1)[1] for e in customers["email"]] or ["x.com"], dtype=object)
    domain = np.where(affiliated, company_domain[company_idx], _pick(rng, FREE_MAIL, n))

    emails = _emails(rng, n, first, last, domain)
    no_first = rng.random(n) < RATES["firstname_missing"]
    first_out = first.copy()
    first_out[no_first] = None
    entityid = [f"{f} {la}" if f else la for f, la in zip(first_out.tolist(), last.tolist(), strict=True)]
    created, modified = _timestamps(rng, n)
    return SeedData(
        contacts={
            "id": contact_ids.tolist(),
            "entityid": entityid,
            "firstname": first_out.tolist(),
            "middlename": middle.tolist(),
            "lastname": last.tolist(),
            "email": emails,
            "phone": _phones(rng, n, RATES["phone_present"]),
            "mobilephone": _phones(rng, n, RATES["mobilephone_present"]),
            "officephone": _phones(rng, n, RATES["officephone_present"]),
            "homephone": _phones(rng, n, RATES["homephone_present"]),
            "title": _null_unless(_pick(rng, TITLES, n), rng.random(n) < RATES["title_present"]),
            "company": company.tolist(),
            "isinactive": np.where(rng.random(n) < RATES["inactive"], "T", "F").tolist(),
            "globalsubscriptionstatus": _subscription_statuses(seed, 1, n),
            "datecreated": created.tolist(),
            "lastmodifieddate": modified.tolist(),
            "custentity_acton_score": _null_unless(
                rng.integers(0, 101, n), rng.random(n) < RATES["score_present"]
            ),
        },
        customers=customers,
    )
