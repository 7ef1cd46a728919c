"""The pure rules of identity and access: who may change what, and what confidential assets others see."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from koppelkans.access import ANONYMOUS, Action, Principal, Role, may, redact, visible_findings
from koppelkans.access.confidentiality import zone_id
from koppelkans.config import CRS

VIEWER = Principal(email="v@gemeente.nl", organisation="GM0153", role=Role.VIEWER)
EDITOR = Principal(email="e@enexis.nl", organisation="ENEXIS", role=Role.EDITOR)
READ_ONLY_EDITOR = Principal(email="e@enexis.nl", organisation="ENEXIS", role=Role.EDITOR, scope="read")
COORDINATOR = Principal(email="c@gemeente.nl", organisation="GM0153", role=Role.COORDINATOR)
ADMIN = Principal(email="a@gemeente.nl", organisation=None, role=Role.ADMIN)

ENEXIS_WORK = {"id": "ENEXIS:W1", "organisation": "ENEXIS"}
VITENS_WORK = {"id": "VITENS:W1", "organisation": "VITENS"}


@pytest.mark.parametrize(
    ("principal", "action", "kind", "record", "allowed"),
    [
        (ANONYMOUS, Action.READ, "works", ENEXIS_WORK, False),
        (VIEWER, Action.READ, "works", ENEXIS_WORK, True),
        (VIEWER, Action.UPDATE, "works", {"organisation": "GM0153"}, False),
        (EDITOR, Action.CREATE, "works", ENEXIS_WORK, True),
        (EDITOR, Action.UPDATE, "assets", ENEXIS_WORK, True),
        (EDITOR, Action.DELETE, "tasks", ENEXIS_WORK, True),
        (EDITOR, Action.UPDATE, "works", VITENS_WORK, False),
        (EDITOR, Action.CREATE, "segments", None, False),
        (EDITOR, Action.UPDATE, "organisations", {"code": "ENEXIS"}, True),
        (EDITOR, Action.CREATE, "organisations", {"code": "ENEXIS"}, False),
        (EDITOR, Action.RUN, "couplings", None, False),
        (READ_ONLY_EDITOR, Action.UPDATE, "works", ENEXIS_WORK, False),
        (COORDINATOR, Action.UPDATE, "works", VITENS_WORK, True),
        (COORDINATOR, Action.RUN, "projects", None, True),
        (COORDINATOR, Action.MANAGE, "users", None, False),
        (ADMIN, Action.MANAGE, "users", None, True),
    ],
)
def test_may_follows_role_organisation_and_scope(principal, action, kind, record, allowed) -> None:
    assert may(principal, action, kind, record) is allowed


def _assets() -> gpd.GeoDataFrame:
    line = shapely.LineString([(257600, 472600), (257700, 472600)])
    return gpd.GeoDataFrame(
        {
            "id": ["ENEXIS:MS1", "VITENS:L1", "GM0153-RIO:R1"],
            "organisation": ["ENEXIS", "VITENS", "GM0153-RIO"],
            "discipline": ["electricity_mv", "water", "sewer"],
            "asset_type": ["middenspanningskabel", "leiding", "riool"],
            "material": ["XLPE", "PVC", "beton"],
            "install_year": [1990, 1980, 1962],
            "attributes": [
                {"confidential": True, "klic_reference": "26O0012345", "bronhoudercode": "KL1031"},
                {"klic_thema": "water"},
                {},
            ],
        },
        geometry=[line, line, line],
        crs=CRS,
    )


def test_others_see_a_confidential_asset_only_as_an_occupied_zone() -> None:
    seen = redact(VIEWER, _assets())
    zone = seen.iloc[0]
    assert zone["id"] == zone_id("ENEXIS:MS1") and zone["id"].startswith("zone:")
    assert zone["attributes"] == {"occupied_zone": True}
    assert all(zone[c] is None or zone[c] != zone[c] for c in ("organisation", "discipline", "material"))
    assert zone.geometry.equals(_assets().geometry.iloc[0])
    assert "26O0012345" not in seen.to_json() and "KL1031" not in seen.to_json()
    assert list(seen["id"][1:]) == ["VITENS:L1", "GM0153-RIO:R1"]  # not confidential: shown in full


@pytest.mark.parametrize("principal", [EDITOR, COORDINATOR, ADMIN])
def test_the_owner_and_coordinators_see_confidential_assets_in_detail(principal: Principal) -> None:
    seen = redact(principal, _assets())
    assert seen.iloc[0]["attributes"]["klic_reference"] == "26O0012345"


def test_vital_infrastructure_is_confidential_without_klic_flag() -> None:
    assets = _assets()
    assets.at[1, "attributes"] = {"klic_thema": "hoogspanning"}
    assets.at[2, "attributes"] = {"vital": "ja"}
    assert list(redact(VIEWER, assets)["attributes"]) == [{"occupied_zone": True}] * 3


def test_findings_involving_a_hidden_asset_are_left_out() -> None:
    payload = {
        "couplings": [
            {"id": "C1", "members": [{"type": "work", "id": "W1"}, {"type": "asset", "id": "ENEXIS:MS1"}]},
            {"id": "C2", "members": [{"type": "work", "id": "W1"}, {"type": "asset", "id": "VITENS:L1"}]},
        ],
        "conflicts": [{"id": "X1", "members": [{"type": "asset", "id": "ENEXIS:MS1"}]}],
        "totals": {"couplings": 2},
    }
    seen = visible_findings(payload, ["ENEXIS:MS1"])
    assert [c["id"] for c in seen["couplings"]] == ["C2"] and seen["conflicts"] == []
    assert visible_findings(payload, []) == payload
