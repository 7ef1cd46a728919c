"""The cross-section as a municipal engineer draws it (dwarsprofiel), as a self-contained SVG string.

Ground level and both building lines, every cable and pipe as a labelled circle or box at its depth,
the stretch each keeps free of the claim shaded, tree root zones, and the claim where it would go
(or where it was looked for, crossed out). Horizontal and vertical scales differ (the depth is
exaggerated) and the drawing says so.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from koppelkans.analysis.coupling import explain
from koppelkans.analysis.subsurface.engine import CrossSection
from koppelkans.analysis.subsurface.profile import zone_of

__all__ = ["DISCIPLINE_COLOURS", "svg_from_section"]

DISCIPLINE_COLOURS = {
    "sewer": "#7b4a12",
    "water": "#1f6fd1",
    "gas": "#d9a400",
    "electricity_lv": "#d62728",
    "electricity_mv": "#8c1010",
    "telecom": "#2ca02c",
    "fibre": "#12a3b4",
    "heat": "#ff7f0e",
    "lighting": "#6b6b6b",
    "green": "#3a7d22",
    "water_storage": "#6baed6",
    "charging": "#9467bd",
}
_WIDTH_PX = 980.0
_SIDE_PX = 70.0
_LABEL_BAND_PX = 270.0
_DEPTH_PX_PER_M = 120.0
_MIN_LABEL_GAP_PX = 15.0
_TEXT = {
    "nl": {
        "title": "Dwarsprofiel",
        "at": "op",
        "claim": "claim",
        "fits": "past",
        "fits_if_moved": "past alleen als er iets verlegd wordt",
        "does_not_fit": "past niet",
        "building_line": "rooilijn",
        "ground": "maaiveld",
        "free": "vrije breedte",
        "zone": "vrij te houden zone (incl. afstand tot de claim)",
        "roots": "wortelzone boom (CROW 280: 2,5 m)",
        "move": "verleggen",
        "scale": "diepte {v}× overdreven",
        "width": "tussen de rooilijnen",
        "nen": "ligging volgens NEN 7171-1 (niet gemeten)",
    },
    "en": {
        "title": "Cross-section",
        "at": "at",
        "claim": "claim",
        "fits": "fits",
        "fits_if_moved": "fits only if something moves",
        "does_not_fit": "does not fit",
        "building_line": "building line",
        "ground": "ground level",
        "free": "free width",
        "zone": "zone kept clear (incl. distance to the claim)",
        "roots": "tree root zone (CROW 280: 2.5 m)",
        "move": "move",
        "scale": "depth exaggerated {v}×",
        "width": "between the building lines",
        "nen": "position after NEN 7171-1 (not measured)",
    },
}


def svg_from_section(section: CrossSection, *, language: str = "nl") -> str:
    """The dwarsprofiel of one section as an SVG document (UTF-8 text)."""
    text = _TEXT[language]
    occupants = section.occupants.reset_index(drop=True)
    deepest = float(occupants["bottom"].max()) if len(occupants) else 0.0
    depth_m = max(2.5, deepest + 0.4, section.claim.depth_m[1] + 0.4)
    scale_x = (_WIDTH_PX - 2 * _SIDE_PX) / section.width_m
    ground = _LABEL_BAND_PX + 60.0
    height = ground + depth_m * _DEPTH_PX_PER_M + 175.0

    def px(x: float) -> float:
        return _SIDE_PX + x * scale_x

    def py(d: float) -> float:
        return ground + d * _DEPTH_PX_PER_M

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH_PX:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {_WIDTH_PX:.0f} {height:.0f}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">',
        _defs(),
        f'<rect width="{_WIDTH_PX:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        _title(section, text, language),
        # soil and the street surface
        f'<rect x="{px(0):.1f}" y="{ground:.1f}" width="{section.width_m * scale_x:.1f}" '
        f'height="{depth_m * _DEPTH_PX_PER_M:.1f}" fill="#f3ead8"/>',
        f'<line x1="{px(0):.1f}" y1="{ground:.1f}" x2="{px(section.width_m):.1f}" y2="{ground:.1f}" '
        'stroke="#333" stroke-width="3"/>',
        f'<text x="{px(section.width_m) - 4:.1f}" y="{ground - 6:.1f}" text-anchor="end" fill="#333">'
        f"{text['ground']}</text>",
        *_building_lines(px(0), px(section.width_m), ground, py(depth_m), text),
        *_depth_ticks(px(0), depth_m, py, language),
        *_zones(occupants, px, py, scale_x),
        *_objects(occupants, px, py, scale_x, ground),
        *_claim(section, px, py, text, language),
        *_labels(occupants, px, py, ground, language),
        *_dimensions(section, px, py(depth_m) + 30.0, text, language),
        _legend(section, occupants, text, py(depth_m) + 80.0, language),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _number(value: float, language: str, digits: int = 2) -> str:
    formatted = f"{value:.{digits}f}"
    return formatted.replace(".", ",") if language == "nl" else formatted


def _defs() -> str:
    return (
        "<defs>"
        '<pattern id="facade" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#888" stroke-width="2"/></pattern>'
        '<pattern id="nofit" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#c62828" stroke-width="1.5"/></pattern>'
        '<marker id="arrow" markerWidth="8" markerHeight="8" refX="4" refY="4" orient="auto-start-reverse">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker>'
        "</defs>"
    )


def _title(section: CrossSection, text: dict[str, str], language: str) -> str:
    name = section.segment_name or section.segment_id
    verdict_colour = {"fits": "#2e7d32", "fits_if_moved": "#e65100", "does_not_fit": "#c62828"}[section.verdict]
    label = section.claim.label_nl if language == "nl" else section.claim.label_en
    return (
        f'<text x="{_SIDE_PX:.0f}" y="28" font-size="18" font-weight="bold">{text["title"]} {escape(name)} '
        f"({escape(section.segment_id)}) {text['at']} {_number(section.at_m, language, 1)} m</text>"
        f'<text x="{_SIDE_PX:.0f}" y="50" font-size="13">{text["claim"]}: {escape(label)}, '
        f"{_number(section.claim.width_m, language)} m, {_number(section.claim.depth_m[0], language)}–"
        f"{_number(section.claim.depth_m[1], language)} m -mv — "
        f'<tspan fill="{verdict_colour}" font-weight="bold">{text[section.verdict]}</tspan> '
        f"({text['free']} {_number(section.free_width_m, language)} m)</text>"
    )


def _building_lines(left: float, right: float, ground: float, bottom: float, text: dict[str, str]) -> list[str]:
    out = []
    for x, side in ((left, -1), (right, 1)):
        block_x = x if side > 0 else x - 46
        out.append(
            f'<rect x="{block_x:.1f}" y="{ground - 110:.1f}" width="46" height="110" fill="url(#facade)" '
            'stroke="#555"/>'
        )
        out.append(
            f'<line x1="{x:.1f}" y1="{ground - 120:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="#222" '
            'stroke-width="1.5" stroke-dasharray="8 3 2 3"/>'
        )
        out.append(
            f'<text x="{x - 6 * side:.1f}" y="{ground + 16:.1f}" text-anchor="{"end" if side < 0 else "start"}" '
            f'font-size="10" fill="#222">{text["building_line"]}</text>'
        )
    return out


def _depth_ticks(left: float, depth_m: float, py: object, language: str) -> list[str]:
    out = []
    for d in np.arange(0.0, depth_m + 1e-9, 0.5):
        y = py(d)  # type: ignore[operator]
        out.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + 6:.1f}" y2="{y:.1f}" stroke="#555"/>')
        out.append(
            f'<text x="{left + 8:.1f}" y="{y + 3:.1f}" font-size="9" fill="#555">-{_number(d, language, 1)}</text>'
        )
    return out


def _zones(occupants: pd.DataFrame, px: object, py: object, scale_x: float) -> list[str]:
    """The stretch each blocking occupant keeps free of the claim; a tree's root zone in green."""
    out = []
    for o in occupants[occupants["blocks"].to_numpy(dtype=bool)].itertuples(index=False):
        x0, x1 = px(max(o.lo, -0.2)), px(o.hi)  # type: ignore[operator]
        if o.discipline == "green":
            out.append(
                f'<rect x="{x0:.1f}" y="{py(0):.1f}" width="{x1 - x0:.1f}" height="{py(o.bottom) - py(0):.1f}" '  # type: ignore[operator]
                'fill="#3a7d22" fill-opacity="0.12" stroke="#3a7d22" stroke-dasharray="4 3" rx="18"/>'
            )
            continue
        top, bottom = py(max(o.top - 0.1, 0.0)), py(o.bottom + 0.1)  # type: ignore[operator]
        out.append(
            f'<rect x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" height="{bottom - top:.1f}" '
            'fill="#c62828" fill-opacity="0.10" stroke="#c62828" stroke-opacity="0.35" stroke-width="0.8"/>'
        )
    return out


def _objects(occupants: pd.DataFrame, px: object, py: object, scale_x: float, ground: float) -> list[str]:
    out = []
    for o in occupants.itertuples(index=False):
        colour = DISCIPLINE_COLOURS.get(o.discipline, "#444")
        stroke = ' stroke="#e65100" stroke-width="3"' if o.moves else ' stroke="#222" stroke-width="0.8"'
        dash = ' stroke-dasharray="3 2"' if o.position_source == "nen7171" else ""
        x = px(o.x)  # type: ignore[operator]
        size_px = max(o.size * scale_x, 7.0)
        if o.discipline == "green" and o.shape == "point":
            crown = max(18.0, min(60.0, o.size * scale_x * 5))
            out.append(
                f'<line x1="{x:.1f}" y1="{ground:.1f}" x2="{x:.1f}" y2="{ground - 70:.1f}" stroke="#6d4c2f" '
                f'stroke-width="{max(3.0, size_px / 2):.1f}"/>'
                f'<circle cx="{x:.1f}" cy="{ground - 80:.1f}" r="{crown:.1f}" fill="#3a7d22" '
                f'fill-opacity="0.55"{stroke}/>'
            )
        elif o.shape == "point" and o.discipline in ("lighting", "charging"):
            out.append(
                f'<line x1="{x:.1f}" y1="{ground:.1f}" x2="{x:.1f}" y2="{ground - 90:.1f}" stroke="{colour}" '
                'stroke-width="3"/>'
                f'<rect x="{x - size_px / 2:.1f}" y="{ground:.1f}" width="{size_px:.1f}" '
                f'height="{py(o.bottom) - ground:.1f}" fill="{colour}" fill-opacity="0.6"{stroke}{dash}/>'  # type: ignore[operator]
            )
        elif o.shape == "point" or o.shape == "area":
            out.append(
                f'<rect x="{x - size_px / 2:.1f}" y="{py(o.top):.1f}" width="{size_px:.1f}" '  # type: ignore[operator]
                f'height="{py(o.bottom) - py(o.top):.1f}" fill="{colour}" fill-opacity="0.3"{stroke}{dash}/>'  # type: ignore[operator]
            )
        elif o.discipline == "heat":
            casing = max((py(o.bottom) - py(o.top)) / 2.0, 4.0)  # type: ignore[operator]
            cy = (py(o.top) + py(o.bottom)) / 2.0  # type: ignore[operator]
            for dx in (-size_px / 4.0, size_px / 4.0):
                out.append(f'<circle cx="{x + dx:.1f}" cy="{cy:.1f}" r="{casing:.1f}" fill="{colour}"{stroke}{dash}/>')
        elif zone_of(o.discipline).size_m <= 0.1 + 1e-9 and o.size <= 0.1 + 1e-9:
            h = max((py(o.bottom) - py(o.top)), 7.0)  # type: ignore[operator]
            out.append(
                f'<rect x="{x - size_px / 2:.1f}" y="{py(o.top):.1f}" width="{size_px:.1f}" height="{h:.1f}" '  # type: ignore[operator]
                f'fill="{colour}"{stroke}{dash}/>'
            )
        else:
            r = max(o.size * _DEPTH_PX_PER_M / 2.0, 4.0)
            cy = py(o.bottom) - r  # type: ignore[operator]
            out.append(f'<circle cx="{x:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}"{stroke}{dash}/>')
    return out


def _claim(section: CrossSection, px: object, py: object, text: dict[str, str], language: str) -> list[str]:
    claim = section.claim
    top, bottom = py(claim.depth_m[0]), py(claim.depth_m[1])  # type: ignore[operator]
    label = claim.label_nl if language == "nl" else claim.label_en
    if section.placement is None:
        zone = zone_of(claim.discipline)
        centre = {"left": zone.offset_m, "right": section.width_m - zone.offset_m}.get(
            zone.anchor, section.width_m / 2.0 - zone.offset_m
        )
        x0, x1 = px(centre - claim.width_m / 2.0), px(centre + claim.width_m / 2.0)  # type: ignore[operator]
        return [
            f'<rect x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" height="{bottom - top:.1f}" fill="url(#nofit)" '
            'stroke="#c62828" stroke-width="2" stroke-dasharray="6 3"/>',
            f'<line x1="{x0:.1f}" y1="{top:.1f}" x2="{x1:.1f}" y2="{bottom:.1f}" stroke="#c62828" stroke-width="2"/>',
            f'<line x1="{x0:.1f}" y1="{bottom:.1f}" x2="{x1:.1f}" y2="{top:.1f}" stroke="#c62828" stroke-width="2"/>',
            f'<text x="{(x0 + x1) / 2:.1f}" y="{bottom + 16:.1f}" text-anchor="middle" fill="#c62828" '
            f'font-weight="bold">{escape(label)}: {text["does_not_fit"]}</text>',
        ]
    colour = "#2e7d32" if section.verdict == "fits" else "#e65100"
    x0, x1 = px(section.placement[0]), px(section.placement[1])  # type: ignore[operator]
    return [
        f'<rect x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" height="{bottom - top:.1f}" fill="{colour}" '
        f'fill-opacity="0.35" stroke="{colour}" stroke-width="2.5" stroke-dasharray="6 3"/>',
        f'<text x="{(x0 + x1) / 2:.1f}" y="{bottom + 16:.1f}" text-anchor="middle" fill="{colour}" '
        f'font-weight="bold">{text["claim"]}: {escape(label)}</text>',
    ]


def _labels(occupants: pd.DataFrame, px: object, py: object, ground: float, language: str) -> list[str]:
    """Rotated labels in the band above the street, spread so they do not overlap, with leader lines."""
    if occupants.empty:
        return []
    table = occupants.drop_duplicates("asset_id").sort_values("x")
    xs = np.array([px(x) for x in table["x"]])  # type: ignore[operator]
    placed = xs.copy()
    for i in range(1, len(placed)):  # a sweep over one section's objects
        placed[i] = max(placed[i], placed[i - 1] + _MIN_LABEL_GAP_PX)
    overflow = placed[-1] - (_WIDTH_PX - 20.0)
    if overflow > 0:
        placed -= overflow
    out = []
    base = ground - 128.0
    for o, x, lx in zip(table.itertuples(index=False), xs, placed, strict=True):
        name = explain.what(o.discipline, language=language)
        size = f"Ø{o.size * 1000:.0f}" if o.shape == "line" and o.size > 0.1 + 1e-9 else ""
        if o.discipline == "heat" and o.shape == "line":
            size = f"2×Ø{(o.bottom - o.top) * 1000:.0f}"
        depth = f"{_number(o.bottom, language)} m" if o.shape == "line" else ""
        tail = o.asset_id.split(":")[-1]
        label = " ".join(p for p in (name, size, depth, f"[{tail}]") if p)
        target = py(o.top) if o.shape == "line" else ground  # type: ignore[operator]
        colour = DISCIPLINE_COLOURS.get(o.discipline, "#444")
        out.append(
            f'<polyline points="{lx:.1f},{base + 4:.1f} {lx:.1f},{base + 12:.1f} {x:.1f},{ground - 2:.1f} '
            f'{x:.1f},{target:.1f}" fill="none" stroke="{colour}" stroke-width="0.7" stroke-dasharray="2 2"/>'
        )
        out.append(
            f'<text transform="translate({lx + 3:.1f},{base:.1f}) rotate(-60)" font-size="10" fill="{colour}">'
            f"{escape(label)}</text>"
        )
    return out


def _dimensions(section: CrossSection, px: object, y: float, text: dict[str, str], language: str) -> list[str]:
    x0, x1 = px(0.0), px(section.width_m)  # type: ignore[operator]
    out = [
        f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}" stroke="#333" marker-start="url(#arrow)" '
        'marker-end="url(#arrow)"/>',
        f'<text x="{(x0 + x1) / 2:.1f}" y="{y - 6:.1f}" text-anchor="middle">'
        f"{_number(section.width_m, language)} m {text['width']} ({section.width_source})</text>",
    ]
    for metre in range(int(section.width_m) + 1):
        xm = px(float(metre))  # type: ignore[operator]
        out.append(f'<line x1="{xm:.1f}" y1="{y - 4:.1f}" x2="{xm:.1f}" y2="{y + 4:.1f}" stroke="#333"/>')
    return out


def _legend(section: CrossSection, occupants: pd.DataFrame, text: dict[str, str], y: float, language: str) -> str:
    items = [
        ('<rect width="14" height="10" fill="#c62828" fill-opacity="0.15" stroke="#c62828"/>', text["zone"]),
        ('<rect width="14" height="10" fill="#3a7d22" fill-opacity="0.15" stroke="#3a7d22"/>', text["roots"]),
        ('<rect width="14" height="10" fill="none" stroke="#e65100" stroke-width="3"/>', text["move"]),
        ('<rect width="14" height="10" fill="none" stroke="#222" stroke-dasharray="3 2"/>', text["nen"]),
    ]
    parts = [f'<g transform="translate({_SIDE_PX:.0f},{y:.1f})" font-size="10">']
    for i, (swatch, label) in enumerate(items):
        col, row = i % 2, i // 2
        parts.append(f'<g transform="translate({col * 420},{row * 18})">{swatch}<text x="20" y="9">{label}</text></g>')
    disciplines = sorted(set(occupants["discipline"])) if len(occupants) else []
    for i, d in enumerate(disciplines):
        parts.append(
            f'<g transform="translate({i * 105},{44})">'
            f'<rect width="12" height="10" fill="{DISCIPLINE_COLOURS.get(d, "#444")}"/>'
            f'<text x="16" y="9">{escape(explain.what(d, language=language))}</text></g>'
        )
    ratio = round(_DEPTH_PX_PER_M / ((_WIDTH_PX - 2 * _SIDE_PX) / section.width_m), 1)
    parts.append(f'<text x="0" y="76" fill="#555">{text["scale"].format(v=_number(ratio, language, 1))}</text>')
    parts.append("</g>")
    return "".join(parts)
