"""Transform step: make NetSuite contacts fit for Act-On, vectorised, one chunk at a time.

Every change is either harmless normalisation (whitespace, case of emails, E.164 phones) or counted
(phones kept as typed or blanked, truncated cells, neutralised formulas, skipped inactive contacts), and a
row is only removed with a quarantine reason: nothing disappears silently. Expensive per-value work
(email-validator, phonenumbers) runs once per distinct value in the chunk, not once per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import pandas as pd
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from netsuite_acton.csv_safety import FORMULA_START, neutralise_csv_injection
from netsuite_acton.sync.config import ForwardConfig, InvalidPhones
from netsuite_acton.sync.contract import PHONE_COLUMNS, TEXT_COLUMNS
from netsuite_acton.sync.quarantine import join_reasons, split_by_reasons

#: C0/C1 controls, Unicode line/paragraph separators, zero-width space and BOM: never wanted in a list cell.
_CONTROL: Final = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b\ufeff]+"
_TRUE: Final = frozenset({"true", "t", "1", "yes", "y"})
#: Plain lower-case ASCII addresses that email-validator always accepts unchanged (dot-atom local part of at
#: most 64 characters, host labels of letters/digits/inner hyphens, alphabetic TLD). Checked vectorised so
#: the slow per-address validator only sees the unusual rest; tests pin the agreement with email-validator.
_PLAIN_EMAIL: Final = (
    r"(?=[^@]{1,64}@)[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
#: Special-use TLDs email-validator refuses (RFC 6761 and friends); such addresses take the slow path.
_SPECIAL_TLDS: Final = r"\.(?:arpa|invalid|local|localhost|onion|test)$"

# Reason codes (quarantine) and counter names (report).
EMAIL_MISSING: Final = "email_missing"
EMAIL_INVALID: Final = "email_invalid"
EMAIL_UNSAFE: Final = "email_formula_prefix"
INACTIVE_SKIPPED: Final = "inactive_skipped"
PHONE_UNPARSEABLE: Final = "phone_unparseable"  # blanked (``invalid_phones: blank``)
PHONE_KEPT_UNPARSED: Final = "phone_kept_unparsed"  # kept as typed (``invalid_phones: keep``)
PHONE_EXTENSION_DROPPED: Final = "phone_extension_dropped"
CSV_NEUTRALISED: Final = "csv_formula_neutralised"
TRUNCATED_PREFIX: Final = "truncated:"
#: The counter for phones phonenumbers refuses, by policy: blank mode keeps the historical name so run
#: reports from before the policy existed stay comparable.
_UNPARSED_COUNTER: Final[dict[InvalidPhones, str]] = {"keep": PHONE_KEPT_UNPARSED, "blank": PHONE_UNPARSEABLE}


@dataclass(frozen=True)
class CleanResult:
    """Cleaned rows (same columns as the input), the rows quarantined here, and what was changed."""

    frame: pd.DataFrame
    quarantine: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def as_text(values: pd.Series) -> pd.Series:
    """The column as pandas' string dtype with missing values kept missing (not the text "None")."""
    return values.astype("str")


def tidy_text(values: pd.Series) -> pd.Series:
    """Single-line, trimmed, NFC-normalised text; blank becomes missing.

    Control characters and newlines become spaces and runs of whitespace collapse, because an Act-On cell
    is one line. Case is left alone: title-casing "McDonald", "van der Berg" or "Łukasz" would damage them.
    """
    text = as_text(values).str.normalize("NFC")
    text = text.str.replace(_CONTROL, " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    return text.mask(text.eq(""))


def canonical_email(values: pd.Series) -> pd.Series:
    """Trimmed, NFC, lower-case email text, blank as missing: the join key in both directions."""
    text = as_text(values).str.normalize("NFC").str.strip().str.lower()
    return text.mask(text.eq(""))


def validate_emails(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(normalised emails, reason code per row or "") using email-validator without DNS lookups.

    Emails starting with a formula character (``=cmd@x.com`` is syntactically valid) are refused rather
    than prefixed, because the email is Act-On's merge key and a prefixed key would be a different contact.
    """
    emails = canonical_email(values)
    plain = emails.str.fullmatch(_PLAIN_EMAIL).fillna(False).astype(bool) & emails.str.len().le(254).fillna(
        False
    )
    plain &= ~emails.str.contains(_SPECIAL_TLDS).fillna(False).astype(bool)
    plain &= ~emails.str.startswith(FORMULA_START).fillna(False).astype(bool)
    plain &= ~emails.str.contains("xn--", regex=False).fillna(False).astype(bool)  # punycode: let IDNA decide
    unusual = emails.loc[~plain]
    verdicts = {value: _check_email(value) for value in unusual.dropna().unique()}
    normalised = emails.where(plain, unusual.map(lambda v: verdicts[v][0], na_action="ignore")).astype("str")
    reasons = pd.Series("", index=emails.index, dtype="str")
    reasons = reasons.where(plain, unusual.map(lambda v: verdicts[v][1], na_action="ignore").astype("str"))
    reasons = reasons.mask(emails.isna(), EMAIL_MISSING)
    return normalised, reasons


def _check_email(value: str) -> tuple[str | None, str]:
    if value.startswith(FORMULA_START):
        return None, EMAIL_UNSAFE
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None, EMAIL_INVALID
    return result.normalized.lower(), ""


def normalise_phones(
    values: pd.Series, region: str, *, invalid: InvalidPhones
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(phones, unparsed mask, extension-dropped mask).

    A number phonenumbers parses and validates becomes E.164; E.164 has no extension, so extensions are
    dropped and counted. Any other number is counted, never rejected (a bad phone should not keep a
    contact out of marketing), and by ``invalid`` either keeps its tidied text or becomes blank. "keep"
    is the configured default because phonenumbers refuses many real numbers (e.g. unassigned area
    codes), and a blanked number is lost for good.
    """
    text = tidy_text(values)
    parsed = {value: _parse_phone(value, region) for value in text.dropna().unique()}
    numbers = text.map(lambda v: parsed[v][0], na_action="ignore").astype("str")
    unparsed = text.notna() & numbers.isna()
    if invalid == "keep":
        numbers = numbers.mask(unparsed, text)
    extension = text.map(lambda v: parsed[v][1], na_action="ignore").fillna(False).astype(bool)
    return numbers, unparsed, extension


@lru_cache(maxsize=65_536)  # bounded: company switchboard numbers repeat across chunks
def _parse_phone(value: str, region: str) -> tuple[str | None, bool]:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None, False
    if not phonenumbers.is_valid_number(number):
        return None, False
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), bool(number.extension)


def truncate(values: pd.Series, max_length: int) -> tuple[pd.Series, pd.Series]:
    """(cells cut to ``max_length`` characters, mask of cut cells); Act-On rejects over-long fields."""
    text = as_text(values)
    long = text.str.len().gt(max_length).fillna(False).astype(bool)
    return text.mask(long, text.str.slice(0, max_length)), long


def normalise_stage(values: pd.Series) -> pd.Series:
    """Upper-case, trimmed stage, blank as missing (SuiteQL's searchstage says 'Lead', we route 'LEAD')."""
    stage = as_text(values).str.strip().str.upper()
    return stage.mask(stage.eq(""))


def is_inactive(values: pd.Series) -> pd.Series:
    """NetSuite flags come as bools or as "T"/"F"; missing means active."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).astype(bool)
    return as_text(values).str.strip().str.lower().isin(_TRUE).fillna(False).astype(bool)


def clean_contacts(frame: pd.DataFrame, config: ForwardConfig) -> CleanResult:
    """Clean one chunk of contacts (output of validation): same columns, tidier values.

    Steps: drop inactive contacts unless configured (counted), validate and normalise emails (failures to
    quarantine), tidy text, phones to E.164 (the rest kept or blanked by ``invalid_phones``), stage
    upper-case. Rows in = cleaned + quarantined + skipped.
    """
    counts: dict[str, int] = {}
    inactive = is_inactive(frame["isinactive"]) if "isinactive" in frame else pd.Series(False, frame.index)
    if not config.include_inactive:
        counts[INACTIVE_SKIPPED] = int(inactive.sum())
        frame = frame.loc[~inactive]

    emails, email_reasons = validate_emails(frame["email"])
    reasons = join_reasons(
        frame.index, [(code, email_reasons.eq(code)) for code in (EMAIL_MISSING, EMAIL_UNSAFE, EMAIL_INVALID)]
    )
    kept, quarantine = split_by_reasons(frame, reasons)
    cleaned = kept.copy()
    cleaned["email"] = emails.loc[kept.index]
    cleaned["id"] = as_text(cleaned["id"]).str.strip()
    for column in (*TEXT_COLUMNS, *config.extra_columns):
        if column in cleaned and column != "email" and column not in PHONE_COLUMNS:
            cleaned[column] = tidy_text(cleaned[column])
    unparsed_counter = _UNPARSED_COUNTER[config.invalid_phones]
    counts[unparsed_counter] = counts[PHONE_EXTENSION_DROPPED] = 0
    for column in PHONE_COLUMNS:
        if column in cleaned:
            cleaned[column], unparsed, extension = normalise_phones(
                cleaned[column], config.default_phone_region, invalid=config.invalid_phones
            )
            counts[unparsed_counter] += int(unparsed.sum())
            counts[PHONE_EXTENSION_DROPPED] += int(extension.sum())
    if "company" in cleaned:
        cleaned["company"] = tidy_text(cleaned["company"])
    if "stage" in cleaned:
        cleaned["stage"] = normalise_stage(cleaned["stage"])
    if "lastmodifieddate" in cleaned:
        cleaned["lastmodifieddate"] = pd.to_datetime(cleaned["lastmodifieddate"], utc=True)
    for code in (EMAIL_MISSING, EMAIL_UNSAFE, EMAIL_INVALID):
        counts[code] = int(email_reasons.eq(code).sum())
    return CleanResult(cleaned, quarantine, dict(sorted(counts.items())))


def make_csv_safe(rows: pd.DataFrame, config: ForwardConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """Neutralise formulas and cut over-long cells in every mapped heading; counted per heading.

    Runs on Act-On rows (after routing) because limits are per heading. Neutralise first, then cut, so a
    prefixed cell still fits its limit; both steps are idempotent, so rerunning a chunk changes nothing.
    The email heading is skipped: it is the merge key, so formula-looking emails are quarantined by
    ``clean_contacts`` and over-long ones by the GX suite instead of being altered here.
    """
    out = rows.copy()
    counts: dict[str, int] = {CSV_NEUTRALISED: 0}
    for heading in config.headings:
        if heading not in out or heading == config.email_heading:
            continue
        out[heading], changed = neutralise_csv_injection(out[heading])
        counts[CSV_NEUTRALISED] += int(changed.sum())
        out[heading], cut = truncate(out[heading], config.max_length(heading))
        if cut.any():
            counts[f"{TRUNCATED_PREFIX}{heading}"] = int(cut.sum())
    return out, dict(sorted(counts.items()))


__all__ = [
    "CSV_NEUTRALISED",
    "EMAIL_INVALID",
    "EMAIL_MISSING",
    "EMAIL_UNSAFE",
    "INACTIVE_SKIPPED",
    "PHONE_EXTENSION_DROPPED",
    "PHONE_KEPT_UNPARSED",
    "PHONE_UNPARSEABLE",
    "CleanResult",
    "canonical_email",
    "clean_contacts",
    "is_inactive",
    "make_csv_safe",
    "neutralise_csv_injection",
    "normalise_phones",
    "normalise_stage",
    "tidy_text",
    "truncate",
    "validate_emails",
]
