"""Subsurface fit on hand-built streets with known answers, and properties of the engine (pure, no store)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import shapely.affinity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koppelkans.analysis.linking import links_from_geometries
from koppelkans.analysis.subsurface import claim_from_kind, cross_section_of, fits_from_register, svg_from_section
from koppelkans.errors import InputError

X0, Y0 = 257_000.0, 471_000.0
"""Streets run east from this RD point; the left building line is on the north side."""
LENGTH = 100.0


def street(width: float, *, id: str = "S1") -> gpd.GeoDataFrame:
    line = shapely.LineString([(X0, Y0), (X0 + LENGTH, Y0)])
    return gpd.GeoDataFrame(
        {"id": [id], "name": ["Teststraat"], "area_code": ["BU1"], "width_m": [width]},
        geometry=[line],
        crs="EPSG:28992",
    )


def along(id: str, discipline: str, offset: float, width: float, *, diameter: float | None = None,
          depth: float | None = None, cost_per_m: float | None = None) -> dict[str, object]:  # fmt: skip
    """A cable or pipe along the whole street, `offset` metres from the left (north) building line."""
    y = Y0 + width / 2.0 - offset
    return {
        "id": id,
        "discipline": discipline,
        "asset_type": None,
        "diameter_mm": diameter,
        "depth_m": depth,
        "replacement_cost_eur": None if cost_per_m is None else cost_per_m * LENGTH,
        "geometry": shapely.LineString([(X0, y), (X0 + LENGTH, y)]),
    }


def tree(id: str, offset: float, width: float, *, at: float = 50.0, trunk_mm: float = 300.0) -> dict[str, object]:
    return {
        "id": id,
        "discipline": "green",
        "asset_type": "straatboom",
        "diameter_mm": trunk_mm,
        "depth_m": None,
        "replacement_cost_eur": 1500.0,
        "geometry": shapely.Point(X0 + at, Y0 + width / 2.0 - offset),
    }


def cable_strip(width: float) -> list[dict[str, object]]:
    """The NEN 7171-1 strip under the north pavement: telecom, fibre, LV, gas, water, MV."""
    return [
        along("KPN:T1", "telecom", 0.3, width, depth=0.6),
        along("GLAS:F1", "fibre", 0.5, width, depth=0.6),
        along("ENEXIS:L1", "electricity_lv", 0.8, width, depth=0.7),
        along("ENEXIS:G1", "gas", 1.3, width, diameter=110, depth=1.11),
        along("VITENS:W1", "water", 1.8, width, diameter=160, depth=1.16),
        along("ENEXIS:M1", "electricity_mv", 2.3, width, depth=0.9),
    ]


def fit(segments: gpd.GeoDataFrame, rows: list[dict[str, object]], kind: str = "heat", **options: object):
    columns = ["id", "discipline", "asset_type", "diameter_mm", "depth_m", "replacement_cost_eur", "geometry"]
    assets = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs="EPSG:28992")
    links = links_from_geometries(assets["id"], assets.geometry.to_numpy(), segments)
    return fits_from_register(segments, assets, links, claim_from_kind(kind), **options)


def only(result) -> dict[str, object]:
    assert len(result.segments) == 1
    return result.segments.iloc[0].to_dict()


def test_crowded_8m_street_has_no_room_for_a_heat_pair() -> None:
    # full cable strip north, combined and storm sewer in the road, infiltration crates south
    rows = [
        *cable_strip(8.0),
        along("RIO:R1", "sewer", 4.0, 8.0, diameter=400, depth=2.2),
        along("RIO:R2", "sewer", 4.9, 8.0, diameter=500, depth=2.5),
        along("RIO:I1", "water_storage", 6.5, 8.0, diameter=1000, depth=1.3),
    ]
    row = only(fit(street(8.0), rows))
    assert row["verdict"] == "does_not_fit"
    # widest free stretch: water main (1.0 m from heat) ends at 2.88 m, the sewer's zone starts at 3.30 m
    assert row["free_width_m"] == pytest.approx(0.42)
    assert row["misfit_m"] == pytest.approx(LENGTH)
    assert row["unfixable_m"] == pytest.approx(LENGTH)
    assert set(row["blocking"]) == {"RIO:R1", "RIO:R2", "RIO:I1"}


def test_16m_street_takes_a_heat_pair() -> None:
    rows = [
        *cable_strip(16.0),
        along("RIO:R1", "sewer", 8.0, 16.0, diameter=400, depth=2.2),
        tree("GRN:B1", 14.0, 16.0, at=20.0),
        tree("GRN:B2", 14.0, 16.0, at=32.0),
    ]
    row = only(fit(street(16.0), rows))
    assert row["verdict"] == "fits"
    # between the water main's zone (2.88 m) and the sewer's (7.30 m)
    assert row["free_width_m"] == pytest.approx(4.42)
    assert row["misfit_m"] == 0.0
    assert row["move_cost_eur"] == 0.0
    assert row["blocking"] == ()


def test_heat_pair_fits_if_the_cheapest_cable_moves() -> None:
    rows = [
        along("ENEXIS:L1", "electricity_lv", 0.8, 5.0, depth=0.7, cost_per_m=180.0),
        along("ENEXIS:G1", "gas", 1.3, 5.0, diameter=110, depth=1.11, cost_per_m=250.0),
        along("RIO:R1", "sewer", 2.5, 5.0, diameter=300, depth=2.0),
        along("VITENS:W1", "water", 3.8, 5.0, diameter=160, depth=1.16, cost_per_m=350.0),
    ]
    row = only(fit(street(5.0), rows))
    assert row["verdict"] == "fits_if_moved"
    assert row["blocking"] == ("ENEXIS:L1",)
    assert row["misfit_m"] == pytest.approx(LENGTH)
    assert row["unfixable_m"] == 0.0
    assert row["move_cost_eur"] == pytest.approx(18_000.0)
    assert row["moves"] == (
        {"type": "asset", "id": "ENEXIS:L1", "discipline": "electricity_lv", "length_m": 100.0, "cost_eur": 18000.0},
    )


def test_streets_with_different_numbers_of_blockers_are_fitted_together() -> None:
    """The first street has three blockers, the second one and the third none: each keeps its own."""
    streets = [street(8.0, id="S1"), street(5.0, id="S2"), street(16.0, id="S3")]
    for shift, one in zip((0, 50, 100), streets, strict=True):
        one.geometry = one.geometry.translate(yoff=shift)
    segments = gpd.GeoDataFrame(pd.concat(streets, ignore_index=True), crs="EPSG:28992")
    crowded = [
        *cable_strip(8.0),
        along("RIO:R1", "sewer", 4.0, 8.0, diameter=400, depth=2.2),
        along("RIO:R2", "sewer", 4.9, 8.0, diameter=500, depth=2.5),
        along("RIO:I1", "water_storage", 6.5, 8.0, diameter=1000, depth=1.3),
    ]
    narrow = [
        along("ENEXIS:L2", "electricity_lv", 0.8, 5.0, depth=0.7, cost_per_m=180.0),
        along("ENEXIS:G2", "gas", 1.3, 5.0, diameter=110, depth=1.11, cost_per_m=250.0),
        along("RIO:R3", "sewer", 2.5, 5.0, diameter=300, depth=2.0),
        along("VITENS:W2", "water", 3.8, 5.0, diameter=160, depth=1.16, cost_per_m=350.0),
    ]
    for row in narrow:
        row["geometry"] = shapely.affinity.translate(row["geometry"], yoff=50)
    result = fit(segments, crowded + narrow).segments.set_index("segment_id")
    assert set(result.loc["S1", "blocking"]) == {"RIO:R1", "RIO:R2", "RIO:I1"}
    assert result.loc["S2", "blocking"] == ("ENEXIS:L2",)
    assert result.loc["S3", "blocking"] == ()


def test_tree_closer_than_2_5m_to_a_cable_is_reported() -> None:
    rows = [along("ENEXIS:L1", "electricity_lv", 0.8, 10.0, depth=0.7), tree("GRN:B1", 2.5, 10.0)]
    result = fit(street(10.0), rows, kind="lv")
    close = result.trees_too_close
    assert list(close[["tree_id", "asset_id", "distance_m"]].itertuples(index=False, name=None)) == [
        ("GRN:B1", "ENEXIS:L1", 1.5)
    ]
    assert only(result)["tree_conflicts"] == 1


def test_a_new_cable_keeps_2_5m_from_a_tree() -> None:
    # 6 m street, one tree in the middle: the tree's zone (2.65 m each side of its axis) reaches both margins
    row = only(fit(street(6.0), [tree("GRN:B1", 3.0, 6.0, at=50.0)], kind="lv"))
    assert row["verdict"] == "fits_if_moved"
    assert row["blocking"] == ("GRN:B1",)
    assert row["move_cost_eur"] == pytest.approx(1500.0)
    # the tree reaches 2.5 m + half its trunk along the street: only the pieces it touches misfit
    assert row["misfit_m"] == pytest.approx(10.0)


def test_no_row_of_trees_between_cables_on_both_sides_of_a_6m_street() -> None:
    rows = [
        along("ENEXIS:L1", "electricity_lv", 0.8, 6.0, depth=0.7),
        along("VITENS:W1", "water", 5.2, 6.0, diameter=160, depth=1.16),
    ]
    row = only(fit(street(6.0), rows, kind="trees"))
    assert row["verdict"] == "does_not_fit"
    assert row["free_width_m"] == 0.0


def test_misfit_pieces_follow_the_centreline() -> None:
    result = fit(street(6.0), [tree("GRN:B1", 3.0, 6.0, at=50.0)], kind="lv")
    pieces = result.pieces
    assert list(pieces[["segment_id", "status", "from_m", "to_m"]].itertuples(index=False, name=None)) == [
        ("S1", "fits_if_moved", 45.0, 55.0)
    ]
    assert shapely.get_coordinates(pieces.geometry.iloc[0]).tolist() == [[X0 + 45.0, Y0], [X0 + 55.0, Y0]]


def test_a_line_drawn_on_the_centreline_takes_its_nen7171_zone() -> None:
    rows = [along("ENEXIS:G1", "gas", 4.0, 8.0, diameter=110)]
    section = cross_section_of(fit(street(8.0), rows, at_m=50.0), "S1")
    gas = section.occupants.iloc[0]
    assert (gas["x"], gas["position_source"], gas["depth_source"]) == (1.3, "nen7171", "nen7171")
    assert (round(gas["top"], 2), round(gas["bottom"], 2)) == (1.0, 1.11)


def test_section_at_a_point_and_its_drawing() -> None:
    rows = [*cable_strip(8.0), along("RIO:R1", "sewer", 4.0, 8.0, diameter=400, depth=2.2), tree("GRN:B1", 6.0, 8.0)]
    section = cross_section_of(fit(street(8.0), rows, at_m=50.0), "S1")
    assert section.at_m == 50.0
    assert section.verdict == "fits_if_moved"
    assert set(section.occupants["asset_id"]) == {
        "KPN:T1", "GLAS:F1", "ENEXIS:L1", "ENEXIS:G1", "VITENS:W1", "ENEXIS:M1", "RIO:R1", "GRN:B1",
    }  # fmt: skip
    svg = svg_from_section(section)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "Dwarsprofiel Teststraat (S1) op 50,0 m" in svg and "rooilijn" in svg and "[W1]" in svg


def test_at_beyond_the_segment_names_segment_and_field() -> None:
    with pytest.raises(InputError) as raised:
        fit(street(8.0), [], at_m=140.0)
    assert (raised.value.record, raised.value.field) == ("S1", "at")
    assert "beyond segment S1" in raised.value.message


def test_unknown_claim_kind_names_the_field() -> None:
    with pytest.raises(InputError) as raised:
        claim_from_kind("hydrogen")
    assert raised.value.field == "claim" and "heat" in raised.value.message


# -- properties ------------------------------------------------------------------------------
DISCIPLINES = ["telecom", "fibre", "electricity_lv", "gas", "water", "electricity_mv", "sewer", "heat", "water_storage"]
RANK = {"fits": 0, "fits_if_moved": 1, "does_not_fit": 2}


@st.composite
def streets_with_assets(draw: st.DrawFn) -> tuple[float, list[dict[str, object]], dict[str, object]]:
    width = draw(st.floats(min_value=4.0, max_value=30.0))
    n = draw(st.integers(min_value=0, max_value=8))

    def one(i: int) -> dict[str, object]:
        if draw(st.booleans()) and i % 3 == 0:
            return tree(f"B{i}", draw(st.floats(0.3, width - 0.3)), width, at=draw(st.floats(5.0, 95.0)))
        discipline = draw(st.sampled_from(DISCIPLINES))
        diameter = draw(st.one_of(st.none(), st.sampled_from([63.0, 110.0, 160.0, 315.0, 400.0])))
        return along(f"A{i}", discipline, draw(st.floats(0.2, width - 0.2)), width, diameter=diameter)

    return width, [one(i) for i in range(n)], one(99)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=streets_with_assets(), kind=st.sampled_from(["heat", "lv", "water", "trees"]))
def test_adding_an_asset_never_makes_a_claim_fit_better(case, kind: str) -> None:
    width, rows, extra = case
    before = only(fit(street(width), rows, kind=kind))
    after = only(fit(street(width), [*rows, extra], kind=kind))
    assert RANK[after["verdict"]] >= RANK[before["verdict"]]
    assert after["free_width_m"] <= before["free_width_m"] + 1e-9
    assert after["misfit_m"] >= before["misfit_m"] - 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=streets_with_assets(), kind=st.sampled_from(["heat", "mv", "fibre", "water_storage"]))
def test_free_width_lies_between_zero_and_the_width_between_the_margins(case, kind: str) -> None:
    width, rows, _ = case
    result = fit(street(width), rows, kind=kind)
    margin = claim_from_kind(kind).building_line_margin_m
    free = result.sections.stations["free_width_m"]
    assert (free >= 0).all() and (free <= width - 2 * margin + 1e-9).all()
    row = only(result)
    assert (row["verdict"] == "fits") == (row["misfit_m"] == 0.0)
    assert row["unfixable_m"] <= row["misfit_m"] <= LENGTH + 1e-6


def test_a_planned_heat_main_that_does_not_fit_is_a_subsurface_misfit_conflict() -> None:
    from koppelkans.analysis.subsurface import misfit_conflict_rows, misfit_conflicts

    rows = [
        *cable_strip(8.0),
        along("RIO:R1", "sewer", 4.0, 8.0, diameter=400, depth=2.2),
        along("RIO:R2", "sewer", 4.9, 8.0, diameter=500, depth=2.5),
        along("RIO:I1", "water_storage", 6.5, 8.0, diameter=1000, depth=1.3),
    ]
    columns = ["id", "discipline", "asset_type", "diameter_mm", "depth_m", "replacement_cost_eur", "geometry"]
    assets = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs="EPSG:28992")
    segments = street(8.0)
    links = links_from_geometries(assets["id"], assets.geometry.to_numpy(), segments).assign(kind="assets")
    interventions = pd.DataFrame(
        {"key": ["work:H1", "work:R9"], "type": "work", "id": ["H1", "R9"], "discipline": ["heat", "sewer"],
         "kind": ["construct", "replace"], "preferred": [2029, 2030]}
    )  # fmt: skip
    members = pd.DataFrame({"key": ["work:H1", "work:R9"], "segment_id": ["S1", "S1"]})
    found = misfit_conflict_rows(interventions, members, segments, assets, links, claim_from_kind("heat"))
    assert len(found) == 1
    row = found.iloc[0]
    assert row["kind"] == "subsurface_misfit" and row["years"] == (2029,) and row["segment_ids"] == ("S1",)
    assert row["members"] == (("asset", "RIO:I1"), ("asset", "RIO:R1"), ("asset", "RIO:R2"), ("work", "H1"))
    assert "past het helemaal niet" in row["explanation_nl"] and "does not fit at all" in row["explanation_en"]
    typed = misfit_conflicts(interventions, members, segments, assets, links, claim_from_kind("heat"))
    assert typed[0].kind == "subsurface_misfit" and typed[0].year == 2029
