"""KLIC deliveries (IMKL 2.0, GML 3.2, namespace `http://www.geostandaarden.nl/imkl/wibon`) → assets.

A cable or pipe (`imkl:Elektriciteitskabel`, `Waterleiding`, `Rioolleiding`, `Mantelbuis`, …) has
no geometry of its own: its `net:link`s point to `us-net-common:UtilityLink`s whose
`net:centrelineGeometry` holds a `gml:LineString` or `gml:Curve` (clipping may split one link in
`…_ulink.1`, `…_ulink.2`: they are merged). Its `net:inNetwork` points to an `imkl:Utiliteitsnet`
with the `thema` that gives our discipline and the `standaardDieptelegging` that gives depth_m.

- Streaming: lxml `iterparse` per `gml:featureMember`, each member cleared and its earlier siblings
  deleted once read, straight from the .zip (the `GI_gebiedsinformatielevering_*.xml`, else
  `netinformatie*.xml`, else the one XML). Cables are handed out in chunks (`iter_assets_from_imkl`)
  as soon as their network and UtilityLinks have been read, and their link coordinates freed, so
  memory holds one chunk, never the document nor all its records: it does not grow with the file
  (`koppelkans bench import-imkl`). A link two cables share is read again at the end for the second.
  The KLIC meldnummer is that of the `GebiedsinformatieAanvraag` that precedes the cables (KLIC writes
  it first), else taken from the file name. Geometry must be in RD New (`urn:ogc:def:crs:EPSG::28992`
  or `EPSG:28992`; IMKL prescribes it, so a missing srsName is taken as RD); any other srsName
  rejects the cable.
- Owner: the bronhoudercode (`KL1031`, `GM0153`) in the `gml:id` (`nl.imkl-KL1031.…`), mapped to
  our organisation with the org map (`--org-map`, columns bronhoudercode,organisation).
- Theme → discipline: laagspanning → electricity_lv; middenspanning, hoogspanning and
  landelijkHoogspanningsnet → electricity_mv (we have no HV discipline; `klic_thema` keeps it);
  gasLageDruk/gasHogeDruk → gas; buisleidingGevaarlijkeInhoud/petrochemie → gas for natural gas
  and hydrogen, else skipped; datatransport → telecom, or fibre when the cable material is fibre;
  water → water; warmte → heat; rioolVrijverval/rioolOnderOverOfOnderdruk → sewer. Themes `wees`
  (orphaned cables) and `overig` are skipped and counted; a theme not in the IMKL list is rejected.
- Material from the codelist href (`…/PipeMaterialTypeIMKLValue/castIron` → `gietijzer`, `onbekend`
  → none); diameter from `pipeDiameter`/`kabelDiameter`/`ductWidth` with its uom (m, cm, mm → mm);
  0 means unknown. Objects that describe no cable or pipe (Annotatie, Maatvoering, Diepte,
  Appurtenance, ExtraDetailinfo…, which link to nothing) are skipped and counted; cables with
  status `projected` do not exist yet and are skipped too.
- Install year: `us-net-common:validFrom`, unless it is nil or a placeholder (`9999-12-31`, year
  1900/1000, …). Then `InstallYearPolicy` decides: reject (default), `registration` (the year of
  `beginLifespanVersion`, the date the record entered the source register: an upper bound), or a
  named year; estimates are flagged in attributes.
- Confidentiality: every asset carries `confidential=true` and `klic_reference` (the KLIC
  meldnummer, else the file name), plus `klic_gml_id`, `klic_class`, `klic_thema`, `bronhoudercode`
  and the raw codes it was mapped from.
"""

from __future__ import annotations

import re
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from lxml import etree

from koppelkans.config import CRS
from koppelkans.errors import InputError, Problem
from koppelkans.io.gml import GeometryError, first_geometry
from koppelkans.io.mapping import InstallYearPolicy, MappedRecords, OrganisationMap, years_from_dates

__all__ = [
    "CABLE_CLASSES",
    "CHUNK_SIZE",
    "IMKL_NS",
    "THEMES",
    "assets_from_imkl",
    "iter_assets_from_imkl",
    "iter_imkl_features",
]

IMKL_NS = "http://www.geostandaarden.nl/imkl/wibon"
GML32_NS = "http://www.opengis.net/gml/3.2"
US_NET_COMMON_NS = "http://inspire.ec.europa.eu/schemas/us-net-common/4.0"
GML_ID = f"{{{GML32_NS}}}id"
HREF = "{http://www.w3.org/1999/xlink}href"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
CHUNK_SIZE = 5_000
"""Cables per chunk of `iter_assets_from_imkl`: about 1.5 kB of memory each while mapped and checked."""
RD_SRS = re.compile(r"(EPSG:+|EPSG/0/|epsg/)28992/?$", re.IGNORECASE)

CABLE_CLASSES = {
    "Elektriciteitskabel": "kabel",
    "Telecommunicatiekabel": "telecomkabel",
    "OlieGasChemicalienPijpleiding": "buisleiding",
    "Waterleiding": "waterleiding",
    "Rioolleiding": "rioolleiding",
    "ThermischePijpleiding": "warmteleiding",
    "Mantelbuis": "mantelbuis",
    "Kabelbed": "kabelbed",
    "Duct": "kabelbed",
    "Overig": "overige kabel of leiding",
}
"""IMKL classes that are a cable, pipe or duct (an asset of ours) → a Dutch asset type."""

SKIP = "skip"
THEMES: dict[str, str | None] = {
    "laagspanning": "electricity_lv",
    "middenspanning": "electricity_mv",
    "hoogspanning": "electricity_mv",
    "landelijkHoogspanningsnet": "electricity_mv",
    "gasLageDruk": "gas",
    "gasHogeDruk": "gas",
    "buisleidingGevaarlijkeInhoud": None,
    "petrochemie": None,
    "datatransport": "telecom",
    "water": "water",
    "warmte": "heat",
    "rioolVrijverval": "sewer",
    "rioolOnderOverOfOnderdruk": "sewer",
    "wees": SKIP,
    "overig": SKIP,
}
"""IMKL themes (Thema waardelijst) → discipline; None: by product type; SKIP: not imported (counted)."""

_TYPE_BY_THEME = {
    ("Elektriciteitskabel", "laagspanning"): "laagspanningskabel",
    ("Elektriciteitskabel", "middenspanning"): "middenspanningskabel",
    ("Elektriciteitskabel", "hoogspanning"): "hoogspanningskabel",
    ("Elektriciteitskabel", "landelijkHoogspanningsnet"): "hoogspanningskabel",
    ("OlieGasChemicalienPijpleiding", "gasLageDruk"): "gasleiding lage druk",
    ("OlieGasChemicalienPijpleiding", "gasHogeDruk"): "gasleiding hoge druk",
    ("Rioolleiding", "rioolVrijverval"): "vrijvervalriool",
    ("Rioolleiding", "rioolOnderOverOfOnderdruk"): "persriool",
}

_GAS_PRODUCTS = frozenset({"naturalgas", "gas", "biogas", "hydrogen", "waterstof", "aardgas"})

MATERIALS = {
    **dict.fromkeys(("asbestos", "asbestoscement", "asbestcement"), "asbestcement"),
    **dict.fromkeys(("castiron", "iron", "gietijzer"), "gietijzer"),
    **dict.fromkeys(("ductileiron", "nodulairgietijzer"), "nodulair gietijzer"),
    **dict.fromkeys(("clay", "terracotta", "vitrifiedclay", "gres"), "gres"),
    **dict.fromkeys(("concrete", "compositeconcrete", "beton"), "beton"),
    **dict.fromkeys(("reinforcedconcrete", "prestressedreinforcedconcrete"), "gewapend beton"),
    **dict.fromkeys(("pvc", "cpvc", "upvc"), "PVC"),
    **dict.fromkeys(("pe", "hdpe", "hppe", "pex", "pehd"), "PE"),
    "pp": "PP",
    "steel": "staal",
    "copper": "koper",
    **dict.fromkeys(("masonrybrickbased", "masonrystonebased", "masonry"), "metselwerk"),
    "wood": "hout",
    **dict.fromkeys(("polyester", "grp", "gvk"), "GVK"),
    **dict.fromkeys(("fiberoptic", "fibreoptic", "opticalfiber", "glasvezel"), "glasvezel"),
    "coaxial": "coax",
    **dict.fromkeys(("twistedpair", "twistedcopper"), "koper"),
    **dict.fromkeys(("onbekend", "unknown", "other", "overig"), ""),
}
"""Codelist values (IMKL PipeMaterialTypeIMKLValue, TelecommunicationsCableMaterialTypeIMKLValue), normalised
to lower-case letters and digits → the Dutch names our survival models know; "" means unknown."""

_MM_PER_UOM = {"mm": 1.0, "cm": 10.0, "dm": 100.0, "m": 1000.0}

_CABLE_FIELDS = (
    "gml_id",
    "klic_class",
    "network",
    "links",
    "status",
    "valid_from",
    "begin_lifespan",
    "diameter",
    "diameter_uom",
    "material_code",
    "label",
    "nominal_voltage_v",
    "pressure_bar",
    "product_type",
    "water_type",
    "sewer_water_type",
    "geo_accuracy",
    "vertical_position",
)


# -- reading -----------------------------------------------------------------------------------
@contextmanager
def _opened(path: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """The IMKL XML stream of a delivery: the file itself, or the right member of a .zip."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.suffix.lower() != ".zip":
        with path.open("rb") as handle:
            yield path.name, handle
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(f"{path.name}: not a zip file (empty or damaged)") from None
    with archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".xml")]
        base = {n: Path(n).name.lower() for n in names}
        member = (
            next((n for n in names if base[n].startswith("gi_gebiedsinformatielevering")), None)
            or next((n for n in names if base[n].startswith("netinformatie")), None)
            or (names[0] if len([n for n in names if not base[n].startswith("li_")]) == 1 else None)
        )
        if member is None:
            found = ", ".join(Path(n).name for n in names) or "no XML file"
            raise InputError(f"{path.name}: no GI_gebiedsinformatielevering_*.xml in the zip (found {found})")
        with archive.open(member) as stream:
            yield Path(member).name, stream


def iter_imkl_features(stream: IO[bytes], *, namespaces: dict[str, str] | None = None) -> Iterator[etree._Element]:
    """Each feature of a GML 3.2 feature collection, streamed; a member is freed once the caller moves on.

    `namespaces`, when given, collects the prefix → namespace declarations seen (for diagnostics).
    """
    context = etree.iterparse(
        stream, events=("start-ns", "end"), tag=f"{{{GML32_NS}}}featureMember", huge_tree=True, remove_comments=True
    )
    for event, item in context:
        if event == "start-ns":
            if namespaces is not None:
                prefix, uri = item
                namespaces.setdefault(uri, prefix)
            continue
        for feature in item:
            if isinstance(feature.tag, str):
                yield feature
        item.clear(keep_tail=False)
        parent = item.getparent()
        if parent is not None:
            while item.getprevious() is not None:
                del parent[0]


_ADMINISTRATIVE = frozenset(
    {
        "GebiedsinformatieLevering",
        "GebiedsinformatieAanvraag",
        "Graafpolygoon",
        "Informatiepolygoon",
        "Orientatiepolygoon",
        "Belanghebbende",
        "Beheerder",
        "Belang",
        "Bijlage",
        "EisVoorzorgsmaatregelBijlage",
        "AanduidingEisVoorzorgsmaatregel",
        "EigenTopografie",
    }
)
_ADMINISTRATION = "KLIC administration (aanvraag, levering, polygonen, beheerders, bijlagen)"
_UTILITY_LINK = f"{{{US_NET_COMMON_NS}}}UtilityLink"


@dataclass
class _Delivery:
    """What has streamed by of a delivery and is not handed out yet.

    Cables wait in `cables` (plain columns) until their network and every UtilityLink they name
    have been read; links wait in `links` until their cable is handed out. KLIC writes a cable's
    links next to it, so both stay small; only `networks`, the skip counts and the broken links
    are kept for the whole file.
    """

    path: Path
    org_map: OrganisationMap
    install_years: InstallYearPolicy
    name: str = ""
    meldnummer: str | None = None
    reference: str | None = None
    cables: dict[str, list[Any]] = field(default_factory=lambda: {name: [] for name in _CABLE_FIELDS})
    networks: dict[str, tuple[str | None, float | None]] = field(default_factory=dict)
    links: dict[str, np.ndarray] = field(default_factory=dict)
    link_problems: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    namespaces: dict[str, str] = field(default_factory=dict)
    features: int = 0

    def skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    def chunks(self, chunk_size: int) -> Iterator[MappedRecords]:
        """Stream the file, handing out the cables that can be mapped every `chunk_size` cables, the rest at the end."""
        with _opened(self.path) as (name, stream):
            self.name = name
            since_last = 0
            try:
                for feature in iter_imkl_features(stream, namespaces=self.namespaces):
                    if self.read(feature):
                        since_last += 1
                    if since_last >= chunk_size:
                        since_last = 0
                        chunk = self.hand_out_ready()
                        if chunk is not None:
                            yield chunk
            except etree.XMLSyntaxError as exc:
                raise InputError(f"{name}: not well-formed XML ({exc.msg}, line {exc.lineno})") from None
        _check_namespaces(self.name, self.namespaces, self.features)
        self.reread_links(self.missing_links())
        yield self.hand_out_rest()

    def read(self, feature: etree._Element) -> bool:
        """Take in one feature; True when it was a cable or pipe."""
        self.features += 1
        namespace, _, kind = feature.tag[1:].partition("}")
        if namespace == IMKL_NS and kind in CABLE_CLASSES:
            _read_cable(feature, kind, self.cables)
            return True
        if feature.tag == _UTILITY_LINK:
            _read_link(feature, self)
        elif namespace == IMKL_NS and kind == "Utiliteitsnet":
            self.networks[feature.get(GML_ID, "")] = _read_network(feature)
        elif namespace == IMKL_NS and kind in _ADMINISTRATIVE:
            if kind == "GebiedsinformatieAanvraag":
                self.meldnummer = _text(feature.find(f"{{{IMKL_NS}}}klicMeldnummer")) or self.meldnummer
            self.skip(_ADMINISTRATION)
        elif namespace == IMKL_NS:
            self.skip(f"{kind} (no cable or pipe)")
        else:
            self.skip(f"{kind} in {namespace} (not IMKL 2.0)")
        return False

    def missing_links(self) -> set[str]:
        """UtilityLinks that waiting cables name but that are not (or no longer) at hand."""
        return {
            href
            for hrefs in self.cables["links"]
            for href in hrefs
            if href not in self.links and href not in self.link_problems
        }

    def reread_links(self, wanted: set[str]) -> None:
        """Read these UtilityLinks again: a link two cables share was freed when the first was handed out."""
        if not wanted:
            return
        with _opened(self.path) as (_, stream):
            for feature in iter_imkl_features(stream):
                if feature.tag == _UTILITY_LINK and feature.get(GML_ID) in wanted:
                    _read_link(feature, self)

    def hand_out_ready(self) -> MappedRecords | None:
        """The waiting cables whose network and links have all been read, as asset records (None if none)."""
        ready = np.array(
            [
                network in self.networks and all(h in self.links or h in self.link_problems for h in hrefs)
                for network, hrefs in zip(self.cables["network"], self.cables["links"])
            ],
            dtype=bool,
        )
        return self._hand_out(ready, skipped={}) if ready.any() else None

    def hand_out_rest(self) -> MappedRecords:
        """Every waiting cable (those still missing a network or link become problems), with the skip counts."""
        return self._hand_out(np.ones(len(self.cables["gml_id"]), dtype=bool), skipped=dict(self.skipped))

    def _hand_out(self, ready: np.ndarray, *, skipped: dict[str, int]) -> MappedRecords:
        cables = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in self.cables.items()})
        waiting = cables[~ready]
        self.cables = {k: list(waiting[k]) for k in _CABLE_FIELDS}
        if self.reference is None:
            self.reference = self.meldnummer or _reference_from_name(self.name)
        taken = cables[ready].reset_index(drop=True)
        mapped = _mapped(taken, self, skipped=skipped)
        for hrefs in taken["links"]:
            for href in hrefs:
                self.links.pop(href, None)
        return mapped


def _check_namespaces(name: str, namespaces: dict[str, str], features: int) -> None:
    """Refuse a file that is no IMKL 2.0 delivery, saying what it is instead."""
    found_imkl = [uri for uri in namespaces if "imkl" in uri.lower()]
    if IMKL_NS not in namespaces:
        if found_imkl:
            raise InputError(
                f"{name}: IMKL namespace {found_imkl[0]} is not IMKL 2.0; this importer reads {IMKL_NS} "
                "(ask KLIC for an IMKL 2.0 delivery)"
            )
        if features == 0:
            raise InputError(f"{name}: no GML 3.2 gml:featureMember found; is this a KLIC delivery (IMKL 2.0)?")
        raise InputError(f"{name}: no IMKL 2.0 features (namespace {IMKL_NS}) in this file")
    if features == 0:
        raise InputError(f"{name}: an IMKL file without features (no gml:featureMember)")


def _reference_from_name(name: str) -> str:
    match = re.search(r"(\d{2}[A-Z]\d{7})", name)
    return match.group(1) if match else Path(name).stem


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.get(XSI_NIL) == "true":
        return None
    text = (element.text or "").strip()
    return text or None


def _code(element: etree._Element | None) -> str | None:
    """The last path segment of a codelist href (`…/Thema/laagspanning` → `laagspanning`)."""
    if element is None or element.get(XSI_NIL) == "true":
        return None
    href = (element.get(HREF) or "").strip().rstrip("/")
    return href.rpartition("/")[2] or None


def _by_name(feature: etree._Element) -> dict[str, list[etree._Element]]:
    children: dict[str, list[etree._Element]] = {}
    for child in feature:
        if isinstance(child.tag, str):
            children.setdefault(child.tag.rpartition("}")[2], []).append(child)
    return children


def _first(children: dict[str, list[etree._Element]], *names: str) -> etree._Element | None:
    for name in names:
        if name in children:
            return children[name][0]
    return None


def _read_cable(feature: etree._Element, kind: str, columns: dict[str, list[Any]]) -> None:
    """Append one cable's raw values to the waiting columns (no geometry: that is in its UtilityLinks)."""
    c = _by_name(feature)
    diameter = _first(c, "pipeDiameter", "kabelDiameter", "ductWidth")
    material = _first(c, "buismateriaalType", "telecommunicationsCableMaterialType")
    voltage = _first(c, "nominalVoltage", "operatingVoltage")
    pressure = _first(c, "pressure")
    values = (
        feature.get(GML_ID),
        kind,
        (c["inNetwork"][0].get(HREF) if "inNetwork" in c else None),
        tuple(link.get(HREF) for link in c.get("link", ()) if link.get(HREF)),
        _code(_first(c, "currentStatus")),
        _text(_first(c, "validFrom")),
        _text(_first(c, "beginLifespanVersion")),
        _text(diameter),
        None if diameter is None else (diameter.get("uom") or ""),
        _code(material),
        _text(_first(c, "label")),
        _text(voltage),
        _text(pressure),
        _code(_first(c, "oilGasChemicalsProductType", "productType")),
        _code(_first(c, "waterType")),
        _code(_first(c, "sewerWaterType")),
        _code(_first(c, "geoNauwkeurigheidXY")),
        _text(_first(c, "verticalPosition")),
    )
    for column, value in zip(_CABLE_FIELDS, values):
        # codes, dates and network references repeat across a delivery: keep one copy of each
        columns[column].append(sys.intern(value) if isinstance(value, str) and column != "gml_id" else value)


def _read_link(feature: etree._Element, delivery: _Delivery) -> None:
    """Keep a UtilityLink's centreline coordinates (or why it has none) until its cable is handed out."""
    gml_id = feature.get(GML_ID, "")
    holder = feature.find("{http://inspire.ec.europa.eu/schemas/net/4.0}centrelineGeometry")
    try:
        if holder is None:
            raise GeometryError("UtilityLink without net:centrelineGeometry")
        srs = next((g.get("srsName") for g in holder.iter() if g.get("srsName")), None)
        if srs is not None and not RD_SRS.search(srs.strip()):
            raise GeometryError(f"srsName {srs!r}: IMKL geometry must be in RD New (EPSG:28992)")
        geometry = first_geometry(holder)
        if shapely.get_type_id(geometry) != 1:
            raise GeometryError(f"centrelineGeometry is a {geometry.geom_type}, not a line")
        delivery.links[gml_id] = shapely.get_coordinates(geometry)
    except GeometryError as exc:
        delivery.link_problems[gml_id] = f"UtilityLink {gml_id}: {exc}"


def _read_network(feature: etree._Element) -> tuple[str | None, float | None]:
    c = _by_name(feature)
    theme = _code(_first(c, "thema"))
    depth = _first(c, "standaardDieptelegging")
    value = _text(depth)
    metres = None
    if value is not None and depth is not None:
        factor = _MM_PER_UOM.get(_uom(depth.get("uom")) or "m")
        try:
            metres = float(value) * factor / 1000.0 if factor else None
        except ValueError:
            metres = None
    return theme, metres


def _uom(uom: str | None) -> str | None:
    """`urn:ogc:def:uom:OGC::cm` → `cm`."""
    return None if not uom else uom.strip().rpartition(":")[2].lower()


# -- mapping onto assets -----------------------------------------------------------------------
def _normalised(code: str | None) -> str | None:
    return None if code is None else re.sub(r"[^a-z0-9]", "", code.lower())


def _discipline(kind: str, theme: str | None, material: str | None, product: str | None) -> tuple[str | None, str]:
    """Our discipline for a cable (or None) and, when None, why it is skipped or rejected."""
    if theme is None:
        return None, "reject:its network has no thema"
    if theme not in THEMES:
        return None, f"reject:unknown IMKL theme {theme!r}; expected one of {', '.join(THEMES)}"
    discipline = THEMES[theme]
    if discipline == SKIP:
        return None, f"theme {theme}"
    if discipline is None:
        if _normalised(product) in _GAS_PRODUCTS:
            return "gas", ""
        return None, f"theme {theme} with product {product or 'unknown'} (no discipline)"
    if discipline == "telecom" and MATERIALS.get(_normalised(material) or "", "") == "glasvezel":
        return "fibre", ""
    return discipline, ""


def iter_assets_from_imkl(
    path: str | Path,
    *,
    org_map: OrganisationMap | None = None,
    install_years: InstallYearPolicy | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[MappedRecords]:
    """Assets (lines, one per cable/pipe/duct) from a KLIC delivery, in chunks of about `chunk_size` cables.

    Memory holds one chunk and the cables still waiting for their UtilityLinks, never the delivery; the
    last chunk carries the counts of the features skipped. See the module docstring for the mapping.
    """
    delivery = _Delivery(
        path=Path(path), org_map=org_map or OrganisationMap(), install_years=install_years or InstallYearPolicy()
    )
    yield from delivery.chunks(chunk_size)


def assets_from_imkl(
    path: str | Path,
    *,
    org_map: OrganisationMap | None = None,
    install_years: InstallYearPolicy | None = None,
) -> MappedRecords:
    """Every asset of a KLIC delivery at once (`iter_assets_from_imkl` combined); imports stream the chunks."""
    return MappedRecords.combined(iter_assets_from_imkl(path, org_map=org_map, install_years=install_years))


def _mapped(cables: pd.DataFrame, delivery: _Delivery, *, skipped: dict[str, int]) -> MappedRecords:
    """Asset records from cables whose networks and links have been read (missing ones become problems)."""
    org_map, install_years = delivery.org_map, delivery.install_years
    problems: list[Problem] = []
    if cables.empty:
        return MappedRecords(kind="assets", source=str(delivery.path), records=pd.DataFrame(), skipped=skipped)
    projected = cables["status"] == "projected"
    if projected.any():
        skipped["cables and pipes with status projected (not built yet)"] = int(projected.sum())
        cables = cables[~projected].reset_index(drop=True)
    network = cables["network"].map(lambda n: delivery.networks.get(n, (None, None)))
    theme = network.map(lambda t: t[0])
    decided = [
        _discipline(k, t, m, p)
        for k, t, m, p in zip(cables["klic_class"], theme, cables["material_code"], cables["product_type"])
    ]
    discipline = pd.Series([d for d, _ in decided], dtype=object)
    why = pd.Series([w for _, w in decided], dtype=object)
    unknown_network = ~cables["network"].isin(delivery.networks.keys())
    why[unknown_network] = cables.loc[unknown_network, "network"].map(
        lambda n: f"reject:inNetwork {n!r} names no Utiliteitsnet in the delivery"
    )
    rejected = why.str.startswith("reject:")
    for gml_id, reason in zip(cables.loc[rejected, "gml_id"], why[rejected]):
        problems.append(Problem(kind="assets", record=gml_id, field="discipline", reason=reason[len("reject:") :]))
    skip = discipline.isna() & ~rejected
    for reason, n in why[skip].value_counts().items():
        skipped[f"cables and pipes of {reason}"] = int(n)
    keep = discipline.notna().to_numpy()
    cables, theme, discipline = (s[keep].reset_index(drop=True) for s in (cables, theme, discipline))
    depth = network[keep].reset_index(drop=True).map(lambda t: t[1])

    geometry, geometry_problems = _geometries(cables, delivery)
    problems += geometry_problems
    owner = cables["gml_id"].map(_bronhoudercode)
    organisation = org_map.resolve(owner)
    material_key = cables["material_code"].map(_normalised)
    material = material_key.map(lambda k: None if k is None else (MATERIALS.get(k) or None))
    material = material.where(material_key.map(lambda k: k is None or k in MATERIALS), cables["material_code"])
    material = material.astype(object).where(material.notna(), None)
    given, given_why = years_from_dates(cables["valid_from"])
    given_why = given_why.map(lambda w: None if w is None else f"validFrom: {w}")
    registered, _ = years_from_dates(cables["begin_lifespan"])
    years, unknown = install_years.resolve(
        given,
        given_why,
        registration=registered,
        registration_name="beginLifespanVersion",
        source_name="validFrom",
    )
    local_id = cables["gml_id"].str.replace(r"^nl\.imkl-", "", regex=True)
    records = gpd.GeoDataFrame(
        {
            "id": organisation.fillna(owner).fillna("KLIC") + ":" + local_id,
            "organisation": organisation.where(organisation.notna(), owner),
            "discipline": discipline,
            "asset_type": [
                _TYPE_BY_THEME.get((k, t)) or ("glasvezelkabel" if d == "fibre" else CABLE_CLASSES.get(k, k.lower()))
                for k, t, d in zip(cables["klic_class"], theme, discipline)
            ],
            "material": material,
            "diameter_mm": _millimetres(cables["diameter"], cables["diameter_uom"]),
            "depth_m": depth.astype(float),
            **{c: years[c] for c in years.columns},
            "confidential": True,
            "klic_reference": delivery.reference,
            "klic_gml_id": cables["gml_id"],
            "klic_class": cables["klic_class"],
            "klic_thema": theme,
            "klic_network": cables["network"],
            "bronhoudercode": owner,
            "klic_status": cables["status"],
            "klic_valid_from": cables["valid_from"],
            "klic_begin_lifespan": cables["begin_lifespan"],
            "material_code": cables["material_code"],
            "depth_source": depth.map(lambda d: None if pd.isna(d) else "standaardDieptelegging").astype(object),
            "label": cables["label"],
            "nominal_voltage_v": pd.to_numeric(cables["nominal_voltage_v"], errors="coerce").replace(0, np.nan),
            "pressure_bar": pd.to_numeric(cables["pressure_bar"], errors="coerce"),
            "product_type": cables["product_type"],
            "water_type": cables["water_type"],
            "sewer_water_type": cables["sewer_water_type"],
            "geo_accuracy_xy": cables["geo_accuracy"],
        },
        geometry=gpd.GeoSeries(geometry, crs=CRS),
        crs=CRS,
    )
    no_year = unknown.notna().to_numpy()
    problems += [
        Problem(kind="assets", record=gml_id, field="install_year", reason=reason)
        for gml_id, reason in zip(records.loc[no_year, "klic_gml_id"], unknown[no_year])
    ]
    no_geometry = shapely.is_missing(geometry)
    mapped = pd.Series(
        [f"{k}, {t} → {d}" for k, t, d in zip(cables["klic_class"], theme, discipline)], dtype=object
    ).value_counts()
    return MappedRecords(
        kind="assets",
        source=str(delivery.path),
        records=records.loc[~no_year & ~no_geometry].reset_index(drop=True),
        problems=tuple(problems),
        mapped={str(k): int(v) for k, v in mapped.sort_index().items()},
        skipped=skipped,
        hints={
            "organisation": "map the network manager's bronhoudercode to one of your organisations with --org-map "
            "(columns bronhoudercode,organisation)"
        },
    )


def _bronhoudercode(gml_id: str | None) -> str | None:
    """`nl.imkl-KL1031.LS_kabel_0001` → `KL1031`."""
    if not gml_id:
        return None
    local = gml_id.removeprefix("nl.imkl-")
    return local.partition(".")[0] or None


def _geometries(cables: pd.DataFrame, delivery: _Delivery) -> tuple[np.ndarray, list[Problem]]:
    """Each cable's centreline from its UtilityLinks (split links merged); problems for those without one."""
    geometries = np.full(len(cables), None, dtype=object)
    problems = []
    resolvable = np.zeros(len(cables), dtype=bool)
    for i, (gml_id, links) in enumerate(zip(cables["gml_id"], cables["links"])):
        broken = [delivery.link_problems[h] for h in links if h in delivery.link_problems]
        missing = [h for h in links if h not in delivery.links and h not in delivery.link_problems]
        if not links or broken or missing:
            reason = "; ".join(broken + [f"net:link {h!r} names no UtilityLink in the delivery" for h in missing])
            problems.append(
                Problem(kind="assets", record=gml_id, field="geometry", reason=reason or "no net:link to a UtilityLink")
            )
        else:
            resolvable[i] = True
    counts = cables["links"].map(len).to_numpy()
    single = np.flatnonzero(resolvable & (counts == 1))
    if len(single):
        parts = [delivery.links[links[0]] for links in cables["links"].to_numpy()[single]]
        sizes = np.array([len(p) for p in parts])
        geometries[single] = shapely.linestrings(np.concatenate(parts), indices=np.repeat(np.arange(len(parts)), sizes))
    for i in np.flatnonzero(resolvable & (counts > 1)):  # clipped links: a few per delivery
        lines = [shapely.linestrings(delivery.links[h]) for h in cables["links"].iloc[i]]
        geometries[i] = shapely.line_merge(shapely.multilinestrings(lines))
    return geometries, problems


def _millimetres(values: pd.Series, uoms: pd.Series) -> pd.Series:
    """Diameters in mm from a value and its OGC uom; 0 and unknown units are unknown."""
    numbers = pd.to_numeric(values, errors="coerce")
    factor = uoms.map(lambda u: _MM_PER_UOM.get(_uom(u) or "", np.nan) if isinstance(u, str) else np.nan).astype(float)
    millimetres = numbers * factor
    return millimetres.where(millimetres > 0)
