"""KLIC deliveries (IMKL 2.0): the hand-written fixture read independently with xml.etree, then imported."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import shapely
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from koppelkans.benchmarks.imkl import measure_in_fresh_process, write_delivery
from koppelkans.cli.formats import import_format
from koppelkans.cli.shell import Context
from koppelkans.config import Settings
from koppelkans.errors import InputError, KoppelkansError, ValidationFailed
from koppelkans.io.imkl import assets_from_imkl, iter_assets_from_imkl
from koppelkans.io.mapping import InstallYearPolicy, MappedRecords, OrganisationMap
from koppelkans.register import import_mapped, import_mapped_chunks
from koppelkans.store import SqlRepository

from .conftest import FIXTURES
from .register_helpers import load_roombeek

IMKL = FIXTURES / "imkl"
DELIVERY = IMKL / "GI_gebiedsinformatielevering_24O0012345_1.xml"
ORG_MAP = IMKL / "org_map.csv"
NS = {
    "gml": "http://www.opengis.net/gml/3.2",
    "imkl": "http://www.geostandaarden.nl/imkl/wibon",
    "net": "http://inspire.ec.europa.eu/schemas/net/4.0",
    "us": "http://inspire.ec.europa.eu/schemas/us-net-common/4.0",
    "xlink": "http://www.w3.org/1999/xlink",
}
HREF = f"{{{NS['xlink']}}}href"
GML_ID = f"{{{NS['gml']}}}id"
CABLES = ("Elektriciteitskabel", "Telecommunicatiekabel", "OlieGasChemicalienPijpleiding", "Waterleiding")
CABLES += ("Rioolleiding", "ThermischePijpleiding", "Mantelbuis", "Kabelbed")
ORGANISATIONS = {"KL1031": "ENEXIS", "KL1050": "VITENS", "KL3131": "GLASVEZEL", "GM0153": "GM0153-RIO"}


def _independent(path: Path = DELIVERY) -> dict[str, dict]:
    """Every cable/pipe of the fixture with its theme and raw values, read with xml.etree."""
    root = ElementTree.parse(path).getroot()
    themes = {
        net.get(GML_ID): net.find("imkl:thema", NS).get(HREF).rsplit("/", 1)[1]
        for net in root.iterfind("gml:featureMember/imkl:Utiliteitsnet", NS)
    }
    links = {
        link.get(GML_ID): [float(v) for v in link.find(".//gml:posList", NS).text.split()]
        for link in root.iterfind("gml:featureMember/us:UtilityLink", NS)
    }
    cables = {}
    for name in CABLES:
        for cable in root.iterfind(f"gml:featureMember/imkl:{name}", NS):
            diameter = cable.find("us:pipeDiameter", NS)
            if diameter is None:
                diameter = cable.find("imkl:kabelDiameter", NS)
            cables[cable.get(GML_ID)] = {
                "theme": themes[cable.find("net:inNetwork", NS).get(HREF)],
                "links": [links.get(link.get(HREF)) for link in cable.iterfind("net:link", NS)],
                "valid_from": cable.find("us:validFrom", NS).text,
                "diameter": None if diameter is None else (float(diameter.text), diameter.get("uom")),
            }
    return cables


def _assets(policy: str = "1980", path: Path = DELIVERY):
    return assets_from_imkl(path, org_map=OrganisationMap.read(ORG_MAP), install_years=InstallYearPolicy.parse(policy))


def test_every_cable_with_a_known_theme_becomes_one_asset():
    expected = {gml_id for gml_id, cable in _independent().items() if cable["theme"] not in ("wees", "overig")}
    mapped = _assets()
    assert set(mapped.records["klic_gml_id"]) == expected
    assert len(mapped.records) == 9
    assert mapped.problems == ()
    assert mapped.skipped["cables and pipes of theme wees"] == 1
    assert {"Annotatie (no cable or pipe)", "Maatvoering (no cable or pipe)", "Diepte (no cable or pipe)"} <= set(
        mapped.skipped
    )


def test_asset_values_come_from_the_delivery():
    cables = _independent()
    records = _assets().records.set_index("klic_gml_id")
    water = records.loc["nl.imkl-KL1050.WL_00287"]
    value, uom = cables["nl.imkl-KL1050.WL_00287"]["diameter"]
    assert uom == "urn:ogc:def:uom:OGC::cm" and water["diameter_mm"] == value * 10 == 200.0
    assert (water["id"], water["organisation"], water["discipline"]) == ("VITENS:KL1050.WL_00287", "VITENS", "water")
    assert (water["material"], water["material_code"], water["depth_m"]) == ("gietijzer", "castIron", 1.0)
    assert water["install_year"] == int(cables["nl.imkl-KL1050.WL_00287"]["valid_from"][:4]) == 1958
    assert (water["confidential"], water["klic_reference"]) == (True, "24O0012345")
    # the two clipped UtilityLinks (…_ulink.1, …_ulink.2) are merged into one line
    first, second = cables["nl.imkl-KL1050.WL_00287"]["links"]
    merged = shapely.get_coordinates(water.geometry).ravel().tolist()
    assert merged == first + second[2:]
    gas = records.loc["nl.imkl-KL1031.GAS_LD_0001"]
    assert (gas["discipline"], gas["material"], gas["diameter_mm"], gas["asset_type"]) == (
        "gas",
        "PE",
        110.0,
        "gasleiding lage druk",
    )
    assert gas.geometry.geom_type == "LineString" and len(shapely.get_coordinates(gas.geometry)) == 4  # a gml:Curve
    fibre, coax = records.loc["nl.imkl-KL3131.tckabel_00573"], records.loc["nl.imkl-KL3131.tckabel_00574"]
    assert (fibre["discipline"], fibre["material"], fibre["diameter_mm"]) == ("fibre", "glasvezel", 12.0)
    assert (coax["discipline"], pd.isna(coax["diameter_mm"])) == ("telecom", True)  # kabelDiameter 0.0 is unknown
    duct = records.loc["nl.imkl-KL1031.MB_0001"]
    assert (duct["material_code"], duct["material"]) == ("onbekend", None)
    assert records.loc["nl.imkl-KL1031.MS_kabel_0001", "discipline"] == "electricity_mv"
    assert records.loc["nl.imkl-GM0153.RVV_332611", "organisation"] == "GM0153-RIO"


def test_unknown_install_years_are_rejected_unless_the_user_chooses():
    rejected = _assets("reject")
    assert [(p.record, p.field) for p in rejected.problems] == [
        ("nl.imkl-KL1031.LS_kabel_0002", "install_year"),
        ("nl.imkl-KL1031.MS_kabel_0001", "install_year"),
    ]
    assert "9999-12-31" in rejected.problems[0].reason and "placeholder" in rejected.problems[0].reason
    registration = _assets("registration").records.set_index("klic_gml_id")
    estimated = registration.loc["nl.imkl-KL1031.LS_kabel_0002"]
    assert (estimated["install_year"], estimated["install_year_source"], estimated["install_year_estimated"]) == (
        2008,
        "beginLifespanVersion",
        True,
    )
    assert "nl.imkl-KL1031.MS_kabel_0001" not in registration.index  # beginLifespanVersion 1000 is a placeholder too
    named = _assets("1980").records.set_index("klic_gml_id")
    assert named.loc["nl.imkl-KL1031.MS_kabel_0001", "install_year_source"] == "assumed (--unknown-install-year 1980)"
    assert pd.isna(named.loc["nl.imkl-KL1031.LS_kabel_0001", "install_year_estimated"])


def _zipped(tmp_path: Path, members: dict[str, bytes], name: str = "Levering_24O0012345_1.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def test_a_zipped_delivery_reads_like_the_xml(tmp_path):
    delivery = _zipped(
        tmp_path,
        {
            "LI_24O0012345_1.xml": b"<Leveringsinformatie/>",
            "GI_gebiedsinformatielevering_24O0012345_1.xml": DELIVERY.read_bytes(),
            "bijlagen/KL1031_algemeen.pdf": b"%PDF-1.4",
        },
    )
    from_zip, from_xml = _assets(path=delivery).records, _assets().records
    pd.testing.assert_frame_equal(
        pd.DataFrame(from_zip.drop(columns="geometry")), pd.DataFrame(from_xml.drop(columns="geometry"))
    )
    assert shapely.equals(from_zip.geometry.to_numpy(), from_xml.geometry.to_numpy()).all()


def test_the_reference_falls_back_to_the_file_name_without_an_aanvraag(tmp_path):
    text = DELIVERY.read_text().replace("<imkl:klicMeldnummer>24O0012345</imkl:klicMeldnummer>", "")
    path = tmp_path / "netinformatie_KL1031.xml"
    path.write_text(text)
    assert set(_assets(path=path).records["klic_reference"]) == {"netinformatie_KL1031"}


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = DELIVERY.read_text()
    assert old in text
    path = tmp_path / "GI_gebiedsinformatielevering_variant.xml"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not well-formed XML"),
        (DELIVERY.read_bytes()[:20_000], "not well-formed XML"),
        (b"<root><a></root>", "not well-formed XML"),
        (b'<?xml version="1.0"?><FeatureCollection xmlns="urn:x"/>', "no GML 3.2 gml:featureMember"),
        (
            DELIVERY.read_bytes().replace(
                b"http://www.geostandaarden.nl/imkl/wibon", b"http://www.geostandaarden.nl/imkl/2015/wion/1.2"
            ),
            "is not IMKL 2.0",
        ),
    ],
    ids=["empty", "truncated", "broken", "not-gml", "imkl2015-namespace"],
)
def test_unreadable_deliveries_are_a_clear_input_error(tmp_path, content, message):
    path = tmp_path / "GI_gebiedsinformatielevering_x.xml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        _assets(path=path)


def test_broken_zips_are_a_clear_input_error(tmp_path):
    empty = tmp_path / "leeg.zip"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="not a zip file"):
        _assets(path=empty)
    without = _zipped(tmp_path, {"readme.txt": b"x", "LI_1.xml": b"<a/>", "LI_2.xml": b"<b/>"}, name="zonder.zip")
    with pytest.raises(InputError, match="no GI_gebiedsinformatielevering"):
        _assets(path=without)


def test_missing_geometry_unknown_theme_and_foreign_crs_name_the_cable(tmp_path):
    no_link = _variant(tmp_path, 'gml:id="nl.imkl-KL1050.WL_00287_ulink.2"', 'gml:id="nl.imkl-KL1050.elders"')
    [problem] = _assets(path=no_link).problems
    assert (problem.record, problem.field) == ("nl.imkl-KL1050.WL_00287", "geometry")
    assert "names no UtilityLink" in problem.reason
    theme = _variant(tmp_path, "Thema/water", "Thema/stroom")
    [problem] = _assets(path=theme).problems
    assert (problem.record, problem.field) == ("nl.imkl-KL1050.WL_00287", "discipline")
    assert "unknown IMKL theme 'stroom'" in problem.reason
    line = '_geo" srsName="{}" srsDimension="2">\n                    <gml:posList>257400.000 472503.000'
    crs = _variant(tmp_path, line.format("urn:ogc:def:crs:EPSG::28992"), line.format("EPSG:4326"))
    [problem] = _assets(path=crs).problems
    assert (problem.record, problem.field) == ("nl.imkl-KL1031.LS_kabel_0001", "geometry")
    assert "EPSG:28992" in problem.reason


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(DELIVERY.read_bytes()) - 30), junk=st.binary(max_size=8))
def test_a_corrupted_delivery_never_escapes_as_a_traceback(tmp_path_factory, cut, junk):
    data = DELIVERY.read_bytes()
    path = tmp_path_factory.mktemp("fuzz") / "GI_gebiedsinformatielevering_fuzz.xml"
    path.write_bytes(data[:cut] + junk + data[cut + len(junk) :])
    try:
        _assets(path=path)
    except KoppelkansError as error:
        assert error.message


def _store_with_organisations(store: SqlRepository) -> None:
    load_roombeek(store, until="segments")


def test_import_stores_the_delivery_as_confidential_assets(store: SqlRepository):
    _store_with_organisations(store)
    report = import_mapped(store, _assets("1980"))
    assert (report.stored, report.kind) == (9, "assets")
    stored = store.read("assets").set_index("id")
    assert stored.loc["VITENS:KL1050.WL_00287", "diameter_mm"] == 200.0
    attributes = stored.loc["ENEXIS:KL1031.LS_kabel_0002", "attributes"]
    assert attributes["confidential"] is True and attributes["klic_reference"] == "24O0012345"
    assert attributes["install_year_estimated"] is True
    assert set(store.links("assets")["record_id"]) >= {"VITENS:KL1050.WL_00287", "ENEXIS:KL1031.LS_kabel_0001"}


def test_a_rejected_delivery_stores_nothing_and_names_every_problem(store: SqlRepository, tmp_path: Path):
    _store_with_organisations(store)
    before = store.count("assets")
    theme = _variant(tmp_path, "Thema/water", "Thema/stroom")
    with pytest.raises(ValidationFailed) as failure:
        import_mapped(store, _assets("reject", path=theme))
    assert [(p.record, p.field) for p in failure.value.problems] == [
        ("nl.imkl-KL1050.WL_00287", "discipline"),
        ("nl.imkl-KL1031.LS_kabel_0002", "install_year"),
        ("nl.imkl-KL1031.MS_kabel_0001", "install_year"),
    ]
    assert store.count("assets") == before


def test_an_unmapped_network_manager_is_rejected_with_advice(store: SqlRepository):
    _store_with_organisations(store)
    mapped = assets_from_imkl(DELIVERY, install_years=InstallYearPolicy.parse("1980"))
    with pytest.raises(ValidationFailed) as failure:
        import_mapped(store, mapped)
    problem = failure.value.problems[0]
    assert (problem.field, problem.record) == ("organisation", "KL1031:KL1031.LS_kabel_0001")
    assert "unknown organisation 'KL1031'" in problem.reason and "--org-map" in problem.reason
    assert store.count("assets") == 0


def _cli(store_url: str) -> typer.Typer:
    """A minimal `koppelkans` with an import command that dispatches formats as the lead wires it."""
    app = typer.Typer()

    @app.callback()
    def main(ctx: typer.Context, db: str = typer.Option(...)) -> None:
        ctx.obj = Context(settings=Settings(db=db))

    @app.command("import")
    def import_(
        ctx: typer.Context,
        fmt: str,
        path: Path,
        org_map: Path = typer.Option(None, "--org-map"),
        unknown_install_year: str = typer.Option(None, "--unknown-install-year"),
        dry_run: bool = typer.Option(False, "--dry-run"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        options = {
            "org_map": org_map,
            "unknown_install_year": unknown_install_year,
            "dry_run": dry_run,
            "json": as_json,
        }
        try:
            report = import_format(ctx, fmt, path, options)
        except KoppelkansError as error:
            typer.echo(json.dumps(error.as_dict()))
            raise typer.Exit(error.exit_code) from None
        typer.echo(json.dumps(report.as_dict()))

    return app


@pytest.mark.backends("geopackage")
def test_cli_import_imkl_reports_what_was_mapped(store: SqlRepository):
    _store_with_organisations(store)
    args = ["--db", store.url, "import", "imkl", str(DELIVERY), "--org-map", str(ORG_MAP)]
    result = CliRunner().invoke(_cli(store.url), [*args, "--unknown-install-year", "registration", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["record"] == "nl.imkl-KL1031.MS_kabel_0001"
    result = CliRunner().invoke(_cli(store.url), [*args, "--unknown-install-year", "1975"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["stored"] == 9 and report["mapped"]["Waterleiding, water → water"] == 1
    assert "skipped: cables and pipes of theme wees" in result.stderr


def test_the_org_map_must_name_both_columns(tmp_path):
    bad = tmp_path / "map.csv"
    bad.write_text("code;naam\nKL1031;Enexis\n")
    with pytest.raises(InputError, match="needs a column bronhoudercode"):
        OrganisationMap.read(bad)
    twice = tmp_path / "twice.csv"
    twice.write_text("netbeheerder,organisation\nKL1031,ENEXIS\nKL1031,VITENS\n")
    with pytest.raises(InputError, match="KL1031 is mapped twice"):
        OrganisationMap.read(twice)
    ok = tmp_path / "ok.csv"
    ok.write_text("netbeheerder;organisation\nKL1031;ENEXIS\n")
    assert OrganisationMap.read(ok).codes == {"KL1031": "ENEXIS"}
    assert OrganisationMap.read(ORG_MAP).codes == ORGANISATIONS


def test_streaming_frees_every_member_once_read():
    from koppelkans.io.imkl import iter_imkl_features

    members = []
    with DELIVERY.open("rb") as stream:
        for feature in iter_imkl_features(stream):
            assert all(len(m) == 0 and m.getparent() is None for m in members[:-1])
            members.append(feature.getparent())
    expected = sum(1 for _ in ElementTree.parse(DELIVERY).getroot().iterfind("gml:featureMember", NS))
    assert len(members) == expected == 40


# -- streaming in chunks -----------------------------------------------------------------------
def _members(text: str) -> tuple[str, list[str], str]:
    """The delivery as (head, featureMember blocks, tail), to reorder or repeat its features."""
    found = list(re.finditer(r"<gml:featureMember>.*?</gml:featureMember>", text, flags=re.DOTALL))
    return text[: found[0].start()], [m.group(0) for m in found], text[found[-1].end() :]


def _delivery_with(tmp_path: Path, members: list[str], name: str = "GI_gebiedsinformatielevering_24O0012345_1.xml"):
    head, _, tail = _members(DELIVERY.read_text())
    path = tmp_path / name
    path.write_text(head + "\n".join(members) + "\n" + tail)
    return path


def _same_assets(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a, b = a.sort_values("id").reset_index(drop=True), b.sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))
    assert shapely.equals_exact(a.geometry.to_numpy(), b.geometry.to_numpy(), tolerance=0).all()


def test_chunks_of_one_cable_give_the_assets_of_one_pass():
    chunks = list(
        iter_assets_from_imkl(
            DELIVERY, org_map=OrganisationMap.read(ORG_MAP), chunk_size=1, install_years=InstallYearPolicy.parse("1980")
        )
    )
    assert len(chunks) > 5 and sum(len(c.records) for c in chunks) == 9
    assert chunks[-1].skipped["KLIC administration (aanvraag, levering, polygonen, beheerders, bijlagen)"] == 8
    _same_assets(MappedRecords.combined(chunks).records, _assets().records)


def test_links_before_their_cables_and_networks_after_them_are_found(tmp_path):
    _, members, _ = _members(DELIVERY.read_text())
    rank = {"UtilityLink": 0, "Utiliteitsnet": 2}
    reordered = sorted(members, key=lambda m: next((r for k, r in rank.items() if f":{k} " in m), 1))
    path = _delivery_with(tmp_path, reordered)
    chunks = iter_assets_from_imkl(
        path, org_map=OrganisationMap.read(ORG_MAP), chunk_size=1, install_years=InstallYearPolicy.parse("1980")
    )
    _same_assets(MappedRecords.combined(chunks).records, _assets().records)


def test_a_link_two_cables_share_is_read_again_for_the_second(tmp_path):
    _, members, _ = _members(DELIVERY.read_text())
    first = next(m for m in members if 'gml:id="nl.imkl-KL1031.LS_kabel_0001"' in m)
    twin = first.replace('LS_kabel_0001"', 'LS_kabel_0009"').replace(".LS_kabel_0001<", ".LS_kabel_0009<")
    assert 'xlink:href="nl.imkl-KL1031.LS_kabel_0001_ulink"' in twin  # the twin names the same UtilityLink
    path = _delivery_with(tmp_path, [*members, twin])  # long after the link was handed out with the first
    chunks = list(
        iter_assets_from_imkl(
            path, org_map=OrganisationMap.read(ORG_MAP), chunk_size=1, install_years=InstallYearPolicy.parse("1980")
        )
    )
    records = MappedRecords.combined(chunks).records.set_index("klic_gml_id")
    assert MappedRecords.combined(chunks).problems == ()
    assert records.loc["nl.imkl-KL1031.LS_kabel_0009"].geometry.equals(
        records.loc["nl.imkl-KL1031.LS_kabel_0001"].geometry
    )


def test_a_chunked_import_stores_what_a_whole_import_stores(store: SqlRepository):
    _store_with_organisations(store)
    chunks = iter_assets_from_imkl(
        DELIVERY, org_map=OrganisationMap.read(ORG_MAP), chunk_size=2, install_years=InstallYearPolicy.parse("1980")
    )
    report = import_mapped_chunks(store, chunks)
    assert (report.read, report.stored, report.mapped) == (9, 9, _assets().mapped)
    assert report.skipped["cables and pipes of theme wees"] == 1
    whole = _assets().records.sort_values("id").reset_index(drop=True)
    stored = store.read("assets", ids=list(whole["id"])).sort_values("id").reset_index(drop=True)
    columns = ["id", "organisation", "discipline", "asset_type", "material", "diameter_mm", "depth_m", "install_year"]
    pd.testing.assert_frame_equal(stored[columns].astype(object), whole[columns].astype(object))
    assert shapely.equals_exact(stored.geometry.to_numpy(), whole.geometry.to_numpy(), tolerance=0).all()
    assert [a["klic_gml_id"] for a in stored["attributes"]] == list(whole["klic_gml_id"])
    assert store.count("assets") == 9 and store.count_unlinked("assets") == len(report.unlinked)


def test_a_problem_in_the_last_chunk_stores_nothing_of_the_earlier_ones(store: SqlRepository, tmp_path: Path):
    _store_with_organisations(store)
    before = store.count("assets")
    late = _variant(tmp_path, "Thema/water", "Thema/stroom")  # the water main comes late in the file
    chunks = iter_assets_from_imkl(
        late, org_map=OrganisationMap.read(ORG_MAP), chunk_size=1, install_years=InstallYearPolicy.parse("1980")
    )
    with pytest.raises(ValidationFailed) as failure:
        import_mapped_chunks(store, chunks)
    assert [(p.record, p.field) for p in failure.value.problems] == [("nl.imkl-KL1050.WL_00287", "discipline")]
    assert store.count("assets") == before and len(store.links("assets")) == before


def test_a_cable_repeated_in_a_later_chunk_is_a_duplicate(store: SqlRepository, tmp_path: Path):
    _store_with_organisations(store)
    _, members, _ = _members(DELIVERY.read_text())
    first = next(m for m in members if 'gml:id="nl.imkl-KL1031.LS_kabel_0001"' in m)
    path = _delivery_with(tmp_path, [*members, first])
    for chunk_size in (1, 10_000):
        chunks = iter_assets_from_imkl(
            path,
            org_map=OrganisationMap.read(ORG_MAP),
            chunk_size=chunk_size,
            install_years=InstallYearPolicy.parse("1980"),
        )
        with pytest.raises(ValidationFailed) as failure:
            import_mapped_chunks(store, chunks)
        [problem] = failure.value.problems
        assert (problem.record, problem.field, problem.row) == ("ENEXIS:KL1031.LS_kabel_0001", "id", 10)
        assert problem.reason == "duplicate id: it appears earlier in the input"
    assert store.count("assets") == 0


def test_memory_does_not_grow_with_the_delivery(tmp_path: Path):
    """Peak memory of reading and of the whole import, at 3 and 12 MB with chunks of 250 cables."""
    runs = {}
    for mb in (3, 12):
        path = tmp_path / f"GI_gebiedsinformatielevering_24O0099999_{mb}MB.xml"
        cables = write_delivery(path, mb=mb)
        for reader in ("parse", "import"):
            result = measure_in_fresh_process(path, reader, chunk_size=250)
            assert result["features"] == cables  # every cable is an asset (the placeholder years take registration)
            runs[(reader, mb)] = result["above_baseline_mb"]
    for reader in ("parse", "import"):
        growth = (runs[(reader, 12)] - runs[(reader, 3)]) / 9
        assert growth < 0.25, f"{reader}: {growth:.2f} MB per MB of file ({runs})"  # it was 1.0 and 1.7
