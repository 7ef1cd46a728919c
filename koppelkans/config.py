"""The one home of configuration: where the store is, and the table of figures with a source.

Settings come from the environment (prefix `KOPPELKANS_`), e.g. `KOPPELKANS_DB`. The figures in
`DEFAULTS` are documented, overridable defaults (PRODUCT.md §8); code reads them from here only.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CRS", "DEFAULTS", "MAP_CRS", "NL_BOUNDS_RD", "PDOK_BRT_ACHTERGRONDKAART", "Figure", "Settings", "figure"]

CRS = "EPSG:28992"
"""Everything is stored and computed in RD New (metres)."""

MAP_CRS = "EPSG:4326"
"""What the map is served in."""

NL_BOUNDS_RD = (-7_000.0, 289_000.0, 300_000.0, 629_000.0)
"""The RD New validity box (minx, miny, maxx, maxy); coordinates outside it mean a wrong CRS."""

PDOK_BRT_ACHTERGRONDKAART = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png"
"""The default base map of the web map: PDOK BRT-Achtergrondkaart, grey (Kadaster, CC BY 4.0), WMTS in Web Mercator."""


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A default figure with its unit and its source, so every number can be traced."""

    value: float
    unit: str
    source: str


DEFAULTS: dict[str, Figure] = {
    # segment linking (our own choices; see README "Segment linking")
    "link_tolerance_m": Figure(
        value=2.0, unit="m", source="K1: distance from the centreline that still counts as on the street"
    ),
    "link_min_overlap_m": Figure(
        value=5.0,
        unit="m",
        source="K1: a line must run this far inside a street (or half its own length) to open it",
    ),
    # costs (PRODUCT.md §8)
    "sewer_cost_per_m_300": Figure(value=400.0, unit="EUR/m", source="Stichting RIONED cost key figures"),
    "sewer_cost_per_m_700": Figure(value=800.0, unit="EUR/m", source="Stichting RIONED cost key figures"),
    "sewer_cost_per_m_incl_manholes": Figure(value=540.0, unit="EUR/m", source="Stichting RIONED cost key figures"),
    "road_share_of_sewer_cost": Figure(value=0.45, unit="fraction (30-60 %)", source="RIONED"),
    "heat_main_cost_per_m": Figure(value=1200.0, unit="EUR/m", source="Dutch heat-network studies"),
    "mobilisation_share": Figure(
        value=0.06, unit="fraction of work cost (2-10 %)", source="construction cost practice"
    ),
    # lifetimes (PRODUCT.md §8)
    "sewer_concrete_median_life": Figure(
        value=75.0, unit="years (70-80)", source="Dutch/Flemish sewer deterioration studies"
    ),
    "sewer_concrete_weibull_shape": Figure(value=3.25, unit="-", source="Dutch/Flemish sewer deterioration studies"),
    "sewer_pvc_median_life": Figure(
        value=90.0, unit="years (80-100)", source="Dutch/Flemish sewer deterioration studies"
    ),
    "water_main_design_life": Figure(value=70.0, unit="years", source="Dutch drinking-water sector figures"),
    "asphalt_wearing_course_life": Figure(value=12.5, unit="years (10-15)", source="CROW"),
    "asphalt_weibull_shape": Figure(value=2.5, unit="-", source="CROW"),
    "road_reconstruction_life": Figure(value=50.0, unit="years (40-60)", source="CROW"),
    "patching_penalty": Figure(value=1.64, unit="factor", source="pavement-cut studies"),
    "condition_action_threshold": Figure(value=4.0, unit="NEN 2767 class", source="NEN 2767"),
    # coupling engine (K3)
    "coupling_flex_years": Figure(
        value=2.0,
        unit="years",
        source="K3 default; ±5 years of flexibility raised joint projects from 0 to 18 "
        "(water-infrastructure coordination study, 2024)",
    ),
    "repeated_opening_years": Figure(value=5.0, unit="years", source="K3 default: reopening within N years"),
    "district_max_simultaneous_works": Figure(
        value=3.0, unit="works per buurt per year", source="K3 default: accessibility of a neighbourhood"
    ),
    "default_dig_free_years_surface": Figure(
        value=5.0, unit="years", source="municipal practice: dig-free period after new asphalt/paving"
    ),
    "shared_street_cost_per_m": Figure(
        value=243.0,
        unit="EUR per metre of street opened",
        source="RIONED: road surface 30-60 % (45 %) of a sewer replacement of ≈ EUR 540/m incl. manholes",
    ),
    "reference_street_width_m": Figure(
        value=8.0, unit="m", source="K3: width the shared street cost per metre refers to; scaled by width"
    ),
    "default_work_duration_months": Figure(value=3.0, unit="months", source="K3 default when a work names no duration"),
    "working_days_per_month": Figure(value=21.0, unit="days", source="calendar practice (5-day week)"),
    "task_intensity_default": Figure(
        value=0.5, unit="0-1", source="K3: share of a task area that needs street works when intensity is unknown"
    ),
    "tree_clearance_m": Figure(value=2.5, unit="m", source="CROW 280"),
    "sewer_km_per_30000_inhabitants": Figure(value=139.0, unit="km", source='GWSW example town "Juinen"'),
    # subsurface fit (K10): the NEN 7171-1 standard profile, clearances, claim sizes, relocation costs
    "nen7171_telecom_offset_m": Figure(value=0.3, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_fibre_offset_m": Figure(
        value=0.5, unit="m from building line", source="NEN 7171-1 (2024): data cables next to telecom"
    ),
    "nen7171_lv_offset_m": Figure(value=0.8, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_gas_offset_m": Figure(value=1.3, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_water_offset_m": Figure(value=1.8, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_mv_offset_m": Figure(value=2.3, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_lighting_offset_m": Figure(value=2.8, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_heat_offset_m": Figure(
        value=3.2,
        unit="m from the opposite building line",
        source="K10 assumption: NEN 7171-1 (2024) leaves heat to the local profile; in practice in the verge or "
        "road on the side away from the cable strip",
    ),
    "nen7171_water_storage_offset_m": Figure(
        value=1.8, unit="m from the road axis, away from the cables", source="K10 assumption: crates under the road"
    ),
    "nen7171_tree_offset_m": Figure(
        value=2.0, unit="m from the opposite building line", source="CROW 280: trees on the side away from the cables"
    ),
    "cover_telecom_lv_m": Figure(value=0.6, unit="m", source="NEN 7171-1 (2024)"),
    "cover_mv_m": Figure(value=0.8, unit="m", source="NEN 7171-1 (2024)"),
    "cover_gas_water_m": Figure(value=1.0, unit="m", source="NEN 7171-1 (2024)"),
    "cover_heat_m": Figure(value=0.6, unit="m", source="heat-network practice: pre-insulated pipes, 0.6-0.8 m cover"),
    "sewer_default_depth_m": Figure(
        value=2.0, unit="m (underside)", source="K10 assumption: Dutch street sewers lie 1.5-2.5 m deep"
    ),
    "cable_bundle_width_m": Figure(
        value=0.1, unit="m", source="K10 assumption: width of a cable or duct bundle without a diameter"
    ),
    "network_clearance_m": Figure(
        value=0.3,
        unit="m edge to edge",
        source="municipal Handboek Kabels en Leidingen practice: parallel cables and pipes ≥ 0.3 m apart",
    ),
    "sewer_clearance_m": Figure(
        value=0.5, unit="m edge to edge", source="K10 assumption: room to excavate and repair a gravity sewer"
    ),
    "heat_water_clearance_m": Figure(
        value=1.0,
        unit="m edge to edge",
        source="KWR/Vewin: keep heat networks away from drinking-water mains (warming); K10 default",
    ),
    "vertical_clearance_m": Figure(
        value=0.2, unit="m", source="K10 assumption: a claim may pass under or over a point object this far apart"
    ),
    "building_line_margin_m": Figure(
        value=0.3, unit="m", source="K10 assumption: keep new networks off façade foundations"
    ),
    "tree_building_line_margin_m": Figure(
        value=2.0, unit="m", source="CROW 280 / municipal practice: trunk at least 2 m from the façade"
    ),
    "tree_root_depth_m": Figure(value=1.5, unit="m", source="CROW 280: root zone of street trees (drawing only)"),
    "heat_casing_extra_m": Figure(
        value=0.125, unit="m added to DN", source="EN 253 pre-insulated pipes, series 1: casing ≈ DN + 125 mm"
    ),
    "heat_pair_spacing_m": Figure(
        value=0.15, unit="m between supply and return casings", source="EN 13941 installation practice"
    ),
    "claim_heat_dn_mm": Figure(
        value=100.0, unit="mm", source="K10 default: a distribution main in a residential street"
    ),
    "claim_lv_width_m": Figure(
        value=0.3, unit="m", source="K10 default: two extra LV cables for grid reinforcement, side by side"
    ),
    "claim_mv_width_m": Figure(value=0.3, unit="m", source="K10 default: one MV ring cable pair"),
    "claim_water_width_m": Figure(value=0.16, unit="m", source="K10 default: a Ø160 distribution main"),
    "claim_fibre_width_m": Figure(value=0.1, unit="m", source="K10 default: a fibre duct bundle"),
    "claim_water_storage_width_m": Figure(
        value=1.0, unit="m", source="K10 default: a row of infiltration crates (0.8-1.2 m wide)"
    ),
    "claim_water_storage_depth_m": Figure(value=0.8, unit="m", source="K10 default: crate height incl. cover"),
    "claim_tree_width_m": Figure(value=0.5, unit="m", source="K10 default: a young trunk with its tree guard"),
    "station_spacing_m": Figure(
        value=5.0, unit="m", source="K10 choice: a cross-section every 5 m stands for that piece of street"
    ),
    "move_cost_per_m_cable": Figure(
        value=150.0,
        unit="EUR/m",
        source="indicative: relocating a cable costs about laying one (grid-operator unit costs)",
    ),
    "move_cost_per_m_pipe": Figure(
        value=300.0, unit="EUR/m", source="indicative: relocating a gas/water main (drinking-water and grid unit costs)"
    ),
    "move_cost_per_m_sewer": Figure(value=540.0, unit="EUR/m", source="Stichting RIONED cost key figures"),
    "move_cost_tree": Figure(value=1500.0, unit="EUR/tree", source="indicative: felling and replanting a street tree"),
    "move_cost_post": Figure(value=2500.0, unit="EUR/post", source="indicative: moving a lamp post or charging point"),
}


class Settings(BaseSettings):
    """Runtime settings; environment variables `KOPPELKANS_<NAME>` override the defaults."""

    model_config = SettingsConfigDict(env_prefix="KOPPELKANS_")

    db: str = Field(default="koppelkans.gpkg", description="store URL or GeoPackage path")
    language: str = Field(default="nl", pattern="^(nl|en)$", description="language of explanations and the UI")
    link_tolerance_m: float = Field(default=DEFAULTS["link_tolerance_m"].value, ge=0)
    link_min_overlap_m: float = Field(default=DEFAULTS["link_min_overlap_m"].value, ge=0)
    user: str | None = Field(
        default=None, description="who the CLI acts as (a registered user's e-mail); `cli:<login>` when unset"
    )
    public_works: bool = Field(
        default=False,
        description="anonymous visitors may read works (API, OGC API, tiles, map) without confidential layers",
    )
    session_hours: float = Field(default=12.0, gt=0, description="how long a web login lasts")
    cookie_secure: bool = Field(
        default=True, description="mark the session cookie Secure (sent over HTTPS only; off only for local HTTP)"
    )
    login_max_failures: int = Field(default=5, ge=1, description="failed logins per e-mail and address ...")
    login_window_minutes: float = Field(default=15.0, gt=0, description="... within this many minutes → 429")
    basemap_url: str = Field(
        default=PDOK_BRT_ACHTERGRONDKAART,
        description="XYZ tile URL of the web map's base map ({z}/{x}/{y}); empty for none (offline)",
    )
    coupling_respond_days: int = Field(
        default=15, ge=1, description="days members have to respond to a proposed coupling (GIPOD synergy: 15)"
    )
    coupling_realise_days: int = Field(
        default=45, ge=1, description="days to realise an accepted coupling before it escalates (GIPOD synergy: 45)"
    )
    smtp_host: str = Field(default="localhost", description="SMTP server that sends the notification digests")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = Field(default="koppelkans@localhost", description="sender address of the digests")
    webhook_attempts: int = Field(default=4, ge=1, description="tries per webhook delivery before giving up")
    webhook_backoff_s: float = Field(
        default=2.0, ge=0, description="wait before the first retry of a webhook; doubled after each failure"
    )
    upload_max_mb: float = Field(
        default=20.0, gt=0, description="largest file the API accepts as a subscription's area (413 above it)"
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, description="how long a webhook receiver may take")


def figure(name: str) -> float:
    """The value of a documented default figure."""
    return DEFAULTS[name].value
