"""The map's colours: disciplines as a GIS user reads a KLIC/NEN drawing, works by status, tasks by theme.

KLIC (the Dutch cable and pipe information delivery) colours the networks per theme: electricity red
(medium voltage darker), gas yellow, drinking water blue, sewer purple-brown, data/telecom green,
heat orange. The other disciplines get colours that do not collide with those.
"""

from __future__ import annotations

__all__ = ["DISCIPLINE_COLOURS", "DUE_COLOURS", "STATUS_STYLES", "THEME_COLOURS"]

DISCIPLINE_COLOURS: dict[str, str] = {
    "electricity_lv": "#e53935",  # KLIC laagspanning: red
    "electricity_mv": "#9b111e",  # KLIC middenspanning: dark red
    "gas": "#e6b800",  # KLIC gas: yellow (darkened to read on a light map)
    "water": "#1565c0",  # KLIC water: blue
    "sewer": "#7b3f98",  # KLIC riool: purple
    "telecom": "#2e7d32",  # KLIC datatransport: green
    "fibre": "#00a676",  # data as well: a bluer green
    "heat": "#ef6c00",  # KLIC warmte: orange
    "road": "#757575",  # pavement: grey
    "green": "#8bc34a",  # trees and planting: leaf green
    "lighting": "#a1887f",  # lamp posts: light brown points (yellow is gas, and the map's selection)
    "water_storage": "#00acc1",  # infiltration crates, wadis: cyan
    "charging": "#d81b60",  # charging points: magenta
}

STATUS_STYLES: dict[str, dict[str, float | list[float]]] = {
    "idea": {"width": 3.0, "dash": [1.5, 1.2], "opacity": 0.85},
    "planned": {"width": 4.0, "dash": [4.0, 1.5], "opacity": 0.95},
    "committed": {"width": 5.0, "dash": [], "opacity": 1.0},
    "in_progress": {"width": 6.0, "dash": [], "opacity": 1.0},
    "done": {"width": 3.0, "dash": [], "opacity": 0.45},
    "cancelled": {"width": 2.0, "dash": [0.5, 1.5], "opacity": 0.35},
}
"""Line width (px), dash pattern (in line widths, empty = solid) and opacity of a work by status:
the firmer the decision, the heavier the line."""

THEME_COLOURS: dict[str, str] = {
    "energy_transition": "#f57c00",
    "climate_adaptation": "#0288d1",
    "social": "#8e24aa",
    "mobility": "#5d4037",
    "biodiversity": "#43a047",
    "circularity": "#546e7a",
}

DUE_COLOURS: tuple[tuple[int, str], ...] = (
    (0, "#b71c1c"),
    (3, "#e65100"),
    (7, "#f9a825"),
    (15, "#fff176"),
)
"""Years from now → halo colour of an asset due for renewal: overdue deep red, far ahead pale yellow."""
