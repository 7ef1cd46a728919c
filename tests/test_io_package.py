"""`koppelkans export all PATH.gpkg`: a QGIS-ready GeoPackage of the whole register with its layer styles.

The package is exported from a small Twente demo, read back independently (pyogrio for the layers,
sqlite3 and xml.etree for the styles) and imported into a fresh store of each back-end.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from typer.testing import CliRunner

from koppelkans.cli.main import app
from koppelkans.demo import build_demo
from koppelkans.domain.records import KINDS, kind_spec
from koppelkans.errors import InputError
from koppelkans.io.package import Legend
from koppelkans.register import export_all, import_file
from koppelkans.store import SqlRepository, open_store
from koppelkans.web.legend import DISCIPLINE_COLOURS, STATUS_STYLES, THEME_COLOURS

LEGEND = Legend(disciplines=DISCIPLINE_COLOURS, statuses=STATUS_STYLES, themes=THEME_COLOURS)
SE = "{http://www.opengis.net/se}"
OGC = "{http://www.opengis.net/ogc}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Twente demo at scale 0.01 (≈ 3,000 assets) in a GeoPackage store."""
    path = tmp_path_factory.mktemp("demo") / "demo.gpkg"
    store = open_store(str(path))
    store.initialise()
    build_demo(store, scale=0.01, seed=7)
    store.close()
    return path


@pytest.fixture(scope="module")
def package(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("package") / "koppelkans_export.gpkg"
    store = open_store(str(demo))
    written = export_all(store, path, legend=LEGEND)
    store.close()
    return path, written


def _styles(path: Path) -> pd.DataFrame:
    with sqlite3.connect(path) as conn:
        return pd.read_sql("SELECT * FROM layer_styles ORDER BY id", conn)


def test_the_package_opens_with_every_layer_and_the_styles_table(demo: Path, package: tuple[Path, dict[str, int]]):
    path, written = package
    store = open_store(str(demo))
    layers = dict(pyogrio.list_layers(path))
    type_ids = {
        kind: shapely.get_type_id(np.asarray(store.read(kind).geometry.to_numpy(), dtype=object))
        for kind in ("assets", "works")
    }
    expected = {"organisations", "areas", "segments", "tasks", "segment_links", "layer_styles"}
    for kind, ids in type_ids.items():
        expected |= {f"{kind}_{name}" for name, types in _DIMENSIONS.items() if np.isin(ids, types).any()}
    assert set(layers) == expected
    assert {name: layers[name] for name in ("organisations", "segment_links", "layer_styles")} == dict.fromkeys(
        ("organisations", "segment_links", "layer_styles")
    )  # attribute tables, no geometry
    assert layers["segments"] == "LineString" and layers["areas"] in ("Polygon", "MultiPolygon")
    for kind in KINDS:
        in_package = sum(pyogrio.read_info(path, layer=n)["features"] for n in layers if n.split("_")[0] == kind)
        assert in_package == store.count(kind) > 0
    assert written == {
        name: pyogrio.read_info(path, layer=name)["features"] for name in layers if name != "layer_styles"
    }
    assert pyogrio.read_info(path, layer="segments")["crs"] == "EPSG:28992"
    links = pyogrio.read_dataframe(path, layer="segment_links")
    assert links.values.tolist() == store.links().values.tolist()


_DIMENSIONS = {"points": (0, 4), "lines": (1, 5), "polygons": (3, 6)}


def _rgba(colour: str) -> str:
    """`#7b3f98` → `123,63,152,255`, as QGIS writes colours."""
    return ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5)) + ",255"


def test_every_map_layer_has_a_default_qml_style_in_our_colours(package: tuple[Path, dict[str, int]]):
    path, _ = package
    styles = _styles(path)
    map_layers = {name for name, geometry in pyogrio.list_layers(path) if geometry is not None}
    assert set(styles["f_table_name"]) == map_layers
    assert set(styles["f_geometry_column"]) == {"geom"} and set(styles["f_table_schema"]) == {""}
    assert styles["useAsDefault"].tolist() == [1] * len(styles)
    assert list(styles.columns) == [
        "id",
        "f_table_catalog",
        "f_table_schema",
        "f_table_name",
        "f_geometry_column",
        "styleName",
        "styleQML",
        "styleSLD",
        "useAsDefault",
        "description",
        "owner",
        "ui",
        "update_time",
    ]
    qml = styles.set_index("f_table_name").loc["assets_lines", "styleQML"]
    root = ElementTree.fromstring(qml.split("\n", 1)[1])  # after the DOCTYPE line
    renderer = root.find("renderer-v2")
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "discipline")
    categories = {c.get("value"): c for c in renderer.iter("category")}
    assert set(categories) == {*DISCIPLINE_COLOURS, ""}  # every discipline, and grey for anything else
    assert categories["sewer"].get("label") == "riolering"
    symbol = renderer.find(f"symbols/symbol[@name='{categories['sewer'].get('symbol')}']")
    assert symbol.get("type") == "line"
    options = {o.get("name"): o.get("value") for o in symbol.find("layer/Option")}
    sewer = _rgba(DISCIPLINE_COLOURS["sewer"])  # KLIC riool purple
    assert options["line_color"] == sewer
    assert {p.get("k"): p.get("v") for p in symbol.iter("prop")}["line_color"] == sewer
    assert root.find("layerGeometryType").text == "1"
    points = ElementTree.fromstring(styles.set_index("f_table_name").loc["assets_points", "styleQML"].split("\n", 1)[1])
    assert {s.get("type") for s in points.iter("symbol")} == {"marker"}
    sld = ElementTree.fromstring(styles.set_index("f_table_name").loc["assets_lines", "styleSLD"])
    rules = {r.find(f"{SE}Name").text: r for r in sld.iter(f"{SE}Rule")}
    assert rules["riolering"].find(f".//{OGC}Literal").text == "sewer"
    assert rules["riolering"].find(f".//{SE}SvgParameter[@name='stroke']").text == DISCIPLINE_COLOURS["sewer"]
    assert rules["overig"].find(f"{SE}ElseFilter") is not None


def test_works_are_drawn_by_status_in_the_colour_of_their_discipline(package: tuple[Path, dict[str, int]]):
    path, _ = package
    qml = _styles(path).set_index("f_table_name").loc["works_lines", "styleQML"]
    renderer = ElementTree.fromstring(qml.split("\n", 1)[1]).find("renderer-v2")
    assert (renderer.get("type"), renderer.get("attr")) == ("categorizedSymbol", "status")
    by_status = {
        c.get("value"): renderer.find(f"symbols/symbol[@name='{c.get('symbol')}']") for c in renderer.iter("category")
    }
    widths = {
        s: float({o.get("name"): o.get("value") for o in by_status[s].find("layer/Option")}["line_width"])
        for s in STATUS_STYLES
    }
    assert widths["in_progress"] > widths["committed"] > widths["planned"] > widths["idea"]  # firmer is heavier
    assert by_status["cancelled"].get("alpha") == str(STATUS_STYLES["cancelled"]["opacity"])
    colour = by_status["planned"].find("layer/data_defined_properties/Option/Option[@name='properties']")
    expression = colour.find("Option[@name='outlineColor']/Option[@name='expression']").get("value")
    assert f"\"discipline\" = 'gas' THEN '{_rgba(DISCIPLINE_COLOURS['gas'])}'" in expression


def test_the_package_imports_back_without_losing_anything(
    demo: Path, package: tuple[Path, dict[str, int]], store: SqlRepository
):
    path, _ = package
    layers = [name for name, _ in pyogrio.list_layers(path) if name not in ("segment_links", "layer_styles")]
    for kind in KINDS:  # reference order
        for layer in (n for n in layers if n == kind or n.startswith(f"{kind}_")):
            import_file(store, kind, path, layer=layer)
    source = open_store(str(demo))
    for kind in KINDS:
        key = kind_spec(kind).key
        before = source.read(kind).sort_values(key).reset_index(drop=True)
        after = store.read(kind).sort_values(key).reset_index(drop=True)
        columns = list(kind_spec(kind).column_names)
        pd.testing.assert_frame_equal(after[columns].astype(object), before[columns].astype(object))
        assert list(after["attributes"]) == list(before["attributes"])
        for old, new in zip(before["attributes"], after["attributes"]):  # types too: 1985 stays an int, True a bool
            assert {k: type(v) for k, v in old.items()} == {k: type(v) for k, v in new.items()}
        if kind_spec(kind).spatial:
            old, new = before.geometry.to_numpy(), after.geometry.to_numpy()
            missing = shapely.is_missing(old)  # tasks may name an area instead of drawing one
            assert (shapely.is_missing(new) == missing).all()
            assert shapely.equals_exact(new[~missing], old[~missing], tolerance=0).all()
            assert list(after.geometry.geom_type) == list(before.geometry.geom_type)
    links = ["kind", "record_id", "segment_id"]
    assert (
        store.links()[links].sort_values(links).values.tolist()
        == source.links()[links].sort_values(links).values.tolist()
    )


def test_export_all_from_the_command_line(demo: Path, tmp_path: Path):
    runner = CliRunner()
    target = tmp_path / "register.gpkg"
    result = runner.invoke(app, ["--db", str(demo), "export", "all", str(target)])
    assert result.exit_code == 0, result.output
    assert f"with their QGIS styles to {target}" in result.stdout and "assets_lines" in result.stdout
    assert "layer_styles" in dict(pyogrio.list_layers(target))
    again = runner.invoke(app, ["--db", str(demo), "export", "all", str(target)])  # written anew, not appended
    assert again.exit_code == 0 and len(_styles(target)) == len(_styles(Path(target)).drop_duplicates("f_table_name"))
    refused = runner.invoke(app, ["--db", str(demo), "export", "all", str(tmp_path / "register.geojson")])
    assert refused.exit_code == 2 and "writes a GeoPackage" in refused.stderr and "Traceback" not in refused.output


def test_export_all_refuses_to_overwrite_the_store_itself(demo: Path):
    store = open_store(str(demo))
    with pytest.raises(InputError, match="is the store itself"):
        export_all(store, demo, legend=LEGEND)
    assert store.count("assets") > 0
