"""What a page may show of a row: addresses masked, every other text redacted, personal columns left out."""

from __future__ import annotations

from datetime import UTC, datetime

from netsuite_acton.sync.consent import email_digest
from netsuite_acton.ui.masking import cell, mask_email, mask_text, masked_rows, preview_columns, scrub


def test_an_email_column_is_masked_whole_whatever_its_shape() -> None:
    assert mask_email("Jane@Example.com ") == f"<email>#{email_digest('jane@example.com')}"
    assert cell("E-mail Address", "not-an-address").startswith("<email>#")
    assert cell("salesrep_email", None) == ""
    assert cell("email", float("nan")) == ""


def test_free_text_loses_every_word_with_an_at() -> None:
    assert mask_text("refused: a.b@example.com and bad@@x..com, ok") == "refused: <email> and <email>, ok"
    assert cell("reasons", "email_invalid: x@y") == "email_invalid: <email>"


def test_cells_other_than_text() -> None:
    assert cell("recorded_at", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02 03:04:05+00:00"
    assert cell("attempts", 3.0) == "3"
    assert cell("ok", True) == "True"


def test_preview_columns_leave_personal_columns_out() -> None:
    columns = ["firstname", "phone", "email", "id", "reasons", "address1", "salesrep_email"]
    assert preview_columns(columns) == ["id", "email", "reasons"]
    rows = masked_rows(
        [{"id": 1, "email": "a@b.co", "reasons": "r", "firstname": "Zed"}], ["id", "email", "reasons"]
    )
    assert rows == [{"id": "1", "email": mask_email("a@b.co"), "reasons": "r"}]


def test_scrub_walks_any_structure() -> None:
    data = {"problems": ["x@y.com failed"], "steps": {"a@b.com": {"n": 1}}, "ok": True}
    assert scrub(data) == {"problems": ["<email> failed"], "steps": {"<email>": {"n": 1}}, "ok": True}
