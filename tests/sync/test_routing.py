from __future__ import annotations

from netsuite_acton.sync.cleaning import clean_contacts
from netsuite_acton.sync.config import RoutingConfig
from netsuite_acton.sync.contract import LIST_NAME, NETSUITE_ID
from netsuite_acton.sync.routing import contact_links, route_contacts
from tests.sync.conftest import contacts


def _people():
    return contacts(
        [
            {"id": "1", "email": "c@example.com", "company": "10", "stage": "CUSTOMER"},
            {"id": "2", "email": "p@example.com", "company": "11", "stage": "prospect "},
            {"id": "3", "email": "l@example.com", "company": "12", "stage": "LEAD"},
            {"id": "4", "email": "u@example.com"},
            {"id": "5", "email": "s@example.com", "company": "13", "stage": None},
            {"id": "6", "email": "n@example.com", "company": None, "stage": "LEAD"},
        ]
    )


def test_routes_by_stage_and_maps_headings(forward) -> None:
    rows, counts = route_contacts(clean_contacts(_people(), forward).frame, forward)
    assert counts == {}
    assert dict(zip(rows[NETSUITE_ID], rows[LIST_NAME], strict=True)) == {
        "1": "NetSuite Customers",
        "2": "NetSuite Prospects",
        "3": "NetSuite Leads",
        "4": "NetSuite Unaffiliated",
        "5": "NetSuite Unaffiliated",
        "6": "NetSuite Unaffiliated",
    }
    assert list(rows.columns) == [*forward.headings, LIST_NAME, NETSUITE_ID]
    assert rows.loc[rows[NETSUITE_ID] == "2", "NetSuite Stage"].iloc[0] == "PROSPECT"


def test_unrouted_stages_are_counted_not_lost(forward) -> None:
    routing = RoutingConfig(by_stage={"CUSTOMER": "Customers"}, unaffiliated=None)
    narrow = forward.model_copy(update={"routing": routing})
    rows, counts = route_contacts(clean_contacts(_people(), narrow).frame, narrow)
    assert rows[LIST_NAME].tolist() == ["Customers"]
    assert counts == {"not_routed:LEAD": 1, "not_routed:PROSPECT": 1, "not_routed:unaffiliated": 3}


def test_contact_links_keep_company(forward) -> None:
    links = contact_links(clean_contacts(_people(), forward).frame)
    assert list(links.columns) == ["netsuite_id", "email", "company_id", "company_stage"]
    assert links.iloc[1].tolist() == ["2", "p@example.com", "11", "PROSPECT"]


def test_opted_out_emails_are_those_of_status_2_or_4_in_any_case() -> None:
    import pandas as pd

    from netsuite_acton.sync.routing import opted_out_emails

    frame = pd.DataFrame(
        {
            "email": [" A@Example.com", "b@example.com", "c@example.com", "d@example.com", None],
            "globalsubscriptionstatus": ["2", "1", "4", None, "2"],
        }
    )
    assert opted_out_emails(frame) == {"a@example.com", "c@example.com"}
    assert opted_out_emails(frame.drop(columns="globalsubscriptionstatus")) == set()
