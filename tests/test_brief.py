"""The project brief (K9, PRODUCT.md C2): an honest environment analysis, checked against an independent
GeoPandas query on the Twente demo (both back-ends), and documents that render (PDF → PNG with pdftoppm)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from koppelkans.analysis.coupling import CouplingOptions
from koppelkans.brief.document import brief_as_json
from koppelkans.brief.render import html_of_brief, markdown_of_brief
from koppelkans.briefing import (
    brief_for,
    subject_of_area,
    subject_of_geometry,
    subject_of_project,
    subject_of_work,
    write_brief,
)
from koppelkans.couplings import find_couplings
from koppelkans.demo import build_demo
from koppelkans.errors import InputError, NotFound
from koppelkans.lifecycle import forecast_register
from koppelkans.projects import add_project
from koppelkans.store import SqlRepository

from .register_helpers import load_roombeek

FIRST, LAST = 2026, 2036
BUFFER = 100.0


def with_findings(store: SqlRepository) -> SqlRepository:
    """The store with its due years (lifecycle forecast) and couplings/conflicts stored, as `make demo` leaves it."""
    forecast_register(store, first=FIRST, last=LAST)
    find_couplings(store, CouplingOptions(year_from=FIRST, year_to=LAST))
    return store


def within(frame: gpd.GeoDataFrame, geometry: object, distance: float = BUFFER) -> gpd.GeoDataFrame:
    """The independent query: GeoPandas distance to the project geometry, no index, no buffer polygon."""
    present = frame[frame.geometry.notna()]
    return present[present.distance(geometry) <= distance]


def expected_environment(store: SqlRepository, geometry: object) -> dict[str, set[str]]:
    works, assets, tasks, areas = (store.read(k) for k in ("works", "assets", "tasks", "areas"))
    near_assets = within(assets, geometry)
    p50 = store.read_findings("due_years").set_index("asset_id")["p50"].astype(float)
    due_year = np.maximum(np.ceil(near_assets["id"].map(p50).to_numpy(dtype=float)), FIRST)
    area_polygon = areas.set_index("code").geometry
    placed = tasks.geometry.where(tasks.geometry.notna(), tasks["area_code"].map(area_polygon))
    tasks = gpd.GeoDataFrame(tasks.drop(columns="geometry"), geometry=gpd.GeoSeries(placed, crs=28992))
    return {
        "works": set(within(works, geometry)["id"]),
        "due_assets": set(near_assets["id"][due_year <= LAST]),
        "tasks": set(within(tasks, geometry)["id"]),
        "conflicts": set(within(store.read_findings("conflicts"), geometry)["id"]),
    }


def listed(brief_json: dict) -> dict[str, set[str]]:
    env = brief_json["environment"]
    return {key: {row["id"] for row in env[key]} for key in ("works", "due_assets", "tasks", "conflicts")}


def busiest_work(store: SqlRepository) -> str:
    """The first work (by id) with other works, due assets, tasks and conflicts around it: a brief worth checking."""
    for work_id in sorted(store.read("works")["id"]):
        geometry = store.read("works", ids=[work_id]).geometry.iloc[0]
        found = expected_environment(store, geometry)
        if len(found["works"]) >= 3 and found["due_assets"] and found["tasks"] and found["conflicts"]:
            return work_id
    raise AssertionError("the demo has no work with everything around it")


def test_brief_for_a_demo_work_lists_exactly_what_lies_within_the_buffer(store: SqlRepository) -> None:
    build_demo(store, scale=0.05)
    with_findings(store)
    work_id = busiest_work(store)
    subject = subject_of_work(store, work_id)
    brief = brief_for(store, subject, buffer_m=BUFFER, year_from=FIRST, year_to=LAST)
    got = listed(brief_as_json(brief))
    expected = expected_environment(store, subject.geometry)
    assert got == expected
    assert len(got["works"]) >= 3 and got["due_assets"] and got["tasks"] and got["conflicts"]
    # a larger buffer only adds; 0 m keeps what touches the work itself
    wider = listed(brief_as_json(brief_for(store, subject, buffer_m=250, year_from=FIRST, year_to=LAST)))
    assert all(got[key] <= wider[key] for key in got)
    assert wider["works"] == set(within(store.read("works"), subject.geometry, 250)["id"])


@pytest.mark.backends("geopackage")
def test_the_pdf_of_a_demo_brief_renders_to_png(store: SqlRepository, tmp_path: Path) -> None:
    build_demo(store, scale=0.05)
    with_findings(store)
    work_id = busiest_work(store)
    brief = brief_for(store, subject_of_work(store, work_id), year_from=FIRST, year_to=LAST)
    pdf = write_brief(brief, tmp_path / "brief.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert shutil.which("pdftoppm"), "pdftoppm is missing: run scripts/ensure-weasyprint-libs.sh"
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)
    assert pages[0].stat().st_size > 30_000  # the first page carries the map
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Omgevingsanalyse" in text and "De zes vragen van de opdracht" in text and work_id in text


@pytest.fixture
def roombeek(tmp_path: Path) -> SqlRepository:
    from koppelkans.store import open_store

    store = open_store(str(tmp_path / "roombeek.gpkg"))
    store.initialise()
    load_roombeek(store)
    find_couplings(store, CouplingOptions(year_from=FIRST, year_to=2040))
    return store


def test_brief_of_the_roomweg_sewer_names_its_surroundings_couplings_and_parties(roombeek: SqlRepository) -> None:
    brief = brief_for(roombeek, subject_of_work(roombeek, "GM0153-RIO:W1"), year_from=FIRST, year_to=LAST)
    payload = brief_as_json(brief)
    env = payload["environment"]
    assert [(w["id"], w["in_project"], w["distance_m"]) for w in env["works"]] == [
        ("GM0153-RIO:W1", True, 0.0),
        ("GM0153-WEG:W2", False, 0.0),
        ("VITENS:W3", False, 0.0),
        ("GM0153:W6", False, 60.0),
    ]
    assert {(a["id"], a["renewed_by"]) for a in env["due_assets"]} == {
        ("GM0153-WEG:V1", "GM0153-WEG:W2"),
        ("GM0153-RIO:R1", "GM0153-RIO:W1"),
        ("GM0153-RIO:R2", "GM0153-RIO:W1"),
    }
    assert [t["id"] for t in env["tasks"]] == ["GM0153:T1", "GM0153:T2"]
    assert [c["type"] for c in env["conflicts"]] == ["dig_free_violation"]
    own = [c for c in env["couplings"] if c["involves_project"]]
    assert {(c["kind"], c["last_phase"]) for c in own} == {("meekoppelkans", "bestek"), ("koppelkans", "pve")}
    assert payload["project_type"]["code"] == "beheer" and payload["leading_party"]["code"] == "GM0153-RIO"
    parties = [s["code"] for s in env["stakeholders"]]
    assert parties[0] == "GM0153-RIO" and env["stakeholders"][0]["leads"]
    assert {"GM0153-WEG", "VITENS", "ENEXIS", "GM0153"} <= set(parties)
    enexis = next(s for s in env["stakeholders"] if s["code"] == "ENEXIS")
    assert enexis["reasons"] == ["0,2 km kabels/leidingen in het gebied (gas): KLIC, dwarsprofiel, mogelijk verleggen"]
    questions = {q["key"]: q for q in payload["questions"]}
    assert list(questions) == ["leading_task", "criteria", "steering", "frameworks", "physical_social", "participation"]
    assert questions["physical_social"]["open"] and not questions["leading_task"]["open"]
    assert questions["leading_task"]["suggestions"][0].startswith("beheer: Vervanging riool Roomweg (GM0153-RIO")
    assert {r["code"] for r in payload["roles"]} >= {"opdrachtgever", "projectleider", "kabels_leidingen"}
    assert {(s["segment_id"], s["claim"], s["verdict"]) for s in env["subsurface"]} >= {("S1", "heat", "fits")}


def test_brief_documents_in_dutch_and_english(roombeek: SqlRepository, tmp_path: Path) -> None:
    brief = brief_for(roombeek, subject_of_work(roombeek, "GM0153-RIO:W1"), year_from=FIRST, year_to=LAST)
    html_nl, html_en = html_of_brief(brief, language="nl"), html_of_brief(brief, language="en")
    assert "Omgevingsanalyse" in html_nl and "data:image/png;base64," in html_nl and "&#34;" not in html_nl
    assert "Environment analysis" in html_en and "The six questions of the assignment" in html_en
    markdown = write_brief(brief, tmp_path / "brief.md")
    text = markdown.read_text()
    assert "## 2. Omgevingsanalyse" in text and "| GM0153-RIO:R1 |" in text
    assert "![Kaart van het project en zijn omgeving](brief_map.png)" in text
    assert (tmp_path / "brief_map.png").read_bytes()[:4] == b"\x89PNG"
    written = json.loads(write_brief(brief, tmp_path / "brief.json", language="en").read_text())
    assert written["project_type"]["label"] == "management-driven"
    assert markdown_of_brief(brief, language="en").startswith("# Project brief with environment analysis")


def test_brief_of_a_project_shows_its_phase_and_decisions(roombeek: SqlRepository) -> None:
    add_project(roombeek, "roomweg", work_ids=["GM0153-RIO:W1", "GM0153-WEG:W2"], project_type="beheer", by="t")
    brief = brief_for(roombeek, subject_of_project(roombeek, "roomweg"), year_from=FIRST, year_to=LAST)
    payload = brief_as_json(brief)
    assert payload["subject"]["works"] == ["GM0153-RIO:W1", "GM0153-WEG:W2"]
    assert {w["id"] for w in payload["environment"]["works"] if w["in_project"]} == {"GM0153-RIO:W1", "GM0153-WEG:W2"}
    assert "nota van uitgangspunten / programma van eisen" in html_of_brief(brief)


def test_brief_of_an_area_and_of_a_drawn_geometry(roombeek: SqlRepository) -> None:
    area = brief_as_json(brief_for(roombeek, subject_of_area(roombeek, "BU01530311"), year_from=FIRST, year_to=LAST))
    assert area["subject"]["kind"] == "area" and "GM0153:T1" in {t["id"] for t in area["environment"]["tasks"]}
    assert area["subject"]["works"]  # the works inside the buurt form the candidate project
    line = subject_of_geometry("LINESTRING (257400 472501, 257800 472501)")
    drawn = brief_as_json(brief_for(roombeek, line, buffer_m=10, year_from=FIRST, year_to=LAST))
    assert {w["id"] for w in drawn["environment"]["works"]} == {"GM0153-RIO:W1", "GM0153-WEG:W2", "VITENS:W3"}
    lonlat = subject_of_geometry("POINT (6.8875 52.2300)", crs="EPSG:4326")
    assert 250_000 < lonlat.geometry.x < 265_000


@pytest.mark.parametrize(
    ("call", "error", "field"),
    [
        (lambda s: subject_of_work(s, "GM0153-RIO:W99"), NotFound, "work"),
        (lambda s: subject_of_area(s, "BU99999999"), NotFound, "area"),
        (lambda s: subject_of_project(s, "nothing"), NotFound, "project"),
        (lambda s: subject_of_geometry("LINESTRING (6.88 52.23, 6.89 52.23)"), InputError, "geometry"),
        (lambda s: subject_of_geometry("LINESTRING (257400"), InputError, "geometry"),
        (lambda s: subject_of_geometry("POINT (1 2)", crs="EPSG:999999"), InputError, "crs"),
        (lambda s: brief_for(s, subject_of_work(s, "GM0153-RIO:W1"), buffer_m=-5), InputError, "buffer"),
        (lambda s: brief_for(s, subject_of_work(s, "GM0153-RIO:W1"), year_from=2030, year_to=2020), InputError, "to"),
    ],
)
def test_bad_brief_input_names_the_field(roombeek: SqlRepository, call, error, field) -> None:
    with pytest.raises(error) as raised:
        call(roombeek)
    assert raised.value.field == field


def test_a_brief_is_written_only_in_the_formats_it_knows(roombeek: SqlRepository, tmp_path: Path) -> None:
    brief = brief_for(roombeek, subject_of_work(roombeek, "VITENS:W3"), year_from=FIRST, year_to=LAST)
    with pytest.raises(InputError) as raised:
        write_brief(brief, tmp_path / "brief.docx")
    assert raised.value.field == "out"
    with pytest.raises(InputError) as raised:
        write_brief(brief, tmp_path / "brief.html", language="de")
    assert raised.value.field == "lang"


def test_without_stored_findings_the_brief_finds_couplings_without_storing_them(tmp_path: Path) -> None:
    from koppelkans.store import open_store

    store = open_store(str(tmp_path / "fresh.gpkg"))
    store.initialise()
    load_roombeek(store)
    brief = brief_for(store, subject_of_work(store, "GM0153-RIO:W1"), year_from=FIRST, year_to=LAST)
    assert {c["kind"] for c in brief_as_json(brief)["environment"]["couplings"]} >= {"meekoppelkans", "koppelkans"}
    assert store.read_findings("couplings").empty
