from __future__ import annotations

import pandas as pd
import pytest

from netsuite_acton.sync import cleaning
from netsuite_acton.sync.cleaning import (
    clean_contacts,
    make_csv_safe,
    neutralise_csv_injection,
    normalise_phones,
    tidy_text,
    truncate,
    validate_emails,
)
from netsuite_acton.sync.config import ForwardConfig, InvalidPhones
from netsuite_acton.sync.contract import REASONS
from netsuite_acton.sync.routing import route_contacts
from tests.sync.conftest import contacts

UNPARSED_COUNTERS = {"keep": cleaning.PHONE_KEPT_UNPARSED, "blank": cleaning.PHONE_UNPARSEABLE}


def _with_policy(forward: ForwardConfig, policy: InvalidPhones) -> ForwardConfig:
    return forward.model_copy(update={"invalid_phones": policy})


def test_emails_trimmed_lowercased_and_validated() -> None:
    emails, reasons = validate_emails(
        pd.Series(["  Zoë.Ünï@Example.COM ", "bad@@x.com", None, "   ", "=cmd@x.com", "a@x.test", "x@y.org"])
    )
    assert emails.tolist()[0] == "zoë.ünï@example.com"
    assert emails.tolist()[-1] == "x@y.org"
    assert reasons.tolist() == [
        "",
        "email_invalid",
        "email_missing",
        "email_missing",
        "email_formula_prefix",
        "email_invalid",
        "",
    ]


def test_tidy_text_keeps_unicode_and_case() -> None:
    out = tidy_text(
        pd.Series([" Zoë \n", "Line1\nLine2\r\n\tEnd", "ŁUKASZ", "van der Berg", "a\x00b\u200bc", " ", None])
    )
    assert out.tolist()[:5] == ["Zoë", "Line1 Line2 End", "ŁUKASZ", "van der Berg", "a b c"]
    assert out.isna().tolist()[5:] == [True, True]


def test_tidy_text_normalises_unicode_form() -> None:
    decomposed = "Zoe\u0308"  # e + combining diaeresis
    assert tidy_text(pd.Series([decomposed])).iloc[0] == "Zoë"


@pytest.mark.parametrize("policy", ["keep", "blank"])
@pytest.mark.parametrize(
    ("raw", "kept", "blanked", "unparsed", "extension"),
    [
        ("(415) 555-0123 ext. 22", "+14155550123", "+14155550123", False, True),
        ("+44 20 7946 0958", "+442079460958", "+442079460958", False, False),
        ("415.555.0123", "+14155550123", "+14155550123", False, False),
        ("1-800-FLOWERS", "+18003569377", "+18003569377", False, False),
        # phone-shaped, but area code 123 is unassigned: phonenumbers parses it and calls it invalid
        (" (123)  456-7890\n", "(123) 456-7890", None, True, False),
        ("(123) 456-7890 x12", "(123) 456-7890 x12", None, True, False),  # kept whole: nothing dropped
        ("junk!!", "junk!!", None, True, False),
        ("12", "12", None, True, False),
        ("x" * 10_000, "x" * 10_000, None, True, False),  # cut later, per heading, by make_csv_safe
        ("", None, None, False, False),
        (None, None, None, False, False),
    ],
)
def test_phones_to_e164_or_policy(policy, raw, kept, blanked, unparsed, extension) -> None:
    numbers, bad, ext = normalise_phones(pd.Series([raw]), "US", invalid=policy)
    expected = kept if policy == "keep" else blanked
    assert (None if pd.isna(numbers.iloc[0]) else numbers.iloc[0]) == expected
    assert bool(bad.iloc[0]) is unparsed
    assert bool(ext.iloc[0]) is extension


def test_phone_default_region_applies() -> None:
    numbers, _, _ = normalise_phones(pd.Series(["020 7946 0958"]), "GB", invalid="blank")
    assert numbers.iloc[0] == "+442079460958"


def test_invalid_phones_kept_by_default(forward) -> None:
    """The project's YAML keeps what a user typed; counted under their own name, not as blanked."""
    frame = contacts(
        [
            {
                "id": "1",
                "email": "a@example.com",
                "phone": "(415) 555-0123",
                "mobilephone": "(123) 456-7890",
                "officephone": "call reception",
            },
            {"id": "2", "email": "b@example.com", "phone": "415-555-0123 x77", "mobilephone": "n/a"},
        ]
    )
    result = clean_contacts(frame, forward)
    assert forward.invalid_phones == "keep"
    cleaned = result.frame.set_index("id")
    assert cleaned.loc["1", ["phone", "mobilephone", "officephone"]].tolist() == [
        "+14155550123",
        "(123) 456-7890",
        "call reception",
    ]
    assert cleaned.loc["2", ["phone", "mobilephone"]].tolist() == ["+14155550123", "n/a"]
    assert pd.isna(cleaned.loc["2", "officephone"])
    assert result.counts[cleaning.PHONE_KEPT_UNPARSED] == 3
    assert result.counts[cleaning.PHONE_EXTENSION_DROPPED] == 1
    assert cleaning.PHONE_UNPARSEABLE not in result.counts


@pytest.mark.parametrize("policy", ["keep", "blank"])
def test_unparsed_phone_counter_by_policy(forward, policy) -> None:
    frame = contacts([{"id": "1", "email": "a@example.com", "phone": "(123) 456-7890", "mobilephone": "?"}])
    result = clean_contacts(frame, _with_policy(forward, policy))
    assert {k: v for k, v in result.counts.items() if k.startswith("phone_")} == {
        UNPARSED_COUNTERS[policy]: 2,
        cleaning.PHONE_EXTENSION_DROPPED: 0,
    }
    phones = result.frame[["phone", "mobilephone"]].iloc[0]
    if policy == "keep":
        assert phones.tolist() == ["(123) 456-7890", "?"]
    else:
        assert phones.isna().all()


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("+14155550123", "+14155550123"),
        ("+1 (415) 555-0100", "+1 (415) 555-0100"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("+1-415-555.0100", "+1-415-555.0100"),
        ("+1 555 0100 x123", "'+1 555 0100 x123"),  # a letter could form a cell reference (x123)
        ("+1 SUM(A1)", "'+1 SUM(A1)"),
        ("+1+2", "'+1+2"),
        ("+ 1 555 0100", "'+ 1 555 0100"),  # "+" must be followed by a digit
        ("+", "'+"),
        ("+\uff11\uff12\uff13", "'+\uff11\uff12\uff13"),  # ASCII digits only (these are full-width)
        ("=1+2", "'=1+2"),
        ("-1", "'-1"),
        ("-1 555 0100", "'-1 555 0100"),  # a leading "-" is never exempt
    ],
)
def test_csv_injection_exempts_only_phone_shaped_text(raw, safe) -> None:
    out, changed = neutralise_csv_injection(pd.Series([raw]))
    assert out.iloc[0] == safe
    assert bool(changed.iloc[0]) is (safe != raw)


def test_kept_phones_survive_csv_safety(forward) -> None:
    """A phone kept as typed reaches Act-On unaltered when phone-shaped, neutralised when formula-like."""
    frame = contacts(
        [
            {"id": "1", "email": "a@example.com", "phone": "+1 (123) 456-7890", "mobilephone": "=1+2"},
            {"id": "2", "email": "b@example.com", "phone": "+1 (123) 456-7890 x5", "mobilephone": "-1"},
        ]
    )
    rows, _ = route_contacts(clean_contacts(frame, forward).frame, forward)
    safe, counts = make_csv_safe(rows, forward)
    by_id = safe.set_index("NetSuite Contact ID")
    assert by_id.loc["1", ["Business Phone", "Cell Phone"]].tolist() == ["+1 (123) 456-7890", "'=1+2"]
    assert by_id.loc["2", ["Business Phone", "Cell Phone"]].tolist() == ["'+1 (123) 456-7890 x5", "'-1"]
    assert counts[cleaning.CSV_NEUTRALISED] == 3


def test_csv_injection_neutralised_idempotently() -> None:
    raw = pd.Series(
        ["=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@A1", "\tx", "\rx", "ok", "+14155550123", None]
    )
    once, changed = neutralise_csv_injection(raw)
    assert once.tolist()[:6] == ["'=cmd|' /C calc'!A0", "'+SUM(1)", "'-2+3", "'@A1", "'\tx", "'\rx"]
    assert once.iloc[6] == "ok"
    assert once.iloc[7] == "+14155550123"  # E.164 is not a formula
    assert changed.sum() == 6
    twice, changed_again = neutralise_csv_injection(once)
    assert twice.equals(once)
    assert changed_again.sum() == 0


def test_truncate_counts() -> None:
    out, cut = truncate(pd.Series(["x" * 10_000, "short", None]), 255)
    assert out.str.len().tolist()[:2] == [255, 5]
    assert cut.tolist() == [True, False, False]


@pytest.mark.parametrize(("policy", "mobile"), [("keep", "junk!!"), ("blank", None)])
def test_clean_contacts_on_nasty_rows(nasty, forward, policy, mobile) -> None:
    result = clean_contacts(nasty, _with_policy(forward, policy))
    assert result.counts["inactive_skipped"] == 1
    assert result.counts[UNPARSED_COUNTERS[policy]] == 1
    assert result.counts["phone_extension_dropped"] == 1
    reasons = dict(zip(result.quarantine["id"], result.quarantine[REASONS], strict=True))
    assert reasons == {
        "2": "email_invalid",
        "3": "email_missing",
        "4": "email_formula_prefix",
        "8": "email_missing",
    }
    # nothing lost: cleaned + quarantined + skipped = input
    assert len(result.frame) + len(result.quarantine) + result.counts["inactive_skipped"] == len(nasty)
    cleaned = result.frame.set_index("id")
    assert cleaned.loc["1", "email"] == "zoë.ünï@example.com"
    assert cleaned.loc["1", "firstname"] == "Zoë"
    assert cleaned.loc["1", "phone"] == "+14155550123"
    assert cleaned.loc["1", "companyname"] == 'Acme, "Inc"'
    assert cleaned.loc["7", "lastname"] == "Line1 Line2 End"
    assert cleaned.loc["7", "stage"] == "PROSPECT"
    assert (None if pd.isna(cleaned.loc["7", "mobilephone"]) else cleaned.loc["7", "mobilephone"]) == mobile
    # the quarantine keeps the original values for humans to fix
    assert result.quarantine.set_index("id").loc["4", "email"] == "=cmd@example.com"


def test_inactive_kept_when_configured(nasty, forward) -> None:
    keep = forward.model_copy(update={"include_inactive": True})
    result = clean_contacts(nasty, keep)
    assert "6" in set(result.frame["id"])
    assert "inactive_skipped" not in result.counts


def test_inactive_flags_as_text(nasty, forward) -> None:
    nasty["isinactive"] = ["F", "F", "F", "F", "F", "T", "f", None]
    result = clean_contacts(nasty, forward)
    assert result.counts["inactive_skipped"] == 1


def test_make_csv_safe_neutralises_then_truncates(nasty, forward) -> None:
    nasty.loc[nasty["id"] == "1", "lastname"] = "=" + "y" * 300
    rows, _ = route_contacts(clean_contacts(nasty, forward).frame, forward)
    safe, counts = make_csv_safe(rows, forward)
    assert counts["truncated:First Name"] == 1
    assert counts["truncated:Last Name"] == 1
    assert counts[cleaning.CSV_NEUTRALISED] == 2  # title of 5, last name of 1
    by_id = safe.set_index("NetSuite Contact ID")
    assert by_id.loc["5", "Job Title"] == "'=cmd|' /C calc'!A0"
    assert by_id.loc["5", "First Name"] == "x" * 255
    assert by_id.loc["1", "Last Name"].startswith("'=")
    assert len(by_id.loc["1", "Last Name"]) == 255
    assert by_id.loc["1", "Business Phone"] == "+14155550123"
    again, again_counts = make_csv_safe(safe, forward)
    assert again.equals(safe)
    assert again_counts[cleaning.CSV_NEUTRALISED] == 0


def test_per_heading_max_length(nasty, config) -> None:
    from netsuite_acton.sync.config import FieldSpec

    mapping = dict(config.forward.mapping)
    mapping["Job Title"] = FieldSpec(column="title", max_length=5)
    forward = config.forward.model_copy(update={"mapping": mapping})
    rows, _ = route_contacts(clean_contacts(nasty, forward).frame, forward)
    safe, counts = make_csv_safe(rows, forward)
    assert safe.set_index("NetSuite Contact ID").loc["5", "Job Title"] == "'=cmd"
    assert counts["truncated:Job Title"] == 1


TRICKY_EMAILS = [
    "a@b.co",
    "first.last+tag@sub.example.com",
    "o'brien@example.ie",
    "x{y}|z~@example.com",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a@-example.com",
    "a@example-.com",
    "a@example.c",
    "a@example.123",
    "a@localhost",
    "a@host.test",
    "a@host.local",
    "a@xn--zz.com",
    "a@xn--bcher-kva.de",
    "l" * 64 + "@example.com",
    "l" * 65 + "@example.com",
    "a@" + "d" * 63 + ".com",
    "a@" + "d" * 64 + ".com",
    "a@" + ".".join(["d" * 60] * 4) + ".com",
    "zoë@bücher.de",
    "a b@example.com",
    "a@b@example.com",
    "-dash@example.com",
]


@pytest.mark.parametrize("email", TRICKY_EMAILS)
def test_fast_path_agrees_with_email_validator(email) -> None:
    """The vectorised shortcut must never accept what email-validator refuses, nor alter the address."""
    from email_validator import EmailNotValidError, validate_email

    normalised, reasons = validate_emails(pd.Series([email]))
    try:
        expected = validate_email(email, check_deliverability=False).normalized.lower()
        expected_reason = "email_formula_prefix" if email.startswith("-") else ""
    except EmailNotValidError:
        expected, expected_reason = None, "email_invalid"
    assert reasons.iloc[0] == expected_reason
    if expected_reason == "":
        assert normalised.iloc[0] == expected
