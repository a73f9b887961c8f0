"""Deterministic, messy seed data: N contacts and their companies, the way real CRMs look.

Same ``(contacts, seed)`` -> same data, byte for byte, so tests can name ids and counts. Work is done per
column with numpy (no per-row Python logic except final string assembly), so a million contacts take
seconds. The messiness rates are part of the interface (README.md lists them): tests of the validation
and cleaning steps rely on them being present at about these rates.

Entity ids are shared by customers and contacts (as in NetSuite) and have gaps, so id ranges are not dense.
Timestamps are UTC epoch seconds, spread over 2016-01-01 .. 2026-01-01 (a fixed end keeps data stable).

Added later, each from a random generator of its own so that every contact and company kept exactly the
values it had: sales-rep employees, the companies' sales reps, default billing (and shipping) addresses of
contacts and companies, and individual customers (``isperson = 'T'``, mostly leads) with ids after all
others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from sandbox.netsuite.schema import ADDRESS_TABLES, COUNTRIES, CUSTOMER_STATUSES, EMPLOYEE, STAGES

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
    # addresses, sales reps, individuals (generators of their own)
    "contact_address": 0.70,  # contacts with a default billing address
    "shipping_elsewhere": 0.05,  # of those: the default shipping address is a second one
    "contact_other_address": 0.03,  # contacts without a default billing address but another address
    "customer_address": 0.90,  # of companies: a default billing address
    "customer_salesrep": 0.80,  # of companies: a sales rep (3% of them an inactive one)
    "individuals": 0.02,  # individual customers (isperson 'T') per contact, ids after all others
    "individual_lead": 0.70,  # of individuals; PROSPECT 20%, CUSTOMER 10%
    "individual_prospect": 0.20,
    "individual_address": 0.50,  # of individuals
    "individual_salesrep": 0.50,  # of individuals
    "individual_shared_email": 0.05,  # of individuals: the email of an existing contact (same person)
    "individual_email_missing": 0.02,  # of individuals
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


OWN_DOMAIN = "sandboxcorp.com"  # the account's own company: its employees' addresses
STREETS = _words(
    """
    Main Oak Market Mission Elm Maple Cedar Park Washington Lake Hill Pine Broadway Sunset Highland
    Church River Spring Lincoln Jackson Franklin Madison Center Union Walnut
    """
)
STREET_KINDS = ("St", "Street", "Ave", "Avenue", "Blvd", "Rd", "Way", "Dr", "Lane", "Ct")
# (country, city, state, zip: a 3-digit prefix for US, else the code, street abroad or None, number first)
PLACES: tuple[tuple[str, str, str | None, str, str | None, bool], ...] = (
    ("US", "San Francisco", "CA", "941", None, True),
    ("US", "New York", "NY", "100", None, True),
    ("US", "Austin", "TX", "787", None, True),
    ("US", "Chicago", "IL", "606", None, True),
    ("US", "Boston", "MA", "021", None, True),
    ("US", "Seattle", "WA", "981", None, True),
    ("US", "Denver", "CO", "802", None, True),
    ("US", "Atlanta", "GA", "303", None, True),
    ("US", "Miami", "FL", "331", None, True),
    ("US", "Portland", "OR", "972", None, True),
    ("US", "Phoenix", "AZ", "850", None, True),
    ("US", "Minneapolis", "MN", "554", None, True),
    ("CA", "Toronto", "ON", "M5V 2T6", "King St W", True),
    ("CA", "Montréal", "QC", "H2X 1Y4", "Rue Sainte-Catherine", True),
    ("GB", "London", None, "EC1A 1BB", "Old Street", True),
    ("GB", "Manchester", None, "M1 1AE", "Deansgate", True),
    ("IE", "Dublin", None, "D02 X285", "Grafton Street", True),
    ("DE", "Berlin", None, "10115", "Friedrichstraße", False),
    ("DE", "München", None, "80331", "Kaufingerstraße", False),
    ("FR", "Paris", None, "75001", "Rue de Rivoli", True),
    ("NL", "Amsterdam", None, "1012 JS", "Damrak", False),
    ("ES", "Madrid", None, "28013", "Calle Gran Vía", False),
    ("IN", "Bengaluru", "KA", "560001", "MG Road", True),
    ("JP", "Tokyo", None, "100-0005", "Marunouchi", False),
    ("AU", "Sydney", "NSW", "2000", "George St", True),
    ("MX", "Ciudad de México", "CDMX", "06600", "Av. Paseo de la Reforma", False),
    ("BR", "São Paulo", "SP", "01310-100", "Av. Paulista", False),
)
US_SHARE = 0.75  # of addresses; the rest abroad, spread evenly
SECOND_LINES = ("Suite {n}", "Apt {n}B", "Floor {f}", "Unit {n}", "PO Box {n}", "Building {f}")
ATTENTIONS = ("Accounts Payable", "Billing Department", "Attn: Finance", "Procurement", "Office Manager")
ADDRESS_RATES = {"addr2": 0.25, "attention": 0.10, "addrphone": 0.20, "zip_plus4": 0.05}
ADDRESS_MESS = {"state_missing": 0.02, "zip_missing": 0.02, "city_upper": 0.02, "country_missing": 0.01}
NKEY_START = 5_000_000  # address keys: one sequence for both address tables, apart from entity ids


@dataclass
class SeedData:
    """Columns by SuiteQL name (lists of equal length); ``None`` is SQL NULL.

    ``contacts`` and ``customers`` hold what they always held (same values for a seed); what came later
    sits beside them: ``customer_links`` (more columns of the ``customers`` rows, same order),
    ``individuals`` (more customer rows) and ``tables`` (``employee`` and the address tables).
    """

    contacts: dict[str, list[object]]
    customers: dict[str, list[object]]
    customer_links: dict[str, list[object]] = field(default_factory=dict)
    individuals: dict[str, list[object]] = field(default_factory=dict)
    tables: dict[str, dict[str, list[object]]] = field(default_factory=dict)


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
    data = SeedData(
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
    _add_people_and_addresses(data, seed)
    return data


# ---- added later: each part from a generator of its own (the values above stay as they were) ---------------
def _add_people_and_addresses(data: SeedData, seed: int) -> None:
    """Employees, the companies' sales reps, individuals and every address book, into ``data``."""
    contacts, customers = data.contacts, data.customers
    employees, active_reps, inactive_reps = _employees(np.random.default_rng([seed, 3]), len(customers["id"]))
    data.tables[EMPLOYEE] = employees
    all_ids = contacts["id"] + customers["id"]
    data.individuals = _individuals(
        np.random.default_rng([seed, 6]),
        seed,
        round(len(contacts["id"]) * RATES["individuals"]),
        max(all_ids, default=1000),
        [e for e in contacts["email"] if e],
    )
    individuals = data.individuals
    rng = np.random.default_rng([seed, 4])
    m, k = len(customers["id"]), len(individuals["id"])
    reps = _sales_reps(rng, m, RATES["customer_salesrep"], active_reps, inactive_reps)
    individuals["salesrep"] = _sales_reps(rng, k, RATES["individual_salesrep"], active_reps, inactive_reps)

    owners = {
        "customer": (
            customers["id"] + individuals["id"],
            customers["companyname"] + individuals["entityid"],
            customers["datecreated"] + individuals["datecreated"],
            customers["lastmodifieddate"] + individuals["lastmodifieddate"],
            np.concatenate([np.full(m, RATES["customer_address"]), np.full(k, RATES["individual_address"])]),
        ),
        "contact": (
            contacts["id"],
            contacts["entityid"],
            contacts["datecreated"],
            contacts["lastmodifieddate"],
            np.full(len(contacts["id"]), RATES["contact_address"]),
        ),
    }
    next_nkey = NKEY_START
    for table, salt in (("customer", 4), ("contact", 5)):
        ids, addressees, created, modified, rate = owners[table]
        book_rng = rng if table == "customer" else np.random.default_rng([seed, salt])
        book, addresses, billing, shipping, next_nkey = _address_book(
            book_rng, ids, addressees, created, modified, rate, next_nkey
        )
        book_table, address_table = ADDRESS_TABLES[table]
        data.tables[book_table] = book
        data.tables[address_table] = addresses
        if table == "customer":
            data.customer_links = {
                "salesrep": reps,
                "defaultbillingaddress": billing[:m],
                "defaultshippingaddress": shipping[:m],
            }
            individuals["defaultbillingaddress"] = billing[m:]
            individuals["defaultshippingaddress"] = shipping[m:]


def _employees(
    rng: np.random.Generator, companies: int
) -> tuple[dict[str, list[object]], list[int], list[int]]:
    """A handful of sales reps (one inactive: a rep who left) and two other employees, ids below 1001."""
    reps = int(min(30, max(3, companies // 50)))
    count = reps + 2
    ids = np.sort(rng.choice(np.arange(3, 1000), count, replace=False))
    first, last = _pick(rng, FIRST_ASCII, count), _pick(rng, LAST_ASCII, count)
    middle = _pick(rng, [chr(c) + "." for c in range(65, 91)], count)
    middle[rng.random(count) >= 0.2] = None
    order = rng.permutation(count)
    is_rep = np.zeros(count, dtype=bool)
    is_rep[order[:reps]] = True
    inactive = np.zeros(count, dtype=bool)
    inactive[order[0]] = True  # a rep who left: some companies still name them
    first_l, last_l = first.tolist(), last.tolist()
    employees: dict[str, list[object]] = {
        "id": ids.tolist(),
        "entityid": [f"{f} {la}" for f, la in zip(first_l, last_l, strict=True)],
        "firstname": first_l,
        "middlename": middle.tolist(),
        "lastname": last_l,
        "email": [
            f"{_ascii_slug(f)}.{_ascii_slug(la)}@{OWN_DOMAIN}" for f, la in zip(first_l, last_l, strict=True)
        ],
        "issalesrep": np.where(is_rep, "T", "F").tolist(),
        "isinactive": np.where(inactive, "T", "F").tolist(),
    }
    active_reps = ids[is_rep & ~inactive].tolist()
    return employees, active_reps, ids[is_rep & inactive].tolist()


def _sales_reps(
    rng: np.random.Generator, count: int, rate: float, active: list[int], inactive: list[int]
) -> list[object]:
    """A rep for ``rate`` of ``count`` customers: an active rep, or (3% of them) an inactive one."""
    reps = np.asarray(active, dtype=object)[rng.integers(0, len(active), count)]
    stale = (rng.random(count) < 0.03) & bool(inactive)
    reps[stale] = inactive[0] if inactive else None
    reps[rng.random(count) >= rate] = None
    return reps.tolist()


def _individuals(
    rng: np.random.Generator, seed: int, count: int, after_id: int, contact_emails: list[object]
) -> dict[str, list[object]]:
    """Individual customers: first/last name, email, mostly leads; ids after every other entity."""
    ids = after_id + np.cumsum(rng.integers(1, 4, count))
    first, _, last = _names(rng, count)
    first_l, last_l = first.tolist(), last.tolist()
    mail = _pick(rng, FREE_MAIL, count).tolist()
    emails: list[object] = [
        f"{_ascii_slug(f)}.{_ascii_slug(la)}{i}@{d}"
        for i, (f, la, d) in enumerate(zip(first_l, last_l, mail, strict=True))
    ]
    shared = np.flatnonzero(rng.random(count) < RATES["individual_shared_email"])
    if contact_emails:
        picks = rng.integers(0, len(contact_emails), len(shared)).tolist()
        for i, pick in zip(shared.tolist(), picks, strict=True):
            emails[i] = contact_emails[pick]
    for i in np.flatnonzero(rng.random(count) < RATES["individual_email_missing"]).tolist():
        emails[i] = None
    u = rng.random(count)
    stages = np.where(
        u < RATES["individual_lead"],
        "LEAD",
        np.where(u < RATES["individual_lead"] + RATES["individual_prospect"], "PROSPECT", "CUSTOMER"),
    ).tolist()
    choices = {
        stage: [i for i, s in sorted(CUSTOMER_STATUSES.items()) if s.stage == stage and not s.isinactive]
        for stage in STAGES
    }
    picks = rng.random(count).tolist()
    statuses = [choices[st][int(p * len(choices[st]))] for st, p in zip(stages, picks, strict=True)]
    created, modified = _timestamps(rng, count)
    return {
        "id": ids.tolist(),
        "entityid": [f"{f} {la}" for f, la in zip(first_l, last_l, strict=True)],
        "isperson": ["T"] * count,
        "firstname": first_l,
        "lastname": last_l,
        "searchstage": [STAGES[st][0] for st in stages],
        "entitystatus": statuses,
        "email": emails,
        "phone": _phones(rng, count, 0.6),
        "isinactive": np.where(rng.random(count) < 0.02, "T", "F").tolist(),
        "globalsubscriptionstatus": _subscription_statuses(seed, 7, count),
        "datecreated": created.tolist(),
        "lastmodifieddate": modified.tolist(),
        "custentity_acton_lead_score": _null_unless(rng.integers(0, 101, count), rng.random(count) < 0.2),
    }


def _address_book(
    rng: np.random.Generator,
    owner_ids: list[object],
    addressees: list[object],
    created: list[object],
    modified: list[object],
    billing_rate: np.ndarray,
    next_nkey: int,
) -> tuple[dict[str, list[object]], dict[str, list[object]], list[object], list[object], int]:
    """Address-book lines and addresses of these owners: (book, addresses, default billing nkey per owner,
    default shipping nkey per owner, the next free nkey).

    ``billing_rate`` of owners have a default billing address (also their default shipping address, but
    for ``shipping_elsewhere`` of them who ship to a second one); ``contact_other_address`` of the others
    have a line that is neither default.
    """
    n = len(owner_ids)
    billing = rng.random(n) < billing_rate
    elsewhere = billing & (rng.random(n) < RATES["shipping_elsewhere"])
    other = ~billing & (rng.random(n) < RATES["contact_other_address"])
    owner = np.concatenate([np.flatnonzero(billing), np.flatnonzero(elsewhere), np.flatnonzero(other)])
    kind = np.concatenate(
        [np.zeros(int(billing.sum()), int), np.ones(int(elsewhere.sum()), int), np.full(int(other.sum()), 2)]
    )
    order = np.lexsort((kind, owner))
    owner, kind = owner[order], kind[order]
    lines = len(owner)
    nkeys = next_nkey + np.cumsum(rng.integers(1, 3, lines))
    owner_l = owner.tolist()
    created_a = np.asarray(created, dtype=np.int64)[owner] if lines else np.zeros(0, np.int64)
    modified_a = np.asarray(modified, dtype=np.int64)[owner] if lines else np.zeros(0, np.int64)
    changed = created_a + (rng.random(lines) * (modified_a - created_a)).astype(np.int64)
    addresses = _addresses(rng, [addressees[i] for i in owner_l])
    addresses["nkey"] = nkeys.tolist()
    addresses["lastmodifieddate"] = changed.tolist()
    book = {
        "id": list(range(1, lines + 1)),
        "entity": [owner_ids[i] for i in owner_l],
        "addressbookaddress": nkeys.tolist(),
        "defaultbilling": np.where(kind == 0, "T", "F").tolist(),
        "defaultshipping": np.where(((kind == 0) & ~elsewhere[owner]) | (kind == 1), "T", "F").tolist(),
        "label": addresses["addr1"],
    }
    billing_key: list[object] = [None] * n
    shipping_key: list[object] = [None] * n
    for i, k, key, ship in zip(
        owner_l, kind.tolist(), book["addressbookaddress"], book["defaultshipping"], strict=True
    ):
        if k == 0:
            billing_key[i] = key
        if ship == "T":
            shipping_key[i] = key
    return book, addresses, billing_key, shipping_key, int(nkeys[-1]) if lines else next_nkey


def _addresses(rng: np.random.Generator, addressees: list[object]) -> dict[str, list[object]]:
    """Addresses for these addressees: 75% US, street lines, second lines, attention, messy at
    :data:`ADDRESS_MESS`; ``addrtext`` composed as NetSuite shows it (:func:`schema.format_address`)."""
    n = len(addressees)
    us_places = [i for i, place in enumerate(PLACES) if place[0] == "US"]
    abroad = [i for i, place in enumerate(PLACES) if place[0] != "US"]
    place = np.where(
        rng.random(n) < US_SHARE,
        np.asarray(us_places)[rng.integers(0, len(us_places), n)],
        np.asarray(abroad)[rng.integers(0, len(abroad), n)],
    )
    number = rng.integers(1, 9999, n)
    street = _pick(rng, STREETS, n)
    kind = _pick(rng, STREET_KINDS, n)
    zip_tail = rng.integers(0, 100, n)
    plus4 = rng.random(n) < ADDRESS_RATES["zip_plus4"]
    plus4_digits = rng.integers(0, 10_000, n)
    second = _pick(rng, SECOND_LINES, n)
    second_n = rng.integers(100, 999, n)
    has_second = rng.random(n) < ADDRESS_RATES["addr2"]
    attention = _null_unless(_pick(rng, ATTENTIONS, n), rng.random(n) < ADDRESS_RATES["attention"])
    phones = _phones(rng, n, ADDRESS_RATES["addrphone"])
    mess = {name: rng.random(n) < rate for name, rate in ADDRESS_MESS.items()}

    def column(position: int) -> np.ndarray:
        return np.asarray([p[position] for p in PLACES], dtype=object)[place]

    country, city, state, code, foreign = (column(i) for i in range(5))
    number_first = column(5).astype(bool)
    us = np.asarray([p[4] is None for p in PLACES])[place]
    local = number % 300 + 1
    addr1 = np.empty(n, dtype=object)
    addr1[us] = [f"{a} {b} {c}" for a, b, c in zip(number[us].tolist(), street[us], kind[us], strict=True)]
    ahead = ~us & number_first
    addr1[ahead] = [f"{a} {b}" for a, b in zip(local[ahead].tolist(), foreign[ahead], strict=True)]
    behind = ~us & ~number_first
    addr1[behind] = [f"{b} {a}" for a, b in zip(local[behind].tolist(), foreign[behind], strict=True)]
    code[us] = [f"{c}{t:02d}" for c, t in zip(code[us], zip_tail[us].tolist(), strict=True)]
    extended = us & plus4
    code[extended] = [
        f"{c}-{d:04d}" for c, d in zip(code[extended], plus4_digits[extended].tolist(), strict=True)
    ]
    addr2 = np.full(n, None, dtype=object)
    addr2[has_second] = [
        line.format(n=k, f=k % 40 + 1)
        for line, k in zip(second[has_second], second_n[has_second].tolist(), strict=True)
    ]
    state[mess["state_missing"]] = None
    code[mess["zip_missing"]] = None
    city[mess["city_upper"]] = [c.upper() for c in city[mess["city_upper"]]]
    country[mess["country_missing"]] = None
    out: dict[str, list[object]] = {
        "addressee": list(addressees),
        "attention": attention,
        "addr1": addr1.tolist(),
        "addr2": addr2.tolist(),
        "city": city.tolist(),
        "state": state.tolist(),
        "zip": code.tolist(),
        "country": country.tolist(),
        "addrphone": phones,
    }
    city_lines = [
        " ".join(filter(None, parts)) for parts in zip(out["city"], out["state"], out["zip"], strict=True)
    ]
    names = [COUNTRIES.get(c) if c else None for c in out["country"]]
    out["addrtext"] = [
        "\n".join(str(p) for p in parts if p)
        for parts in zip(
            out["addressee"], attention, out["addr1"], out["addr2"], city_lines, names, strict=True
        )
    ]
    return out
