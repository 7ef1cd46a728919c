"""The standard street profile (NEN 7171-1): where each discipline lies, how deep, how wide, how far apart.

Dutch practice orders the networks from the building line (rooilijn) on the cable-strip side of the
street: telecom, fibre, low voltage, gas, drinking water, medium voltage and public lighting, each
in its own strip under the pavement; the sewer lies in the road axis; heat mains (which NEN 7171-1
leaves to the local profile) and trees go on the other side, in the verge or the road, and
infiltration crates under the road. Where a record has no usable position or depth, its discipline's
default zone below stands in for it (and the result says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from koppelkans.config import figure

__all__ = [
    "MOVABLE",
    "NETWORKS",
    "SURFACE_DISCIPLINES",
    "Anchor",
    "Zone",
    "clearance_between",
    "heat_pair_width_m",
    "zone_of",
]

Anchor = Literal["left", "axis", "right"]
"""What a default offset counts from: the cable-strip building line, the road axis, the opposite building line."""

SURFACE_DISCIPLINES = frozenset({"road"})
"""Disciplines whose assets are the street surface itself, not objects in the ground."""

NETWORKS = frozenset(
    {"sewer", "water", "gas", "electricity_lv", "electricity_mv", "telecom", "fibre", "heat", "water_storage"}
)
"""Cables and pipes: what a tree keeps its CROW 280 distance from."""

MOVABLE = frozenset(
    {"water", "gas", "electricity_lv", "electricity_mv", "telecom", "fibre", "heat", "lighting", "green"}
)
"""What can be relocated for a new claim; gravity sewers and infiltration crates cannot (their fall and volume)."""


@dataclass(frozen=True, kw_only=True)
class Zone:
    """A discipline's default place in the profile and its default size and cover."""

    discipline: str
    anchor: Anchor
    offset_m: float
    """Distance of the zone's centre from its anchor (towards the street's inside)."""
    cover_m: float
    """Depth of the top of the object below ground level."""
    size_m: float
    """Width (and height) of an object without a registered diameter."""


def _zones() -> dict[str, Zone]:
    cable = figure("cable_bundle_width_m")
    return {
        "telecom": Zone(
            discipline="telecom",
            anchor="left",
            offset_m=figure("nen7171_telecom_offset_m"),
            cover_m=figure("cover_telecom_lv_m"),
            size_m=cable,
        ),
        "fibre": Zone(
            discipline="fibre",
            anchor="left",
            offset_m=figure("nen7171_fibre_offset_m"),
            cover_m=figure("cover_telecom_lv_m"),
            size_m=cable,
        ),
        "electricity_lv": Zone(
            discipline="electricity_lv",
            anchor="left",
            offset_m=figure("nen7171_lv_offset_m"),
            cover_m=figure("cover_telecom_lv_m"),
            size_m=cable,
        ),
        "gas": Zone(
            discipline="gas",
            anchor="left",
            offset_m=figure("nen7171_gas_offset_m"),
            cover_m=figure("cover_gas_water_m"),
            size_m=0.11,
        ),
        "water": Zone(
            discipline="water",
            anchor="left",
            offset_m=figure("nen7171_water_offset_m"),
            cover_m=figure("cover_gas_water_m"),
            size_m=0.16,
        ),
        "electricity_mv": Zone(
            discipline="electricity_mv",
            anchor="left",
            offset_m=figure("nen7171_mv_offset_m"),
            cover_m=figure("cover_mv_m"),
            size_m=cable,
        ),
        "lighting": Zone(
            discipline="lighting",
            anchor="left",
            offset_m=figure("nen7171_lighting_offset_m"),
            cover_m=0.0,
            size_m=0.3,
        ),
        "sewer": Zone(
            discipline="sewer",
            anchor="axis",
            offset_m=0.0,
            cover_m=figure("sewer_default_depth_m") - 0.4,
            size_m=0.4,
        ),
        "water_storage": Zone(
            discipline="water_storage",
            anchor="axis",
            offset_m=-figure("nen7171_water_storage_offset_m"),
            cover_m=0.5,
            size_m=figure("claim_water_storage_width_m"),
        ),
        "heat": Zone(
            discipline="heat",
            anchor="right",
            offset_m=figure("nen7171_heat_offset_m"),
            cover_m=figure("cover_heat_m"),
            size_m=heat_pair_width_m(figure("claim_heat_dn_mm")),
        ),
        "green": Zone(
            discipline="green",
            anchor="right",
            offset_m=figure("nen7171_tree_offset_m"),
            cover_m=0.0,
            size_m=0.3,
        ),
        "charging": Zone(discipline="charging", anchor="left", offset_m=0.5, cover_m=0.0, size_m=0.3),
    }


def zone_of(discipline: str) -> Zone:
    """The default zone of a discipline (an unknown one is drawn as a cable in the axis)."""
    zones = _zones()
    if discipline in zones:
        return zones[discipline]
    return Zone(
        discipline=discipline,
        anchor="axis",
        offset_m=0.0,
        cover_m=figure("cover_telecom_lv_m"),
        size_m=figure("cable_bundle_width_m"),
    )


def heat_pair_width_m(dn_mm: float) -> float:
    """Width of a supply + return pair of pre-insulated pipes of nominal size DN (EN 253 casings side by side)."""
    casing = dn_mm / 1000.0 + figure("heat_casing_extra_m")
    return 2.0 * casing + figure("heat_pair_spacing_m")


def own_clearance(discipline: str) -> float:
    """The edge-to-edge distance a discipline keeps to its neighbours."""
    if discipline in ("sewer", "water_storage"):
        return figure("sewer_clearance_m")
    return figure("network_clearance_m")


def clearance_between(a: str, b: str) -> float:
    """The edge-to-edge distance two disciplines keep: the larger of their own, or a pair rule.

    Trees keep 2.5 m from every cable and pipe (CROW 280); heat keeps 1 m from drinking water
    (warming, KWR/Vewin).
    """
    pair = {a, b}
    if "green" in pair and len(pair & NETWORKS) == 1:
        return figure("tree_clearance_m")
    if pair == {"heat", "water"}:
        return figure("heat_water_clearance_m")
    return max(own_clearance(a), own_clearance(b))
