"""The provider entry point: Airflow finds both connection types, their hooks and their form fields."""

from __future__ import annotations

import warnings

from netsuite_acton import get_provider_info


def test_provider_info_declares_both_connection_types() -> None:
    info = get_provider_info()
    types = {c["connection-type"]: c for c in info["connection-types"]}
    assert set(types) == {"netsuite", "acton"}
    secrets = {"consumer_secret", "token_id", "token_secret", "private_key"}
    for name in secrets:
        assert types["netsuite"]["conn-fields"][name]["schema"]["format"] in {"password", "multiline"}
    assert types["acton"]["conn-fields"]["client_secret"]["schema"]["format"] == "password"
    assert "password" not in types["acton"]["ui-field-behaviour"]["hidden-fields"]


def test_airflow_registers_the_hooks_and_fields() -> None:
    from airflow.providers_manager import ProvidersManager

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        manager = ProvidersManager()
        hooks = manager.hooks
        widgets = manager.connection_form_widgets
    assert hooks["netsuite"].hook_class_name == "netsuite_acton.hooks.netsuite.NetSuiteHook"
    assert hooks["acton"].hook_class_name == "netsuite_acton.hooks.acton.ActOnHook"
    assert "extra__netsuite__token_secret" in widgets
    assert "extra__acton__client_secret" in widgets


def test_secret_fields_are_masked_in_logs() -> None:
    """Airflow masks extra values by key name; every secret field's name must be one it masks."""
    from airflow.sdk._shared.secrets_masker import should_hide_value_for_key

    for key in ("consumer_secret", "token_id", "token_secret", "private_key", "client_secret", "password"):
        assert should_hide_value_for_key(key), key
