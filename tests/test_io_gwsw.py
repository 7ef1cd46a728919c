"""GWSW sewer data: the hydx sample read with csv and the OroX sample queried with SPARQL, then imported."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from koppelkans.errors import InputError, KoppelkansError, ValidationFailed
from koppelkans.io.gwsw import assets_from_gwsw, read_hydx
from koppelkans.io.mapping import InstallYearPolicy
from koppelkans.register import import_mapped
from koppelkans.store import SqlRepository

from .conftest import SAMPLES
from .register_helpers import load_roombeek

HYDX = SAMPLES / "gwsw_hydx"
TTL = SAMPLES / "gwsw_orox_ttl" / "juinen_voorbeeld_v1_6.ttl"
OFFSET = (257_000.0, 472_000.0)
ORG = "GM0153-RIO"


def _rows(name: str) -> list[dict[str, str]]:
    with (HYDX / f"{name}.csv").open(newline="") as handle:
        return [{k.strip(): v for k, v in row.items()} for row in csv.DictReader(handle, delimiter=";")]


def _hydx(policy: str = "1975", path: Path = HYDX, offset: tuple[float, float] | None = OFFSET):
    return assets_from_gwsw(path, organisation=ORG, install_years=InstallYearPolicy.parse(policy), offset=offset)


# -- hydx --------------------------------------------------------------------------------------
def test_hydx_pipes_and_manholes_match_the_csv_files():
    links, nodes = _rows("Verbinding"), _rows("Knooppunt")
    pipes = {r["UNI_IDE"] for r in links if r["VRB_TYP"] in ("GSL", "ITR", "OPL")}
    manholes = {r["UNI_IDE"] for r in nodes if r["KNP_TYP"] in ("INS", "ITP", "UIT")}
    structures = {r["PUT_IDE"] for r in nodes if r["KNP_TYP"] == "CMP"}
    mapped = _hydx()
    ids = set(mapped.records["id"])
    assert ids == {f"{ORG}:{p}" for p in pipes | manholes} | {f"{ORG}:put_{s}" for s in structures}
    assert (len(pipes), len(manholes), len(structures), len(mapped.records)) == (80, 68, 8, 156)
    assert mapped.problems == ()
    assert mapped.skipped["rows repeated verbatim in Knooppunt.csv"] == 1  # knp9 appears twice in the sample
    assert mapped.skipped["hydx pomp (PMP): a structure, not a pipe"] == sum(r["VRB_TYP"] == "PMP" for r in links)


def test_hydx_values_come_from_profile_and_nodes():
    nodes = {r["UNI_IDE"]: r for r in _rows("Knooppunt")}
    link = next(r for r in _rows("Verbinding") if r["UNI_IDE"] == "lei1")
    profile = next(r for r in _rows("Profiel") if r["PRO_IDE"] == link["PRO_IDE"])
    pipe = _hydx().records.set_index("id").loc[f"{ORG}:lei1"]
    assert (pipe["material"], pipe["material_code"], pipe["diameter_mm"]) == ("beton", "BET", float(profile["PRO_BRE"]))
    assert (pipe["invert_level_start_m"], pipe["invert_level_end_m"]) == (
        float(link["BOB_KN1"]),
        float(link["BOB_KN2"]),
    )
    start, end = nodes[link["KN1_IDE"]], nodes[link["KN2_IDE"]]
    expected = [
        (float(start["KNP_XCO"]) + OFFSET[0], float(start["KNP_YCO"]) + OFFSET[1]),
        (float(end["KNP_XCO"]) + OFFSET[0], float(end["KNP_YCO"]) + OFFSET[1]),
    ]
    assert shapely.get_coordinates(pipe.geometry).tolist() == [list(p) for p in expected]
    depth = ((float(start["MVD_NIV"]) - float(link["BOB_KN1"])) + (float(end["MVD_NIV"]) - float(link["BOB_KN2"]))) / 2
    assert pipe["depth_m"] == round(depth, 2)
    assert (pipe["asset_type"], pipe["coordinate_offset"]) == ("gemengd riool", "257000,472000")
    egg = _hydx().records.set_index("id").loc[f"{ORG}:lei13"]
    assert (egg["profile_shape"], egg["diameter_mm"], egg["height_mm"]) == ("EIV", 400.0, 600.0)


def test_hydx_local_coordinates_need_an_offset():
    with pytest.raises(InputError, match=r"outside the Netherlands \(x 0–400, y 0–500\).*--offset"):
        _hydx(offset=None)


def test_hydx_has_no_install_year_so_the_default_rejects_every_record():
    mapped = _hydx("reject")
    assert len(mapped.problems) == 156 and mapped.records.empty
    assert {p.field for p in mapped.problems} == {"install_year"}
    assert "GWSW-Hyd has no install-year column" in mapped.problems[0].reason
    assert "--unknown-install-year YEAR" in mapped.problems[0].reason


def test_hydx_reads_from_a_zip_and_strips_header_spaces(tmp_path):
    archive = tmp_path / "hydx.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in HYDX.glob("*.csv"):
            out.write(path, f"export/{path.name}")
    assert len(_hydx(path=archive).records) == 156
    tables = read_hydx(HYDX / "Knooppunt.csv")
    assert "AFV_IFX" in tables["nwrw"].columns  # the header has "AFV_IFX " in the file
    assert tables["itobject"].iloc[0].isin(["0,55"]).any()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "not a GWSW-Hyd"),
        ({"Knooppunt.csv": "", "Verbinding.csv": "UNI_IDE\n"}, "Knooppunt.csv is empty"),
        ({"Knooppunt.csv": "A;B\n1;2\n", "Verbinding.csv": "UNI_IDE;KN1_IDE\n"}, "lacks the column"),
    ],
    ids=["no-files", "empty", "wrong-columns"],
)
def test_broken_hydx_is_a_clear_input_error(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "readme.txt").write_text("x")
    with pytest.raises(InputError, match=message):
        _hydx(path=tmp_path)


def test_a_link_to_a_missing_node_names_the_pipe(tmp_path):
    shutil.copytree(HYDX, tmp_path / "hydx")
    knooppunt = tmp_path / "hydx" / "Knooppunt.csv"
    knooppunt.write_text("\n".join(line for line in knooppunt.read_text().splitlines() if not line.startswith("knp4;")))
    problems = [p for p in _hydx(path=tmp_path / "hydx").problems if p.record == f"{ORG}:lei1"]
    assert [(p.field, p.reason) for p in problems] == [("geometry", "node knp4 is not in Knooppunt.csv")]


def test_gwsw_needs_an_owner():
    with pytest.raises(InputError, match="--organisation"):
        assets_from_gwsw(HYDX, organisation=None)


# -- OroX Turtle -------------------------------------------------------------------------------
PREFIXES = """
PREFIX gwsw: <http://data.gwsw.nl/1.6/totaal/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""


def _sparql(query: str) -> list[tuple]:
    graph = Graph()
    graph.parse(TTL, format="turtle")
    return [tuple(str(v) if v is not None else None for v in row) for row in graph.query(PREFIXES + query)]


def _orox(policy: str = "1975", path: Path = TTL):
    return assets_from_gwsw(path, organisation=ORG, install_years=InstallYearPolicy.parse(policy))


def test_orox_pipes_and_manholes_match_a_sparql_query():
    objects = _sparql(
        """SELECT ?s ?kind WHERE { ?s gwsw:hasAspect ?o . ?o rdf:type ?kind .
           FILTER (?kind IN (gwsw:Leidingorientatie, gwsw:Putorientatie)) }"""
    )
    kinds = [kind.rsplit("/", 1)[1] for _, kind in objects]
    assert (kinds.count("Leidingorientatie"), kinds.count("Putorientatie")) == (19, 10)
    mapped = _orox()
    assert set(mapped.records["id"]) == {f"{ORG}:{s.rsplit('#', 1)[1]}" for s, _ in objects}
    assert mapped.problems == ()
    assert mapped.skipped["Compartiment (Compartimentorientatie)"] == 9


def test_orox_values_come_from_aspects():
    pipe_iri = "<http://sparql.gwsw.nl/repositories/Juinen#GemengdRiool_93>"

    def value(pattern: str) -> str:
        [(found,)] = _sparql(f"SELECT ?v WHERE {{ {pipe_iri} gwsw:hasAspect ?a . {pattern} }}")
        return found

    material = value("?a rdf:type gwsw:MateriaalLeiding . ?a gwsw:hasReference ?v")
    width = value("?a rdf:type gwsw:BreedteLeiding . ?a gwsw:hasValue ?v")
    end = "?a gwsw:hasPart ?p . ?p rdf:type gwsw:{} . ?p gwsw:hasAspect ?b . ?b gwsw:hasValue ?v"
    bob_start, bob_end = value(end.format("BeginpuntLeiding")), value(end.format("EindpuntLeiding"))
    line = value("?a gwsw:hasAspect ?l . ?l rdf:type gwsw:Lijn . ?l gwsw:hasValue ?v")
    pipe = _orox().records.set_index("id").loc[f"{ORG}:GemengdRiool_93"]
    assert (pipe["material"], pipe["material_code"]) == (material.rsplit("/", 1)[1].lower(), "Beton")
    assert (pipe["diameter_mm"], pipe["invert_level_start_m"], pipe["invert_level_end_m"]) == (
        float(width),
        float(bob_start),
        float(bob_end),
    )
    values = [float(v) for v in line.split("<gml:posList")[1].split(">")[1].split("<")[0].split()]
    assert shapely.get_coordinates(pipe.geometry).ravel().tolist() == [v for i, v in enumerate(values) if i % 3 != 2]
    assert (pipe["asset_type"], pipe["label"]) == ("gemengd riool", "4")
    put = _orox().records.set_index("id").loc[f"{ORG}:Inspectieput_17"]
    assert (put["asset_type"], put.geometry.geom_type) == ("inspectieput / verdekte put", "Point")


def test_orox_placeholder_dates_are_not_install_years():
    dates = dict(
        _sparql(
            """SELECT ?s ?d WHERE { ?s gwsw:hasAspect ?o . ?o rdf:type ?k .
               FILTER (?k IN (gwsw:Leidingorientatie, gwsw:Putorientatie))
               OPTIONAL { ?s gwsw:hasAspect [ rdf:type gwsw:Begindatum ; gwsw:hasValue ?d ] } }"""
        )
    )
    usable = {s.rsplit("#", 1)[1]: d for s, d in dates.items() if d is not None and d != "1970-01-01"}
    rejected = _orox("reject")
    assert {r.removeprefix(f"{ORG}:") for r in rejected.records["id"]} == set(usable)
    assert len(rejected.problems) == len(dates) - len(usable) == 25
    placeholder = next(p for p in rejected.problems if "1970-01-01" in p.reason)
    assert "placeholder" in placeholder.reason
    stored_years = rejected.records.set_index("id")["install_year"]
    assert {k.removeprefix(f"{ORG}:"): v for k, v in stored_years.items()} == {k: int(d[:4]) for k, d in usable.items()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no GWSW data"),
        (
            TTL.read_text(encoding="utf-8")[: TTL.read_text(encoding="utf-8").index("<gml:posList") + 20],
            "not valid Turtle",
        ),
        (
            TTL.read_text(encoding="utf-8").replace("http://data.gwsw.nl/1.6/totaal/", "http://example.org/x/"),
            "no GWSW data",
        ),
        ("@prefix gwsw: <http://data.gwsw.nl/1.6/totaal/> .\n<urn:a> gwsw:hasAspect <urn:b> .\n", "no pipes"),
    ],
    ids=["empty", "truncated", "wrong-namespace", "no-objects"],
)
def test_broken_orox_is_a_clear_input_error(tmp_path, text, message):
    path = tmp_path / "data.ttl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        _orox(path=path)


def test_an_orox_pipe_without_geometry_is_named(tmp_path):
    text = TTL.read_text(encoding="utf-8").replace(
        ":GemengdRiool_93_ori\n\tgwsw:hasAspect                _:Lijn_96 .", ""
    )
    path = tmp_path / "data.ttl"
    path.write_text(text, encoding="utf-8")
    [problem] = [p for p in _orox(path=path).problems]
    assert (problem.record, problem.field) == (f"{ORG}:GemengdRiool_93", "geometry")
    assert "no Lijn" in problem.reason


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(TTL.read_bytes()) - 1))
def test_a_truncated_turtle_file_never_escapes_as_a_traceback(tmp_path_factory, cut):
    path = tmp_path_factory.mktemp("fuzz") / "cut.ttl"
    path.write_bytes(TTL.read_bytes()[:cut])
    try:
        _orox(path=path)
    except KoppelkansError as error:
        assert error.message


# -- storing -----------------------------------------------------------------------------------
def test_import_stores_hydx_and_orox_sewers(store: SqlRepository):
    load_roombeek(store, until="organisations")
    hydx = import_mapped(store, _hydx())
    assert hydx.stored == 156
    with pytest.raises(ValidationFailed) as failure:
        import_mapped(store, _orox("reject"))
    assert failure.value.problems[0].field == "install_year" and store.count("assets") == 156
    orox = import_mapped(store, _orox())
    assert orox.stored == 29 and store.count("assets") == 185
    stored = store.read("assets", ids=[f"{ORG}:GemengdRiool_93"]).iloc[0]
    assert stored["attributes"]["invert_level_start_m"] == 22.45
    assert stored["attributes"]["install_year_estimated"] is True
