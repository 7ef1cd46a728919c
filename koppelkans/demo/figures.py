"""The figures the demo generator needs beyond `config.DEFAULTS`, each with its source.

Same `Figure` type as the defaults table, so they can move into `config.py` unchanged. Figures
marked "demo assumption" are our own calibration, chosen inside the range the named source gives.
"""

from __future__ import annotations

from koppelkans.config import DEFAULTS, Figure

__all__ = ["DEMO_FIGURES", "DEMO_YEAR", "demo_figure"]

DEMO_YEAR = 2026
"""The year the demo register describes: assets are installed up to it, works start after it."""

DEMO_FIGURES: dict[str, Figure] = {
    # -- the town ------------------------------------------------------------------------------
    "enschede_inhabitants": Figure(value=160_000.0, unit="inhabitants", source="CBS (PRODUCT.md §8)"),
    "buurt_inhabitants": Figure(
        value=2_600.0, unit="inhabitants per residential buurt", source="CBS Kerncijfers wijken en buurten (Enschede)"
    ),
    "rural_share_of_inhabitants": Figure(
        value=0.03, unit="fraction", source="demo assumption; CBS buitengebied buurten of Twente towns"
    ),
    "sewer_m_per_manhole": Figure(
        value=40.0, unit="m", source='GWSW example town "Juinen": 139 km sewer, 3,475 manholes (PRODUCT.md §8)'
    ),
    # -- renewal rates (PRODUCT.md §8) ---------------------------------------------------------
    "sewer_renewal_rate": Figure(value=0.0087, unit="fraction/yr (rising to 0.0185)", source="RIONED"),
    "sewer_renewal_rate_future": Figure(value=0.0185, unit="fraction/yr", source="RIONED"),
    "water_main_renewal_rate": Figure(value=0.005, unit="fraction/yr", source="Dutch drinking-water sector figures"),
    "water_main_mean_age": Figure(value=42.0, unit="years", source="Dutch drinking-water sector figures"),
    "gas_main_renewal_rate": Figure(
        value=0.008, unit="fraction/yr", source="demo assumption; grid operators' risk-based replacement programmes"
    ),
    "road_resurfacing_rate": Figure(
        value=0.06, unit="fraction of road length/yr", source="demo assumption from CROW wearing-course life 10-15 yr"
    ),
    "grid_reinforcement_buurten_per_year": Figure(
        value=0.05, unit="fraction of buurten/yr", source="demo assumption; Netbeheer Nederland grid-congestion plans"
    ),
    "fibre_coverage": Figure(
        value=0.88, unit="fraction of residential buurten (2026)", source="demo assumption; Dutch FttH coverage 2025"
    ),
    # -- costs (EUR excl. VAT, price level 2026) -----------------------------------------------
    "sewer_manhole_cost": Figure(value=3_000.0, unit="EUR/manhole", source="demo assumption; RIONED cost key figures"),
    "water_main_cost_per_m": Figure(
        value=350.0, unit="EUR/m", source="demo assumption; Dutch drinking-water companies' renewal costs"
    ),
    "gas_main_cost_per_m": Figure(value=250.0, unit="EUR/m", source="demo assumption; grid-operator unit costs"),
    "lv_cable_cost_per_m": Figure(value=180.0, unit="EUR/m", source="demo assumption; grid-operator unit costs"),
    "mv_cable_cost_per_m": Figure(value=300.0, unit="EUR/m", source="demo assumption; grid-operator unit costs"),
    "fibre_cost_per_m": Figure(value=60.0, unit="EUR/m", source="demo assumption; FttH roll-out cost per metre"),
    "telecom_cost_per_m": Figure(value=70.0, unit="EUR/m", source="demo assumption"),
    "asphalt_cost_per_m2": Figure(value=25.0, unit="EUR/m2 (resurfacing)", source="demo assumption; CROW key figures"),
    "paving_cost_per_m2": Figure(value=45.0, unit="EUR/m2 (relaying)", source="demo assumption; CROW key figures"),
    "road_reconstruction_cost_per_m2": Figure(value=110.0, unit="EUR/m2", source="demo assumption; CROW key figures"),
    "lamp_post_cost": Figure(value=2_500.0, unit="EUR/lamp post", source="demo assumption; public-lighting practice"),
    "tree_cost": Figure(value=1_500.0, unit="EUR/tree incl. tree pit", source="demo assumption; municipal practice"),
    "water_storage_cost_per_m": Figure(
        value=450.0, unit="EUR/m of street", source="demo assumption; infiltration crates and disconnection"
    ),
    # -- lifetimes (median years) --------------------------------------------------------------
    "water_main_ac_life": Figure(value=60.0, unit="years", source="demo assumption; asbestos-cement mains"),
    "gas_main_life": Figure(value=65.0, unit="years", source="demo assumption; grid-operator practice"),
    "cable_life": Figure(value=60.0, unit="years", source="demo assumption; grid-operator practice"),
    "telecom_life": Figure(value=50.0, unit="years", source="demo assumption"),
    "heat_main_life": Figure(value=50.0, unit="years", source="demo assumption; steel pre-insulated pipes"),
    "paving_life": Figure(value=35.0, unit="years", source="demo assumption; CROW road-management practice"),
    "lamp_post_life": Figure(value=40.0, unit="years", source="demo assumption; public-lighting practice"),
    "street_tree_life": Figure(value=60.0, unit="years", source="demo assumption; municipal tree management"),
    # -- NEN 7171-1: distance from the building line and cover (PRODUCT.md §8) -----------------
    "nen7171_telecom_offset_m": Figure(value=0.3, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_lv_offset_m": Figure(value=0.8, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_gas_offset_m": Figure(value=1.3, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_water_offset_m": Figure(value=1.8, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_mv_offset_m": Figure(value=2.3, unit="m from building line", source="NEN 7171-1 (2024)"),
    "nen7171_lighting_offset_m": Figure(value=2.8, unit="m from building line", source="NEN 7171-1 (2024)"),
    "cover_telecom_lv_m": Figure(value=0.6, unit="m", source="NEN 7171-1 (2024)"),
    "cover_mv_m": Figure(value=0.8, unit="m", source="NEN 7171-1 (2024)"),
    "cover_gas_water_m": Figure(value=1.0, unit="m", source="NEN 7171-1 (2024)"),
    "heat_main_m_per_dwelling": Figure(value=6.0, unit="m (3.2-10)", source="Dutch heat-network studies (§8)"),
}


def demo_figure(name: str) -> float:
    """The value of a demo figure, falling back on the project-wide defaults table."""
    if name in DEMO_FIGURES:
        return DEMO_FIGURES[name].value
    return DEFAULTS[name].value
