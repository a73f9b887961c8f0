"""The SuiteQL templates' output columns, read from the SQL, and the mapping check built on them."""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from netsuite_acton.sources.netsuite_contacts import contacts_frame
from netsuite_acton.sources.suiteql_templates import (
    TemplateColumnsError,
    check_output_columns,
    output_columns,
)
from netsuite_acton.sync.contract import CONTACT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ("contacts", "contacts_by_id")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "suiteql"
    shutil.copytree(ROOT / "include" / "suiteql", target)
    return target


def test_the_contacts_templates_return_the_contract_and_agree() -> None:
    columns = output_columns("contacts")
    assert output_columns("contacts_by_id") == columns
    # the contract's columns, with the stage read as searchstage (normalised by the source)
    assert set(CONTACT_COLUMNS) - {"stage"} <= set(columns)
    assert "searchstage" in columns


def test_aliases_win_and_names_are_lower_case(folder: Path) -> None:
    (folder / "probe.sql").write_text(
        "-- a comment with $placeholder\nSELECT c.ID, c.Custentity_X AS Industry, TO_CHAR(c.d, 'x') AS d\n"
        "FROM contact c WHERE c.id > $after_id AND c.id <= ${upper_id}"
    )
    assert output_columns("probe", folder) == ["id", "industry", "d"]


def test_a_mapped_column_missing_from_a_template_is_named_with_its_heading(folder: Path) -> None:
    contacts = folder / "contacts.sql"
    contacts.write_text(contacts.read_text().replace("c.title,", "c.title, c.custentity_industry,"))
    mapped = {"E-mail Address": "email", "NetSuite Stage": "stage", "Industry": "custentity_industry"}
    with pytest.raises(TemplateColumnsError) as caught:
        check_output_columns(mapped, TEMPLATES, folder)
    message = str(caught.value)
    assert "forward.mapping.'Industry': column 'custentity_industry'" in message
    assert "include/suiteql/contacts_by_id.sql" in message  # only the template that lacks it
    assert "is not returned by include/suiteql/contacts.sql " not in message
    assert "must return the same columns; only one of them returns ['custentity_industry']" in message
    by_id = folder / "contacts_by_id.sql"
    by_id.write_text(by_id.read_text().replace("c.title,", "c.title, c.custentity_industry,"))
    check_output_columns(mapped, TEMPLATES, folder)  # both have it now


def test_templates_that_drift_apart_are_refused_even_for_unmapped_columns(folder: Path) -> None:
    contacts = folder / "contacts.sql"
    contacts.write_text(contacts.read_text().replace("c.title,", "c.title, c.custentity_unused,"))
    with pytest.raises(TemplateColumnsError, match=r"only one of them returns \['custentity_unused'\]"):
        check_output_columns({"E-mail Address": "email"}, TEMPLATES, folder)


def test_a_template_that_does_not_parse_is_a_clear_error(folder: Path) -> None:
    (folder / "contacts.sql").write_text("SELECT FROM WHERE (")
    with pytest.raises(TemplateColumnsError, match=r"contacts\.sql does not parse"):
        output_columns("contacts", folder)


def test_contacts_frame_keeps_extra_columns_as_text() -> None:
    items = [
        {"id": "1", "email": "a@x.com", "custentity_industry": "Aerospace", "custentity_size": 12},
        {"id": "2", "email": "b@x.com"},  # NetSuite leaves null columns out of an item
    ]
    frame = contacts_frame(items, ZoneInfo("UTC"), ("custentity_industry", "custentity_size"))
    assert list(frame.columns) == [*CONTACT_COLUMNS, "custentity_industry", "custentity_size"]
    assert frame["custentity_industry"].tolist() == ["Aerospace", None]
    assert frame["custentity_size"].tolist() == ["12", None]
    assert list(contacts_frame(items, ZoneInfo("UTC")).columns) == list(CONTACT_COLUMNS)
