"""A claim on the underground: a new network (or row of trees) that wants its own strip in the street."""

from __future__ import annotations

from dataclasses import dataclass, replace

from koppelkans.analysis.subsurface.profile import heat_pair_width_m, zone_of
from koppelkans.config import figure
from koppelkans.errors import InputError

__all__ = ["CLAIM_KINDS", "Claim", "claim_from_kind"]

CLAIM_KINDS = ("heat", "lv", "mv", "water", "fibre", "water_storage", "trees")
"""The claims with defaults: heat supply+return pair, extra LV / MV cables, a water main, a fibre duct,
infiltration crates, a row of trees."""


@dataclass(frozen=True, kw_only=True)
class Claim:
    """What a new network needs: a strip of `width_m` at depths `depth_m` with clearances to its neighbours."""

    kind: str
    discipline: str
    width_m: float
    depth_m: tuple[float, float]
    """Top and underside of the claim below ground level."""
    building_line_margin_m: float
    """How far it keeps from both building lines."""
    label_nl: str
    label_en: str

    @property
    def is_tree(self) -> bool:
        return self.discipline == "green"


def _defaults() -> dict[str, Claim]:
    heat_width = heat_pair_width_m(figure("claim_heat_dn_mm"))
    heat_top = figure("cover_heat_m")
    lv_top = figure("cover_telecom_lv_m")
    mv_top = figure("cover_mv_m")
    water_top = figure("cover_gas_water_m")
    margin = figure("building_line_margin_m")
    return {
        "heat": Claim(
            kind="heat",
            discipline="heat",
            width_m=round(heat_width, 3),
            depth_m=(heat_top, round(heat_top + (heat_width - figure("heat_pair_spacing_m")) / 2.0, 3)),
            building_line_margin_m=margin,
            label_nl="warmtenet (aanvoer + retour)",
            label_en="heat main (supply + return)",
        ),
        "lv": Claim(
            kind="lv",
            discipline="electricity_lv",
            width_m=figure("claim_lv_width_m"),
            depth_m=(lv_top, lv_top + figure("cable_bundle_width_m")),
            building_line_margin_m=margin,
            label_nl="extra laagspanningskabels",
            label_en="extra LV cables",
        ),
        "mv": Claim(
            kind="mv",
            discipline="electricity_mv",
            width_m=figure("claim_mv_width_m"),
            depth_m=(mv_top, mv_top + figure("cable_bundle_width_m")),
            building_line_margin_m=margin,
            label_nl="extra middenspanningskabel",
            label_en="extra MV cable",
        ),
        "water": Claim(
            kind="water",
            discipline="water",
            width_m=figure("claim_water_width_m"),
            depth_m=(water_top, water_top + figure("claim_water_width_m")),
            building_line_margin_m=margin,
            label_nl="drinkwaterleiding",
            label_en="water main",
        ),
        "fibre": Claim(
            kind="fibre",
            discipline="fibre",
            width_m=figure("claim_fibre_width_m"),
            depth_m=(lv_top, lv_top + figure("claim_fibre_width_m")),
            building_line_margin_m=margin,
            label_nl="glasvezelbuis",
            label_en="fibre duct",
        ),
        "water_storage": Claim(
            kind="water_storage",
            discipline="water_storage",
            width_m=figure("claim_water_storage_width_m"),
            depth_m=(zone_of("water_storage").cover_m, figure("claim_water_storage_depth_m") + 0.5),
            building_line_margin_m=margin,
            label_nl="infiltratiekratten",
            label_en="infiltration crates",
        ),
        "trees": Claim(
            kind="trees",
            discipline="green",
            width_m=figure("claim_tree_width_m"),
            depth_m=(0.0, figure("tree_root_depth_m")),
            building_line_margin_m=figure("tree_building_line_margin_m"),
            label_nl="bomenrij",
            label_en="row of trees",
        ),
    }


def claim_from_kind(kind: str, *, width_m: float | None = None, depth_m: tuple[float, float] | None = None) -> Claim:
    """The default claim of a kind, with the width or depth band the user gives instead.

    Raises InputError (field `claim`, `width` or `depth`) for an unknown kind or an impossible size.
    """
    defaults = _defaults()
    if kind not in defaults:
        raise InputError(f"unknown claim kind {kind!r}; expected one of {', '.join(CLAIM_KINDS)}", field="claim")
    claim = defaults[kind]
    if width_m is not None:
        if not 0.0 < width_m <= 50.0:
            raise InputError(f"claim width {width_m} m must be above 0 and at most 50 m", field="width")
        claim = replace(claim, width_m=float(width_m))
    if depth_m is not None:
        top, bottom = (float(d) for d in depth_m)
        if not 0.0 <= top < bottom <= 30.0:
            raise InputError(
                f"claim depth {top}–{bottom} m must run from a top ≥ 0 down to a deeper underside ≤ 30 m", field="depth"
            )
        claim = replace(claim, depth_m=(top, bottom))
    return claim
