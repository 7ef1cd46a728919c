"""BGT/IMGeo road parts: the PDOK samples read independently with xml.etree, arcs, holes, segments, import."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from koppelkans.errors import InputError, KoppelkansError, StoreError, ValidationFailed
from koppelkans.io.bgt import assets_from_bgt, read_bgt, road_parts_from_bgt, segments_from_road_polygons
from koppelkans.io.gml import ARC_CHORD_TOLERANCE_M, arc_points
from koppelkans.io.mapping import InstallYearPolicy, OrganisationMap
from koppelkans.register import import_mapped, import_records
from koppelkans.store import SqlRepository

from .conftest import SAMPLES

BGT = SAMPLES / "bgt_imgeo"
WEGDEEL = BGT / "bgt_wegdeel_excerpt.gml"
MINIFIED = BGT / "bgt_wegdeel_minified_excerpt.gml"
ONDERSTEUNEND = BGT / "bgt_ondersteunendwegdeel_excerpt.gml"
NS = {
    "core": "http://www.opengis.net/citygml/2.0",
    "tra": "http://www.opengis.net/citygml/transportation/2.0",
    "imgeo": "http://www.geostandaarden.nl/imgeo/2.1",
    "gml": "http://www.opengis.net/gml",
}


def _current(path: Path) -> dict[str, ElementTree.Element]:
    """The current (no eindRegistratie) road parts of a sample by lokaalID, read with xml.etree."""
    root = ElementTree.parse(path).getroot()
    features = [f for member in root.iterfind("core:cityObjectMember", NS) for f in member]
    current = [f for f in features if f.find("imgeo:eindRegistratie", NS) is None]
    return {f.find("imgeo:identificatie/imgeo:NEN3610ID/imgeo:lokaalID", NS).text: f for f in current}


def _mapped(path: Path, policy: str = "registration"):
    return assets_from_bgt(path, install_years=InstallYearPolicy.parse(policy))


@pytest.mark.parametrize(
    ("path", "n", "tag"),
    [(WEGDEEL, 79, "TrafficArea"), (MINIFIED, 59, "TrafficArea"), (ONDERSTEUNEND, 20, "AuxiliaryTrafficArea")],
    ids=["wegdeel", "minified", "ondersteunend"],
)
def test_every_current_road_part_becomes_one_asset(path, n, tag):
    current = _current(path)
    assert len(current) == n and {f.tag.rpartition("}")[2] for f in current.values()} == {tag}
    mapped = _mapped(path)
    assert mapped.problems == ()
    assert sorted(mapped.records["bgt_lokaal_id"]) == sorted(current)
    total = len(ElementTree.parse(path).getroot().findall("core:cityObjectMember", NS))
    assert mapped.skipped["historic versions (eindRegistratie)"] == total - n
    assert shapely.is_valid(mapped.records.geometry.to_numpy()).all()
    assert set(mapped.records["discipline"]) == {"road"}


def test_asset_values_come_from_the_bgt_record():
    current = _current(WEGDEEL)
    records = _mapped(WEGDEEL).records.set_index("bgt_lokaal_id")
    for lokaal_id, feature in list(current.items())[:15]:
        record = records.loc[lokaal_id]
        function = feature.find("tra:function", NS).text
        surface = feature.find("tra:surfaceMaterial", NS).text
        plus = feature.find("imgeo:plus-fysiekVoorkomenWegdeel", NS)
        bronhouder = feature.find("imgeo:bronhouder", NS).text
        assert record["bgt_function"] == function
        assert record["asset_type"] == (None if function == "transitie" else function)
        expected_material = plus.text if plus is not None and plus.text != "waardeOnbekend" else surface
        assert record["material"] == (None if expected_material == "transitie" else expected_material)
        assert record["bronhouder"] == bronhouder
        expected_org = f"GM{bronhouder[1:]}" if bronhouder.startswith("G") else bronhouder
        assert (record["organisation"], record["id"]) == (expected_org, f"{expected_org}:{lokaal_id}")
        created = feature.find("core:creationDate", NS).text
        assert (record["install_year"], record["install_year_source"]) == (int(created[:4]), "BGT creationDate")
        assert record["install_year_estimated"] is True


def test_arcs_are_densified_onto_their_circle_and_holes_are_kept():
    current = _current(WEGDEEL)
    records = _mapped(WEGDEEL).records.set_index("bgt_lokaal_id")
    arcs = holes = 0
    for lokaal_id, feature in current.items():
        polygon = records.loc[lokaal_id].geometry
        assert len(polygon.interiors) == len(feature.findall(".//gml:interior", NS))
        holes += len(polygon.interiors)
        for arc in feature.iterfind(".//gml:Arc/gml:posList", NS):
            points = np.array([float(v) for v in arc.text.split()]).reshape(-1, 2)
            ring = shapely.MultiLineString([polygon.exterior, *polygon.interiors])
            distances = [ring.distance(shapely.Point(p)) for p in points]
            assert distances[0] < 1e-6 and distances[-1] < 1e-6  # the arc's ends are vertices
            assert max(distances) <= ARC_CHORD_TOLERANCE_M + 1e-6  # its middle is within the chord tolerance
            arcs += 1
    assert arcs > 0 and holes >= 0


@settings(max_examples=60, deadline=None)
@given(
    cx=st.floats(0, 300_000),
    cy=st.floats(300_000, 600_000),
    radius=st.floats(0.5, 500),
    start=st.floats(0, 2 * math.pi),
    sweep=st.floats(0.05, 2 * math.pi - 0.05),
    clockwise=st.booleans(),
)
def test_a_densified_arc_stays_on_its_circle(cx, cy, radius, start, sweep, clockwise):
    direction = -1 if clockwise else 1
    angles = start + direction * np.array([0.0, sweep / 2, sweep])
    points = np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)])
    dense = arc_points(points)
    assert np.array_equal(dense[0], points[0]) and np.array_equal(dense[-1], points[2])
    distances = np.hypot(dense[:, 0] - cx, dense[:, 1] - cy)
    assert np.abs(distances - radius).max() < 1e-6 * max(1.0, radius) + 1e-6
    chords = shapely.LineString(dense)
    assert chords.distance(shapely.Point(points[1])) <= ARC_CHORD_TOLERANCE_M + 1e-6
    assert abs(chords.length - radius * sweep) <= radius * sweep * 0.01 + 0.01


def test_the_registration_year_is_used_only_when_asked():
    rejected = _mapped(ONDERSTEUNEND, "reject")
    assert rejected.records.empty and len(rejected.problems) == 20
    assert "BGT records no construction date" in rejected.problems[0].reason
    assert "--unknown-install-year registration" in rejected.problems[0].reason


def test_derived_segments_follow_the_middle_of_a_t_junction():
    street = shapely.box(0, -5, 200, 5)  # 10 m wide, along y = 0
    side = shapely.box(95, 5, 105, 100)  # 10 m wide, along x = 100
    segments = segments_from_road_polygons(np.array([street, side], dtype=object))
    assert len(segments) == 3
    axes = shapely.MultiLineString([[(0, 0), (200, 0)], [(100, 0), (100, 100)]])
    points = shapely.points(shapely.get_coordinates(shapely.segmentize(segments.geometry.to_numpy(), 1.0)))
    assert shapely.distance(points, axes).max() < 1.5  # on the true centrelines (the junction corner is cut)
    assert segments.geometry.length.sum() == pytest.approx(200 + 100, rel=0.1)
    assert np.allclose(segments["width_m"], 10.0, atol=1.0)
    assert list(segments["id"]) == ["BGT:S00001", "BGT:S00002", "BGT:S00003"]


def test_segments_are_derived_from_carriageways_only():
    raw, _, _ = read_bgt(MINIFIED)
    from koppelkans.io.bgt import segments_from_bgt

    segments = segments_from_bgt(raw)
    carriageways = raw[raw["function"].str.startswith(("rijbaan", "woonerf", "busbaan"))]
    union = shapely.union_all(carriageways.geometry.to_numpy())
    assert len(segments) > 0 and all(union.buffer(0.01).contains(g) for g in segments.geometry)


def _variant(tmp_path: Path, old: str, new: str, source: Path = ONDERSTEUNEND) -> Path:
    text = source.read_text()
    assert old in text
    path = tmp_path / "variant.gml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not well-formed XML"),
        (ONDERSTEUNEND.read_bytes()[:30_000], "not well-formed XML"),
        (b'<?xml version="1.0"?><CityModel xmlns="urn:not-citygml"/>', "no CityGML cityObjectMember"),
        (
            ONDERSTEUNEND.read_bytes().replace(
                b"http://www.opengis.net/citygml/transportation/2.0",
                b"http://www.opengis.net/citygml/transportation/1.0",
            ),
            "no BGT wegdeel",
        ),
    ],
    ids=["empty", "truncated", "not-citygml", "transportation-1.0"],
)
def test_unreadable_bgt_files_are_a_clear_input_error(tmp_path, content, message):
    path = tmp_path / "bgt.gml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        _mapped(path)


def test_zips_are_read_member_by_member(tmp_path):
    empty = tmp_path / "leeg.zip"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="not a zip file"):
        _mapped(empty)
    download = tmp_path / "extract.zip"
    with zipfile.ZipFile(download, "w") as archive:
        archive.write(ONDERSTEUNEND, "bgt_ondersteunendwegdeel.gml")
        archive.write(MINIFIED, "bgt_wegdeel.gml")
        archive.writestr("bgt_pand.gml", "<not-read/>")
    assert len(_mapped(download).records) == 20 + 59


def _in_first_current(old: str, new: str) -> tuple[str, str]:
    """The ondersteunend sample with `old` replaced in its first current road part, and that part's gml:id."""
    text = ONDERSTEUNEND.read_text()
    gml_id = next(iter(_current(ONDERSTEUNEND).values())).get("{http://www.opengis.net/gml}id")
    at = text.index(f'gml:id="{gml_id}"')
    position = text.index(old, at)
    return text[:position] + new + text[position + len(old) :], gml_id


def test_a_road_part_without_geometry_is_named(tmp_path):
    text = ONDERSTEUNEND.read_text()
    gml_id = next(iter(_current(ONDERSTEUNEND).values())).get("{http://www.opengis.net/gml}id")
    start = text.index("<imgeo:geometrie2dOndersteunendWegdeel>", text.index(f'gml:id="{gml_id}"'))
    end = text.index("</imgeo:geometrie2dOndersteunendWegdeel>", start) + len(
        "</imgeo:geometrie2dOndersteunendWegdeel>"
    )
    path = tmp_path / "no_geometry.gml"
    path.write_text(text[:start] + text[end:])
    mapped = _mapped(path)
    [problem] = mapped.problems
    assert (problem.record, problem.field) == (gml_id, "geometry")
    assert "no geometrie2dWegdeel" in problem.reason and len(mapped.records) == 19


def test_garbled_coordinates_are_named(tmp_path):
    text, gml_id = _in_first_current('srsDimension="2">', 'srsDimension="2">12,x ')
    path = tmp_path / "garbled.gml"
    path.write_text(text)
    [problem] = _mapped(path).problems
    assert (problem.record, problem.field) == (gml_id, "geometry") and "not numbers" in problem.reason


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(ONDERSTEUNEND.read_bytes()) - 1), junk=st.binary(max_size=6))
def test_a_corrupted_bgt_file_never_escapes_as_a_traceback(tmp_path_factory, cut, junk):
    data = ONDERSTEUNEND.read_bytes()
    path = tmp_path_factory.mktemp("fuzz") / "bgt.gml"
    path.write_bytes(data[:cut] + junk + data[cut + len(junk) :])
    try:
        _mapped(path)
    except KoppelkansError as error:
        assert error.message


# -- storing -----------------------------------------------------------------------------------
def _organisations(store: SqlRepository, *codes: str) -> None:
    frame = pd.DataFrame([{"code": c, "name": f"Gemeente {c}", "kind": "municipality"} for c in codes])
    import_records(store, "organisations", frame, source_crs=None)


def test_import_bgt_with_derived_segments(store: SqlRepository, tmp_path: Path):
    _organisations(store, "GM0402", "RWS")
    org_map = tmp_path / "bronhouders.csv"
    org_map.write_text("bronhouder,organisation\nL0002,RWS\nL0003,RWS\nL0004,RWS\nP0027,RWS\nG0310,GM0402\n")
    segments, assets = road_parts_from_bgt(
        MINIFIED,
        org_map=OrganisationMap.read(org_map),
        install_years=InstallYearPolicy.parse("registration"),
        derive_segments=True,
    )
    report = import_mapped(store, assets, also=[segments])
    [segments] = report.also
    assert (report.stored, store.count("assets")) == (59, 59)
    assert segments.stored == store.count("segments") > 0
    assert set(store.counts_by("assets", "organisation")) == {"GM0402", "RWS"}
    assert len(store.links("assets")) > 0  # the road parts lie on the streets derived from them


def _refuse_inserts(store: SqlRepository, table: str) -> None:
    """Make the store itself fail on the next insert into `table`, as a full disk or a lost connection would."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":  # a trigger calling a function that does not exist
            conn.exec_driver_sql(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} BEGIN SELECT refused(); END")
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = '42501'; END $$"
            )
            conn.exec_driver_sql(f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} EXECUTE FUNCTION refuse()")


def test_derived_segments_and_road_parts_are_stored_in_one_transaction(store: SqlRepository, tmp_path: Path):
    _organisations(store, "GM0402", "RWS")
    org_map = tmp_path / "bronhouders.csv"
    org_map.write_text("bronhouder,organisation\nL0002,RWS\nL0003,RWS\nL0004,RWS\nP0027,RWS\nG0310,GM0402\n")
    segments, assets = road_parts_from_bgt(
        MINIFIED,
        org_map=OrganisationMap.read(org_map),
        install_years=InstallYearPolicy.parse("registration"),
        derive_segments=True,
    )
    _refuse_inserts(store, "assets")  # the segments are written first; then storing the road parts fails
    with pytest.raises(Exception) as failure:  # the store's own error, whatever it is (see below)
        import_mapped(store, assets, also=[segments])
    assert (store.count("segments"), store.count("assets"), len(store.links())) == (0, 0, 0)
    if store.engine.dialect.name == "sqlite":  # PostGIS's COPY raises psycopg's error unwrapped (store/postgis.py)
        assert isinstance(failure.value, StoreError) and "refused the change" in failure.value.message


def test_an_unknown_bronhouder_stores_nothing(store: SqlRepository):
    _organisations(store, "GM0518")
    with pytest.raises(ValidationFailed) as failure:
        import_mapped(store, _mapped(WEGDEEL))
    problem = failure.value.problems[0]
    assert problem.field == "organisation" and "--org-map" in problem.reason
    assert store.count("assets") == 0
    report = import_mapped(store, _mapped(ONDERSTEUNEND))  # G0518 is Den Haag: GM0518
    assert report.stored == 20


def test_a_file_with_only_history_has_nothing_to_import(tmp_path):
    text = ONDERSTEUNEND.read_text()
    head, _, rest = text.partition("<cityObjectMember>")
    members = [
        "<cityObjectMember>" + m.split("</cityObjectMember>")[0] + "</cityObjectMember>"
        for m in rest.split("<cityObjectMember>")
    ]
    historic = [m for m in members if "eindRegistratie" in m]
    path = tmp_path / "history.gml"
    path.write_text(head + "".join(historic[:3]) + "</CityModel>\n")
    mapped = _mapped(path)
    assert mapped.records.empty and mapped.skipped == {"historic versions (eindRegistratie)": 3}
    with pytest.raises(InputError, match=r"no assets to import \(skipped: 3 historic versions"):
        import_mapped(None, mapped)  # type: ignore[arg-type]  # refused before the store is touched


@pytest.mark.parametrize("path", [WEGDEEL, MINIFIED, ONDERSTEUNEND], ids=["wegdeel", "minified", "ondersteunend"])
def test_every_bgt_sample_is_stored_whole(store: SqlRepository, tmp_path: Path, path: Path):
    current = _current(path)
    bronhouders = sorted({f.find("imgeo:bronhouder", NS).text for f in current.values()})
    _organisations(store, *(f"ORG_{b}" for b in bronhouders))
    org_map = tmp_path / "bronhouders.csv"
    org_map.write_text("bronhouder,organisation\n" + "".join(f"{b},ORG_{b}\n" for b in bronhouders))
    mapped = assets_from_bgt(
        path, org_map=OrganisationMap.read(org_map), install_years=InstallYearPolicy.parse("registration")
    )
    report = import_mapped(store, mapped)
    assert report.stored == store.count("assets") == len(current)
    stored = store.read("assets").set_index("id")
    for lokaal_id, feature in list(current.items())[:5]:
        record = stored.loc[f"ORG_{feature.find('imgeo:bronhouder', NS).text}:{lokaal_id}"]
        assert record["attributes"]["bgt_function"] == feature.find("tra:function", NS).text
        assert record["attributes"]["bgt_gml_id"] == feature.get("{http://www.opengis.net/gml}id")
