from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from netsuite_acton.sync.config import ConfigError, load_config, parse_config
from tests.sync.conftest import SYNC_YAML


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(SYNC_YAML.read_text())


def _error(data: dict) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="sync.yaml")
    return str(info.value)


def test_project_yaml_loads(config) -> None:
    fwd = config.forward
    assert fwd.email_heading == "E-mail Address"
    assert fwd.mapping["First Name"].column == "firstname"
    assert fwd.routed_lists == [
        "NetSuite Customers",
        "NetSuite Prospects",
        "NetSuite Leads",
        "NetSuite Unaffiliated",
    ]
    assert config.reverse_lists == fwd.routed_lists
    assert config.reverse.score_range == (0.0, 100.0)
    assert fwd.invalid_phones == "keep"
    assert config.expectations.contacts.is_absolute()
    assert config.expectations.contacts.exists()
    assert config.expectations.scores.exists()


def test_long_form_mapping_and_per_heading_limit(raw) -> None:
    raw["forward"]["mapping"]["Job Title"] = {"column": "title", "max_length": 100}
    fwd = parse_config(raw).forward
    assert fwd.max_length("Job Title") == 100
    assert fwd.max_length("First Name") == 255


def test_unknown_key_names_key_and_suggests(raw) -> None:
    raw["forward"]["chunk_rowz"] = 5
    message = _error(raw)
    assert "forward.chunk_rowz: unknown key" in message
    assert "chunk_rows" in message


def test_unknown_stage_and_column(raw) -> None:
    raw["forward"]["routing"]["by_stage"]["LEED"] = "Leeds"
    raw["forward"]["mapping"]["Fax"] = "Fax Number!"
    message = _error(raw)
    assert "forward.routing.by_stage.LEED: this key is not allowed" in message
    assert "forward.mapping.Fax.column" in message
    assert "'Fax Number!'" in message
    assert "2 problem(s)" in message


def test_any_column_name_may_be_mapped_and_the_extra_ones_are_listed(raw) -> None:
    """Whether the query returns it is checked against the query, before extraction (not here)."""
    raw["forward"]["mapping"]["Industry"] = "custentity_industry"
    raw["forward"]["mapping"]["Sector"] = {"column": "custentity_industry", "max_length": 40}
    config = parse_config(raw)
    assert config.forward.extra_columns == ["custentity_industry"]
    assert (
        parse_config(
            {**raw, "forward": {**raw["forward"], "mapping": {"E-mail Address": "email"}}}
        ).forward.extra_columns
        == []
    )


def test_email_heading_must_be_mapped_to_email(raw) -> None:
    bad = copy.deepcopy(raw)
    bad["forward"]["email_heading"] = "Email"
    assert "email_heading 'Email' is not a heading of mapping" in _error(bad)
    raw["forward"]["email_heading"] = "First Name"
    assert "must map the 'email' column" in _error(raw)


@pytest.mark.parametrize("policy", ["keep", "blank"])
def test_invalid_phones_policy(raw, policy) -> None:
    raw["forward"]["invalid_phones"] = policy
    assert parse_config(raw).forward.invalid_phones == policy
    del raw["forward"]["invalid_phones"]
    assert parse_config(raw).forward.invalid_phones == "keep"  # nothing a user typed is thrown away


def test_missing_required_key(raw) -> None:
    del raw["forward"]["routing"]
    assert "forward.routing: required key is missing" in _error(raw)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("forward", "reject_rate_threshold"), 1.5, "forward.reject_rate_threshold"),
        (("forward", "default_phone_region"), "XX", "not a region phonenumbers knows"),
        (
            ("forward", "invalid_phones"),
            "Keep",
            "forward.invalid_phones: Input should be 'keep' or 'blank' (got 'Keep')",
        ),
        (("reverse", "score_range"), [100, 0], "low < high"),
        (("reverse", "contact_field"), "acton_score", "starting with 'custentity'"),
        (("reverse", "lists"), [], "non-empty list"),
        (("forward", "routing", "unaffiliated"), "NetSuite Leads", "used more than once"),
        (("version",), 2, "version"),
    ],
)
def test_bad_values(raw, path, value, expected) -> None:
    target = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert expected in _error(raw)


def test_reserved_and_case_clashing_headings(raw) -> None:
    raw["forward"]["mapping"]["list_name"] = "title"
    raw["forward"]["mapping"]["first name"] = "firstname"
    message = _error(raw)
    assert "reserved" in message or "differ only by case" in message


def test_lead_field_null_disables(raw) -> None:
    raw["reverse"]["lead_field"] = None
    raw["reverse"]["lists"] = ["NetSuite Leads"]
    config = parse_config(raw)
    assert config.reverse.lead_field is None
    assert config.reverse_lists == ["NetSuite Leads"]


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = tmp_path / "sync.yaml"
    path.write_text("forward:\n  mapping: [unclosed\n")
    with pytest.raises(ConfigError, match=r"not valid YAML at line \d+"):
        load_config(path)


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(path)


def test_reverse_fields_parse_with_defaults(raw) -> None:
    raw["reverse"]["fields"] = [{"heading": "Lead Rating", "field": "custentity_rating", "type": "integer"}]
    entry = parse_config(raw).reverse.fields[0]
    assert (entry.record, entry.policy, entry.type) == ("contact", "always", "integer")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"heading": "R", "field": "custentity_r", "type": "decimal"}, "type"),
        ({"heading": "R", "field": "custentity_r", "type": "text", "policy": "sometimes"}, "policy"),
        ({"heading": "R", "field": "rating", "type": "text"}, "custentity"),
        ({"heading": "R", "field": "custentity_r"}, "type"),
        ({"heading": "R", "field": "custentity_acton_score", "type": "integer"}, "written twice"),
        ({"heading": "Act-On score", "field": "custentity_r", "type": "integer"}, "score column"),
    ],
)
def test_reverse_fields_refuse_what_cannot_work(raw, entry: dict, expected: str) -> None:
    raw["reverse"]["fields"] = [entry]
    assert expected in _error(raw)


def test_one_netsuite_field_is_written_from_one_entry(raw) -> None:
    entry = {"heading": "R", "field": "custentity_r", "type": "integer"}
    raw["reverse"]["fields"] = [entry, {**entry, "heading": "Other"}]
    assert "written twice" in _error(raw)
    raw["reverse"]["fields"] = [entry, {**entry, "record": "customer"}]
    assert len(parse_config(raw).reverse.fields) == 2
